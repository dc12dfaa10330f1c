"""Clusters: planted communities recovered, numbered by size, deterministic, with stability."""

from __future__ import annotations

import builtins
import itertools
import random

import networkx as nx
import pytest

from cib.config import load_config
from cib.errors import ConfigError
from cib.network.cluster import cluster_graph, stability


def _planted(sizes=(12, 8, 5), noise=60, seed=0) -> nx.Graph:
    """Dense communities of the given sizes, a few weak edges between them, and loose pairs."""
    rng = random.Random(seed)
    g = nx.Graph()
    start = 0
    groups = []
    for k, size in enumerate(sizes):
        members = [f"c{k}_{i:02d}" for i in range(size)]
        groups.append(members)
        for a, b in itertools.combinations(members, 2):
            if rng.random() < 0.9:
                g.add_edge(a, b, weight=1.0 + rng.random())
        start += size
    for (x, y) in itertools.combinations(range(len(groups)), 2):
        g.add_edge(groups[x][0], groups[y][0], weight=0.1)
    for i in range(noise // 2):
        g.add_edge(f"z{i:03d}a", f"z{i:03d}b", weight=0.5)
    return g


def test_planted_communities_are_recovered_and_numbered_by_size():
    cfg = load_config()
    res = cluster_graph(_planted(), cfg)
    assert res.sizes == {0: 12, 1: 8, 2: 5}
    for cid, prefix in ((0, "c0_"), (1, "c1_"), (2, "c2_")):
        assert all(a.startswith(prefix) for a in res.members(cid))
    # loose pairs are below cluster.min_size: no cluster, but a community
    assert not any(a.startswith("z") for a in res.membership)
    assert all(a in res.communities for a in _planted().nodes())
    assert all(res.stability[c] == pytest.approx(1.0) for c in res.sizes)
    assert res.info["clusters"] == 3


def test_min_size_and_min_edge_weight():
    g = _planted()
    res = cluster_graph(g, load_config(overrides={"cluster.min_size": 6}))
    assert set(res.sizes.values()) == {12, 8}
    res = cluster_graph(g, load_config(overrides={"cluster.min_size": 2, "cluster.min_edge_weight": 0.6}))
    assert res.graph.number_of_edges() < g.number_of_edges()
    assert len(res.sizes) == 3  # loose pairs (weight 0.5) are dropped


def test_deterministic_and_independent_of_insertion_order():
    cfg = load_config()
    g = _planted(seed=3)
    edges = list(g.edges(data=True))
    random.Random(1).shuffle(edges)
    h = nx.Graph()
    h.add_edges_from((b, a, d) for a, b, d in edges)
    r1, r2, r3 = cluster_graph(g, cfg), cluster_graph(g, cfg), cluster_graph(h, cfg)
    assert r1.membership == r2.membership == r3.membership
    assert r1.stability == r3.stability


def test_stability_by_hand():
    clusters = {0: ["a", "b", "c", "d"]}
    together = {"a": 0, "b": 0, "c": 0, "d": 0}
    split = {"a": 0, "b": 0, "c": 1, "d": 1}  # 2 of 6 pairs together
    assert stability(clusters, [together]) == {0: 1.0}
    assert stability(clusters, [split]) == {0: pytest.approx(2 / 6)}
    assert stability(clusters, [together, split]) == {0: pytest.approx((1 + 2 / 6) / 2)}
    assert stability(clusters, []) == {0: 1.0}


def test_ambiguous_structure_is_less_stable():
    # a random graph has no real communities: the groupings change with the seed
    g = nx.gnp_random_graph(60, 0.12, seed=5)
    g = nx.relabel_nodes(g, {n: f"n{n:02d}" for n in g.nodes()})
    for a, b in g.edges():
        g[a][b]["weight"] = 1.0
    res = cluster_graph(g, load_config())
    assert min(res.stability.values()) < 0.9
    assert cluster_graph(_planted(), load_config()).stability[0] > max(res.stability.values())


def test_empty_graph():
    res = cluster_graph(nx.Graph(), load_config())
    assert res.membership == {} and res.stability == {} and res.info["clusters"] == 0


def test_leiden_gives_the_same_planted_clusters():
    pytest.importorskip("leidenalg")
    pytest.importorskip("igraph")
    res = cluster_graph(_planted(), load_config(overrides={"cluster.method": "leiden"}))
    assert res.sizes == {0: 12, 1: 8, 2: 5}
    assert res.info["method"] == "leiden"


def test_leiden_missing_is_a_clear_error(monkeypatch):
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name in {"leidenalg", "igraph"}:
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(ConfigError, match="leidenalg"):
        cluster_graph(_planted(), load_config(overrides={"cluster.method": "leiden"}))


def test_auto_clusters_small_graphs_exactly_and_large_ones_with_igraph():
    g = _planted()
    exact = cluster_graph(g, load_config(overrides={"cluster.method": "louvain"}))
    auto = cluster_graph(g, load_config())
    assert auto.info["method_setting"] == "auto" and auto.info["method"] == "louvain"
    assert auto.membership == exact.membership and auto.stability == exact.stability
    # above cluster.exact_max_edges the C implementation runs, and finds the same planted networks
    cfg = load_config(overrides={"cluster.exact_max_edges": g.number_of_edges() - 1})
    big = cluster_graph(g, cfg)
    assert big.info["method"] == "igraph"
    assert big.sizes == {0: 12, 1: 8, 2: 5}
    for cid, prefix in ((0, "c0_"), (1, "c1_"), (2, "c2_")):
        assert all(a.startswith(prefix) for a in big.members(cid))
    assert big.info["modularity"] == pytest.approx(exact.info["modularity"], abs=1e-9)


def test_igraph_is_seeded_and_leaves_the_generator_as_it_was():
    rng = random.Random(5)
    g = nx.Graph()
    for i in range(300):  # a noisy graph where the order of visits changes the partition
        for j in range(i + 1, 300):
            if rng.random() < 0.04:
                g.add_edge(f"a{i:03d}", f"a{j:03d}", weight=rng.random())
    cfg = load_config(overrides={"cluster.method": "igraph", "cluster.min_size": 2})
    first, again = cluster_graph(g, cfg), cluster_graph(g, cfg)
    assert first.membership == again.membership and first.stability == again.stability
    other = cluster_graph(g, load_config(overrides={"cluster.method": "igraph", "cluster.min_size": 2, "run.seed": 7}))
    assert other.communities != first.communities  # another seed, another order of visits
    before = random.getstate()
    random.random()
    expected = random.random()
    random.setstate(before)
    cluster_graph(g, cfg)
    random.random()
    assert random.random() == expected  # the global generator was not drawn from or reseeded


def test_forked_re_runs_give_the_runs_of_one_process(monkeypatch):
    # The stability re-runs of a large graph are spread over forked processes; each run
    # depends only on its seed, so the partitions are those of one process, in seed order.
    import polars as pl

    import cib.network.cluster as cluster

    rng = random.Random(5)
    pairs = {}
    for _ in range(3000):
        a, b = sorted((f"a{rng.randrange(400):03d}", f"a{rng.randrange(400):03d}"))
        if a != b:
            pairs[(a, b)] = rng.random() + 0.1
    fused = pl.DataFrame(
        {"account_a": [a for a, _ in pairs], "account_b": [b for _, b in pairs], "weight": list(pairs.values()),
         "signals": [["co_link"]] * len(pairs)}  # fmt: skip
    )
    links = cluster.links_of_fused(fused, 0.0)
    seeds = [7, 8, 9, 10]
    alone = cluster._igraph(links, 1.0, seeds)
    monkeypatch.setattr(cluster, "_FORK_ABOVE", 0)
    forked = cluster._igraph(links, 1.0, seeds)
    assert len(alone) == 4 and all(len(p) == len(links.nodes) for p in alone)
    assert forked == alone
