"""co_similar_text: near-duplicate texts by two accounts within the window (cib.detect.similar)."""

from __future__ import annotations

import json
import re
from itertools import combinations

import numpy as np
import polars as pl
import pytest

from cib.detect.similar import SIGNAL, candidate_probability, shingle_sets, similar_text_edges
from cib.normalise import text_key
from cib.schema import EDGES, EVIDENCE
from tests.test_detect_support import cfg, posts_frame

# Three paraphrases of one template: every two have Jaccard ≥ 0.5 on word pairs.
LEADER = [
    "The incumbent is the best leader right now, vote for him!",
    "the incumbent is the best leader right now. Vote for him today",
    "The incumbent is clearly the best leader right now — vote for him",
]
OTHER = "I had a lovely breakfast with my family this morning by the sea"


def run(rows, **values):
    return similar_text_edges(posts_frame(rows), cfg(**values))


def pairs_of(res) -> set[tuple[str, str]]:
    return set(res.edges.select("account_a", "account_b").iter_rows())


def shingles(text: str, k: int = 2) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text)
    if len(words) < k:
        return {tuple(words)} if words else set()
    return {tuple(words[i : i + k]) for i in range(len(words) - k + 1)}


def jaccard(a: str, b: str, k: int = 2) -> float:
    sa, sb = shingles(a, k), shingles(b, k)
    return len(sa & sb) / len(sa | sb) if sa | sb else 0.0


def keys_of(texts: list[str], min_chars: int = 40) -> list[str | None]:
    return (
        pl.Series("t", texts)
        .to_frame()
        .select(text_key(pl.col("t"), min_chars=min_chars))
        .to_series()
        .to_list()
    )


def brute_force(rows, window: float, threshold: float, min_chars: int = 40) -> set[tuple[str, str]]:
    """Every post pair (post ids, sorted) of two accounts with Jaccard ≥ threshold and |Δt| ≤ window."""
    keys = keys_of([r["text"] for r in rows], min_chars)
    out = set()
    for (i, ri), (j, rj) in combinations(enumerate(rows), 2):
        if ri["acct"] == rj["acct"] or keys[i] is None or keys[j] is None or abs(ri["t"] - rj["t"]) > window:
            continue
        if jaccard(keys[i], keys[j]) >= threshold:
            out.add(tuple(sorted((ri["id"], rj["id"]))))
    return out


def test_fixture_texts_are_what_the_tests_say():
    keys = keys_of(LEADER)
    for a, b in combinations(keys, 2):
        assert jaccard(a, b) >= 0.5
    assert all(jaccard(k, keys_of([OTHER])[0]) < 0.1 for k in keys)


def test_paraphrases_within_minutes_link_three_accounts_and_nobody_else():
    rows = [
        {"id": "p1", "acct": "alice", "t": 0, "text": LEADER[0]},
        {"id": "p2", "acct": "bob", "t": 120, "text": LEADER[1]},
        {"id": "p3", "acct": "carol", "t": 300, "text": LEADER[2]},
        {"id": "p4", "acct": "dave", "t": 200, "text": OTHER},
    ]
    res = run(rows)
    assert pairs_of(res) == {("alice", "bob"), ("alice", "carol"), ("bob", "carol")}
    assert dict(res.edges.schema) == EDGES and dict(res.evidence.schema) == EVIDENCE
    assert res.edges["signal"].unique().to_list() == [SIGNAL]
    assert res.edges["n_pairs"].to_list() == [1, 1, 1]
    assert res.edges["n_objects"].to_list() == [1, 1, 1]
    assert res.edges["min_delta_s"].to_list() == [120.0, 300.0, 180.0]
    assert res.edges["p_value"].is_null().all()  # detect.significance off in these settings
    ev = res.evidence.sort("account_a", "account_b")
    assert ev.select("post_a", "post_b").rows() == [("p1", "p2"), ("p1", "p3"), ("p2", "p3")]
    assert ev["object_id"].unique().to_list() == ["sim:p1"]  # one group, named by its smallest post
    assert ev["delta_s"].to_list() == [120.0, 300.0, 180.0]


def test_window_is_inclusive_and_later_posts_do_not_pair():
    rows = [
        {"id": "p1", "acct": "alice", "t": 0, "text": LEADER[0]},
        {"id": "p2", "acct": "bob", "t": 3600, "text": LEADER[1]},  # exactly at the window
        {"id": "p3", "acct": "carol", "t": 3601 + 3600, "text": LEADER[2]},  # 1 s past bob's window
    ]
    assert pairs_of(run(rows)) == {("alice", "bob")}
    assert pairs_of(run(rows, similar__window=60.0)) == set()
    assert pairs_of(run(rows, similar__window=7201.0)) == {
        ("alice", "bob"),
        ("alice", "carol"),
        ("bob", "carol"),
    }


