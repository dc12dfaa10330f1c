"""Events and bursts: when clusters were active, relative to what happened.

Events
    Declared in ``cib.toml`` as ``[[events]]`` tables (``name``, ``time``, optional
    ``window``) or with ``--event "name=2024-03-20T00:00:00Z[,window=2d]"``.
    Times without an offset are read in ``ingest.default_timezone``. Around an
    event at time *t* with window *w* (default ``event.window``):

    * *before* is ``[t − w, t)``,
    * *during* is ``[t, t + w)``,
    * *after* is ``[t + w, t + 2w)``,

    three periods of equal length, so their post counts compare directly.

Bursts
    A cluster's posts are counted in bins of ``bursts.bin`` seconds between its
    first and last post (empty bins count 0). The baseline of a bin is the mean
    of the ``bursts.baseline_bins`` bins before it (the cluster's overall mean
    for the first bin). A bin is bursting when it holds at least
    ``bursts.min_posts`` posts and more than ``baseline + bursts.z·√max(baseline, 1)``
    (a Poisson-style margin). Bursting bins no more than ``bursts.max_gap``
    bins apart merge into one burst, reported with its start, end, posts,
    peak, baseline and active accounts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from cib.errors import ConfigError
from cib.params import parse_duration
from cib.schema import BURSTS, EVENT_ACTIVITY, TIME

if TYPE_CHECKING:
    from cib.config import Config

__all__ = [
    "parse_event_flag",
    "load_events",
    "event_activity",
    "bursts",
    "EVENT_ACTIVITY",
    "BURSTS",
]

def _seconds(value: Any, what: str) -> float:
    """A duration in seconds (:func:`cib.params.parse_duration`, the one reader of durations)."""
    return float(parse_duration(value, what))


def _parse_time(value: Any, default_tz: str, what: str) -> datetime:
    if isinstance(value, datetime):
        dt = value
    else:
        text = str(value).strip()
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ConfigError(
                f"{what}: time {value!r} is not an ISO 8601 date-time", hint="write it like 2024-03-20T18:00:00Z"
            ) from None
    if dt.tzinfo is None:
        try:
            dt = dt.replace(tzinfo=ZoneInfo(default_tz))
        except ZoneInfoNotFoundError:
            raise ConfigError(f"ingest.default_timezone = {default_tz!r} is not an IANA time zone") from None
    return dt.astimezone(UTC)


def parse_event_flag(text: str) -> dict[str, Any]:
    """Read one ``--event`` flag.

    Parameters
    ----------
    text
        ``NAME=TIME`` or ``NAME=TIME,window=DURATION``; TIME is ISO 8601
        (``2024-03-20T00:00:00Z``), DURATION seconds or ``30m``/``12h``/``2d``.

    Returns
    -------
    dict
        ``{"name": str, "time": str (as written), "window": float | None}``: the
        form of one ``[[events]]`` entry, to append to the ``events`` parameter.
    """
    if "=" not in text:
        raise ConfigError(f"--event {text}: expected NAME=TIME, e.g. election=2024-03-20T00:00:00Z")
    name, rest = text.split("=", 1)
    name = name.strip()
    parts = [p.strip() for p in rest.split(",")]
    when, window = parts[0], None
    for extra in parts[1:]:
        key, _, value = extra.partition("=")
        if key.strip() != "window" or not value:
            raise ConfigError(f"--event {text}: unknown option {extra!r} (only window=DURATION)")
        window = _seconds(value, f"--event {name} window")
    if not name or not when:
        raise ConfigError(f"--event {text}: expected NAME=TIME, e.g. election=2024-03-20T00:00:00Z")
    _parse_time(when, "UTC", f"--event {name}")
    return {"name": name, "time": when, "window": window}


def load_events(cfg: Config, extra: Iterable[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """The configured events, checked: ``name``, ``time`` (UTC datetime), ``window`` (seconds).

    Parameters
    ----------
    cfg
        Effective configuration (``events``, ``event.window``, ``ingest.default_timezone``).
    extra
        More events (e.g. from :func:`parse_event_flag`).

    Returns
    -------
    list of dict
        Sorted by time, then name.
    """
    default_window = float(cfg["event.window"])
    tz = str(cfg["ingest.default_timezone"])
    out = []
    for i, ev in enumerate([*cfg["events"], *extra]):
        if not isinstance(ev, Mapping) or "name" not in ev or "time" not in ev:
            raise ConfigError(f"events[{i}] = {ev!r}: each event needs a name and a time")
        name = str(ev["name"])
        window = ev.get("window")
        out.append(
            {
                "name": name,
                "time": _parse_time(ev["time"], tz, f"event {name}"),
                "window": default_window if window is None else _seconds(window, f"event {name} window"),
            }
        )
    return sorted(out, key=lambda e: (e["time"], e["name"]))


def _membership_frame(membership: Mapping[str, int] | pl.DataFrame) -> pl.DataFrame:
    if isinstance(membership, pl.DataFrame):
        frame = membership.select("account_id", "cluster_id").filter(pl.col("cluster_id").is_not_null())
    else:
        frame = pl.DataFrame(
            {"account_id": list(membership.keys()), "cluster_id": list(membership.values())},
            schema={"account_id": pl.String, "cluster_id": pl.Int64},
        )
    return frame.with_columns(pl.col("cluster_id").cast(pl.Int64))


def _clustered_posts(posts: pl.DataFrame, membership: Mapping[str, int] | pl.DataFrame) -> pl.DataFrame:
    return (
        posts.lazy()
        .filter(pl.col("created_at").is_not_null())
        .select("account_id", pl.col("created_at").cast(TIME).dt.epoch("us").alias("t"))
        .join(_membership_frame(membership).lazy(), on="account_id", how="inner")
        .collect()
    )


def event_activity(
    posts: pl.DataFrame,
    membership: Mapping[str, int] | pl.DataFrame,
    events: list[dict[str, Any]],
    *,
    include_all: bool = True,
) -> pl.DataFrame:
    """Posts and active accounts of each cluster before, during and after each event.

    Parameters
    ----------
    posts
        Canonical posts.
    membership
        Account id → cluster id, or a frame with ``account_id, cluster_id``.
    events
        From :func:`load_events`.
    include_all
        Also give the whole collection as ``cluster_id`` null, for comparison.

    Returns
    -------
    polars.DataFrame
        :data:`EVENT_ACTIVITY` columns; ``change_vs_before`` is posts in the period
        divided by posts before (null when there were none before).
    """
    if not events:
        return pl.DataFrame(schema=EVENT_ACTIVITY)
    frames = [_clustered_posts(posts, membership)]
    if include_all:
        frames.append(
            posts.filter(pl.col("created_at").is_not_null()).select(
                "account_id",
                pl.col("created_at").cast(TIME).dt.epoch("us").alias("t"),
                pl.lit(None, pl.Int64).alias("cluster_id"),
            )
        )
    data = pl.concat(frames)
    rows = []
    for ev in events:
        t = int(ev["time"].timestamp() * 1_000_000)
        w = int(ev["window"] * 1_000_000)
        for period, start in (("before", t - w), ("during", t), ("after", t + w)):
            rows.append({"event": ev["name"], "event_us": t, "period": period, "start_us": start, "end_us": start + w})
    periods = pl.DataFrame(rows)
    groups = data.select("cluster_id").unique()
    grid = groups.join(periods, how="cross")
    # one filter per period: linear in posts × periods, never a cross join of the posts
    counted = pl.concat(
        [
            data.filter((pl.col("t") >= r["start_us"]) & (pl.col("t") < r["end_us"]))
            .group_by("cluster_id")
            .agg(pl.len().alias("posts"), pl.col("account_id").n_unique().alias("accounts"))
            .with_columns(pl.lit(r["event"]).alias("event"), pl.lit(r["period"]).alias("period"))
            for r in rows
        ]
    )
    out = grid.join(counted, on=["cluster_id", "event", "period"], how="left", nulls_equal=True).with_columns(
        pl.col("posts").fill_null(0).cast(pl.Int64),
        pl.col("accounts").fill_null(0).cast(pl.Int64),
        pl.col("event_us").cast(TIME).alias("event_time"),
        pl.col("start_us").cast(TIME).alias("start"),
        pl.col("end_us").cast(TIME).alias("end"),
        pl.col("period").replace_strict({"before": 0, "during": 1, "after": 2}, return_dtype=pl.Int8).alias("_o"),
    )
    before = out.filter(pl.col("period") == "before").select(
        "cluster_id", "event", pl.col("posts").alias("_before")
    )
    out = out.join(before, on=["cluster_id", "event"], how="left", nulls_equal=True).with_columns(
        pl.when(pl.col("_before") > 0).then(pl.col("posts") / pl.col("_before")).alias("change_vs_before")
    )
    return out.sort(["event_time", "event", "cluster_id", "_o"], nulls_last=True).select(list(EVENT_ACTIVITY))


def bursts(
    posts: pl.DataFrame,
    membership: Mapping[str, int] | pl.DataFrame,
    cfg: Config,
) -> pl.DataFrame:
    """Bursts of each cluster's activity against its rolling baseline.

    Parameters
    ----------
    posts
        Canonical posts (pass only the coordinated posts, e.g. those in the
        evidence, to find bursts of coordination rather than of all activity).
    membership
        Account id → cluster id, or a frame with ``account_id, cluster_id``.
    cfg
        Effective configuration (``bursts.*``).

    Returns
    -------
    polars.DataFrame
        :data:`BURSTS` columns, sorted by cluster and start.
    """
    size = int(_seconds(cfg["bursts.bin"], "bursts.bin") * 1_000_000)
    span = max(1, int(cfg["bursts.baseline_bins"]))
    z = float(cfg["bursts.z"])
    min_posts = int(cfg["bursts.min_posts"])
    gap = max(0, int(cfg["bursts.max_gap"]))
    data = _clustered_posts(posts, membership).with_columns((pl.col("t") // size).alias("bin"))
    if data.height == 0:
        return pl.DataFrame(schema=BURSTS)
    counts = data.group_by("cluster_id", "bin").agg(
        pl.len().alias("n"), pl.col("account_id").unique().alias("accs")
    )
    ranges = counts.group_by("cluster_id").agg(
        pl.int_ranges(pl.col("bin").min(), pl.col("bin").max() + 1).first().alias("bin"),
        pl.col("n").mean().alias("overall"),
    )
    full = (
        ranges.explode("bin")
        .join(counts, on=["cluster_id", "bin"], how="left")
        .with_columns(pl.col("n").fill_null(0))
        .sort("cluster_id", "bin")
    )
    full = full.with_columns(
        pl.col("n")
        .cast(pl.Float64)
        .shift(1)
        .rolling_mean(window_size=span, min_samples=1)
        .over("cluster_id")
        .alias("baseline")
    ).with_columns(pl.col("baseline").fill_null(pl.col("overall")))
    hot = full.filter(
        (pl.col("n") >= min_posts)
        & (pl.col("n") > pl.col("baseline") + z * pl.max_horizontal(pl.col("baseline"), pl.lit(1.0)).sqrt())
    )
    if hot.height == 0:
        return pl.DataFrame(schema=BURSTS)
    hot = hot.sort("cluster_id", "bin").with_columns(
        ((pl.col("bin").diff().over("cluster_id").fill_null(gap + 2) > gap + 1).cum_sum().over("cluster_id")).alias("run")
    )
    out = hot.group_by("cluster_id", "run").agg(
        (pl.col("bin").min() * size).cast(TIME).alias("start"),
        ((pl.col("bin").max() + 1) * size).cast(TIME).alias("end"),
        pl.col("n").sum().cast(pl.Int64).alias("posts"),
        pl.col("n").max().cast(pl.Int64).alias("peak"),
        pl.col("baseline").mean().alias("baseline"),
        pl.col("accs").list.explode(keep_nulls=False, empty_as_null=False).n_unique().cast(pl.Int64).alias("accounts"),
    )
    return out.sort("cluster_id", "start").select(list(BURSTS))
