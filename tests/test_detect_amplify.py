"""The amplification detector (``amplify``) on hand-made posts whose answer can be read off them."""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cib.detect.amplify import amplify_detect, amplify_events, pair_tests
from tests.test_detect_support import cfg, posts_frame

H, DAY = 3600, 86400


def _ring_and_fans() -> list[dict]:
    """Two accounts amplifying each other on three days, a star reshared by forty fans, and noise.

    ``a`` reshares ``b``'s posts b1 and b2 (days 0 and 1, 10 and 20 minutes
    later) and ``b`` reshares ``a``'s a1 (day 2, 5 minutes later); ``a``
    reshares b3 a day after it (outside the 6 h window) and its own a2 (not
    amplification). Forty fans reshare each of the star's three posts.
    """
    rows = [
        {"id": "b1", "acct": "b", "t": 0},
        {"id": "r1", "acct": "a", "t": 600, "reshare_of": "b1"},
        {"id": "b2", "acct": "b", "t": DAY},
        {"id": "r2", "acct": "a", "t": DAY + 1200, "reshare_of": "b2"},
        {"id": "a1", "acct": "a", "t": 2 * DAY},
        {"id": "r3", "acct": "b", "t": 2 * DAY + 300, "reshare_of": "a1"},
        {"id": "b3", "acct": "b", "t": 3 * DAY},
        {"id": "late", "acct": "a", "t": 4 * DAY, "reshare_of": "b3"},
        {"id": "a2", "acct": "a", "t": 5 * DAY},
        {"id": "self", "acct": "a", "t": 5 * DAY + 60, "reshare_of": "a2"},
    ]
    for k in range(3):
        rows.append({"id": f"s{k}", "acct": "star", "t": k * DAY + 2 * H})
        rows += [
            {"id": f"f{i}_{k}", "acct": f"fan{i:02d}", "t": k * DAY + 2 * H + 60 + i, "reshare_of": f"s{k}"}
            for i in range(40)
        ]
    return rows


def test_events_keep_other_accounts_posts_within_the_window() -> None:
    ev = amplify_events(posts_frame(_ring_and_fans()).lazy(), 6 * H, quotes=False).collect()
    mine = ev.filter(pl.col("a").is_in(["a", "b"])).sort("p")
    assert mine.select("a", "b", "o", "p", "delta_s").rows() == [
        ("a", "b", "b1", "r1", 600.0),
        ("a", "b", "b2", "r2", 1200.0),
        ("b", "a", "a1", "r3", 300.0),
    ]
    assert ev.height == 3 + 120


def test_pair_counts_directions_days_and_family() -> None:
    pairs, tests = pair_tests(amplify_events(posts_frame(_ring_and_fans()).lazy(), 6 * H, quotes=False))
    ab = pairs.filter((pl.col("u") == "a") & (pl.col("v") == "b")).row(0, named=True)
    assert (ab["x_uv"], ab["x_vu"], ab["x"], ab["days"]) == (2, 1, 3, 3)
    # 42 resharers (a, b, forty fans) x 3 authors (a, b, star), less a and b paired with themselves
    assert tests == 42 * 3 - 2
    assert pairs.height == 1 + 40


def test_only_the_reciprocal_pair_is_an_edge() -> None:
    res = amplify_detect(posts_frame(_ring_and_fans()), cfg(detect__significance=True), time_resolution_s=1.0)
    assert res.edges.select("account_a", "account_b", "n_objects", "n_pairs", "min_delta_s").rows() == [
        ("a", "b", 3, 3, 300.0)
    ]
    assert res.info["edges_found"] == 41
    # the fans reshare the star three times each, on three days, as popularity predicts
    assert res.info["edges_dropped_fdr"] == 40
    # evidence: the post of account_a ("a") first, the original as the object, fastest first
    assert res.evidence.select("object_id", "post_a", "post_b", "delta_s").rows() == [
        ("a1", "a1", "r3", 300.0),
        ("b1", "r1", "b1", 600.0),
        ("b2", "r2", "b2", 1200.0),
    ]


def test_min_days_drops_one_busy_day() -> None:
    rows = [
        {"id": "b1", "acct": "b", "t": 0},
        {"id": "b2", "acct": "b", "t": 60},
        {"id": "r1", "acct": "a", "t": 600, "reshare_of": "b1"},
        {"id": "r2", "acct": "a", "t": 700, "reshare_of": "b2"},
    ]
    posts = posts_frame(rows)
    assert amplify_detect(posts, cfg(amplify__min_days=1)).edges.height == 1
    assert amplify_detect(posts, cfg(amplify__min_days=2)).edges.height == 0


def test_quotes_count_only_when_asked() -> None:
    rows = [
        {"id": "b1", "acct": "b", "t": 0},
        {"id": "b2", "acct": "b", "t": DAY},
        {"id": "q1", "acct": "a", "t": 600, "quote_of": "b1"},
        {"id": "q2", "acct": "a", "t": DAY + 600, "quote_of": "b2"},
    ]
    posts = posts_frame(rows)
    assert amplify_detect(posts, cfg()).info["events"] == 0
    assert amplify_detect(posts, cfg(amplify__quotes=True)).edges.height == 1


@settings(max_examples=25, deadline=None)
@given(st.randoms(use_true_random=False))
def test_row_order_does_not_matter(rnd) -> None:
    rows = _ring_and_fans()
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    c = cfg(detect__significance=True)
    one, two = amplify_detect(posts_frame(rows), c), amplify_detect(posts_frame(shuffled), c)
    assert one.edges.equals(two.edges)
    assert one.evidence.equals(two.evidence)
