"""Properties of the co-occurrence engine on random inputs (hypothesis)."""

from __future__ import annotations

import random

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cib.config import load_config
from cib.detect import detect
from tests.test_detect_support import cfg, naive_pairs, posts_frame

SETTINGS = settings(max_examples=30, deadline=None)

share = st.tuples(
    st.integers(0, 5),  # account
    st.integers(0, 3),  # object
    st.integers(0, 400) | st.sampled_from([0, 60, 120]),  # seconds; boundaries likely
)
shares = st.lists(share, min_size=0, max_size=25)
window = st.sampled_from([1, 30, 59, 60, 61, 200])  # positive: a window of 0 is refused as a setting


def _rows(data):
    return [{"id": f"p{i}", "acct": f"u{a}", "t": t, "reshare_of": f"o{o}"} for i, (a, o, t) in enumerate(data)]


def _pairs(res):
    return {(a, b): n for a, b, n in res.edges.select("account_a", "account_b", "n_pairs").iter_rows()}


def _run(rows, w, **kw):
    return detect(
        posts_frame(rows) if rows else posts_frame([{"acct": "x", "t": 0}]).clear(),
        cfg(detect__signals=["co_reshare"], **{"detect.co_reshare.window": w}, **kw),
        time_resolution_s=0.0,
    )


@SETTINGS
@given(data=shares, w=window)
def test_matches_brute_force(data, w):
    res = _run(_rows(data), w)
    expected = naive_pairs([(f"u{a}", f"o{o}", f"p{i}", float(t)) for i, (a, o, t) in enumerate(data)], w)
    assert _pairs(res) == expected
    assert res.edges["n_pairs"].sum() == res.evidence.height  # evidence cap is above every count here
    assert res.info["accounts_in_edges"] == len({x for pair in expected for x in pair})


@SETTINGS
@given(data=shares, w=window)
def test_pair_symmetry(data, w):
    # Renaming accounts so that their order flips gives the same pairs, flipped.
    rows = _rows(data)
    flipped = [dict(r, acct=f"v{9 - int(r['acct'][1:])}") for r in rows]
    back = {f"v{9 - k}": f"u{k}" for k in range(6)}
    a = _pairs(_run(rows, w))
    b = {tuple(sorted((back[x], back[y]))): n for (x, y), n in _pairs(_run(flipped, w)).items()}
    assert a == b
    res = _run(rows, w)
    owner = {r["id"]: r["acct"] for r in rows}
    for ev in res.evidence.iter_rows(named=True):
        assert ev["account_a"] < ev["account_b"]
        assert owner[ev["post_a"]] == ev["account_a"] and owner[ev["post_b"]] == ev["account_b"]


@SETTINGS
@given(data=shares, w1=window, w2=window)
def test_monotonic_in_window(data, w1, w2):
    lo, hi = sorted((w1, w2))
    small, large = _pairs(_run(_rows(data), lo)), _pairs(_run(_rows(data), hi))
    assert all(k in large and large[k] >= n for k, n in small.items())


@SETTINGS
@given(data=shares, w=window, seed=st.integers(0, 10_000))
def test_invariant_to_row_order(data, w, seed):
    rows = _rows(data)
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    for kw in ({}, {"detect__evidence_per_edge": 1}):
        r1, r2 = _run(rows, w, **kw), _run(shuffled, w, **kw)
        assert r1.edges.equals(r2.edges)
        assert r1.evidence.equals(r2.evidence)
        assert r1.edge_stats.equals(r2.edge_stats)


@settings(max_examples=15, deadline=None)
@given(data=st.lists(share, min_size=2, max_size=40), seed=st.integers(0, 10_000))
def test_default_settings_invariant_to_row_order(data, seed):
    # Default weights and p-values are floats: they must not depend on row order either.
    rows = _rows(data)
    shuffled = rows[:]
    random.Random(seed).shuffle(shuffled)
    c = load_config(overrides={"detect.signals": ["co_reshare"], "detect.min_participation": 1})
    r1, r2 = detect(posts_frame(rows), c), detect(posts_frame(shuffled), c)
    assert r1.edges.equals(r2.edges) and r1.edge_stats.equals(r2.edge_stats)
    assert r1.edges.filter(pl.col("weight").is_nan()).height == 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_both_pair_orders_give_the_same_edges_and_evidence(seed):
    # Grouping pairs by edge only, then ordering the kept edges' pairs, must equal
    # ordering every pair up front; ties on delta and object are frequent here.
    from cib.detect.edges import aggregate
    from cib.detect.evidence import order_pairs, pick_evidence

    rng = np.random.default_rng(seed)
    n = 4000
    a = rng.integers(0, 30, n).astype(np.uint32)
    b = (a + 1 + rng.integers(0, 5, n)).astype(np.uint32)
    ta = rng.integers(0, 20, n) * 1_000_000
    pairs = pl.DataFrame(
        {
            "a": a,
            "b": b,
            "o": rng.integers(0, 12, n).astype(np.uint32),
            "pa": rng.integers(0, 500, n).astype(np.uint32),
            "pb": rng.integers(500, 1000, n).astype(np.uint32),
            "ta": ta,
            "tb": ta + rng.integers(-3, 4, n) * 1_000_000,
        }
    ).unique(maintain_order=True)
    traces = pl.concat(
        [pairs.select(pl.col(x).alias("a"), "o", pl.col(p).alias("p"), pl.col(t).alias("t")) for x, p, t in (("a", "pa", "ta"), ("b", "pb", "tb"))]
    ).unique()
    out = {}
    for full in (True, False):
        ordered = order_pairs(pairs.sample(fraction=1.0, shuffle=True, seed=seed), evidence_order=full)
        edges = aggregate(ordered, traces.lazy())
        kept = edges.filter(pl.col("n_pairs") % 3 != 0)  # some edges dropped
        out[full] = (edges, pick_evidence(ordered, kept, 4, evidence_order=full))
    assert out[True][0].equals(out[False][0])
    assert out[True][1].equals(out[False][1])
    assert out[True][1].height > 0


