"""The null model filters organic sharing of popular objects and keeps planted networks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from cib.config import load_config
from cib.detect import detect
from cib.detect.significance import (
    background_scale,
    benjamini_hochberg,
    expected_pairs,
    once_scale,
    poisson_pvalues,
)
from cib.schema import POSTS
from tests.test_detect_support import synthetic_reshares


@pytest.fixture(scope="module")
def synthetic():
    return synthetic_reshares(seed=7)


def _kinds(edges: pl.DataFrame, organic: set[str], planted: set[str]) -> pl.DataFrame:
    return edges.with_columns(
        pl.col("account_a").is_in(sorted(organic)).alias("a_org"),
        pl.col("account_b").is_in(sorted(organic)).alias("b_org"),
        pl.col("account_a").is_in(sorted(planted)).alias("a_bot"),
        pl.col("account_b").is_in(sorted(planted)).alias("b_bot"),
    )


def test_organic_popular_edges_filtered_planted_survive(synthetic):
    posts, organic, planted = synthetic
    raw = detect(posts, load_config(overrides={"detect.signals": ["co_reshare"], "detect.significance": False}))
    res = detect(posts, load_config(overrides={"detect.signals": ["co_reshare"]}))

    before = _kinds(raw.edges, organic, planted)
    organic_raw = before.filter(pl.col("a_org") & pl.col("b_org"))
    # The data is a fair test: without the null model organic users form many
    # edges, hundreds of them on two or more viral posts.
    assert organic_raw.height > 10_000
    assert organic_raw.filter(pl.col("n_objects") >= 2).height > 5_000

    after = _kinds(res.edges, organic, planted)
    bots = after.filter(pl.col("a_bot") & pl.col("b_bot"))
    n_planted_pairs = len(planted) * (len(planted) - 1) // 2
    assert bots.height == n_planted_pairs  # every planted pair survives
    assert after.filter(pl.col("a_org") & pl.col("b_org")).height == 0  # no organic pair does
    assert after.filter(pl.col("a_org") | pl.col("b_org")).height == 0  # nor planted–organic

    # With a margin: the weakest planted edge is far below the FDR level (0.05),
    # and the most suspicious organic edge well above it.
    full = detect(posts, load_config(overrides={"detect.signals": ["co_reshare"], "detect.max_fdr": 1.0}))
    stats = _kinds(full.edge_stats, organic, planted)
    assert stats.filter(pl.col("a_bot") & pl.col("b_bot"))["q_value"].max() < 1e-10
    assert stats.filter(pl.col("a_org") | pl.col("b_org"))["q_value"].min() > 0.1


def test_tfidf_weight_ranks_planted_above_organic(synthetic):
    posts, organic, planted = synthetic
    res = detect(posts, load_config(overrides={"detect.signals": ["co_reshare"], "detect.significance": False}))
    e = _kinds(res.edges, organic, planted)
    bot_min = e.filter(pl.col("a_bot") & pl.col("b_bot"))["weight"].min()
    org_max = e.filter(pl.col("a_org") & pl.col("b_org"))["weight"].max()
    assert bot_min > org_max


def test_benjamini_hochberg_known_values():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    # sorted 0.005, 0.01, 0.03, 0.04 → ×4/rank: 0.02, 0.02, 0.04, 0.04
    assert benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])
    # untested members of the family (p = 1) raise every q-value
    assert benjamini_hochberg(p, n_tests=8) == pytest.approx([0.04, 0.08, 0.08, 0.04])
    assert benjamini_hochberg(np.array([])).size == 0


def test_expectation_and_tail():
    lam = expected_pairs(np.array([10, 1]), np.array([10, 1]), total_shares=100, window_pairs=50)
    assert lam == pytest.approx([2 * 50 * 100 / 100**2, 2 * 50 / 100**2])
    p = poisson_pvalues(np.array([0, 1, 3]), np.array([1.0, 1.0, 1.0]))
    assert p == pytest.approx([1.0, 1 - np.exp(-1), 1 - np.exp(-1) * (1 + 1 + 0.5)])
    assert poisson_pvalues(np.array([1]), np.array([0.0]))[0] == 0.0


def test_pruned_fdr_matches_full_benjamini_hochberg(synthetic):
    # detect() ranks only the p-values that can pass; the result must be the full procedure's.
    posts, _, _ = synthetic
    base = {"detect.signals": ["co_reshare"], "detect.min_participation": 1}
    full = detect(posts, load_config(overrides={**base, "detect.max_fdr": 1.0}))
    pruned = detect(posts, load_config(overrides={**base, "detect.max_fdr": 0.05}))
    want = full.edge_stats.filter(pl.col("q_value") <= 0.05).select("account_a", "account_b", "q_value")
    got = pruned.edge_stats.select("account_a", "account_b", "q_value")
    assert got.height > 0 and got.equals(want)


def _targeted(ordinary_reshares: bool) -> pl.DataFrame:
    """8 accounts resharing the same 40 posts and posting the same 40 texts 5-8 s apart, beside 300 others."""
    rng = np.random.default_rng(3)
    t0 = datetime(2024, 3, 1, tzinfo=UTC)
    rows = []
    for j in range(40):
        gaps = np.cumsum(rng.integers(5, 9, size=8)) - 5
        for i, gap in enumerate(gaps):
            at = t0 + timedelta(hours=6 * j, seconds=int(gap))
            rows.append(("r", j, f"op{i}", at, f"RT @source: post {j}", f"source{j}"))
            text = f"Message {j}: the country needs stability and order, vote for the leader"
            rows.append(("t", j, f"op{i}", at + timedelta(minutes=30), text, None))
    for k in range(300):
        for m in range(3):
            at = t0 + timedelta(seconds=int(rng.integers(0, 240 * 3600)))
            if ordinary_reshares and m == 0:
                rows.append(("o", k * 3 + m, f"user{k:03d}", at, "RT @news: today", f"news{k}"))
            else:
                rows.append(("o", k * 3 + m, f"user{k:03d}", at, f"my own day number {m} as account {k}, nothing more", None))
    df = pl.DataFrame(
        [
            {"post_id": f"{kind}{j}_{a}", "account_id": a, "created_at": at, "text": text, "reshare_of": of}
            for kind, j, a, at, text, of in rows
        ]
    )
    return df.select(
        *(df[c] if c in df.columns else pl.lit(None).alias(c) for c in POSTS if c not in ("urls", "hashtags", "mentions", "media")),
        *(pl.lit([], pl.List(pl.String)).alias(c) for c in ("urls", "hashtags", "mentions", "media")),
    ).select(list(POSTS)).with_columns(pl.lit("x").alias("platform"), pl.lit("t.csv").alias("source_file"),
                                       pl.int_range(pl.len()).alias("source_row")).cast(POSTS)


@pytest.mark.parametrize("ordinary_reshares", [False, True], ids=["others-never-reshare", "others-reshare-once"])
def test_a_small_network_beside_ordinary_accounts_keeps_weighted_edges(ordinary_reshares):
    posts = _targeted(ordinary_reshares)
    res = detect(posts, load_config(overrides={"detect.signals": ["co_reshare", "co_text"]}))
    operation = sorted(f"op{i}" for i in range(8))
    for signal in ("co_reshare", "co_text"):
        edges = res.edges.filter(pl.col("signal") == signal)
        # every pair of the 8, and none with anyone else
        assert edges.height == 28, (signal, res.info["signals"][signal])
        assert set(edges["account_a"]) | set(edges["account_b"]) == set(operation)
        assert edges["weight"].min() > 0.3, signal  # 8 of 308 accounts, not 8 of 8: idf ln(308 / 8)
    reshare = res.info["signals"]["co_reshare"]
    assert reshare["edges_dropped_fdr"] == 0
    # nobody else reshares twice: no pair is left to show what chance gives, and the manifest says so
    assert reshare["null_model"]["untestable"]


def test_the_null_model_is_scaled_to_the_pairs_chance_made():
    # 100 accounts of 10 shares each: at P such that every pair expects 0.1 pairs, about 9.5% of the
    # 4,950 pairs co-occur by chance; observing 480 needs no scaling, observing 99 (a network's) needs f near 0.2
    k = np.full((100, 1), 10.0)
    alpha = np.array([0.1 / 100.0])
    assert background_scale(k, alpha, 480) == 1.0
    f = background_scale(k, alpha, 99)
    assert 4_950 * -np.expm1(-0.1 * f) == pytest.approx(99, rel=1e-6)
    assert 0.19 < f < 0.21


def test_single_meetings_bound_the_scale_where_coordination_repeats():
    # 100 accounts, every pair expecting 0.1 pairs at f = 1: chance alone gives 4,950 · 0.1 · e^-0.1 = 448 pairs
    # met once. Three groups meeting often co-occur as 480 pairs but leave only 50 met once: chance made about
    # a tenth of the pairs, where counting every co-occurring pair as chance's would say all of them.
    k = np.full((100, 1), 10.0)
    alpha = np.array([0.1 / 100.0])
    assert background_scale(k, alpha, 480) == 1.0
    assert once_scale(k, alpha, 448) == pytest.approx(1.0, abs=0.01)
    f = once_scale(k, alpha, 50)
    assert 4_950 * 0.1 * f * np.exp(-0.1 * f) == pytest.approx(50, rel=1e-6)
    assert 0.09 < f < 0.11
    # never above the co-occurring pairs' bound, which stands when chance cannot make that many single meetings
    assert once_scale(k, alpha, 50, upper=0.05) == 0.05
    assert once_scale(k, alpha, 4_000, upper=0.2) == 0.2


def _swarms(groups: int = 3, size: int = 12, targets: int = 12, join: float = 0.45) -> pl.DataFrame:
    """Only an operation's replies: each group swarms its own posts, each member joining under half the swarms,
    minutes apart; and 10 outsiders, each replying once to one swarmed post within the swarm's minutes."""
    rng = np.random.default_rng(11)
    t0 = datetime(2024, 3, 1, tzinfo=UTC)
    rows = []
    for g in range(groups):
        for j in range(targets):
            start = t0 + timedelta(hours=5 * (g * targets + j))
            for i in range(size):
                if rng.random() < join:
                    at = start + timedelta(seconds=int(rng.integers(0, 900)))
                    rows.append((f"g{g}_{i:02d}", at, f"target{g}_{j}"))
    for i in range(10):
        g, j = i % groups, i % targets
        at = t0 + timedelta(hours=5 * (g * targets + j), seconds=int(rng.integers(0, 900)))
        rows.append((f"outsider{i}", at, f"target{g}_{j}"))
    df = pl.DataFrame(
        [{"post_id": f"p{n}", "account_id": a, "created_at": at, "text": f"reply {n}", "reply_to": to}
         for n, (a, at, to) in enumerate(rows)]
    )
    return df.select(
        *(df[c] if c in df.columns else pl.lit(None).alias(c) for c in POSTS if c not in ("urls", "hashtags", "mentions", "media")),
        *(pl.lit([], pl.List(pl.String)).alias(c) for c in ("urls", "hashtags", "mentions", "media")),
    ).select(list(POSTS)).with_columns(pl.lit("x").alias("platform"), pl.lit("t.csv").alias("source_file"),
                                       pl.int_range(pl.len()).alias("source_row")).cast(POSTS)


def test_sparse_swarms_alone_in_a_collection_are_found():
    """Groups that meet only a few times per pair, and are the whole collection: the null is not their own."""
    posts = _swarms()
    cfg = load_config(overrides={"detect.signals": ["co_reply"], "detect.co_reply.window": 1800, "detect.min_participation": 1,
                                 "detect.co_reply.min_days": 1})  # the null alone: swarms on one day count
    res = detect(posts, cfg)
    edges = res.edges.with_columns(
        pl.col("account_a").str.split("_").list.first().alias("ga"), pl.col("account_b").str.split("_").list.first().alias("gb")
    )
    members = {a for a in posts["account_id"] if a.startswith("g")}
    linked = set(edges["account_a"]) | set(edges["account_b"])
    assert linked == members, sorted(members - linked)  # every member, no outsider
    assert edges.filter(pl.col("ga") != pl.col("gb")).height == 0
    assert edges["n_objects"].min() >= 2  # one meeting is chance's by the scale's own premise
    within = edges.height / (3 * 12 * 11 // 2)
    assert within > 0.6, res.info["signals"]["co_reply"]  # counted as chance, all their pairs would explain a quarter
