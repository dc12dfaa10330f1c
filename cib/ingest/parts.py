"""The posts of a collection as its files are read: held in memory, or staged on disk in parts.

Every chunk a reader finalises is one part, in file order, in the canonical
posts columns. Up to ``run.max_posts_in_memory`` posts the parts stay in
memory and the posts table is their concatenation, as it always was. Beyond,
when the caller gave a folder, every part goes to a Parquet file of its own
there, and ``posts.parquet`` is written from their scans by Polars' streaming
engine (:func:`cib.schema.sink_table`): the posts are never all in memory at
once. The rows, their order and the counts are the same either way; only the
memory differs (``tests/test_ingest_parts.py`` checks it on every reader's
fixtures).

Repeated posts (the same ``platform, post_id``; the first in file order is
kept) are found from a 64-bit hash of each part's keys, kept beside the
parts (8 bytes a post): when the hashes all differ there is nothing to drop,
the usual case; otherwise only the rows whose hash repeats have their keys
read back and compared exactly.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from cib.schema import POSTS, read_table, sink_table, write_table

__all__ = ["PostParts"]

#: the seed of the keys' hash (the same as the in-memory check always used)
_HASH_SEED = 0x5EED
#: parts are read back once, soon: written fast rather than small
_PART_WRITE: dict[str, Any] = {"compression": "lz4", "statistics": False}


@dataclass
class _Part:
    """One finalised chunk of one file: in memory (``frame``) or on disk (``path``)."""

    file: str
    rows: int
    hashes: np.ndarray | None
    frame: pl.DataFrame | None = None
    path: Path | None = None

    def load(self, columns: Sequence[str] | None = None) -> pl.DataFrame:
        """The part's rows (only ``columns``, when given)."""
        if self.frame is not None:
            return self.frame if columns is None else self.frame.select(columns)
        assert self.path is not None
        return pl.read_parquet(self.path, columns=list(columns) if columns is not None else None)


def _key_hashes(frame: pl.DataFrame) -> np.ndarray:
    """A 64-bit hash of each row's ``(platform, post_id)``."""
    return frame.select(pl.struct("platform", "post_id").hash(_HASH_SEED)).to_series().to_numpy()


