"""cib against coordination-network-toolkit 1.5.2 on the same input file: time, memory, and edge parity.

The script installs CNT from PyPI into ``bench/.cnt-venv`` (once) and writes
one synthetic collection as a CSV in CNT's layout (``message_id, user_id,
username, repost_id, reply_id, message, timestamp, urls``). Both tools then
start from that file and are timed stage by stage, each stage in a fresh
process, through their command lines:

* CNT: ``preprocess --format csv`` (into SQLite), then ``compute`` of
  ``co_retweet``, ``co_link`` and ``co_tweet`` (window 60 s, minimum edge
  weight 1, 2 processes).
* cib: ``cib analyse --until detect --preset cnt`` with ``co_reshare``,
  ``co_link`` and ``co_text``: the ``cnt_csv`` format read, and posts,
  accounts, rejects, edges, evidence and manifest written, in one process.
  Then the same as two commands, ``cib ingest`` and ``cib detect``, for the
  ratio of each stage (reading, and detection from each tool's own store).

cib's bytecode is compiled first, as pip compiled CNT's.

Each tool runs ``--repeats`` times (3 by default) on the same file and the
medians are compared: on a shared machine one run can be 10 % off. Every
timed step of either tool starts after ``os.sync()``, so none pays for
flushing what the one before wrote. Both tools run as their real command
lines and are timed from process start to exit. Ratios are given end to end (file to
edges: one cib command, and two) and per stage; every run's figures are kept. The undirected
account pairs of each signal are compared. With ``--similar-posts N`` it
also times CNT's ``co_similar_tweet`` against cib's ``co_similar_text`` on N
posts.

Run: ``.venv/bin/python bench/bench_cnt.py [--posts 1000000] [--repeats 3] [--similar-posts 100000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from common import measure, measure_command, save  # noqa: E402

HERE = Path(__file__).parent
CNT_VENV = HERE / ".cnt-venv"
CNT_NETWORKS = {"co_reshare": "co_retweet", "co_link": "co_link", "co_text": "co_tweet"}


def cnt_python() -> Path:
    """CNT 1.5.2 in a venv of its own (its pinned dependencies must not touch cib's).

    Its CSV layout is positional: message_id, user_id, username, repost_id, reply_id,
    message, timestamp, urls.
    """
    exe = CNT_VENV / "bin" / "compute_networks"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(CNT_VENV)], check=True)
        subprocess.run([str(CNT_VENV / "bin" / "pip"), "install", "-q", "coordination-network-toolkit==1.5.2"], check=True)
    return exe


def _cnt_rows(posts: pl.DataFrame) -> pl.DataFrame:
    """Posts in CNT's positional CSV layout."""
    return posts.select(
        pl.col("post_id").alias("message_id"),
        pl.col("account_id").alias("user_id"),
        pl.col("account_id").alias("username"),
        pl.col("reshare_of").fill_null("").alias("repost_id"),
        pl.col("reply_to").fill_null("").alias("reply_id"),
        pl.col("text").fill_null("").alias("message"),
        pl.col("created_at").dt.epoch("s").alias("timestamp"),
        pl.col("urls").list.join(" ").alias("urls"),
    )


def make_input(folder: Path, n_posts: int, seed: int) -> tuple[Path, Path]:
    """A synthetic collection ingested by cib, and the same posts in CNT's CSV layout."""
    from cib.config import load_config
    from cib.ingest import ingest
    from cib.schema import write_table
    from cib.synth import synth

    raw = folder / "raw"
    synth(raw, n_posts=n_posts, seed=seed, layout="generic")
    posts = ingest(raw, load_config()).posts
    posts_path = write_table(posts, folder / "posts.parquet", "posts")
    cnt_csv = folder / "cnt.csv"
    _cnt_rows(posts).write_csv(cnt_csv)
    # CNT 1.5.2 splits an empty urls cell into [""], so every post without a link "shares" the
    # empty URL with every other: its co_link runs on the posts that have links instead.
    _cnt_rows(posts.filter(pl.col("urls").list.len() > 0)).write_csv(folder / "cnt_links.csv")
    return posts_path, cnt_csv


CIB_SIMILAR = """
from cib.config import load_config
from cib.params import PRESETS
from cib.detect.similar import similar_text_edges
from cib.schema import read_table
cfg = load_config(preset=PRESETS["cnt"], preset_name="cnt", overrides={{"detect.signals": ["co_similar_text"], **{extra!r}}})
similar_text_edges(read_table({posts!r}, "posts"), cfg).edges.write_parquet({out!r})
"""


def run_cib(csv: Path, folder: Path) -> dict:
    """cib on CNT's CSV: ``cib analyse --until detect`` as one command, then ``cib ingest`` and ``cib detect``.

    Each is the real command line, timed from process start to exit, as CNT's commands are.
    """
    processed = folder / "processed"
    signals = '["' + '","'.join(CNT_NETWORKS) + '"]'
    detect_args = ["--preset", "cnt", "--set", f"detect.signals={signals}"]
    cib = [sys.executable, "-m", "cib"]
    shutil.rmtree(processed, ignore_errors=True)
    _settle()
    one = measure_command([*cib, "analyse", str(csv), "--name", "bench", "--processed-dir", str(processed), "--until", "detect", *detect_args])
    one_edges = pl.read_parquet(processed / "bench" / "edges.parquet")
    shutil.rmtree(processed, ignore_errors=True)
    _settle()
    ingest = measure_command([*cib, "ingest", str(csv), "--name", "bench", "--processed-dir", str(processed)])
    _settle()
    detect = measure_command([*cib, "detect", str(processed / "bench"), *detect_args])
    manifest = json.loads((processed / "bench" / "manifest.json").read_text())
    steps = manifest["stages"]["detect"]["signals"]
    return {
        "one_command": one,
        "ingest": ingest,
        "detect": detect,
        "two_commands_seconds": round(ingest["seconds"] + detect["seconds"], 2),
        "peak_mb": max(one["peak_mb"], ingest["peak_mb"], detect["peak_mb"]),
        "posts": manifest["counts"]["ingest"]["posts"],
        "detect_seconds_per_step": {k: v.get("seconds") for k, v in steps.items() if isinstance(v, dict)},
        # the one command and the two give the same edges (the same rows in the same order)
        "same_edges_both_ways": one_edges.equals(pl.read_parquet(processed / "bench" / "edges.parquet")),
        "edges": str(processed / "bench" / "edges.parquet"),
    }


def compile_cib() -> None:
    """Compile cib's bytecode, as pip does for CNT's installed package: neither tool then compiles its modules while timed.

    An editable install leaves cib's sources uncompiled, and with
    ``PYTHONDONTWRITEBYTECODE`` set each process compiled them again (0.1 s).
    """
    import cib

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(cib.__file__).parent)], check=True, capture_output=True)


