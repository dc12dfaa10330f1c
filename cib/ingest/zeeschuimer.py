"""Zeeschuimer captures as 4CAT takes them: NDJSON, one captured item per line.

Each line is ``{"item_id", "source_platform", "source_platform_url",
"source_url", "timestamp_collected", "data"}``, ``timestamp_collected`` in
milliseconds and ``data`` the object the platform's own web page received.
``source_platform`` says which platform (``tiktok.com``, ``instagram.com``,
``twitter.com`` or ``x.com``); any other is a reject naming it, as is a line
without ``data``. ``source_row`` is the line.

What each platform's object gives (the platforms do not document these
objects; the names are those the captures hold, read conservatively: a field
that is absent is left empty, never guessed):

TikTok (``platform`` ``tiktok``)
    ``id`` → post; ``author.uniqueId`` (or ``author`` itself when the page
    embedded it as a string) → account and handle, ``author.nickname`` (or
    ``nickname``) → name, ``authorStats.followerCount`` and
    ``followingCount`` → followers and following; ``desc`` → text;
    ``createTime`` (Unix seconds) → time; ``textExtra`` hashtag names (else
    ``challenges`` titles) → hashtags, its ``userUniqueId`` → mentions;
    ``duetInfo.duetFromId`` (when not ``0``) → ``quote_of``. The sound
    (``music``) is not read: a trending sound is shared by thousands who never
    met.
Instagram (``instagram``)
    ``code`` (the shortcode of the post's address, as 4CAT names posts; else
    ``pk``) → post; ``user.username`` → account and handle, ``user.full_name``
    → name; ``caption.text`` → text, its ``#tags`` and ``@names`` → hashtags
    and mentions, with the people tagged in the picture
    (``usertags.in[].user.username``) added to the mentions; ``taken_at``
    (Unix seconds) → time. The older page format (``shortcode``, ``owner``,
    ``edge_media_to_caption``, ``taken_at_timestamp``) is read the same way.
    Media ids are per upload and never shared, so they are not read.
X (``x``)
    The GraphQL tweet (a ``TweetWithVisibilityResults`` is unwrapped):
    ``rest_id`` → post; ``core.user_results.result.rest_id`` → account (the
    numeric id, as the other X formats name accounts), its ``screen_name`` and
    ``name`` (under ``legacy``, or ``core`` in newer pages), followers,
    following, tweets, creation and description → the profile;
    ``legacy.full_text`` → text; ``legacy.created_at`` → time;
    ``entities`` hashtags, expanded URLs and mentioned screen names;
    ``extended_entities.media[].media_key`` → media (the keys twarc gives);
    ``retweeted_status_result`` → ``reshare_of``,
    ``in_reply_to_status_id_str`` → ``reply_to``, ``quoted_status_id_str`` →
    ``quote_of``; ``lang``; ``source`` → ``client``. The retweeted tweet is
    not a post of the collection, as with twarc.

TikTok and Instagram accounts are their handles, as in 4CAT's own CSV (a
renamed account is two accounts); X accounts are numeric ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.ingest.base import Chunk, Format, Head, reject_frame
from cib.ingest.fields import client_name, staged_frame
from cib.ingest.textio import iter_json_lines, safe_json

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["ZEESCHUIMER", "PLATFORMS", "item_row"]

_TAG = re.compile(r"(?<![\w&])#(\w+)")
_MENTION = re.compile(r"(?<![\w.])@(\w(?:[\w.]*\w)?)")


def _s(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value)
    return text if text.strip() else None


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _l(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _unique(values: list[str | None]) -> list[str]:
    out: list[str] = []
    for v in values:
        if v and v not in out:
            out.append(v)
    return out


def tiktok(data: dict[str, Any]) -> dict[str, Any]:
    """Stage a TikTok item (``data`` of a ``tiktok.com`` capture)."""
    author = data.get("author")
    handle = _s(author.get("uniqueId")) if isinstance(author, dict) else _s(author)
    stats = _d(data.get("authorStats"))
    extra = [x for x in _l(data.get("textExtra")) if isinstance(x, dict)]
    tags = [_s(x.get("hashtagName")) for x in extra] or [
        _s(_d(c).get("title")) for c in _l(data.get("challenges"))
    ]
    duet = _s(_d(data.get("duetInfo")).get("duetFromId"))
    return {
        "post_id": _s(data.get("id")),
        "account_id": handle,
        "created_at": _s(data.get("createTime")),
        "text": _s(data.get("desc")),
        "quote_of": duet if duet and duet != "0" else None,
        "hashtags": _unique(tags),
        "mentions": _unique([_s(x.get("userUniqueId")) for x in extra]),
        "account_handle": handle,
        "account_display_name": _s(_d(author).get("nickname")) or _s(data.get("nickname")),
        "account_followers": _s(stats.get("followerCount")),
        "account_following": _s(stats.get("followingCount")),
        "account_post_count": _s(stats.get("videoCount")),
        "account_description": _s(_d(author).get("signature")),
    }


def instagram(data: dict[str, Any]) -> dict[str, Any]:
    """Stage an Instagram post (``data`` of an ``instagram.com`` capture, either page format)."""
    user = _d(data.get("user")) or _d(data.get("owner"))
    caption = data.get("caption")
    text = _s(_d(caption).get("text")) if isinstance(caption, dict) else _s(caption)
    if text is None:
        edges = _l(_d(data.get("edge_media_to_caption")).get("edges"))
        text = _s(_d(_d(edges[0]).get("node")).get("text")) if edges else None
    tagged = [_s(_d(_d(t).get("user")).get("username")) for t in _l(_d(data.get("usertags")).get("in"))]
    handle = _s(user.get("username"))
    return {
        "post_id": _s(data.get("code")) or _s(data.get("shortcode")) or _s(data.get("pk")),
        "account_id": handle,
        "created_at": _s(data.get("taken_at")) or _s(data.get("taken_at_timestamp")),
        "text": text,
        "hashtags": _unique(_TAG.findall(text or "")),
        "mentions": _unique([*_MENTION.findall(text or ""), *tagged]),
        "account_handle": handle,
        "account_display_name": _s(user.get("full_name")),
    }


def _tweet(result: Any) -> dict[str, Any]:
    result = _d(result)
    return _d(result.get("tweet")) if "tweet" in result and "rest_id" not in result else result


def x_tweet(data: dict[str, Any]) -> dict[str, Any]:
    """Stage an X GraphQL tweet result (``data`` of a ``twitter.com`` or ``x.com`` capture)."""
    tweet = _tweet(data)
    legacy = _d(tweet.get("legacy"))
    user = _d(_d(_d(tweet.get("core")).get("user_results")).get("result"))
    profile, names = _d(user.get("legacy")), _d(user.get("core"))
    entities = _d(legacy.get("entities"))
    retweet = _tweet(_d(legacy.get("retweeted_status_result")).get("result"))
    return {
        "post_id": _s(tweet.get("rest_id")),
        "account_id": _s(user.get("rest_id")),
        "created_at": _s(legacy.get("created_at")),
        "text": _s(legacy.get("full_text")),
        "reshare_of": _s(retweet.get("rest_id")) or _s(legacy.get("retweeted_status_id_str")),
        "reply_to": _s(legacy.get("in_reply_to_status_id_str")),
        "quote_of": _s(legacy.get("quoted_status_id_str")),
        "lang": _s(legacy.get("lang")),
        "client": client_name(tweet.get("source") or legacy.get("source")),
        "urls": _unique(
            [_s(u.get("expanded_url")) or _s(u.get("url")) for u in map(_d, _l(entities.get("urls")))]
        ),
        "hashtags": _unique([_s(h.get("text")) for h in map(_d, _l(entities.get("hashtags")))]),
        "mentions": _unique([_s(m.get("screen_name")) for m in map(_d, _l(entities.get("user_mentions")))]),
        "media": _unique(
            [_s(m.get("media_key")) for m in map(_d, _l(_d(legacy.get("extended_entities")).get("media")))]
        ),
        "account_handle": _s(names.get("screen_name")) or _s(profile.get("screen_name")),
        "account_display_name": _s(names.get("name")) or _s(profile.get("name")),
        "account_created_at": _s(names.get("created_at")) or _s(profile.get("created_at")),
        "account_followers": _s(profile.get("followers_count")),
        "account_following": _s(profile.get("friends_count")),
        "account_post_count": _s(profile.get("statuses_count")),
        "account_description": _s(profile.get("description")),
    }


#: ``source_platform`` → (platform recorded, the mapper of its ``data``)
PLATFORMS: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "tiktok.com": ("tiktok", tiktok),
    "instagram.com": ("instagram", instagram),
    "twitter.com": ("x", x_tweet),
    "x.com": ("x", x_tweet),
}


def item_row(record: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """Stage one captured item; ``(None, reason)`` when it cannot be a post."""
    source = _s(record.get("source_platform"))
    if source is None or source.strip().lower() not in PLATFORMS:
        known = ", ".join(PLATFORMS)
        return None, f"source_platform '{(source or '')[:40]}' is not one cib reads ({known})"
    if not isinstance(record.get("data"), dict):
        return None, "a captured item without its data object"
    platform, mapper = PLATFORMS[source.strip().lower()]
    return {**mapper(record["data"]), "platform": platform}, None


def _read(path: Path, cfg: Config) -> Iterator[Chunk]:
    label = str(path)
    limit = cfg["ingest.raw_chars"]
    for records, rejects in iter_json_lines(
        path, chunk_rows=cfg["ingest.chunk_rows"], raw_chars=limit, file_label=label
    ):
        rows: list[dict[str, Any]] = []
        numbers: list[int] = []
        bad = [rejects]
        for number, record in records:
            if not isinstance(record, dict):
                bad.append(
                    reject_frame(
                        label, [number], None, "a JSON line that is not an object", [safe_json(record)], limit
                    )
                )
                continue
            try:
                row, why = item_row(record)
            except RecursionError:
                row, why = None, "JSON nested too deeply to read"
            if row is None:
                bad.append(
                    reject_frame(
                        label,
                        [number],
                        "source_platform" if "source_platform" in (why or "") else "data",
                        why or "",
                        [safe_json(record)],
                        limit,
                    )
                )
                continue
            rows.append(row)
            numbers.append(number)
        yield Chunk(staged_frame(rows, numbers, ("platform",)), pl.concat(bad))


def _sniff(head: Head, cfg: Config) -> bool:
    keys = head.lower
    return (
        head.kind == "jsonl"
        and {"source_platform", "data"} <= keys
        and bool(keys & {"item_id", "timestamp_collected"})
    )


ZEESCHUIMER = Format(
    name="zeeschuimer",
    needs="Zeeschuimer/4CAT NDJSON: one captured item per line with source_platform (tiktok.com, "
    "instagram.com, twitter.com or x.com), item_id, timestamp_collected and data (the platform's own "
    "object); other platforms are rejected",
    sniff=_sniff,
    read=_read,
)
