"""Deterministic positions, colours and sizes of accounts, shared by the report and the exports.

Each network (cluster) is laid out on its own — a seeded spring layout for
small ones, a sunflower (phyllotaxis) spiral with the best-linked accounts in
the middle for large ones — inside a circle whose area grows with its size;
the circles are then packed in rows, largest first. The same input and seed
always give the same picture, and Gephi (through the GEXF ``viz`` attributes)
shows the picture the report shows. The exports read the graph from networkx
(:func:`compute_layout`); the report reads only what it places from the fused
edges table (:func:`arrange`), with the same result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial

import networkx as nx

__all__ = [
    "PALETTE",
    "GREY",
    "LABEL_COLOURS",
    "Layout",
    "cluster_order",
    "Link",
    "compute_layout",
    "arrange",
    "node_size",
    "hex_to_rgb",
]

#: one colour per network, in order of size (cycled); grey is kept for "no network"
PALETTE = (
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d",
    "#31a354", "#756bb1", "#de9ed6", "#6baed6",
)  # fmt: skip
GREY = "#9aa0a6"
#: colours of the labels (badges, cluster-level view)
LABEL_COLOURS = {"bot": "#c0392b", "troll": "#d35400", "mixed": "#8e44ad", "organic": "#607d8b"}

#: a weighted link between two accounts, ``a < b``
Link = tuple[str, str, float]

_GOLDEN = math.pi * (3.0 - math.sqrt(5.0))
_PAD = 1.0
_ASPECT = 2.0
#: spring layouts made in this process, by everything they depend on: the exports and the report lay
#: out the same networks, and a spring layout is most of a layout's time (a few hundred at most kept)
_SPRUNG: dict[tuple, dict[str, tuple[float, float]]] = {}
_SPRUNG_KEPT = 256


@dataclass
class Layout:
    """Where each account and each network goes.

    Attributes
    ----------
    positions
        Account id → ``(x, y)``.
    centres
        Cluster key → ``(x, y, radius)`` of its circle.
    colours
        Cluster key → ``#rrggbb``.
    order
        Cluster keys, largest network first.
    """

    positions: dict[str, tuple[float, float]] = field(default_factory=dict)
    centres: dict[int, tuple[float, float, float]] = field(default_factory=dict)
    colours: dict[int, str] = field(default_factory=dict)
    order: list[int] = field(default_factory=list)


def cluster_order(groups: Mapping[int, Sequence[str]]) -> list[int]:
    """Cluster keys by size (largest first), then key; negative keys (no network) last."""
    return sorted(groups, key=lambda k: (k < 0, -len(groups[k]), k))


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """``"#1f77b4"`` → ``(31, 119, 180)``."""
    colour = colour.lstrip("#")
    return int(colour[0:2], 16), int(colour[2:4], 16), int(colour[4:6], 16)


def node_size(degree: int, max_degree: int) -> float:
    """Marker diameter in pixels for an account with ``degree`` links (6 to 22)."""
    if max_degree <= 0:
        return 8.0
    return round(6.0 + 16.0 * math.sqrt(max(degree, 0) / max_degree), 2)


def _sunflower(nodes: Sequence[str], degree: Mapping[str, int]) -> dict[str, tuple[float, float]]:
    ranked = sorted(nodes, key=lambda n: (-degree.get(n, 0), n))
    count = len(ranked)
    out = {}
    for i, node in enumerate(ranked):
        r = math.sqrt((i + 0.5) / count)
        out[node] = (r * math.cos(i * _GOLDEN), r * math.sin(i * _GOLDEN))
    return out


def _unit_layout(
    nodes: Sequence[str], degree: Mapping[str, int], links: Callable[[], Iterable[Link]], seed: int, spring_max: int
) -> dict[str, tuple[float, float]]:
    """Positions of one network's accounts inside the unit disc (``links``: the weighted links among them)."""
    nodes = sorted(nodes)
    if len(nodes) == 1:
        return {nodes[0]: (0.0, 0.0)}
    if len(nodes) > spring_max:
        return _sunflower(nodes, degree)
    edges = tuple(sorted(links()))
    if not edges:
        return _sunflower(nodes, degree)
    key = (tuple(nodes), edges, seed)
    made = _SPRUNG.get(key)
    if made is None:
        made = _SPRUNG[key] = _spring(nodes, edges, seed)
        if len(_SPRUNG) > _SPRUNG_KEPT:
            del _SPRUNG[next(iter(_SPRUNG))]
    return dict(made)


def _spring(nodes: Sequence[str], edges: Sequence[Link], seed: int) -> dict[str, tuple[float, float]]:
    """A seeded spring layout of one network, centred and scaled into the unit disc."""
    sub = nx.Graph()
    sub.add_nodes_from(nodes)
    sub.add_edges_from((a, b, {"weight": w}) for a, b, w in edges)
    raw = nx.spring_layout(sub, seed=seed, weight="weight")
    cx = sum(p[0] for p in raw.values()) / len(raw)
    cy = sum(p[1] for p in raw.values()) / len(raw)
    reach = max(math.hypot(p[0] - cx, p[1] - cy) for p in raw.values()) or 1.0
    return {n: ((float(p[0]) - cx) / reach, (float(p[1]) - cy) / reach) for n, p in raw.items()}