def run_cnt(exe: Path, csv: Path, folder: Path, networks: list[str], extra: list[str], db_name: str = "cnt.db") -> dict:
    db = folder / db_name
    db.unlink(missing_ok=True)
    timings: dict[str, float] = {}
    _settle()
    start = time.perf_counter()
    subprocess.run([str(exe), str(db), "preprocess", "--format", "csv", str(csv)], check=True, capture_output=True)
    timings["preprocess"] = round(time.perf_counter() - start, 2)
    for net in networks:
        _settle()
        start = time.perf_counter()
        out = folder / f"cnt_{net}.csv"
        subprocess.run(
            [str(exe), str(db), "compute", net, "--time_window", "60", "--min_edge_weight", "1", "--n_cpus", "2", *extra],
            check=True,
            capture_output=True,
        )
        timings[net] = round(time.perf_counter() - start, 2)
        # 1.5.2's --output_file passes an argument its CSV writer does not take; call the writer directly
        code = f"from coordination_network_toolkit.output import output_gephi_csv; output_gephi_csv({str(db)!r}, {net!r}, {str(out)!r})"
        subprocess.run([str(exe.parent / "python"), "-c", code], check=True, capture_output=True)
    timings["total"] = round(sum(timings.values()), 2)
    return timings


def run_cnt_all(exe: Path, csv: Path, folder: Path) -> dict:
    """CNT's preprocess and its three networks, as :func:`run_cib` measures cib's."""
    cnt = run_cnt(exe, csv, folder, ["co_retweet", "co_tweet"], [])
    links = run_cnt(exe, folder / "cnt_links.csv", folder, ["co_link"], [], "cnt_links.db")
    cnt["co_link"] = links["co_link"]
    cnt["preprocess_links_only"] = links["preprocess"]
    # CNT's compute and total: the three networks, and one preprocess of every post before
    # them (the links-only preprocess works around its empty-URL bug and is not counted)
    cnt["compute"] = round(sum(cnt[n] for n in CNT_NETWORKS.values()), 2)
    cnt["total"] = round(cnt["preprocess"] + cnt["compute"], 2)
    return cnt


