"""Do two versions of cib write the same tables? Run both over the same cases and compare every output.

Each case is a ``cib analyse`` (or a sweep, or the stages run one by one) on the
bundled sample and, when present, the two real datasets in ``../shared/data/real``,
with the default settings and the peers' presets. A version is a source tree (a
clone or ``git worktree add /tmp/old REV``), run with this checkout's
interpreter (``PYTHONPATH=TREE``). Parquet tables are compared by their data and
their metadata without the recorded parameters (a new parameter changes every
table's metadata, nothing else); other files (CSV, GEXF, GraphML) byte for byte;
manifests, HTML pages and the sweep's ``seconds`` column (run times, paths) are
left out. ``--bytes`` compares the Parquet files byte for byte too.

Run: ``.venv/bin/python bench/same_tables.py OLD_TREE NEW_TREE [--out DIR] [--bytes]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("CIB_SHARED", ROOT.parent / "shared")) / "data" / "real"
SAMPLE = ROOT / "data" / "raw" / "sample"
RU = REAL / "coortweet-russian-coord-tweets"
DE = REAL / "coortweet-german-elections"

CASES: dict[str, list[str]] = {
    "sample": [str(SAMPLE)],
    "sample_ev": [str(SAMPLE), "--event", "election=2025-03-16T03:00:00Z"],
    "ru_default": [str(RU / "russian_coord_tweets.csv")],
    "ru_coortweet": [str(RU / "russian_coord_tweets.csv"), "--preset", "coortweet", "--window", "60", "--min-participation", "2"],
    "ru_cnt": [str(RU / "canonical.csv"), "--preset", "cnt", "--window", "60"],
    "de_default": [str(DE / "german_elections.parquet")],
    "de_coortweet": [str(DE / "german_elections.parquet"), "--preset", "coortweet", "--window", "60", "--min-participation", "2"],
    "de_cnt": [str(DE / "canonical.csv"), "--preset", "cnt", "--window", "60"],
}  # fmt: skip


def _cib(tree: Path, args: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    # run from the tree: `python -m` puts the working folder before PYTHONPATH
    proc = subprocess.run([sys.executable, "-m", "cib", *args], capture_output=True, text=True, env=env, cwd=tree)
    if proc.returncode != 0:
        raise RuntimeError(f"cib {' '.join(args)} failed:\n{proc.stderr[-2000:]}")


def run(tree: Path, out: Path) -> None:
    """Every case with the cib in ``tree``, into ``out/p`` and ``out/r``."""
    where = ["--processed-dir", str(out / "p"), "--reports-dir", str(out / "r")]
    for name, args in CASES.items():
        if Path(args[0]).exists():
            _cib(tree, ["analyse", *args, "--name", name, *where])
    if SAMPLE.exists():
        labels = ["--labels", str(SAMPLE / "truth.parquet")]
        grid = ["--grid", "co_reshare.window=10,60", "--grid", "resolution=0.5,1"]
        _cib(tree, ["sweep", str(SAMPLE), "--name", "sweep", *grid, *labels, *where])
        _cib(tree, ["ingest", str(SAMPLE), "--name", "staged", "--processed-dir", str(out / "p")])
        for stage in ("detect", "cluster"):
            _cib(tree, [stage, str(out / "p" / "staged")])
        _cib(tree, ["report", str(out / "p" / "staged"), "--reports-dir", str(out / "r")])


def _table(path: Path) -> tuple[pl.DataFrame, dict, dict]:
    frame = pl.read_parquet(path)
    if path.name == "sweep.parquet":
        frame = frame.drop("seconds")
    meta = dict(pl.read_parquet_metadata(path))
    return frame, json.loads(meta.pop("cib.params", "{}")), meta


def compare(old: Path, new: Path, *, exact: bool = False) -> dict:
    """What differs between two output trees (see the module's docstring)."""
    same, differ, params = 0, [], set()
    for path in sorted(old.rglob("*")):
        if not path.is_file() or path.name in ("manifest.json", "index.html", "sweep.html", "evaluation.json"):
            continue
        rel = path.relative_to(old)
        other = new / rel
        if not other.exists():
            differ.append(f"missing {rel}")
            continue
        if path.suffix == ".parquet" and not exact:
            (a, pa, ma), (b, pb, mb) = _table(path), _table(other)
            params |= {k for k in set(pa) | set(pb) if pa.get(k) != pb.get(k)}
            ok = a.equals(b) and ma == mb
        else:
            ok = hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(other.read_bytes()).digest()
        if ok:
            same += 1
        else:
            differ.append(str(rel))
    added = sorted(str(p.relative_to(new)) for p in new.rglob("*") if p.is_file() and not (old / p.relative_to(new)).exists())
    return {"same": same, "different": differ, "new_files": added, "parameters_changed": sorted(params)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--out", type=Path, default=None, help="keep both runs' outputs here")
    parser.add_argument("--bytes", action="store_true", help="compare Parquet files byte for byte")
    args = parser.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="cib-same-tables-"))
    for side, tree in (("old", args.old), ("new", args.new)):
        run(tree.resolve(), out / side)
    print(json.dumps(compare(out / "old", out / "new", exact=args.bytes), indent=2))


if __name__ == "__main__":
    main()
