"""The timeline chart: posts per time bin, all against flagged accounts' and per network, with events and bursts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from cib.report.data import Event
from cib.report.figures import ClusterInfo, base_layout, cluster_info
from cib.report.naming import label_words
from cib.report.safety import hover_text

__all__ = ["time_bin", "timeline_figure", "burst_bands"]


def time_bin(first: datetime | None, last: datetime | None) -> tuple[str, str]:
    """Bin of the timeline for a span: ``("1h", "hour")``, ``("1d", "day")`` or ``("1w", "week")``."""
    if first is None or last is None:
        return "1h", "hour"
    days = (last - first).total_seconds() / 86400
    if days <= 14:
        return "1h", "hour"
    if days <= 180:
        return "1d", "day"
    return "1w", "week"


def _local(expr: pl.Expr, tz: ZoneInfo) -> pl.Expr:
    return expr.dt.convert_time_zone(tz.key)


def _fmt(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")


def timeline_figure(
    posts: pl.DataFrame,
    member: pl.DataFrame,
    clusters: Mapping[int, ClusterInfo],
    colours: Mapping[int, str],
    tz: ZoneInfo,
    *,
    top: int,
    events: Sequence[Event] = (),
    bursts: pl.DataFrame | None = None,
) -> tuple[dict[str, Any] | None, str]:
    """Posts per time bin: all posts against posts by flagged accounts, then per network.

    Parameters
    ----------
    posts
        The posts table.
    member
        ``account_id, cluster_key`` of every flagged account.
    clusters, colours
        Names and colours of the networks.
    tz
        Zone of the time axis.
    top
        Networks with a line of their own (largest first); the rest are summed in one
        more line, hidden until its legend entry is clicked.
    events
        Drawn as dashed vertical lines, their "before", "during" and "after" periods
        (each ``window`` long) shaded and named.
    bursts
        ``start, end, cluster_id``: every one drawn, those that overlap or touch
        within one bin merged into one shaded band (:func:`burst_bands`).

    Returns
    -------
    tuple
        The figure (``None`` without posts) and the bin's name (``"hour"``…).
    """
    times = posts.select(pl.col("created_at").drop_nulls())
    if times.height == 0:
        return None, "hour"
    first, last = times["created_at"].min(), times["created_at"].max()
    every, unit = time_bin(first, last)  # type: ignore[arg-type]
    binned = posts.select("account_id", _local(pl.col("created_at"), tz).dt.truncate(every).alias("t")).drop_nulls("t")
    grid = _grid(binned, every, tz)
    data = _post_traces(binned, grid, member, clusters, colours, top)
    shapes, notes = _event_marks(events, tz)
    bands = burst_bands(bursts, _SECONDS[every])
    shapes += _burst_bands(bands, tz)
    layout = _timeline_layout(len(data) > 2, unit, shapes, notes)
    # what the caption says about the bands: how many bursts, merged into how many bands
    layout["meta"] = {"bursts": int(bands["bursts"].sum()) if bands.height else 0, "bands": bands.height}
    return {"data": data, "layout": layout}, unit


def _grid(binned: pl.DataFrame, every: str, tz: ZoneInfo) -> pl.DataFrame:
    """Every bin from the first post's to the last post's, as column ``t``."""
    grid = pl.DataFrame(
        {"t": pl.datetime_range(
            binned["t"].min(), binned["t"].max(), every, time_zone=tz.key, eager=True, time_unit="us",
        )}
    ).with_columns(pl.col("t").cast(pl.Datetime("us", tz.key)))  # fmt: skip
    return grid.unique("t").sort("t")


def _per_bin(counted: pl.DataFrame, grid: pl.DataFrame) -> list[int]:
    """The counts ``n`` of ``counted`` per bin ``t`` of ``grid`` (0 where none)."""
    return grid.join(counted.select("t", "n"), on="t", how="left", maintain_order="left")["n"].fill_null(0).to_list()


def _counts(frame: pl.DataFrame, *by: str) -> pl.DataFrame:
    """Rows of ``frame`` per bin ``t`` (and ``by``), as ``n``."""
    return frame.group_by(*by, "t").agg(pl.len().alias("n"))


def _post_traces(
    binned: pl.DataFrame,
    grid: pl.DataFrame,
    member: pl.DataFrame,
    clusters: Mapping[int, ClusterInfo],
    colours: Mapping[int, str],
    top: int,
) -> list[dict[str, Any]]:
    """The lines: all posts and, with flagged accounts, theirs and those of each network."""
    x = grid["t"].dt.strftime("%Y-%m-%d %H:%M").to_list()
    data: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "lines", "name": "All posts", "x": x, "y": _per_bin(_counts(binned), grid),
         "line": {"color": "#9aa0a6", "width": 1.5}, "fill": "tozeroy", "fillcolor": "rgba(154,160,166,0.18)",
         "hovertemplate": "%{y} posts<extra>all posts</extra>"},
    ]  # fmt: skip
    if member.height:
        by_network = _counts(binned.join(member, on="account_id"), "cluster_key")
        flagged = by_network.group_by("t").agg(pl.col("n").sum())
        data.append(
            {"type": "scatter", "mode": "lines", "name": "Posts by flagged accounts", "x": x,
             "y": _per_bin(flagged, grid), "line": {"color": "#2c3e50", "width": 1.5},
             "hovertemplate": "%{y} posts<extra>flagged accounts</extra>"}
        )  # fmt: skip
        data += _network_traces(by_network, grid, x, member, clusters, colours, top)
    return data


def _network_traces(
    by_network: pl.DataFrame,
    grid: pl.DataFrame,
    x: list[str],
    member: pl.DataFrame,
    clusters: Mapping[int, ClusterInfo],
    colours: Mapping[int, str],
    top: int,
) -> list[dict[str, Any]]:
    """A line for each of the ``top`` largest networks, and one for the others summed."""
    sizes = member.group_by("cluster_key").agg(pl.len().alias("n")).sort(["n", "cluster_key"], descending=[True, False])
    keys = [int(k) for k in sizes["cluster_key"].to_list()]
    own, rest = keys[: max(top, 0)], keys[max(top, 0) :]
    data: list[dict[str, Any]] = []
    for key in own:
        info = cluster_info(clusters, key)
        name = hover_text(f"{info.name} · {label_words(info.label)}" if info.label else info.name)
        data.append(
            {"type": "scatter", "mode": "lines", "name": name, "x": x,
             "y": _per_bin(by_network.filter(pl.col("cluster_key") == key), grid), "yaxis": "y2",
             "line": {"color": colours.get(key, "#888888"), "width": 1.5},
             "hovertemplate": "%{y} posts<extra>" + name + "</extra>"}
        )  # fmt: skip
    if rest:
        others = by_network.filter(pl.col("cluster_key").is_in(rest)).group_by("t").agg(pl.col("n").sum())
        data.append(
            # Summed, the others would dwarf the lines above: listed in the legend, shown on a click.
            {"type": "scatter", "mode": "lines", "name": f"{len(rest)} other networks", "x": x,
             "y": _per_bin(others, grid), "yaxis": "y2",
             "visible": "legendonly",
             "line": {"color": "#555555", "width": 1, "dash": "dot"},
             "hovertemplate": "%{y} posts<extra>other networks</extra>"}
        )  # fmt: skip
    return data


#: the shading of the three periods around an event, as ``cib.network.events`` counts them
_PERIODS = (("before", -1, "rgba(127,140,141,0.10)"), ("during", 0, "rgba(26,82,118,0.12)"),
            ("after", 1, "rgba(39,174,96,0.10)"))  # fmt: skip
_SECONDS = {"1h": 3600, "1d": 86400, "1w": 7 * 86400}


def _event_marks(events: Sequence[Event], tz: ZoneInfo) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Shapes (a dashed line; its before, during and after periods shaded) and the events' names."""
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for ev in events:
        at = _fmt(ev.time, tz)
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": at, "x1": at, "y0": 0, "y1": 1,
                       "line": {"color": "#1a5276", "width": 1.5, "dash": "dash"}})  # fmt: skip
        if ev.window_s:
            for name, k, colour in _PERIODS:
                lo = ev.time + timedelta(seconds=k * ev.window_s)
                hi = lo + timedelta(seconds=ev.window_s)
                shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": _fmt(lo, tz), "x1": _fmt(hi, tz),
                               "y0": 0, "y1": 1, "fillcolor": colour, "line": {"width": 0}, "layer": "below",
                               "name": name})  # fmt: skip
                notes.append({"x": _fmt(lo + (hi - lo) / 2, tz), "y": 0, "xref": "x", "yref": "paper", "yanchor": "bottom",
                              "showarrow": False, "text": name, "font": {"color": "#59636e", "size": 10}})  # fmt: skip
        notes.append({"x": at, "y": 1, "xref": "x", "yref": "paper", "yanchor": "bottom", "showarrow": False,
                      "text": hover_text(ev.name, limit=40), "font": {"color": "#1a5276", "size": 12}})  # fmt: skip
    return shapes, notes


