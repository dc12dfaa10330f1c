"""The start of a file, read once to tell its kind and columns (and to refuse what is not text).

A stray NUL byte does not make a file binary (the row holding it is rejected
by the reader); UTF-16 text is named as such; a JSON line longer than the
first 64 KiB (a twarc2 page) is read whole to see its keys.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from pathlib import Path

import polars as pl

from cib.errors import InputError
from cib.ingest.base import Head

__all__ = ["read_head", "same_columns", "FIRST_LINE_BYTES"]

_HEAD_BYTES = 64 * 1024
_BOM = codecs.BOM_UTF8


def read_head(path: Path) -> Head:
    """Read the start of ``path`` and guess its kind and columns.

    A JSON line longer than the first 64 KiB (a twarc2 page) is read whole, up
    to :data:`FIRST_LINE_BYTES`, to see its keys.

    Raises
    ------
    InputError
        When the file is empty, binary (and not Parquet), UTF-16, or names
        one column twice.
    """
    with path.open("rb") as fh:
        raw = fh.read(_HEAD_BYTES)
    if not raw.strip():
        raise InputError(path, "the file is empty", hint="remove it or export it again")
    if raw[:4] == b"PAR1":
        try:
            cols = list(pl.read_parquet_schema(path).keys())
        except Exception:
            raise InputError(path, "a Parquet file that cannot be read (truncated or damaged)", hint="export it again") from None
        return _checked(Head(path, raw, cols, "parquet"))
    _refuse_binary(path, raw)
    # a stray NUL byte does not make a text file binary: the row holding it is rejected
    text = raw.removeprefix(_BOM).replace(b"\x00", b"").decode("utf-8", errors="replace")
    if not text.strip():
        # a byte order mark (or NULs) and nothing else: no header, no rows
        raise InputError(path, "the file is empty", hint="remove it or export it again")
    if b"\x00" in raw.split(b"\n", 1)[0] and not text.lstrip().startswith("{"):
        raise InputError(path, "a NUL byte in the header (binary data, not text)", row=1, hint="export the file again")
    stripped = text.lstrip()
    if stripped.startswith("{"):
        obj = _first_object(path, raw)
        if obj is not None:
            return _checked(Head(path, raw, list(obj) if isinstance(obj, dict) else [], "jsonl"))
        return Head(path, raw, _json_keys(stripped), "json")
    if stripped.startswith("["):
        return Head(path, raw, _first_element_keys(stripped), "json")
    # newline="": a lone carriage return ends a line, as the readers take it
    first = next(csv.reader(io.StringIO(text, newline="")), [])
    kind = "tsv" if ("\t" in text.splitlines()[0] and len(first) <= 1) else "csv"
    if kind == "tsv":
        first = next(csv.reader(io.StringIO(text, newline=""), delimiter="\t"), [])
    return _checked(Head(path, raw, [c.strip() for c in first], kind))


#: the longest first JSON line read to see its keys (a twarc2 page is commonly 0.1-2 MB)
FIRST_LINE_BYTES = 64 << 20


def _first_object(path: Path, raw: bytes) -> object | None:
    """The first line of a JSON lines file, parsed (``None`` when it is not one JSON value)."""
    line = raw.split(b"\n", 1)[0]
    if b"\n" not in raw and len(raw) == _HEAD_BYTES:
        with path.open("rb") as fh:
            line = fh.readline(FIRST_LINE_BYTES)
    try:
        return json.loads(line.removeprefix(_BOM).replace(b"\x00", b"").decode("utf-8", errors="replace"))
    except (ValueError, RecursionError):
        return None


def _refuse_binary(path: Path, raw: bytes) -> None:
    """Raise for a head that is UTF-16 text, compressed, or mostly control bytes."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16(raw):
        raise InputError(
            path,
            "UTF-16 text, not UTF-8",
            hint="convert it to UTF-8 (`iconv -f UTF-16 -t UTF-8`, or save it as CSV UTF-8)",
        )
    if raw.startswith((b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"(\xb5/\xfd")):
        raise InputError(path, "a compressed file (zip, gzip, bzip2, xz or zstd)", hint="unpack it into the folder")
    control = sum(raw.count(bytes([b])) for b in _CONTROL)
    if control * 10 > len(raw):
        raise InputError(
            path,
            "a binary file, not a text export",
            hint="cib reads CSV, TSV, JSON lines, JSON and Parquet (see `cib formats`)",
        )


#: bytes that text holds rarely (tab, line breaks, form feed and escape aside)
_CONTROL = tuple(b for b in range(32) if b not in (9, 10, 11, 12, 13, 27))


def _utf16(raw: bytes) -> bool:
    """Whether ``raw`` looks like UTF-16 without a byte order mark: a NUL in every other byte."""
    pairs = raw[: len(raw) // 2 * 2]
    if len(pairs) < 4:
        return False
    even, odd = pairs[0::2].count(0), pairs[1::2].count(0)
    half = len(pairs) // 2
    return max(even, odd) * 10 >= half * 4 and min(even, odd) * 10 < half


def _checked(head: Head) -> Head:
    """``head``, unless two of its columns differ only in case or spaces (a reader would take one for the other)."""
    same_columns(head.path, head.columns, row=1 if head.kind in ("csv", "tsv") else None)
    return head


def same_columns(path: Path, columns: list[str], row: int | None = None) -> None:
    """Raise when two of ``columns`` are one name to cib: equal once stripped and case-folded.

    Raises
    ------
    InputError
        Naming both columns.
    """
    seen: dict[str, str] = {}
    for name in columns:
        key = name.strip().lower()
        if key in seen:
            raise InputError(
                path,
                f"columns '{seen[key]}' and '{name}' are one name to cib (case and spaces aside)",
                row=row,
                hint="rename or remove one of them",
            )
        seen[key] = name


def _first_element_keys(text: str) -> list[str]:
    """Keys of the first object of a JSON array (an API page) when it ends within the head; else none."""
    start = text.find("{", 1)
    if start < 0 or text[1:start].strip():
        return []
    try:
        value, _ = json.JSONDecoder().raw_decode(text, start)
    except (ValueError, RecursionError):
        return []
    return [str(k) for k in value] if isinstance(value, dict) else []


def _json_keys(text: str) -> list[str]:
    """Top-level keys of a JSON document from its first bytes (a cheap look, not a parse)."""
    keys: list[str] = []
    depth = 0
    i = 0
    in_str = False
    start = 0
    while i < len(text):
        ch = text[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_str = False
                if depth == 1 and text[i + 1 : i + 10].lstrip().startswith(":"):
                    keys.append(text[start:i])
        elif ch == '"':
            in_str, start = True, i + 1
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
        i += 1
    return keys


