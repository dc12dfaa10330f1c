"""Ingest of 1 million generic-CSV posts and of 1 million IO-archive rows: time and peak memory.

Targets (issue 2): under 20 s each and under 2 GB peak on a 2-core machine.
Run: ``.venv/bin/python bench/bench_ingest.py [--rows N]`` (``make bench`` runs every benchmark).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from common import measure, save  # noqa: E402

IO_COLUMNS = (
    "tweetid,userid,user_display_name,user_screen_name,user_reported_location,user_profile_description,"
    "user_profile_url,follower_count,following_count,account_creation_date,account_language,tweet_language,"
    "tweet_text,tweet_time,tweet_client_name,in_reply_to_userid,in_reply_to_tweetid,quoted_tweet_tweetid,"
    "is_retweet,retweet_userid,retweet_tweetid,latitude,longitude,quote_count,reply_count,like_count,"
    "retweet_count,hashtags,urls,user_mentions,poll_choices"
).split(",")


def _base(n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    t0 = 1_709_251_200
    return pl.DataFrame(
        {
            "i": np.arange(n),
            "acct": rng.integers(0, n // 20 + 1, n),
            "t": t0 + rng.integers(0, 30 * 86_400, n),
            "words": rng.integers(0, 50, n),
            "tag": rng.integers(0, 300, n),
            "rt": rng.random(n) < 0.3,
        }
    )


def write_generic(path: Path, n: int) -> None:
    b = _base(n, 1)
    b.select(
        (pl.col("i") + 1_453_238_917_281_234_567).cast(pl.String).alias("post_id"),
        pl.format("acct{}", pl.col("acct")).alias("account_id"),
        pl.from_epoch("t").dt.strftime("%Y-%m-%dT%H:%M:%SZ").alias("created_at"),
        pl.format("Сайлау күні, голос {} — the incumbent is the best leader #{}", pl.col("words"), pl.col("tag")).alias("text"),
        pl.format('["https://news.kz/{}"]', pl.col("tag")).alias("urls"),
        pl.format('["tag{}"]', pl.col("tag")).alias("hashtags"),
        pl.lit("[]").alias("mentions"),
        pl.when(pl.col("rt")).then((pl.col("i") // 7 + 1_453_238_917_281_234_567).cast(pl.String)).alias("reshare_of"),
        pl.lit("x").alias("platform"),
    ).write_csv(path)


def write_io_archive(path: Path, n: int) -> None:
    b = _base(n, 2)
    cols = {c: pl.lit("") for c in IO_COLUMNS}
    cols.update(
        tweetid=(pl.col("i") + 1_453_238_917_281_234_567).cast(pl.String),
        userid=pl.col("acct").cast(pl.String).str.pad_start(64, "a"),
        user_screen_name=pl.format("user_{}", pl.col("acct")),
        user_display_name=pl.format("Пайдаланушы {}", pl.col("acct")),
        follower_count=pl.col("words").cast(pl.String),
        following_count=pl.col("tag").cast(pl.String),
        account_creation_date=pl.lit("2023-01-05"),
        tweet_language=pl.lit("kk"),
        tweet_text=pl.format("Қазақстан сайлауы {} #tag{}", pl.col("words"), pl.col("tag")),
        tweet_time=pl.from_epoch("t").dt.strftime("%Y-%m-%d %H:%M"),
        tweet_client_name=pl.lit("Twitter for Android"),
        is_retweet=pl.when(pl.col("rt")).then(pl.lit("True")).otherwise(pl.lit("False")),
        retweet_tweetid=pl.when(pl.col("rt")).then((pl.col("i") // 7 + 1_453_238_917_281_234_567).cast(pl.String)),
        latitude=pl.lit("absent"),
        longitude=pl.lit("absent"),
        hashtags=pl.format("['tag{}']", pl.col("tag")),
        urls=pl.format("['https://news.kz/{}']", pl.col("tag")),
        user_mentions=pl.lit("[]"),
    )
    b.select([expr.alias(name) for name, expr in cols.items()]).write_csv(path)


STEP = """
from cib.config import load_config
from cib.ingest import ingest
from cib.schema import write_table
res = ingest({path!r}, load_config())
assert res.posts.height == {n}, (res.posts.height, res.rejects.head())
write_table(res.posts, {out!r}, "posts")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        record: dict = {"rows": args.rows}
        for name, writer in (("generic_csv", write_generic), ("io_archive", write_io_archive)):
            path = Path(tmp) / f"{name}.csv"
            writer(path, args.rows)
            fig = measure(STEP.format(path=str(path), n=args.rows, out=str(Path(tmp) / "posts.parquet")))
            fig["file_mb"] = round(path.stat().st_size / 1e6, 1)
            record[name] = fig
            path.unlink()
        save("ingest", record)


if __name__ == "__main__":
    main()
