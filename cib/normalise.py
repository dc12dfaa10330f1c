"""Matching keys: canonical URLs, domains, hashtags, mentions and text keys.

Keys are what detection compares; the text people read stays as written in
``posts``. Everything here is a Polars expression or maps the *unique* values of
a column once (URL canonicalisation goes through :mod:`ural`, which is pure
Python), so the cost follows the number of distinct values, not of posts.

Nothing here touches the network: link shorteners (``bit.ly``, ``t.co``) are
recognised by :func:`is_shortener` but never resolved.
"""

from __future__ import annotations

import re
from functools import cache
from types import ModuleType

import polars as pl

__all__ = [
    "CONFUSABLES",
    "canonical_url",
    "url_domain",
    "is_shortener",
    "canonical_urls",
    "url_domains",
    "lower",
    "casefold",
    "hashtag_key",
    "mention_key",
    "text_key",
    "cnt_text_key",
    "collapse_spaces",
    "in_parts",
]

#: Cyrillic letters drawn like a Latin letter (lowercase, after case folding),
#: folded to the Latin one so that "pоlitics" with a Cyrillic "о" and the
#: Latin spelling give one key. Only glyphs that are identical in common fonts
#: are folded; Kazakh letters with their own shape (ә ғ қ ң ө ұ ү) are kept.
#: Uppercase-only look-alikes (В/B, Н/H, К/K, М/M, Т/T) are not folded: after
#: case folding their lowercase forms differ, and folding the capitals alone
#: would split "Владимир" from "владимир".
CONFUSABLES: dict[str, str] = {
    "а": "a",  # U+0430
    "е": "e",  # U+0435
    "о": "o",  # U+043E
    "р": "p",  # U+0440
    "с": "c",  # U+0441
    "у": "y",  # U+0443
    "х": "x",  # U+0445
    "ѕ": "s",  # U+0455
    "і": "i",  # U+0456 (Ukrainian, Belarusian, Kazakh)
    "ј": "j",  # U+0458
    "һ": "h",  # U+04BB (Kazakh)
    "ӏ": "l",  # U+04CF
    "ԁ": "d",  # U+0501
    "ԛ": "q",  # U+051B
    "ԝ": "w",  # U+051D
    "ё": "ë",  # U+0451
    "ї": "ï",  # U+0457
}

# Full case folding beyond str.lower(): the letters whose fold is not their lowercase.
_FOLD_EXTRA = {"ß": "ss", "ς": "σ", "ſ": "s", "ﬅ": "st", "ﬆ": "st"}

_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.I)
# Applied after case folding, so no (?i); no \b either: both made it ten times slower.
_URL_IN_TEXT = r"[a-z][a-z0-9+.\-]*://\S+|www\.\S+"
_RT_PREFIX = r"^(?:\s*rt\s+@[\w.]+\s*:?\s*)+"
_MENTION = r"(?:^|[^\w@])@[\w.]*\w"

# The runs of whitespace to replace are those of two or more characters or of one that is
# not a plain space: the single spaces between words, nearly all of them, are not matched.
# Measured on 782k texts: 0.10 s, against 0.35 s for r"\s+" and 0.23 s for finding the
# rows that hold such runs first.
_SPACE_RUN = r"\s{2,}|[^\S ]"


def collapse_spaces(expr: pl.Expr) -> pl.Expr:
    """Each run of whitespace (regex ``\\s+``) as one plain space."""
    return expr.str.replace_all(_SPACE_RUN, " ")


@cache
def _ural() -> ModuleType:
    """:mod:`ural`, loaded on first use: compiling its patterns takes a sixth of a second."""
    import ural

    return ural


def _looks_like_url(value: str) -> bool:
    # Opaque ids such as the German data's "url_12345" are not URLs and must
    # survive as they are; a bare "example.com/x" is a URL.
    if _SCHEME.match(value):
        return True
    return _ural().is_url(value, require_protocol=False, tld_aware=True)


