"""A collection's outputs: ``manifest.json``, and the folder that holds them, replaced as a whole.

``manifest.json`` says what a run read, with which parameters, and what
became of every row; its ``run_id`` is carried by every table of the run, so a
stage refuses a folder that mixes two runs (:func:`check_run`).

A run writes its tables into a staging folder beside the collection's
(``data/processed/.NAME.staging-<token>/``) and, once every table is written,
swaps it in for ``data/processed/NAME/`` with two renames (:class:`Staging`):
a run killed before the swap leaves the last complete set untouched, and the
next run names the stale staging folder and removes it. One run at a time may
write a collection: a lock file beside it (``.NAME.lock``, held with
``flock``) makes a second one stop with a clear message
(:func:`collection_lock`); the lock is let go when its process ends, however
it ends.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import secrets
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from cib._version import __version__
from cib.config import Config
from cib.errors import CibError, SchemaError
from cib.schema import SCHEMA_VERSION, SCHEMAS, table_metadata

__all__ = [
    "Manifest",
    "read_manifest",
    "record_export",
    "run_id_of",
    "check_run",
    "Staging",
    "collection_lock",
    "stage_folder",
    "KEPT",
]


@dataclass
class Manifest:
    """Provenance of one collection's outputs, filled in as stages run.

    Parameters
    ----------
    collection
        The collection's name.
    cfg
        Effective configuration (recorded whole, with each value's origin).
    """

    collection: str
    cfg: Config
    inputs: list[str] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    ignored_files: list[str] = field(default_factory=list)
    counts: dict[str, dict[str, Any]] = field(default_factory=dict)
    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    timings_s: dict[str, float] = field(default_factory=dict)
    peak_memory_mb: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    exports: dict[str, dict[str, Any]] = field(default_factory=dict)
    run_id: str | None = None
    started_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @contextmanager
    def timed(self, stage: str) -> Iterator[None]:
        """Record how long the body takes under ``timings_s[stage]``, and the process's peak memory after it.

        ``peak_memory_mb[stage]`` is the largest resident set of the process so far
        (a stage that raised it is the one whose value is above the previous stage's).
        """
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings_s[stage] = round(time.perf_counter() - start, 3)
            self.peak_memory_mb[stage] = _peak_mb()

    def as_dict(self) -> dict[str, Any]:
        """The manifest as written to ``manifest.json``."""
        return {
            "tool": "cib",
            "version": __version__,
            "schema_version": SCHEMA_VERSION,
            "collection": self.collection,
            "run_id": self.run_id,
            "started_at": self.started_at,
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "seed": self.cfg["run.seed"],
            "parameters": self.cfg.as_dict(),
            "parameter_origins": {k: self.cfg.origins[k] for k in sorted(self.cfg.origins) if self.cfg.origins[k] != "default"},
            "inputs": self.inputs,
            "files": self.files,
            "ignored_files": self.ignored_files,
            "counts": self.counts,
            "stages": self.stages,
            "timings_s": self.timings_s,
            "peak_memory_mb": self.peak_memory_mb,
            "warnings": self.warnings,
            "exports": self.exports,
        }

    @classmethod
    def resume(cls, folder: str | Path, cfg: Config) -> Manifest:
        """Continue the manifest an earlier stage wrote in ``folder`` (for stages run alone)."""
        old = read_manifest(folder)
        if not old:
            raise CibError(f"{folder}: no manifest.json", hint="run `cib ingest` on the collection first")
        man = cls(old.get("collection", Path(folder).name), cfg)
        for key in (
            "inputs", "files", "ignored_files", "counts", "stages", "timings_s", "peak_memory_mb", "warnings", "exports",
            "run_id",
        ):  # fmt: skip
            setattr(man, key, old.get(key, getattr(man, key)))
        return man

    def forget(self, stages: list[str]) -> None:
        """Drop what ``stages`` recorded (run again, their old counts and exports no longer hold)."""
        for stage in stages:
            for record in (self.counts, self.stages, self.timings_s):
                record.pop(stage, None)
        if "report" in stages:
            self.exports = {}

    def write(self, folder: str | Path) -> Path:
        """Write ``manifest.json`` into ``folder``."""
        path = Path(folder) / "manifest.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        return path


def _peak_mb() -> float:
    """The process's peak resident memory so far, in MB (0 where the platform does not say)."""
    try:
        import resource
    except ImportError:  # not on Windows
        return 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)  # bytes on macOS, KiB elsewhere


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """Read a collection's ``manifest.json`` (empty dict when there is none)."""
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def record_export(folder: str | Path, key: str, entry: dict[str, Any]) -> bool:
    """Record what an export wrote under ``exports[key]`` of ``folder``'s ``manifest.json``.

    Only that entry changes (``cib export`` is not a stage: the run's start,
    parameters and timings stay as the stages wrote them).

    Returns
    -------
    bool
        ``False`` when the folder has no manifest (nothing is recorded).
    """
    data = read_manifest(folder)
    if not data:
        return False
    data.setdefault("exports", {})[key] = entry
    path = Path(folder) / "manifest.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return True


def run_id_of(files: list[dict[str, Any]], params: dict[str, Any]) -> str:
    """The id of a run: a digest of the version, the input files (path and sha256) and how they were read.

    The posts every later table is made from depend on these and nothing
    else: the ingest parameters (``ingest.*``) count, the detection and
    network parameters do not, so a stage run again with other settings stays
    in its run (and drops the tables made after it), and a sweep's point has
    the id of the single run with its parameters. The same inputs give the same
    id, so the tables stay byte for byte the same.
    """
    reading = {k: v for k, v in params.items() if k.startswith("ingest.")}
    digest = hashlib.sha256()
    digest.update(json.dumps([__version__, [(f["path"], f["sha256"]) for f in files], reading], sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def check_run(folder: str | Path) -> None:
    """Refuse a folder whose tables do not all belong to the run its ``manifest.json`` records.

    Raises
    ------
    SchemaError
        Naming the first table of another run.
    """
    folder = Path(folder)
    expected = read_manifest(folder).get("run_id")
    for name in SCHEMAS:
        path = folder / f"{name}.parquet"
        if not path.is_file():
            continue
        found = table_metadata(path).get("cib.run_id")
        if found != expected:
            raise SchemaError(
                f"{path}: a table of run {found or 'unknown'}, but {folder / 'manifest.json'} records run {expected or 'unknown'}",
                hint="the folder mixes two runs: run `cib analyse` on the collection again",
            )


#: what a run carries over from the folder it replaces: the sweep's own outputs, which it did not make,
#: the history of the collection's runs (``runs/``) when this run did not cluster, and the work kept
#: for the next run (``cache/``, :mod:`cib.detect.memo`) when this run did not detect
KEPT = ("sweep", "sweep.parquet", "clusters_stability.parquet", "runs", "cache")


@contextmanager
def collection_lock(folder: str | Path) -> Iterator[None]:
    """Hold the lock of the collection whose outputs go to ``folder`` for the body.

    Raises
    ------
    CibError
        When another process holds it, naming that process.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    path = folder.parent / f".{folder.name}.lock"
    with path.open("a+", encoding="utf-8") as handle:
        _take(handle, folder)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _take(handle: IO[str], folder: Path) -> None:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid = handle.read().strip() or "unknown"
        raise CibError(
            f"collection {folder.name} is in use by another cib run (pid {pid})",
            hint=f"wait for it to finish, or give this run another --name (outputs: {folder})",
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()


class Staging:
    """The staging folder of one run, and the swap that makes it the collection's outputs.

    Parameters
    ----------
    final
        The collection's output folder (``data/processed/NAME``).
    """

    def __init__(self, final: str | Path) -> None:
        self.final = Path(final)
        self.token = f"{os.getpid()}-{secrets.token_hex(4)}"
        self.folder = self.final.parent / f".{self.final.name}.staging-{self.token}"
        self.notes: list[str] = []
        self.committed = False

    def clean(self) -> list[str]:
        """Remove what interrupted runs left beside the collection (under its lock); say what was found.

        A run killed between the two renames of its swap leaves the last
        complete outputs aside: they are put back when there is nothing else.
        """
        found: list[str] = []
        parent = self.final.parent
        aside = sorted(parent.glob(f".{self.final.name}.old-*"))
        if aside and not self.final.exists():
            aside[-1].rename(self.final)
            found.append(f"{self.final}: put back the last complete outputs, left aside by an interrupted run")
            aside = aside[:-1]
        for stale in sorted(parent.glob(f".{self.final.name}.staging-*")) + aside:
            shutil.rmtree(stale, ignore_errors=True)
            found.append(f"{stale}: a stale staging folder left by an interrupted run; removed")
        self.notes += found
        return found

    def start(self, link: Iterable[str] = ()) -> Path:
        """Create the staging folder, with hard links to the named files of the current outputs (those present)."""
        self.folder.mkdir(parents=True)
        for name in link:
            source = self.final / name
            if source.is_file():
                _link(source, self.folder / name)
        return self.folder

    def commit(self) -> Path:
        """Make the staging folder the collection's outputs; the replaced set is removed."""
        aside = self.final.parent / f".{self.final.name}.old-{self.token}"
        if self.final.exists():
            for name in KEPT:
                if (self.final / name).exists() and not (self.folder / name).exists():
                    (self.final / name).rename(self.folder / name)
            self.final.rename(aside)
        self.folder.rename(self.final)
        self.committed = True
        shutil.rmtree(aside, ignore_errors=True)
        return self.final

    def abandon(self) -> None:
        """Remove the staging folder of a run that failed: the outputs stay as they were."""
        shutil.rmtree(self.folder, ignore_errors=True)


def _link(source: Path, target: Path) -> None:
    """A hard link (no copy of a large table), or a copy where the file system has none."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


@contextmanager
def stage_folder(final: str | Path, link: Iterable[str] = ()) -> Iterator[Staging]:
    """Lock the collection, clean up after interrupted runs, and yield a started staging.

    The staging folder is swapped in when the body ends without an error (or
    earlier, when the body calls :meth:`Staging.commit` to go on reading the
    outputs under the lock) and removed when it raises before that; the lock is
    held throughout.
    """
    staging = Staging(final)
    with collection_lock(staging.final):
        staging.clean()
        staging.start(link)
        try:
            yield staging
        except BaseException:
            if not staging.committed:
                staging.abandon()
            raise
        if not staging.committed:
            staging.commit()
