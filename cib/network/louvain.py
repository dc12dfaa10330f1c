"""Louvain community detection, step for step as python-louvain, on integer-indexed lists.

:func:`best_partitions` returns exactly what
``community.best_partition(graph, weight="weight", resolution=r, random_state=seed)``
(python-louvain 0.16) returns for each seed: the same node and neighbour
orders, the same random draws and the same floating-point operations in the
same order, hence the same partition. Nodes are numbered in the order
python-louvain visits them and its dictionaries become lists, which avoids the
networkx views and per-edge attribute dictionaries that cost most of its time;
the graph is prepared once for all the seeds of a stability analysis.
``tests/test_louvain.py`` compares the two on random graphs.

Correspondence with python-louvain: :func:`_first_level` is ``graph.copy()``
(its neighbour order can differ from the original graph's), :class:`_Level`
holds what ``Status.init`` computes, and :func:`_one_level`,
:func:`_modularity`, :func:`_renumber` and :func:`_induced` are
``__one_level`` (with ``__neighcom``, ``__remove`` and ``__insert`` inlined),
``__modularity``, ``__renumber`` and ``induced_graph``.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import networkx as nx
import numpy as np

__all__ = ["best_partitions"]

_MIN = 0.0000001  # python-louvain's __MIN: a level must gain at least this much modularity


class _Level:
    """One level's graph: nodes ``0 … n-1`` named ``labels``, their neighbours, degrees and self-loops."""

    __slots__ = ("labels", "adj", "others", "degrees", "loops", "total_weight")

    def __init__(self, labels: list[Hashable], adj: list[dict[int, float]]) -> None:
        self.labels = labels
        self.adj = adj
        # the neighbours other than the node itself, in adjacency order (what __neighcom visits)
        self.others = [[(j, w) for j, w in nbrs.items() if j != i] for i, nbrs in enumerate(adj)]
        # networkx's weighted degree: the sum over neighbours, a self-loop counted twice
        degrees = [sum(nbrs.values()) + (i in nbrs and nbrs[i]) for i, nbrs in enumerate(adj)]
        self.total_weight = sum(degrees) / 2
        self.degrees = [float(d) for d in degrees]
        if any(d < 0 for d in self.degrees):
            raise ValueError(f"Bad node degree ({min(self.degrees)})")
        self.loops = [float(nbrs.get(i, 0)) for i, nbrs in enumerate(adj)]


def _first_level(graph: nx.Graph, weight: str) -> _Level:
    """The level python-louvain starts from: ``graph.copy()``, whose neighbour order it iterates."""
    labels = list(graph.nodes())
    index = {node: i for i, node in enumerate(labels)}
    adj: list[dict[int, float]] = [{} for _ in labels]
    for u, nbrs in graph.adj.items():
        iu = index[u]
        for v, data in nbrs.items():
            iv = index[v]
            w = data.get(weight, 1)
            adj[iu][iv] = w
            adj[iv][iu] = w
    return _Level(labels, adj)


def _modularity(node2com: list[int], internals: list[float], degrees: list[float], total_weight: float,
                resolution: float) -> float:
    links = float(total_weight)
    result = 0.0
    for community in set(node2com):  # a set, as python-louvain sums: the order of the sum matters
        if links > 0:
            result += internals[community] * resolution / links - ((degrees[community] / (2.0 * links)) ** 2)
    return result


