"""Authentic coordination: a newsroom resharing its own articles is not flagged, an operation with its timing is.

Two hand-made clusters act on the same clock: every working day each member
posts, and colleagues reshare the post within minutes. The newsroom's posts
link to its outlet; the operation's carry no link. Everything the labels read
besides :func:`cib.network.features.own_articles` is the same for both.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from cib.config import load_config
from cib.network.features import own_articles
from cib.network.labels import judge, publishing

T0 = datetime(2025, 2, 3, 9, tzinfo=UTC)


def _cluster(prefix: str, cluster_id: int, link: bool) -> tuple[list[dict], list[dict]]:
    posts: list[dict] = []
    members = [{"account_id": f"{prefix}{i}", "cluster_id": cluster_id} for i in range(5)]
    for day in range(10):
        for i in range(5):
            t = T0 + timedelta(days=day, hours=i)
            pid = f"{prefix}-{day}-{i}"
            posts.append({"post_id": pid, "account_id": f"{prefix}{i}", "created_at": t, "reshare_of": None,
                          "urls": [f"https://www.dala-news.kz/{day}/{i}"] if link else []})
            for j in range(5):
                if j != i:
                    posts.append({"post_id": f"{pid}-r{j}", "account_id": f"{prefix}{j}",
                                  "created_at": t + timedelta(minutes=2 + j), "reshare_of": pid, "urls": []})
    return posts, members


@pytest.fixture(scope="module")
def measured() -> dict[int, dict]:
    news_posts, news_members = _cluster("nws", 0, link=True)
    op_posts, op_members = _cluster("op", 1, link=False)
    # an outsider resharing the newsroom does not count as the newsroom's own reshare
    outsider = [{"post_id": "x", "account_id": "out", "created_at": T0, "reshare_of": None, "urls": ["https://a.org/1"]},
                {"post_id": "x-r", "account_id": "nws0", "created_at": T0, "reshare_of": "x", "urls": []}]
    posts = pl.DataFrame(news_posts + op_posts + outsider,
                         schema={"post_id": pl.String, "account_id": pl.String, "created_at": pl.Datetime("us", "UTC"),
                                 "reshare_of": pl.String, "urls": pl.List(pl.String)})
    members = pl.DataFrame(news_members + op_members, schema={"account_id": pl.String, "cluster_id": pl.Int64})
    return {r["cluster_id"]: r for r in own_articles(posts, members).iter_rows(named=True)}


def test_own_articles_measures_reshares_of_members_link_posts(measured):
    assert measured[0]["own_domain"] == "dala-news.kz"
    assert measured[0]["own_articles"] == pytest.approx(200 / 201)
    assert measured[1]["own_articles"] == 0.0
    assert measured[1]["own_domain"] is None


def _row(own: dict, age_days: float) -> dict:
    # strongly coordinated, human-operated-looking, long-established accounts with small audiences
    return {"strong_objects": 40, "script_objects": 0, "stability": 1.0, "coverage": 1.0, "age_days": age_days,
            "creation_known": 1.0, **own}


def test_newsroom_unflagged_operation_with_same_timing_flagged(measured):
    cfg = load_config()
    bot, troll, explained = 0.1, 0.9, 0.3
    news, op = _row(measured[0], 2000.0), _row(measured[1], 2000.0)
    assert publishing(news, cfg) == pytest.approx(1.0)
    assert publishing(op, cfg) == 0.0
    kept = judge(news, bot, troll, explained, cfg, publishing(news, cfg))
    flagged = judge(op, bot, troll, explained, cfg, publishing(op, cfg))
    assert not kept["flagged"] and "newsroom" in kept["why_not"] and "dala-news.kz" in kept["why_not"]
    assert flagged["flagged"] and flagged["label"] == "troll"


def test_new_accounts_resharing_their_own_site_stay_flagged(measured):
    cfg = load_config()
    young = _row(measured[0], 30.0)
    assert publishing(young, cfg) == 0.0
    assert judge(young, 0.1, 0.9, 0.0, cfg, publishing(young, cfg))["flagged"]
    unknown = {**_row(measured[0], 2000.0), "creation_known": 0.0}
    assert publishing(unknown, cfg) == 0.0


def test_two_outlets_in_one_cluster_each_reshare_their_own_site():
    """Five journalists of two outlets, one cluster: every reshare is of a colleague's article on the author's own site."""
    posts, members = _cluster("nws", 0, link=True)
    # the last two journalists write for another outlet
    for p in posts:
        if p["urls"] and p["account_id"] in ("nws3", "nws4"):
            p["urls"] = [p["urls"][0].replace("dala-news.kz", "tenir-express.com")]
    # and one member links a third site once, which is no site of hers: its reshares do not count
    posts.append({"post_id": "y", "account_id": "nws0", "created_at": T0, "reshare_of": None,
                  "urls": ["https://other.example/1"]})
    posts.append({"post_id": "y-r", "account_id": "nws1", "created_at": T0, "reshare_of": "y", "urls": []})
    frame = pl.DataFrame(posts, schema={"post_id": pl.String, "account_id": pl.String,
                                        "created_at": pl.Datetime("us", "UTC"), "reshare_of": pl.String,
                                        "urls": pl.List(pl.String)})
    row = own_articles(frame, pl.DataFrame(members, schema={"account_id": pl.String, "cluster_id": pl.Int64})).row(0, named=True)
    assert row["own_articles"] == pytest.approx(200 / 201)
    # 30 articles of three journalists against 20 of two, each reshared by the four others
    assert row["own_domain"] == "dala-news.kz"


def test_one_account_and_its_audience_is_not_a_network():
    """A fan account five fans reshare and echo (a star) is organic; six accounts all linked, or one link among the fans, are a network."""
    import networkx as nx

    from cib.network.cluster import cluster_graph
    from cib.network.features import _structure

    # one cluster whatever the shape (at resolution 1 Louvain cuts the linked fans off the star)
    cfg = load_config(overrides={"cluster.stability_runs": 0, "cluster.resolution": 0.5})
    star = nx.Graph()
    star.add_edges_from((("hub", f"fan{i}") for i in range(5)), weight=1.0)
    net = nx.complete_graph([f"op{i}" for i in range(6)])
    nx.set_edge_attributes(net, 1.0, "weight")
    shapes = {}
    for name, g in (("star", star), ("net", net)):
        shapes[name] = _structure(cluster_graph(g, cfg)).row(0, named=True)
    assert (shapes["star"]["edges"], shapes["star"]["hub_share"]) == (5, 1.0)
    assert (shapes["net"]["edges"], shapes["net"]["hub_share"]) == (15, pytest.approx(5 / 15))
    row = {"strong_objects": 40, "script_objects": 0, "stability": 1.0, "coverage": 1.0, "size": 6}
    audience = judge({**row, **shapes["star"]}, 0.0, 0.9, 0.0, cfg)
    assert not audience["flagged"] and audience["why_not"].startswith("organic: every link runs through one of its 6")
    assert judge({**row, **shapes["net"]}, 0.0, 0.9, 0.0, cfg)["label"] == "troll"
    # the same star with one link between two fans is no longer one account's audience
    star.add_edge("fan0", "fan1", weight=1.0)
    linked = _structure(cluster_graph(star, cfg)).row(0, named=True)
    assert linked["hub_share"] == pytest.approx(5 / 6)
    assert judge({**row, **linked}, 0.0, 0.9, 0.0, cfg)["flagged"]
