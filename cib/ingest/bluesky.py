"""Bluesky: the AppView's feeds and search results (``app.bsky.feed.*``), as saved JSON.

``getAuthorFeed`` and ``getTimeline`` answer ``{"feed": [FeedViewPost…],
"cursor"}``; ``searchPosts`` answers ``{"posts": [PostView…]}``. A saved
response is one document (each feed item or post a record, ``source_row``
its 1-based place in the list); a file of one response, feed item or post
per line is JSON lines (:mod:`cib.ingest.jsondoc`).

Keys and choices
----------------
- ``post_id`` is the post's AT-URI (``at://<did>/app.bsky.feed.post/<rkey>``),
  the same in every source, Jetstream included; ``account_id`` is the
  author's DID, which outlives handle changes; ``handle`` and
  ``display_name`` go to the accounts table.
- ``created_at`` is the record's ``createdAt``, the time the author's client
  gave, as Jetstream carries it too (so one post has one time whatever the
  source); a post imported with an old date keeps it. Without one the
  AppView's ``indexedAt`` is taken.
- A feed item whose ``reason`` is ``#reasonRepost`` is the original post
  shown because ``reason.by`` reposted it: the original is a post of its
  author (read the first time the file holds it) and the repost is a post of
  the reposter at ``reason.indexedAt`` with ``reshare_of`` the original's URI
  (the second row of the item is counted as ``expanded``). The repost's id is
  ``reason.uri``, the repost record's AT-URI, when the AppView gives it (as
  Jetstream names the same repost); else ``at-repost:<reposter did>:<hash>``,
  the hash the first 16 hex digits of the SHA-1 of ``<did> <original uri>
  <indexedAt>``, stable across saves of the same feed.
- ``reply_to`` is ``record.reply.parent.uri``; ``quote_of`` the URI of an
  embedded post (``app.bsky.embed.record``, or ``recordWithMedia``). The
  parent and the quoted post are context, not posts of the collection.
- ``urls``: link facets, then the external embed's ``uri``; ``hashtags``: tag
  facets and the record's ``tags``; ``mentions``: the DIDs of mention facets
  (they match account ids); ``media``: the CIDs of embedded image and video
  blobs (the same file uploaded twice has the same CID); ``lang`` the first
  of ``langs``.
- A post view whose record is not an ``app.bsky.feed.post`` is a reject.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cib.ingest.base import Format, Head
from cib.ingest.jsondoc import Batch, Entities, Staged, obj, scalar, seq
from cib.ingest.textio import safe_json

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["BLUESKY", "POST_TYPE", "record_fields", "repost_id"]

POST_TYPE = "app.bsky.feed.post"
_REPOST_REASON = "app.bsky.feed.defs#reasonRepost"
_PAGE_KEYS = ("feed", "posts")
#: facet feature type -> (staged list, the feature's key holding the value)
_FEATURES = {
    "app.bsky.richtext.facet#link": ("urls", "uri"),
    "app.bsky.richtext.facet#mention": ("mentions", "did"),
    "app.bsky.richtext.facet#tag": ("hashtags", "tag"),
}


def _blob(value: Any) -> str | None:
    """A blob's CID (``ref.$link``; ``cid`` in records of 2023)."""
    blob = obj(value)
    return scalar(obj(blob.get("ref")).get("$link")) or scalar(blob.get("cid"))


def _embed(embed: dict[str, Any], out: dict[str, Any]) -> None:
    """Add an embed's link, quoted post and media to the staged lists of ``out``."""
    kind = str(embed.get("$type", ""))
    if kind == "app.bsky.embed.external":
        uri = scalar(obj(embed.get("external")).get("uri"))
        if uri:
            out["urls"].append(uri)
    elif kind == "app.bsky.embed.record":
        uri = scalar(obj(embed.get("record")).get("uri"))
        if uri and f"/{POST_TYPE}/" in uri:
            out["quote_of"] = uri
    elif kind == "app.bsky.embed.recordWithMedia":
        _embed({"$type": "app.bsky.embed.record", "record": obj(obj(embed.get("record")).get("record"))}, out)
        _embed(obj(embed.get("media")), out)
    elif kind == "app.bsky.embed.images":
        out["media"] += [c for c in (_blob(obj(i).get("image")) for i in seq(embed.get("images"))) if c]
    elif kind == "app.bsky.embed.video":
        cid = _blob(embed.get("video"))
        if cid:
            out["media"].append(cid)


