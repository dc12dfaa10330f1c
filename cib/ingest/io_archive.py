"""The X/Twitter information-operations archive: the ``*_tweets_csv_*`` files.

X published the tweets of state-linked operations it removed as one CSV per
release (31 columns, ``tweetid, userid, … tweet_time, … user_mentions``).
Columns are found by name, so their order does not matter and a missing
optional column is simply empty. What the archive does that others do not:

- ``tweet_time`` is written in UTC to the minute (``2019-03-01 14:07``), so the
  source's time resolution is 60 s and the zone is UTC whatever
  ``ingest.default_timezone`` says;
- accounts with fewer than 5,000 followers are hashed (``userid`` is 64 hex
  characters), and their mentions are hashed the same way;
- lists (``hashtags``, ``urls``, ``user_mentions``) are Python list literals;
- ``tweet_client_name`` names the app that posted (``Twitter for Android``)
  and becomes ``client``;
- ``is_retweet`` is text (``True``/``false``) and ``retweet_tweetid`` names the
  tweet retweeted.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from cib.ingest.base import Chunk, Format, Head
from cib.ingest.head import read_head
from cib.ingest.textio import iter_delimited

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["IO_ARCHIVE", "utc_text"]

_REQUIRED = ("tweetid", "userid", "tweet_time")

#: staged column -> archive column (the ids are handled apart)
_PLAIN = {
    "post_id": "tweetid",
    "account_id": "userid",
    "text": "tweet_text",
    "hashtags": "hashtags",
    "urls": "urls",
    "mentions": "user_mentions",
    "reply_to": "in_reply_to_tweetid",
    "quote_of": "quoted_tweet_tweetid",
    "lang": "tweet_language",
    "client": "tweet_client_name",
    "account_handle": "user_screen_name",
    "account_display_name": "user_display_name",
    "account_followers": "follower_count",
    "account_following": "following_count",
    "account_description": "user_profile_description",
}
_IDS = ("post_id", "account_id", "reply_to", "quote_of")
#: the archive columns read at all (a release has some thirty; the rest stay on disk)
_READ = frozenset({*_PLAIN.values(), "retweet_tweetid", "tweet_time", "account_creation_date"})


def utc_text(expr: pl.Expr) -> pl.Expr:
    """Give naive UTC times an explicit ``+00:00`` so no configured zone applies.

    ``YYYY-MM-DD HH:MM`` gains seconds and a date alone gains midnight, since
    :func:`cib.ingest.base.parse_time` reads neither with an offset. Anything
    else is left as written, so a bad value still reaches ``finalise`` and is
    rejected with its own text in the reason.
    """
    s = expr.cast(pl.String).str.strip_chars()
    return (
        pl.when(s.str.contains(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}$"))
        .then(s + ":00+00:00")
        .when(s.str.contains(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?$"))
        .then(s + "+00:00")
        .when(s.str.contains(r"^\d{4}-\d{2}-\d{2}$"))
        .then(s + "T00:00:00+00:00")
        .otherwise(s)
    )


def _id(expr: pl.Expr) -> pl.Expr:
    # pandas-written releases can carry "123.0" in id columns that had blanks;
    # the digits are exact, only the suffix must go (never a float round trip)
    return expr.str.strip_chars().str.replace(r"^(\d+)\.0$", "$1")


def _stage(rows: pl.DataFrame) -> pl.DataFrame:
    by_lower = {c.strip().lower(): c for c in rows.columns}

    def col(name: str) -> pl.Expr:
        # a missing optional column is an empty one, never a crash
        return pl.col(by_lower[name]) if name in by_lower else pl.lit(None, dtype=pl.String)

    exprs = []
    for staged, source in _PLAIN.items():
        value = col(source)
        exprs.append((_id(value) if staged in _IDS else value).alias(staged))
    # the id says what was retweeted: is_retweet without an id names nothing to
    # link, and an id with is_retweet "False" is still a retweet of that tweet
    retweet = _id(col("retweet_tweetid"))
    exprs += [
        pl.when(retweet != "").then(retweet).otherwise(None).alias("reshare_of"),
        utc_text(col("tweet_time")).alias("created_at"),
        utc_text(col("account_creation_date")).alias("account_created_at"),
        pl.col("source_row"),
    ]
    return rows.select(exprs)


def _sniff(head: Head, cfg: Config) -> bool:
    return head.kind in {"csv", "tsv"} and all(c in head.lower for c in _REQUIRED)


def _read(path: Path, cfg: Config) -> Iterator[Chunk]:
    for _, rows, rejects in iter_delimited(
        path,
        delimiter="\t" if read_head(path).kind == "tsv" else ",",
        chunk_rows=cfg["ingest.chunk_rows"],
        raw_chars=cfg["ingest.raw_chars"],
        file_label=str(path),
        keep=_READ,
    ):
        yield Chunk(_stage(rows), rejects)


IO_ARCHIVE = Format(
    name="io_archive",
    needs="X/Twitter information-operations archive tweets CSV: tweetid, userid, tweet_time "
    "(UTC, to the minute) in any order; optional tweet_text, is_retweet, retweet_tweetid, "
    "in_reply_to_tweetid, quoted_tweet_tweetid, hashtags, urls, user_mentions, tweet_language, "
    "tweet_client_name and the user_* profile columns",
    sniff=_sniff,
    read=_read,
    time_resolution_s=60.0,
    platform="x",
)
