"""The report at scale: what the ``report.*`` limits leave out is counted on the page, and nothing else changes.

The hand-made collection (:mod:`tests.report_fixtures`) has a bot network of 6
accounts (every pair linked: 5 links each), a troll network of 5 (4 links each),
204 posts of which 112 are by the two networks' members, and 20 organic accounts.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from cib.config import Config
from cib.report import build_report
from cib.report.build import account_model, report_context
from cib.report.data import fused_graph, load
from cib.report.dossier_tables import evidence_groups, members_of
from cib.report.narratives import cluster_terms, tokens
from cib.report.page import render
from cib.schema import write_table
from tests.report_fixtures import build_collection


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Path:
    return build_collection(tmp_path_factory.mktemp("scale") / "processed")


@pytest.fixture(scope="module")
def with_organic(collection, tmp_path_factory) -> Path:
    """The collection with a third network, judged organic: the two organic accounts with a weak link."""
    folder = tmp_path_factory.mktemp("organic") / "processed"
    shutil.copytree(collection, folder)
    clusters = pl.read_parquet(collection / "clusters.parquet")
    organic = {"cluster_id": 3, "size": 2, "label": "organic", "score": 0.1, "reasons": ["organic: a shared hashtag"],
               "signals": ["co_hashtag"], "first_at": None, "last_at": None, "top_objects": ["almaty"]}  # fmt: skip
    write_table(pl.concat([clusters, pl.DataFrame([organic], schema=clusters.schema)]), folder / "clusters.parquet",
                "clusters")  # fmt: skip
    scores = pl.read_parquet(collection / "account_scores.parquet").with_columns(
        pl.when(pl.col("account_id").is_in(["401", "402"])).then(3).otherwise(pl.col("cluster_id")).alias("cluster_id")
    )
    write_table(scores, folder / "account_scores.parquet", "account_scores")
    return folder


def _figures(ctx: dict) -> dict:
    return json.loads(ctx["data_json"])["figures"]


def _html(folder: Path, tmp_path: Path, **limits) -> str:
    cfg = load(folder).cfg.update(limits, "test") if limits else None
    return build_report(folder, tmp_path / "out", cfg=cfg).read_text(encoding="utf-8")


def _text(html: str) -> str:
    """The page's visible words, tags dropped and spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[: html.index('<script type="application/json"')]))


def test_the_report_draws_the_layout_the_exports_place(collection):
    d = load(collection)
    figs = _figures(report_context(d))
    points = [(x, y) for t in figs["network"]["data"] if t["mode"] == "markers" for x, y in zip(t["x"], t["y"], strict=True)]
    model = account_model(d, fused_graph(d))
    assert sorted(points) == sorted(model.layout.positions.values())
    assert len(points) == 11


def test_accounts_left_out_of_the_drawing_are_counted(collection, tmp_path):
    cfg = Config.defaults().update({"report.max_accounts_drawn": 4, "report.cluster_view_above": 1}, "test")
    d = load(collection, cfg)
    ctx = report_context(d)
    assert (ctx["network"].accounts_drawn, ctx["network"].accounts_total) == (4, 11)
    figs = _figures(ctx)
    markers = [t for t in figs["network"]["data"] if t["mode"] == "markers"]
    hovers = [h for t in markers for h in t["hovertext"]]
    # the best-linked first: four of the bots (5 links each; the trolls have 4), by id
    assert [re.search(r"<b>(.*?)</b>", h).group(1) for h in hovers] == [f"patriot_kz_{1040 + i}" for i in range(4)]
    # the networks keep the places the whole groups give them; only the links between drawn accounts are drawn
    full = account_model(d, fused_graph(d)).layout
    bubbles = figs["network-clusters"]["data"][-1]
    assert list(zip(bubbles["x"], bubbles["y"], strict=True)) == [full.centres[1][:2], full.centres[2][:2]]
    assert ctx["network"].links_drawn == 6  # the pairs of four bots
    html = render(ctx)
    assert "the 4 best-linked of 11 flagged accounts are drawn" in _text(html)


