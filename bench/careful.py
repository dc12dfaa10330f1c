"""How default cib does on the ``careful`` synthetic collections.

Writes one ``careful`` collection per seed (100,000 posts by default), analyses
it with the default parameters and prints, per seed and in total: precision,
recall, F1, bot/troll label accuracy, the recall of every troll network of at
least five accounts, and the accounts flagged among each population of
authentic coordination.

Run: ``.venv/bin/python bench/careful.py [--posts 100000] [--seeds 201 202 203] [--set NAME=VALUE ...]``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from cib.evaluate.scoring import Evaluation, evaluate
from cib.synth import synth

__all__ = ["measure", "main"]

#: hard-negative kinds shown, authentic coordination first
NEGATIVES = ("newsroom", "trend_uptake", "scheduled", "fan_community", "breaking_news", "news_bot", "organic")


def measure(posts: int, seed: int, work: Path, sets: list[str] | None = None) -> Evaluation:
    """Synthesise, analyse with defaults and evaluate one ``careful`` collection.

    Parameters
    ----------
    posts
        Requested posts.
    seed
        Synthesis seed.
    work
        Scratch folder.
    sets
        ``NAME=VALUE`` parameter settings passed to ``cib analyse --set``.

    Returns
    -------
    Evaluation
        The evaluation against the collection's ``truth.parquet``.
    """
    raw = work / f"careful{seed}"
    if not (raw / "truth.parquet").exists():
        synth(raw, n_posts=posts, seed=seed, difficulty="careful")
    extra = [arg for s in sets or [] for arg in ("--set", s)]
    subprocess.run([sys.executable, "-m", "cib", "analyse", str(raw), "--processed-dir", str(work / "p"),
                    "--reports-dir", str(work / "r"), "--quiet", "--no-report", *extra], check=True)
    return evaluate(work / "p" / raw.name, raw / "truth.parquet")


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def main() -> None:
    """Measure every seed and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[201, 202, 203])
    parser.add_argument("--set", dest="sets", action="append", default=[], metavar="NAME=VALUE",
                        help="a parameter for cib analyse (repeatable)")
    parser.add_argument("--work", type=Path, default=None,
                        help="keep the collections here and reuse them (default: a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        runs = [(s, measure(args.posts, s, work, args.sets)) for s in args.seeds]
    print(f"careful, {args.posts:,} posts, " + (", ".join(args.sets) if args.sets else "default parameters"))
    print(f"{'seed':>5} {'precision':>9} {'recall':>7} {'F1':>6} {'label acc':>9}  troll recall (size)")
    for seed, ev in runs:
        trolls = [n for n in ev.networks if n.cls == "troll" and n.size >= 5]
        tr = "  ".join(f"{n.network}={n.recall:.2f}({n.size})" for n in trolls)
        print(f"{seed:>5} {_f(ev.precision):>9} {_f(ev.recall):>7} {_f(ev.f1):>6} {_f(ev.label_accuracy):>9}  {tr}")
    tp = sum(ev.tp for _, ev in runs)
    fp = sum(ev.fp for _, ev in runs)
    fn = sum(ev.fn for _, ev in runs)
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    ok = sum(ev.label_correct for _, ev in runs) / max(sum(ev.label_n for _, ev in runs), 1)
    trolls = [n for _, ev in runs for n in ev.networks if n.cls == "troll" and n.size >= 5]
    bots = [n for _, ev in runs for n in ev.networks if n.cls == "bot" and n.size >= 5]
    print(f"{'all':>5} {p:>9.3f} {r:>7.3f} {2 * p * r / max(p + r, 1e-9):>6.3f} {ok:>9.3f}  "
          f"troll accounts found {sum(n.flagged for n in trolls)}/{sum(n.size for n in trolls)}, "
          f"bot accounts {sum(n.flagged for n in bots)}/{sum(n.size for n in bots)}")
    print()
    print("false positives among authentic coordination and other hard negatives (flagged / accounts)")
    print(f"{'kind':<14}" + "".join(f"{s:>12}" for s, _ in runs))
    for kind in NEGATIVES:
        cells = []
        for _, ev in runs:
            hn = next((h for h in ev.hard_negatives if h.kind == kind), None)
            cells.append("-" if hn is None else f"{hn.flagged}/{hn.n}")
        print(f"{kind:<14}" + "".join(f"{c:>12}" for c in cells))


if __name__ == "__main__":
    main()
