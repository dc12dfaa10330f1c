"""Window semantics pinned on hand-made fixtures whose right answer is obvious from reading them."""

from __future__ import annotations

import json

import polars as pl
import pytest

from cib.detect import detect
from cib.schema import EDGES, EVIDENCE
from tests.test_detect_support import cfg, posts_frame


def _edges(rows, **kw):
    res = detect(posts_frame(rows), cfg(detect__signals=["co_reshare"], **kw))
    return res, {(a, b): n for a, b, n in res.edges.select("account_a", "account_b", "n_pairs").iter_rows()}


def test_pair_exactly_at_the_window_is_in():
    # 60 s apart with a 60 s window: inclusive, as CooRTweet and CNT both count it.
    _, e = _edges([{"acct": "a", "t": 0, "reshare_of": "X"}, {"acct": "b", "t": 60, "reshare_of": "X"}])
    assert e == {("a", "b"): 1}


def test_pair_just_past_the_window_is_out():
    _, e = _edges([{"acct": "a", "t": 0, "reshare_of": "X"}, {"acct": "b", "t": 60.001, "reshare_of": "X"}])
    assert e == {}


def test_window_is_sliding_not_binned():
    # 2 s apart across a bucket boundary (t = 59 and 61 with 60 s buckets): found.
    _, e = _edges([{"acct": "a", "t": 59, "reshare_of": "X"}, {"acct": "b", "t": 61, "reshare_of": "X"}])
    assert e == {("a", "b"): 1}


def test_self_pairs_make_no_edge():
    rows = [{"acct": "a", "t": 0, "reshare_of": "X"}, {"acct": "a", "t": 5, "reshare_of": "X"}]
    res, e = _edges(rows)
    assert e == {}
    # the null model counts them: they are pairs of share slots like any other
    res, e = _edges(rows, detect__significance=True)
    assert e == {}
    assert res.info["signals"]["co_reshare"]["same_account_pairs"] == 1


def test_one_account_sharing_twice_gives_two_pairs_one_object():
    rows = [
        {"acct": "a", "t": 0, "reshare_of": "X"},
        {"acct": "a", "t": 10, "reshare_of": "X"},
        {"acct": "b", "t": 5, "reshare_of": "X"},
    ]
    res, e = _edges(rows)
    assert e == {("a", "b"): 2}
    row = res.edges.row(0, named=True)
    assert row["n_objects"] == 1 and row["min_delta_s"] == 5.0
    stats = res.edge_stats.row(0, named=True)
    # a has two posts matched by b, b one matched by a: symmetry 1/2
    assert (stats["n_posts_a"], stats["n_posts_b"], stats["edge_symmetry"]) == (2, 1, 0.5)


def test_ties_at_the_same_second():
    rows = [{"acct": x, "t": 30, "reshare_of": "X"} for x in ("c", "a", "b")]
    res, e = _edges(rows)
    assert e == {("a", "b"): 1, ("a", "c"): 1, ("b", "c"): 1}
    assert res.edges["min_delta_s"].to_list() == [0.0, 0.0, 0.0]


def test_accounts_are_ordered_and_evidence_points_at_their_posts():
    rows = [
        {"id": "p_late", "acct": "zed", "t": 0, "reshare_of": "X"},
        {"id": "p_early", "acct": "amy", "t": 7, "reshare_of": "X"},
    ]
    res, e = _edges(rows)
    assert e == {("amy", "zed"): 1}
    ev = res.evidence.row(0, named=True)
    assert (ev["account_a"], ev["post_a"], ev["account_b"], ev["post_b"], ev["delta_s"]) == (
        "amy",
        "p_early",
        "zed",
        "p_late",
        7.0,
    )
    assert ev["object_id"] == "X"


def test_different_objects_never_pair():
    _, e = _edges([{"acct": "a", "t": 0, "reshare_of": "X"}, {"acct": "b", "t": 1, "reshare_of": "Y"}])
    assert e == {}


def test_per_signal_windows():
    rows = [
        {"acct": "a", "t": 0, "reshare_of": "X"},
        {"acct": "b", "t": 30, "reshare_of": "X"},
        {"acct": "a", "t": 100, "hashtags": ["Vote"]},
        {"acct": "b", "t": 130, "hashtags": ["#vote"]},
    ]
    res = detect(
        posts_frame(rows),
        cfg(detect__signals=["co_reshare", "co_hashtag"], **{"detect.co_reshare.window": 60, "detect.co_hashtag.window": 10}),
    )
    assert res.edges["signal"].to_list() == ["co_reshare"]
    assert res.info["windows_s"] == {"co_reshare": 60.0, "co_hashtag": 10.0}


def test_window_finer_than_resolution_is_widened_and_reported():
    rows = [{"acct": "a", "t": 0, "reshare_of": "X"}, {"acct": "b", "t": 60, "reshare_of": "X"}]
    res = detect(posts_frame(rows), cfg(detect__signals=["co_reshare"], **{"detect.co_reshare.window": 10}), time_resolution_s=60)
    sig = res.info["signals"]["co_reshare"]
    assert sig["window_s"] == 60.0 and sig["widened_from_s"] == 10.0
    assert any("widened" in w for w in res.info["warnings"])
    assert res.edges.height == 1


def test_min_participation_drops_accounts_first():
    rows = [
        {"acct": "a", "t": 0, "reshare_of": "X"},
        {"acct": "b", "t": 1, "reshare_of": "X"},
        {"acct": "a", "t": 500, "reshare_of": "Y"},
        {"acct": "c", "t": 501, "reshare_of": "Y"},
        {"acct": "c", "t": 900, "reshare_of": "Z"},
    ]
    res, e = _edges(rows, detect__min_participation=2)
    assert e == {("a", "c"): 1}  # b shared once: dropped before pairing
    assert res.info["signals"]["co_reshare"]["accounts_dropped_min_participation"] == 1


