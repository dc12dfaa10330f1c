"""The report's charts as Plotly figure dictionaries: what the charts share, and the dossiers' charts.

Figures are plain ``{"data": [...], "layout": {...}}`` dictionaries (no Python-side
validation: a report with hundreds of networks would spend most of its time
there); the page embeds them once as JSON and plotly.js draws each when it is
first shown. Every string that comes from the data goes through
:func:`cib.report.safety.hover_text`. The network chart is drawn by
:mod:`cib.report.network_view`, the timeline by :mod:`cib.report.timeline`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

__all__ = [
    "FONT",
    "ClusterInfo",
    "cluster_info",
    "base_layout",
    "hidden_axis",
    "score_text",
    "creation_figures",
    "hours_figures",
]

#: system font stack with Cyrillic (Russian, Kazakh) coverage on every desktop system
FONT = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Helvetica Neue', Arial, "
    "'Liberation Sans', 'DejaVu Sans', sans-serif, 'Apple Color Emoji', 'Segoe UI Emoji', 'Noto Color Emoji'"
)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class ClusterInfo:
    """What the charts say about a network.

    Parameters
    ----------
    key
        Cluster id (negative for flagged accounts outside any network).
    name
        ``"Network 3"``.
    label
        ``bot``/``troll``/``mixed``/``organic`` or ``""``.
    score
        0–1 or ``None``.
    reason
        The first reason, or ``""``.
    anchor
        Id of its dossier in the page (``""`` when it has none).
    """

    key: int
    name: str
    label: str = ""
    score: float | None = None
    reason: str = ""
    anchor: str = ""


def cluster_info(clusters: Mapping[int, ClusterInfo], key: int) -> ClusterInfo:
    """The network ``key`` as ``clusters`` describes it, else a bare ``"Network {key}"``.

    Parameters
    ----------
    clusters
        Cluster key → :class:`ClusterInfo`.
    key
        Cluster key.

    Returns
    -------
    ClusterInfo
    """
    return clusters.get(key) or ClusterInfo(key, f"Network {key}")


def base_layout(**extra: Any) -> dict[str, Any]:
    """The layout every chart starts from (font, hover labels, white background, margins), updated by ``extra``.

    Parameters
    ----------
    **extra
        Plotly layout keys; a ``margin`` replaces the default one.

    Returns
    -------
    dict
    """
    layout: dict[str, Any] = {
        "font": {"family": FONT, "size": 13, "color": "#222"},
        "hoverlabel": {"font": {"family": FONT, "size": 13}, "align": "left"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 50, "r": 20, "t": 20, "b": 40},
    }
    layout.update(extra)
    return layout


def hidden_axis() -> dict[str, Any]:
    """An axis without line, grid or ticks that can still be panned and zoomed."""
    return {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": False}


def score_text(value: float | None) -> str:
    """A score with two decimals, ``"—"`` when unknown."""
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"


def creation_figures(created: pl.DataFrame) -> dict[int, tuple[dict[str, Any], str]]:
    """Per network, a bar chart of when its accounts were created (day, week or month bins).

    Parameters
    ----------
    created
        ``cluster_id, created``: one row per member (``created`` null when unknown).

    Returns
    -------
    dict
        Cluster id → the figure and the bin's name; networks without a known creation date are left out.
    """
    known = created.select(pl.col("cluster_id").cast(pl.Int64), "created").drop_nulls("created")
    if known.height == 0:
        return {}
    span = (pl.col("created").max() - pl.col("created").min()).dt.total_microseconds() / 1e6 / 86400
    units = known.group_by("cluster_id").agg(
        pl.when(span <= 60).then(pl.lit("day")).when(span <= 730).then(pl.lit("week")).otherwise(pl.lit("month"))
        .alias("unit")
    )  # fmt: skip
    t = pl.col("created")
    counted = (
        known.join(units, on="cluster_id")
        .select(
            "cluster_id",
            "unit",
            pl.when(pl.col("unit") == "day").then(t.dt.truncate("1d"))
            .when(pl.col("unit") == "week").then(t.dt.truncate("1w"))
            .otherwise(t.dt.truncate("1mo")).alias("t"),
        )  # fmt: skip
        .group_by("cluster_id", "unit", "t")
        .agg(pl.len().alias("n"))
        .sort("cluster_id", "t")
    )
    bins: dict[int, tuple[str, list[Any], list[int]]] = {}
    for cid, unit, when, n in counted.iter_rows():
        bins.setdefault(cid, (unit, [], []))[1].append(when)
        bins[cid][2].append(n)
    return {cid: (_creation_figure(when, n, unit), unit) for cid, (unit, when, n) in bins.items()}


def _creation_figure(when: list[Any], n: list[int], unit: str) -> dict[str, Any]:
    """The bar chart of accounts created per bin (``when``: the bins' starts, in order)."""
    fmt = "%Y-%m-%d"
    step = {"day": 1, "week": 7, "month": 30}[unit]
    lo, hi = when[0], when[-1]
    pad = timedelta(days=max(3 * step, (hi - lo).days * 0.05))
    return {
        "data": [
            {"type": "bar", "x": [w.strftime(fmt) for w in when], "y": n,
             "width": step * 86_400_000 * 0.8, "offset": 0,
             "marker": {"color": "#34495e"}, "hovertemplate": "%{x}: %{y} accounts<extra></extra>"}
        ],
        "layout": base_layout(
            height=260, bargap=0.1,
            xaxis={"type": "date", "title": {"text": f"created (per {unit})"},
                   "range": [(lo - pad).strftime(fmt), (hi + pad + timedelta(days=step)).strftime(fmt)]},
            yaxis={"title": {"text": "accounts"}, "rangemode": "tozero", "gridcolor": "#eeeeee"},
        ),
    }  # fmt: skip


def hours_figures(times: pl.DataFrame, tz: ZoneInfo) -> dict[int, dict[str, Any]]:
    """Per network, a heat map of its posts by weekday (rows) and hour of day (columns) in ``tz``.

    Parameters
    ----------
    times
        ``cluster_id, created_at``: one row per post of a member.
    tz
        Zone of the hours.

    Returns
    -------
    dict
        Cluster id → the figure; networks without a timed post are left out.
    """
    local = pl.col("created_at").dt.convert_time_zone(tz.key)
    counted = (
        times.drop_nulls("created_at")
        .group_by(pl.col("cluster_id").cast(pl.Int64), (local.dt.weekday() - 1).alias("d"), local.dt.hour().alias("h"))
        .agg(pl.len().alias("n"))
    )
    grids: dict[int, list[list[int]]] = {}
    for cid, d, h, n in counted.iter_rows():
        grids.setdefault(cid, [[0] * 24 for _ in range(7)])[int(d)][int(h)] = int(n)
    return {cid: _hours_figure(z, tz) for cid, z in grids.items()}


def _hours_figure(z: list[list[int]], tz: ZoneInfo) -> dict[str, Any]:
    """The weekday × hour heat map of the counts ``z``."""
    return {
        "data": [
            {"type": "heatmap", "z": z, "x": list(range(24)), "y": list(_WEEKDAYS), "colorscale": [[0, "#f4f6f8"], [1e-9, "#deebf7"], [0.5, "#6baed6"], [1, "#08306b"]],
             "hovertemplate": "%{y} %{x}:00–%{x}:59: %{z} posts<extra></extra>", "xgap": 1, "ygap": 1,
             "colorbar": {"title": {"text": "posts"}, "thickness": 12}}
        ],
        "layout": base_layout(
            height=260, xaxis={"title": {"text": f"hour of day ({tz.key})"}, "dtick": 2},
            yaxis={"autorange": "reversed"},
        ),
    }  # fmt: skip
