"""Recall and label accuracy of ``cib analyse`` on targeted collections: the operation's posts, and a few others'.

``python bench/targeted.py [--posts N] [--seeds 103,104,105,106] [--scopes operation,operation+sample]
[--difficulty hard] [--utc-offset 5]`` writes one collection per seed and scope
(``cib synth --scope``), analyses it with nothing configured but the seed, scores
it against its truth (``cib evaluate``) and prints a Markdown table: the share
of planted bot and troll accounts flagged, the bot/troll label accuracy among
the correctly flagged, the other accounts flagged (and among them the hard
negatives: news bots, a fan community, breaking-news sharers), and the null model's scale
(``background_scale``) per signal where it is below 1. Not run by
``make bench``: it measures results, not speed.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from cib.api import analyse
from cib.config import load_config
from cib.evaluate import evaluate
from cib.synth import synth

__all__ = ["main", "one_collection"]

#: the kinds of other accounts that look coordinated without being so (news bots, a fan community, breaking news)
HARD_NEGATIVES = ("news_bot", "fan_community", "breaking_news")


def _scales(info: dict) -> str:
    """``signal f`` for every signal whose null model was scaled below 1."""
    out = []
    for sig, part in sorted(info.get("signals", {}).items()) + [(s, info[s]) for s in ("co_similar_text",) if s in info]:
        f = part.get("null_model", {}).get("background_scale")
        if f is not None and f < 1:
            out.append(f"{sig.removeprefix('co_')} {f:.2f}")
    return ", ".join(out)


def one_collection(root: Path, posts: int, seed: int, scope: str, difficulty: str, utc_offset: float) -> dict[str, object]:
    """Synthesise, analyse and score one targeted collection."""
    made = synth(root / "raw", posts, seed, "mixed", difficulty, utc_offset=utc_offset, scope=scope)
    res = analyse(made.out_dir, cfg=load_config(overrides={"run.seed": seed}), processed_dir=root / "p",
                  reports_dir=root / "r", report=False)
    ev = evaluate(res.processed, made.truth)
    recall = {}
    for kind in ("bot", "troll"):
        nets = [n for n in ev.networks if n.cls == kind]
        recall[kind] = sum(n.flagged for n in nets) / max(sum(n.size for n in nets), 1)
    hard = [h for h in ev.hard_negatives if h.kind in HARD_NEGATIVES]
    return {"seed": seed, "scope": scope, **recall, "label_accuracy": ev.label_accuracy,
            "others": f"{ev.fp}/{ev.n_negative}", "hard": f"{sum(h.flagged for h in hard)}/{sum(h.n for h in hard)}",
            "scales": _scales(res.manifest.get("stages", {}).get("detect", {}))}


def main() -> None:
    """Run every seed and scope and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=50_000)
    ap.add_argument("--seeds", default="103,104,105,106")
    ap.add_argument("--scopes", default="operation,operation+sample")
    ap.add_argument("--difficulty", default="hard")
    ap.add_argument("--utc-offset", type=float, default=5.0)
    a = ap.parse_args()
    print("| seed | scope | bot recall | troll recall | label accuracy | others flagged | of them hard negatives | null scale < 1 |")
    print("|---:|---|---:|---:|---:|---:|---:|---|")
    for seed in (int(x) for x in a.seeds.split(",")):
        for scope in a.scopes.split(","):
            with tempfile.TemporaryDirectory() as tmp:
                r = one_collection(Path(tmp), a.posts, seed, scope, a.difficulty, a.utc_offset)
            acc = "n/a" if r["label_accuracy"] is None else f"{r['label_accuracy']:.3f}"
            print(f"| {seed} | {scope} | {r['bot']:.3f} | {r['troll']:.3f} | {acc} | {r['others']} | {r['hard']} | {r['scales']} |",
                  flush=True)


if __name__ == "__main__":
    main()
