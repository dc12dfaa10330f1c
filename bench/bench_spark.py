"""Detection on Polars and on Spark (local mode): time and peak memory, same collections.

The collections are ``bench_detect``'s (seeded, co_reshare + co_link + co_text).
Each engine and size runs in a fresh process. Figures:

``detect_seconds``
    Wall time of ``detect()`` alone (for Spark after the session is up).
``session_seconds``
    Spark only: starting the JVM and the session, paid once per process.
``peak_mb``
    Peak resident memory of the Python process plus, for Spark, the JVM it
    started (sampled every 100 ms over the process tree; in local mode the
    executors run inside that JVM, so this is the whole of Spark's memory).
``detect_tree_cpu_seconds``
    CPU seconds of ``detect()`` over the process tree (Python and the JVM): on a
    shared machine the fairer comparison.
``same_tables``
    Spark only: the edges and evidence equal the Polars engine's (floats within 1e-9).

The machine is two cores shared with other work: ``detect_cpu_seconds``
(Python's own CPU) is given beside wall time, and ``load_average`` at the start.

Run: ``.venv/bin/python bench/bench_spark.py [--posts 100000 300000] [--driver-memory 3g]``
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_detect import SIGNALS, synth_posts  # noqa: E402
from common import measure, save  # noqa: E402

STEP = """
import json, os, resource, threading, time
import polars as pl
from cib.config import load_config
from cib.detect import detect

def tree_rss_mb():
    pids = [os.getpid()]
    total = 0
    while pids:
        pid = pids.pop()
        try:
            with open(f"/proc/{{pid}}/status") as f:
                total += next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{{pid}}/task"):
                with open(f"/proc/{{pid}}/task/{{task}}/children") as f:
                    pids += [int(c) for c in f.read().split()]
        except (OSError, StopIteration):
            pass
    return total / 1024

def tree_cpu_seconds():
    # user + system CPU of this process and its live children (the local JVM)
    pids, total = [os.getpid()], 0
    while pids:
        pid = pids.pop()
        try:
            with open(f"/proc/{{pid}}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
            for task in os.listdir(f"/proc/{{pid}}/task"):
                with open(f"/proc/{{pid}}/task/{{task}}/children") as f:
                    pids += [int(c) for c in f.read().split()]
        except (OSError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")

peak = [0.0]
done = threading.Event()
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], tree_rss_mb())
        time.sleep(0.1)
threading.Thread(target=sample, daemon=True).start()

posts = pl.read_parquet({path!r})
over = {{"detect.signals": {signals!r}, "detect.engine": {engine!r},
        "detect.spark.conf": {{"spark.driver.memory": {memory!r}}}}}
cfg = load_config(overrides=over)
session = 0.0
if {engine!r} == "spark":
    from cib.detect.spark import spark_session
    t = time.perf_counter()
    spark_session(cfg)
    session = time.perf_counter() - t
t = time.perf_counter()
r0 = resource.getrusage(resource.RUSAGE_SELF)
c0 = tree_cpu_seconds()
res = detect(posts, cfg)
r1 = resource.getrusage(resource.RUSAGE_SELF)
c1 = tree_cpu_seconds()
seconds = time.perf_counter() - t
done.set()
res.edges.write_parquet({out!r} + ".edges.parquet")
res.evidence.write_parquet({out!r} + ".evidence.parquet")
open({out!r} + ".json", "w").write(json.dumps({{
    "detect_seconds": round(seconds, 2),
    "detect_cpu_seconds": round(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime, 2),
    "detect_tree_cpu_seconds": round(c1 - c0, 2),
    "session_seconds": round(session, 2),
    "peak_tree_mb": round(max(peak[0], tree_rss_mb()), 1),
    "edges": res.edges.height,
    "evidence": res.evidence.height,
    "pairs": {{s: v.get("pairs") for s, v in res.info["signals"].items()}},
}}))
"""


def _same(tmp: Path, n: int) -> bool:
    import polars as pl
    from polars.testing import assert_frame_equal

    for table in ("edges", "evidence"):
        a = pl.read_parquet(tmp / f"polars_{n}.{table}.parquet")
        b = pl.read_parquet(tmp / f"spark_{n}.{table}.parquet")
        try:
            assert_frame_equal(a, b, check_exact=False, rel_tol=0, abs_tol=1e-9)
        except AssertionError:
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--driver-memory", default="3g", help="spark.driver.memory (the local JVM's heap)")
    args = parser.parse_args()
    record: dict = {
        "signals": SIGNALS,
        "master": "local[*]",
        "driver_memory": args.driver_memory,
        "cores": os.cpu_count(),
    }
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        for n in args.posts:
            path = tmp / f"posts_{n}.parquet"
            synth_posts(n).write_parquet(path)
            row: dict = {"posts": n, "load_average": os.getloadavg()[0]}
            for engine in ("polars", "spark"):
                out = str(tmp / f"{engine}_{n}")
                code = STEP.format(
                    path=str(path), signals=SIGNALS, engine=engine, memory=args.driver_memory, out=out
                )
                fig = measure(code)
                fig.update(json.loads(Path(out + ".json").read_text()))
                row[engine] = fig
            row["spark"]["same_tables"] = _same(tmp, n)
            record[f"{n}"] = row
            print(json.dumps(row), flush=True)
            path.unlink()
    save("spark", record)


if __name__ == "__main__":
    main()