def record_fields(record: dict[str, Any]) -> dict[str, Any]:
    """Stage the values of an ``app.bsky.feed.post`` record (not its id, author or fallback time).

    Parameters
    ----------
    record
        The record as its author's repository holds it.

    Returns
    -------
    dict
        ``created_at``, ``text``, ``lang``, ``reply_to``, ``quote_of`` and the lists.
    """
    out: dict[str, Any] = {"urls": [], "hashtags": [], "mentions": [], "media": [], "quote_of": None}
    for facet in seq(record.get("facets")):
        for feature in seq(obj(facet).get("features")):
            feature = obj(feature)
            target = _FEATURES.get(str(feature.get("$type", "")))
            if target and (value := scalar(feature.get(target[1]))):
                out[target[0]].append(value)
    out["hashtags"] += [str(t) for t in seq(record.get("tags")) if isinstance(t, str) and t]
    _embed(obj(record.get("embed")), out)
    out["urls"] = list(dict.fromkeys(out["urls"]))
    langs = record.get("langs")
    return out | {
        "created_at": scalar(record.get("createdAt")),
        "text": scalar(record.get("text")) or None,
        "lang": scalar(langs[0]) if isinstance(langs, list) and langs else None,
        "reply_to": scalar(obj(obj(record.get("reply")).get("parent")).get("uri")),
    }


def _profile(author: dict[str, Any]) -> dict[str, Any]:
    return {
        "account_id": scalar(author.get("did")),
        "account_handle": scalar(author.get("handle")),
        "account_display_name": scalar(author.get("displayName")),
        "account_created_at": scalar(author.get("createdAt")),
    }


def _post_row(view: dict[str, Any]) -> dict[str, Any]:
    row = record_fields(obj(view.get("record")))
    row["created_at"] = row["created_at"] or scalar(view.get("indexedAt"))
    return row | {"post_id": scalar(view.get("uri"))} | _profile(obj(view.get("author")))


def repost_id(did: str | None, subject: str | None, when: str | None) -> str:
    """The id of a repost the AppView names only by who, what and when: ``at-repost:<did>:<hash>``."""
    digest = hashlib.sha1(f"{did} {subject} {when}".encode()).hexdigest()[:16]
    return f"at-repost:{did}:{digest}"


def _repost_row(view: dict[str, Any], reason: dict[str, Any]) -> dict[str, Any]:
    by = obj(reason.get("by"))
    subject, when = scalar(view.get("uri")), scalar(reason.get("indexedAt"))
    uri = scalar(reason.get("uri")) or repost_id(scalar(by.get("did")), subject, when)
    return {"post_id": uri, "created_at": when, "reshare_of": subject} | _profile(by)


def _not_a_post(view: Any) -> tuple[str | None, str] | None:
    """``(column, reason)`` when a feed item or post view holds no post; ``None`` when it does."""
    if not isinstance(view, dict):
        return None, "a post view that is not an object"
    kind = scalar(obj(view.get("record")).get("$type"))
    if kind != POST_TYPE:
        return "record.$type", f"a record of type {(kind or 'unknown')[:80]}, not {POST_TYPE}"
    if not scalar(view.get("uri")):
        return "uri", "a post view without its uri"
    return None


def _stage(batch: Batch, seen: set[str], label: str, limit: int) -> Staged:
    out = Staged(batch.rejects)
    for number, held in batch.records:
        out.expanded += len(held) - 1
        for item in held:
            item = item if isinstance(item, dict) else {"post": item}
            view = item.get("post", item)  # a feed item wraps its post; a search result is the post
            reason = obj(item.get("reason"))
            why = _not_a_post(view)
            if why:
                out.refuse(number, *why, safe_json(item))
                continue
            try:
                if reason.get("$type") != _REPOST_REASON:
                    out.add(_post_row(view), number)
                    seen.add(str(view.get("uri")))
                    continue
                out.add(_repost_row(view, reason), number)
                if str(view.get("uri")) not in seen:
                    seen.add(str(view.get("uri")))
                    out.add(_post_row(view), number)
                    out.expanded += 1
            except RecursionError:
                out.refuse(number, None, "JSON nested too deeply to read", "")
    return out


def _is_view(value: dict[str, Any]) -> bool:
    return "post" in value or {"uri", "record"} <= value.keys()


def _read(path: Path, cfg: Config) -> Iterator:
    label, limit = str(path), cfg["ingest.raw_chars"]
    seen: set[str] = set()
    for batch in Entities(path, cfg, "Bluesky", _PAGE_KEYS, _is_view).batches():
        yield _stage(batch, seen, label, limit).chunk(label, limit)


def _sniff(head: Head, cfg: Config) -> bool:
    keys = head.lower
    if head.kind not in ("json", "jsonl") or b"at://" not in head.raw:
        return False
    return bool(keys & {"feed", "posts", "post"}) or {"uri", "cid", "author", "record"} <= keys


BLUESKY = Format(
    name="bluesky",
    needs="Bluesky AppView JSON: getAuthorFeed/getTimeline responses ({feed: [{post, reply, reason}]}) "
    "or searchPosts responses ({posts: [...]}), as saved documents or JSON lines; posts by AT-URI "
    "and author DID; reposts (reason #reasonRepost) become reshares",
    sniff=_sniff,
    read=_read,
    platform="bluesky",
)
