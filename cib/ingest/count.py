"""Counting a file's records by its format's own rule, apart from the readers.

The runner reconciles every file against this count: the posts, rejects and
duplicates the readers give must add up to the records counted here, so a
reader that loses a row is caught rather than trusted.

- Delimited text: records end at line breaks (``\\n``, ``\\r\\n`` or a lone
  ``\\r``) outside quoted fields, where a quote opens a field only at its
  start (as Python's ``csv`` and Arrow read it); the header is not counted,
  nor is a record of nothing but blanks and quotes (an empty line). Quotes
  are followed by parity over the raw bytes, in blocks; a file whose quotes do
  not follow that rule anywhere (a quote inside an unquoted field) is counted
  by Python's ``csv`` module instead.
- JSON lines: lines that are not blank.
- Parquet: the row count in the file's metadata.
- A Telegram export: the elements of every ``messages`` array.
- A VK API response saved as one JSON document: the elements of its
  ``items`` (or of the bare array).
- A Meta Content Library JSON document: the elements of its array (bare, or
  under ``data``).
- An API response saved as one JSON document (Mastodon, Bluesky): the
  entities of its lists (the array itself, or the lists under ``statuses``,
  ``ancestors`` and ``descendants``, ``feed`` or ``posts``); a file of several
  JSON values is JSON lines.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

__all__ = ["count_records", "BLANK", "is_blank_record"]

#: bytes a record may hold and still be empty (the delimiter is never one of them)
BLANK = " \t\r\n\x0b\x0c"
_BLOCK = 1 << 26
_QUOTE, _LF, _CR = 34, 10, 13


def is_blank_record(fields: list[str]) -> bool:
    """Whether a record read by ``csv`` is an empty line, skipped rather than counted."""
    return not fields or (len(fields) == 1 and not fields[0].strip(BLANK))


def count_records(path: Path, kind: str, fmt: str) -> int:
    """The records of ``path`` by the rule of its kind (``csv``, ``tsv``, ``jsonl``, ``json``, ``parquet``).

    Parameters
    ----------
    path
        The file.
    kind
        What sniffing found (:class:`cib.ingest.base.Head`).
    fmt
        The format it is read as: a Telegram export counts its messages whatever its kind.

    Returns
    -------
    int
        Data records (a delimited file's header excluded).
    """
    if fmt == "telegram":
        return _messages(path)
    if fmt == "vk" and kind == "json":
        return _vk_items(path)
    if fmt == "meta_content_library" and kind == "json":
        document = _document(path)
        posts = document.get("data") if isinstance(document, dict) else document
        return len(posts) if isinstance(posts, list) else 0
    if kind == "json" and fmt in _LISTED:
        return _listed(path, _LISTED[fmt])
    if kind in ("csv", "tsv"):
        delimiter = "\t" if kind == "tsv" else ","
        counted = _delimited(path, delimiter)
        return counted if counted is not None else _csv_module(path, delimiter)
    if kind == "jsonl":
        return _lines(path)
    if kind == "parquet":
        import pyarrow.parquet as pq

        return int(pq.read_metadata(path).num_rows)
    return 0


class _Blank:
    """What counts as blank in a record: a byte table for the first bytes, a pattern for the rest.

    With ``quotes``, a record of blanks and quotes is blank unless it holds more
    than two quotes: its one quoted value then holds a (doubled) quote.
    """

    FULL = 3  # a measure at which a segment is known to hold something

    def __init__(self, chars: str, quotes: bool = False) -> None:
        self.quotes = quotes
        chars += '"' if quotes else ""
        self.nonblank = re.compile(b"[^" + re.escape(chars.encode()) + b"]")
        self.table = np.ones(256, dtype=bool)
        self.table[list(chars.encode())] = False

    def measure(self, data: bytes, start: int, end: int) -> int:
        """:attr:`FULL` when ``data[start:end]`` holds a non-blank byte, else its quotes (at most FULL)."""
        if self.nonblank.search(data, start, end) is not None:
            return self.FULL
        return min(data.count(b'"', start, end), self.FULL) if self.quotes else 0

    def count(self, data: bytes, starts: np.ndarray, ends: np.ndarray) -> int:
        """How many of the segments ``data[starts[i]:ends[i]]`` are not blank.

        Most records start with a value (or a quote and a value), so the first
        bytes decide; only the others are searched.
        """
        if ends.size == 0:
            return 0
        view = np.frombuffer(data, dtype=np.uint8)
        last = len(view) - 1
        first = view[np.minimum(starts, last)]
        second = view[np.minimum(starts + 1, last)]
        sure = (starts < ends) & (self.table[first] | ((first == _QUOTE) & (starts + 1 < ends) & self.table[second]))
        found = int(sure.sum())
        doubt = (starts < ends) & ~sure
        for s, e in zip(starts[doubt].tolist(), ends[doubt].tolist(), strict=True):
            found += self.measure(data, s, e) >= self.FULL
        return found


def _blocks(path: Path) -> Iterator[tuple[bytes, int, bool]]:
    """``(block, size, final)``: the file in blocks, each with one byte of the next held back to look ahead."""
    with path.open("rb") as fh:
        data = fh.read(_BLOCK)
        if data.startswith(codecs.BOM_UTF8):
            data = data[3:]
        while True:
            more = fh.read(_BLOCK)
            if not more:
                yield data, len(data), True
                return
            yield data + more[:1], len(data), False
            data = more


class _Tally:
    """Non-blank segments between record ends, block by block; the first segment kept apart (a header)."""

    def __init__(self, blank: _Blank) -> None:
        self.blank = blank
        self.count = 0
        self.carry = 0  # the measure of the segment in progress so far
        self.first: bool | None = None  # whether the first segment was not blank, once it ended

    def _end(self, full: bool) -> None:
        if self.first is None:
            self.first = full
        else:
            self.count += full

    def add(self, data: bytes, size: int, ends: np.ndarray, final: bool) -> None:
        """Count the segments of one block ending at ``ends`` (positions in the block)."""
        full = _Blank.FULL
        if ends.size:
            starts = np.empty_like(ends)
            starts[0] = 0
            starts[1:] = ends[:-1] + 1
            self._end(self.carry + self.blank.measure(data, 0, int(ends[0])) >= full)
            self.count += self.blank.count(data, starts[1:], ends[1:])
            self.carry = self.blank.measure(data, int(ends[-1]) + 1, size)
        else:
            self.carry = min(self.carry + self.blank.measure(data, 0, size), full)
        if final and self.carry:
            self._end(self.carry >= full)


def _lines(path: Path) -> int:
    """Non-blank lines (split at ``\\n``) of a JSON lines file."""
    tally = _Tally(_Blank(BLANK))
    for data, size, final in _blocks(path):
        view = np.frombuffer(data, dtype=np.uint8)[:size]
        tally.add(data, size, np.flatnonzero(view == _LF), final)
    return tally.count + bool(tally.first)


def _delimited(path: Path, delimiter: str) -> int | None:
    """Records of a delimited file by quote parity; ``None`` when its quoting does not allow that."""
    tally = _Tally(_Blank(BLANK.replace(delimiter, ""), quotes=True))
    sep = ord(delimiter)
    inside = 0  # quote parity before the block
    prev = _LF  # the byte before the block (the file's start acts as a line break)
    for data, size, final in _blocks(path):
        full = np.frombuffer(data, dtype=np.uint8)
        view = full[:size]
        quotes = np.flatnonzero(view == _QUOTE)
        if quotes.size and not _regular(full, quotes, inside, prev, sep):
            return None
        ends = np.flatnonzero(view == _LF)
        if data.find(b"\r", 0, size) >= 0:
            returns = np.flatnonzero(view == _CR)
            after = full[np.minimum(returns + 1, len(full) - 1)]
            lone = returns[(returns + 1 >= len(full)) | (after != _LF)]
            ends = np.union1d(ends, lone)
        if quotes.size or inside:
            ends = ends[(inside + np.searchsorted(quotes, ends)) % 2 == 0]
        tally.add(data, size, ends, final)
        inside = (inside + quotes.size) % 2
        prev = int(view[-1]) if size else prev
    # the first record is the header, whatever it holds
    return tally.count


def _regular(full: np.ndarray, quotes: np.ndarray, inside: int, prev: int, sep: int) -> bool:
    """Whether every quote opens a field at its start, closes one at its end, or is doubled inside one."""
    before = np.where(quotes > 0, full[np.maximum(quotes - 1, 0)], prev)
    after = np.where(quotes + 1 < len(full), full[np.minimum(quotes + 1, len(full) - 1)], _LF)
    opening = (inside + np.arange(quotes.size)) % 2 == 0
    starts = (before == sep) | (before == _LF) | (before == _CR) | (before == _QUOTE)
    ends = (after == sep) | (after == _LF) | (after == _CR) | (after == _QUOTE)
    return bool(np.all(np.where(opening, starts, ends)))


def _csv_module(path: Path, delimiter: str) -> int:
    """Records as Python's ``csv`` module reads them (the header and empty lines not counted)."""
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        count = -1
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except csv.Error:
                count += 1
                continue
            if count < 0 or not is_blank_record(fields):
                count += 1
    return max(count, 0)


def _document(path: Path) -> object:
    """The file parsed as one JSON document; ``None`` when it is not one (its reader says why)."""
    try:
        with path.open("r", encoding="utf-8-sig") as fh:
            return json.load(fh)
    except (ValueError, RecursionError, UnicodeDecodeError):
        return None


def _vk_items(path: Path) -> int:
    """Elements of a VK response's ``items`` array, or of a bare array of items."""
    document = _document(path)
    if isinstance(document, dict):
        document = document.get("response", document)
        document = document.get("items") if isinstance(document, dict) else document
    return len(document) if isinstance(document, list) else 0


def _messages(path: Path) -> int:
    """Elements of every ``messages`` array of a Telegram export (one chat, or ``chats``/``left_chats``)."""
    document = _document(path)
    if not isinstance(document, dict):
        return 0
    if isinstance(document.get("messages"), list):
        return len(document["messages"])
    total = 0
    for key in ("chats", "left_chats"):
        block = document.get(key)
        for chat in (block.get("list") if isinstance(block, dict) else None) or []:
            if isinstance(chat, dict) and isinstance(chat.get("messages"), list):
                total += len(chat["messages"])
    return total


#: formats saved as API responses: the keys of a page object that hold its entity list
_LISTED = {"mastodon": ("statuses", "ancestors", "descendants"), "bluesky": ("feed", "posts")}


def _listed(path: Path, keys: tuple[str, ...]) -> int:
    """Entities of a JSON document: its array, or the lists under ``keys``; else one."""
    try:
        with path.open("r", encoding="utf-8-sig") as fh:
            document = json.loads(fh.read())
    except json.JSONDecodeError as exc:
        return _lines(path) if exc.msg == "Extra data" else 0
    except (ValueError, RecursionError):
        return 0
    if isinstance(document, list):
        return len(document)
    if isinstance(document, dict):
        lists = [document[k] for k in keys if isinstance(document.get(k), list)]
        return sum(len(listed) for listed in lists) if lists else 1
    return 0