def _settle() -> None:
    """Flush what earlier steps wrote before a timed step starts.

    CNT's SQLite store is written through the page cache; left alone, the
    kernel flushes it during whatever runs next, which measured 15-20 % slower
    for the step after a CNT run. Each step of either tool starts from a flushed disk.
    """
    os.sync()


def _median(values) -> float:
    return round(statistics.median(list(values)), 2)


def _pairs(frame: pl.DataFrame, a: str, b: str) -> pl.DataFrame:
    return frame.select(pl.min_horizontal(a, b).alias("a"), pl.max_horizontal(a, b).alias("b")).unique()


def compare(cib_edges: pl.DataFrame, folder: Path) -> dict:
    """Undirected pair sets per signal: how many agree, and how many each side has alone."""
    out: dict = {}
    for sig, net in CNT_NETWORKS.items():
        path = folder / f"cnt_{net}.csv"
        theirs = _pairs(pl.read_csv(path, infer_schema=False), "source", "target") if path.exists() else pl.DataFrame(schema={"a": pl.String, "b": pl.String})
        ours = _pairs(cib_edges.filter(pl.col("signal") == sig), "account_a", "account_b")
        both = ours.join(theirs, on=["a", "b"], how="inner").height
        out[sig] = {"cib": ours.height, "cnt": theirs.height, "both": both, "identical": ours.height == theirs.height == both}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--similar-posts", type=int, default=0, help="also co-similarity on this many posts (e.g. 100000)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each tool; medians are compared")
    args = parser.parse_args()
    exe = cnt_python()
    compile_cib()
    record: dict = {"posts": args.posts}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        posts_path, cnt_csv = make_input(folder, args.posts, args.seed)
        record["posts_in_file"] = pl.read_parquet(posts_path).height
        record["file_mb"] = round(cnt_csv.stat().st_size / 1e6, 1)
        cib_runs, cnt_runs = [], []
        for _ in range(args.repeats):
            cib_runs.append(run_cib(cnt_csv, folder))
            cnt_runs.append(run_cnt_all(exe, cnt_csv, folder))
        record["parity"] = compare(pl.read_parquet(cib_runs[-1]["edges"]), folder)
        for run in cib_runs:
            run.pop("edges")
        cib = {
            "one_command_seconds": _median(r["one_command"]["seconds"] for r in cib_runs),
            "ingest_seconds": _median(r["ingest"]["seconds"] for r in cib_runs),
            "detect_seconds": _median(r["detect"]["seconds"] for r in cib_runs),
            "two_commands_seconds": _median(r["two_commands_seconds"] for r in cib_runs),
            "peak_mb": max(r["peak_mb"] for r in cib_runs),
            "runs": cib_runs,
        }
        cnt = {k: _median(r[k] for r in cnt_runs) for k in ("preprocess", "compute", "total")}
        cnt["runs"] = cnt_runs
        record["cib"], record["cnt"] = cib, cnt
        record["speedup"] = {
            "end_to_end": round(cnt["total"] / cib["one_command_seconds"], 1),
            "end_to_end_two_commands": round(cnt["total"] / cib["two_commands_seconds"], 1),
            "reading": round(cnt["preprocess"] / cib["ingest_seconds"], 1),
            "detection": round(cnt["compute"] / cib["detect_seconds"], 1),
            "end_to_end_per_run": [round(n["total"] / c["one_command"]["seconds"], 1) for c, n in zip(cib_runs, cnt_runs, strict=True)],
        }
    if args.similar_posts:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            posts_path, cnt_csv = make_input(folder, args.similar_posts, args.seed)
            sim: dict = {"posts": args.similar_posts}
            # the same Jaccard threshold as CNT's run, on its word sets (1-word shingles)
            sim_params = {"similar.threshold": 0.6, "similar.shingle_words": 1, "similar.min_chars": 0, "similar.window": 60.0}
            sim["cib"] = measure(CIB_SIMILAR.format(posts=str(posts_path), out=str(folder / "s.parquet"), extra=sim_params))
            sim["cnt"] = run_cnt(exe, cnt_csv, folder, ["co_similar_tweet"], ["--similarity_threshold", "0.6"])
            sim["speedup_detection"] = round(sim["cnt"]["co_similar_tweet"] / sim["cib"]["seconds"], 1)
            record["co_similar"] = sim
    save("cnt", record)


if __name__ == "__main__":
    main()
