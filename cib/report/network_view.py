"""The network chart: the flagged accounts and the links between them, and above a size one bubble per network.

Positions and colours come from :mod:`cib.report.layout`; names, labels and
dossier anchors from :class:`cib.report.figures.ClusterInfo`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cib.printable import printable
from cib.report.figures import ClusterInfo, base_layout, cluster_info, hidden_axis, score_text
from cib.report.layout import Layout, node_size
from cib.report.links import degrees
from cib.report.naming import label_words
from cib.report.safety import hover_text

__all__ = ["NetworkView", "drawn_accounts", "network_view"]

_EDGE = "rgba(110,110,110,0.35)"


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


def drawn_accounts(flagged: pl.DataFrame, links: pl.DataFrame, max_accounts: int) -> tuple[dict[str, int], list[str]]:
    """Each flagged account's links to other flagged accounts, and the accounts the chart draws.

    Parameters
    ----------
    flagged
        One row per flagged account (``account_id``).
    links
        The links between flagged accounts (``account_a, account_b``: :func:`cib.report.links.pairs`).
    max_accounts
        ``report.max_accounts_drawn``.

    Returns
    -------
    tuple
        Account → links, and the ``max_accounts`` best-linked accounts (most links first, then id).
    """
    ranked = (
        flagged.select("account_id")
        .join(degrees(links), on="account_id", how="left")
        .with_columns(pl.col("degree").fill_null(0))
        .sort(["degree", "account_id"], descending=[True, False])
    )
    degree = dict(ranked.select("account_id", "degree").iter_rows())
    return degree, ranked["account_id"].head(max(max_accounts, 0)).to_list()


def network_view(
    flagged: pl.DataFrame,
    links: pl.DataFrame,
    drawn: tuple[dict[str, int], list[str]],
    layout: Layout,
    clusters: Mapping[int, ClusterInfo],
    *,
    max_links: int,
    webgl_above: int,
    cluster_view_above: int,
) -> NetworkView:
    """Figures of the flagged accounts.

    Parameters
    ----------
    flagged
        One row per flagged account: ``account_id, cluster_key, label, score, handle, display_name``.
    links
        The links between flagged accounts: ``account_a, account_b, weight`` (``a < b``).
    drawn
        Links per account and the accounts drawn (:func:`drawn_accounts`).
    layout
        Positions and colours (:func:`cib.report.layout.arrange`) of at least the drawn accounts.
    clusters
        Cluster key → :class:`ClusterInfo`.
    max_links, webgl_above, cluster_view_above
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
    degree, shown = drawn
    ids = pl.Series(shown, dtype=pl.String).implode()
    kept = (
        links.filter(pl.col("account_a").is_in(ids) & pl.col("account_b").is_in(ids))
        .sort([pl.col("weight").fill_null(0.0), "account_a", "account_b"], descending=[True, False, False])
        .head(max(max_links, 0))
    )
    view.accounts_drawn = len(shown)
    view.links_total = links.height
    view.links_drawn = kept.height
    view.webgl = len(shown) > webgl_above
    kind = "scattergl" if view.webgl else "scatter"
    traces: list[dict[str, Any]] = []
    if kept.height:
        traces.append(_link_trace(kept.select("account_a", "account_b").iter_rows(), layout, kind))
    traces += _account_traces(flagged, set(shown), degree, layout, clusters, kind)
    view.figures["network"] = {
        "data": traces,
        # the legend starts below the top margin, where Plotly's toolbar sits, so the toolbar never covers its title
        "layout": _map_layout(
            620, top=44,
            legend={"itemclick": "toggle", "itemdoubleclick": "toggleothers", "title": {"text": "Networks"},
                    "y": 1, "yanchor": "top"},
        ),
    }
    if flagged.height > cluster_view_above:
        view.cluster_first = True
        view.figures["network-clusters"] = _cluster_figure(flagged, links, layout, clusters)
    return view


def _segments(
    pairs: Iterable[tuple[Any, Any]], positions: Mapping[Any, Sequence[float]]
) -> tuple[list[float | None], list[float | None]]:
    """The x and y of line segments between pairs of points, each segment ended by a gap (``None``)."""
    ex: list[float | None] = []
    ey: list[float | None] = []
    for a, b in pairs:
        pa, pb = positions[a], positions[b]
        ex += [pa[0], pb[0], None]
        ey += [pa[1], pb[1], None]
    return ex, ey


def _link_trace(pairs: Iterable[tuple[str, str]], layout: Layout, kind: str) -> dict[str, Any]:
    """The links between drawn accounts, as one trace of line segments."""
    ex, ey = _segments(pairs, layout.positions)
    return {
        "type": kind,
        "mode": "lines",
        "x": ex,
        "y": ey,
        "line": {"color": _EDGE, "width": 0.7},
        "hoverinfo": "skip",
        "showlegend": False,
        "name": "links",
    }


def _account_traces(
    flagged: pl.DataFrame,
    drawn: set[str],
    degree: Mapping[str, int],
    layout: Layout,
    clusters: Mapping[int, ClusterInfo],
    kind: str,
) -> list[dict[str, Any]]:
    """The drawn accounts: a trace per network with a legend entry, or one trace above 20 networks."""
    rows = flagged.filter(pl.col("account_id").is_in(list(drawn)))
    by_key: dict[int, list[dict[str, Any]]] = {}
    for row in rows.sort("account_id").iter_rows(named=True):
        by_key.setdefault(int(row["cluster_key"]), []).append(row)
    order = [k for k in layout.order if k in by_key]
    per_trace = len(order) <= 20
    groups = [[k] for k in order] if per_trace else [order]
    max_degree = max(degree.values(), default=0)
    return [
        _account_trace(keys, by_key, degree, max_degree, layout, clusters, kind=kind, per_trace=per_trace)
        for keys in groups
    ]


