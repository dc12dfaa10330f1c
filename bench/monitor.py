"""A day's run of a monitored collection: incremental against full, on a synthetic election collection.

``cib synth`` writes a collection (its posts span 35 days: ``cib.synth.timeline.N_DAYS``, no
knob); its last day is cut off into new files (``cib.synth.grow.split_at``). ``cib analyse`` runs
once on the days before, the outputs are copied, the last day's files are added, and
``cib analyse`` runs again on each copy: incremental (the default: unchanged files are taken from
the last run's tables, and detection takes the work it kept in ``cache/``) and ``--full``. Each run
is a fresh process (``measure_command``: wall time to exit, peak RSS); the tables of the two are
compared byte for byte (the cache aside). Each run's record has its stages' seconds and what
detection took from the cache (``detect.cache``, as the manifest says it).

Run: ``nice .venv/bin/python bench/monitor.py [--posts 200000] [--seed 7] [--keep DIR]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import measure_command, save  # noqa: E402

from cib.synth import synth  # noqa: E402
from cib.synth.grow import span, split_at  # noqa: E402


def _analyse(raw: Path, processed: Path, *more: str) -> dict:
    argv = [sys.executable, "-m", "cib", "analyse", str(raw), "--name", "c", "--processed-dir", str(processed),
            "--reports-dir", str(processed.parent / f"r-{processed.name}"), "--quiet", *more]  # fmt: skip
    out = measure_command(argv)
    man = json.loads((processed / "c" / "manifest.json").read_text(encoding="utf-8"))
    out["stages_s"] = man["timings_s"]
    out["reuse"] = man["stages"]["ingest"].get("reuse", {}).get("reason")
    detect = man["stages"].get("detect", {})
    out["detect"] = {
        "co_similar_text_s": detect.get("co_similar_text", {}).get("seconds"),
        "windowed_s": {s: round(sum(v.get("seconds", {}).values()), 3) for s, v in detect.get("signals", {}).items()},
        "cache": detect.get("cache"),
    }
    return out


def _tables(folder: Path) -> set[Path]:
    """The tables and the history of an output folder (not the cache, which holds work, not results)."""
    return {p.relative_to(folder) for p in folder.rglob("*.parquet") if p.relative_to(folder).parts[0] != "cache"}


def _same(a: Path, b: Path) -> list[str]:
    """The tables (and the history) that differ between two outputs."""
    names = sorted(_tables(a) | _tables(b))
    return [
        str(n)
        for n in names
        if not (a / n).is_file() or not (b / n).is_file() or (a / n).read_bytes() != (b / n).read_bytes()
    ]


def main() -> None:
    """Synthesise, split, run, compare; save ``bench/results/monitor.json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="work here and keep the files")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="cib-monitor-"))
    work.mkdir(parents=True, exist_ok=True)
    synth(work / "synth", n_posts=args.posts, seed=args.seed)
    first, last = span(work / "synth")
    cutoff = last.replace(hour=0, minute=0, second=0, microsecond=0)
    grown = split_at(work / "synth", work / "before", work / "after", cutoff)
    raw = work / "raw" / "c"
    shutil.copytree(work / "before", raw)
    day_one = _analyse(raw, work / "inc")
    shutil.copytree(work / "inc", work / "full")
    for path in grown.after:
        shutil.copy(path, raw / path.name)
    incremental = _analyse(raw, work / "inc")
    full = _analyse(raw, work / "full", "--full")
    record = {
        "posts": args.posts,
        "seed": args.seed,
        "days": (last - first).days + 1,
        "new_day_from": cutoff.isoformat(),
        "new_files_bytes": sum(p.stat().st_size for p in grown.after),
        "all_files_bytes": sum(p.stat().st_size for p in raw.iterdir()),
        "first_run": day_one,
        "incremental": incremental,
        "full": full,
        "incremental_over_full": round(incremental["seconds"] / full["seconds"], 3),
        "incremental_over_full_cpu": round(incremental["cpu_seconds"] / full["cpu_seconds"], 3),
        "tables_that_differ": _same(work / "inc" / "c", work / "full" / "c"),
    }
    save("monitor", record)
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