def canonical_url(value: str | None) -> str | None:
    """Canonical form of one URL, or the value unchanged when it is not a URL.

    Tracking parameters (``utm_*``, ``fbclid``…), the protocol, ``www``/``m``/``amp``
    sub-domains, fragments (except routing ones), default index pages and trailing
    slashes are removed, the host is lower-cased and the query sorted, by
    :func:`ural.normalize_url`. Shortened links stay as they are (not resolved).

    Parameters
    ----------
    value
        A URL or an opaque link id.

    Returns
    -------
    str or None
        The key; ``None`` for a missing or blank value.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if not _looks_like_url(value):
        return value
    try:
        out = _ural().normalize_url(value)
    except Exception:  # ural raises on a few malformed inputs; the value itself is the best key then
        return value
    return out or value


def url_domain(value: str | None) -> str | None:
    """Registered domain of a URL (``news.bbc.co.uk`` → ``bbc.co.uk``); ``None`` when not a URL."""
    if value is None or not value.strip() or not _looks_like_url(value.strip()):
        return None
    try:
        return _ural().get_domain_name(value.strip())
    except Exception:
        return None


def is_shortener(value: str | None) -> bool:
    """Whether the URL is on a known link shortener (recognised only; never resolved)."""
    if value is None or not _looks_like_url(value.strip()):
        return False
    try:
        return bool(_ural().is_shortened_url(value.strip()))
    except Exception:
        return False


def _map_unique(values: pl.Series, fn) -> pl.Series:
    # ural is pure Python: call it once per distinct value, then join back.
    uniq = values.drop_nulls().unique()
    mapped = pl.Series([fn(v) for v in uniq.to_list()], dtype=pl.String)
    lookup = pl.DataFrame({"_v": uniq, "_k": mapped})
    return (
        values.to_frame("_v")
        .join(lookup, on="_v", how="left", maintain_order="left")
        .get_column("_k")
        .alias(values.name)
    )


def canonical_urls(values: pl.Series) -> pl.Series:
    """:func:`canonical_url` over a string column, computed once per distinct value."""
    return _map_unique(values.cast(pl.String), canonical_url)


def url_domains(values: pl.Series) -> pl.Series:
    """:func:`url_domain` over a string column, computed once per distinct value."""
    return _map_unique(values.cast(pl.String), url_domain)


#: from this many values on, lower case is computed by Arrow (below it, Polars alone: no import)
_ARROW_LOWER_FROM = 10_000
#: the values Polars lower-cases rather than Arrow: those holding İ or Σ, where Arrow's
#: per-character mapping (Unicode's simple one) and Python's ``str.lower`` differ (İ becomes "i̇"
#: under the full mapping, Σ ends a word as ς), or a letter of a script whose case rules the
#: Unicode versions behind Arrow and Polars may not share (Arrow 26 lower-cases 20 letters of Latin
#: Extended-D, -E and -G that Polars keeps). The rest is Latin, Greek, Cyrillic, Armenian, Hebrew,
#: Arabic, punctuation, symbols, CJK and emoji, on which both agree
#: (``tests/test_detect_normalise.py`` checks every code point): a value is lower-cased the same
#: whichever way it goes, so a key does not depend on how many values were keyed with it.
_POLARS_LOWERS = (
    r"[^\x{0}-\x{12F}\x{131}-\x{3A2}\x{3A4}-\x{7FF}\x{2000}-\x{2BFF}\x{3000}-\x{9FFF}"
    r"\x{FE00}-\x{FE0F}\x{1F000}-\x{1FAFF}]"
)


def _lower(values: pl.Series) -> pl.Series:
    # Arrow's kernel, conversions included, took 0.17-0.22 s on 782k texts against 0.63-0.67 s
    # for Polars'; the values holding a letter it may map otherwise are lower-cased by
    # Polars, whose rules for them are Python's (one scan: 0.3 s a million texts).
    if values.len() < _ARROW_LOWER_FROM:
        return values.str.to_lowercase()
    import pyarrow.compute as pc

    lowered = pl.Series(values.name, pc.utf8_lower(values.to_arrow()))
    rows = values.str.contains(_POLARS_LOWERS).fill_null(False).arg_true()
    if rows.len() == 0:
        return lowered
    return lowered.scatter(rows, values.gather(rows).str.to_lowercase())


def lower(expr: pl.Expr) -> pl.Expr:
    """Lower case as Python's ``str.lower`` gives it (full mapping of İ, final sigma).

    Letters that the Unicode version behind Polars, Arrow or Python does not
    know yet may be lower-cased by one and kept by another.
    """
    return expr.map_batches(_lower, return_dtype=pl.String, is_elementwise=True)


def casefold(expr: pl.Expr) -> pl.Expr:
    """NFKC then full case folding (``ß`` → ``ss``; Cyrillic and Kazakh letters kept)."""
    return lower(expr.str.normalize("NFKC")).str.replace_many(_FOLD_EXTRA)


def hashtag_key(expr: pl.Expr) -> pl.Expr:
    """Hashtag key: NFKC, case-folded, without a leading ``#``; blank becomes null."""
    key = casefold(expr).str.strip_chars().str.strip_chars_start("#＃").str.strip_chars()
    # replace, not when/then: a when/then over `key` computes it twice.
    return key.replace("", None)