@settings(max_examples=120, deadline=None)
@given(
    data=shares,
    windows=st.lists(window, min_size=1, max_size=4),
    limit=st.sampled_from([0, 3, 6]),
    significance=st.booleans(),
)
def test_pair_cache_gives_the_results_of_fresh_detections(data, windows, limit, significance):
    # A sweep's detections share traces and widest-window pairs; each must equal a detection alone,
    # crowds (a small max_object_shares_per_window) included.
    from cib.detect import PairCache

    rows = _rows(data)
    posts = posts_frame(rows) if rows else posts_frame([{"acct": "x", "t": 0}]).clear()
    cache = PairCache(widest={"co_reshare": float(max(windows))})
    for w in windows:
        c = cfg(
            detect__signals=["co_reshare"],
            detect__max_object_shares_per_window=limit,
            detect__significance=significance,
            **{"detect.co_reshare.window": w},
        )
        shared = detect(posts, c, time_resolution_s=0.0, cache=cache)
        alone = detect(posts, c, time_resolution_s=0.0)
        assert shared.edges.equals(alone.edges)
        assert shared.evidence.equals(alone.evidence)
        assert shared.edge_stats.equals(alone.edge_stats)


def test_pair_cache_recomputes_when_an_object_is_a_crowd_at_the_widest_window():
    # One post reshared at 0, 10, 150 and 190 s: with at most 3 shares per window it is a crowd
    # at 200 s (4 shares in two buckets) but not at 30 s, where the first two shares pair.
    from cib.detect import PairCache

    rows = [{"id": f"p{i}", "acct": f"u{i}", "t": t, "reshare_of": "X"} for i, t in enumerate([0, 10, 150, 190])]
    cache = PairCache(widest={"co_reshare": 200.0})
    found = {}
    for w in (200, 30):
        c = cfg(detect__signals=["co_reshare"], detect__max_object_shares_per_window=3, **{"detect.co_reshare.window": w})
        found[w] = _pairs(detect(posts_frame(rows), c, time_resolution_s=0.0, cache=cache))
    assert found == {200: {}, 30: {("u0", "u1"): 1}}
    assert cache.reused == {"traces": 1, "pairs": 0}


def test_pair_cache_filters_the_widest_pairs():
    rows = [{"id": f"p{i}", "acct": f"u{i}", "t": t, "reshare_of": "X"} for i, t in enumerate([0, 10, 150])]
    from cib.detect import PairCache

    cache = PairCache(widest={"co_reshare": 200.0})
    found = {w: _pairs(detect(posts_frame(rows), cfg(detect__signals=["co_reshare"], **{"detect.co_reshare.window": w}), time_resolution_s=0.0, cache=cache)) for w in (30, 200, 140)}
    assert found == {
        30: {("u0", "u1"): 1},
        200: {("u0", "u1"): 1, ("u0", "u2"): 1, ("u1", "u2"): 1},
        140: {("u0", "u1"): 1, ("u1", "u2"): 1},
    }
    assert cache.reused == {"traces": 2, "pairs": 2}  # the first run computed at 200 s for everyone


@settings(max_examples=25, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3), st.integers(0, 200), st.integers(0, 2)), max_size=40),
    significance=st.booleans(),
)
def test_signals_on_two_threads_give_what_one_thread_gives(data, significance):
    # kind 0: a reshare of object o; 1: an original linking o; 2: an original with text o
    rows = []
    for i, (a, o, t, kind) in enumerate(data):
        row = {"id": f"p{i}", "acct": f"u{a}", "t": t}
        if kind == 0:
            row["reshare_of"] = f"o{o}"
        elif kind == 1:
            row["urls"] = [f"https://example.org/{o}"]
        else:
            row["text"] = f"the very same words pasted again, number {o}"
        rows.append(row)
    posts = posts_frame(rows) if rows else posts_frame([{"acct": "x", "t": 0}]).clear()
    runs = []
    for threads in (1, 2):
        c = cfg(detect__signals=["co_reshare", "co_link", "co_text"], detect__threads=threads, detect__significance=significance)
        res = detect(posts, c, time_resolution_s=1.0)
        for sig in res.info["signals"].values():
            sig.pop("seconds", None)
        runs.append(res)
    assert runs[0].edges.equals(runs[1].edges)
    assert runs[0].evidence.equals(runs[1].evidence)
    assert runs[0].edge_stats.equals(runs[1].edge_stats)
    assert runs[0].info == runs[1].info


