"""One posting app shared across a network: measured, said as a reason when it stands out, never a label.

The hand-made collection: network 1 (three accounts) posts only from
"AutoPoster", which one outside account used once; network 2 (two accounts)
posts from the official app, as everyone outside does.
"""

from __future__ import annotations

import polars as pl
import pytest

from cib.config import load_config
from cib.network.features import shared_client
from cib.network.score import score
from tests.test_score import scored  # noqa: F401, F811 (the hand-made world, scored once per module)

APP, OFFICIAL = "AutoPoster", "Twitter for Android"


def _posts() -> tuple[pl.DataFrame, pl.DataFrame]:
    rows = (
        [("a1", APP)] * 4 + [("a2", APP)] * 3 + [("a3", APP)] * 2 + [("a3", None)] * 2  # network 1
        + [("b1", OFFICIAL)] * 2 + [("b2", OFFICIAL), ("b2", "Buffer")]  # network 2
        + [("o1", OFFICIAL)] * 15 + [("o2", APP)] + [("o3", OFFICIAL)] * 4  # outside
    )  # fmt: skip
    posts = pl.DataFrame(
        {
            "post_id": [str(i) for i in range(len(rows))],
            "account_id": [a for a, _ in rows],
            "client": [c for _, c in rows],
        }
    )
    members = pl.DataFrame(
        {"account_id": ["a1", "a2", "a3", "b1", "b2"], "cluster_id": [1, 1, 1, 2, 2]},
        schema={"account_id": pl.String, "cluster_id": pl.Int64},
    )
    return posts, members


def test_shared_client_values():
    posts, members = _posts()
    rows = {r["cluster_id"]: r for r in shared_client(posts, members).iter_rows(named=True)}
    one = rows[1]
    # 9 of 9 known-app posts; 9 of 11 posts name their app; every other account: 1 of 24 known-app posts
    assert (one["client"], one["client_share"], one["client_members"]) == (APP, 1.0, 1.0)
    assert one["client_known"] == pytest.approx(9 / 11)
    assert one["client_elsewhere"] == pytest.approx(1 / 24)
    two = rows[2]
    assert (two["client"], two["client_share"], two["client_known"], two["client_members"]) == (
        OFFICIAL,
        0.75,
        1.0,
        1.0,
    )
    assert two["client_elsewhere"] == pytest.approx(
        19 / 29
    )  # o1 and o3: 19 of the 29 known-app posts of others


def test_no_client_column_no_feature():
    posts, members = _posts()
    assert shared_client(posts.drop("client"), members).height == 0
    assert shared_client(posts.with_columns(pl.lit(None, pl.String).alias("client")), members).height == 0


@pytest.fixture(scope="module")
def world(scored):  # noqa: F811
    posts, accounts, edges, evidence, graph, clustering, cfg, plain = scored
    # the bots post from one automation app, everyone else from the official one
    client = (
        pl.when(pl.col("account_id").str.starts_with("bot")).then(pl.lit(APP)).otherwise(pl.lit(OFFICIAL))
    )
    with_app = posts.with_columns(client.alias("client"))
    res = score(with_app, accounts, edges, graph, clustering, cfg, evidence)
    return plain, res, (with_app, accounts, edges, graph, clustering, evidence)


def test_reason_for_the_network_sharing_a_rare_app(world):
    _, res, _ = world
    by_label = {r["label"]: r for r in res.clusters.iter_rows(named=True)}
    said = [r for r in by_label["bot"]["reasons"] if "sent from the app" in r]
    assert said == [
        f'100% of their posts were sent from the app "{APP}", used by 100% of them and behind 0% of other accounts\' posts'
    ]
    others = [r for c in res.clusters.iter_rows(named=True) if c["label"] != "bot" for r in c["reasons"]]
    assert not any("sent from the app" in r for r in others)  # the official app says nothing
    feats = res.features["clusters"].filter(pl.col("label") == "bot").row(0, named=True)
    assert (feats["client"], feats["client_share"], feats["client_elsewhere"]) == (APP, 1.0, 0.0)


def test_the_app_moves_no_label_or_score(world):
    plain, res, _ = world
    cols = ["cluster_id", "size", "label", "score", "confidence"]
    assert res.clusters.select(cols).equals(plain.clusters.select(cols))
    assert res.account_scores.select("account_id", "label", "score", "flagged").equals(
        plain.account_scores.select("account_id", "label", "score", "flagged")
    )


def test_thresholds_come_from_params(world):
    _, _, (posts, accounts, edges, graph, clustering, evidence) = world
    strict = load_config(overrides={"score.client_rare": 0.0, "score.client_reason": 1.0})
    kept = score(posts, accounts, edges, graph, clustering, strict, evidence)
    assert any("sent from the app" in r for c in kept.clusters.iter_rows(named=True) for r in c["reasons"])
    common = posts.with_columns(pl.lit(APP).alias("client"))  # everyone uses it: nothing to say
    none = score(common, accounts, edges, graph, clustering, load_config(), evidence)
    assert not any(
        "sent from the app" in r for c in none.clusters.iter_rows(named=True) for r in c["reasons"]
    )
