"""The report's charts, as Plotly figure dictionaries.

Figures are plain ``{"data": [...], "layout": {...}}`` dictionaries (no Python-side
validation: a report with hundreds of networks would spend most of its time
there); the page embeds them once as JSON and plotly.js draws each when it is
first shown. Every string that comes from the data goes through
:func:`cib.report.safety.hover_text`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import networkx as nx
import polars as pl

from cib.report.data import Event
from cib.report.layout import Layout, node_size
from cib.report.safety import hover_text

__all__ = [
    "FONT",
    "ClusterInfo",
    "NetworkView",
    "network_view",
    "timeline_figure",
    "creation_figure",
    "hours_figure",
    "time_bin",
]

#: system font stack with Cyrillic (Russian, Kazakh) coverage on every desktop system
FONT = (
    "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Helvetica Neue', Arial, "
    "'Liberation Sans', 'DejaVu Sans', sans-serif, 'Apple Color Emoji', 'Segoe UI Emoji', 'Noto Color Emoji'"
)
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EDGE = "rgba(110,110,110,0.35)"


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


@dataclass
class NetworkView:
    """The network section's figures and the figures its caption quotes."""

    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    cluster_first: bool = False
    accounts_total: int = 0
    accounts_drawn: int = 0
    links_total: int = 0
    links_drawn: int = 0
    webgl: bool = False


def _base_layout(**extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "font": {"family": FONT, "size": 13, "color": "#222"},
        "hoverlabel": {"font": {"family": FONT, "size": 13}, "align": "left"},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 50, "r": 20, "t": 20, "b": 40},
    }
    layout.update(extra)
    return layout


def _hidden_axis() -> dict[str, Any]:
    return {"visible": False, "showgrid": False, "zeroline": False, "fixedrange": False}


def _score(value: float | None) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.2f}"


def network_view(
    flagged: pl.DataFrame,
    graph: nx.Graph,
    layout: Layout,
    clusters: Mapping[int, ClusterInfo],
    *,
    max_accounts: int,
    max_links: int,
    webgl_above: int,
    cluster_view_above: int,
) -> NetworkView:
    """Figures of the flagged accounts.

    Parameters
    ----------
    flagged
        One row per flagged account: ``account_id, cluster_key, label, score, handle, display_name``.
    graph
        The fused account graph (all accounts; only links between flagged accounts are drawn).
    layout
        Positions and colours (:func:`cib.report.layout.compute_layout`).
    clusters
        Cluster key → :class:`ClusterInfo`.
    max_accounts, max_links, webgl_above, cluster_view_above
        The ``report.*`` limits.

    Returns
    -------
    NetworkView
        ``figures["network"]`` (accounts) and, above ``cluster_view_above``
        accounts, ``figures["network-clusters"]`` shown first.
    """
    view = NetworkView(accounts_total=flagged.height)
    if flagged.height == 0:
        return view
    ids = flagged["account_id"].to_list()
    sub = graph.subgraph(ids)
    degree = {n: sub.degree(n) if n in sub else 0 for n in ids}
    ranked = sorted(ids, key=lambda n: (-degree[n], n))[: max(max_accounts, 0)]
    drawn = set(ranked)
    view.accounts_drawn = len(drawn)
    links = sorted(
        ((float(d.get("weight", 1.0) or 0.0), min(a, b), max(a, b)) for a, b, d in sub.edges(data=True)),
        key=lambda t: (-t[0], t[1], t[2]),
    )
    view.links_total = len(links)
    kept = [t for t in links if t[1] in drawn and t[2] in drawn][: max(max_links, 0)]
    view.links_drawn = len(kept)
    view.webgl = len(drawn) > webgl_above
    kind = "scattergl" if view.webgl else "scatter"
    max_degree = max(degree.values(), default=0)

    ex: list[float | None] = []
    ey: list[float | None] = []
    for _, a, b in kept:
        (xa, ya), (xb, yb) = layout.positions[a], layout.positions[b]
        ex += [xa, xb, None]
        ey += [ya, yb, None]
    traces: list[dict[str, Any]] = []
    if kept:
        traces.append(
            {
                "type": kind,
                "mode": "lines",
                "x": ex,
                "y": ey,
                "line": {"color": _EDGE, "width": 0.7},
                "hoverinfo": "skip",
                "showlegend": False,
                "name": "links",
            }
        )
    rows = flagged.filter(pl.col("account_id").is_in(list(drawn)))
    by_key: dict[int, list[dict[str, Any]]] = {}
    for row in rows.sort("account_id").iter_rows(named=True):
        by_key.setdefault(int(row["cluster_key"]), []).append(row)
    order = [k for k in layout.order if k in by_key]
    per_trace = len(order) <= 20
    groups = [[k] for k in order] if per_trace else [order]
    for keys in groups:
        xs, ys, sizes, colours, texts, custom = [], [], [], [], [], []
        for key in keys:
            info = clusters.get(key) or ClusterInfo(key, f"Network {key}")
            for row in by_key[key]:
                x, y = layout.positions[row["account_id"]]
                handle = row["handle"] or row["account_id"]
                xs.append(x)
                ys.append(y)
                sizes.append(node_size(degree[row["account_id"]], max_degree))
                colours.append(layout.colours.get(key, "#888888"))
                texts.append(
                    f"<b>{hover_text(handle, limit=60)}</b>"
                    + (f"<br>{hover_text(row['display_name'], limit=60)}" if row["display_name"] else "")
                    + f"<br>{hover_text(info.name)} · {hover_text(row['label'] or info.label or 'no label')}"
                    + f" · score {_score(row['score'])}"
                    + f"<br>{degree[row['account_id']]} links to other flagged accounts"
                )
                custom.append(info.anchor)
        info = clusters.get(keys[0]) or ClusterInfo(keys[0], f"Network {keys[0]}")
        traces.append(
            {
                "type": kind,
                "mode": "markers",
                "x": xs,
                "y": ys,
                "hovertext": texts,
                "hoverinfo": "text",
                "customdata": custom,
                "name": hover_text(f"{info.name} · {info.label}" if info.label else info.name) if per_trace else "accounts",
                "showlegend": per_trace,
                "marker": {
                    "size": sizes,
                    "color": colours,
                    "line": {"color": "#ffffff", "width": 0.6},
                    "opacity": 0.9,
                },
            }
        )
    view.figures["network"] = {
        "data": traces,
        "layout": _base_layout(
            height=620,
            hovermode="closest",
            dragmode="pan",
            xaxis=_hidden_axis(),
            yaxis={**_hidden_axis(), "scaleanchor": "x", "scaleratio": 1},
            legend={"itemclick": "toggle", "itemdoubleclick": "toggleothers", "title": {"text": "Networks"}},
            margin={"l": 10, "r": 10, "t": 10, "b": 10},
        ),
    }
    if flagged.height > cluster_view_above:
        view.cluster_first = True
        view.figures["network-clusters"] = _cluster_figure(flagged, sub, layout, clusters)
    return view


