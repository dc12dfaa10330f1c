"""Meta Content Library exports of Facebook and Instagram posts: CSV, JSON lines or JSON.

The CSV flattens each post's fields into dotted columns (``post_owner.id``,
``statistics.reaction_count``, ``link_attachment.link``); JSON keeps them
nested (``{"post_owner": {"id": …}}``), one post per line or as an array (bare,
or the ``data`` of an API response), and is flattened the same way, so all are
read by one rule. ``source_row`` is the CSV record's line, the JSON line, or
the post's place in the array. Columns are found by name; an absent optional one is
empty.

Fields and where they go
------------------------
- ``id`` → ``post_id``.
- ``post_owner.id`` (older exports: ``surface.id``, the page, group or profile
  the post appeared on) → ``account_id``; ``post_owner.name`` (``surface.name``)
  → the account's name; ``post_owner.username`` → its handle.
- ``creation_time`` → ``created_at``: ISO 8601 with its offset, or Unix
  seconds; a time written without an offset is read as UTC, the zone the
  Content Library gives, whatever ``ingest.default_timezone`` says.
- ``text`` (else ``content``, ``message``) → ``text``, whose ``#tags``,
  ``@names`` and written links give hashtags, mentions and more URLs.
- ``link_attachment.link`` → the first of ``urls``.
- ``lang`` → ``lang``.
- ``platform``: a ``platform`` column when there is one; otherwise Instagram
  when the export names owners by ``post_owner.username`` and has no
  ``post_owner.type`` (Facebook exports say page, group or profile there);
  otherwise Facebook.
- Not read: ``statistics.*`` (reactions, comments, shares, views: counts of
  what others did), ``is_branded_content``, ``multimedia`` (its ids are per
  upload, never shared between posts), and shares: the export does not name
  the post a share reshared, so a share is not a reshare here.
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
from cib.ingest.io_archive import utc_text
from cib.ingest.textio import iter_delimited, iter_json_lines, safe_json

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["META_CONTENT_LIBRARY", "flatten", "posts_of"]

_TAG = re.compile(r"(?<![\w&])#(\w+)")
_MENTION = re.compile(r"(?<![\w.])@(\w(?:[\w.]*\w)?)")
_URL = re.compile(r"https?://[^\s<>\"'«»]+")
#: staged column → the export's fields that may hold it, first with a value wins
_FIELDS = {
    "post_id": ("id",),
    "account_id": ("post_owner.id", "surface.id"),
    "created_at": ("creation_time",),
    "text": ("text", "content", "message"),
    "lang": ("lang",),
    "account_handle": ("post_owner.username",),
    "account_display_name": ("post_owner.name", "surface.name"),
}


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested JSON post as the CSV's dotted fields, names case-folded (lists are kept whole)."""
    out: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}".strip().lower()
        if isinstance(value, dict):
            out |= flatten(value, name + ".")
        else:
            out[name] = value
    return out


