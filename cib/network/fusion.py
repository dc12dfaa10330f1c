"""One account graph across signals.

The fused weight of a pair is ``Σ_s m_s · weight_s`` over the signals ``s`` that
link it, with ``m_s`` from ``detect.fusion.weights`` (a signal not listed
counts 1). Hashtags and mentions are weak on their own and default to 0.25.
Each edge keeps which signals support it, so a report can say "linked by
co-reshare and co-text".

The network stage writes the fused edges as ``fused_edges.parquet``
(:data:`cib.schema.FUSED_EDGES`); the report and the exports rebuild the graph
from that table with :func:`graph_of`, never from the detectors.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from cib.schema import FUSED_EDGES

if TYPE_CHECKING:
    import networkx as nx

    from cib.config import Config

__all__ = ["fuse", "fused_edges", "graph_of"]


def fused_edges(edges: pl.DataFrame, cfg: Config) -> pl.DataFrame:
    """Fuse per-signal edges into one row per account pair.

    Parameters
    ----------
    edges
        The edges table (``account_a, account_b, signal, weight, n_pairs, n_objects, …``).
    cfg
        Effective configuration (``detect.fusion.weights``).

    Returns
    -------
    polars.DataFrame
        :data:`~cib.schema.FUSED_EDGES`, sorted by ``account_a, account_b``:
        ``weight`` (fused), ``signals`` (sorted) with ``signal_weights`` (each
        signal's own weight, in the same order), ``n_pairs`` and ``n_objects``
        (summed over signals).
    """
    multipliers = {str(k): float(v) for k, v in dict(cfg["detect.fusion.weights"]).items()}
    if edges.height == 0:
        return pl.DataFrame(schema=FUSED_EDGES)
    rows = (
        edges.select("account_a", "account_b", "signal", "weight", "n_pairs", "n_objects")
        .with_columns(
            pl.col("signal")
            .replace_strict(multipliers, default=1.0, return_dtype=pl.Float64)
            .alias("_m")
        )
        .sort(["account_a", "account_b", "signal"])
    )
    fused = rows.group_by("account_a", "account_b", maintain_order=True).agg(
        (pl.col("weight").fill_null(0.0) * pl.col("_m")).sum().alias("weight"),
        pl.col("signal").alias("signals"),
        pl.col("weight").alias("signal_weights"),
        pl.col("n_pairs").sum().alias("n_pairs"),
        pl.col("n_objects").sum().alias("n_objects"),
    )
    return fused.select([pl.col(c).cast(t) for c, t in FUSED_EDGES.items()])


def graph_of(fused: pl.DataFrame) -> nx.Graph:
    """The undirected account graph of a :func:`fused_edges` table.

    Returns
    -------
    networkx.Graph
        Nodes are account ids, in sorted order; edges in table order, each with
        ``weight`` (fused), ``signals`` (sorted list), ``by_signal`` (signal →
        that signal's weight), ``n_pairs`` and ``n_objects``.
    """
    import networkx as nx  # here: loading it costs a tenth of a second that detection alone does not need

    graph = nx.Graph()
    if fused.height == 0:
        return graph
    nodes = sorted(set(fused["account_a"].to_list()) | set(fused["account_b"].to_list()))
    graph.add_nodes_from(nodes)
    columns = ("account_a", "account_b", "weight", "signals", "signal_weights", "n_pairs", "n_objects")
    for a, b, weight, signals, weights, n_pairs, n_objects in fused.select(columns).iter_rows():
        graph.add_edge(
            a,
            b,
            weight=float(weight),
            signals=list(signals),
            by_signal=dict(zip(signals, weights, strict=True)),
            n_pairs=int(n_pairs),
            n_objects=int(n_objects),
        )
    return graph


def fuse(edges: pl.DataFrame, cfg: Config) -> nx.Graph:
    """Fuse per-signal edges into one undirected account graph: :func:`graph_of` of :func:`fused_edges`."""
    return graph_of(fused_edges(edges, cfg))
