"""`cib sweep` over a 3×3 grid versus one `cib analyse --no-report`, on the sample collection.

Target (issue 6): the sweep finishes in well under 3× the time of a single analysis.

The grid is ``co_reshare.window = 10, 60, 300`` × ``resolution = 0.5, 1, 2`` on
``data/raw/sample`` (written by ``cib synth`` when absent). Each command runs
in a fresh process through the CLI (``common.measure``: wall seconds after
interpreter start-up, imports included, and peak RSS of the parent process;
the sweep's worker processes are not in its peak), and its CPU seconds
(process and workers) are taken from ``getrusage``. Every step is repeated
``--repeat`` times, interleaved: the machine is shared and wall times are
noisy, so the ratios are given for the fastest runs (closest to an idle
machine), the medians, the median of each round's ratio (a sweep against the
analysis run just before it: insensitive to slow drift of the machine's
speed), and the median CPU time (insensitive to other load). The sweep runs with one process (``sweep.workers = 1``) and
with two (``sweep.workers = 2``: this process and one worker; what ``auto``
chooses on a 2-CPU machine for a grid of 4 points or more).

Run: ``.venv/bin/python bench/bench_sweep.py [--repeat 3]`` (``make bench`` runs every benchmark).
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import measure, save  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "sample"
GRID = ["co_reshare.window=10,60,300", "resolution=0.5,1,2"]

_ANALYSE = """
from cib.cli import app
app(["analyse", {src!r}, "--no-report", "--name", "single", "--processed-dir", {out!r}, "--reports-dir", {out!r}],
    standalone_mode=False)
"""

# `cib sweep` as the command line runs it, through Typer.
_SWEEP = """
from cib.cli import app
app(["sweep", {src!r}, *[a for g in {grid!r} for a in ("--grid", g)], "--name", "swept",
     "--processed-dir", {out!r}, "--reports-dir", {out!r}, *{extra!r}], standalone_mode=False)
"""


def _timed(code: str, python: str) -> dict:
    """``common.measure`` plus the CPU seconds of the process and its workers (less sensitive to a busy machine)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = measure(code, python)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu_seconds"] = round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2)
    return out


def _summary(runs: list[dict]) -> dict:
    return {
        "seconds_min": min(r["seconds"] for r in runs),
        "seconds_median": statistics.median(r["seconds"] for r in runs),
        "cpu_seconds_median": statistics.median(r["cpu_seconds"] for r in runs),
        "peak_mb": max(r["peak_mb"] for r in runs),
        "runs_s": [r["seconds"] for r in runs],
        "cpu_runs_s": [r["cpu_seconds"] for r in runs],
    }


def _ratios(run: dict, one: dict) -> dict:
    # per round: a sweep against the analysis just before it, which cancels the machine's drift
    rounds = [s / a for s, a in zip(run["runs_s"], one["runs_s"], strict=True)]
    return {
        "wall_min": round(run["seconds_min"] / one["seconds_min"], 2),
        "wall_median": round(run["seconds_median"] / one["seconds_median"], 2),
        "wall_per_round_median": round(statistics.median(rounds), 2),
        "cpu_median": round(run["cpu_seconds_median"] / one["cpu_seconds_median"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    python = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
    if not SAMPLE.exists():
        subprocess.run([str(Path(python).parent / "cib"), "synth", str(SAMPLE)], check=True)
    load_at_start = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory() as tmp:
        single, serial, parallel = [], [], []
        for _ in range(args.repeat):
            single.append(_timed(_ANALYSE.format(src=str(SAMPLE), out=tmp), python))
            serial.append(_timed(_SWEEP.format(src=str(SAMPLE), out=tmp, grid=GRID, extra=["--set", "sweep.workers=1"]), python))
            parallel.append(_timed(_SWEEP.format(src=str(SAMPLE), out=tmp, grid=GRID, extra=["--set", "sweep.workers=2"]), python))
        import json

        manifest = json.loads((Path(tmp) / "swept" / "sweep" / "manifest.json").read_text())
        info = manifest["stages"]["sweep"]
        posts = manifest["counts"]["ingest"]["posts"]
    one, s1, sp = _summary(single), _summary(serial), _summary(parallel)
    record = {
        "collection": "data/raw/sample",
        "posts": posts,
        "grid": GRID,
        "points": info["points"],
        "detection_runs": info["detection_runs"],
        "engine_runs": info.get("engine_runs"),
        "distinct_detections": info["distinct_detections"],
        "network_runs": info["network_runs"],
        "cpus": os.cpu_count(),
        "repeat": args.repeat,
        "analyse_no_report": one,
        "sweep_workers_1": s1,
        "sweep_workers_2": sp,
        "ratio_workers_1": _ratios(s1, one),
        "ratio_workers_2": _ratios(sp, one),
        "load_average_1min_at_start": load_at_start,
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "target": "sweep of 3x3 in well under 3x one analysis",
    }
    save("sweep", record)


if __name__ == "__main__":
    main()