def test_evidence_is_capped_and_counted():
    rows = [{"acct": "a", "t": 10 * i, "reshare_of": f"X{i}"} for i in range(5)]
    rows += [{"acct": "b", "t": 10 * i + i, "reshare_of": f"X{i}"} for i in range(5)]
    res, e = _edges(rows, detect__evidence_per_edge=2)
    assert e == {("a", "b"): 5}
    assert res.evidence["delta_s"].to_list() == [0.0, 1.0]  # fastest first
    assert res.info["evidence_kept"] == 2 and res.info["evidence_pairs_total"] == 5


def test_crowd_objects_are_skipped_and_reported():
    rows = [{"acct": f"u{i}", "t": i * 0.1, "reshare_of": "VIRAL"} for i in range(30)]
    rows += [{"acct": "u1", "t": 1000, "reshare_of": "Q"}, {"acct": "u2", "t": 1001, "reshare_of": "Q"}]
    res, e = _edges(rows, detect__max_object_shares_per_window=20)
    assert e == {("u1", "u2"): 1}
    crowds = res.info["signals"]["co_reshare"]["crowds"]
    assert crowds["objects"] == 1 and crowds["shares"] == 30 and crowds["pairs_upper_bound"] == 435
    assert crowds["examples"] == [{"object_id": "VIRAL", "densest_window_shares": 30}]


def test_crowd_objects_can_be_sampled_deterministically():
    rows = [{"id": f"s{i}", "acct": f"u{i:02d}", "t": i * 0.1, "reshare_of": "VIRAL"} for i in range(60)]
    kw = {"detect__max_object_shares_per_window": 20, "detect__crowd_policy": "sample"}
    res1, e1 = _edges(rows, **kw)
    res2, e2 = _edges(list(reversed(rows)), **kw)
    assert e1 == e2
    kept = {a for pair in e1 for a in pair}
    assert 5 <= len(kept) < 60


def test_auto_window_follows_coornet():
    # Objects reach half their shares after 4, 6, 8, … 40 s; q = 0.1 keeps the
    # two fastest (4 and 6 s): window = their median, 5 s.
    rows = []
    for k in range(19):
        lag = 4 + 2 * k
        rows += [{"acct": f"x{k}", "t": 1000 * k, "reshare_of": f"O{k}"}, {"acct": f"y{k}", "t": 1000 * k + lag, "reshare_of": f"O{k}"}]
    res = detect(posts_frame(rows), cfg(detect__signals=["co_reshare"], **{"detect.co_reshare.window": "auto"}))
    info = res.info["signals"]["co_reshare"]
    assert info["window_setting"] == "auto" and info["auto_window"]["objects"] == 19
    assert info["window_s"] == pytest.approx(5.0)
    assert res.edges.height == 1  # only the 4 s pair fits


def test_output_tables_and_info_contract():
    rows = [{"acct": "a", "t": 0, "reshare_of": "X", "text": "the incumbent is the best leader right now"}]
    rows += [{"acct": "b", "t": 3, "text": "The incumbent is the best leader right now https://t.co/x"}]
    rows += [{"acct": "c", "t": 4, "text": "the incumbent is the best leader right now @friend"}]
    res = detect(posts_frame(rows), cfg())
    assert res.edges.schema == pl.Schema(EDGES)
    assert res.evidence.schema == pl.Schema(EVIDENCE)
    assert res.edges.select("signal", "account_a", "account_b").rows() == [("co_text", "b", "c")]
    assert res.edges["p_value"].null_count() == 1  # significance off: not computed
    json.dumps(res.info)


def test_unknown_signal_is_a_config_error():
    from cib.errors import ConfigError

    with pytest.raises(ConfigError):
        detect(posts_frame([{"acct": "a", "t": 0}]), cfg(detect__signals=["co_nonsense"]))


def test_empty_input():
    res = detect(posts_frame([{"acct": "a", "t": 0}]).clear(), cfg())
    assert res.edges.height == 0 and res.evidence.height == 0


def test_min_days_keeps_an_edge_only_when_its_pairs_fall_on_that_many_days():
    # a and b reply to three posts within one afternoon (T0 is noon UTC), then to one more the next day
    rows = [{"acct": acct, "t": 3600 * k + 60 * (acct == "b"), "reply_to": f"X{k}"} for k in range(3) for acct in "ab"]
    late = [{"acct": acct, "t": 86400 + 60 * (acct == "b"), "reply_to": "Y"} for acct in "ab"]

    def found(rows, min_days):
        res = detect(posts_frame(rows), cfg(detect__signals=["co_reply"], detect__co_reply__min_days=min_days))
        return res.edges.select("account_a", "account_b", "n_objects").rows(), res.info["signals"]["co_reply"]

    assert found(rows, 1)[0] == [("a", "b", 3)]
    edges, info = found(rows, 2)
    assert edges == [] and info["edges_dropped_min_days"] == 1 and info["edges_found"] == 1
    assert found(rows + late, 2)[0] == [("a", "b", 4)]
    assert found(rows + late, 3)[0] == []
    from cib.report.filters import null_result

    res = detect(posts_frame(rows), cfg(detect__signals=["co_reply"], detect__co_reply__min_days=2))
    said = null_result(res.info, source="x.csv", clusters=0, few_edges=5)
    assert "1 removed as co-occurring on fewer distinct days than detect.<signal>.min_days" in said["lines"]
    assert said["tries"][0]["command"] == "cib analyse x.csv --set detect.co_reply.min_days=1"
