"""Where a run's memory goes: the peak resident memory between two steps of ``cib analyse``.

Runs the pipeline in this process (``cib.pipeline.run_stages`` with ``keep=False``,
as the command line runs it, and the command line's allocator settings for a
large input) with a progress callback, and samples the process's resident
memory every 20 ms. Each line printed is one step that began: the seconds since
the start, the peak since the step before it began, and the memory now. The
lines come as the run goes, so a run stopped for its memory still says where.

Run: ``.venv/bin/python bench/step_peaks.py RAW OUT [--until STAGE] [--set NAME=VALUE ...]``
(e.g. ``bench/step_peaks.py /tmp/big10/raw10000000 /tmp/big10/run``).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import threading
import time
from pathlib import Path

# before Polars and numpy load: what the command line sets for a large input
os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:1000,muzzy_decay_ms:1000")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss_gb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE / 2**30


class _Peaks:
    """The peak memory since the last step began, sampled on a thread of its own."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.peak, self.label, self.since, self.start = 0.0, "start", time.time(), time.time()
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while True:
            now = _rss_gb()
            with self.lock:
                self.peak = max(self.peak, now)
            time.sleep(0.02)

    def __call__(self, step: object) -> None:
        name, finished = getattr(step, "step", ""), getattr(step, "finished", False)
        if not name and not finished:
            return  # only a count changed
        label = f"{step.stage}/{step.task}/{name}{' done' if finished else ''}"  # type: ignore[attr-defined]
        with self.lock:
            now = _rss_gb()
            print(f"{time.time() - self.start:8.1f}s  peak {self.peak:6.2f} GB since {self.label} "
                  f"({time.time() - self.since:.1f}s)  now {now:6.2f} GB", flush=True)  # fmt: skip
            self.peak, self.label, self.since = now, label, time.time()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("raw", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--until", default="report")
    parser.add_argument("--set", dest="sets", action="append", default=[], help="NAME=VALUE")
    args = parser.parse_args()
    from cib.pipeline import build_config, prepare, run_stages

    peaks = _Peaks()
    run = prepare(args.raw, build_config(sets=args.sets), processed_dir=args.out / "p", reports_dir=args.out / "r")
    run_stages(run, until=args.until, progress=peaks, keep=False)
    peaks(type("End", (), {"stage": "end", "task": "", "step": "end", "finished": True})())
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"total {time.time() - peaks.start:.1f} s, peak {maxrss:.2f} GB", file=sys.stderr)


if __name__ == "__main__":
    main()