def burst_bands(bursts: pl.DataFrame | None, gap_s: float) -> pl.DataFrame:
    """Every burst, merged into bands where bursts overlap or lie less than ``gap_s`` apart.

    Bands are at least ``gap_s`` apart, so there are never more of them than bins
    on the time axis: every burst of the period is drawn, none is dropped.

    Parameters
    ----------
    bursts
        ``start, end`` (and any other columns); ``end`` null for a burst of one instant.
    gap_s
        The timeline's bin, in seconds.

    Returns
    -------
    polars.DataFrame
        ``start, end, bursts``, in time order.
    """
    empty = pl.DataFrame(schema={"start": pl.Datetime("us", "UTC"), "end": pl.Datetime("us", "UTC"), "bursts": pl.UInt32})
    if bursts is None or bursts.height == 0:
        return empty
    spans = (
        bursts.filter(pl.col("start").is_not_null())
        .select("start", pl.max_horizontal("start", pl.coalesce("end", "start")).alias("end"))
        .sort("start", "end")
    )
    gap = timedelta(seconds=gap_s)
    return (
        spans.with_columns(pl.col("end").cum_max().shift(1).alias("_reach"))
        .with_columns(((pl.col("start") - pl.col("_reach")) >= gap).fill_null(True).cum_sum().alias("_band"))
        .group_by("_band", maintain_order=True)
        .agg(pl.col("start").min(), pl.col("end").max(), pl.len().alias("bursts"))
        .drop("_band")
    )