class PostParts:
    """The posts read so far, part by part, and the repeats found among them.

    Parameters
    ----------
    folder
        Where parts are staged once more than ``max_rows`` posts are held;
        ``None`` holds every part in memory.
    max_rows
        The posts held in memory before parts go to ``folder``.
    dedupe
        Whether repeated ``(platform, post_id)`` are dropped (``ingest.dedupe``).
    """

    def __init__(self, folder: str | Path | None = None, max_rows: int = 0, *, dedupe: bool = True) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.max_rows = max_rows
        self.dedupe = dedupe
        self.parts: list[_Part] = []
        self.held = 0
        #: the row numbers (in file order, over all parts) of the repeats dropped; set by :meth:`find_repeats`
        self.dropped = np.zeros(0, dtype=np.int64)
        #: whether parts went to disk
        self.staged = False
        self._frame: pl.DataFrame | None = None
        self._written: Path | None = None

    @property
    def rows(self) -> int:
        """Posts kept: every part's rows less the repeats dropped."""
        return sum(p.rows for p in self.parts) - int(self.dropped.size)

    def add(self, frame: pl.DataFrame, file: str) -> None:
        """Add one chunk of ``file``'s posts (after those added before it)."""
        frame = frame.select(list(POSTS)).cast(POSTS)  # type: ignore[arg-type]
        if frame.height == 0:
            return
        hashes = _key_hashes(frame) if self.dedupe else None
        self.parts.append(_Part(file, frame.height, hashes, frame=frame))
        self.held += frame.height
        if self.folder is not None and (self.held > self.max_rows or self.staged):
            self._stage()  # once parts go to disk, every later one follows at once

    def _stage(self) -> None:
        """Write every part held in memory to a file of its own in ``folder``."""
        assert self.folder is not None
        self.folder.mkdir(parents=True, exist_ok=True)
        for i, part in enumerate(self.parts):
            if part.frame is None:
                continue
            part.path = self.folder / f"part-{i:06d}.parquet"
            part.frame.write_parquet(part.path, **_PART_WRITE)
            part.frame = None
        self.held = 0
        self.staged = True

    def find_repeats(self) -> dict[str, int]:
        """Mark repeated ``(platform, post_id)`` after the first in file order; the repeats dropped per file."""
        if not self.dedupe or not self.parts:
            return {}
        hashes = pl.Series(np.concatenate([p.hashes for p in self.parts if p.hashes is not None]))
        if hashes.n_unique() == hashes.len():
            return {}  # no two keys alike: nothing to compare
        # only rows whose hash repeats can be repeats; their keys, read back, decide exactly
        maybe = hashes.is_duplicated().arg_true().to_numpy().astype(np.int64)
        starts = np.cumsum([0] + [p.rows for p in self.parts])
        keys = []
        for i, part in enumerate(self.parts):
            lo, hi = np.searchsorted(maybe, [starts[i], starts[i + 1]])
            if hi > lo:
                local = pl.Series(maybe[lo:hi] - starts[i])
                keys.append(part.load(["platform", "post_id"]).select("platform", "post_id").gather(local).with_columns(_row=pl.Series(maybe[lo:hi])))
        candidates = pl.concat(keys)
        first = candidates.select(pl.struct("platform", "post_id").is_first_distinct()).to_series()
        self.dropped = candidates.filter(~first).get_column("_row").to_numpy()
        part_of = np.searchsorted(starts, self.dropped, side="right") - 1
        per_file: dict[str, int] = {}
        for i in part_of.tolist():
            per_file[self.parts[i].file] = per_file.get(self.parts[i].file, 0) + 1
        return per_file

    def _kept(self, i: int, starts: np.ndarray) -> pl.Series | None:
        """Which rows of part ``i`` are kept (``None``: all of them)."""
        lo, hi = np.searchsorted(self.dropped, [starts[i], starts[i + 1]])
        if hi == lo:
            return None
        keep = np.ones(self.parts[i].rows, dtype=bool)
        keep[self.dropped[lo:hi] - starts[i]] = False
        return pl.Series(keep)

    def kept_per_file(self) -> dict[str, int]:
        """Posts kept per source file."""
        out: dict[str, int] = {}
        for part in self.parts:
            out[part.file] = out.get(part.file, 0) + part.rows
        starts = np.cumsum([0] + [p.rows for p in self.parts])
        for i in (np.searchsorted(starts, self.dropped, side="right") - 1).tolist():
            out[self.parts[i].file] -= 1
        return out

    def columns(self, names: Sequence[str]) -> pl.DataFrame:
        """The kept posts in these columns only, in file order."""
        if self._frame is not None:
            return self._frame.select(names)
        if self._written is not None:
            return read_table(self._written, "posts", list(names))
        return self._concat(names)

    def _concat(self, names: Sequence[str] | None = None) -> pl.DataFrame:
        if not self.parts:
            return pl.DataFrame(schema=POSTS).select(names or list(POSTS))
        starts = np.cumsum([0] + [p.rows for p in self.parts])
        frames = []
        for i, part in enumerate(self.parts):
            rows = part.load(names)
            keep = self._kept(i, starts)
            frames.append(rows if keep is None else rows.filter(keep))
        return pl.concat(frames)

    def frame(self) -> pl.DataFrame:
        """Every kept post, in file order (read back from ``posts.parquet`` once written from staged parts)."""
        if self._frame is None:
            self._frame = read_table(self._written, "posts") if self._written is not None else self._concat()
        return self._frame

    def write(self, path: str | Path, *, params: dict[str, Any], run_id: str | None) -> None:
        """Write ``posts.parquet``: from memory, or streamed from the staged parts, which are then removed."""
        if not self.staged:
            write_table(self.frame(), path, "posts", params=params, run_id=run_id)
            return
        starts = np.cumsum([0] + [p.rows for p in self.parts])
        for i, part in enumerate(self.parts):
            keep = self._kept(i, starts)
            if keep is not None:  # a part with repeats in it is written again without them
                assert part.path is not None
                pl.read_parquet(part.path).filter(keep).write_parquet(part.path, **_PART_WRITE)
        scans = pl.concat([pl.scan_parquet(p.path) for p in self.parts if p.path is not None])
        sink_table(scans, path, "posts", params=params, run_id=run_id)
        self._written = Path(path)
        self.close()

    def close(self) -> None:
        """Remove the staged parts (the posts, once written, are read from ``posts.parquet``)."""
        for part in self.parts:
            part.frame = None
        if self.folder is not None and self.staged:
            shutil.rmtree(self.folder, ignore_errors=True)