def mention_key(expr: pl.Expr) -> pl.Expr:
    """Mention key: case-folded handle without a leading ``@``; blank becomes null."""
    key = casefold(expr).str.strip_chars().str.strip_chars_start("@＠").str.strip_chars()
    return key.replace("", None)


def cnt_text_key(expr: pl.Expr) -> pl.Expr:
    """coordination-network-toolkit's co-tweet key: lower case, ``@mentions`` removed, spaces collapsed.

    Used by the ``cnt`` preset so that ``co_text`` pairs are CNT's exactly; it
    keeps URLs and has no minimum length, which is why cib's own key differs.
    """
    key = collapse_spaces(lower(expr).str.replace_all(r"@\S*", "")).str.strip_chars()
    return key.replace("", None)


def text_key(expr: pl.Expr, *, min_chars: int = 0, fold_confusables: bool = True) -> pl.Expr:
    """Copypasta key of a post's text.

    NFKC, case folding, a leading ``RT @x:`` (repeated) removed, URLs and
    ``@mentions`` removed, Latin/Cyrillic look-alike letters folded to Latin
    (:data:`CONFUSABLES`), whitespace collapsed. Letters of every script are kept.

    Parameters
    ----------
    expr
        The text column.
    min_chars
        Keys shorter than this (in characters, after normalising) become null, so
        that "thank you!" does not link strangers.
    fold_confusables
        Fold look-alike letters.

    Returns
    -------
    pl.Expr
        The key, or null.
    """
    key = casefold(expr)
    key = key.str.replace(_RT_PREFIX, "")
    key = key.str.replace_all(_URL_IN_TEXT, " ")
    # The leading character class keeps e-mail addresses' "@" from eating words.
    key = key.str.replace_all(_MENTION, " ")
    if fold_confusables:
        key = key.str.replace_many(CONFUSABLES)
    key = collapse_spaces(key).str.strip_chars()
    # A regex keeps keys of at least min_chars characters (null otherwise) in
    # one pass; a when/then over `key` would compute it twice.
    return key.str.extract(rf"(?s)^(.{{{max(min_chars, 1)},}})$", 1)


def in_parts(frame: pl.DataFrame, *exprs: pl.Expr, parts: int | None = None) -> pl.DataFrame:
    """``frame.with_columns(*exprs)``, computed on row slices in parallel.

    Polars runs one string expression over one column on one thread; text keys
    (regular expressions, Unicode case mapping) over a million texts are worth
    spreading over every core. The slices are put back in order, so the result
    is the same as the one-thread call.

    Parameters
    ----------
    frame
        The rows.
    exprs
        Row-wise expressions (nothing that looks across rows).
    parts
        Slices; the size of Polars' thread pool by default.
    """
    parts = parts or pl.thread_pool_size()
    if parts <= 1 or frame.height < 2 * parts:
        return frame.with_columns(*exprs)
    step = -(-frame.height // parts)
    slices = [frame.slice(i * step, step).lazy().with_columns(*exprs) for i in range(parts)]
    return pl.concat(pl.collect_all(slices))
