"""Small readers the platform adapters share: the posting app's name, first-filled columns, list columns."""

from __future__ import annotations

import html
import itertools
import re
from typing import Any

import polars as pl
import pyarrow as pa

from cib.schema import LIST_COLUMNS, STAGED_TEXT

__all__ = ["client_name", "first_filled", "string_lists", "staged_frame"]

_ANCHOR = re.compile(r"<a\b[^>]*>(.*?)</a\s*>", re.IGNORECASE | re.DOTALL)


def client_name(value: object) -> str | None:
    """The app a post was sent from, as the platform names it.

    X API v1 writes it as an HTML link (``<a href="…">Twitter for iPhone</a>``):
    only the link's text is kept, its entities decoded; v2 and the
    information-operations archive write the bare name. Blank is none.
    """
    if not isinstance(value, str):
        return None
    found = _ANCHOR.search(value)
    name = html.unescape(found.group(1)) if found else value
    # a link's text could itself hold markup: it stays text, never markup
    name = re.sub(r"<[^>]*>", "", name).strip()
    return name or None


def first_filled(rows: pl.DataFrame, *names: str) -> list[str | None]:
    """In each row, the first of the columns ``names`` (any case) with a value, stripped; blank counts as none."""
    by_lower = {c.strip().lower(): c for c in rows.columns}
    out: list[str | None] = [None] * rows.height
    for name in names:
        if name in by_lower:
            values = rows[by_lower[name]].to_list()
            out = [o if o else (v.strip() or None if v else None) for o, v in zip(out, values, strict=True)]
    return out


def string_lists(name: str, lists: list[list[str]]) -> pl.Series:
    """A ``list[str]`` column from Python lists, built through Arrow offsets (5x faster than item by item)."""
    offsets = pa.array([0, *itertools.accumulate(len(v) for v in lists)], pa.int64())
    values = pa.array(list(itertools.chain.from_iterable(lists)), pa.large_string())
    return pl.Series(name, pl.from_arrow(pa.LargeListArray.from_arrays(offsets, values))).cast(
        pl.List(pl.String)
    )


def staged_frame(rows: list[dict[str, Any]], numbers: list[int], also: tuple[str, ...] = ()) -> pl.DataFrame:
    """Staged rows (dicts of strings and lists of strings) as a frame with ``source_row``.

    The text columns are :data:`~cib.schema.STAGED_TEXT` and ``also`` (a reader
    that knows each row's platform adds ``"platform"``); a list column a row
    lacks is empty.
    """
    data = {c: pl.Series(c, [r.get(c) for r in rows], dtype=pl.String) for c in (*STAGED_TEXT, *also)}
    data |= {c: string_lists(c, [r.get(c) or [] for r in rows]) for c in LIST_COLUMNS}
    data["source_row"] = pl.Series("source_row", numbers, dtype=pl.Int64)
    return pl.DataFrame(data)
