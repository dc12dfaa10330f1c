"""Each network's clock, read from its own daily rhythm, and the indicators the data cannot judge.

Hand-made posts whose right answer is obvious: a crowd asleep from 01:00 to
06:00 at UTC+3, an office team working 09:00-18:00 at UTC-5, a round-the-clock
account; and the labelled world of ``tests/test_score.py`` moved to other
time zones, whose labels must not move with it.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from cib.config import load_config
from cib.network import fuse
from cib.network.cluster import cluster_graph
from cib.network.labels import confidence, unavailable
from cib.network.score import score
from cib.network.zones import OFFSETS, cluster_zones, collection_zone, night_shares, offset_name
from tests.test_score import _edges, _world

MONDAY = datetime(2025, 2, 3, tzinfo=UTC)


def _posts(rows: list[tuple[str, datetime]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"account_id": [a for a, _ in rows], "created_at": [t for _, t in rows],
         "reshare_of": [None] * len(rows), "reply_to": [None] * len(rows)},
        schema={"account_id": pl.String, "created_at": pl.Datetime("us", "UTC"), "reshare_of": pl.String,
                "reply_to": pl.String},
    )


def _crowd(offset_h: int, n_accounts: int = 20, days: int = 14) -> list[tuple[str, datetime]]:
    """Accounts posting from 06:00 to 01:00 local, asleep 01:00-06:00."""
    rows = []
    for a in range(n_accounts):
        for d in range(days):
            for h in (6, 7, 9, 12, 15, 18, 20, 22, 23, 0):
                local = MONDAY + timedelta(days=d, hours=h, minutes=(a * 7) % 60, seconds=a)
                rows.append((f"p{a:02d}", local - timedelta(hours=offset_h)))
    return rows


def _office(offset_h: int, prefix: str = "w", n: int = 6) -> list[tuple[str, datetime]]:
    """A team posting on weekdays between 09:00 and 18:00 local only."""
    rows = []
    for a in range(n):
        for d in range(14):
            if d % 7 < 5:
                for h in (9, 11, 13, 15, 17):
                    rows.append((f"{prefix}{a}", MONDAY + timedelta(days=d, hours=h - offset_h, minutes=a, seconds=3)))
    return rows


def test_offset_names():
    assert offset_name(0) == "UTC" and offset_name(5 * 3600) == "UTC+5" and offset_name(-3 * 3600 - 1800) == "UTC-3:30"


def test_night_shares_find_the_quiet_hours():
    profile = np.ones(24)
    profile[[22, 23, 0, 1, 2]] = 0.0  # UTC 22:00-03:00 silent: night 01:00-06:00 at UTC+3
    shares = night_shares(profile, (1, 6))
    assert OFFSETS[int(np.argmin(shares))] == 3 and shares.min() == 0.0


@pytest.mark.parametrize("offset", [-5, 1, 3, 9])
def test_collection_clock_is_the_crowds(offset):
    zone = collection_zone(_posts(_crowd(offset)), load_config())
    assert (zone.name, zone.offset_s, zone.basis) == (offset_name(offset * 3600), offset * 3600, "collection")


def test_configured_zone_is_used_as_it_is():
    zone = collection_zone(_posts(_crowd(3)), load_config(overrides={"score.timezone": "Europe/Berlin"}))
    assert (zone.name, zone.offset_s, zone.basis) == ("Europe/Berlin", None, "configured")


def test_a_flat_collection_has_no_clock():
    rows = [(f"b{a}", MONDAY + timedelta(hours=h, minutes=a)) for a in range(5) for h in range(24 * 14)]
    zone = collection_zone(_posts(rows), load_config())
    assert (zone.basis, zone.name, zone.wall_clock) == ("none", "UTC", False)


def test_each_network_on_its_own_clock():
    cfg = load_config()
    rows = _crowd(3) + _office(3, "h") + _office(-5, "w")
    rows += [(f"r{a}", MONDAY + timedelta(hours=h, minutes=5 * a)) for a in range(4) for h in range(24 * 14)]
    posts = _posts(rows)
    members = pl.DataFrame({"account_id": [f"h{i}" for i in range(6)] + [f"w{i}" for i in range(6)] + [f"r{i}" for i in range(4)],
                            "cluster_id": [0] * 6 + [1] * 6 + [2] * 4})
    coll = collection_zone(posts, cfg)
    assert coll.name == "UTC+3"
    zones = cluster_zones(posts, members, cfg, coll)
    # a team at home: its quiet hours include the collection's night, so the collection's clock, sure
    assert (zones[0].name, zones[0].basis, zones[0].confidence) == ("UTC+3", "own", "high")
    # a team eight hours away: its own clock, within the two hours either side its silent evenings allow
    assert zones[1].basis == "own" and zones[1].confidence == "medium"
    assert abs(zones[1].offset_s // 3600 - (-5)) <= 2
    # round the clock: no low of its own, read on the collection's
    assert (zones[2].name, zones[2].basis) == ("UTC+3", "collection")


def test_indicators_the_data_cannot_judge():
    cfg = load_config()
    row = {"creation_known": 0.0, "handle_known": 1.0}
    missing = unavailable(row, {"reshare_share": 1.0, "reply_share": 0.0}, True, True, cfg)
    assert set(missing) == {"reshare_share", "reply_share", "fast", "creation_share"}
    assert "reshares only" in missing["reshare_share"] and "minute" in missing["fast"]
    missing = unavailable(row | {"creation_known": 1.0}, {"reshare_share": 0.3, "reply_share": 0.1}, False, False, cfg)
    assert set(missing) == {"work_share", "quiet_nights"}


def test_confidence_counts_evidence_indicators_and_lead():
    cfg = load_config()
    strong = {"flagged": True, "label": "bot", "objects": 40, "bot": 0.9, "troll": 0.1}
    assert confidence(strong, 30, 1.0, cfg) == "high"
    assert confidence(strong | {"objects": 6}, 30, 1.0, cfg) == "medium"
    assert confidence(strong | {"objects": 6}, 4, 0.4, cfg) == "low"
    assert confidence(strong | {"label": "mixed", "bot": 0.5, "troll": 0.45}, 30, 1.0, cfg) == "medium"
    assert confidence(strong | {"flagged": False, "label": "organic"}, 30, 1.0, cfg) is None


def _moved(hours: int):
    posts, accounts, actions = _world()
    shift = timedelta(hours=hours)
    posts = posts.with_columns(pl.col("created_at") + shift)
    actions = [(s, o, a, p, t + hours * 3600) for s, o, a, p, t in actions]
    edges, evidence = _edges(actions)
    cfg = load_config()
    graph = fuse(edges, cfg)
    return score(posts, accounts, edges, graph, cluster_graph(graph, cfg), cfg, evidence)


def _by_prefix(res) -> dict[str, str]:
    acc = res.account_scores.join(res.clusters.select("cluster_id", pl.col("label").alias("cl")), on="cluster_id")
    return {p: acc.filter(pl.col("account_id").str.starts_with(p))["cl"][0] for p in ("bot", "trl", "brk", "nws")}


@pytest.mark.parametrize("hours", [-13, 8])
def test_labels_do_not_move_with_the_clock(hours):
    """The same world lived eight hours later or thirteen earlier: same labels, and office hours still seen."""
    res = _moved(hours)
    assert _by_prefix(res) == {"bot": "bot", "trl": "troll", "brk": "organic", "nws": "organic"}
    troll = res.clusters.filter(pl.col("label") == "troll").row(0, named=True)
    assert any("office hours" in r for r in troll["reasons"]) and troll["zone_basis"] == "own"
    assert troll["confidence"] in ("high", "medium")


def test_the_clock_is_said_with_its_basis():
    from cib.network.zones import Zone

    few = Zone("UTC+3", 3 * 3600, "collection", "medium")
    assert few.said() == "hours read in UTC+3, the collection's clock: too few posts to show a daily low of its own; medium confidence"
    flat = Zone("UTC+3", 3 * 3600, "collection", "medium", 0.13)
    assert "no daily low of its own (13% of posts even in its quietest hours)" in flat.said()
