"""The work a run keeps for the next (cib.detect.memo, cib.detect.similar_memo): taken over only when it is the same."""

from __future__ import annotations

from datetime import timedelta

import polars as pl
import pytest

from cib.detect.memo import Memo, at_least, keyed, text_keys
from cib.detect.similar import similar_text_edges
from cib.normalise import text_key
from tests.test_detect_support import cfg, posts_frame
from tests.test_similar_text import LEADER, OTHER, _synthetic

DAY = timedelta(days=1).total_seconds()


class Counting:
    """A function of each value that records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, values: pl.Series) -> pl.Series:
        self.asked += values.to_list()
        return values.str.to_uppercase()


def test_each_value_is_computed_once_across_runs(tmp_path):
    first, f = Memo(None, tmp_path / "a" / "cache"), Counting()
    got = keyed(pl.Series(["x", "y", "x", None]), "up", f, {"v": 1}, first)
    assert got.to_list() == ["X", "Y", "X", None] and sorted(f.asked) == ["x", "y"]
    assert keyed(pl.Series(["y"]), "up", f, {"v": 1}, first).to_list() == ["Y"] and len(f.asked) == 2  # shared
    first.keep_used()
    second, g = Memo.between(tmp_path / "a", tmp_path / "b"), Counting()
    assert keyed(pl.Series(["z", "y"]), "up", g, {"v": 1}, second).to_list() == ["Z", "Y"]
    assert g.asked == ["z"]
    assert second.notes["up"] == {"read": True, "rows": 2, "rows_from_cache": 1, "computed": 1}
    other, h = Memo.between(tmp_path / "a", None), Counting()
    keyed(pl.Series(["y"]), "up", h, {"v": 2}, other)
    assert h.asked == ["y"] and other.notes["up"]["reason"] == "made with other v"
    second.keep_used()  # keeps the values of its own run only
    assert sorted(pl.read_parquet(tmp_path / "b" / "cache" / "up.parquet")["out"].to_list()) == ["Y", "Z"]


@pytest.mark.parametrize("min_chars", [0, 1, 5, 40])
def test_text_keys_with_a_minimum_are_text_key(min_chars):
    texts = pl.Series(["", " ", "a", "RT @x: Hello   World", "Ünïcödé straße İstanbul ΣΟΦΟΣ", "hi\n there", None])
    want = texts.to_frame("t").select(text_key(pl.col("t"), min_chars=min_chars)).to_series()
    got = text_keys(texts, None).to_frame("k").select(at_least(pl.col("k"), min_chars)).to_series()
    assert got.to_list() == want.to_list()


def _day(rows: list[dict], day: int) -> list[dict]:
    return [dict(r, id=f"d{day}-{r['id']}", t=r["t"] + day * DAY) for r in rows]


def test_a_day_of_near_duplicates_takes_the_slices_of_the_days_before(tmp_path):
    # two days of posts, then a third; "late" posted once on day 0, below the participation line,
    # and crosses it on day 2: its old post now makes edges, and the slices of day 0 are still taken
    base = _day(_synthetic(seed=4), 0) + _day(_synthetic(seed=5), 1) + [
        {"id": "a1", "acct": "alice", "t": 0, "text": LEADER[0]}, {"id": "a2", "acct": "alice", "t": 9000, "text": OTHER},
        {"id": "b1", "acct": "bob", "t": 120, "text": LEADER[1]}, {"id": "b2", "acct": "bob", "t": 9100, "text": OTHER},
        {"id": "l1", "acct": "late", "t": 300, "text": LEADER[2]},
        {"id": "d1", "acct": "dave", "t": DAY + 5000, "text": LEADER[1]}, {"id": "d2", "acct": "dave", "t": 100, "text": OTHER},
    ]  # fmt: skip
    # the new day's files also hold a post of a day before (a late export): that day's slice is computed again
    grown = base + _day(_synthetic(seed=6), 2) + [
        {"id": "l2", "acct": "late", "t": 2 * DAY + 50, "text": OTHER},
        {"id": "c1", "acct": "carol", "t": DAY + 5060, "text": LEADER[0]}, {"id": "c2", "acct": "carol", "t": 2 * DAY, "text": OTHER},
    ]  # fmt: skip
    settings = cfg(**{"detect.min_participation": 2})
    before = Memo(None, tmp_path / "a" / "cache")
    similar_text_edges(posts_frame(base), settings, memo=before)
    before.keep_used()
    memo = Memo.between(tmp_path / "a", tmp_path / "b")
    day = similar_text_edges(posts_frame(grown), settings, memo=memo)
    memo.keep_used()
    whole = similar_text_edges(posts_frame(grown), settings)
    assert day.edges.equals(whole.edges) and day.evidence.equals(whole.evidence)
    ignore = {"seconds", "seconds_total"}
    assert {k: v for k, v in day.info.items() if k not in ignore} == {k: v for k, v in whole.info.items() if k not in ignore}
    pairs = set(day.edges.select("account_a", "account_b").iter_rows())
    assert {("alice", "bob"), ("alice", "late"), ("bob", "late"), ("carol", "dave")} <= pairs
    told = memo.notes["co_similar_text"]
    assert told["slices"] >= 4 and 1 <= told["slices_reused"] < told["slices"]
    assert memo.notes["text_keys"]["rows_from_cache"] > 0
    # other similar.* settings: nothing of the slices is taken, the text keys still are
    other = Memo.between(tmp_path / "b", None)
    changed = cfg(**{"detect.min_participation": 2, "similar.bands": 30, "similar.rows": 4})
    got = similar_text_edges(posts_frame(grown), changed, memo=other)
    assert got.edges.equals(similar_text_edges(posts_frame(grown), changed).edges)
    assert other.notes["co_similar_text"]["slices_reused"] == 0
    assert other.notes["similar_slices"]["reason"] == "made with other bands, rows"
    assert other.notes["text_keys"]["rows_from_cache"] > 0
