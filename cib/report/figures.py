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
    "creation_figure",
    "hours_figure",
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


def creation_figure(created: pl.Series) -> tuple[dict[str, Any] | None, str]:
    """Bar chart of when a network's accounts were created (day, week or month bins).

    Returns
    -------
    tuple
        The figure (``None`` when no creation date is known) and the bin's name.
    """
    created = created.drop_nulls()
    if created.len() == 0:
        return None, ""
    days = (created.max() - created.min()).total_seconds() / 86400  # type: ignore[operator]
    every, unit = ("1d", "day") if days <= 60 else ("1w", "week") if days <= 730 else ("1mo", "month")
    counted = (
        created.to_frame("t").select(pl.col("t").dt.truncate(every)).group_by("t").agg(pl.len().alias("n")).sort("t")
    )
    fmt = "%Y-%m-%d"
    step = {"day": 1, "week": 7, "month": 30}[unit]
    lo, hi = counted["t"].min(), counted["t"].max()
    pad = timedelta(days=max(3 * step, (hi - lo).days * 0.05))  # type: ignore[operator]
    return {
        "data": [
            {"type": "bar", "x": counted["t"].dt.strftime(fmt).to_list(), "y": counted["n"].to_list(),
             "width": step * 86_400_000 * 0.8, "offset": 0,
             "marker": {"color": "#34495e"}, "hovertemplate": "%{x}: %{y} accounts<extra></extra>"}
        ],
        "layout": base_layout(
            height=260, bargap=0.1,
            xaxis={"type": "date", "title": {"text": f"created (per {unit})"},
                   "range": [(lo - pad).strftime(fmt), (hi + pad + timedelta(days=step)).strftime(fmt)]},
            yaxis={"title": {"text": "accounts"}, "rangemode": "tozero", "gridcolor": "#eeeeee"},
        ),
    }, unit  # fmt: skip


def hours_figure(times: pl.Series, tz: ZoneInfo) -> dict[str, Any] | None:
    """Heat map of a network's posts by weekday (rows) and hour of day (columns) in ``tz``."""
    times = times.drop_nulls()
    if times.len() == 0:
        return None
    local = times.dt.convert_time_zone(tz.key)
    counted = (
        pl.DataFrame({"d": local.dt.weekday() - 1, "h": local.dt.hour()})
        .group_by("d", "h")
        .agg(pl.len().alias("n"))
    )
    z = [[0] * 24 for _ in range(7)]
    for d, h, n in counted.iter_rows():
        z[int(d)][int(h)] = int(n)
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