def test_one_account_posting_two_paraphrases_makes_no_self_edge():
    rows = [
        {"id": "p1", "acct": "alice", "t": 0, "text": LEADER[0]},
        {"id": "p2", "acct": "alice", "t": 60, "text": LEADER[1]},
        {"id": "p3", "acct": "alice", "t": 90, "text": LEADER[0]},
    ]
    res = run(rows)
    assert res.edges.height == 0 and res.evidence.height == 0
    assert res.info["same_account_pairs"] == 3


def test_exact_copies_count_as_well():
    rows = [
        {"id": "p1", "acct": "alice", "t": 0, "text": LEADER[0]},
        {"id": "p2", "acct": "bob", "t": 10, "text": LEADER[0].upper() + " https://t.co/xyz"},
    ]
    res = run(rows)
    assert pairs_of(res) == {("alice", "bob")}
    assert res.info["verified_pairs"] == 0  # one text key: paired as itself, no candidate needed


def test_russian_and_kazakh_paraphrases():
    ru = [
        "Действующий президент — лучший лидер страны прямо сейчас, голосуйте за него!",
        "действующий президент лучший лидер страны прямо сейчас. Голосуйте за него все",
    ]
    kk = [
        "Қазіргі президент — қазір елдің ең жақсы көшбасшысы, оған дауыс беріңіздер!",
        "Қазіргі президент қазір елдің ең жақсы көшбасшысы. Оған дауыс беріңіздер бәріңіз",
    ]
    for a, b in (ru, kk):
        assert jaccard(*keys_of([a, b])) >= 0.5
    rows = [
        {"id": "r1", "acct": "ivan", "t": 0, "text": ru[0]},
        {"id": "r2", "acct": "olga", "t": 600, "text": ru[1]},
        {"id": "k1", "acct": "aigerim", "t": 100, "text": kk[0]},
        {"id": "k2", "acct": "nurlan", "t": 900, "text": kk[1]},
        # Latin look-alike letters in a Cyrillic text are folded away.
        {"id": "r3", "acct": "petr", "t": 1200, "text": ru[0].replace("о", "o").replace("а", "a")},
    ]
    res = run(rows)
    assert pairs_of(res) == {("aigerim", "nurlan"), ("ivan", "olga"), ("ivan", "petr"), ("olga", "petr")}


def test_texts_below_min_chars_are_ignored():
    short = "Vote for the best leader now!"  # 29 characters
    rows = [
        {"id": "p1", "acct": "alice", "t": 0, "text": short},
        {"id": "p2", "acct": "bob", "t": 5, "text": short},
    ]
    res = run(rows)
    assert pairs_of(res) == set() and res.info["posts_considered"] == 0
    res = run(rows, similar__min_chars=20)
    assert pairs_of(res) == {("alice", "bob")}


def test_dissimilar_texts_sharing_words_are_rejected_by_exact_jaccard():
    a = "the incumbent is the best leader right now and the economy is growing fast"
    b = "the opposition says the economy is shrinking and the leader right now is weak"
    assert 0.1 < jaccard(a, b) < 0.5
    rows = [{"id": "p1", "acct": "alice", "t": 0, "text": a}, {"id": "p2", "acct": "bob", "t": 5, "text": b}]
    assert pairs_of(run(rows)) == set()
    assert pairs_of(run(rows, similar__threshold=0.1)) == {("alice", "bob")}


def test_giant_buckets_are_skipped_and_reported():
    rows = [
        {"id": f"p{i}", "acct": f"u{i}", "t": i, "text": LEADER[0] + f" friend number {i} of {i}"}
        for i in range(6)
    ]
    assert len(pairs_of(run(rows))) == 15
    res = run(rows, similar__max_bucket=3)
    assert res.info["skipped_buckets"]["buckets"] > 0
    assert res.info["skipped_buckets"]["pairs_upper_bound"] > 0
    assert any("LSH bucket" in w for w in res.info["warnings"])


def test_window_finer_than_resolution_is_widened():
    rows = [
        {"id": "p1", "acct": "alice", "t": 0, "text": LEADER[0]},
        {"id": "p2", "acct": "bob", "t": 60, "text": LEADER[1]},
    ]
    res = similar_text_edges(posts_frame(rows), cfg(similar__window=30.0), time_resolution_s=60.0)
    assert res.info["window_s"] == 60.0 and res.info["widened_from_s"] == 30.0
    assert pairs_of(res) == {("alice", "bob")}


def test_reshares_are_not_texts():
    rows = [
        {"id": "p1", "acct": "alice", "t": 0, "text": LEADER[0]},
        {"id": "p2", "acct": "bob", "t": 5, "text": LEADER[0], "reshare_of": "p1"},
    ]
    assert pairs_of(run(rows)) == set()