def _cluster_figure(
    flagged: pl.DataFrame, sub: nx.Graph, layout: Layout, clusters: Mapping[int, ClusterInfo]
) -> dict[str, Any]:
    """One bubble per network, sized by its flagged accounts, with lines where networks are linked."""
    member = dict(zip(flagged["account_id"].to_list(), flagged["cluster_key"].to_list(), strict=True))
    counts: dict[int, int] = {}
    for key in member.values():
        counts[int(key)] = counts.get(int(key), 0) + 1
    between: dict[tuple[int, int], int] = {}
    for a, b in sub.edges():
        ka, kb = int(member[a]), int(member[b])
        if ka != kb:
            pair = (min(ka, kb), max(ka, kb))
            between[pair] = between.get(pair, 0) + 1
    ex: list[float | None] = []
    ey: list[float | None] = []
    for ka, kb in sorted(between):
        ex += [layout.centres[ka][0], layout.centres[kb][0], None]
        ey += [layout.centres[ka][1], layout.centres[kb][1], None]
    biggest = max(counts.values())
    keys = [k for k in layout.order if k in counts]
    texts = []
    for k in keys:
        info = clusters.get(k) or ClusterInfo(k, f"Network {k}")
        texts.append(
            f"<b>{hover_text(info.name)}</b> · {hover_text(info.label or 'no label')} · score {_score(info.score)}"
            f"<br>{counts[k]} flagged accounts"
            + (f"<br>{hover_text(info.reason, limit=120)}" if info.reason else "")
        )
    data: list[dict[str, Any]] = []
    if ex:
        data.append(
            {"type": "scatter", "mode": "lines", "x": ex, "y": ey, "hoverinfo": "skip", "showlegend": False,
             "line": {"color": _EDGE, "width": 1}}
        )  # fmt: skip
    data.append(
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": [layout.centres[k][0] for k in keys],
            "y": [layout.centres[k][1] for k in keys],
            "text": [str(k) if k >= 0 else "" for k in keys],
            "textfont": {"color": "#ffffff", "size": 11},
            "hovertext": texts,
            "hoverinfo": "text",
            "customdata": [(clusters.get(k) or ClusterInfo(k, "")).anchor for k in keys],
            "showlegend": False,
            "marker": {
                "size": [round(12 + 48 * math.sqrt(counts[k] / biggest), 1) for k in keys],
                "color": [layout.colours.get(k, "#888888") for k in keys],
                "line": {"color": "#ffffff", "width": 1},
                "opacity": 0.85,
            },
        }
    )
    return {
        "data": data,
        "layout": _base_layout(
            height=560,
            hovermode="closest",
            dragmode="pan",
            xaxis=_hidden_axis(),
            yaxis={**_hidden_axis(), "scaleanchor": "x", "scaleratio": 1},
            margin={"l": 10, "r": 10, "t": 10, "b": 10},
        ),
    }


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
        Drawn as dashed vertical lines, their "during" period (``window``) shaded blue.
    bursts
        ``start, end, cluster_id``: drawn as shaded bands.

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
    binned = posts.lazy().select(
        "account_id", _local(pl.col("created_at"), tz).dt.truncate(every).alias("t")
    ).drop_nulls("t")
    grid = pl.DataFrame(
        {"t": pl.datetime_range(
            binned.select(pl.col("t").min()).collect().item(),
            binned.select(pl.col("t").max()).collect().item(),
            every, time_zone=tz.key, eager=True, time_unit="us",
        )}
    ).with_columns(pl.col("t").cast(pl.Datetime("us", tz.key)))  # fmt: skip
    grid = grid.unique("t").sort("t")
    x = grid["t"].dt.strftime("%Y-%m-%d %H:%M").to_list()

    def series(frame: pl.LazyFrame) -> list[int]:
        counted = frame.group_by("t").agg(pl.len().alias("n")).collect()
        return grid.join(counted, on="t", how="left")["n"].fill_null(0).to_list()

    flagged = binned.join(member.lazy(), on="account_id")
    data: list[dict[str, Any]] = [
        {"type": "scatter", "mode": "lines", "name": "All posts", "x": x, "y": series(binned),
         "line": {"color": "#9aa0a6", "width": 1.5}, "fill": "tozeroy", "fillcolor": "rgba(154,160,166,0.18)",
         "hovertemplate": "%{y} posts<extra>all posts</extra>"},
    ]  # fmt: skip
    if member.height:
        data.append(
            {"type": "scatter", "mode": "lines", "name": "Posts by flagged accounts", "x": x,
             "y": series(flagged), "line": {"color": "#2c3e50", "width": 1.5},
             "hovertemplate": "%{y} posts<extra>flagged accounts</extra>"}
        )  # fmt: skip
        sizes = member.group_by("cluster_key").agg(pl.len().alias("n")).sort(["n", "cluster_key"], descending=[True, False])
        keys = [int(k) for k in sizes["cluster_key"].to_list()]
        own, rest = keys[: max(top, 0)], keys[max(top, 0) :]
        for key in own:
            info = clusters.get(key) or ClusterInfo(key, f"Network {key}")
            name = hover_text(f"{info.name} · {info.label}" if info.label else info.name)
            data.append(
                {"type": "scatter", "mode": "lines", "name": name, "x": x,
                 "y": series(flagged.filter(pl.col("cluster_key") == key)), "yaxis": "y2",
                 "line": {"color": colours.get(key, "#888888"), "width": 1.5},
                 "hovertemplate": "%{y} posts<extra>" + name + "</extra>"}
            )  # fmt: skip
        if rest:
            data.append(
                # Summed, the others would dwarf the lines above: listed in the legend, shown on a click.
                {"type": "scatter", "mode": "lines", "name": f"{len(rest)} other networks", "x": x,
                 "y": series(flagged.filter(pl.col("cluster_key").is_in(rest))), "yaxis": "y2",
                 "visible": "legendonly",
                 "line": {"color": "#555555", "width": 1, "dash": "dot"},
                 "hovertemplate": "%{y} posts<extra>other networks</extra>"}
            )  # fmt: skip
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    for ev in events:
        at = _fmt(ev.time, tz)
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": at, "x1": at, "y0": 0, "y1": 1,
                       "line": {"color": "#1a5276", "width": 1.5, "dash": "dash"}})  # fmt: skip
        if ev.window_s:
            hi = _fmt(ev.time + timedelta(seconds=ev.window_s), tz)
            shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": at, "x1": hi, "y0": 0, "y1": 1,
                           "fillcolor": "rgba(26,82,118,0.07)", "line": {"width": 0}, "layer": "below"})  # fmt: skip
        notes.append({"x": at, "y": 1, "xref": "x", "yref": "paper", "yanchor": "bottom", "showarrow": False,
                      "text": hover_text(ev.name, limit=40), "font": {"color": "#1a5276", "size": 12}})  # fmt: skip
    if bursts is not None and bursts.height:
        for start, end, _ in bursts.sort("start").head(200).iter_rows():
            if start is None:
                continue
            shapes.append(
                {"type": "rect", "xref": "x", "yref": "paper", "x0": _fmt(start, tz), "x1": _fmt(end or start, tz),
                 "y0": 0, "y1": 1, "fillcolor": "rgba(192,57,43,0.12)", "line": {"width": 0}, "layer": "below"}
            )  # fmt: skip
    two = len(data) > 2
    layout = _base_layout(
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
    return {"data": data, "layout": layout}, unit


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
        "layout": _base_layout(
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
        "layout": _base_layout(
            height=260, xaxis={"title": {"text": f"hour of day ({tz.key})"}, "dtick": 2},
            yaxis={"autorange": "reversed"},
        ),
    }  # fmt: skip
