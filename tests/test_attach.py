"""Accounts attached to a flagged network by their pooled co-actions, on a hand-made world.

* ``m0``–``m2``: the flagged members of network 0 (a troll network). They reply to
  the posts ``t0``–``t5`` (one a day, each posted by ``opp``) and post ``own0``–``own3``.
* ``x``: in no edge. It replies to ``t0``, ``t1`` and ``t2`` ten minutes after a
  member, on three days, to ``t5`` five hours after the members (outside the
  three-hour window: not counted), and reshares ``own3`` twenty minutes after ``m0``
  posted it on the fourth day: four co-actions on four days, where chance gives about 0.05.
* ``y``: replies to ``t3`` once after a member: one co-action, chance's doing.
* ``z``: replies to the same posts ``t0``, ``t1``, ``t2``, ``t4`` and ``t5`` within
  the window, but all its replies fall on one day (the posts are old ones the
  members came back to): four co-actions on one day.
* ``b000``–``b399``: the background: each replies to a post of its own and
  reshares another's, meeting nobody.
"""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from cib.config import load_config
from cib.network.attach import attach_accounts, pooled_coactions
from cib.schema import ACCOUNT_SCORES, conform

T0 = int(datetime(2025, 2, 3, 6, tzinfo=UTC).timestamp())
DAY, MIN = 86_400, 60


def _posts() -> pl.DataFrame:
    rows: list[dict] = []

    def post(pid, acc, t, reply_to=None, reshare_of=None):
        rows.append({"post_id": pid, "account_id": acc, "created_at": datetime.fromtimestamp(t, UTC),
                     "reply_to": reply_to, "reshare_of": reshare_of})

    for d in range(6):
        post(f"t{d}", "opp", T0 + d * DAY)
        for i, m in enumerate(("m0", "m1", "m2")):
            post(f"r{d}{m}", m, T0 + d * DAY + (5 + i) * MIN, reply_to=f"t{d}")
    for k in range(4):
        post(f"own{k}", f"m{k % 3}", T0 + k * DAY + 3 * 3600)
    for d in range(3):
        post(f"x{d}", "x", T0 + d * DAY + 15 * MIN, reply_to=f"t{d}")
    post("x5", "x", T0 + 5 * DAY + 5 * 3600 + 5 * MIN, reply_to="t5")  # five hours after the members
    post("xs", "x", T0 + 3 * DAY + 3 * 3600 + 20 * MIN, reshare_of="own3")
    post("y3", "y", T0 + 3 * DAY + 30 * MIN, reply_to="t3")
    # z replies on day 4 only, to old posts the members replied to that day too
    for d in (0, 1, 2, 5):
        post(f"late{d}", "m0", T0 + 4 * DAY + d * MIN, reply_to=f"t{d}")
        post(f"z{d}", "z", T0 + 4 * DAY + (d + 10) * MIN, reply_to=f"t{d}")
    for i in range(400):
        b = f"b{i:03d}"
        post(f"{b}o", b, T0 + (i % 6) * DAY + 7200)
        post(f"{b}r", b, T0 + (i % 6) * DAY + 9000, reply_to=f"{b}o")
        post(f"{b}s", b, T0 + (i % 6) * DAY + 9600, reshare_of=f"b{(i + 1) % 400:03d}o")
    return pl.DataFrame(rows).sort("post_id")


def _table() -> pl.DataFrame:
    rows = [{"account_id": m, "cluster_id": 0, "flagged": True, "label": "troll", "score": 0.6, "reasons": ["in"]}
            for m in ("m0", "m1", "m2")]
    return conform(pl.DataFrame(rows, schema=ACCOUNT_SCORES), "account_scores")


JUDGED = {0: {"label": "troll", "score": 0.6, "bot": 0.0, "troll": 0.7, "confidence": "high"}}


def test_pooled_coactions_count_each_post_once_inside_the_windows():
    members = _table().select("account_id", "cluster_id")
    outside = pl.Series(["x", "y", "z"] + [f"b{i:03d}" for i in range(400)])
    per, tests = pooled_coactions(_posts(), members, outside, 10800.0, 3600.0)
    got = {r["account_id"]: (r["replies"], r["reshares"], r["days"]) for r in per.iter_rows(named=True)}
    assert got == {"x": (3, 1, 4), "y": (1, 0, 1), "z": (4, 0, 1)}
    assert tests == 403  # every outside account with a reply or a reshare, times one network
    # chance: 8 of the 409 outside replies and 1 of the 401 outside reshares meet the network
    x = per.filter(pl.col("account_id") == "x").row(0, named=True)
    assert x["expected"] == pytest.approx(4 * 8 / 409 + 1 / 401)


def test_an_account_in_no_edge_is_attached_by_its_coactions_on_separate_days():
    out = attach_accounts(_posts(), _table(), JUDGED, load_config())
    attached = out.filter(~pl.col("account_id").is_in(["m0", "m1", "m2"]))
    assert attached.get_column("account_id").to_list() == ["x"]
    row = attached.row(0, named=True)
    assert (row["cluster_id"], row["flagged"], row["label"], row["score"]) == (0, True, "troll", 0.3)
    assert row["reasons"][0].startswith("attached to network 0 (human-operated-like coordination")
    assert "replied to 3 post(s) its flagged members replied to and reshared 1 of their own posts, on 4 separate days" in row["reasons"][1]


def test_one_busy_day_is_not_a_habit_and_the_rule_can_be_turned_off():
    # z's four co-actions on one day pass the test but not score.attach.min_days; with one day asked it is attached
    lax = attach_accounts(_posts(), _table(), JUDGED, load_config(overrides={"score.attach.min_days": 1}))
    assert sorted(set(lax.get_column("account_id")) - {"m0", "m1", "m2"}) == ["x", "z"]
    off = attach_accounts(_posts(), _table(), JUDGED, load_config(overrides={"score.attach.max_fdr": 0}))
    assert off.equals(_table())


def test_nothing_is_attached_to_an_unflagged_network():
    table = _table().with_columns(pl.lit(False).alias("flagged"), pl.lit("organic").alias("label"))
    assert attach_accounts(_posts(), table, JUDGED, load_config()).equals(table)
