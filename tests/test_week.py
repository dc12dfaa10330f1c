"""The week-aware null model (``detect.null.time_of_week``): habits explained, shared minutes not."""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from cib.config import load_config
from cib.detect.amplify import amplify_events, pair_tests
from cib.detect.sync import sync_edges
from cib.detect.week import HOURS, hour_of_week, week_profiles
from tests.test_detect_support import posts_frame

H = 3600
T0 = 1_740_009_600  # 2025-02-20T00:00:00Z, a Thursday, like the epoch: hour of the week 0


def _dense(counts: np.ndarray, share: np.ndarray, prior: float) -> np.ndarray:
    """Brute force: each account's profile shrunk towards everyone's."""
    return (counts + prior * share[None, :]) / (counts.sum(axis=1, keepdims=True) + prior)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(0, 10_000),
    st.floats(0.0, 60.0),
)
def test_factor_and_bound_match_the_dense_sum(n_acc: int, seed: int, prior: float) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(n_acc, 40))
    rows = rng.integers(0, n_acc, n)
    hours = rng.choice(HOURS, n, p=rng.dirichlet(np.full(HOURS, 0.2)))
    weight = rng.random(HOURS)
    week = week_profiles(rows, hours, n_acc, weight, prior)
    counts = np.zeros((n_acc, HOURS))
    np.add.at(counts, (rows, hours), 1.0)
    pi = _dense(counts, week.share, prior)
    i, j = np.meshgrid(np.arange(n_acc), np.arange(n_acc))
    i, j = i.reshape(-1), j.reshape(-1)
    want = (pi[i] * pi[j] * weight).sum(axis=1)
    got = week.factor(i, j)
    # without a prior, an account never seen has no week (its factor is 0, its expectation nil anyway)
    seen = counts.sum(axis=1) > 0
    live = (seen[i] & seen[j]) if prior == 0 else np.ones(len(i), dtype=bool)
    assert np.all(got[~live] == 0.0)
    np.testing.assert_allclose(got[live], want[live], rtol=1e-9, atol=1e-15)
    bound = week.bound()
    assert np.all(got[live] <= bound[i][live] * bound[j][live] * (1 + 1e-9) + 1e-15)


def test_everyones_week_gives_the_uniform_factor() -> None:
    # three accounts whose activity is spread exactly like everyone's: every prior gives Z
    hours = np.repeat(np.array([0, 5, 5, 100]), 3)
    rows = np.tile(np.arange(3), 4)
    weight = np.linspace(0.5, 2.0, HOURS)
    for prior in (0.0, 3.0, 1e9):
        week = week_profiles(rows, hours, 3, weight, prior)
        z = float((week.share**2 * weight).sum())
        np.testing.assert_allclose(week.factor(np.array([0, 1, 2]), np.array([1, 2, 0])), z, rtol=1e-12)


def test_hour_of_week_is_floored_before_1970() -> None:
    t = pl.Series([0, H * 1_000_000 - 1, -1, 168 * H * 1_000_000 + 5 * H * 1_000_000])
    assert pl.select(hour_of_week(pl.lit(t))).to_series().to_list() == [0, 0, 167, 5]


def _events_in_two_hours() -> list[dict]:
    """``u`` reshares ``v`` twice in hour 0; ``w`` reshares ``x`` twice in hour 0 and four times in hour 1."""
    rows: list[dict] = []
    for k, (acct, author, hour) in enumerate(
        [("u", "v", 0), ("u", "v", 0), ("w", "x", 0), ("w", "x", 0)] + [("w", "x", 1)] * 4
    ):
        rows.append({"id": f"o{k}", "acct": author, "t": hour * H + k})
        rows.append({"id": f"r{k}", "acct": acct, "t": hour * H + 60 + k, "reshare_of": f"o{k}"})
    return rows


def test_amplify_expectations_by_hand() -> None:
    # T0 of posts_frame is 2024-03-01T12:00Z: hours 0 and 1 after it are two hours of the week
    ev = amplify_events(posts_frame(_events_in_two_hours()).lazy(), 6 * H, quotes=False)
    flat, _ = pair_tests(ev, None)
    week, _ = pair_tests(ev, 0.0)
    lam = {(r["u"], r["v"]): r["lam_uv"] for r in week.iter_rows(named=True)}
    flat_lam = {(r["u"], r["v"]): r["lam_uv"] for r in flat.iter_rows(named=True)}
    # uniform: r_u s_v / R = 2·2/8 and 6·6/8
    assert flat_lam == {("u", "v"): 0.5, ("w", "x"): 4.5}
    # hour 0 holds half of the events: F_uv = 1·1/0.5 = 2; F_wx = (1/3)²/0.5 + (2/3)²/0.5 = 10/9
    assert lam[("u", "v")] == 1.0
    assert abs(lam[("w", "x")] - 5.0) < 1e-12


def _office(seed: int = 3, n_background: int = 300, n_office: int = 12, n_bots: int = 3) -> pl.DataFrame:
    """Accounts posting at any hour; an office posting only 09:00–10:00 UTC on weekdays; three of it in step.

    Office staff post at random seconds of their one working hour: they share
    10-minute bins because they keep the same hour, nothing more. The three bots
    among them post within 20 s of each other at thirty moments of that hour.
    """
    rng = np.random.default_rng(seed)
    acc: list[str] = []
    ts: list[int] = []
    days = 28
    for i in range(n_background):
        k = int(rng.integers(20, 60))
        acc += [f"any{i:03d}"] * k
        ts += list(T0 + rng.integers(0, days * 86400, k))
    weekdays = np.array([d for d in range(days) if (d + 3) % 7 < 5])  # T0 is a Thursday
    for i in range(n_office):
        k = 40
        acc += [f"office{i:02d}"] * k
        ts += list(T0 + rng.choice(weekdays, k) * 86400 + 9 * H + rng.integers(0, H, k))
    moments = T0 + rng.choice(weekdays, 30) * 86400 + 9 * H + rng.integers(0, H - 60, 30)
    for b in range(n_bots):
        acc += [f"office{b:02d}"] * len(moments)
        ts += list(moments + rng.integers(0, 20, len(moments)))
    return pl.DataFrame(
        {
            "post_id": [f"p{i:06d}" for i in range(len(acc))],
            "account_id": acc,
            "created_at": np.asarray(ts, dtype=np.int64) * 1_000_000,
            "reshare_of": [None] * len(acc),
            "reply_to": [None] * len(acc),
        },
        schema_overrides={"reshare_of": pl.String, "reply_to": pl.String},
    ).with_columns(pl.col("created_at").cast(pl.Datetime("us", "UTC")))


def _pairs(edges: pl.DataFrame) -> set[tuple[str, str]]:
    return set(edges.select("account_a", "account_b").iter_rows())


def test_a_shared_working_hour_is_expected_and_shared_minutes_are_not() -> None:
    posts = _office()
    bots = {("office00", "office01"), ("office00", "office02"), ("office01", "office02")}
    flat = _pairs(sync_edges(posts, load_config(overrides={"detect.null.time_of_week": False})))
    week = _pairs(sync_edges(posts, load_config()))
    assert bots <= flat and bots <= week
    office = {p for p in flat - bots if p[0].startswith("office") and p[1].startswith("office")}
    assert len(office) >= 20, "without the week, the office's shared hour reads as synchrony"
    assert week == bots
