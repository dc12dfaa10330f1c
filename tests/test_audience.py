"""An ordinary account taking up what a bot network seeds is its audience, not one of its bots.

The world of ``tests/test_score.py`` plus ``fan0`` and ``fan1``: accounts made years
ago that post their own thoughts by day (on the network's clock, UTC) and, on three days, link the same article
as two of the twelve bots, a quarter of an hour after them. They join the bots'
cluster through those links alone.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from cib.config import load_config
from cib.network import fuse
from cib.network.cluster import cluster_graph
from cib.network.score import score
from tests.test_score import DAY, T0, _edges, _world


def _with_fans() -> tuple[pl.DataFrame, pl.DataFrame, list[tuple]]:
    posts, accounts, actions = _world()
    rng = np.random.default_rng(1)
    rows, extra = [], []
    for f, fan in enumerate(("fan0", "fan1")):
        for k in range(20):
            t = T0 + int(rng.integers(0, 28)) * DAY + int(rng.integers(14 * 3600, 20 * 3600))
            rows.append((f"{fan}-own{k}", fan, t, f"my view on the day, number {k}", []))
        for k in range(3):
            url = f"https://seeded.example/story-{f}-{k}"
            t = T0 + (3 + 7 * k + f) * DAY + 16 * 3600
            for b in (f"bot{2 * f:02d}", f"bot{2 * f + 1:02d}"):
                rows.append((f"{b}-link{f}{k}", b, t, "read this", [url]))
                extra.append(("co_link", url, b, f"{b}-link{f}{k}", t))
            rows.append((f"{fan}-link{k}", fan, t + 900, "interesting", [url]))
            extra.append(("co_link", url, fan, f"{fan}-link{k}", t + 900))
    more = pl.DataFrame(
        {
            "post_id": [r[0] for r in rows],
            "account_id": [r[1] for r in rows],
            "text": [r[3] for r in rows],
            "urls": [r[4] for r in rows],
            "created_at": [r[2] * 1_000_000 for r in rows],
        },
        schema_overrides={"urls": pl.List(pl.String)},
    ).with_columns(pl.col("created_at").cast(pl.Datetime("us", "UTC")))
    posts = pl.concat([posts, more], how="diagonal_relaxed")
    fans = pl.DataFrame(
        {"account_id": ["fan0", "fan1"], "handle": ["anna_reads", "marat_k"], "created_at": [T0 - 2400 * DAY] * 2,
         "followers": [310, 95]}
    ).with_columns((pl.col("created_at") * 1_000_000).cast(pl.Datetime("us", "UTC")))
    return posts, pl.concat([accounts, fans], how="diagonal_relaxed"), actions + extra


@pytest.fixture(scope="module")
def world():
    posts, accounts, actions = _with_fans()
    edges, evidence = _edges(actions)
    return posts, accounts, edges, evidence


def _run(world, **over):
    posts, accounts, edges, evidence = world
    cfg = load_config(overrides=over)
    graph = fuse(edges, cfg)
    return score(posts, accounts, edges, graph, cluster_graph(graph, cfg), cfg, evidence).account_scores


def test_the_audience_of_a_bot_network_is_not_flagged(world) -> None:
    acc = _run(world)
    bots = acc.filter(pl.col("account_id").str.starts_with("bot"))
    fans = acc.filter(pl.col("account_id").str.starts_with("fan")).sort("account_id")
    assert bots["flagged"].all() and (bots["label"] == "bot").all()
    assert fans["cluster_id"].to_list() == [bots["cluster_id"][0]] * 2, "the fans sit in the bots' cluster"
    assert not fans["flagged"].any()
    assert fans["label"].is_null().all()
    assert all("reads as its audience" in r[0] and "linked to 2 of its" in r[0] for r in fans["reasons"])


def test_without_the_rule_the_audience_is_flagged_as_bots(world) -> None:
    acc = _run(world, **{"score.audience.max_linked_share": 0.0})
    fans = acc.filter(pl.col("account_id").str.starts_with("fan"))
    assert fans["flagged"].all() and (fans["label"] == "bot").all()


def test_a_fan_linked_to_the_share_asked_for_is_flagged(world) -> None:
    # each fan is linked to 2 of the cluster's 13 other accounts: at a line of 2/13 it is not under it
    acc = _run(world, **{"score.audience.max_linked_share": 2 / 13})
    assert acc.filter(pl.col("account_id").str.starts_with("fan"))["flagged"].all()