def test_organic_networks_are_rows_without_a_dossier(with_organic, tmp_path):
    html = _html(with_organic, tmp_path)
    text = _text(html)
    assert re.findall(r'<details class="dossier" id="(cluster-\d+)">', html) == ["cluster-1", "cluster-2"]
    rows = re.findall(r'<td class="nowrap" data-sort="(\d+)">.*?</td>', html)
    assert rows == ["1", "2", "3"]
    assert '<a href="#cluster-3">' not in html and "Network 3" in html
    assert "3 networks, the most concerning first." in text
    assert "1 network judged organic has no dossier." in text
    assert "All 3 networks are in clusters.parquet" in text
    assert not any(f.startswith("c3-") for f in json.loads(re.search(
        r'<script type="application/json" id="cib-data">(.*?)</script>', html, re.S).group(1))["figures"])  # fmt: skip


def test_dossier_limit_counts_the_flagged_networks_without_one(with_organic, tmp_path):
    html = _html(with_organic, tmp_path, **{"report.max_dossiers": 1})
    text = _text(html)
    assert re.findall(r'<details class="dossier" id="(cluster-\d+)">', html) == ["cluster-1"]
    assert '<a href="#cluster-2">' not in html
    assert "Only the most concerning flagged network has a dossier: 1 other is in the table without one." in text
    # the trolls' dots open no dossier, the bots' open theirs
    ctx = report_context(load(with_organic, load(with_organic).cfg.update({"report.max_dossiers": 1}, "test")))
    anchors = {t["name"]: set(t["customdata"]) for t in _figures(ctx)["network"]["data"] if t["mode"] == "markers"}
    # the network with a dossier is named by its content too; the other by its number only
    assert anchors == {"Network 1 · example.kz · ru · automation-like": {"cluster-1"},
                       "Network 2 · human-operated-like": {""}}  # fmt: skip


def test_table_limit_counts_the_networks_left_out(with_organic, tmp_path):
    html = _html(with_organic, tmp_path, **{"report.networks_listed": 1})
    text = _text(html)
    assert re.findall(r'<td class="nowrap" data-sort="(\d+)">', html) == ["1"]
    assert re.findall(r'<details class="dossier" id="(cluster-\d+)">', html) == ["cluster-1"]
    assert ("1 network judged organic has no dossier, and 1 of them is left out of the table, "
            "which lists 1 network at most.") in text  # fmt: skip
    assert "1 flagged network is left out of the table and has no dossier." in text
    assert "3 networks, the most concerning first." in text


def test_terms_against_a_sample_of_the_other_posts(collection, tmp_path):
    assert "even sample" not in _html(collection, tmp_path)
    text = _text(_html(collection, tmp_path, **{"report.term_background_posts": 10}))
    # 92 posts are by accounts outside the two networks; every 10th is read
    assert "judged from an even sample of 10 of its 92 other posts" in text
    d = load(collection)
    member = members_of(d.scores, {1, 2})
    exact, read = cluster_terms(d.posts, member, 15)
    assert read == (92, 92)
    assert cluster_terms(d.posts, member, 15, background=92) == (exact, read)
    sampled, read = cluster_terms(d.posts, member, 15, background=10)
    assert read == (10, 92) and set(sampled) == set(exact) == {1, 2}
    assert cluster_terms(d.posts, member, 15, background=0)[1] == (0, 92)


def test_scanned_tables_give_the_same_page(collection):
    read = render(report_context(load(collection)))
    scanned = render(report_context(load(collection, scan=("edges", "evidence"))))
    assert scanned == read


