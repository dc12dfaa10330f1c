"""cib.network.louvain gives python-louvain's partitions exactly, node order included."""

from __future__ import annotations

import random

import community as community_louvain
import networkx as nx
import pytest

from cib.network.louvain import best_partitions


def _random_graph(seed: int) -> nx.Graph:
    """Weighted (or unweighted) graphs with self-loops, isolated nodes, integer or string nodes."""
    rng = random.Random(seed)
    g = nx.Graph()
    n = rng.randint(2, 80)
    ints = rng.random() < 0.5
    nodes = [rng.randint(0, 400) if ints else f"n{rng.randint(0, 10**6)}" for _ in range(n)]
    weighted = rng.random() < 0.7
    for _ in range(rng.randint(1, 4 * n)):
        a, b = rng.choice(nodes), rng.choice(nodes)
        w = rng.choice([1, 2, 0.5, 0.01 + 3 * rng.random()])
        if weighted:
            g.add_edge(a, b, weight=w)
        else:
            g.add_edge(a, b)
    g.add_nodes_from(rng.sample(nodes, k=min(3, n)))
    return g


@pytest.mark.parametrize("graph_seed", range(0, 200, 7))
@pytest.mark.parametrize("resolution", [0.5, 1.0, 2.0])
def test_same_partitions_as_python_louvain(graph_seed, resolution):
    g = _random_graph(graph_seed)
    seeds = [graph_seed, graph_seed + 1, 42]
    ours = best_partitions(g, resolution, seeds)
    theirs = [community_louvain.best_partition(g, weight="weight", resolution=resolution, random_state=s) for s in seeds]
    assert [list(p.items()) for p in ours] == [list(p.items()) for p in theirs]


def test_planted_communities_and_edge_cases():
    g = nx.planted_partition_graph(4, 15, 0.8, 0.02, seed=3)
    for a, b in g.edges():
        g[a][b]["weight"] = 1.0 + (a * b) % 7 / 3
    theirs = community_louvain.best_partition(g, weight="weight", random_state=11)
    assert best_partitions(g, 1.0, [11]) == [theirs]
    empty = nx.Graph()
    empty.add_nodes_from(["b", "a"])
    assert best_partitions(empty, 1.0, [1, 2]) == [{"b": 0, "a": 1}] * 2
    with pytest.raises(TypeError):
        best_partitions(nx.DiGraph([(1, 2)]), 1.0, [0])
