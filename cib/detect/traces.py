"""Traces: one row per (account, signal, object, time, post).

A trace says "this account shared this object at this time in this post". Each
signal has its own object: the post reshared, a canonical URL, a text key, a
hashtag, the post replied to, a mentioned account, an image id. Detection only
ever looks at traces, so a new signal is a new function here.

Which posts give traces
    ``co_reshare`` uses reshares; every other signal uses originals only
    (``reshare_of`` null), because a reshare repeats its source's links, text,
    hashtags and mentions, and counting them again would turn every co-reshare
    into a co-link, co-text and co-hashtag edge too. Replies and quotes are
    originals.

A post that names one object twice (the same hashtag twice) gives one trace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import polars as pl

from cib.detect.memo import at_least, canonical, text_keys
from cib.normalise import canonical_urls, cnt_text_key, hashtag_key, in_parts, mention_key, text_key
from cib.schema import TIME
from cib.signals import WINDOWED

if TYPE_CHECKING:
    from cib.config import Config
    from cib.detect.memo import Memo

#: how a signal's traces are built: ``(posts, cfg, memo) → traces``
Builder = Callable[[pl.LazyFrame, "Config", "Memo | None"], pl.LazyFrame]

__all__ = ["SIGNALS", "TRACES", "signal_traces", "build_traces", "traces_key"]

#: signals served by the windowed co-occurrence engine, in output order (:data:`cib.signals.WINDOWED`)
SIGNALS: tuple[str, ...] = WINDOWED

#: the public traces table
TRACES: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "signal": pl.String(),
    "object_id": pl.String(),
    "created_at": TIME,
    "post_id": pl.String(),
}

_ORIGINAL = pl.col("reshare_of").is_null()


def _base(posts: pl.LazyFrame) -> list[str]:
    # Columns every trace keeps; "_a" (an account code) when the caller added one.
    names = posts.collect_schema().names()
    return ["_p", "account_id", "created_at", *(["_a"] if "_a" in names else [])]


def _scalar(column: str, *, originals: bool) -> Builder:
    def build(posts: pl.LazyFrame, cfg: Config, memo: Memo | None) -> pl.LazyFrame:
        lf = posts.filter(_ORIGINAL) if originals else posts
        return lf.select(*_base(posts), pl.col(column).str.strip_chars().alias("object_id"))

    return build


def _listed(column: str, key: Callable[[pl.Expr], pl.Expr] | None) -> Builder:
    def build(posts: pl.LazyFrame, cfg: Config, memo: Memo | None) -> pl.LazyFrame:
        lf = posts.filter(_ORIGINAL).select(*_base(posts), pl.col(column).alias("object_id"))
        lf = lf.explode("object_id")
        obj = pl.col("object_id").cast(pl.String)
        return lf.with_columns((key(obj) if key else obj.str.strip_chars()).alias("object_id"))

    return build


def _links(posts: pl.LazyFrame, cfg: Config, memo: Memo | None) -> pl.LazyFrame:
    lf = posts.filter(_ORIGINAL).select(*_base(posts), pl.col("urls").alias("object_id"))
    lf = lf.explode("object_id").filter(pl.col("object_id").is_not_null())
    if cfg["detect.match_keys"] == "cnt":
        return lf  # CNT pairs URLs as written
    if memo is not None:  # a collection's outputs: each URL canonicalised once, across its runs too
        links = lf.collect()
        return links.with_columns(canonical(links.get_column("object_id").cast(pl.String), memo)).lazy()
    # ural is pure Python; map_batches hands it whole columns and canonical_urls
    # calls it once per distinct URL.
    return lf.with_columns(
        pl.col("object_id").map_batches(canonical_urls, return_dtype=pl.String)
    )


def _texts(posts: pl.LazyFrame, cfg: Config, memo: Memo | None) -> pl.LazyFrame:
    lf = posts.filter(_ORIGINAL & pl.col("text").is_not_null()).select(*_base(posts), "text")
    if cfg["detect.match_keys"] == "cnt":
        key = cnt_text_key(pl.col("text"))
    elif memo is not None:  # a collection's outputs: each text keyed once, across its runs too
        texts = lf.collect()
        keys = text_keys(texts.get_column("text"), memo).alias("object_id")
        return texts.with_columns(keys).select(pl.exclude("text")).with_columns(
            at_least(pl.col("object_id"), int(cfg["detect.co_text.min_chars"]))
        ).lazy()
    else:
        key = text_key(pl.col("text"), min_chars=cfg["detect.co_text.min_chars"])
    # Every row's key, on all cores: measured faster than keying the distinct texts
    # and joining them back, because a unique and a join on long strings cost more
    # than the regular expressions they would save.
    return in_parts(lf.collect(), key.alias("object_id")).drop("text").lazy()


def traces_key(signal: str, cfg: Config) -> tuple:
    """The parameters a signal's traces depend on: what the builders above read."""
    keys = cfg["detect.match_keys"]
    if signal == "co_text" and keys != "cnt":
        return (signal, keys, cfg["detect.co_text.min_chars"])
    return (signal, keys)


