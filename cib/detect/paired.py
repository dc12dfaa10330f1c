"""A signal's pairs of shares in memory: made (or taken from a sweep's cache), aggregated, tested, and their evidence.

The engine (:mod:`.engine`) runs a signal here unless its pairs would pass
``detect.max_pairs_in_memory`` (then :mod:`.shards`) or it runs on Spark
(:mod:`.spark`); :func:`window_pairs` is the null model's count of pairs for all three.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import polars as pl

from cib.detect.edges import aggregate, coortweet_second_pass, keep_edges
from cib.detect.evidence import order_pairs, pick_evidence
from cib.detect.reuse import PairCache
from cib.detect.significance import tested_edges
from cib.detect.traces import traces_key
from cib.detect.window import co_occurrences, crowds, self_pairs_per_object, thin_crowds

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["signal_pairs", "in_memory", "per_object", "window_pairs"]


def signal_pairs(
    sig: str, kept: pl.DataFrame, crowd: pl.DataFrame, window: float, cfg: Config, cache: PairCache | None
) -> pl.DataFrame:
    """The co-occurring pairs within ``window``; with a cache, taken from its widest window's where exact."""
    window_us = int(round(window * 1e6))
    limit = int(cfg["detect.max_object_shares_per_window"])
    policy = cfg["detect.crowd_policy"]
    seed = int(cfg["run.seed"])

    def paired(w_us: int) -> pl.DataFrame:
        crowd_w = crowd if w_us == window_us else crowds(kept.lazy(), w_us, limit)
        return co_occurrences(thin_crowds(kept.lazy(), crowd_w, limit, policy, seed), w_us).collect()

    if cache is None:
        return paired(window_us)

    def crowd_free(w_us: int) -> bool:
        return limit <= 0 or (crowd if w_us == window_us else crowds(kept.lazy(), w_us, limit)).height == 0

    widest_us = int(round(max(float(cache.widest.get(sig, 0.0)), window) * 1e6))
    key = (traces_key(sig, cfg), int(cfg["detect.min_participation"]), limit, policy, seed)
    return cache.get_pairs(key, window_us, widest_us, crowd_free, paired)


def in_memory(
    sig: str,
    kept: pl.DataFrame,
    crowd: pl.DataFrame,
    thinned: pl.LazyFrame,
    window: float,
    cfg: Config,
    cache: PairCache | None,
    info: dict,
    clock: Callable[[str], None],
    tfidf: bool,
    population: int,
) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """A signal's kept edges and their evidence (in codes) with every pair in memory; ``None`` without pairs."""
    window_us = int(round(window * 1e6))
    pairs = signal_pairs(sig, kept, crowd, window, cfg, cache)
    significance = bool(cfg["detect.significance"])
    between = per_object(pairs) if significance else None
    null_pairs = window_pairs(between, self_pairs_per_object(thinned, window_us), crowd, info) if between is not None else None
    clock("pairs")
    if cfg["detect.participation_filter"] == "coortweet":
        before = pairs.height
        pairs = coortweet_second_pass(pairs, kept.lazy(), int(cfg["detect.min_participation"]))
        info["pairs_dropped_second_pass"] = before - pairs.height
    info["pairs"] = pairs.height
    if pairs.height == 0:
        return None
    # With the significance filter few edges survive: their evidence is ordered then, not every pair now.
    in_order = not significance
    ordered = order_pairs(pairs, evidence_order=in_order)
    del pairs
    edges = aggregate(ordered, kept.lazy(), tfidf=tfidf, population=population)
    clock("edges")
    edges = keep_edges(tested_edges(edges, kept, null_pairs, cfg, info), cfg, info)
    clock("significance")
    evidence = pick_evidence(ordered, edges, int(cfg["detect.evidence_per_edge"]), evidence_order=in_order)
    return edges, evidence


def per_object(pairs: pl.DataFrame) -> pl.DataFrame:
    """``o, n``: pairs of shares of different accounts per object."""
    return pairs.group_by("o").agg(pl.len().cast(pl.Int64).alias("n"))


def window_pairs(between: pl.DataFrame, own: pl.DataFrame, crowd: pl.DataFrame, info: dict) -> pl.DataFrame:
    """Pairs of shares within the window per object, whoever made them: the null model's ``P``.

    ``between`` (pairs of two accounts) and ``own`` (of one account's own shares)
    are ``o, n``; a crowd object counts its upper bound.
    """
    info["same_account_pairs"] = int(own.get_column("n").sum())
    window_pairs = (
        pl.concat([between, own])
        .group_by("o")
        .agg(pl.col("n").sum())
        .join(crowd.select("o"), on="o", how="anti")
    )
    return pl.concat([window_pairs, crowd.select("o", pl.col("est_pairs").alias("n"))])
