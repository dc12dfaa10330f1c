"""The timing graph (sync): planted synchrony found, chance synchrony not, contract kept."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from cib.config import load_config
from cib.detect.sync import benjamini_hochberg, sync_detect, sync_edges
from cib.errors import ConfigError
from cib.schema import EDGES, EVIDENCE

T0 = 1_740_000_000  # 2025-02-19T21:20:00Z


def _posts(acc: list[str], t: list[int] | np.ndarray, reshare_of: list[str | None] | None = None) -> pl.DataFrame:
    t = np.asarray(t, dtype=np.int64)
    return pl.DataFrame(
        {
            "post_id": [f"p{i:06d}" for i in range(len(acc))],
            "account_id": acc,
            "created_at": t * 1_000_000,
            "reshare_of": reshare_of if reshare_of is not None else [None] * len(acc),
            "reply_to": [None] * len(acc),
        },
        schema_overrides={"reshare_of": pl.String, "reply_to": pl.String},
    ).with_columns(pl.col("created_at").cast(pl.Datetime("us", "UTC")))


def _planted(seed: int = 0, n_org: int = 400, n_bot: int = 15) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    acc: list[str] = []
    ts: list[int] = []
    for i in range(n_org):
        k = int(rng.integers(10, 50))
        day = rng.integers(0, 30, k)
        hour = rng.choice(24, k, p=np.r_[np.full(7, 0.01), np.full(17, (1 - 0.07) / 17)])
        acc += [f"org{i:04d}"] * k
        ts += list(T0 + day * 86400 + hour * 3600 + rng.integers(0, 3600, k))
    moments = T0 + rng.integers(0, 30 * 86400, 30)
    for b in range(n_bot):
        m = moments[rng.random(len(moments)) < 0.8]
        acc += [f"bot{b:03d}"] * len(m)
        ts += list(m + rng.integers(0, 20, len(m)))
    return _posts(acc, ts)


def test_planted_synchrony_is_found_and_chance_is_not():
    cfg = load_config()
    edges = sync_edges(_planted(), cfg)
    assert list(edges.columns) == list(EDGES)
    assert edges.schema == pl.Schema(EDGES)
    assert (edges["signal"] == "sync").all()
    assert (edges["account_a"] < edges["account_b"]).all()
    bot = edges.filter(pl.col("account_a").str.starts_with("bot") & pl.col("account_b").str.starts_with("bot"))
    assert bot.height == 15 * 14 // 2
    assert edges.height == bot.height, "organic accounts must not be linked by chance"
    assert (edges["p_value"] < 1e-6).all()
    assert ((edges["weight"] > 0) & (edges["weight"] <= 1)).all()
    assert (edges["n_pairs"] >= edges["n_objects"]).all()
    assert (edges["min_delta_s"] <= 60).all()


def test_evidence_traces_to_posts_and_is_capped():
    cfg = load_config(overrides={"detect.evidence_per_edge": 3})
    posts = _planted()
    edges, evidence = sync_edges(posts, cfg, evidence=True)
    assert list(evidence.columns) == list(EVIDENCE)
    assert evidence.group_by("account_a", "account_b").len()["len"].max() <= 3
    owner = dict(zip(posts["post_id"], posts["account_id"], strict=True))
    for row in evidence.head(50).iter_rows(named=True):
        assert owner[row["post_a"]] == row["account_a"]
        assert owner[row["post_b"]] == row["account_b"]
        assert row["object_id"].startswith("sync/")
        assert row["delta_s"] <= 600
    assert set(zip(evidence["account_a"], evidence["account_b"], strict=True)) == set(
        zip(edges["account_a"], edges["account_b"], strict=True)
    )


def test_invariant_to_row_order():
    cfg = load_config()
    posts = _planted(seed=3)
    a = sync_edges(posts, cfg)
    b = sync_edges(posts.sample(fraction=1.0, shuffle=True, seed=9), cfg)
    assert a.equals(b)


def test_accounts_with_few_posts_are_left_out():
    cfg = load_config(overrides={"sync.min_posts": 40})
    res = sync_detect(_planted(), cfg)
    assert res.edges.height == 0  # bots have at most 30 posts
    assert res.info["accounts_eligible"] < 400


def test_reactions_do_not_link_the_source_to_its_amplifiers():
    # a popular account posts; five fans reshare each post within seconds
    rng = np.random.default_rng(1)
    src_t = T0 + np.sort(rng.integers(0, 20 * 86400, 40))
    acc, ts, rs = [], [], []
    for i, t in enumerate(src_t):
        acc.append("star")
        ts.append(int(t))
        rs.append(None)
        for f in range(5):
            acc.append(f"fan{f}")
            ts.append(int(t + rng.integers(1, 30)))
            rs.append(f"p{i}")
    background = _planted(seed=4, n_bot=0).with_columns(pl.concat_str(pl.lit("bg"), "post_id").alias("post_id"))
    posts = pl.concat([_posts(acc, ts, rs), background])
    linked = sync_edges(posts, load_config(overrides={"sync.originals_only": False}))
    assert "star" in set(linked["account_a"]) | set(linked["account_b"])
    assert sync_edges(posts, load_config()).height == 0


def test_crowd_bins_are_left_out():
    # 30 accounts all post in the same 5 minutes (a breaking-news moment), nothing else in common
    rng = np.random.default_rng(2)
    acc, ts = [], []
    moments = T0 + np.arange(5) * 86400 * 3
    for a in range(30):
        for m in moments:
            acc.append(f"a{a:02d}")
            ts.append(int(m + rng.integers(0, 50)))
        for t in T0 + rng.integers(0, 20 * 86400, 10):
            acc.append(f"a{a:02d}")
            ts.append(int(t))
    posts = _posts(acc, ts)
    res = sync_detect(posts, load_config(overrides={"sync.max_bin_accounts": 20}))
    assert res.edges.height == 0
    assert res.info["crowd_bins_left_out"]["60s"] == 5
    # without the limit the null model still discounts the busy minutes: no edge either
    unlimited = sync_detect(posts, load_config(overrides={"sync.max_bin_accounts": 0}))
    assert unlimited.info["crowd_bins_left_out"]["60s"] == 0
    assert unlimited.edges.height == 0


def test_bins_finer_than_the_timestamps_are_widened():
    cfg = load_config(overrides={"sync.bins": [30, 600]})
    res = sync_detect(_planted(), cfg, time_resolution_s=60)
    assert res.info["grids"][0] == "60s"
    assert any("widened" in w for w in res.info["warnings"])


def test_bad_bins_are_a_config_error():
    with pytest.raises(ConfigError, match="sync.bins"):
        sync_detect(_planted(), load_config(overrides={"sync.bins": [0]}))


def test_empty_and_tiny_inputs():
    cfg = load_config()
    assert sync_edges(_posts([], []), cfg).height == 0
    assert sync_edges(_posts(["a"] * 12, list(range(T0, T0 + 12))), cfg).height == 0


def test_benjamini_hochberg_by_hand():
    p = np.array([0.01, 0.04, 0.03, 0.5])
    assert np.allclose(benjamini_hochberg(p), [0.04, 0.16 / 3, 0.16 / 3, 0.5])
    # untested hypotheses raise the bar
    assert np.allclose(benjamini_hochberg(np.array([0.01]), n_tests=10), [0.1])
