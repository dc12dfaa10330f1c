"""Label accuracy and F1 of ``cib analyse`` on synthetic collections living in several time zones.

``python bench/zones.py [--posts N] [--seed S] [--offsets -5,1,3,5,9] [--difficulty normal]``
writes one collection per UTC offset (``cib synth --utc-offset``), analyses it with
nothing configured but the seed, scores it against its truth (``cib evaluate``) and
prints a Markdown table: the F1 of the flags, the bot/troll label accuracy among the
correctly flagged accounts, and the zones the networks were read in. Not run by
``make bench``: it measures results, not speed.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import polars as pl

from cib.api import analyse
from cib.config import load_config
from cib.evaluate import evaluate
from cib.synth import synth

__all__ = ["main", "one_zone"]


def one_zone(root: Path, offset: float, posts: int, seed: int, difficulty: str) -> dict[str, object]:
    """Synthesise, analyse and score one collection whose life runs at ``offset`` hours from UTC."""
    made = synth(root / "raw", posts, seed, "mixed", difficulty, utc_offset=offset)
    res = analyse(made.out_dir, cfg=load_config(overrides={"run.seed": seed}), processed_dir=root / "p",
                  reports_dir=root / "r", report=False)
    ev = evaluate(res.processed, made.truth)
    flagged = res.clusters.filter(pl.col("label").is_in(["bot", "troll", "mixed"]))
    zones = sorted(set(flagged["zone"].to_list())) if "zone" in flagged.columns else []
    return {"offset": offset, "f1": ev.f1, "label_accuracy": ev.label_accuracy,
            "networks": flagged.group_by("label").len().sort("label").rows(), "zones": zones}


def main() -> None:
    """Run every zone and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=102)
    ap.add_argument("--offsets", default="-5,1,3,5,9")
    ap.add_argument("--difficulty", default="normal")
    a = ap.parse_args()
    print("| UTC offset | F1 | label accuracy | flagged networks | zones used |")
    print("|---:|---:|---:|---|---|")
    for off in (float(x) for x in a.offsets.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            r = one_zone(Path(tmp), off, a.posts, a.seed, a.difficulty)
        nets = ", ".join(f"{n} {lab}" for lab, n in r["networks"])
        print(f"| {off:+g} | {r['f1']:.3f} | {r['label_accuracy']:.3f} | {nets} | {', '.join(r['zones'])} |", flush=True)


if __name__ == "__main__":
    main()
