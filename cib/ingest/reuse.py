"""Files read by the previous run of a collection, taken from its tables instead of read again.

A collection followed day by day grows by a file a day: the files of the
days before are the same bytes, and reading them again gives the same rows.
:func:`reusable` picks up the previous run's outputs when they can stand in
for reading: the same version of cib, the same ``ingest.*`` parameters, and
every table of the run the manifest records. :func:`reused_files` then keeps,
per input file, its posts, profile rows and rejects and its
:class:`~cib.ingest.runner.FileReport`, for :func:`cib.ingest.ingest` to use
when the file's sha256 and format are unchanged.

What makes the tables identical to reading every file again: posts, profiles
and rejects are written in file order and each file's rows keep their order,
so a file's rows are a block of each table; and reuse is refused unless every
file of the previous run is still there, unchanged, because a row left out as
a repeat of a row in a file now gone would have to come back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from cib._version import __version__
from cib.errors import CibError
from cib.manifest import check_run
from cib.schema import read_table

__all__ = ["Reused", "reusable", "reused_files"]


@dataclass
class Reused:
    """One file's rows as the previous run read them, and its report (a dict of ``FileReport`` fields)."""

    posts: pl.DataFrame
    profiles: pl.DataFrame
    rejects: pl.DataFrame
    report: dict[str, Any]


def reusable(folder: str | Path | None, params: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    """The previous run's manifest when its tables can stand in for reading its files, and why (not).

    Parameters
    ----------
    folder
        The collection's outputs before this run.
    params
        This run's effective parameters.

    Returns
    -------
    (dict or None, str)
        The manifest, or ``None`` with the reason the files are read again.
    """
    if folder is None or not (Path(folder) / "manifest.json").is_file():
        return None, "no previous run"
    folder = Path(folder)
    old = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if old.get("version") != __version__:
        return None, f"the previous run was made by cib {old.get('version')}"
    reading = {k: v for k, v in params.items() if k.startswith("ingest.")}
    if {k: v for k, v in old.get("parameters", {}).items() if k.startswith("ingest.")} != reading:
        return None, "the ingest parameters changed"
    if not all((folder / f"{t}.parquet").is_file() for t in ("posts", "profiles", "rejects")):
        return None, "the previous run kept no profiles table"
    try:
        check_run(folder)
    except CibError:
        return None, "the previous outputs mix two runs"
    return old, "reused"


def reused_files(folder: str | Path, manifest: dict[str, Any], sums: dict[str, str]) -> dict[str, Reused]:
    """Per file of the previous run, its rows and report; empty unless every one is still there, unchanged.

    Parameters
    ----------
    folder
        The previous run's outputs.
    manifest
        Its manifest (from :func:`reusable`).
    sums
        The sha256 of each file of this run, by path.
    """
    files = manifest.get("files", [])
    if not files or any(sums.get(f["path"]) != f["sha256"] for f in files):
        return {}
    folder = Path(folder)
    tables = {t: read_table(folder / f"{t}.parquet", t) for t in ("posts", "profiles", "rejects")}
    parts = {t: _by_file(frame) for t, frame in tables.items()}
    return {
        f["path"]: Reused(
            *(parts[t].get(f["path"], tables[t].clear()) for t in ("posts", "profiles", "rejects")), dict(f)
        )
        for f in files
    }


def _by_file(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """A table's rows per ``source_file``, each in its order in the table."""
    if frame.height == 0:
        return {}
    return {
        key[0]: part
        for key, part in frame.partition_by("source_file", maintain_order=True, as_dict=True).items()
    }
