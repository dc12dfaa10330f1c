"""CooRTweet's input table: ``object_id, account_id, content_id, timestamp_share``.

CooRTweet does not say what kind of object is shared; cib reads it as a
reshare (``reshare_of`` = ``object_id``), as in the package's own examples,
which is right for its retweet data. A post listed with several objects keeps
the first in file order; the others are counted as de-duplicated.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from cib.ingest.base import Chunk, Format, Head
from cib.ingest.generic import read_rows

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["COORTWEET"]

_NEEDS = ("object_id", "account_id", "content_id", "timestamp_share")


def _sniff(head: Head, cfg: Config) -> bool:
    return head.kind in {"csv", "tsv", "parquet", "jsonl"} and all(c in head.lower for c in _NEEDS)


def _read(path: Path, cfg: Config) -> Iterator[Chunk]:
    for rows, rejects in read_rows(path, cfg, str(path)):
        by_lower = {c.lower(): c for c in rows.columns}
        staged = rows.select(
            pl.col(by_lower["content_id"]).cast(pl.String).alias("post_id"),
            pl.col(by_lower["account_id"]).cast(pl.String).alias("account_id"),
            pl.col(by_lower["timestamp_share"]).cast(pl.String).alias("created_at"),
            pl.col(by_lower["object_id"]).cast(pl.String).alias("reshare_of"),
            pl.col("source_row"),
        )
        yield Chunk(staged, rejects)


COORTWEET = Format(
    name="coortweet",
    needs="CooRTweet's table: object_id, account_id, content_id, timestamp_share (Unix seconds); "
    "object_id is read as the post reshared",
    sniff=_sniff,
    read=_read,
)
