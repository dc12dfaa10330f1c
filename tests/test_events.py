"""Events (before / during / after) and bursts against a rolling baseline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from cib.config import load_config
from cib.errors import ConfigError
from cib.network.events import (
    BURSTS,
    EVENT_ACTIVITY,
    bursts,
    event_activity,
    load_events,
    parse_duration,
    parse_event_flag,
)

E = datetime(2024, 3, 20, 12, 0, tzinfo=UTC)


def _posts(rows: list[tuple[str, datetime]]) -> pl.DataFrame:
    return pl.DataFrame(
        {"account_id": [a for a, _ in rows], "created_at": [t for _, t in rows]},
        schema={"account_id": pl.String, "created_at": pl.Datetime("us", "UTC")},
    )


def test_parse_event_flag():
    assert parse_event_flag("election=2024-03-20T00:00:00Z") == {
        "name": "election",
        "time": "2024-03-20T00:00:00Z",
        "window": None,
    }
    assert parse_event_flag("debate = 2024-03-01T18:00:00+05:00, window=12h")["window"] == 12 * 3600
    for bad in ("election", "x=not-a-time", "x=2024-03-20T00:00:00Z,span=2d", "=2024-03-20"):
        with pytest.raises(ConfigError):
            parse_event_flag(bad)


def test_parse_duration():
    assert parse_duration(90) == 90
    assert parse_duration("30m") == 1800
    assert parse_duration("2d") == 172800
    assert parse_duration("1.5h") == 5400
    for bad in ("soon", "-3h", 0, True):
        with pytest.raises(ConfigError):
            parse_duration(bad)


def test_load_events_from_toml_and_flags(tmp_path):
    toml = tmp_path / "cib.toml"
    toml.write_text(
        '[ingest]\ndefault_timezone = "Asia/Almaty"\n'
        '[event]\nwindow = 7200\n'
        '[[events]]\nname = "debate"\ntime = 2024-03-01T18:00:00\nwindow = "3h"\n'
        '[[events]]\nname = "protest"\ntime = "2024-02-27T10:42:17Z"\n'
    )
    cfg = load_config(toml)
    events = load_events(cfg, [parse_event_flag("election=2024-03-20T00:00:00Z")])
    assert [e["name"] for e in events] == ["protest", "debate", "election"]
    debate = events[1]
    assert debate["time"] == datetime(2024, 3, 1, 13, 0, tzinfo=UTC)  # local time read in Asia/Almaty (UTC+5 then)
    assert debate["window"] == 3 * 3600
    assert events[0]["window"] == 7200  # event.window
    with pytest.raises(ConfigError, match="name and a time"):
        load_events(load_config(overrides={"events": [{"name": "x"}]}))


def test_event_activity_by_hand():
    h = timedelta(hours=1)
    posts = _posts(
        [("a", E - 2 * h), ("b", E - 0.5 * h)]  # before (window 3 h)
        + [("a", E), ("a", E + h), ("b", E + 2 * h), ("c", E + 2.5 * h)]  # during
        + [("a", E + 3 * h), ("z", E + 4 * h)]  # after
        + [("a", E + 7 * h)]  # outside
    )
    events = [{"name": "vote", "time": E, "window": 3 * 3600.0}]
    out = event_activity(posts, {"a": 0, "b": 0, "c": 1}, events)
    assert out.schema == pl.Schema(EVENT_ACTIVITY)
    got = {(r["cluster_id"], r["period"]): (r["posts"], r["accounts"]) for r in out.iter_rows(named=True)}
    assert got[(0, "before")] == (2, 2)
    assert got[(0, "during")] == (3, 2)
    assert got[(0, "after")] == (1, 1)
    assert got[(1, "during")] == (1, 1) and got[(1, "before")] == (0, 0)
    assert got[(None, "after")] == (2, 2)  # the whole collection, for comparison
    c0 = out.filter((pl.col("cluster_id") == 0) & (pl.col("period") == "during"))
    assert c0["change_vs_before"][0] == pytest.approx(1.5)
    assert c0["start"][0] == E and c0["end"][0] == E + 3 * h
    assert event_activity(posts, {"a": 0}, []).height == 0


def test_bursts_find_the_planted_burst():
    rng = np.random.default_rng(0)
    t0 = datetime(2024, 3, 1, tzinfo=UTC)
    rows = []
    for k in range(300):  # background: ~0.4 posts an hour over a month
        rows.append((f"a{k % 6}", t0 + timedelta(seconds=int(rng.integers(0, 30 * 86400)))))
    burst_start = t0 + timedelta(days=12, hours=14)
    for k in range(60):  # 60 posts in two hours
        rows.append((f"a{k % 6}", burst_start + timedelta(seconds=int(rng.integers(0, 7200)))))
    posts = _posts(rows)
    out = bursts(posts, {f"a{i}": 0 for i in range(6)}, load_config())
    assert out.schema == pl.Schema(BURSTS)
    assert out.height == 1
    b = out.row(0, named=True)
    assert b["start"] == burst_start and b["end"] == burst_start + timedelta(hours=2)
    assert b["posts"] >= 60 and b["accounts"] == 6 and b["baseline"] < 2
    quiet = bursts(posts, {f"a{i}": 0 for i in range(6)}, load_config(overrides={"bursts.min_posts": 100}))
    assert quiet.height == 0


def test_bursts_merge_across_short_gaps_and_ignore_other_accounts():
    t0 = datetime(2024, 3, 1, tzinfo=UTC)
    rows = [("a", t0 + timedelta(hours=h)) for h in range(0, 200, 7)]
    for h in (100, 101, 103):  # one quiet hour in between: merged with bursts.max_gap = 1
        rows += [("a", t0 + timedelta(hours=h, minutes=m)) for m in range(0, 60, 4)]
    rows += [("x", t0 + timedelta(hours=50, minutes=m)) for m in range(60)]
    posts = _posts(rows)
    out = bursts(posts, pl.DataFrame({"account_id": ["a"], "cluster_id": [3]}), load_config())
    assert out.height == 1
    assert out["start"][0] == t0 + timedelta(hours=100) and out["end"][0] == t0 + timedelta(hours=104)
    assert out["cluster_id"][0] == 3
    split = bursts(posts, {"a": 3}, load_config(overrides={"bursts.max_gap": 0}))
    assert split.height == 2
