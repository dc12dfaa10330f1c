"""API responses saved as files: one JSON document, or JSON lines of documents.

A platform API answers with a page: a JSON array of entities, or an object
holding one (``{"statuses": […]}``, ``{"feed": […]}``). Collectors save it
either as it came (one document per file, often pretty-printed) or one page
(or one entity) per line. Both are read here, with the same rule as
:mod:`cib.ingest.count` counts them:

- a file whose text is one JSON value is a document: each entity of its list
  is a record, numbered from 1 in ``source_row``;
- otherwise it is JSON lines: each non-blank line is a record, numbered by its
  line; the entities of a line beyond its first are ``expanded`` rows, and a
  line holding none is a reject.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.errors import InputError
from cib.ingest.base import Chunk
from cib.ingest.fields import staged_frame
from cib.ingest.head import read_head
from cib.ingest.textio import iter_json_lines, json_text, safe_json
from cib.schema import REJECTS

if TYPE_CHECKING:
    from cib.config import Config

__all__ = [
    "Batch",
    "Refusal",
    "Staged",
    "entities",
    "Entities",
    "refused_frame",
    "staged_frame",
    "obj",
    "seq",
    "scalar",
]


def obj(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one: an entity may hold anything where an object is due."""
    return value if isinstance(value, dict) else {}


def seq(value: Any) -> list[Any]:
    """``value`` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def scalar(value: Any) -> str | None:
    """A JSON scalar as text (Python's json keeps big integers exact); ``None`` for null, booleans, arrays and objects."""
    if value is None or isinstance(value, dict | list | bool):
        return None
    return str(value)


def entities(value: Any, keys: tuple[str, ...], single: Callable[[dict[str, Any]], bool]) -> list[Any]:
    """The entities a JSON value holds: a list's items, those of the lists under ``keys`` (in that order), or the value itself.

    Parameters
    ----------
    value
        A document or a line.
    keys
        Keys of a page object that hold the entity list.
    single
        True when an object is itself one entity.
    """
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        lists = [value[key] for key in keys if isinstance(value.get(key), list)]
        if lists:
            return [item for listed in lists for item in listed]
        if single(value):
            return [value]
    return []


@dataclass
class Batch:
    """Records read from a file: ``(source_row, entities)`` pairs and the records refused while reading."""

    records: list[tuple[int, list[Any]]]
    rejects: pl.DataFrame


#: an escaped surrogate that is not half of a pair: JSON's ensure_ascii writes every emoji as a pair,
#: so a file is checked item by item only when it holds one alone
_LONE_SURROGATE = re.compile(
    r"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    r"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def _document(path: Path, what: str) -> tuple[Any, bool] | None:
    """The file parsed as one JSON document and whether it may hold lone surrogates; ``None`` for JSON lines."""
    try:
        with path.open("r", encoding="utf-8-sig") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        raise InputError(
            path, f"not a readable {what} file (bytes that are not UTF-8)", hint="save it as UTF-8"
        ) from None
    try:
        return json.loads(text), _LONE_SURROGATE.search(text) is not None
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":
            return None  # several values: JSON lines
        raise InputError(
            path,
            f"not a readable {what} file (broken JSON: {exc.msg}, character {exc.pos + 1})",
            hint="save the API response again",
        ) from None
    except RecursionError:
        raise InputError(
            path, f"not a readable {what} file (JSON nested too deeply)", hint="save the API response again"
        ) from None


class Entities:
    """The records of a document or JSON lines file, each with the entities it holds, readable more than once.

    A document is parsed once, when this is made, and kept for every pass;
    JSON lines are read again, chunk by chunk, on each pass.

    Parameters
    ----------
    path
        The file.
    cfg
        Effective configuration (chunk size, reject text length).
    what
        The format's name for messages ("Mastodon").
    keys, single
        How a page holds its entities (:func:`entities`).

    Raises
    ------
    InputError
        When a document cannot be parsed at all, or holds no entity.
    """

    def __init__(
        self,
        path: Path,
        cfg: Config,
        what: str,
        keys: tuple[str, ...],
        single: Callable[[dict[str, Any]], bool],
    ) -> None:
        self.path, self.what, self.keys, self.single = path, what, keys, single
        self.label, self.limit, self.size = str(path), cfg["ingest.raw_chars"], cfg["ingest.chunk_rows"]
        parsed = _document(path, what) if read_head(path).kind == "json" else None
        self.items: list[Any] | None = None
        self.suspect = False
        if parsed is not None:
            self.items, self.suspect = entities(parsed[0], keys, single), parsed[1]
            if not self.items:
                raise InputError(
                    path,
                    f"a JSON document without {what} posts",
                    hint=f"see `cib formats` for the {what} files cib reads",
                )

    def batches(self) -> Iterator[Batch]:
        """Yield the records in chunks, with the records refused while reading."""
        if self.items is None:
            yield from self._lines()
            return
        for start in range(0, len(self.items), self.size):
            found, refused = [], []
            for number, item in enumerate(self.items[start : start + self.size], start=start + 1):
                why = json_text(item) if self.suspect else None
                if why:
                    refused.append((number, None, why, ""))
                else:
                    found.append((number, [item]))
            yield Batch(found, refused_frame(self.label, refused, self.limit))

    def _lines(self) -> Iterator[Batch]:
        for records, rejects in iter_json_lines(
            self.path, chunk_rows=self.size, raw_chars=self.limit, file_label=self.label
        ):
            found: list[tuple[int, list[Any]]] = []
            refused: list[Refusal] = []
            for number, value in records:
                held = entities(value, self.keys, self.single)
                if held:
                    found.append((number, held))
                else:
                    refused.append((number, None, f"a line with no {self.what} post", safe_json(value)))
            yield Batch(found, pl.concat([rejects, refused_frame(self.label, refused, self.limit)]))


#: a refused record: ``(source_row, column, reason, raw)``
Refusal = tuple[int, str | None, str, str]


def refused_frame(label: str, refused: list[Refusal], limit: int) -> pl.DataFrame:
    """Refused records as one rejects frame (one frame a row costs a millisecond each)."""
    rows, columns, reasons, raws = zip(*refused, strict=True) if refused else ((), (), (), ())
    return pl.DataFrame(
        {
            "source_file": [label] * len(rows),
            "source_row": list(rows),
            "column": list(columns),
            "reason": list(reasons),
            "raw": [r[:limit] for r in raws],
        },
        schema=REJECTS,
    )


@dataclass
class Staged:
    """Rows staged from a batch: values with their ``source_row``, the records refused, and the rows beyond one per record.

    ``read`` holds the rejects of reading the batch (broken lines), ``refused``
    the records the adapter refused.
    """

    read: pl.DataFrame
    rows: list[dict[str, Any]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    expanded: int = 0

    def add(self, row: dict[str, Any], number: int) -> None:
        """Stage one row read from record ``number``."""
        self.rows.append(row)
        self.numbers.append(number)

    def refuse(self, number: int, column: str | None, reason: str, raw: str) -> None:
        """Refuse record ``number`` for ``reason`` (about ``column``, when one is to blame)."""
        self.refused.append((number, column, reason, raw))

    def chunk(self, label: str, limit: int) -> Chunk:
        """The staged rows as a :class:`~cib.ingest.base.Chunk`."""
        rejects = pl.concat([self.read, refused_frame(label, self.refused, limit)])
        return Chunk(staged_frame(self.rows, self.numbers), rejects, expanded=self.expanded)
