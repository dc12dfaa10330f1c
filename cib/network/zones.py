"""The clock each network lives by: its zone, read from its own daily rhythm.

Night, office hours and weekdays mean something only on the wall clock where
the accounts post. Unless ``score.timezone`` names a zone, none is assumed:

* **The collection's rhythm.** All posts are counted by UTC hour of day. For
  each whole-hour offset from UTC (−11 to +12) the share of posts falling in
  ``score.night_hours`` of that clock is computed; the offset that makes the
  night quietest is the collection's zone. It counts as a daily low only when
  that share is at most ``score.zone.max_night_ratio`` of a flat day's (a flat
  day puts 5/24 of its posts in a 5-hour night); when several clocks are
  exactly as quiet, the middle one.
* **Each network's own rhythm**, the same way, each member weighing the same,
  from at least ``score.zone.min_posts`` posts. Several offsets can be about as
  quiet (within ``score.zone.tie`` of the quietest: a team working 09:00–18:00
  is silent fifteen hours a day); the collection's offset is kept when it is
  one of them (the network's low agrees with everyone else's: *high*
  confidence), otherwise the middle of the quiet run (*medium*: the network
  lives by another clock than the collection).
* A network without a daily low of its own (round the clock, or too few
  posts) is read on the collection's clock (*medium* when the collection's low
  is clear, *low* otherwise); with no low anywhere, in UTC, and the indicators
  that need a wall clock (office hours, quiet nights) are left out.

Offsets are whole hours, without daylight saving: a half-hour zone is read
to the nearest hour either side. A configured zone is used as it is, with its
historical offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from cib.network.account_features import hours, timezone
from cib.schema import TIME

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["Zone", "OFFSETS", "offset_name", "night_shares", "collection_zone", "cluster_zones"]

#: candidate offsets from UTC, in hours (each clock once: +13 and +14 are −11 and −10 a day apart)
OFFSETS: tuple[int, ...] = tuple(range(-11, 13))


@dataclass(frozen=True)
class Zone:
    """The clock a network's (or the collection's) hours are read on.

    Attributes
    ----------
    name
        ``"UTC+5"``, ``"UTC-3"``, ``"UTC"`` or the configured IANA name.
    offset_s
        Seconds from UTC of an inferred clock; ``None`` for a configured zone
        (read with its historical offsets).
    basis
        ``"configured"`` (``score.timezone``), ``"own"`` (the network's own daily
        low), ``"collection"`` (the collection's daily low) or ``"none"`` (no
        daily low anywhere: UTC, and wall-clock indicators left out).
    confidence
        ``"high"``, ``"medium"`` or ``"low"``.
    quiet_share
        Share of posts in the quietest ``score.night_hours``-long stretch of the
        day (``None`` when not measured).
    """

    name: str
    offset_s: int | None
    basis: str
    confidence: str
    quiet_share: float | None = None

    @property
    def wall_clock(self) -> bool:
        """Whether office hours and nights can be judged on this clock."""
        return self.basis != "none"

    def said(self, collection: Zone | None = None) -> str:
        """The sentence a reader sees: which clock, why, and how sure."""
        if self.basis == "configured":
            return f"hours read in {self.name}, as configured (score.timezone)"
        if self.basis == "none":
            return ("no daily rhythm in the network or the collection: hours read in UTC, and office hours "
                    "and quiet nights not judged (low confidence)")
        if self.basis == "own":
            agrees = collection is not None and collection.offset_s == self.offset_s
            where = ("agreeing with the collection's" if agrees else
                     f"the collection's is {collection.name}" if collection is not None and collection.wall_clock else
                     "the collection shows none")
            return (f"hours read in {self.name}, inferred from the network's own daily low "
                    f"({_pct(self.quiet_share)} of posts in its quietest hours; {where}; {self.confidence} confidence)")
        why = ("too few posts to show a daily low of its own" if self.quiet_share is None else
               f"the network has no daily low of its own ({_pct(self.quiet_share)} of posts even in its quietest hours")
        return f"hours read in {self.name}, the collection's clock: {why}{')' if self.quiet_share is not None else ''}; {self.confidence} confidence"


def _pct(x: float | None) -> str:
    return "?" if x is None else f"{100 * x:.0f}%"


def offset_name(offset_s: int) -> str:
    """``UTC+5``, ``UTC-3:30``, ``UTC`` for an offset in seconds."""
    if offset_s == 0:
        return "UTC"
    h, m = divmod(abs(int(offset_s)) // 60, 60)
    return f"UTC{'+' if offset_s > 0 else '-'}{h}" + (f":{m:02d}" if m else "")


def night_shares(profile: np.ndarray, night: tuple[int, int]) -> np.ndarray:
    """Share of a UTC hour-of-day profile falling in the night on each clock of :data:`OFFSETS`.

    Parameters
    ----------
    profile
        24 weights by UTC hour (any scale).
    night
        ``score.night_hours`` (local start and end hour, end excluded).

    Returns
    -------
    numpy.ndarray
        One share per offset, in the order of :data:`OFFSETS`.
    """
    total = float(profile.sum())
    if total <= 0:
        return np.full(len(OFFSETS), np.nan)
    local_night = np.arange(night[0], night[1])
    return np.array([profile[(local_night - o) % 24].sum() / total for o in OFFSETS])


def _settings(cfg: Config) -> tuple[tuple[int, int], float, float, int]:
    night = hours(cfg, "score.night_hours")
    flat = (night[1] - night[0]) / 24.0
    return night, float(cfg["score.zone.max_night_ratio"]) * flat, float(cfg["score.zone.tie"]), int(cfg["score.zone.min_posts"])


def _hour_counts(lf: pl.LazyFrame, by: list[str]) -> pl.LazyFrame:
    return lf.filter(pl.col("created_at").is_not_null()).group_by(
        *by, pl.col("created_at").cast(TIME).dt.hour().alias("_h")
    ).agg(pl.len().alias("_n"))


def collection_zone(posts: pl.DataFrame, cfg: Config) -> Zone:
    """The collection's clock: ``score.timezone`` when set, otherwise its daily low (module docstring).

    Parameters
    ----------
    posts
        Canonical posts.
    cfg
        Effective configuration.

    Returns
    -------
    Zone
    """
    configured = str(cfg["score.timezone"])
    if configured != "auto":
        return Zone(timezone(cfg), None, "configured", "high")
    night, clear, _, least = _settings(cfg)
    counts = _hour_counts(posts.lazy(), []).collect()
    profile = np.zeros(24)
    profile[counts["_h"].to_numpy()] = counts["_n"].to_numpy()
    shares = night_shares(profile, night)
    if profile.sum() < least or np.isnan(shares).all():
        return Zone("UTC", 0, "none", "low")
    quiet = float(shares.min())
    if quiet > clear:
        return Zone("UTC", 0, "none", "low", quiet)
    # a whole collection's profile is precise: only exact ties (a fixed schedule) are ambiguous
    best = _middle_of_run(shares <= quiet + 1e-12, int(np.argmin(shares)))
    return Zone(offset_name(OFFSETS[best] * 3600), OFFSETS[best] * 3600, "collection",
                "high" if quiet <= clear / 2 else "medium", quiet)


def _middle_of_run(tied: np.ndarray, best: int) -> int:
    """Index (into :data:`OFFSETS`) at the middle of the circular run of tied offsets containing ``best``."""
    n = len(tied)
    lo = hi = best
    while tied[(lo - 1) % n] and (best - lo) < n - 1:
        lo -= 1
    while tied[(hi + 1) % n] and (hi - lo) < n - 1:
        hi += 1
    return ((lo + hi) // 2) % n


def cluster_zones(posts: pl.DataFrame, members: pl.DataFrame, cfg: Config, collection: Zone) -> dict[int, Zone]:
    """Each cluster's clock (module docstring).

    Parameters
    ----------
    posts
        Canonical posts.
    members
        ``account_id, cluster_id``.
    cfg
        Effective configuration.
    collection
        The collection's clock (:func:`collection_zone`).

    Returns
    -------
    dict
        Cluster id → :class:`Zone`, for every cluster in ``members``.
    """
    ids = sorted({int(c) for c in members["cluster_id"].unique().to_list()})
    if collection.basis == "configured":
        return dict.fromkeys(ids, collection)
    night, clear, tie, least = _settings(cfg)
    counts = (
        _hour_counts(posts.lazy().select("account_id", "created_at").join(members.lazy(), on="account_id"),
                     ["cluster_id", "account_id"])
        .with_columns((pl.col("_n") / pl.col("_n").sum().over("cluster_id", "account_id")).alias("_w"))
        .group_by("cluster_id", "_h")
        .agg(pl.col("_w").sum(), pl.col("_n").sum())
        .collect()
    )
    profiles: dict[int, np.ndarray] = {}
    n_posts: dict[int, int] = {}
    for cid, h, w, n in counts.iter_rows():
        profiles.setdefault(int(cid), np.zeros(24))[int(h)] = w
        n_posts[int(cid)] = n_posts.get(int(cid), 0) + int(n)
    inherited = Zone(collection.name, collection.offset_s, collection.basis,
                     "medium" if collection.confidence == "high" else "low")
    out: dict[int, Zone] = {}
    for cid in ids:
        shares = night_shares(profiles.get(cid, np.zeros(24)), night)
        if n_posts.get(cid, 0) < least or np.isnan(shares).all():
            out[cid] = inherited
            continue
        best = int(np.argmin(shares))
        quiet = float(shares[best])
        if quiet > clear:
            out[cid] = Zone(inherited.name, inherited.offset_s, inherited.basis, inherited.confidence, quiet)
            continue
        tied = shares <= quiet + tie
        home = OFFSETS.index(collection.offset_s // 3600) if collection.basis == "collection" else None
        if home is not None and tied[home]:
            out[cid] = Zone(collection.name, collection.offset_s, "own", "high", quiet)
        else:
            pick = _middle_of_run(tied, best)
            out[cid] = Zone(offset_name(OFFSETS[pick] * 3600), OFFSETS[pick] * 3600, "own", "medium", quiet)
    return out
