"""Shared bits of the benchmarks: run a step in a fresh process and measure time and peak memory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["RESULTS", "measure", "save"]

RESULTS = Path(__file__).parent / "results"

_WRAPPER = """
import json, resource, sys, time
start = time.perf_counter()
exec(compile(sys.argv[1], "<bench>", "exec"), {"__name__": "__bench__"})
elapsed = time.perf_counter() - start
peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("BENCH " + json.dumps({"seconds": round(elapsed, 2), "peak_mb": round(peak_kib / 1024, 1)}))
"""


def measure(code: str, python: str = sys.executable) -> dict:
    """Run ``code`` in a new interpreter; return its wall time (excluding start-up) and peak RSS.

    The interpreter gets the command line's allocator setting (``cib.cli.ALLOCATOR``),
    so a step that calls the library directly is measured as ``cib`` would run it.
    """
    from cib.cli import ALLOCATOR

    env = dict(os.environ)
    env.setdefault(*ALLOCATOR)
    start = time.perf_counter()
    proc = subprocess.run([python, "-c", _WRAPPER, code], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark step failed:\n{proc.stderr[-3000:]}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH "))
    out = json.loads(line[6:])
    out["process_seconds"] = round(time.perf_counter() - start, 2)
    return out


def save(name: str, record: dict) -> Path:
    """Write one benchmark's figures to ``bench/results/NAME.json`` and print them."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(record, indent=2) + "\n")
    print(json.dumps(record, indent=2))
    return path
