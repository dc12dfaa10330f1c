"""4CAT dataset CSV exports (the "Download CSV" of any 4CAT dataset).

4CAT writes every data source with the same core columns, ``id, thread_id,
author, body, timestamp`` (``YYYY-MM-DD HH:MM:SS`` in UTC), most with
``unix_timestamp`` too, then the source's own (``author_fullname``,
``hashtags``, ``urls``, ``mentioned``…). It is close to the generic table but
not the same, which is why it is its own format: the text is ``body``, the
account is ``author`` (the generic table would take ``author_id``, which some
sources leave empty), and lists are comma-separated (``a,b``), which the
generic table reads as one item.

Keys and choices
----------------
- ``post_id`` is ``id``; ``account_id`` and ``handle`` are ``author`` (a handle
  on most sources, as in 4CAT's own tables); the name is ``author_fullname``
  (or ``author_full``), followers ``author_followers``.
- ``created_at`` is ``unix_timestamp`` where given, else ``timestamp`` read as
  UTC whatever ``ingest.default_timezone`` says.
- ``hashtags``, ``urls`` and ``mentions`` (or ``mentioned``) are split on
  commas; hashtags and mentions are also read from ``body`` when the export has
  no such column.
- ``platform`` is the ``platform`` column when there is one, else told from
  the post's address (``url``, ``tiktok_url``, ``link``, ``permalink``): tiktok,
  instagram, x, telegram, vk, facebook, youtube; otherwise unknown.
- ``thread_id`` is not a reply: on most sources it is the post itself or the
  thread's first post, never the post answered.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import polars as pl

from cib.ingest.base import Chunk, Format, Head
from cib.ingest.fields import first_filled
from cib.ingest.io_archive import utc_text
from cib.ingest.textio import iter_delimited

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["FOURCAT_CSV", "platform_of"]

_CORE = ("id", "thread_id", "author", "body", "timestamp")
_TAG = re.compile(r"(?<![\w&])#(\w+)")
_MENTION = re.compile(r"(?<![\w.])@(\w(?:[\w.]*\w)?)")
#: a post's domain → the platform recorded
_DOMAINS = {
    "tiktok.com": "tiktok", "instagram.com": "instagram", "twitter.com": "x", "x.com": "x", "t.me": "telegram",
    "vk.com": "vk", "facebook.com": "facebook", "youtube.com": "youtube", "youtu.be": "youtube",
}  # fmt: skip
_ADDRESS = ("url", "tiktok_url", "link", "permalink")


def platform_of(url: str | None) -> str | None:
    """The platform a post's address belongs to (``https://www.tiktok.com/@a/video/1`` → ``tiktok``)."""
    if not url:
        return None
    try:
        host = (urlsplit(url.strip()).hostname or "").lower()
    except ValueError:
        return None
    for domain, platform in _DOMAINS.items():
        if host == domain or host.endswith("." + domain):
            return platform
    return None


def _split(cell: str | None) -> list[str]:
    return [p.strip().lstrip("#@") for p in (cell or "").split(",") if p.strip().lstrip("#@")]


def _stage(rows: pl.DataFrame) -> pl.DataFrame:
    by_lower = {c.strip().lower(): c for c in rows.columns}

    def cells(*names: str) -> list[str | None]:
        return first_filled(rows, *names)

    body = rows[by_lower["body"]].to_list()
    tags = (
        [_split(c) for c in cells("hashtags")]
        if "hashtags" in by_lower
        else [_TAG.findall(b or "") for b in body]
    )
    named = "mentions" in by_lower or "mentioned" in by_lower
    mentions = (
        [_split(c) for c in cells("mentions", "mentioned")]
        if named
        else [_MENTION.findall(b or "") for b in body]
    )
    platform = cells("platform")
    address = cells(*_ADDRESS)
    staged = pl.DataFrame(
        {
            "post_id": pl.Series(cells("id"), dtype=pl.String),
            "account_id": pl.Series(cells("author"), dtype=pl.String),
            "created_at": pl.Series(cells("unix_timestamp"), dtype=pl.String),
            "text": pl.Series(body, dtype=pl.String),
            "urls": pl.Series([_split(c) for c in cells("urls")], dtype=pl.List(pl.String)),
            "hashtags": pl.Series(tags, dtype=pl.List(pl.String)),
            "mentions": pl.Series(mentions, dtype=pl.List(pl.String)),
            "platform": pl.Series(
                [p or platform_of(a) for p, a in zip(platform, address, strict=True)], dtype=pl.String
            ),
            "account_handle": pl.Series(cells("author"), dtype=pl.String),
            "account_display_name": pl.Series(cells("author_fullname", "author_full"), dtype=pl.String),
            "account_followers": pl.Series(cells("author_followers"), dtype=pl.String),
            "source_row": rows["source_row"],
        }
    )
    # a row without unix_timestamp falls back on the written time, which 4CAT gives in UTC
    written = pl.Series("t", cells("timestamp"), dtype=pl.String)
    return staged.with_columns(
        pl.coalesce(pl.col("created_at"), utc_text(pl.lit(written))).alias("created_at")
    )


def _read(path: Path, cfg: Config) -> Iterator[Chunk]:
    for _, rows, rejects in iter_delimited(
        path,
        delimiter=",",
        chunk_rows=cfg["ingest.chunk_rows"],
        raw_chars=cfg["ingest.raw_chars"],
        file_label=str(path),
    ):
        yield Chunk(_stage(rows), rejects)


def _sniff(head: Head, cfg: Config) -> bool:
    return head.kind == "csv" and all(c in head.lower for c in _CORE)


FOURCAT_CSV = Format(
    name="4cat_csv",
    needs="4CAT dataset CSV: id, thread_id, author, body, timestamp (UTC), optional unix_timestamp, "
    "author_fullname, author_followers, hashtags/urls/mentions (comma-separated), platform or the post's url",
    sniff=_sniff,
    read=_read,
)
