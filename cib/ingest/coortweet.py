"""CooRTweet's tables: its detection input and its long multi-object table.

``coortweet``: ``object_id, account_id, content_id, timestamp_share``.
CooRTweet does not say what kind of object is shared; cib reads it as a
reshare (``reshare_of`` = ``object_id``), as in the package's own examples,
which is right for its retweet data. A post listed with several objects keeps
the first in file order; the others are counted as de-duplicated.

``coortweet_long``: ``account_id, post_id, timestamp`` with one row per post
and object and object columns ``url_id``, ``hashtag_id``, ``phash_id``
(CooRTweet's ``german_elections``). Rows are folded into one post each, the
objects collected as ``url_<id>``, ``hashtag_<id>`` and ``phash_<id>`` tokens
(opaque ids, never URL-normalised); folded rows count as de-duplicated.
``domain_id`` has no canonical column: the domain is derived from URLs later.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from cib.ingest.base import Chunk, Format, Head, as_text
from cib.ingest.generic import read_rows, renaming_format

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["COORTWEET", "COORTWEET_LONG"]

COORTWEET = renaming_format(
    name="coortweet",
    needs="CooRTweet's table: object_id, account_id, content_id, timestamp_share (Unix seconds); "
    "object_id is read as the post reshared",
    columns={"content_id": "post_id", "account_id": "account_id", "timestamp_share": "created_at", "object_id": "reshare_of"},
    required=("object_id", "account_id", "content_id", "timestamp_share"),
    kinds=frozenset({"csv", "tsv", "parquet", "jsonl"}),
)


_LONG_NEEDS = ("account_id", "post_id", "timestamp")
_LONG_OBJECTS = {"url_id": ("urls", "url_"), "hashtag_id": ("hashtags", "hashtag_"), "phash_id": ("media", "phash_")}


def _sniff_long(head: Head, cfg: Config) -> bool:
    lower = head.lower
    return head.kind in {"csv", "tsv", "parquet", "jsonl"} and all(c in lower for c in _LONG_NEEDS) and any(
        c in lower for c in _LONG_OBJECTS
    )


def _read_long(path: Path, cfg: Config) -> Iterator[Chunk]:
    # A post's rows may lie anywhere in the file, so the whole file is folded at once.
    parts = list(read_rows(path, cfg, str(path)))
    rows = pl.concat([p for p, _ in parts], how="diagonal_relaxed")
    rejects = pl.concat([r for _, r in parts])
    by_lower = {c.lower(): c for c in rows.columns}
    text = {c: as_text(pl.col(by_lower[c]), rows.schema[by_lower[c]]) for c in (*_LONG_NEEDS, *_LONG_OBJECTS) if c in by_lower}
    ids = [text[c].str.strip_chars().replace("", None).alias(c) for c in _LONG_NEEDS]
    objects = [
        text[c].str.strip_chars().cast(pl.Int64, strict=False).cast(pl.String).replace("", None).alias(c)
        for c in _LONG_OBJECTS
        if c in by_lower
    ]
    rows = rows.select([*ids, *objects, pl.col("source_row")])
    # Rows without a post id cannot be folded: each stays a row (and becomes a reject).
    keyed = rows.filter(pl.col("post_id").is_not_null())
    folded = (
        keyed.group_by("post_id", maintain_order=True)
        .agg(
            pl.col("account_id").first(),
            pl.col("timestamp").first().alias("created_at"),
            pl.col("source_row").min(),
            *[
                (pl.lit(_LONG_OBJECTS[c][1]) + pl.col(c)).drop_nulls().unique(maintain_order=True).alias(_LONG_OBJECTS[c][0])
                for c in _LONG_OBJECTS
                if c in rows.columns
            ],
        )
    )
    unkeyed = rows.filter(pl.col("post_id").is_null()).select(
        pl.col("post_id"), pl.col("account_id"), pl.col("timestamp").alias("created_at"), pl.col("source_row")
    )
    staged = pl.concat([folded, unkeyed], how="diagonal_relaxed").sort("source_row")
    yield Chunk(staged, rejects, merged=keyed.height - folded.height)


COORTWEET_LONG = Format(
    name="coortweet_long",
    needs="CooRTweet's long table: account_id, post_id, timestamp (Unix seconds) and object columns "
    "url_id, hashtag_id, phash_id, one row per post and object; rows are folded into posts",
    sniff=_sniff_long,
    read=_read_long,
)
