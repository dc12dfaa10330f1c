"""VK (VKontakte) API responses: ``wall.get``, ``wall.search``, ``newsfeed.search``.

Read in three shapes: a saved response ``{"response": {"count", "items": […],
"profiles": […], "groups": […]}}`` (with ``extended=1``; without it
``profiles`` and ``groups`` are simply absent), a bare array of items, and JSON
lines holding one item or one response per line. ``source_row`` counts items
from 1 across a JSON document; in JSON lines it is the line, shared by the
items of one response.

Keys and choices
----------------
- ``post_id`` is ``<owner_id>_<id>``, the form VK itself writes (``wall-1_42``
  without its ``wall``): post ids restart on every wall.
- ``account_id`` is ``from_id`` (else ``owner_id``). VK writes communities
  (groups, public pages) as negative ids and people as positive ones; the sign
  is kept, so ``-1`` is the community with id 1 and ``1`` the person. A post a
  community published is the community's even when a member signed it
  (``signer_id`` is not the author).
- ``created_at`` is ``date``, Unix seconds (UTC).
- A repost carries ``copy_history``: the reposted post first, then the post
  it reposted in turn. ``reshare_of`` is the first one's id; each original
  becomes a post of its own, once per file (the next one in the chain is what
  it reshared), counted as rows a record expanded to.
- ``reply_to`` is ``<reply_owner_id>_<reply_post_id>`` (the owner defaults to
  the post's own wall).
- ``urls`` are the ``link`` attachments' ``url``, then links written in the
  text; ``media`` are the photo, video, audio and doc attachments in VK's own
  notation ``<type><owner_id>_<id>`` (``photo-1_456``).
- ``hashtags`` are ``#tags`` of the text (``#tag@club`` is ``tag``);
  ``mentions`` are VK's ``[id1|name]`` and ``[club1|name]`` links, as account
  ids (``1`` and ``-1``).
- ``client`` is ``post_source``: its ``type`` (``vk``, ``api``, ``widget``,
  ``rss``…) and, when given, ``/`` its ``platform`` (``vk/android``).
- ``profiles`` and ``groups`` give each account's handle (``screen_name``),
  name and followers (``followers_count``, or a community's ``members_count``).
- An item that is not a post (a deleted one, or any object without ``date``)
  is a reject with its reason; an item that is not an object too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.errors import InputError
from cib.ingest.base import Chunk, Format, Head, reject_frame
from cib.ingest.fields import staged_frame
from cib.ingest.head import read_head
from cib.ingest.textio import iter_json_lines, safe_json

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["VK", "vk_rows", "vk_items"]

_TAG = re.compile(r"(?<![\w&])#(\w+)")
_MENTION = re.compile(r"\[(id|club|public|event)(\d+)\|[^\]\n]*\]")
_URL = re.compile(r"https?://[^\s<>\"'«»\]]+")
_MEDIA = ("photo", "video", "audio", "doc")


def _s(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    return str(value)


def _key(owner: Any, post: Any) -> str | None:
    owner, post = _s(owner), _s(post)
    return f"{owner}_{post}" if owner and post else None


def _people(response: dict[str, Any]) -> dict[str, dict[str, str | None]]:
    """Profiles and communities of an extended response, by signed account id."""
    out: dict[str, dict[str, str | None]] = {}
    for key, sign in (("profiles", ""), ("groups", "-")):
        for p in response.get(key) or []:
            if not isinstance(p, dict) or _s(p.get("id")) is None:
                continue
            name = (
                p.get("name")
                if sign
                else " ".join(str(p[k]) for k in ("first_name", "last_name") if p.get(k))
            )
            out[f"{sign}{str(p['id']).lstrip('-')}"] = {
                "account_handle": _s(p.get("screen_name")),
                "account_display_name": _s(name) or None,
                "account_followers": _s(p.get("followers_count", p.get("members_count"))),
            }
    return out


def _attachments(item: dict[str, Any]) -> tuple[list[str], list[str]]:
    urls: list[str] = []
    media: list[str] = []
    for a in item.get("attachments") or []:
        kind = a.get("type") if isinstance(a, dict) else None
        body = a.get(kind) if isinstance(kind, str) else None
        if not isinstance(body, dict):
            continue
        if kind == "link" and _s(body.get("url")):
            urls.append(str(body["url"]))
        elif kind in _MEDIA and (ref := _key(body.get("owner_id"), body.get("id"))):
            media.append(f"{kind}{ref}")
    return urls, media


def _client(item: dict[str, Any]) -> str | None:
    source = item.get("post_source")
    if not isinstance(source, dict) or not _s(source.get("type")):
        return None
    platform = _s(source.get("platform"))
    return f"{source['type']}/{platform}" if platform else str(source["type"])


def post_row(
    item: dict[str, Any], people: dict[str, dict[str, str | None]], reshare_of: str | None
) -> dict[str, Any]:
    """Stage one VK post object (an item, or an original of its ``copy_history``)."""
    text = _s(item.get("text")) or ""
    account = _s(item.get("from_id")) or _s(item.get("owner_id"))
    urls, media = _attachments(item)
    for found in _URL.findall(text):
        link = found.rstrip(".,;:!?)]}…")
        if link not in urls:
            urls.append(link)
    reply = None
    if item.get("reply_post_id") is not None:
        reply = _key(item.get("reply_owner_id", item.get("owner_id")), item.get("reply_post_id"))
    row: dict[str, Any] = {
        "post_id": _key(item.get("owner_id"), item.get("id")),
        "account_id": account,
        "created_at": _s(item.get("date")),
        "text": text,
        "reshare_of": reshare_of,
        "reply_to": reply,
        "client": _client(item),
        "urls": urls,
        "hashtags": _TAG.findall(text),
        "mentions": [("-" if kind != "id" else "") + num for kind, num in _MENTION.findall(text)],
        "media": media,
    }
    row.update(people.get(account or "", {}))
    return row


def _why_not(item: Any) -> str | None:
    if not isinstance(item, dict):
        return "an item that is not an object"
    if item.get("is_deleted") or item.get("deleted_reason"):
        return "a deleted post"
    return None


def vk_rows(
    item: dict[str, Any], people: dict[str, dict[str, str | None]], seen: set[str]
) -> list[dict[str, Any]]:
    """An item and the originals of its ``copy_history`` not yet seen in the file.

    Parameters
    ----------
    item
        A post of ``items``.
    people
        Profiles by account id (:func:`_people`).
    seen
        Post ids already staged from this file; updated.

    Returns
    -------
    list of dict
        The item's staged row first, then one row per new original.
    """
    chain = [c for c in item.get("copy_history") or [] if isinstance(c, dict)]
    keys = [_key(c.get("owner_id"), c.get("id")) for c in chain]
    rows = [post_row(item, people, keys[0] if keys else None)]
    seen.add(rows[0]["post_id"] or "")
    for i, (original, key) in enumerate(zip(chain, keys, strict=True)):
        if key is None or key in seen:
            continue
        seen.add(key)
        rows.append(post_row(original, people, keys[i + 1] if i + 1 < len(keys) else None))
    return rows


def vk_items(document: Any) -> tuple[list[Any], dict[str, Any]]:
    """The items of a response (or of a bare array) and the response holding the profiles."""
    if isinstance(document, list):
        return document, {}
    if not isinstance(document, dict):
        return [], {}
    response = document.get("response", document)
    if isinstance(response, dict) and isinstance(response.get("items"), list):
        return response["items"], response
    if isinstance(response, list):
        return response, {}
    if isinstance(document, dict) and "date" in document and "owner_id" in document:
        return [document], {}  # one item on a JSON line
    return [], {}


class _Batch:
    """Rows staged so far from one file, with the items that became rejects."""

    def __init__(self, label: str, limit: int) -> None:
        self.label, self.limit = label, limit
        self.rows: list[dict[str, Any]] = []
        self.numbers: list[int] = []
        self.bad: list[pl.DataFrame] = [reject_frame(label, [], None, "", [], limit)]
        self.expanded = 0

    def add(self, number: int, item: Any, people: dict[str, Any], seen: set[str]) -> None:
        why = _why_not(item)
        if why is not None:
            self.bad.append(reject_frame(self.label, [number], None, why, [safe_json(item)], self.limit))
            return
        try:
            rows = vk_rows(item, people, seen)
        except RecursionError:
            self.bad.append(
                reject_frame(self.label, [number], None, "JSON nested too deeply to read", [""], self.limit)
            )
            return
        self.rows += rows
        self.numbers += [number] * len(rows)
        self.expanded += len(rows) - 1

    def chunk(self) -> Chunk:
        return Chunk(staged_frame(self.rows, self.numbers), pl.concat(self.bad), expanded=self.expanded)


def _read(path: Path, cfg: Config) -> Iterator[Chunk]:
    label = str(path)
    limit = cfg["ingest.raw_chars"]
    seen: set[str] = set()
    if _is_document(path):
        try:
            with path.open("r", encoding="utf-8-sig") as fh:
                document = json.load(fh)
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise InputError(
                path,
                f"not a readable VK API response ({type(exc).__name__})",
                hint="save the API response again as JSON",
            ) from None
        items, response = vk_items(document)
        people = _people(response)
        batch = _Batch(label, limit)
        for number, item in enumerate(items, start=1):
            batch.add(number, item, people, seen)
            if len(batch.rows) >= cfg["ingest.chunk_rows"]:
                yield batch.chunk()
                batch = _Batch(label, limit)
        yield batch.chunk()
        return
    for records, rejects in iter_json_lines(
        path, chunk_rows=cfg["ingest.chunk_rows"], raw_chars=limit, file_label=label
    ):
        batch = _Batch(label, limit)
        batch.bad.append(rejects)
        for number, record in records:
            items, response = vk_items(record)
            if not items:
                batch.bad.append(
                    reject_frame(label, [number], None, "a line with no VK post", [safe_json(record)], limit)
                )
                continue
            batch.expanded += len(items) - 1
            people = _people(response)
            for item in items:
                batch.add(number, item, people, seen)
        yield batch.chunk()


def _is_document(path: Path) -> bool:
    """Whether the file is one JSON document (an array, or a response over several lines) rather than JSON lines."""
    return read_head(path).kind == "json"


#: what a VK post object holds that other JSON rarely does together
_POST_KEYS = (b'"owner_id"', b'"from_id"', b'"date"')


def _sniff(head: Head, cfg: Config) -> bool:
    keys = head.lower
    looks = all(k in head.raw for k in _POST_KEYS)
    if head.kind == "jsonl":
        # an item per line, or a response (wrapped, or its inner object alone) per line
        return {"owner_id", "date", "id"} <= keys or (looks and bool(keys & {"response", "items"}))
    # a bare array's columns are its first item's keys
    bare = {"owner_id", "from_id", "date"} <= keys
    return head.kind == "json" and looks and (not keys or bare or "response" in keys or "items" in keys)


VK = Format(
    name="vk",
    needs='VK API response (wall.get, wall.search, newsfeed.search): {"response": {"items", "profiles", '
    '"groups"}}, a bare array of items, or JSON lines of items or responses; items with id, owner_id, '
    "from_id, date (Unix seconds), text; copy_history makes reshares",
    sniff=_sniff,
    read=_read,
    platform="vk",
)
