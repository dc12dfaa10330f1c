"""Networks named by their own content, and the paragraph the report opens with."""

from __future__ import annotations

from cib.report.build import report_context
from cib.report.data import load
from cib.report.naming import plural, topic
from tests.report_fixtures import build_collection


def test_a_network_is_named_by_its_top_hashtag_else_domain_else_term_and_its_language():
    assert topic([("выборы", 9)], [("example.kz", 12)], [("лидер", 20)], "ru") == "#выборы · ru"
    assert topic([], [("example.kz", 12)], [("лидер", 20)], None) == "example.kz"
    assert topic([], [], [("лидер", 20)], "kk") == "“лидер” · kk"
    assert topic([], [], [], None) == ""
    # hostile or long: invisible characters shown as escapes, cut to the limit
    assert topic([("twin\u200b", 3)], [], [], None) == "#twin\\u200b"
    assert topic([("x" * 50, 3)], [], [], None, chars=10) == "#" + "x" * 9 + "…"


def test_plurals():
    assert plural(1, "linked pair") == "1 linked pair"
    assert plural(2, "linked pair") == "2 linked pairs"
    assert plural(1_000, "post") == "1,000 posts"


def test_the_summary_counts_networks_names_the_largest_and_keeps_the_caveat(tmp_path):
    ctx = report_context(load(build_collection(tmp_path / "p")))
    text = ctx["summary"]
    assert text.startswith("In 204 posts from 2024-03-10 to 2024-03-12 (UTC), cib found 2 networks")
    assert "(1 automation-like coordination, 1 human-operated-like coordination)" in text
    big = max(ctx["networks"].dossiers, key=lambda d: d.size)
    assert f"The largest flagged network, {big.name} ({big.topic}), has {big.size} accounts" in text
    assert "#лучшийлидер" in text  # what the troll network pushes
    assert "not proof" in text
    assert [r.topic for r in ctx["networks"].rows] == [d.topic for d in ctx["networks"].dossiers]
    assert all(r.topic for r in ctx["networks"].rows)


def test_a_network_without_a_dossier_is_named_from_its_co_shared_objects():
    from cib.report.naming import topic_of_objects

    assert topic_of_objects(["co_reshare:123/4", "co_hashtag:выборы", "co_link:https://news.example/a"]) == "#выборы"
    assert topic_of_objects(["co_reply:9", "co_link:https://news.example/a/b"]) == "news.example"
    assert topic_of_objects(["co_link:news.example/a"]) == "news.example"
    assert topic_of_objects(["co_reshare:1", "co_similar_text:sim:2"]) == ""
    assert topic_of_objects(None) == ""
    assert topic_of_objects(["co_hashtag:" + "x" * 50], chars=10).startswith("#xxxxxxxxx")
