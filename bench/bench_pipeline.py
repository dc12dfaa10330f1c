"""The whole default pipeline on synthetic election collections: time, peak memory, per stage.

Each size is a collection written by ``cib synth`` (seeded; heavy-tailed popularity:
viral posts with thousands of resharers, hashtags used tens of thousands of times,
breaking-news bursts; planted bot and troll networks and hard negatives), analysed by
the real command line, ``cib analyse`` with the default settings and every stage
including the report and the exports, timed from process start to exit
(``common.measure_command``, peak RSS of the process). The stage times come from the
run's ``manifest.json``. ``--preset cnt`` runs ``cib analyse --preset cnt --window 60``
instead (coordination-network-toolkit's three networks and co_reply, all stages); with
``--cnt`` the toolkit itself (1.5.2, installed by ``bench_cnt.py`` into a venv of its own)
then runs its preprocess and its three networks on the same posts, and the ratio is given
process to process, cib's whole pipeline against the toolkit's networks alone.

Targets (issue 16): 10 M posts under 5 minutes and 8 GB, 3 M posts under 8 GB.

Run: ``.venv/bin/python bench/bench_pipeline.py [--posts 1000000 3000000] [--preset cnt] [--keep DIR]``
(``make bench`` runs every benchmark at the default sizes).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import measure_command, save, stage_peaks  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEED = 11


def _collection(folder: Path, posts: int) -> Path:
    raw = folder / f"raw{posts}"
    if not (raw / "truth.parquet").is_file():
        from cib.synth import synth

        synth(raw, n_posts=posts, seed=SEED)
    return raw


def _run(raw: Path, out: Path, preset: str | None) -> dict:
    argv = [sys.executable, "-m", "cib", "analyse", str(raw), "--name", raw.name, "--quiet",
            "--processed-dir", str(out / "p"), "--reports-dir", str(out / "r")]  # fmt: skip
    if preset:
        argv += ["--preset", preset, "--window", "60"]
    figures = measure_command(argv, trace=True)
    manifest = json.loads((out / "p" / raw.name / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["counts"]
    trace = figures.pop("rss_trace")
    return {
        **figures,
        "stages_s": manifest["timings_s"],
        "stage_peak_mb": stage_peaks(trace, manifest, figures["seconds"]),
        "posts": counts["ingest"]["posts"],
        "edges": counts["detect"]["edges"],
        "evidence_rows": counts["detect"]["evidence_rows"],
        "graph_edges": counts["cluster"]["graph_edges"],
        "clusters": counts["cluster"]["clusters"],
        "flagged_accounts": counts["cluster"]["flagged_accounts"],
        "cluster_method": manifest["stages"]["cluster"].get("method"),
        "detect_s": {
            sig: round(sum(v for v in info.get("seconds", {}).values() if isinstance(v, int | float)), 2)
            for sig, info in {**manifest["stages"]["detect"].get("signals", {}),
                              **{k: manifest["stages"]["detect"][k] for k in ("co_similar_text", "sync")
                                 if k in manifest["stages"]["detect"]}}.items()
        },  # fmt: skip
    }


def _cnt(out: Path, name: str) -> dict:
    """coordination-network-toolkit's preprocess and three networks on the posts cib read."""
    import polars as pl
    from bench_cnt import _cnt_rows, cnt_python, run_cnt_all

    posts = pl.read_parquet(out / "p" / name / "posts.parquet")
    folder = out / "cnt"
    folder.mkdir(exist_ok=True)
    _cnt_rows(posts).write_csv(folder / "cnt.csv")
    # CNT 1.5.2 turns an empty urls cell into [""]: its co_link runs on the posts with links
    _cnt_rows(posts.filter(pl.col("urls").list.len() > 0)).write_csv(folder / "cnt_links.csv")
    return run_cnt_all(cnt_python(), folder / "cnt.csv", folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--preset", default=None, help="e.g. cnt (with --window 60)")
    parser.add_argument("--keep", type=Path, default=None, help="keep the collections and outputs in this folder")
    parser.add_argument("--cnt", action="store_true", help="also time coordination-network-toolkit on the same posts")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="cib-bench-pipeline-"))
    results = {}
    try:
        for n in args.posts:
            raw = _collection(work, n)
            out = work / f"out{n}{'-' + args.preset if args.preset else ''}"
            shutil.rmtree(out, ignore_errors=True)
            results[str(n)] = _run(raw, out, args.preset)
            if args.cnt:
                cnt = _cnt(out, raw.name)
                results[str(n)]["cnt"] = cnt
                results[str(n)]["ratio"] = round(cnt["total"] / results[str(n)]["seconds"], 2)
            print(json.dumps({n: results[str(n)]}), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    save(f"pipeline{'-' + args.preset if args.preset else ''}", {"preset": args.preset, "seed": SEED, "runs": results})


if __name__ == "__main__":
    main()
