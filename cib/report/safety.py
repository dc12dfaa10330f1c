"""Escaping for text written by the accounts under investigation.

Everything that comes from posts and profiles (handles, display names, texts,
URLs, hashtags, even ids) is hostile: it is shown to a journalist in a browser
and opened in a spreadsheet. The report relies on these layers:

* Jinja2 autoescaping for every value placed in HTML (see :mod:`cib.report.page`);
* :func:`hover_text` for strings Plotly draws (Plotly renders a subset of HTML in
  hover labels, legends and annotations, so ``<`` and ``&`` must be entities);
* :func:`safe_json` for data embedded in a ``<script>`` element, which can
  never close the element or open a comment;
* :func:`safe_url` so that only ``http``/``https`` links become clickable;
* :func:`neutralise_cell` / :func:`neutralise_frame` so that CSV cells are never
  read as spreadsheet formulas, even behind spaces or invisible characters;
* :func:`shown_form` so that handles differing only by characters that show
  nothing (zero-width, bidirectional controls) do not look the same in a table
  (:func:`cib.printable.printable`: ``name\\u200b``);
* :data:`CSP`, a Content-Security-Policy that forbids every network load.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import polars as pl
from markupsafe import escape

from cib.printable import INVISIBLE_REGEX, printable

__all__ = [
    "CSP",
    "FORMULA_PREFIXES",
    "FORMULA_JS",
    "hover_text",
    "safe_json",
    "safe_url",
    "neutralise_cell",
    "neutralise_frame",
    "shown_form",
]

#: Content-Security-Policy of the report: inline script and style only, images
#: from ``data:``/``blob:`` (Plotly's "download as PNG"), no network at all.
#: ``'unsafe-eval'`` is needed by Plotly's WebGL traces (regl compiles shaders
#: with ``new Function``); it adds nothing to an attacker who cannot inject a script.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:; connect-src 'none'; form-action 'none'; base-uri 'none'"
)

#: First characters that make a spreadsheet read a cell as a formula (and
#: their full-width forms, which some spreadsheets fold).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
#: What a spreadsheet may pass over before a formula's first character, or a reader not see:
#: whitespace (no-break and ideographic spaces too) and format characters (the byte-order mark,
#: zero-width spaces and joiners, word joiner, bidirectional controls)
_LEAD_CATEGORIES = ("Zs", "Cf")
# Python's str.isspace also takes the separators U+001C-U+001F, which Unicode's White_Space leaves out
_FORMULA = "^[\\s\\x1c-\\x1f\\p{Cf}]*[" + re.escape("".join(FORMULA_PREFIXES)) + "]"

#: the same rule as a JavaScript regular expression (``u`` flag), for the CSV files the page makes itself
#: (JavaScript's ``\\s`` holds every ``Zs`` space and the byte-order mark)
FORMULA_JS = "^[\\s\\x1c-\\x1f\\p{Cf}]*[" + "".join(f"\\u{ord(c):04x}" for c in FORMULA_PREFIXES) + "]"

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def hover_text(value: Any, *, limit: int | None = 200) -> str:
    """A string made safe to show in a Plotly label.

    Plotly turns ``<b>``, ``<a href>``, ``<br>`` and a few other tags in hover
    text into SVG; escaping ``<``, ``>``, ``&`` and quotes makes it show them
    literally. Long values are cut to ``limit`` characters (before escaping,
    so an entity is never cut in half).

    Parameters
    ----------
    value
        Any value; ``None`` gives ``""``.
    limit
        Maximum characters kept, ``None`` for all.

    Returns
    -------
    str
    """
    if value is None:
        return ""
    text = str(value)
    if limit is not None and len(text) > limit:
        text = text[: max(limit - 1, 0)] + "…"
    # Newlines would be dropped by Plotly anyway; keep the label on its lines.
    text = _CONTROL.sub(" ", text)
    return str(escape(text))


def safe_json(obj: Any) -> str:
    """JSON that can be placed inside a ``<script>`` element as a JavaScript literal.

    ``<``, ``>`` and ``&`` become ``\\u003c``, ``\\u003e`` and ``\\u0026`` (so neither
    ``</script>`` nor ``<!--`` can appear), and U+2028/U+2029 are escaped (they
    end a line in older JavaScript). The result parses to the same value.

    Parameters
    ----------
    obj
        Any JSON-serialisable value (``datetime`` and other objects are written with ``str``).

    Returns
    -------
    str
    """
    try:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=str, allow_nan=False)
    except ValueError:  # NaN or infinity somewhere: JSON has no such numbers, JavaScript reads null
        text = json.dumps(_finite(obj), ensure_ascii=False, separators=(",", ":"), default=str, allow_nan=False)
    return _JSON_UNSAFE.sub(lambda m: _JSON_ESCAPES[m.group(0)], text)


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    return obj


def safe_url(value: Any) -> str | None:
    """The URL if it is an absolute ``http`` or ``https`` URL with a host, else ``None``.

    ``javascript:``, ``data:``, ``vbscript:``, ``file:`` and relative URLs, and
    any URL holding control characters or whitespace (which browsers strip,
    turning ``java\\tscript:`` into ``javascript:``), are refused: the caller
    shows them as plain text.
    """
    if not isinstance(value, str):
        return None
    url = value.strip()
    if not url or _CONTROL.search(url) or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return None
    return url


def neutralise_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet will evaluate.

    A string starting with ``=``, ``+``, ``-``, ``@``, a tab, a carriage
    return or a newline (or a full-width ``＝ ＋ － ＠``), also behind any
    whitespace or format characters (``" =1"``, ``"\\u200b=1"``, ``"\\ufeff@x"``),
    gets a leading ``'``; other values are returned unchanged.
    """
    if isinstance(value, str) and _is_formula(value):
        return "'" + value
    return value


