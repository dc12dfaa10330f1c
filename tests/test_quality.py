"""The quality bar on synthetic collections with planted networks (issue 4).

Each scenario runs ``cib analyse`` (the Python API, without the report) end to
end on a collection written by ``cib synth``: ingest → detect (+ sync) → fuse →
cluster → score, and compares
``account_scores`` with ``truth.parquet`` at the account level:

* F1 of ``flagged`` against membership of a planted network ≥ 0.90,
* bot-versus-troll label accuracy among correctly flagged accounts ≥ 0.90,
* false-positive rate among the hard negatives (news bots on schedules, a fan
  community, breaking-news sharers) ≤ 2%.

The asserts keep a margin over the bar (F1 ≥ 0.93, accuracy ≥ 0.95, FPR ≤ 1%).

Configuration: the defaults (``sync`` in ``detect.signals``: the timing graph
holds troll networks together; ``detect.co_reply.window`` = 3 h). Reply
swarms are human-operated and land minutes, not seconds, after their target
(the synthetic trolls' median delay is 3 to 15 minutes); with a 60-second
window the slowest troll networks leave no edge at all and no scoring can
find them. The window is the detection stage's setting; see the note in
``docs/labels.md``.
"""

from __future__ import annotations

import polars as pl
import pytest

from cib.api import analyse
from cib.config import load_config
from cib.synth import synth

HARD_NEGATIVES = ("news_bot", "fan_community", "breaking_news")


def quality_config(**extra):
    """The shipped defaults (sync, co_similar_text and amplify on, 3-hour reply windows)."""
    return load_config(overrides=extra)


def run_pipeline(folder, cfg, tmp):
    """``cib analyse`` without the report: ingest, detect (+ sync), fuse, cluster, score."""
    return analyse(folder, cfg=cfg, processed_dir=tmp / "processed", reports_dir=tmp / "reports", report=False)


def account_metrics(truth: pl.DataFrame, account_scores: pl.DataFrame) -> dict[str, float]:
    """F1 of flagged vs planted, bot/troll accuracy among true positives, FPR among hard negatives."""
    a = truth.join(account_scores.select("account_id", "flagged", "label"), on="account_id", how="left").with_columns(
        pl.col("flagged").fill_null(False)
    )
    planted = pl.col("network_id").is_not_null()
    tp = a.filter(planted & pl.col("flagged")).height
    fp = a.filter(~planted & pl.col("flagged")).height
    fn = a.filter(planted & ~pl.col("flagged")).height
    hits = a.filter(planted & pl.col("flagged"))
    negatives = a.filter(pl.col("kind").is_in(HARD_NEGATIVES))
    return {
        "f1": 2 * tp / max(2 * tp + fp + fn, 1),
        "label_accuracy": float((hits["label"] == hits["kind"]).mean()) if hits.height else 0.0,
        "hard_negative_fpr": float(negatives["flagged"].mean()) if negatives.height else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "hard_negatives": negatives.height,
    }


SCENARIOS = [
    pytest.param(50_000, 101, "easy", id="50k-easy"),
    pytest.param(50_000, 102, "normal", id="50k-normal"),
    pytest.param(50_000, 103, "hard", id="50k-hard"),
    pytest.param(50_000, 104, "hard", id="50k-hard-2", marks=pytest.mark.slow),
    pytest.param(200_000, 105, "normal", id="200k-normal", marks=pytest.mark.slow),
    pytest.param(200_000, 106, "hard", id="200k-hard", marks=pytest.mark.slow),
]


@pytest.mark.parametrize("n_posts, seed, difficulty", SCENARIOS)
def test_quality_bar(tmp_path, n_posts, seed, difficulty):
    made = synth(tmp_path / "c", n_posts, seed, "mixed", difficulty)
    result = run_pipeline(made.out_dir, quality_config(**{"run.seed": seed}), tmp_path)
    m = account_metrics(made.truth, result.account_scores)
    print(
        f"quality {n_posts} posts, seed {seed}, {difficulty}: "
        + ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in m.items())
    )
    assert m["f1"] >= 0.93, m
    assert m["label_accuracy"] >= 0.95, m
    assert m["hard_negative_fpr"] <= 0.01, m


def test_same_seed_same_labels(tmp_path):
    made = synth(tmp_path / "c", 20_000, 7, "mixed", "normal")
    a = run_pipeline(made.out_dir, quality_config(), tmp_path / "a")
    b = run_pipeline(made.out_dir, quality_config(), tmp_path / "b")
    assert a.clusters.equals(b.clusters)
    assert a.account_scores.equals(b.account_scores)


@pytest.mark.parametrize("offset", [-5, 1, 9])
def test_labels_hold_in_every_time_zone(tmp_path, offset):
    """The same collection lived at another UTC offset, nothing configured: same flags, same labels, its clock found."""
    made = synth(tmp_path / "c", 30_000, 102, "mixed", "normal", utc_offset=offset)
    result = run_pipeline(made.out_dir, quality_config(**{"run.seed": 102}), tmp_path)
    m = account_metrics(made.truth, result.account_scores)
    print(f"quality UTC{offset:+d}: " + ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in m.items()))
    assert m["f1"] >= 0.93, m
    assert m["label_accuracy"] >= 0.95, m
    trolls = result.clusters.filter(pl.col("label") == "troll")
    assert trolls.height and set(trolls["zone"]) == {f"UTC{offset:+d}"}, trolls.select("zone", "zone_basis")


TARGETED = [
    pytest.param(40_000, 111, "normal", "operation", id="40k-operation"),
    pytest.param(40_000, 112, "normal", "operation+sample", id="40k-operation+sample"),
    # sparse troll swarms whose pairs meet two or three times: found only when the null is not set by them
    pytest.param(50_000, 104, "hard", "operation", id="50k-hard-operation"),
    pytest.param(50_000, 103, "hard", "operation+sample", id="50k-hard-operation+sample"),
]


@pytest.mark.parametrize("n_posts, seed, difficulty, scope", TARGETED)
def test_targeted_collections_find_bots_and_trolls(tmp_path, n_posts, seed, difficulty, scope):
    """A collection of the operation's own posts (and a few others'): the networks are most of the data."""
    made = synth(tmp_path / "c", n_posts, seed, "mixed", difficulty, scope=scope)
    result = run_pipeline(made.out_dir, quality_config(**{"run.seed": seed}), tmp_path)
    truth = made.truth.join(result.account_scores.select("account_id", "flagged", "label"), on="account_id", how="left")
    truth = truth.with_columns(pl.col("flagged").fill_null(False))
    for kind in ("bot", "troll"):
        members = truth.filter(pl.col("kind") == kind)
        assert members["flagged"].mean() >= 0.9, (kind, members.group_by("network_id", "flagged").len())
    hits = truth.filter(pl.col("network_id").is_not_null() & pl.col("flagged"))
    assert (hits["label"] == hits["kind"]).mean() >= 0.9
    assert truth.filter(pl.col("network_id").is_null() & pl.col("flagged")).height <= 0.02 * max(
        truth.filter(pl.col("network_id").is_null()).height, 1
    )
