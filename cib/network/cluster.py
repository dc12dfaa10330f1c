"""Community detection on the fused account graph, with stability.

Method
    python-louvain's ``best_partition`` (``cluster.method = "louvain"``; run by
    :mod:`cib.network.louvain`, which gives the same partitions several times
    faster), igraph's multilevel Louvain (``"igraph"``: the same method in C,
    about twenty times faster again, with its own order of visits), ``"auto"``
    (the first up to ``cluster.exact_max_edges`` links, the second above: what
    clustering costs then follows the graph gently), or Leiden through
    ``leidenalg`` (``"leiden"``; an optional dependency, a clear error when it is
    missing), all maximising weighted modularity at ``cluster.resolution`` and
    seeded with ``run.seed``. Edges with
    a fused weight below ``cluster.min_edge_weight`` are dropped first. The graph
    is rebuilt with sorted nodes and edges, so the result depends on the seed
    and the data only, not on the order edges arrived in.

Numbering
    Communities with at least ``cluster.min_size`` accounts become clusters
    ``0, 1, 2 …`` by descending size (ties: smallest member id first). Accounts in
    smaller communities have no cluster.

Stability
    The partition is run again with ``cluster.stability_runs`` other seeds. For
    each cluster, its stability is the share of its member pairs that end up in
    one community, averaged over the runs: 1.0 means the same members are
    always grouped together, 0.5 that a random two of them are together half
    the time. Stability says how much the grouping depends on chance, not how
    coordinated the cluster is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
import polars as pl

from cib.errors import ConfigError

if TYPE_CHECKING:
    from cib.config import Config

__all__ = [
    "ClusterResult",
    "Links",
    "cluster_graph",
    "cluster_fused",
    "cluster_links",
    "links_of_graph",
    "links_of_fused",
    "method_used",
    "partition",
    "partitions",
    "stability",
]

_LINKS = {"account_a": pl.String, "account_b": pl.String, "weight": pl.Float64, "signals": pl.List(pl.String)}


@dataclass(frozen=True)
class Links:
    """The graph that is clustered, as a table: every account, and the links kept.

    Attributes
    ----------
    nodes
        Every account of the graph, sorted (those whose links were all dropped too).
    table
        ``account_a, account_b, weight, signals``: ``account_a < account_b``, sorted,
        without self-links and links lighter than ``cluster.min_edge_weight`` or of no
        weight; ``signals`` empty where not known.
    """

    nodes: list[str]
    table: pl.DataFrame

    def graph(self) -> nx.Graph:
        """The same graph in networkx, nodes and links in sorted order, ``weight`` on each link."""
        g = nx.Graph()
        g.add_nodes_from(self.nodes)
        g.add_weighted_edges_from(self.table.select("account_a", "account_b", "weight").iter_rows())
        return g


def _kept(table: pl.DataFrame, min_weight: float) -> pl.DataFrame:
    weight = pl.col("weight").cast(pl.Float64)
    return (
        table.filter((weight >= min_weight) & (weight > 0) & (pl.col("account_a") != pl.col("account_b")))
        .select([pl.col(c).cast(t) for c, t in _LINKS.items()])
        .sort("account_a", "account_b")
    )


def links_of_graph(graph: nx.Graph, min_weight: float) -> Links:
    """The links of a networkx graph (``weight`` 1 where absent; ``signals`` where given)."""
    rows = [
        (min(a, b), max(a, b), float(d.get("weight", 1.0)), list(d.get("signals") or []))
        for a, b, d in graph.edges(data=True)
    ]
    table = pl.DataFrame(rows, schema=_LINKS, orient="row")
    return Links(sorted(graph.nodes()), _kept(table, min_weight))


def links_of_fused(fused: pl.DataFrame, min_weight: float) -> Links:
    """The links of the fused edges table (:func:`cib.network.fusion.fused_edges`)."""
    ends = pl.concat([fused.get_column("account_a"), fused.get_column("account_b")])
    return Links(ends.unique().sort().to_list(), _kept(fused, min_weight))


@dataclass
class ClusterResult:
    """Clusters of the account graph.

    Attributes
    ----------
    membership
        Account id → cluster id, only for accounts in a cluster.
    stability
        Cluster id → stability in ``[0, 1]``.
    sizes
        Cluster id → number of accounts.
    communities
        Account id → community number for *every* node of the graph (including
        communities smaller than ``cluster.min_size``), numbered like clusters.
    graph
        The graph that was clustered (after ``cluster.min_edge_weight``), in
        networkx, when the method built one (``None`` for igraph's).
    info
        Method, resolution, seed, counts.
    links
        The same graph as a table (:class:`Links`): what the features read.
    """

    membership: dict[str, int]
    stability: dict[int, float]
    sizes: dict[int, int] = field(default_factory=dict)
    communities: dict[str, int] = field(default_factory=dict)
    graph: nx.Graph | None = None
    info: dict[str, Any] = field(default_factory=dict)
    links: Links | None = None

    def members(self, cluster_id: int) -> list[str]:
        """Sorted account ids of one cluster."""
        return sorted(a for a, c in self.membership.items() if c == cluster_id)

    def table(self) -> Links:
        """The clustered graph as a table (from ``graph`` when only that was kept; empty without either)."""
        if self.links is not None:
            return self.links
        if self.graph is not None:
            return links_of_graph(self.graph, float("-inf"))
        return Links([], pl.DataFrame(schema=_LINKS))


def _louvain(g: nx.Graph, resolution: float, seeds: list[int]) -> list[dict[str, int]]:
    # python-louvain's best_partition, step for step, on plain dicts (cib.network.louvain)
    from cib.network.louvain import best_partitions

    return best_partitions(g, resolution, seeds)


def _leiden(g: nx.Graph, resolution: float, seed: int) -> dict[str, int]:
    try:
        import igraph as ig
        import leidenalg
    except ImportError:
        raise ConfigError(
            "cluster.method = \"leiden\" needs the leidenalg and igraph packages",
            hint="pip install leidenalg igraph, or use cluster.method = \"louvain\"",
        ) from None
    nodes = list(g.nodes())
    index = {n: i for i, n in enumerate(nodes)}
    edges = [(index[a], index[b]) for a, b in g.edges()]
    weights = [d["weight"] for _, _, d in g.edges(data=True)]
    ig_graph = ig.Graph(n=len(nodes), edges=edges)
    part = leidenalg.find_partition(
        ig_graph,
        leidenalg.RBConfigurationVertexPartition,
        weights=weights or None,
        resolution_parameter=resolution,
        seed=seed,
        n_iterations=-1,
    )
    return {nodes[i]: int(c) for i, c in enumerate(part.membership)}


#: the graph and weights the forked re-runs read (set in the parent just before the fork)
_SHARED: dict[str, Any] = {}
#: links above which the re-runs are spread over forked processes (below, a fork costs more than it saves)
_FORK_ABOVE = 500_000


def _igraph(links: Links, resolution: float, seeds: list[int]) -> list[dict[str, int]]:
    import igraph as ig

    nodes = links.nodes
    index = pl.DataFrame({"account": nodes}).with_row_index("i")
    coded = links.table.select("account_a", "account_b").join(
        index.rename({"account": "account_a", "i": "a"}), on="account_a", how="left", maintain_order="left"
    ).join(index.rename({"account": "account_b", "i": "b"}), on="account_b", how="left", maintain_order="left")
    edges = list(zip(coded.get_column("a").to_list(), coded.get_column("b").to_list(), strict=True))
    graph = ig.Graph(n=len(nodes), edges=edges)
    weights = links.table.get_column("weight").to_list() or None
    del edges, coded
    found = _multilevel_runs(graph, weights, resolution, seeds)
    return [{nodes[i]: int(c) for i, c in enumerate(membership)} for membership in found]


def _multilevel(task: tuple[int, float]) -> list[int]:
    """One seeded run of igraph's multilevel Louvain on the shared graph (node → community)."""
    # igraph's multilevel Louvain draws from the generator it is given: one seeded per run,
    # and the default put back, so that nothing else sees the change
    import random

    import igraph as ig

    seed, resolution = task
    try:
        ig.set_random_number_generator(random.Random(seed))
        return list(_SHARED["graph"].community_multilevel(weights=_SHARED["weights"], resolution=resolution).membership)
    finally:
        ig.set_random_number_generator(random)


def _multilevel_runs(graph: Any, weights: list[float] | None, resolution: float, seeds: list[int]) -> list[list[int]]:
    """The runs of every seed, in order; on a large graph spread over forked processes.

    igraph holds the interpreter's lock while it clusters, so threads cannot share
    the work; forked processes read the graph the parent built without copying
    it. Each run depends only on its seed, so the result is the same either way.
    """
    import multiprocessing
    import os

    _SHARED.update(graph=graph, weights=weights)
    tasks = [(seed, resolution) for seed in seeds]
    workers = min(len(tasks), os.cpu_count() or 1)
    try:
        if workers < 2 or graph.ecount() <= _FORK_ABOVE or "fork" not in multiprocessing.get_all_start_methods():
            return [_multilevel(t) for t in tasks]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            return pool.map(_multilevel, tasks, chunksize=1)
    finally:
        _SHARED.clear()


def method_used(method: str, links: int, exact_max_edges: int) -> str:
    """The method that clusters a graph of ``links`` links: ``"auto"`` resolved by its size."""
    if method == "auto":
        return "louvain" if links <= exact_max_edges else "igraph"
    return method


def partitions(g: nx.Graph, method: str, resolution: float, seeds: list[int]) -> list[dict[str, int]]:
    """Partitions of ``g``, one per seed: node → community number (arbitrary numbering).

    Parameters
    ----------
    g
        Graph with a ``weight`` on each edge.
    method
        ``"louvain"`` (python-louvain's ``best_partition``, computed by
        :mod:`cib.network.louvain`), ``"igraph"`` (igraph's multilevel Louvain)
        or ``"leiden"``.
    resolution
        Modularity resolution (larger: smaller communities).
    seeds
        Random seeds.
    """
    if method == "louvain":
        return _louvain(g, resolution, seeds)
    if method == "igraph":
        return _igraph(links_of_graph(g, float("-inf")), resolution, seeds)
    if method == "leiden":
        return [_leiden(g, resolution, seed) for seed in seeds]
    raise ConfigError(f"cluster.method = {method!r}: use \"louvain\", \"igraph\" or \"leiden\"")


def partition(g: nx.Graph, method: str, resolution: float, seed: int) -> dict[str, int]:
    """One partition of ``g`` (see :func:`partitions`)."""
    return partitions(g, method, resolution, [seed])[0]


def _renumber(part: dict[str, int]) -> dict[str, int]:
    """Number communities 0, 1 … by descending size, ties by smallest member."""
    groups: dict[int, list[str]] = {}
    for node, c in part.items():
        groups.setdefault(c, []).append(node)
    order = sorted(groups.values(), key=lambda m: (-len(m), min(m)))
    return {node: i for i, members in enumerate(order) for node in members}


def stability(clusters: dict[int, list[str]], runs: list[dict[str, int]]) -> dict[int, float]:
    """Average share of each cluster's member pairs grouped together in other runs.

    Parameters
    ----------
    clusters
        Cluster id → members.
    runs
        Other partitions (node → community).

    Returns
    -------
    dict
        Cluster id → stability in ``[0, 1]`` (1.0 when there are no runs).
    """
    out: dict[int, float] = {}
    for cid, members in clusters.items():
        n = len(members)
        if n < 2 or not runs:
            out[cid] = 1.0
            continue
        total = 0.0
        for run in runs:
            counts: dict[int, int] = {}
            for m in members:
                c = run.get(m, -1 - len(counts))  # a node missing from a run is alone
                counts[c] = counts.get(c, 0) + 1
            together = sum(k * (k - 1) for k in counts.values())
            total += together / (n * (n - 1))
        out[cid] = round(total / len(runs), 6)
    return out


def cluster_graph(graph: nx.Graph, cfg: Config) -> ClusterResult:
    """Cluster a fused account graph given in networkx (``weight`` on each link).

    Parameters
    ----------
    graph
        Undirected account graph; edge attribute ``weight`` (fused weight), and
        ``signals`` where known.
    cfg
        Effective configuration (``cluster.*``, ``run.seed``).

    Returns
    -------
    ClusterResult
    """
    return cluster_links(links_of_graph(graph, float(cfg["cluster.min_edge_weight"])), cfg)


def cluster_fused(fused: pl.DataFrame, cfg: Config) -> ClusterResult:
    """Cluster the fused edges table (:func:`cib.network.fusion.fused_edges`) without building a networkx graph.

    The same clusters as :func:`cluster_graph` on the graph of that table; a
    networkx graph is built only for the methods that need one (``louvain``,
    ``leiden``), never for igraph's.
    """
    return cluster_links(links_of_fused(fused, float(cfg["cluster.min_edge_weight"])), cfg)


def cluster_links(links: Links, cfg: Config) -> ClusterResult:
    """Cluster the graph of ``links`` (see :func:`cluster_graph`)."""
    resolution = float(cfg["cluster.resolution"])
    seed = int(cfg["run.seed"])
    min_size = max(1, int(cfg["cluster.min_size"]))
    runs = max(0, int(cfg["cluster.stability_runs"]))
    method = method_used(str(cfg["cluster.method"]), links.table.height, int(cfg["cluster.exact_max_edges"]))
    info: dict[str, Any] = {
        "method_setting": str(cfg["cluster.method"]),
        "method": method,
        "resolution": resolution,
        "seed": seed,
        "nodes": len(links.nodes),
        "edges": links.table.height,
    }
    g = None if method == "igraph" else links.graph()
    if not links.nodes:
        partition(g if g is not None else nx.Graph(), method, resolution, seed)  # still report a missing leidenalg
        return ClusterResult({}, {}, {}, {}, g, {**info, "clusters": 0}, links)
    # the re-runs' seeds follow run.seed and wrap round, as every seed must stay below 2**32
    seeds = [seed] + [(seed + 1 + r) % 2**32 for r in range(runs)]
    first, *others = _igraph(links, resolution, seeds) if g is None else partitions(g, method, resolution, seeds)
    communities = _renumber(first)
    groups: dict[int, list[str]] = {}
    for node, c in communities.items():
        groups.setdefault(c, []).append(node)
    kept = {c: sorted(m) for c, m in groups.items() if len(m) >= min_size}
    membership = {node: c for c, members in kept.items() for node in members}
    stab = stability(kept, others)
    info.update(
        clusters=len(kept),
        clustered_accounts=len(membership),
        communities=len(groups),
        stability_runs=runs,
        modularity=_modularity(g, groups, resolution) if g is not None else _igraph_modularity(links, communities, resolution),
    )
    return ClusterResult(
        membership=dict(sorted(membership.items())),
        stability=stab,
        sizes={c: len(m) for c, m in kept.items()},
        communities=dict(sorted(communities.items())),
        graph=g,
        info=info,
        links=links,
    )


def _igraph_modularity(links: Links, communities: dict[str, int], resolution: float) -> float | None:
    """Weighted modularity of a partition, computed from the table (networkx's formula)."""
    if links.table.height == 0:
        return None
    t = links.table.select("account_a", "account_b", "weight")
    comm = pl.DataFrame({"account": list(communities), "c": list(communities.values())})
    t = t.join(comm.rename({"account": "account_a", "c": "ca"}), on="account_a", how="left").join(
        comm.rename({"account": "account_b", "c": "cb"}), on="account_b", how="left"
    )
    m = float(t.get_column("weight").sum())
    inside = float(t.filter(pl.col("ca") == pl.col("cb")).get_column("weight").sum())
    ends = pl.concat([t.select(pl.col("ca").alias("c"), "weight"), t.select(pl.col("cb").alias("c"), "weight")])
    degree = ends.group_by("c").agg(pl.col("weight").sum()).get_column("weight")
    return round(inside / m - resolution * float((degree**2).sum()) / (4 * m * m), 6)


def _modularity(g: nx.Graph, groups: dict[int, list[str]], resolution: float) -> float | None:
    if g.number_of_edges() == 0:
        return None
    return round(
        float(nx.community.modularity(g, [set(m) for m in groups.values()], weight="weight", resolution=resolution)),
        6,
    )