def test_shingle_sets():
    keys = pl.Series(["a b c", "a, b!", "solo", "", "x y x y"])
    text, s, size = shingle_sets(keys, 2, 42)
    assert size.tolist() == [2, 1, 1, 0, 2]  # "x y x y" has the set {x y, y x}
    assert np.all(np.diff(text) >= 0)
    # "a b" is the same shingle in the first two texts
    first = set(s[text == 0].tolist())
    assert first & set(s[text == 1].tolist())
    assert candidate_probability(0.5, 40, 3) == pytest.approx(1 - (1 - 0.125) ** 40)


def _synthetic(seed: int = 3):
    """Templates pasted with one or two words changed by a few accounts, among organic posts."""
    rng = np.random.default_rng(seed)
    vocab = [
        f"{a}{b}" for a in ("ка", "ло", "ри", "та", "ме", "su", "ne", "po", "li", "ву") for b in range(40)
    ]
    rows = []

    def sentence(n):
        return [vocab[i] for i in rng.integers(0, len(vocab), n)]

    for g in range(25):
        template = sentence(int(rng.integers(10, 18)))
        start = float(rng.uniform(0, 86_400))
        for m in range(int(rng.integers(3, 7))):
            words = list(template)
            for _ in range(int(rng.integers(0, 3))):
                words[int(rng.integers(len(words)))] = vocab[int(rng.integers(len(vocab)))]
            rows.append(
                {"acct": f"net{g % 5}_{m}", "t": start + float(rng.uniform(0, 1800)), "text": " ".join(words)}
            )
    for i in range(250):
        rows.append(
            {
                "acct": f"org{i % 60}",
                "t": float(rng.uniform(0, 86_400)),
                "text": " ".join(sentence(int(rng.integers(8, 20)))),
            }
        )
    order = rng.permutation(len(rows))
    return [dict(rows[i], id=f"s{n:04d}") for n, i in enumerate(order)]


def test_recall_against_brute_force():
    rows = _synthetic()
    truth = brute_force(rows, 3600.0, 0.5)
    assert len(truth) > 100
    res = run(rows)
    found = {tuple(sorted(r)) for r in res.evidence.select("post_a", "post_b").iter_rows()}
    assert found <= truth  # every pair is verified: no false positives
    assert len(found & truth) / len(truth) >= 0.95
    assert int(res.edges["n_pairs"].sum()) == len(found)  # evidence_per_edge is large in these settings
    assert res.info["candidate_pairs"] >= res.info["verified_pairs"] > 0


def test_deterministic_and_independent_of_row_order():
    rows = _synthetic(seed=5)
    a = run(rows)
    b = run(rows)
    c = run(list(reversed(rows)))
    for other in (b, c):
        assert a.edges.equals(other.edges)
        assert a.evidence.equals(other.evidence)
    d = run(rows, run__seed=7)  # another hash family: same verified answer here
    assert pairs_of(d) == pairs_of(a)


@pytest.mark.parametrize("per_slice", [1, 7, 40])
def test_slices_of_time_give_the_same_answer(monkeypatch, per_slice):
    # Candidates found and verified slice by slice (a day of hour buckets, cut into slices of a
    # few units, down to one bucket a slice) give every table the whole day at once gives.
    import cib.detect.minhash as minhash

    rows = _synthetic(seed=3)
    # one template posted by six accounts in each of three hours: buckets above the limit of 4
    rows += [
        {"id": f"g{h}{i}", "acct": f"u{i}", "t": h * 3600 + i, "text": LEADER[0] + f" friend number {i} of {i}"}
        for h in (2, 3, 9)
        for i in range(6)
    ]
    whole = run(rows, similar__max_bucket=4)
    assert whole.info["slices"] == 2 and whole.edges.height > 0  # 24 hours from noon: a slice a day
    assert whole.info["skipped_buckets"]["buckets"] > 0  # giant buckets are counted once however cut
    monkeypatch.setattr(minhash, "_UNITS_PER_SLICE", per_slice)
    cut = run(rows, similar__max_bucket=4)
    assert cut.info["slices"] > 1
    assert cut.edges.equals(whole.edges) and cut.evidence.equals(whole.evidence)
    for key in ("verified_pairs", "verified_jaccard", "skipped_buckets", "pairs"):
        assert cut.info[key] == whole.info[key], key
    assert cut.info["candidate_pairs"] >= whole.info["candidate_pairs"]  # a pair may be seen by two slices