def _one_level(level: _Level, resolution: float, random_state: np.random.RandomState) -> tuple[list[int], float]:
    """Move nodes between communities until modularity stops improving; each node's community and the modularity."""
    n = len(level.labels)
    node2com = list(range(n))
    degrees, internals = list(level.degrees), list(level.loops)
    gdegrees, loops, others = level.degrees, level.loops, level.others
    total2 = level.total_weight * 2.0
    shuffle = random_state.shuffle  # on a list it draws by length only, so indices shuffle as labels would
    modified = True
    new_mod = _modularity(node2com, internals, degrees, level.total_weight, resolution)
    while modified:
        cur_mod = new_mod
        modified = False
        order = list(range(n))
        shuffle(order)
        for node in order:
            com_node = node2com[node]
            gdeg = gdegrees[node]
            degc_totw = gdeg / total2
            neigh: dict[int, float] = {}
            for neighbor, edge_weight in others[node]:
                com = node2com[neighbor]
                neigh[com] = neigh.get(com, 0) + edge_weight
            remove_cost = -neigh.get(com_node, 0) + resolution * (degrees[com_node] - gdeg) * degc_totw
            degrees[com_node] = degrees[com_node] - gdeg
            internals[com_node] = float(internals[com_node] - neigh.get(com_node, 0.0) - loops[node])
            node2com[node] = -1
            best_com = com_node
            best_increase = 0.0
            candidates = list(neigh.items())
            if len(candidates) > 1:  # shuffling one item draws no random number: the draws stay in step
                shuffle(candidates)
            for com, dnc in candidates:
                incr = remove_cost + dnc - resolution * degrees[com] * degc_totw
                if incr > best_increase:
                    best_increase = incr
                    best_com = com
            node2com[node] = best_com
            degrees[best_com] = degrees[best_com] + gdeg
            internals[best_com] = float(internals[best_com] + neigh.get(best_com, 0.0) + loops[node])
            if best_com != com_node:
                modified = True
        new_mod = _modularity(node2com, internals, degrees, level.total_weight, resolution)
        if new_mod - cur_mod < _MIN:
            break
    return node2com, new_mod


def _renumber(coms: list[int]) -> list[int]:
    """Communities numbered ``0 … k-1``, keeping the numbers already in that range."""
    values = set(coms)
    target = set(range(len(values)))
    if values == target:
        return list(coms)
    renumbering = dict(zip(target.intersection(values), target.intersection(values), strict=True))
    renumbering.update(dict(zip(values.difference(target), target.difference(values), strict=True)))
    return [renumbering[c] for c in coms]


def _induced(coms: list[int], level: _Level) -> _Level:
    """The graph of communities: the weight between two is the sum of the weights between their nodes."""
    index: dict[int, int] = {}
    for com in coms:
        index.setdefault(com, len(index))
    node = [index[com] for com in coms]
    adj: list[dict[int, float]] = [{} for _ in index]
    for i, nbrs in enumerate(level.adj):
        a = node[i]
        for j, edge_weight in nbrs.items():
            if j < i:  # networkx lists each edge once, from the node it meets first
                continue
            b = node[j]
            w = adj[a].get(b, 0) + edge_weight
            adj[a][b] = w
            adj[b][a] = w
    return _Level(list(index), adj)


def _best_partition(first: _Level, resolution: float, seed: int) -> dict[Hashable, int]:
    random_state = np.random.RandomState(seed)
    level = first
    coms, mod = _one_level(level, resolution, random_state)
    dendrogram = [(level, _renumber(coms))]
    while True:
        level = _induced(dendrogram[-1][1], level)
        coms, new_mod = _one_level(level, resolution, random_state)
        if new_mod - mod < _MIN:
            break
        dendrogram.append((level, _renumber(coms)))
        mod = new_mod
    # python-louvain's partition_at_level for the last level
    part = dendrogram[0][1]
    for lvl, lvl_coms in dendrogram[1:]:
        position = {label: i for i, label in enumerate(lvl.labels)}
        part = [lvl_coms[position[c]] for c in part]
    return dict(zip(first.labels, part, strict=True))


def best_partitions(graph: nx.Graph, resolution: float, seeds: Sequence[int], weight: str = "weight") -> list[dict[Hashable, int]]:
    """Louvain partitions of one graph, one per seed.

    Parameters
    ----------
    graph
        Undirected graph; edge attribute ``weight`` (1 when missing), no negative degree.
    resolution
        Modularity resolution.
    seeds
        One partition per seed, each as python-louvain's ``random_state=seed``.
    weight
        Edge attribute holding the weight.

    Returns
    -------
    list of dict
        Node → community number, in the order of ``seeds``.
    """
    if graph.is_directed():
        raise TypeError("Bad graph type, use only non directed graph")
    if graph.number_of_edges() == 0:
        return [{node: i for i, node in enumerate(graph.nodes())} for _ in seeds]
    first = _first_level(graph, weight)
    return [_best_partition(first, resolution, int(seed)) for seed in seeds]
