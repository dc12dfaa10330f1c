"""The report: sections, captions, offline, deterministic, escaped, and robust to missing stages."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from cib.config import Config
from cib.errors import CibError, ConfigError
from cib.report import build_report
from cib.report.build import report_context
from cib.report.data import load
from cib.report.dossier import duration
from cib.report.layout import compute_layout
from cib.report.page import render
from cib.schema import empty, write_table
from tests.report_fixtures import build_collection


@pytest.fixture(scope="module")
def collection(tmp_path_factory) -> Path:
    return build_collection(tmp_path_factory.mktemp("report") / "processed")


@pytest.fixture(scope="module")
def html(collection, tmp_path_factory) -> str:
    path = build_report(collection, tmp_path_factory.mktemp("out"))
    assert path.name == "index.html"
    return path.read_text(encoding="utf-8")


def _data_json(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="cib-data">(.*?)</script>', html, re.S)
    assert block
    return json.loads(block.group(1))


def test_sections_are_all_there(html):
    for anchor in ("headline", "network", "timeline", "networks", "methods", "provenance"):
        assert f'<section id="{anchor}">' in html
    assert "kz-election-fixture" in html
    assert "2024-03-10 00:00" in html  # date range
    assert '<details class="dossier" id="cluster-1">' in html
    assert '<details class="dossier" id="cluster-2">' in html
    # most concerning first: the bot network's dossier comes before the troll network's
    assert html.index('id="cluster-1"') < html.index('id="cluster-2"')


def test_offline_single_file(html):
    assert '<meta charset="utf-8">' in html
    assert "Content-Security-Policy" in html and "default-src &#39;none&#39;" in html
    assert not re.search(r"<(script|img|link|iframe)[^>]+\b(src|href)\s*=", html, re.I)
    assert html.count("plotly.js v") == 1  # the library's banner: included once


def test_every_chart_has_a_caption(html):
    figs = re.findall(r'<div class="fig" id="fig-([^"]+)"', html)
    assert {"network", "timeline", "c1-created", "c1-hours", "c2-created", "c2-hours"} <= set(figs)
    for fig in figs:
        after = html[html.index(f'id="fig-{fig}"') :][:600]
        assert '<p class="caption">' in after, fig
    data = _data_json(html)
    assert set(data["figures"]) == set(figs)


def test_headline_counts_and_labels(html):
    assert re.search(r'<div class="n">204</div><div class="what">posts', html)
    assert re.search(r'<div class="n">2</div><div class="what">flagged networks', html)
    assert re.search(r'<div class="n">11</div><div class="what">flagged accounts', html)
    # the stored label stays machine-readable; the reader sees what it means
    assert 'class="badge bot" title="bot">automation-like</span> 1' in html


def test_cyrillic_and_kazakh_text_is_kept(html):
    assert "Қазақстанның қауіпсіздігі бәрінен маңызды" in html
    assert "Лучший лидер для страны" in html


def test_evidence_is_grouped_with_times_and_sources(html):
    # the window the pairs were found in, their real spread, and first to last post
    assert "6 accounts reshared this post, two at a time within the 1 min window: the 15 pairs kept 3 s to 15 s apart; first to last post 15 s" in html
    assert re.search(r"5 accounts posted this text, two at a time within the [^:]+ window: the \d+ pairs kept [^;]+ apart; first to last post \d+ (s|min)", html)
    assert "tweets.csv:" in html
    # X post ids link back to the platform
    assert 'href="https://x.com/i/web/status/1770000000000000013"' in html


def test_dossier_details(html):
    assert "6 accounts reshared the same 12 posts, median 4 s apart" in html
    assert 'class="sortable members"' in html
    assert "#лучшийлидер" in html  # hashtags
    assert "example.kz" in html  # linked domains
    assert "стабильность" in html  # distinctive terms


def test_figures(collection):
    ctx = report_context(load(collection))
    figs = _data_json_from(ctx)
    net = figs["network"]
    points = [t for t in net["data"] if t["mode"] == "markers"]
    names = [t["name"] for t in points]
    # each network is named by its number and what it posts most (its top hashtag or domain, its language)
    assert [n.split(" · ")[0] for n in names] == ["Network 1", "Network 2"]
    assert [n.split(" · ")[-1] for n in names] == ["automation-like", "human-operated-like"]
    assert all(len(n.split(" · ")) >= 3 for n in names), names
    assert sum(len(t["x"]) for t in points) == 11
    assert all(t["type"] == "scatter" for t in net["data"])
    assert any("<b>patriot_kz_1040</b>" in h for h in points[0]["hovertext"])
    assert points[0]["customdata"][0] == "cluster-1"
    timeline = figs["timeline"]
    line, before, during, after = timeline["layout"]["shapes"][:4]
    assert line["x0"].startswith("2024-03-12 03:00")  # the election-day marker
    # window = "12h": the three periods the events stage compares, each shaded and named
    assert before["x0"].startswith("2024-03-11 15:00") and before["x1"] == line["x0"]
    assert during["x0"] == line["x0"] and during["x1"].startswith("2024-03-12 15:00")
    assert after["x0"] == during["x1"] and after["x1"].startswith("2024-03-13 03:00")
    notes = [a["text"] for a in timeline["layout"]["annotations"]]
    assert notes == ["before", "during", "after", "Election day"]
    heat = figs["c1-hours"]["data"][0]
    assert sum(map(sum, heat["z"])) == 72
    assert "network-clusters" not in figs


def _data_json_from(ctx: dict) -> dict:
    return json.loads(ctx["data_json"])["figures"]


def test_bursts_are_shaded(collection, tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    for src in collection.iterdir():
        (folder / src.name).write_bytes(src.read_bytes())
    start = datetime(2024, 3, 10, 1, 0, tzinfo=UTC)
    pl.DataFrame(
        {"cluster_id": [1], "start": [start], "end": [start + timedelta(hours=2)], "posts": [30], "peak": [20],
         "baseline": [1.5], "accounts": [6]}
    ).write_parquet(folder / "bursts.parquet")  # fmt: skip
    ctx = report_context(load(folder))
    shapes = _data_json_from(ctx)["timeline"]["layout"]["shapes"]
    assert any(s["x0"] == "2024-03-10 01:00:00" and s["x1"] == "2024-03-10 03:00:00" for s in shapes)
    assert ctx["n_bursts"] == 1


def test_every_burst_of_the_period_is_drawn(collection, tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    for src in collection.iterdir():
        (folder / src.name).write_bytes(src.read_bytes())
    # 216 bursts over the whole period: six 3-minute bursts in a row every second hour
    first = datetime(2024, 3, 10, 0, 0, tzinfo=UTC)
    starts = [first + timedelta(hours=2 * slot, minutes=5 * k) for slot in range(36) for k in range(6)]
    n = len(starts)
    pl.DataFrame(
        {"cluster_id": [1] * n, "start": starts, "end": [t + timedelta(minutes=3) for t in starts],
         "posts": [30] * n, "peak": [20] * n, "baseline": [1.5] * n, "accounts": [6] * n}
    ).write_parquet(folder / "bursts.parquet")  # fmt: skip
    ctx = report_context(load(folder))
    shapes = [s for s in _data_json_from(ctx)["timeline"]["layout"]["shapes"] if s.get("name", "").endswith(("burst", "bursts"))]
    counted = sum(int(s["name"].split()[0]) for s in shapes)
    assert counted == n  # none dropped
    assert ctx["burst_bands"] == len(shapes) == 36  # bursts within one hour of each other share a band
    assert max(s["x1"] for s in shapes) == "2024-03-12 22:28:00"  # the last one too
    html = render(ctx)
    assert "the 216 detected bursts of coordinated activity, every one of them, merged into 36 bands" in html


def test_bad_events_are_a_note_not_a_crash(collection):
    cfg = load(collection).cfg.update({"events": [{"name": "x", "time": "not a time"}]}, "test")
    d = load(collection, cfg)
    assert d.events == [] and any("Events are not drawn" in n for n in d.notes)


def test_large_collections_switch_to_webgl_and_cluster_view(collection):
    cfg = Config.defaults().update(
        {"report.webgl_above": 5, "report.cluster_view_above": 5, "report.max_edges_drawn": 3}, "test"
    )
    ctx = report_context(load(collection, cfg))
    figs = _data_json_from(ctx)
    assert {t["type"] for t in figs["network"]["data"]} == {"scattergl"}
    assert ctx["network"].cluster_first and ctx["network"].links_drawn == 3
    bubbles = figs["network-clusters"]["data"][-1]
    assert bubbles["customdata"] == ["cluster-1", "cluster-2"]


def test_deterministic(collection, tmp_path):
    a = build_report(collection, tmp_path / "a").read_bytes()
    b = build_report(collection, tmp_path / "b").read_bytes()
    assert a == b


def test_time_zone_of_display(collection, tmp_path):
    cfg = Config.defaults().update({"report.timezone": "Asia/Almaty"}, "test")
    text = build_report(collection, tmp_path, cfg=cfg).read_text(encoding="utf-8")
    assert "(Asia/Almaty)" in text
    assert "2024-03-10 05:00" in text  # 00:00 UTC is 05:00 in Almaty
    with pytest.raises(ConfigError, match="report.timezone"):
        build_report(collection, tmp_path, cfg=Config.defaults().update({"report.timezone": "Mars/Olympus"}, "t"))


@pytest.mark.parametrize("how", ["missing", "empty"])
def test_renders_without_later_stages(collection, tmp_path, how):
    folder = tmp_path / "p"
    folder.mkdir()
    for name in ("posts", "accounts", "manifest"):
        src = collection / (f"{name}.json" if name == "manifest" else f"{name}.parquet")
        (folder / src.name).write_bytes(src.read_bytes())
    if how == "empty":
        for name in ("edges", "evidence", "clusters", "account_scores"):
            write_table(empty(name), folder / f"{name}.parquet", name)
    text = build_report(folder, tmp_path / "out").read_text(encoding="utf-8")
    assert '<section id="timeline">' in text
    assert "No account is flagged" in text
    assert "No networks to show" in text
    if how == "missing":
        assert "the clustering stage has not written clusters.parquet" in text
    else:
        assert "No clusters were found" in text


def test_only_scores_missing(collection, tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    for src in collection.iterdir():
        if src.name != "account_scores.parquet":
            (folder / src.name).write_bytes(src.read_bytes())
    text = build_report(folder, tmp_path / "out").read_text(encoding="utf-8")
    assert "No account scores" in text
    assert '<details class="dossier" id="cluster-1">' in text  # clusters still get their dossiers


def test_without_manifest_or_posts(collection, tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "posts.parquet").write_bytes((collection / "posts.parquet").read_bytes())
    text = build_report(folder, tmp_path / "out").read_text(encoding="utf-8")
    assert "The manifest lists no input files" in text
    with pytest.raises(CibError, match="posts.parquet"):
        build_report(tmp_path / "out", tmp_path / "out2")


def test_posts_without_times(tmp_path):
    posts = pl.DataFrame({"post_id": ["1"], "account_id": ["a"], "text": ["x"]})
    write_table(posts, tmp_path / "posts.parquet", "posts")
    text = build_report(tmp_path, tmp_path / "out").read_text(encoding="utf-8")
    assert "No post has a time" in text


def test_hostile_records_stay_text(tmp_path):
    folder = build_collection(tmp_path / "p", hostile=True)
    text = build_report(folder, tmp_path / "out").read_text(encoding="utf-8")
    body = text[: text.index('<script type="application/json"')]
    for needle in ("<script>window", "<img src=x", "<svg onload", "<iframe", "<b onmouseover"):
        assert needle not in body, needle
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in body
    assert not re.search(r"href=\"\s*(javascript|data|vbscript)", body, re.I)
    assert "javascript:window.__pwned=1" in body  # shown, as text
    data = text[text.index('<script type="application/json"') :]
    data = data[: data.index("</script>")]
    assert "<" not in data.split(">", 1)[1]  # nothing in the JSON can open a tag
    # hover labels carry entities, not tags
    figs = _data_json(text)["figures"]
    hovers = [h for t in figs["network"]["data"] for h in t.get("hovertext", [])]
    assert hovers and all("<script" not in h and "<img" not in h for h in hovers)
    assert any("&lt;script&gt;" in h for h in hovers)


def test_layout_is_deterministic_and_networks_do_not_overlap():
    import networkx as nx

    g = nx.Graph()
    groups = {k: [f"{k}-{i}" for i in range(3 + 4 * k)] for k in range(6)}
    for members in groups.values():
        g.add_edges_from(zip(members, members[1:], strict=False))
    a = compute_layout(groups, g, seed=3)
    b = compute_layout(groups, g, seed=3)
    assert a.positions == b.positions and a.colours == b.colours
    assert a.order == [5, 4, 3, 2, 1, 0]
    circles = list(a.centres.values())
    for i, (x1, y1, r1) in enumerate(circles):
        for x2, y2, r2 in circles[i + 1 :]:
            assert ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 >= r1 + r2
    for key, members in groups.items():
        cx, cy, r = a.centres[key]
        for m in members:
            x, y = a.positions[m]
            assert ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 <= r + 1e-2
    # extra groups go below without moving the others
    c = compute_layout(groups, g, seed=3, below={-2: ["x", "y"]})
    assert all(c.positions[n] == a.positions[n] for n in a.positions)


@pytest.mark.parametrize(
    ("seconds", "text"), [(4, "4 s"), (4.5, "4.5 s"), (14.2, "14 s"), (135, "2 min 15 s"), (7200, "2 h"), (None, "—")]
)
def test_duration(seconds, text):
    assert duration(seconds) == text


def test_flagged_accounts_outside_any_network(collection, tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    for src in collection.iterdir():
        (folder / src.name).write_bytes(src.read_bytes())
    scores = pl.read_parquet(collection / "account_scores.parquet").with_columns(
        pl.when(pl.col("account_id") == "401").then(True).otherwise(pl.col("flagged")).alias("flagged")
    )
    write_table(scores, folder / "account_scores.parquet", "account_scores")
    ctx = report_context(load(folder))
    traces = [t for t in _data_json_from(ctx)["network"]["data"] if t["mode"] == "markers"]
    assert traces[-1]["name"] == "No network"
    assert traces[-1]["customdata"] == [""]  # no dossier to open
    assert ctx["n_flagged"] == 12


def test_evidence_headlines_say_the_window_and_the_spread_and_name_near_duplicates_by_a_text():
    from cib.report.dossier_rows import _headline, _object_text
    from cib.report.dossier_rows import representatives as _representatives

    group = {"cluster_id": 4, "rank": 0, "signal": "co_reshare", "object_id": "1", "n_accounts": 10, "n_pairs": 12,
             "min_delta_s": 2.0, "max_delta_s": 58.0, "span_s": 15 * 3600 + 300.0}
    assert _headline(group, "60 s") == (
        "10 accounts reshared this post, two at a time within the 60 s window: the 12 pairs kept 2 s to 58 s apart; "
        "first to last post 15 h 5 min"
    )
    near = {**group, "signal": "co_similar_text", "object_id": "sim:1892732508697530021"}

    class Have:
        originals: dict = {}
        posts = {(4, 0): [{"text": ""}, {"text": "Stability first, vote for order"}]}

    texts = _representatives([near], Have())
    assert _object_text("co_similar_text", "sim:1892732508697530021", texts) == "Stability first, vote for order"
    assert "sim:" not in _object_text("co_similar_text", "sim:999", {})