def _pack(radii: Sequence[tuple[int, float]], top: float = 0.0) -> dict[int, tuple[float, float, float]]:
    """Circles in rows, largest first, rows going down from ``top``."""
    if not radii:
        return {}
    area = sum((2 * r + _PAD) ** 2 for _, r in radii)
    # Rows about twice as wide as the whole is tall: the report's chart is a wide box.
    width = max(math.sqrt(area * _ASPECT), 2 * max(r for _, r in radii) + _PAD)
    out: dict[int, tuple[float, float, float]] = {}
    x, y, row_r = 0.0, top, None
    for key, r in radii:
        if row_r is None:
            row_r = r
        elif x + 2 * r > width:
            y -= 2 * row_r + _PAD
            x, row_r = 0.0, r
        out[key] = (x + r, y - row_r, r)
        x += 2 * r + _PAD
    return out


def compute_layout(
    groups: Mapping[int, Sequence[str]],
    graph: nx.Graph,
    *,
    seed: int,
    spring_max: int = 300,
    below: Mapping[int, Sequence[str]] | None = None,
    degree: Mapping[str, int] | None = None,
) -> Layout:
    """Lay out accounts grouped by network.

    Parameters
    ----------
    groups
        Cluster key → its accounts (the flagged accounts the report draws).
    graph
        The account graph (edges pull linked accounts together).
    seed
        Seed of the spring layouts.
    spring_max
        Networks larger than this get the sunflower layout (a spring layout is quadratic).
    below
        More groups (e.g. accounts that are not flagged) placed under the
        others without moving them: the positions of ``groups`` do not depend on it.
    degree
        Each account's links in the whole account graph, which rank the accounts of
        a sunflower (default: degrees in ``graph``); given when ``graph`` holds only
        the links inside the groups, so that the picture stays the whole graph's.

    Returns
    -------
    Layout
    """
    if degree is None:
        everyone = [n for members in (*groups.values(), *(below or {}).values()) for n in members]
        degree = {n: graph.degree(n) for n in everyone if n in graph}

    def links(_key: int, members: Sequence[str]) -> list[Link]:
        inside = set(members)
        # each member's own neighbours rather than a subgraph view, which tests every node it passes
        return [
            (a, b, float(d.get("weight", 1.0) or 1.0))
            for a in members
            if a in graph
            for b, d in graph.adj[a].items()
            if a < b and b in inside
        ]

    return arrange(groups, degree, links, seed=seed, spring_max=spring_max, below=below)


def arrange(
    groups: Mapping[int, Sequence[str]],
    degree: Mapping[str, int],
    links: Callable[[int, Sequence[str]], Iterable[Link]],
    *,
    seed: int,
    spring_max: int = 300,
    below: Mapping[int, Sequence[str]] | None = None,
    placed: Collection[str] | None = None,
) -> Layout:
    """Lay out accounts grouped by network, reading the graph through ``degree`` and ``links``.

    Parameters
    ----------
    groups
        Cluster key → its accounts.
    degree
        Account → its links in the whole graph (large networks put the best-linked in the middle).
    links
        ``(key, accounts)`` → the links among those accounts of network ``key``, as
        ``(a, b, weight)`` with ``a < b`` and weight 1 where the graph has none (or 0);
        called only for networks that get a spring layout.
    seed, spring_max, below
        As for :func:`compute_layout`.
    placed
        The accounts to position (default: all). Circles, colours and order still
        follow the whole groups, so leaving accounts out moves no network; each
        network's placed accounts are laid out among themselves.

    Returns
    -------
    Layout
    """
    keep = None if placed is None else set(placed)
    out = Layout()
    order = cluster_order(groups)
    out.order = list(order)
    for i, key in enumerate(order):
        out.colours[key] = GREY if key < 0 else PALETTE[i % len(PALETTE)]
    out.centres = _pack([(k, _radius(len(groups[k]))) for k in order])
    if below:
        bottom = min((c[1] - c[2] for c in out.centres.values()), default=0.0) - 2 * _PAD
        extra = cluster_order(below)
        out.centres.update(_pack([(k, _radius(len(below[k]))) for k in extra], top=bottom))
        for key in extra:
            out.colours[key] = GREY
        out.order += extra
    for key in out.order:
        members = groups[key] if key in groups else below[key]  # type: ignore[index]
        if keep is not None:
            members = [m for m in members if m in keep]
        if not members:
            continue
        cx, cy, r = out.centres[key]
        unit = _unit_layout(members, degree, partial(links, key, members), seed, spring_max)
        for node, (ux, uy) in unit.items():
            out.positions[node] = (round(cx + r * ux, 3), round(cy + r * uy, 3))
    return out


def _radius(count: int) -> float:
    return max(math.sqrt(max(count, 1)), 0.6)
