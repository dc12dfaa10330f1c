"""A signal run in shards (pairs spilled to disk) gives exactly what it gives in memory."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cib.config import load_config
from cib.detect import detect
from cib.ingest import ingest
from tests.conftest import synth_collection
from tests.test_detect_support import cfg, posts_frame

SETTINGS = settings(max_examples=40, deadline=None)

share = st.tuples(
    st.integers(0, 7),  # account
    st.integers(0, 5),  # object
    st.integers(0, 600) | st.sampled_from([0, 60, 120]),  # seconds
)

#: what a signal tells of its run, beyond the shards it used
_COUNTS = ("pairs", "edges_found", "edges_dropped_min_weight", "edges_dropped_fdr", "edges_kept", "evidence_kept")


def _both(posts, **settings_):
    """Detection in memory and with a budget of one pair (every signal with pairs runs in shards)."""
    whole = detect(posts, cfg(**settings_, **{"detect.max_pairs_in_memory": 0}), time_resolution_s=0.0, edge_stats=False)
    split = detect(posts, cfg(**settings_, **{"detect.max_pairs_in_memory": 1}), time_resolution_s=0.0, edge_stats=False)
    return whole, split


def _same(whole, split) -> None:
    assert split.edges.equals(whole.edges)
    assert split.evidence.equals(whole.evidence)
    for sig, info in whole.info["signals"].items():
        other = split.info["signals"][sig]
        assert {k: other.get(k) for k in _COUNTS} == {k: info.get(k) for k in _COUNTS}, sig
        assert other.get("null_model") == info.get("null_model"), sig


@SETTINGS
@given(
    data=st.lists(share, min_size=0, max_size=40),
    w=st.sampled_from([1, 30, 60, 200]),
    significance=st.booleans(),
    scaled=st.booleans(),
    weight=st.sampled_from(["tfidf", "n_pairs", "n_objects"]),
    min_weight=st.sampled_from([0.0, 0.3, 2.0]),
)
def test_sharded_signal_equals_the_signal_in_memory(data, w, significance, scaled, weight, min_weight):
    rows = [{"id": f"p{i}", "acct": f"u{a}", "t": t, "reshare_of": f"o{o}"} for i, (a, o, t) in enumerate(data)]
    posts = posts_frame(rows) if rows else posts_frame([{"acct": "x", "t": 0}]).clear()
    whole, split = _both(
        posts,
        detect__signals=["co_reshare"],
        detect__significance=significance,
        detect__weight=weight,
        detect__min_weight=min_weight,
        **{"detect.co_reshare.window": w, "detect.null.scaled": scaled},
    )
    _same(whole, split)
    if whole.info["signals"].get("co_reshare", {}).get("pairs", 0) > 1:
        assert split.info["signals"]["co_reshare"]["pair_shards"] >= 2


def test_posts_with_several_objects_count_their_posts_once_per_edge():
    # p0 and p1 carry the same two hashtags a minute apart: one edge on two objects, whose
    # objects may fall in different slices; its evidence and counts must not depend on it
    rows = [
        {"id": "p0", "acct": "a", "t": 0, "hashtags": ["x", "y"]},
        {"id": "p1", "acct": "b", "t": 30, "hashtags": ["x", "y"]},
        {"id": "p2", "acct": "c", "t": 40, "hashtags": ["y"]},
        {"id": "p3", "acct": "a", "t": 500, "hashtags": ["z"]},
        {"id": "p4", "acct": "b", "t": 520, "hashtags": ["z"]},
    ]
    whole, split = _both(posts_frame(rows), detect__signals=["co_hashtag"], detect__significance=False)
    _same(whole, split)
    ab = whole.edges.filter((whole.edges["account_a"] == "a") & (whole.edges["account_b"] == "b"))
    assert ab.select("n_objects", "n_pairs").row(0) == (3, 3)
    assert split.info["signals"]["co_hashtag"]["pair_shards"] >= 2


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    return synth_collection(tmp_path_factory, "shards", 6000, 13)


def test_a_synthetic_collection_in_shards_gives_the_same_edges_and_evidence(collection):
    posts = ingest(collection, load_config()).posts
    base = {"detect.signals": ["co_reshare", "co_link", "co_hashtag", "co_reply"]}
    whole = detect(posts, load_config(overrides={**base, "detect.max_pairs_in_memory": 0}), edge_stats=False)
    split = detect(posts, load_config(overrides={**base, "detect.max_pairs_in_memory": 500}), edge_stats=False)
    assert whole.edges.height > 100
    _same(whole, split)
    shards = {s: i.get("pair_shards", 1) for s, i in split.info["signals"].items()}
    assert max(shards.values()) >= 3, shards