def _is_formula(text: str) -> bool:
    for ch in text:
        if ch in FORMULA_PREFIXES:
            return True
        if not (ch.isspace() or unicodedata.category(ch) in _LEAD_CATEGORIES):
            return False
    return False


def shown_form(frame: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """``frame`` with the text of ``columns`` as people should read it: invisible characters as escapes.

    A handle ending in a zero-width space shows as ``name\\u200b`` beside ``name``;
    control and bidirectional characters likewise (:func:`cib.printable.printable`).
    Only the distinct values holding such characters are rewritten.
    """
    out = frame
    for name in columns:
        found = frame.get_column(name).cast(pl.String)
        odd = found.filter(found.str.contains(INVISIBLE_REGEX)).unique().to_list()
        if odd:
            out = out.with_columns(pl.col(name).cast(pl.String).replace({v: printable(v) for v in odd}))
    return out


def neutralise_frame(frame: pl.DataFrame, *, list_separator: str = "; ", shown: Sequence[str] = ()) -> pl.DataFrame:
    """A frame ready for CSV: lists joined, datetimes as ISO text, every text cell neutralised.

    Parameters
    ----------
    frame
        Any frame.
    list_separator
        Joins the items of list columns.
    shown
        Text columns people identify accounts by (handles): written in their
        :func:`shown_form`.

    Returns
    -------
    polars.DataFrame
        Same columns; list and text columns become strings with formula
        prefixes neutralised (numbers stay numbers).
    """
    frame = shown_form(frame, shown)
    exprs = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List):
            col = col.cast(pl.List(pl.String)).list.join(list_separator)
        elif isinstance(dtype, pl.Datetime):
            if dtype.time_zone:
                col = col.dt.convert_time_zone("UTC").dt.to_string("%Y-%m-%dT%H:%M:%S%.fZ")
            else:
                col = col.dt.to_string("%Y-%m-%dT%H:%M:%S%.f")
        elif dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
            col = col.cast(pl.String)
        else:
            exprs.append(col)
            continue
        exprs.append(pl.when(col.str.contains(_FORMULA)).then(pl.lit("'") + col).otherwise(col).alias(name))
    return frame.select(exprs)