_BUILDERS: dict[str, Builder] = {
    "co_reshare": _scalar("reshare_of", originals=False),
    "co_link": _links,
    "co_text": _texts,
    "co_hashtag": _listed("hashtags", hashtag_key),
    "co_reply": _scalar("reply_to", originals=True),
    "co_mention": _listed("mentions", mention_key),
    "co_image": _listed("media", None),
}


#: signals whose posts name at most one object (no duplicates to drop)
_ONE_OBJECT_PER_POST = frozenset({"co_reshare", "co_reply", "co_text"})


def signal_traces(posts: pl.LazyFrame, signal: str, cfg: Config, memo: Memo | None = None) -> pl.LazyFrame:
    """Internal traces of one signal: ``_p`` (post code), ``account_id`` (or ``_a``), ``object_id``, ``t`` (µs).

    Parameters
    ----------
    posts
        Posts with a ``_p`` column (a unique integer per post) and, optionally,
        ``_a`` (an integer per account), which then replaces ``account_id``.
    signal
        A name in :data:`SIGNALS`.
    cfg
        Effective configuration.
    memo
        A collection's cache (:class:`cib.detect.memo.Memo`): text keys and
        canonical URLs are taken from its previous run; the same traces.

    Returns
    -------
    pl.LazyFrame
        One row per distinct (post, object); rows without object, account or time dropped.
    """
    lf = _BUILDERS[signal](posts, cfg, memo)
    account = "_a" if "_a" in posts.collect_schema().names() else "account_id"
    lf = lf.filter(
        pl.col("object_id").is_not_null()
        & (pl.col("object_id") != "")
        & pl.col(account).is_not_null()
        & pl.col("created_at").is_not_null()
    ).select("_p", account, "object_id", pl.col("created_at").cast(TIME).dt.epoch("us").alias("t"))
    if signal in _ONE_OBJECT_PER_POST:
        return lf
    return lf.unique(["_p", "object_id"], keep="first", maintain_order=True)


def build_traces(posts: pl.DataFrame, cfg: Config, signals: Iterable[str] | None = None) -> pl.DataFrame:
    """The traces table of the given signals (all of :data:`SIGNALS` by default).

    Parameters
    ----------
    posts
        Canonical posts.
    cfg
        Effective configuration (text key length).
    signals
        Which signals.

    Returns
    -------
    pl.DataFrame
        :data:`TRACES` columns, sorted by signal, object, time, account, post.
    """
    indexed = posts.lazy().with_row_index("_p")
    frames = []
    for sig in signals or SIGNALS:
        tr = signal_traces(indexed, sig, cfg).join(
            indexed.select("_p", "post_id"), on="_p", how="left"
        )
        frames.append(
            tr.select(
                "account_id",
                pl.lit(sig).alias("signal"),
                "object_id",
                pl.from_epoch("t", time_unit="us").dt.replace_time_zone("UTC").cast(TIME).alias("created_at"),
                "post_id",
            )
        )
    if not frames:
        return pl.DataFrame(schema=TRACES)
    return (
        pl.concat(frames)
        .collect()
        .cast(TRACES)  # type: ignore[arg-type]
        .sort(["signal", "object_id", "created_at", "account_id", "post_id"])
    )