def test_url_removal_keeps_the_word_boundary():
    texts = ["see http://a.b/c now", "(https://x.y) и", "фhttp://x.y слово", "xhttp://q словоформа", "www.a.b итог",
             "a,www.b.c конец", "__http://z слово", "1http://z слово", "HTTP://X.Y/Z слово", "tab\thttp://x\tслово",
             "éwww.x слово", "\u0301http://x слово", None, ""]  # fmt: skip
    frame = pl.DataFrame({"text": texts}, schema={"text": pl.String})
    words = frame.select(tokens(pl.col("text")))["text"].to_list()
    # the pattern as first written, with a Unicode word boundary
    old = frame.select(pl.col("text").fill_null("").str.replace_all(r"(?i)\b(?:[a-z][a-z0-9+.\-]*://|www\.)\S+", " "))
    assert words == old.select(tokens(pl.col("text")))["text"].to_list()
    assert words[2] == ["фhttp", "слово"] and words[0] == ["see"]


def _reference(evidence: pl.DataFrame, member: pl.DataFrame, posts: pl.DataFrame, keep: int) -> pl.DataFrame:
    """Every group of every network ranked whole (the first ``keep`` of each), the plain way."""
    m = member.select("account_id", "cluster_id")
    inside = (
        evidence.join(m.rename({"account_id": "account_a", "cluster_id": "ca"}), on="account_a")
        .join(m.rename({"account_id": "account_b", "cluster_id": "cb"}), on="account_b")
        .filter(pl.col("ca") == pl.col("cb"))
        .rename({"ca": "cluster_id"})
    )
    ends = pl.concat([inside.select("cluster_id", "signal", "object_id", pl.col(f"account_{s}").alias("a"),
                                    pl.col(f"post_{s}").alias("post_id")) for s in ("a", "b")])  # fmt: skip
    keys = ["cluster_id", "signal", "object_id"]
    groups = (
        ends.join(posts.select("post_id", "created_at"), on="post_id", how="left")
        .group_by(keys)
        .agg(pl.col("a").n_unique().cast(pl.UInt32).alias("n_accounts"),
             ((pl.col("created_at").max() - pl.col("created_at").min()).dt.total_microseconds() / 1e6).alias("span_s"))
        .join(inside.group_by(keys).agg(pl.len().alias("n_pairs")), on=keys)
    )  # fmt: skip
    ranked = groups.sort([*keys[:1], "n_accounts", "span_s", "n_pairs", "signal", "object_id"],
                         descending=[False, True, False, True, False, False], nulls_last=True)  # fmt: skip
    return ranked.group_by("cluster_id", maintain_order=True).head(keep)


@pytest.mark.parametrize("seed", range(6))
def test_evidence_groups_rank_as_a_whole_ranking_would(seed):
    rng = np.random.default_rng(seed)
    accounts = [f"a{i}" for i in range(30)]
    member = pl.DataFrame({"account_id": accounts, "cluster_id": [i % 3 for i in range(30)]})
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    n_posts = 400
    posts = pl.DataFrame(
        {"post_id": [f"p{i}" for i in range(n_posts)],
         "created_at": [t0 + timedelta(seconds=int(s)) for s in rng.integers(0, 50, n_posts)]}  # few times: ties
    )  # fmt: skip
    rows = []
    for _ in range(600):
        a, b = sorted(rng.choice(30, 2, replace=False))
        rows.append({"signal": "co_text", "object_id": f"o{rng.integers(0, 25)}", "account_a": accounts[a],
                     "account_b": accounts[b], "post_a": f"p{rng.integers(0, n_posts)}",
                     "post_b": f"p{rng.integers(0, n_posts)}", "delta_s": 1.0})  # fmt: skip
    evidence = pl.DataFrame(rows)
    keep = 4
    got, totals, _ = evidence_groups(evidence, member, posts, {}, keep)
    want = _reference(evidence, member, posts, keep)
    columns = ["cluster_id", "signal", "object_id", "n_accounts", "span_s", "n_pairs"]
    assert got.select(columns).equals(want.select(columns).cast(got.select(columns).schema))
    assert got["rank"].to_list() == [r for c in sorted(set(got["cluster_id"])) for r in range(
        got.filter(pl.col("cluster_id") == c).height)]  # fmt: skip
    assert sum(totals.values()) == _reference(evidence, member, posts, 10**6).height