def _burst_bands(bands: pl.DataFrame, tz: ZoneInfo) -> list[dict[str, Any]]:
    """Shaded bands of the bursts (:func:`burst_bands`)."""
    return [
        {"type": "rect", "xref": "x", "yref": "paper", "x0": _fmt(start, tz), "x1": _fmt(end, tz),
         "y0": 0, "y1": 1, "fillcolor": "rgba(192,57,43,0.16)", "line": {"width": 0}, "layer": "below",
         "name": f"{n} burst{'s' if n != 1 else ''}"}
        for start, end, n in bands.iter_rows()
    ]  # fmt: skip


def _timeline_layout(
    two: bool, unit: str, shapes: list[dict[str, Any]], notes: list[dict[str, Any]]
) -> dict[str, Any]:
    """The timeline's layout: one panel, or two (``two``) with the networks' lines in the lower one."""
    layout = base_layout(
        height=520 if two else 320,
        hovermode="x unified",
        xaxis={"type": "date", "showgrid": True, "gridcolor": "#eeeeee", "anchor": "y2" if two else "y"},
        yaxis={"title": {"text": f"posts per {unit}"}, "domain": [0.56, 1.0] if two else [0, 1],
               "gridcolor": "#eeeeee", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.12},
        shapes=shapes,
        annotations=notes,
        margin={"l": 60, "r": 20, "t": 30 if notes else 10, "b": 40},
    )  # fmt: skip
    if two:
        layout["yaxis2"] = {"title": {"text": "by network"}, "domain": [0.0, 0.44], "gridcolor": "#eeeeee",
                            "rangemode": "tozero", "anchor": "x"}  # fmt: skip
    return layout