def _account_trace(
    keys: Sequence[int],
    by_key: Mapping[int, list[dict[str, Any]]],
    degree: Mapping[str, int],
    max_degree: int,
    layout: Layout,
    clusters: Mapping[int, ClusterInfo],
    *,
    kind: str,
    per_trace: bool,
) -> dict[str, Any]:
    """The accounts of the networks ``keys`` as one marker trace, named after the first when ``per_trace``."""
    xs, ys, sizes, colours, texts, custom = [], [], [], [], [], []
    for key in keys:
        info = cluster_info(clusters, key)
        for row in by_key[key]:
            x, y = layout.positions[row["account_id"]]
            xs.append(x)
            ys.append(y)
            sizes.append(node_size(degree[row["account_id"]], max_degree))
            colours.append(layout.colours.get(key, "#888888"))
            texts.append(_account_hover(row, info, degree[row["account_id"]]))
            custom.append(info.anchor)
    info = cluster_info(clusters, keys[0])
    return {
        "type": kind,
        "mode": "markers",
        "x": xs,
        "y": ys,
        "hovertext": texts,
        "hoverinfo": "text",
        "customdata": custom,
        "name": hover_text(f"{info.name} · {label_words(info.label)}" if info.label else info.name) if per_trace else "accounts",
        "showlegend": per_trace,
        "marker": {
            "size": sizes,
            "color": colours,
            "line": {"color": "#ffffff", "width": 0.6},
            "opacity": 0.9,
        },
    }


def _account_hover(row: Mapping[str, Any], info: ClusterInfo, links: int) -> str:
    """An account's hover text: handle, name, network, label, score and links."""
    handle = printable(row["handle"] or row["account_id"])
    return (
        f"<b>{hover_text(handle, limit=60)}</b>"
        + (f"<br>{hover_text(row['display_name'], limit=60)}" if row["display_name"] else "")
        + f"<br>{hover_text(info.name)} · {hover_text(label_words(row['label'] or info.label) or 'no label')}"
        + f" · score {score_text(row['score'])}"
        + f"<br>{links} links to other flagged accounts"
    )


def _map_layout(height: int, top: int = 10, **extra: Any) -> dict[str, Any]:
    """Layout of a chart of positions: hidden axes at one scale, dragged to pan (``top``: the top margin)."""
    return base_layout(
        height=height,
        hovermode="closest",
        dragmode="pan",
        xaxis=hidden_axis(),
        yaxis={**hidden_axis(), "scaleanchor": "x", "scaleratio": 1},
        **extra,
        margin={"l": 10, "r": 10, "t": top, "b": 10},
    )


def _cluster_counts(flagged: pl.DataFrame, links: pl.DataFrame) -> tuple[dict[int, int], list[tuple[int, int]]]:
    """Flagged accounts per network, and the pairs of different networks with a link between them."""
    keys = flagged.select("account_id", pl.col("cluster_key").cast(pl.Int64))
    counts = dict(keys.group_by("cluster_key").agg(pl.len()).iter_rows())
    ends = (
        links.join(keys.rename({"account_id": "account_a", "cluster_key": "ka"}), on="account_a")
        .join(keys.rename({"account_id": "account_b", "cluster_key": "kb"}), on="account_b")
        .filter(pl.col("ka") != pl.col("kb"))
        .select(pl.min_horizontal("ka", "kb").alias("k1"), pl.max_horizontal("ka", "kb").alias("k2"))
        .unique()
        .sort("k1", "k2")
    )
    return counts, list(ends.iter_rows())


def _cluster_hover(info: ClusterInfo, count: int) -> str:
    """A network bubble's hover text: name, label, score, flagged accounts and first reason."""
    return (
        f"<b>{hover_text(info.name)}</b> · {hover_text(label_words(info.label) or 'no label')} · score {score_text(info.score)}"
        f"<br>{count} flagged accounts"
        + (f"<br>{hover_text(info.reason, limit=120)}" if info.reason else "")
    )


def _cluster_figure(
    flagged: pl.DataFrame, links: pl.DataFrame, layout: Layout, clusters: Mapping[int, ClusterInfo]
) -> dict[str, Any]:
    """One bubble per network, sized by its flagged accounts, with lines where networks are linked."""
    counts, between = _cluster_counts(flagged, links)
    ex, ey = _segments(between, layout.centres)
    biggest = max(counts.values())
    keys = [k for k in layout.order if k in counts]
    infos = [cluster_info(clusters, k) for k in keys]
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
            "hovertext": [_cluster_hover(info, counts[k]) for k, info in zip(keys, infos, strict=True)],
            "hoverinfo": "text",
            "customdata": [info.anchor for info in infos],
            "showlegend": False,
            "marker": {
                "size": [round(12 + 48 * math.sqrt(counts[k] / biggest), 1) for k in keys],
                "color": [layout.colours.get(k, "#888888") for k in keys],
                "line": {"color": "#ffffff", "width": 1},
                "opacity": 0.85,
            },
        }
    )
    return {"data": data, "layout": _map_layout(560)}
