"""Helpers shared by the detection tests (no tests here): tiny posts, a brute-force reference, synthetic data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import combinations
from typing import Any

import numpy as np
import polars as pl

from cib.config import load_config
from cib.schema import conform

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)

#: settings under which edges are the raw pairs: nothing filtered, weight = n_pairs
RAW = {
    "detect.min_participation": 1,
    "detect.significance": False,
    "detect.weight": "n_pairs",
    "detect.min_weight": 0.0,
    "detect.evidence_per_edge": 1000,
}


def cfg(**values: Any):
    """A configuration with RAW settings, then ``values`` (``detect__x`` → ``detect.x``)."""
    over = dict(RAW)
    over.update({k.replace("__", "."): v for k, v in values.items()})
    return load_config(overrides=over)


def posts_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Canonical posts from short rows: ``id, acct, t`` (seconds after T0) and any other column."""
    out = []
    for i, r in enumerate(rows):
        r = dict(r)
        row = {
            "post_id": str(r.pop("id", f"p{i}")),
            "account_id": str(r.pop("acct")),
            "created_at": T0 + timedelta(seconds=float(r.pop("t"))),
            "source_row": i + 1,
            "source_file": "test",
            "platform": "test",
        }
        for col in ("urls", "hashtags", "mentions", "media"):
            row[col] = list(r.pop(col, []))
        row.update(r)
        out.append(row)
    frame = pl.DataFrame(out, schema_overrides={"created_at": pl.Datetime("us", "UTC")}, infer_schema_length=None)
    return conform(frame, "posts")


def naive_pairs(shares: list[tuple[str, str, str, float]], window: float) -> dict[tuple[str, str], int]:
    """Brute force: (account, object, post, t) shares → {(a, b): n_pairs} with |Δt| ≤ window."""
    out: dict[tuple[str, str], int] = {}
    for (a1, o1, _, t1), (a2, o2, _, t2) in combinations(shares, 2):
        if o1 == o2 and a1 != a2 and abs(t1 - t2) <= window:
            key = (min(a1, a2), max(a1, a2))
            out[key] = out.get(key, 0) + 1
    return out


def synthetic_reshares(seed: int = 7) -> tuple[pl.DataFrame, set[str], set[str]]:
    """Organic users resharing a few viral posts and a long tail, plus a planted network.

    - 1,200 organic accounts; 25 viral posts, each reshared by ~350 of them in a
      burst (exponential delays, mean 10 min) after the post appears; each
      organic account also reshares ~8 posts from a 30,000-post long tail at
      random times over a week.
    - 12 planted accounts that also reshare viral posts like everyone, and
      together reshare 30 obscure posts, each within 20 s of its first share
      (each planted account joins each obscure post with probability 0.8).

    Returns
    -------
    posts, organic, planted
    """
    rng = np.random.default_rng(seed)
    week = 7 * 86_400
    rows: list[tuple[str, str, float, str]] = []
    organic = [f"org{i:04d}" for i in range(1200)]
    planted = [f"bot{i:02d}" for i in range(12)]
    everyone = organic + planted
    for v in range(25):
        start = rng.uniform(0, week - 86_400)
        who = rng.choice(len(everyone), size=350, replace=False)
        for w in who:
            rows.append((everyone[w], f"viral{v}", start + rng.exponential(600.0), "v"))
    for acct in organic:
        for _ in range(rng.poisson(8)):
            rows.append((acct, f"tail{rng.integers(30_000)}", rng.uniform(0, week), "t"))
    for k in range(30):
        start = rng.uniform(0, week)
        for acct in planted:
            if rng.random() < 0.8:
                rows.append((acct, f"obscure{k}", start + rng.uniform(0, 20.0), "o"))
    frame = pl.DataFrame(
        {
            "post_id": [f"s{i}" for i in range(len(rows))],
            "account_id": [r[0] for r in rows],
            "reshare_of": [r[1] for r in rows],
            "created_at": [T0 + timedelta(seconds=round(r[2])) for r in rows],
        },
        schema_overrides={"created_at": pl.Datetime("us", "UTC")},
    )
    return conform(frame, "posts"), set(organic), set(planted)
