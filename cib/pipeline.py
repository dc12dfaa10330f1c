"""Stages run in order, each writing its tables into the collection's processed folder.

The CLI and the Python API both call these functions; nothing here prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cib.config import Config
from cib.errors import CibError
from cib.ingest import IngestResult, Progress, ingest
from cib.manifest import Manifest
from cib.schema import read_table, write_table

__all__ = ["Outputs", "collection_name", "run_ingest", "load_ingested"]


@dataclass(frozen=True)
class Outputs:
    """Where a collection's tables and report go."""

    processed: Path
    reports: Path

    @classmethod
    def for_collection(cls, name: str, processed_dir: str | Path, reports_dir: str | Path) -> Outputs:
        """The folders ``processed_dir/name`` and ``reports_dir/name``."""
        return cls(Path(processed_dir) / name, Path(reports_dir) / name)


def collection_name(source: str | Path) -> str:
    """Default collection name: the folder's name or the file's stem."""
    path = Path(source)
    return path.name if path.is_dir() else path.stem


def _guard(out: Path, source: str | Path) -> None:
    """Refuse to write inside the raw data: outputs must never touch ``data/raw``."""
    src_dir = Path(source).resolve()
    if not src_dir.is_dir():
        return
    target = out.resolve()
    if target == src_dir or src_dir in target.parents:
        raise CibError(f"{out}: the output folder is inside the input folder {src_dir}", hint="choose another --processed-dir")


def run_ingest(
    source: str | Path,
    out: Outputs,
    cfg: Config,
    manifest: Manifest,
    *,
    fmt: str | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Ingest ``source`` and write posts, accounts and rejects with the manifest.

    Returns
    -------
    IngestResult
    """
    _guard(out.processed, source)
    with manifest.timed("ingest"):
        result = ingest(source, cfg, fmt=fmt, progress=progress)
    params = cfg.as_dict()
    write_table(result.posts, out.processed / "posts.parquet", "posts", params=params)
    write_table(result.accounts, out.processed / "accounts.parquet", "accounts", params=params)
    write_table(result.rejects, out.processed / "rejects.parquet", "rejects", params=params)
    manifest.inputs = [str(source)]
    manifest.files = [f.as_dict() for f in result.files]
    manifest.ignored_files = result.ignored
    rows_in = sum(f.rows_in for f in result.files)
    dupes = sum(f.duplicates for f in result.files)
    manifest.counts["ingest"] = {
        "rows_in": rows_in,
        "posts": result.posts.height,
        "rejects": result.rejects.height,
        "duplicates_removed": dupes,
        "account_rows": sum(f.accounts for f in result.files),
        "accounts": result.accounts.height,
        "reconciled": rows_in == result.posts.height + result.rejects.height + dupes + sum(f.accounts for f in result.files),
        "rule": "rows_in = posts + rejects + duplicates_removed + account_rows; "
        "duplicates are repeated (platform, post_id), first in file order kept",
    }
    manifest.stages["ingest"] = {"time_resolution_s": result.time_resolution_s}
    manifest.write(out.processed)
    return result


def load_ingested(folder: str | Path) -> tuple:
    """Read posts and accounts written by :func:`run_ingest`."""
    folder = Path(folder)
    return read_table(folder / "posts.parquet", "posts"), read_table(folder / "accounts.parquet", "accounts")
