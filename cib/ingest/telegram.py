"""Telegram Desktop exports: ``result.json`` of one chat or of a whole account.

One chat is ``{"name", "type", "id", "messages": […]}``; a whole account puts
its chats in ``chats.list`` (and those it left in ``left_chats.list``). Every
message is either a post or a reject; ``source_row`` counts messages from 1
across the file, in the order the export lists them.

Keys and choices
----------------
- ``post_id`` is ``<chat id>:<message id>``: message ids restart in every chat.
- ``account_id`` is ``from_id`` (``user123``, ``channel456``); a channel post
  without one is the chat's own (``channel<chat id>``, or ``chat<chat id>``
  for other chat types).
- ``created_at`` comes from ``date_unixtime`` (UTC); only when it is absent is
  the local ``date`` read, in ``ingest.default_timezone`` (Telegram Desktop
  writes the exporting computer's local time without saying which).
- A forward is a reshare. The export names the source (``forwarded_from_id``,
  else the name in ``forwarded_from``) but neither the original message id
  nor its date, so ``reshare_of`` is ``fwd:<source>:<digest>`` where the
  digest is the first 16 hex digits of the SHA-1 of the forwarded text: two
  accounts forwarding the same message of the same source share the key,
  wherever and whenever they forward it. A forward without text (a bare photo)
  gets ``fwd:<source>:<own date_unixtime>`` instead, which links nothing —
  unknown, rather than a false match between different photos.
- ``reply_to`` is ``<chat id>:<reply_to_message_id>``. A reply into another
  chat names that chat in ``reply_to_peer_id`` (``channel1111``, as
  ``from_id`` is written; a bare number, or a Bot API ``-100…`` id, are read
  too): ``reply_to`` is then ``<that chat's id>:<reply_to_message_id>``, the
  key that chat's own messages have as ``post_id``.
- ``media`` holds ``<chat id>:<photo or file path>``: paths repeat between
  exports (``photos/photo_1@…``) so they are kept per chat, never matched
  across chats; placeholders such as "(File not included…)" are dropped.
- Service messages (joins, pins, title changes) are rejects with the reason
  "service message, not a post".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.errors import InputError
from cib.ingest.base import Chunk, Format, Head, reject_frame
from cib.ingest.textio import json_text, may_hold_surrogates, safe_json
from cib.schema import LIST_COLUMNS, STAGED_TEXT

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["TELEGRAM", "message_row"]

_SERVICE = "service message, not a post"


def _text(parts: Any) -> str:
    if isinstance(parts, str):
        return parts
    if isinstance(parts, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", "")) for p in parts if isinstance(p, str | dict))
    return ""


def _entities(message: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """URLs, hashtags and mentions from the message's entity objects."""
    parts = message.get("text_entities")
    if not isinstance(parts, list):
        parts = message.get("text") if isinstance(message.get("text"), list) else []
    urls: list[str] = []
    tags: list[str] = []
    mentions: list[str] = []
    for part in parts:
        if not isinstance(part, dict):
            continue
        kind, text = part.get("type"), str(part.get("text", ""))
        if kind == "text_link" and part.get("href"):
            urls.append(str(part["href"]))
        elif kind in ("link", "text_link") and text:
            urls.append(text)
        elif kind == "hashtag" and text:
            tags.append(text)
        elif kind == "mention" and text:
            mentions.append(text)
    return urls, tags, mentions


def _forward_key(message: dict[str, Any], text: str) -> str | None:
    source = message.get("forwarded_from_id") or message.get("forwarded_from")
    if not source and "forwarded_from" not in message:
        return None
    # a forward from a deleted account has forwarded_from null: still a forward
    source = str(source or "unknown")
    if text.strip():
        return f"fwd:{source}:{hashlib.sha1(text.encode('utf-8')).hexdigest()[:16]}"
    return f"fwd:{source}:{message.get('date_unixtime') or message.get('date') or ''}"


def _peer_chat(peer: Any) -> str | None:
    """The chat id of a ``reply_to_peer_id`` as post ids write it: ``channel1111`` and ``-1001111`` are ``1111``."""
    if peer is None or isinstance(peer, dict | list | bool):
        return None
    text = str(peer).strip()
    for prefix in ("channel", "chat", "user"):
        if text.startswith(prefix) and text[len(prefix) :].isdigit():
            return text[len(prefix) :]
    if text.startswith("-100") and text[4:].isdigit():
        return text[4:]
    # another form is kept as written: it links only to replies naming the same peer, never to this chat
    return text or None


def _media(chat: str, message: dict[str, Any]) -> list[str]:
    out = []
    for key in ("photo", "file"):
        value = message.get(key)
        if isinstance(value, str) and value.strip() and not value.startswith("("):
            out.append(f"{chat}:{value}")
    return out