@settings(max_examples=60, deadline=None)
@given(
    widths=st.lists(st.integers(1, 40), min_size=1, max_size=6),
    n=st.integers(0, 40),
    seed=st.integers(0, 10_000),
)
def test_packed_words_sort_like_the_fields(widths, n, seed):
    # the evidence order is a sort on packed words: it must be the lexicographic order of the fields
    from cib.detect.evidence import _pack

    rng = np.random.default_rng(seed)
    fields = [(rng.integers(0, 1 << w, n, dtype=np.uint64), w) for w in widths]
    words = _pack(fields)
    assert len(words) <= len(widths)
    by_words = sorted(range(n), key=lambda i: tuple(int(w[i]) for w in words))
    by_fields = sorted(range(n), key=lambda i: tuple(int(f[i]) for f, _ in fields))
    assert [tuple(int(f[i]) for f, _ in fields) for i in by_words] == [tuple(int(f[i]) for f, _ in fields) for i in by_fields]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("step_us", [1, 1_000_000, 3_000_000])
def test_unranked_deltas_give_the_same_evidence_order(seed, step_us, monkeypatch):
    # Δt in whole steps (seconds, 3 s) are divided by the step, µs times ranked; with many
    # distinct Δt they keep their own bits instead: the same order every way
    import cib.detect.evidence as E

    rng = np.random.default_rng(seed)
    n = 3000
    a = rng.integers(0, 40, n).astype(np.uint32)
    ta = rng.integers(0, 10_000_000 // step_us + 1, n) * step_us
    pairs = pl.DataFrame(
        {
            "a": a,
            "b": (a + 1 + rng.integers(0, 5, n)).astype(np.uint32),
            "o": rng.integers(0, 9, n).astype(np.uint32),
            "pa": rng.integers(0, 400, n).astype(np.uint32),
            "pb": rng.integers(400, 800, n).astype(np.uint32),
            "ta": ta,
            "tb": ta + rng.integers(-60_000_000 // step_us, 60_000_000 // step_us + 1, n) * step_us,
        }
    ).unique(maintain_order=True)
    ranked = E.order_pairs(pairs, evidence_order=True)
    monkeypatch.setattr(E, "_RANKED_DELTAS", 0)
    unranked = E.order_pairs(pairs, evidence_order=True)
    assert ranked.equals(unranked)
    expected = pairs.with_columns((pl.col("ta") - pl.col("tb")).abs().alias("delta_us")).sort(["a", "b", "delta_us", "o", "pa", "pb"])
    assert ranked.drop("edge").equals(expected)


@SETTINGS
@given(data=shares, w=window, significance=st.booleans(), weight=st.sampled_from(["tfidf", "n_pairs", "n_posts", "n_objects"]))
def test_edge_stats_off_changes_nothing_else(data, w, significance, weight):
    # The pipeline asks for no diagnostics (nor, unless it is the weight, TF-IDF); the edges and
    # evidence must not notice.
    rows = _rows(data)
    posts = posts_frame(rows) if rows else posts_frame([{"acct": "x", "t": 0}]).clear()
    c = cfg(
        detect__signals=["co_reshare"],
        detect__significance=significance,
        detect__weight=weight,
        **{"detect.co_reshare.window": w},
    )
    full = detect(posts, c, time_resolution_s=0.0)
    lean = detect(posts, c, time_resolution_s=0.0, edge_stats=False)
    assert lean.edges.equals(full.edges)
    assert lean.evidence.equals(full.evidence)
    assert lean.edge_stats.height == 0 and lean.edge_stats.schema == full.edge_stats.schema
    assert full.edge_stats.height == full.edges.height


@SETTINGS
@given(data=shares, w=window)
def test_colliding_hashes_change_no_edge(data, w):
    # Objects and accounts numbered by a hash that puts them all in two buckets (as a collision
    # would): the sorted strings number them instead, and nothing is merged.
    import cib.detect.codes as D

    rows = _rows(data)
    if not rows:
        return
    normal = _run(rows, w)
    original = D._hash64
    D._hash64 = lambda values: (values.str.len_bytes() % 2).cast(pl.UInt64)
    try:
        collided = _run(rows, w)
    finally:
        D._hash64 = original
    assert collided.edges.equals(normal.edges)
    # the evidence order breaks Δt ties by object code, and the codes differ: compare as sets
    assert collided.evidence.sort(pl.all()).equals(normal.evidence.sort(pl.all()))
