"""``manifest.json``: what a run read, with which parameters, and what became of every row."""

from __future__ import annotations

import json
import platform
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cib._version import __version__
from cib.config import Config
from cib.schema import SCHEMA_VERSION

__all__ = ["Manifest", "read_manifest", "record_export"]


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
            from cib.errors import CibError

            raise CibError(f"{folder}: no manifest.json", hint="run `cib ingest` on the collection first")
        man = cls(old.get("collection", Path(folder).name), cfg)
        for key in (
            "inputs", "files", "ignored_files", "counts", "stages", "timings_s", "peak_memory_mb", "warnings", "exports",
        ):  # fmt: skip
            setattr(man, key, old.get(key, getattr(man, key)))
        return man

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
