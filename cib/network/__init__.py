"""The network stage: one account graph from the signals, its clusters, their features, labels and reasons.

>>> from cib.network import fuse, cluster_graph, score, bursts    # doctest: +SKIP
>>> graph = fuse(edges, cfg)                                     # doctest: +SKIP
>>> clustering = cluster_graph(graph, cfg)                       # doctest: +SKIP
>>> res = score(posts, accounts, edges, graph, clustering, cfg)  # doctest: +SKIP

Modules: :mod:`.fusion` (signals → one weighted graph), :mod:`.cluster` and
:mod:`.louvain` (communities and their stability), :mod:`.account_features`,
:mod:`.coaction_features` and :mod:`.features` (what each cluster and account
did), :mod:`.score` (bot / troll / mixed / organic) with :mod:`.labels` (the
indicators and rules) and :mod:`.account_scores` (each account's share of its
cluster's label), :mod:`.reasons` (the sentences behind a label),
:mod:`.text_terms` (a cluster's narrative terms), :mod:`.events` (bursts and
activity around events).
"""

from __future__ import annotations

from cib.network.cluster import ClusterResult, cluster_graph
from cib.network.events import bursts, event_activity, load_events, parse_event_flag
from cib.network.fusion import fuse
from cib.network.score import ScoreResult, score

__all__ = [
    "fuse",
    "cluster_graph",
    "ClusterResult",
    "score",
    "ScoreResult",
    "bursts",
    "event_activity",
    "load_events",
    "parse_event_flag",
]
