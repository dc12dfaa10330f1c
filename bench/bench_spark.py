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

``--pipeline`` runs the whole of ``cib analyse`` instead (every stage, the default
signals) on ``cib synth`` collections (``--seed``), once per engine in a fresh
process, and compares every table the two runs wrote, one by one
(:func:`compare_outputs`): ``identical`` (the same rows), ``within 1e-9`` (the
same rows and integers, floats within 1e-9), or what differs. Its figures are
the command's wall time, and the CPU seconds and peak resident memory of its
process tree (Python and the local JVM, sampled every 100 ms;
:func:`common.measure_tree`).

Run: ``.venv/bin/python bench/bench_spark.py [--posts 100000 300000] [--driver-memory 3g] [--master 'local[2]']``
or ``.venv/bin/python bench/bench_spark.py --pipeline --posts 200000 1000000 --seed 7 --driver-memory 6g``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_detect import SIGNALS, synth_posts  # noqa: E402
from common import measure, measure_tree, save  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

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
over = {{"detect.signals": {signals!r}, "detect.engine": {engine!r}, "detect.spark.master": {master!r},
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


#: what a run writes that is not a table of results: the manifest (times, paths), the run's lock and caches
_NOT_TABLES = ("manifest.json", "index.html", "run.json")


def _key(rel: Path) -> str:
    """A file's place in a run's outputs, the run's id left out (``runs/<id>/x`` → ``runs/RUN/x``)."""
    parts = list(rel.parts)
    if len(parts) > 2 and parts[0] == "runs":
        parts[1] = "RUN"
    return "/".join(parts)


def _files(folder: Path) -> dict[str, Path]:
    return {
        _key(p.relative_to(folder)): p
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in _NOT_TABLES and not p.name.startswith(".") and "cache" not in p.parts
    }


def _parity(a_path: Path, b_path: Path) -> str:
    import polars as pl
    from polars.testing import assert_frame_equal

    if a_path.suffix != ".parquet":
        return "identical" if a_path.read_bytes() == b_path.read_bytes() else "different bytes"
    a, b = pl.read_parquet(a_path), pl.read_parquet(b_path)
    if a.equals(b):
        return "identical"
    try:  # integers and strings exactly, floats within 1e-9
        assert_frame_equal(a, b, check_exact=False, rel_tol=0, abs_tol=1e-9)
    except AssertionError as exc:
        return f"different ({a.height} vs {b.height} rows): {str(exc).splitlines()[0][:200]}"
    return "within 1e-9"


def compare_outputs(polars_dir: Path, spark_dir: Path) -> dict[str, str]:
    """Every table two runs of ``cib analyse`` wrote, each compared with its namesake (see the module's docstring)."""
    mine, theirs = _files(polars_dir), _files(spark_dir)
    out = {key: _parity(path, theirs[key]) if key in theirs else "missing with spark" for key, path in mine.items()}
    out.update({key: "missing with polars" for key in theirs if key not in mine})
    return dict(sorted(out.items()))


def _analyse(engine: str, raw: Path, out: Path, args: argparse.Namespace) -> dict:
    from cib.cli import PROCESS_ENV

    argv = [sys.executable, "-m", "cib", "analyse", str(raw), "--name", "x", "-q"]
    argv += ["--processed-dir", str(out / "p"), "--reports-dir", str(out / "r")]
    if engine == "spark":
        argv += ["--engine", "spark", "--spark-master", args.master, "--spark-conf", f"spark.driver.memory={args.driver_memory}"]
    env = {**PROCESS_ENV, **os.environ, "PYTHONPATH": str(ROOT)}
    fig = measure_tree(["nice", *argv], env=env)
    manifest = json.loads((out / "p" / "x" / "manifest.json").read_text())
    fig["timings_s"] = manifest.get("timings_s")
    fig["edges"] = manifest["counts"]["detect"].get("edges")
    fig["command"] = " ".join(argv[1:])
    return fig


def pipeline(args: argparse.Namespace, record: dict) -> None:
    """``cib analyse`` with each engine on ``cib synth`` collections: figures and parity per table."""
    from cib.signals import DEFAULT

    record.update(mode="pipeline", signals=list(DEFAULT), seed=args.seed)
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp_dir:
        tmp = Path(tmp_dir)
        for n in args.posts:
            raw = tmp / f"synth_{n}"
            synth = [sys.executable, "-m", "cib", "synth", str(raw), "--posts", str(n), "--seed", str(args.seed), "-q"]
            subprocess.run(synth, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
            row: dict = {"posts": n, "load_average": os.getloadavg()[0], "synth": " ".join(synth[1:])}
            for engine in ("polars", "spark"):
                row[engine] = _analyse(engine, raw, tmp / engine, args)
            tables = compare_outputs(tmp / "polars" / "p" / "x", tmp / "spark" / "p" / "x")
            row["tables"] = tables
            row["same_tables"] = all(v in ("identical", "within 1e-9") for v in tables.values())
            record[f"{n}"] = row
            print(json.dumps(row), flush=True)
            for engine in ("polars", "spark"):
                shutil.rmtree(tmp / engine)
            shutil.rmtree(raw)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, nargs="+", default=[100_000, 300_000])
    parser.add_argument("--driver-memory", default="3g", help="spark.driver.memory (the local JVM's heap)")
    parser.add_argument("--master", default="local[2]", help="the Spark master")
    parser.add_argument("--pipeline", action="store_true", help="the whole of cib analyse, default signals, on cib synth")
    parser.add_argument("--seed", type=int, default=7, help="cib synth's seed (--pipeline)")
    parser.add_argument("--tmp", default=None, help="where the collections and outputs go meanwhile")
    parser.add_argument("--save-as", default="spark", help="bench/results/NAME.json")
    args = parser.parse_args()
    record: dict = {
        "signals": SIGNALS,
        "master": args.master,
        "driver_memory": args.driver_memory,
        "cores": os.cpu_count(),
    }
    if args.pipeline:
        pipeline(args, record)
        save(args.save_as, record)
        return
    signals = SIGNALS
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp_dir:
        tmp = Path(tmp_dir)
        for n in args.posts:
            path = tmp / f"posts_{n}.parquet"
            synth_posts(n).write_parquet(path)
            row: dict = {"posts": n, "load_average": os.getloadavg()[0]}
            for engine in ("polars", "spark"):
                out = str(tmp / f"{engine}_{n}")
                code = STEP.format(
                    path=str(path), signals=signals, engine=engine, memory=args.driver_memory, out=out,
                    master=args.master,
                )
                fig = measure(code)
                fig.update(json.loads(Path(out + ".json").read_text()))
                row[engine] = fig
            row["spark"]["same_tables"] = _same(tmp, n)
            record[f"{n}"] = row
            print(json.dumps(row), flush=True)
            path.unlink()
    save(args.save_as, record)


if __name__ == "__main__":
    main()
