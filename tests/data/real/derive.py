"""Derive the parity fixtures in this folder from ../shared/data/real.

Run from the repository root: ``.venv/bin/python tests/data/real/derive.py``.

The fixtures are the *whole* inputs the peers' published outputs were computed
on, for the signal compared, with long ids replaced by short tokens (the same
token in the input and in the expected edges), so that the exact parity tests
run on a fresh clone without ../shared and the files stay small:

- ``russian.parquet``: CooRTweet's ``russian_coord_tweets`` table (35,125 rows;
  ``object_id, account_id, content_id, timestamp_share``), sha256-hex ids
  replaced by ``o…``, ``a…``, ``c…`` tokens.
- ``german_links.parquet``: the 41,100 posts with a URL id of the German
  ``canonical.csv`` (``post_id, account_id, created_at, url``), as they are.
- ``*_edges.parquet``: the peers' edges (``from,to,weight`` for CooRTweet,
  ``source,target,weight`` for coordination-network-toolkit), ids mapped alike.

Parity does not depend on which token stands for which id: both sides are
compared as unordered pairs of the same tokens.
"""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from tests.conftest import REAL  # noqa: E402

RU = REAL / "coortweet-russian-coord-tweets"
DE = REAL / "coortweet-german-elections"


def _codebook(values: pl.Series, prefix: str) -> pl.DataFrame:
    uniq = values.drop_nulls().unique().sort()
    return pl.DataFrame({"old": uniq, "new": [f"{prefix}{i}" for i in range(uniq.len())]})


def _remap(frame: pl.DataFrame, col: str, book: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col(col).replace_strict(book["old"], book["new"]))


def _write(edges: pl.DataFrame, name: str) -> None:
    out = edges.with_columns(pl.col("weight").cast(pl.Int64)).sort(edges.columns[:2])
    out.write_parquet(HERE / name.replace(".csv", ".parquet"), compression="zstd", compression_level=19, statistics=False)


def russian() -> None:
    raw = pl.read_csv(RU / "russian_coord_tweets.csv", infer_schema=False)
    accounts = _codebook(raw["account_id"], "a")
    posts = _codebook(pl.concat([raw["content_id"], raw["object_id"]]), "c")
    out = _remap(_remap(raw, "account_id", accounts), "content_id", posts)
    # An object that is also a tweet in the table keeps that tweet's token.
    out = _remap(out, "object_id", posts)
    out = out.with_columns(pl.col("timestamp_share").cast(pl.Int64))
    out.write_parquet(HERE / "russian.parquet", compression="zstd", compression_level=19, statistics=False)
    for name, cols in (
        ("coortweet_co_retweet_edges.csv", ("from", "to")),
        ("cnt_co_retweet_edges.csv", ("source", "target")),
    ):
        exp = pl.read_csv(RU / "expected" / name, infer_schema=False).select(*cols, "weight")
        for c in cols:
            exp = _remap(exp, c, accounts)
        _write(exp, f"russian_{name}")
    print("russian", out.height, "rows")


def german() -> None:
    canon = pl.read_csv(DE / "canonical.csv", infer_schema=False)
    links = canon.filter(pl.col("url").is_not_null()).select("post_id", "account_id", "created_at", "url")
    links.write_parquet(HERE / "german_links.parquet", compression="zstd", compression_level=19, statistics=False)
    for name, cols in (
        ("coortweet_co_link_edges.csv", ("from", "to")),
        ("cnt_co_link_edges.csv", ("source", "target")),
    ):
        _write(pl.read_csv(DE / "expected" / name, infer_schema=False).select(*cols, "weight"), f"german_{name}")
    print("german", links.height, "rows")


if __name__ == "__main__":
    russian()
    german()
