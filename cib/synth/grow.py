"""A synthetic collection as it grows: the posts up to a day in one set of files, the later ones in new files.

Monitoring adds a file a day to a collection; :func:`split_at` writes the
files of :func:`cib.synth.synth` as two folders, ``before`` (every post before
``cutoff``, and the account files) and ``after`` (the later posts, one file per
post file, named ``<stem>_late.csv``), so that ``before`` plus the ``after``
files is the same collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import polars as pl

__all__ = ["TIME_COLUMNS", "Grown", "split_at", "span"]

#: the time column of each kind of post file :func:`cib.synth.synth` writes
TIME_COLUMNS = ("created_at", "tweet_time")


@dataclass
class Grown:
    """The files of the collection before ``cutoff``, and the files added after it."""

    before: list[Path]
    after: list[Path]


def _times(frame: pl.DataFrame, column: str) -> pl.Series:
    return frame[column].str.to_datetime(strict=False, time_zone="UTC", time_unit="us")


def _post_file(frame: pl.DataFrame) -> str | None:
    """The time column of a file of posts (``None`` for an account file)."""
    if "account_id" in frame.columns and "post_id" not in frame.columns:
        return None
    return next((c for c in TIME_COLUMNS if c in frame.columns), None)


def span(source: str | Path) -> tuple[datetime, datetime]:
    """The first and last post time of a synthetic collection."""
    times = []
    for path in sorted(Path(source).glob("*.csv")):
        frame = pl.read_csv(path, infer_schema=False)
        column = _post_file(frame)
        if column is not None:
            times.append(_times(frame, column).drop_nulls())
    every = pl.concat(times)
    return every.min(), every.max()  # type: ignore[return-value]


def split_at(source: str | Path, before: str | Path, after: str | Path, cutoff: datetime) -> Grown:
    """Write the CSV files of ``source`` as posts before ``cutoff`` (with the account files) and after it.

    Parameters
    ----------
    source
        A folder written by :func:`cib.synth.synth`.
    before, after
        Folders to write into (created).
    cutoff
        A UTC time: posts at or after it go to ``after``.

    Returns
    -------
    Grown
    """
    grown = Grown([], [])
    for folder in (before, after):
        Path(folder).mkdir(parents=True, exist_ok=True)
    for path in sorted(Path(source).glob("*.csv")):
        frame = pl.read_csv(path, infer_schema=False)
        column = _post_file(frame)
        if column is None:
            frame.write_csv(Path(before) / path.name)
            grown.before.append(Path(before) / path.name)
            continue
        late = _times(frame, column) >= cutoff
        frame.filter(~late).write_csv(Path(before) / path.name)
        frame.filter(late).write_csv(Path(after) / f"{path.stem}_late.csv")
        grown.before.append(Path(before) / path.name)
        grown.after.append(Path(after) / f"{path.stem}_late.csv")
    return grown