@pytest.mark.parametrize("budget", [1, 30])
def test_texts_signed_a_batch_of_slices_at_a_time_give_the_same_answer(monkeypatch, budget):
    # Shingles and signatures made for a few slices at a time (down to one slice a batch, a text
    # posted in several slices signed once in each) give the tables of every text signed at once.
    import cib.detect.minhash as minhash
    import cib.detect.similar_memo as similar_memo

    rows = _synthetic(seed=4)
    rows += [{"id": f"d{d}", "acct": f"day{d}", "t": d * 86_400 + 60.0 * d, "text": LEADER[0]} for d in range(4)]
    monkeypatch.setattr(minhash, "_UNITS_PER_SLICE", 5)
    whole = run(rows)
    monkeypatch.setattr(similar_memo, "_TEXTS_PER_BATCH", budget)
    cut = run(rows)
    assert cut.info["slices"] > 4
    assert cut.edges.equals(whole.edges) and cut.evidence.equals(whole.evidence)
    for key in ("verified_pairs", "verified_jaccard", "candidate_pairs", "shingles", "texts"):
        assert cut.info[key] == whole.info[key], key


def test_default_settings_give_p_values_and_serialisable_info():
    rows = _synthetic(seed=9)
    res = similar_text_edges(
        posts_frame(rows), cfg(**{"detect.significance": True, "detect.min_participation": 2})
    )
    assert res.edges.height > 0
    assert res.edges["p_value"].is_not_null().all()
    assert res.edge_stats is not None and res.edge_stats.height == res.edges.height
    json.dumps(res.info)
    assert set(res.info["seconds"]) >= {"minhash", "candidates_and_verify", "pairs", "edges"}
    assert res.info["slices"] >= 1 and res.info["verified_pairs"] <= res.info["candidates_after_size_filter"]


def test_empty_inputs():
    res = run([{"id": "p1", "acct": "alice", "t": 0, "text": "hi"}])
    assert res.edges.height == 0 and dict(res.edges.schema) == EDGES


def test_crowded_buckets_are_paired_in_bounded_neighbourhoods():
    # Forty accounts post variants of one sentence within the hour: every LSH bucket of the
    # family is crowded. With a bound of 3 neighbours each text meets at most 3 others per
    # band instead of 39, the bound is counted, and what is found is a subset of the whole.
    rows = [
        {"id": f"p{i}", "acct": f"u{i:02d}", "t": 10 * i, "text": LEADER[0] + f" says neighbour {i} of the street"}
        for i in range(40)
    ]
    whole = run(rows, similar__max_neighbours=0)
    bounded = run(rows, similar__max_neighbours=3)
    assert whole.info["crowded_buckets"]["groups"] == 0
    assert bounded.info["crowded_buckets"] == {
        "limit": 3,
        "groups": bounded.info["crowded_buckets"]["groups"],
        "rows": bounded.info["crowded_buckets"]["rows"],
    }
    assert bounded.info["crowded_buckets"]["groups"] > 0
    assert bounded.info["candidate_pairs"] <= 40 * 40 * 3  # bands × texts × neighbours
    assert whole.info["candidate_pairs"] > bounded.info["candidate_pairs"]
    assert pairs_of(bounded) <= pairs_of(whole)
    assert len(pairs_of(bounded)) > 0
    # a bound above every bucket's size changes nothing
    wide = run(rows, similar__max_neighbours=40)
    assert wide.info["crowded_buckets"]["groups"] == 0
    assert wide.edges.equals(whole.edges) and wide.evidence.equals(whole.evidence)


@pytest.mark.parametrize("significance", [True, False])
@pytest.mark.parametrize("budget", [1, 40])
def test_post_pairs_spilled_in_shards_give_the_same_tables(significance, budget):
    # With a budget of post pairs the pairs are made a slice of near-duplicate groups at a time
    # and aggregated from disk by account pair: every table is what the pairs held at once give.
    rows = _synthetic(seed=4)
    # one text posted by seven accounts within an hour, above the crowd limit of 5
    rows += [{"id": f"c{i}", "acct": f"u{i}", "t": 7200 + 60 * i, "text": LEADER[1]} for i in range(7)]
    settings = {"detect__significance": significance, "detect__max_object_shares_per_window": 5}
    whole = run(rows, **settings, **{"detect.max_pairs_in_memory": 0})
    split = run(rows, **settings, **{"detect.max_pairs_in_memory": budget})
    assert whole.edges.height > 10 and "pair_shards" not in whole.info
    assert split.info["pair_shards"] >= (20 if budget == 1 else 2)
    assert split.edges.equals(whole.edges) and split.evidence.equals(whole.evidence)
    for key in ("pairs", "same_account_pairs", "edges_found", "edges_kept", "evidence_kept", "null_model", "crowds"):
        assert split.info.get(key) == whole.info.get(key), key
    assert whole.info["crowds"]["texts"] == 1