def _value(row: dict[str, Any], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = row.get(name)
        if value is not None and not isinstance(value, dict | list | bool) and str(value).strip():
            return str(value)
    return None


def _platform(row: dict[str, Any], columns: set[str]) -> str:
    said = _value(row, ("platform",))
    if said:
        return said.strip().lower()
    return (
        "instagram" if "post_owner.username" in columns and "post_owner.type" not in columns else "facebook"
    )


def post_row(row: dict[str, Any], columns: set[str]) -> dict[str, Any]:
    """Stage one post from its dotted, case-folded fields; ``columns`` are the fields the file has."""
    staged: dict[str, Any] = {k: _value(row, names) for k, names in _FIELDS.items()}
    text = staged["text"] or ""
    link = _value(row, ("link_attachment.link",))
    urls = [link] if link else []
    for found in _URL.findall(text):
        found = found.rstrip(".,;:!?)]}…")
        if found not in urls:
            urls.append(found)
    staged |= {
        "urls": urls,
        "hashtags": _TAG.findall(text),
        "mentions": _MENTION.findall(text),
        "media": [],
        "platform": _platform(row, columns),
    }
    return staged


def _frame(rows: list[dict[str, Any]], numbers: list[int]) -> pl.DataFrame:
    # a time without offset is the Content Library's UTC
    frame = staged_frame(rows, numbers, ("platform",))
    return frame.with_columns(utc_text(pl.col("created_at")).alias("created_at"))


def _records(records: list[tuple[int, Any]], label: str, limit: int, rejects: pl.DataFrame) -> Chunk:
    """Stage numbered JSON posts (lines, or elements of an array); what is not a post object is a reject."""
    rows: list[dict[str, Any]] = []
    numbers: list[int] = []
    bad = [rejects]
    for number, record in records:
        why = None if isinstance(record, dict) else "a JSON post that is not an object"
        if why is None:
            try:
                flat = flatten(record)
            except RecursionError:
                why = "JSON nested too deeply to read"
        if why is not None:
            bad.append(reject_frame(label, [number], None, why, [safe_json(record)], limit))
            continue
        rows.append(post_row(flat, set(flat)))
        numbers.append(number)
    return Chunk(_frame(rows, numbers), pl.concat(bad))


def posts_of(document: Any) -> list[Any] | None:
    """The posts of a JSON document: a bare array, or the ``data`` array of an API response."""
    if isinstance(document, dict):
        document = document.get("data")
    return document if isinstance(document, list) else None


def _read(path: Path, cfg: Config) -> Iterator[Chunk]:
    label = str(path)
    limit = cfg["ingest.raw_chars"]
    kind = read_head(path).kind
    empty = reject_frame(label, [], None, "", [], limit)
    if kind == "json":
        try:
            with path.open("r", encoding="utf-8-sig") as fh:
                posts = posts_of(json.load(fh))
        except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
            raise InputError(
                path, f"not a readable JSON export ({type(exc).__name__})", hint="export it again"
            ) from None
        if posts is None:
            raise InputError(
                path,
                "a JSON document without an array of posts",
                hint="export the posts as CSV or JSON lines",
            )
        step = cfg["ingest.chunk_rows"]
        for start in range(0, max(len(posts), 1), step):
            numbered = list(enumerate(posts[start : start + step], start=start + 1))
            yield _records(numbered, label, limit, empty)
        return
    if kind == "jsonl":
        for records, rejects in iter_json_lines(
            path, chunk_rows=cfg["ingest.chunk_rows"], raw_chars=limit, file_label=label
        ):
            yield _records(records, label, limit, rejects)
        return
    delimiter = "\t" if read_head(path).kind == "tsv" else ","
    for header, table, rejects in iter_delimited(
        path, delimiter=delimiter, chunk_rows=cfg["ingest.chunk_rows"], raw_chars=limit, file_label=label
    ):
        columns = {h.strip().lower() for h in header}
        renamed = table.rename({c: c.strip().lower() for c in table.columns if c != "source_row"})
        rows = [post_row(r, columns) for r in renamed.iter_rows(named=True)]
        yield Chunk(_frame(rows, renamed["source_row"].to_list()), rejects)


def _sniff(head: Head, cfg: Config) -> bool:
    keys = head.lower
    if head.kind in {"csv", "tsv"}:
        return {"id", "creation_time"} <= keys and bool(keys & {"post_owner.id", "surface.id"})
    if head.kind == "jsonl":
        return {"id", "creation_time"} <= keys and bool(keys & {"post_owner", "surface"})
    # a JSON array of posts, or an API response holding them in "data"
    looks = b'"creation_time"' in head.raw and (b'"post_owner"' in head.raw or b'"surface"' in head.raw)
    return head.kind == "json" and looks and (not keys or "data" in keys)


META_CONTENT_LIBRARY = Format(
    name="meta_content_library",
    needs="Meta Content Library export of Facebook or Instagram posts, CSV (dotted columns) or JSON lines: "
    "id, creation_time, post_owner.id (or surface.id); optional text, post_owner.name, post_owner.username, "
    "link_attachment.link, lang, platform",
    sniff=_sniff,
    read=_read,
    platform="facebook",
)