def message_row(message: dict[str, Any], chat: dict[str, Any]) -> dict[str, Any]:
    """Stage one message of ``chat``.

    Parameters
    ----------
    message
        A ``type == "message"`` object of the export.
    chat
        The chat it belongs to (``id``, ``type``, ``name``).

    Returns
    -------
    dict
        Staged values without ``source_row``.
    """
    chat_id = str(chat.get("id", ""))
    text = _text(message.get("text"))
    urls, tags, mentions = _entities(message)
    author = message.get("from_id")
    if author is None:
        author = f"{'channel' if 'channel' in str(chat.get('type', '')) else 'chat'}{chat_id}"
    reply = message.get("reply_to_message_id")
    # a reply into another chat names it; a peer that cannot be read links to nothing rather than to this chat
    peer = message.get("reply_to_peer_id")
    reply_chat = chat_id if peer is None else _peer_chat(peer)
    mid = message.get("id")
    return {
        "post_id": f"{chat_id}:{mid}" if mid is not None else None,
        "account_id": str(author),
        "created_at": str(message.get("date_unixtime") or message.get("date") or "") or None,
        "text": text,
        "reshare_of": _forward_key(message, text),
        "reply_to": f"{reply_chat}:{reply}" if reply is not None and reply_chat else None,
        "account_display_name": message.get("from") if message.get("from_id") is not None else chat.get("name"),
        "urls": urls,
        "hashtags": tags,
        "mentions": mentions,
        "media": _media(chat_id, message),
    }


def _chats(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    if isinstance(document.get("messages"), list):
        return [document]
    chats = []
    for key in ("chats", "left_chats"):
        block = document.get(key)
        listed = block.get("list") if isinstance(block, dict) else None
        chats += [c for c in listed or [] if isinstance(c, dict)]
    return chats


def _read(path: Path, cfg: Config) -> Iterator[Chunk]:
    label = str(path)
    limit = cfg["ingest.raw_chars"]
    try:
        with path.open("r", encoding="utf-8-sig") as fh:
            text = fh.read()
        document = json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not a readable Telegram export ({exc})", hint="export the chat again as JSON") from None
    except RecursionError:
        raise InputError(path, "not a readable Telegram export (JSON nested too deeply)", hint="export the chat again as JSON") from None
    suspect = may_hold_surrogates(text)
    del text
    chats = _chats(document)
    if not chats:
        raise InputError(path, "a JSON file without Telegram messages", hint="use the result.json that Telegram Desktop exports")
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    bad: list[pl.DataFrame] = []
    number = 0
    for chat in chats:
        for message in chat.get("messages") or []:
            number += 1
            if not isinstance(message, dict):
                bad.append(reject_frame(label, [number], None, "a message that is not an object", [safe_json(message)], limit))
            elif why := (json_text(message) if suspect else None):
                bad.append(reject_frame(label, [number], None, why, [""], limit))
            elif message.get("type", "message") != "message":
                bad.append(reject_frame(label, [number], "type", _SERVICE, [safe_json(message)], limit))
            else:
                try:
                    rows.append(message_row(message, chat))
                except RecursionError:
                    bad.append(reject_frame(label, [number], None, "JSON nested too deeply to read", [""], limit))
                    continue
                numbers.append(number)
            if len(rows) >= cfg["ingest.chunk_rows"]:
                yield _chunk(rows, numbers, bad, label, limit)
                rows, numbers, bad = [], [], []
    yield _chunk(rows, numbers, bad, label, limit)


def _chunk(rows: list[dict[str, Any]], numbers: list[int], bad: list[pl.DataFrame], label: str, limit: int) -> Chunk:
    frame = {c: pl.Series(c, [r.get(c) for r in rows], dtype=pl.String) for c in STAGED_TEXT}
    frame |= {c: pl.Series(c, [r[c] for r in rows], dtype=pl.List(pl.String)) for c in LIST_COLUMNS}
    frame["source_row"] = pl.Series("source_row", numbers, dtype=pl.Int64)
    rejects = pl.concat(bad) if bad else reject_frame(label, [], None, "", [], limit)
    return Chunk(pl.DataFrame(frame), rejects)


def _sniff(head: Head, cfg: Config) -> bool:
    keys = head.lower
    if head.kind == "jsonl":
        # a minified export is one line, which read_head takes for JSON lines
        return "messages" in keys and {"id", "type"} <= keys or {"about", "chats"} <= keys
    return head.kind == "json" and bool(keys & {"messages", "chats", "left_chats"} or {"about", "personal_information"} <= keys)


TELEGRAM = Format(
    name="telegram",
    needs="Telegram Desktop JSON export (result.json) of one chat or a whole account; "
    "messages with id, date_unixtime (or date), from_id, text; forwards become reshares, "
    "service messages are rejected",
    sniff=_sniff,
    read=_read,
    platform="telegram",
)
