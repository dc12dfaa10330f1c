"""Bluesky's Jetstream: the network's events as JSON lines, one event per line.

Each line is ``{"did", "time_us", "kind", …}``. A ``commit`` event creating
(or updating) an ``app.bsky.feed.post`` record is a post; one creating an
``app.bsky.feed.repost`` record is a reshare. Every other line is a reject
with its reason, so the lines reconcile: ``identity`` and ``account`` events
("an event of kind identity, not a post"), records of other collections (likes,
follows, blocks: "a record of app.bsky.feed.like, not a post or repost")
and deletions ("a deletion of a record of app.bsky.feed.post, not a post").

Keys and choices
----------------
- ``post_id`` is the record's AT-URI, ``at://<did>/<collection>/<rkey>``,
  the id the AppView gives the same post (:mod:`cib.ingest.bluesky`), so a
  post read from both is one post; ``account_id`` is the DID.
- A post's values are read from its record as the AppView formats read them
  (:func:`cib.ingest.bluesky.record_fields`); ``created_at`` is the record's
  ``createdAt``, else the event's ``time_us``.
- A repost's ``reshare_of`` is ``subject.uri``; its time is the record's
  ``createdAt``, else ``time_us``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cib.ingest.base import Format, Head
from cib.ingest.bluesky import POST_TYPE, record_fields
from cib.ingest.jsondoc import Staged, obj, scalar
from cib.ingest.textio import iter_json_lines, safe_json

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["JETSTREAM", "event_row"]

REPOST_TYPE = "app.bsky.feed.repost"


def _time(time_us: Any) -> str | None:
    """``time_us`` (microseconds since the epoch) as ISO 8601 UTC; ``None`` when it is not a number."""
    if isinstance(time_us, bool) or not isinstance(time_us, int | float | str):
        return None
    try:
        return datetime.fromtimestamp(int(time_us) / 1e6, tz=UTC).isoformat()
    except (ValueError, OverflowError, OSError):
        return None


def _refused(event: dict[str, Any]) -> tuple[str, str] | None:
    """``(column, reason)`` when the event is no post or repost; ``None`` when it is one."""
    kind = scalar(event.get("kind"))
    if kind != "commit":
        return "kind", f"an event of kind {(kind or 'none')[:40]}, not a post"
    commit = obj(event.get("commit"))
    collection = (scalar(commit.get("collection")) or "unknown")[:80]
    if commit.get("operation") == "delete":
        return "commit.operation", f"a deletion of a record of {collection}, not a post"
    if collection not in (POST_TYPE, REPOST_TYPE):
        return "commit.collection", f"a record of {collection}, not a post or repost"
    return None


def event_row(event: dict[str, Any]) -> dict[str, Any]:
    """Stage a commit event that creates a post or a repost.

    Parameters
    ----------
    event
        A Jetstream ``commit`` event of ``app.bsky.feed.post`` or ``app.bsky.feed.repost``.

    Returns
    -------
    dict
        Staged values without ``source_row``.
    """
    did = event.get("did")
    commit = obj(event.get("commit"))
    record = obj(commit.get("record"))
    collection, rkey = commit.get("collection"), commit.get("rkey")
    uri = (
        f"at://{did}/{collection}/{rkey}"
        if isinstance(did, str) and did and isinstance(rkey, str) and rkey
        else None
    )
    if collection == REPOST_TYPE:
        subject = obj(record.get("subject")).get("uri")
        row: dict[str, Any] = {
            "reshare_of": subject if isinstance(subject, str) else None,
            "created_at": record.get("createdAt"),
        }
    else:
        row = record_fields(record)
    created = row.get("created_at")
    row["created_at"] = created if isinstance(created, str) else _time(event.get("time_us"))
    return row | {"post_id": uri, "account_id": did if isinstance(did, str) else None}


def _read(path: Path, cfg: Config) -> Iterator:
    label, limit = str(path), cfg["ingest.raw_chars"]
    for records, rejects in iter_json_lines(
        path, chunk_rows=cfg["ingest.chunk_rows"], raw_chars=limit, file_label=label
    ):
        out = Staged(rejects)
        for number, event in records:
            if not isinstance(event, dict):
                out.refuse(number, None, "a JSON line that is not an object", safe_json(event))
                continue
            refused = _refused(event)
            if refused:
                out.refuse(number, refused[0], refused[1], safe_json(event))
                continue
            try:
                out.add(event_row(event), number)
            except RecursionError:
                out.refuse(number, None, "JSON nested too deeply to read", "")
        yield out.chunk(label, limit)


def _sniff(head: Head, cfg: Config) -> bool:
    return head.kind == "jsonl" and {"did", "time_us", "kind"} <= head.lower


JETSTREAM = Format(
    name="bluesky_jetstream",
    needs="Bluesky Jetstream JSON lines: one event per line (did, time_us, kind, commit); "
    "created app.bsky.feed.post records are posts, app.bsky.feed.repost records reshares; "
    "other events, collections and deletions are rejected with their reason",
    sniff=_sniff,
    read=_read,
    platform="bluesky",
)
