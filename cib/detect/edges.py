"""From co-occurring pairs of shares to edges between accounts.

Per signal and unordered account pair ``a < b``:

``n_pairs``
    Co-occurring pairs of shares (CooRTweet's ``weight``).
``n_objects``
    Distinct objects behind them.
``first_at`` / ``last_at``
    Earliest and latest share in those pairs; ``min_delta_s`` the fastest pair.
``n_posts_a`` / ``n_posts_b`` (in ``edge_stats``)
    Distinct posts of *a* (of *b*) with a co-occurring post of the other:
    coordination-network-toolkit's directed weights ``a → b`` and ``b → a``.
``edge_symmetry`` (in ``edge_stats``)
    ``min(n_posts_a, n_posts_b) / max(...)``: 1 when both accounts contribute
    equally, near 0 when one hyperactive account makes the edge on its own
    (CooRTweet's ``edge_symmetry_score``, see docs/signals.md for the one
    difference).
``tfidf``
    TF-IDF cosine similarity of the two accounts' share vectors in the manner
    of Pacheco et al. (2021), counting in the numerator only shares that
    co-occur within the window::

        w_x(o) = tf_x(o) · idf(o),   tf_x(o) = shares of o by x,
        idf(o) = ln(N / df(o)),      N = accounts in the signal, df(o) = accounts sharing o,
        tfidf(a, b) = Σ_o c_ab(o) idf(o)² / (‖w_a‖ ‖w_b‖)

    where ``c_ab(o) ≤ tf_a(o) tf_b(o)`` is the number of co-occurring pairs of
    their shares of ``o`` (so the numerator is the cosine's, ``Σ w_a w_b``,
    when all their shares of an object fall within the window of each other)
    and the norms run over *all* the account's shares in the signal. An object
    everyone shares has idf 0 and adds nothing; an account that shares a lot has
    a large norm, so one overlap means little for it. The value lies in [0, 1]
    (Cauchy–Schwarz).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from cib.detect.window import pair_key
from cib.schema import EDGES, EVIDENCE, TIME

if TYPE_CHECKING:
    from cib.config import Config

__all__ = [
    "EDGE_STATS",
    "participation",
    "coortweet_second_pass",
    "aggregate",
    "choose_weight",
    "keep_edges",
    "pick_evidence",
    "name_edges",
]

#: per-edge diagnostics beyond the edges table
EDGE_STATS: dict[str, pl.DataType] = {
    "signal": pl.String(),
    "account_a": pl.String(),
    "account_b": pl.String(),
    "n_posts_a": pl.Int64(),
    "n_posts_b": pl.Int64(),
    "edge_symmetry": pl.Float64(),
    "avg_delta_s": pl.Float64(),
    "tfidf": pl.Float64(),
    "expected": pl.Float64(),
    "q_value": pl.Float64(),
}


def participation(tr: pl.LazyFrame, min_participation: int) -> tuple[pl.LazyFrame, pl.DataFrame]:
    """Drop accounts with fewer than ``min_participation`` traces; return kept traces and per-account counts.

    Returns
    -------
    traces, shares
        The traces of the kept accounts, and ``a, k`` (shares per account, all accounts).
    """
    shares = tr.group_by("a").agg(pl.len().cast(pl.Int64).alias("k")).collect()
    keep = shares.filter(pl.col("k") >= min_participation).select("a")
    return tr.join(keep.lazy(), on="a", how="semi"), shares


def coortweet_second_pass(pairs: pl.DataFrame, tr: pl.LazyFrame, min_participation: int) -> pl.DataFrame:
    """CooRTweet's ``filter_min_participation``.

    An account is *active* when at least ``min_participation`` of its traces are
    in a co-occurring pair; a pair is kept when either account is active.
    """
    posts = pl.concat([pairs.select(pl.col("pa").alias("p")), pairs.select(pl.col("pb").alias("p"))]).unique()
    active = (
        tr.join(posts.lazy(), on="p", how="semi")
        .group_by("a")
        .agg(pl.len().alias("n"))
        .filter(pl.col("n") >= min_participation)
        .select("a")
        .collect()
        .get_column("a")
        .implode()
    )
    return pairs.filter(pl.col("a").is_in(active) | pl.col("b").is_in(active))


#: fixed-point scale of idf² sums: integer sums do not depend on row order
_SCALE = float(1 << 32)


def _idf_and_norms(tr: pl.LazyFrame) -> tuple[np.ndarray, np.ndarray]:
    """idf² (fixed point) by object code and ‖w_a‖ by account code, as dense arrays.

    Codes are small non-negative integers, so a lookup is an array index, far
    cheaper than a join on millions of pairs.
    """
    per = (
        tr.group_by(pair_key(pl.col("a"), pl.col("o")).alias("_ao"))
        .agg(pl.len().cast(pl.Float64).alias("tf"))
        .sort("_ao")  # fixed summation order below: the same floats whatever the row order
        .collect()
    )
    if per.height == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    key = per.get_column("_ao").to_numpy()
    a = (key >> np.uint64(32)).astype(np.int64)
    o = (key & np.uint64(0xFFFFFFFF)).astype(np.int64)
    tf = per.get_column("tf").to_numpy()
    df = np.bincount(o)
    n_accounts = float(np.count_nonzero(np.bincount(a)))
    with np.errstate(divide="ignore"):
        idf = np.where(df > 0, np.log(n_accounts / np.maximum(df, 1)), 0.0)
    norms = np.sqrt(np.bincount(a, weights=(tf * idf[o]) ** 2))
    idf2 = np.round(idf**2 * _SCALE).astype(np.int64)
    return idf2, norms


def aggregate(pairs: pl.DataFrame, tr: pl.LazyFrame) -> pl.DataFrame:
    """Edges of one signal from its co-occurring pairs (different accounts only).

    Parameters
    ----------
    pairs
        ``a, b, o, pa, pb, ta, tb`` from :func:`cib.detect.window.co_occurrences`.
    tr
        The signal's traces after the participation filter (``a, o, p, t``);
        ``a`` and ``o`` are small non-negative integer codes.

    Returns
    -------
    pl.DataFrame
        ``a, b, n_pairs, n_objects, first_us, last_us, min_delta_us, avg_delta_s,
        n_posts_a, n_posts_b, edge_symmetry, tfidf``, in no particular order.
    """
    idf2, norms = _idf_and_norms(tr)
    delta = (pl.col("ta") - pl.col("tb")).abs()
    agg = (
        pairs.lazy()
        .with_columns(pl.lit(pl.Series(idf2)).gather(pl.col("o")).alias("_idf2"))
        # One UInt64 key instead of (a, b): the group-by runs twice as fast.
        .group_by(pair_key(pl.col("a"), pl.col("b")).alias("e"))
        .agg(
            pl.len().cast(pl.Int64).alias("n_pairs"),
            pl.min_horizontal("ta", "tb").min().alias("first_us"),
            pl.max_horizontal("ta", "tb").max().alias("last_us"),
            delta.min().alias("min_delta_us"),
            delta.sum().alias("_delta_sum"),
            pl.col("_idf2").sum().alias("_dot"),
        )
        .collect()
    )
    # Most edges rest on a single pair, whose distinct counts are all 1; the
    # costly distinct counts run only on the pairs of the other edges, and are
    # written into arrays (no join, so no copy of the millions of edges).
    multi = agg.select("e", pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i")).filter(agg["n_pairs"] > 1)
    distinct = (
        pairs.lazy()
        .with_columns(pair_key(pl.col("a"), pl.col("b")).alias("e"))
        .join(multi.lazy(), on="e", how="inner")
        .group_by("_i")
        .agg(
            pl.col("o").n_unique().alias("n_objects"),
            pl.col("pa").n_unique().alias("n_posts_a"),
            pl.col("pb").n_unique().alias("n_posts_b"),
        )
        .collect()
    )
    where = distinct.get_column("_i").to_numpy()
    counts = {}
    for name in ("n_objects", "n_posts_a", "n_posts_b"):
        col = np.ones(agg.height, dtype=np.uint32)  # small types: these arrays have one entry per edge
        col[where] = distinct.get_column(name).to_numpy()
        counts[name] = col
    key = agg.get_column("e").to_numpy()
    a = (key >> np.uint64(32)).astype(np.uint32)
    b = (key & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    del key
    tfidf = agg.get_column("_dot").to_numpy().astype(np.float64) / _SCALE
    if norms.size:
        den = norms[a] * norms[b]
        positive = den > 0
        tfidf[positive] = np.clip(tfidf[positive] / den[positive], 0.0, 1.0)
        tfidf[~positive] = 0.0
        del den, positive
    else:
        tfidf[:] = 0.0
    symmetry = np.minimum(counts["n_posts_a"], counts["n_posts_b"]) / np.maximum(counts["n_posts_a"], counts["n_posts_b"])
    return agg.with_columns(
        pl.Series("a", a),
        pl.Series("b", b),
        *(pl.Series(name, col) for name, col in counts.items()),
        (pl.col("_delta_sum").cast(pl.Float64) / pl.col("n_pairs") / 1e6).alias("avg_delta_s"),
        pl.Series("edge_symmetry", symmetry),
        pl.Series("tfidf", tfidf),
    ).drop("_delta_sum", "_dot", "e")


def choose_weight(edges: pl.DataFrame, kind: str) -> pl.Expr:
    """The ``weight`` column for ``detect.weight = kind``."""
    if kind == "tfidf":
        return pl.col("tfidf")
    if kind == "n_pairs":
        return pl.col("n_pairs").cast(pl.Float64)
    if kind == "n_objects":
        return pl.col("n_objects").cast(pl.Float64)
    if kind == "n_posts":
        # CNT keeps a directed edge when its own count reaches min_edge_weight, so
        # the undirected pair exists when the larger direction does.
        return pl.max_horizontal("n_posts_a", "n_posts_b").cast(pl.Float64)
    raise ValueError(f"unknown weight {kind!r}")


def keep_edges(edges: pl.DataFrame, cfg: Config, info: dict[str, Any]) -> pl.DataFrame:
    """Weigh the edges (``detect.weight``) and keep those past ``detect.min_weight`` and ``detect.max_fdr``.

    Parameters
    ----------
    edges
        :func:`aggregate` output with ``expected``, ``p_value`` and ``q_value``
        (nulls when ``detect.significance`` is off).
    cfg
        Effective configuration.
    info
        The signal's info; receives the counts found, dropped and kept.

    Returns
    -------
    pl.DataFrame
        The kept edges, with ``weight``.
    """
    significance = bool(cfg["detect.significance"])
    edges = edges.with_columns(choose_weight(edges, str(cfg["detect.weight"])).alias("weight"))
    heavy = pl.col("weight") >= float(cfg["detect.min_weight"])
    keep = heavy & (pl.col("q_value") <= float(cfg["detect.max_fdr"])) if significance else heavy
    found = edges.height
    info["edges_dropped_min_weight"] = int(edges.filter(~heavy).height)
    edges = edges.filter(keep)
    info.update(
        edges_found=found,
        edges_dropped_fdr=found - info["edges_dropped_min_weight"] - edges.height if significance else 0,
        edges_kept=edges.height,
    )
    return edges


def pick_evidence(pairs: pl.DataFrame, kept: pl.DataFrame, per_edge: int) -> pl.DataFrame:
    """Up to ``per_edge`` pairs per kept edge: fastest first, then by object and posts.

    Parameters
    ----------
    pairs
        All co-occurring pairs of the signal.
    kept
        ``a, b`` of the edges that survived the thresholds.
    per_edge
        Examples kept per edge (``0``: none).

    Returns
    -------
    pl.DataFrame
        ``a, b, o, pa, pb, delta_us``, sorted.
    """
    cols = ["a", "b", "o", "pa", "pb", (pl.col("ta") - pl.col("tb")).abs().alias("delta_us")]
    if per_edge <= 0 or kept.height == 0:
        return pairs.clear().select(cols)
    return (
        pairs.lazy()
        .join(kept.lazy().select("a", "b"), on=["a", "b"], how="semi")
        .select(cols)
        .sort(["a", "b", "delta_us", "o", "pa", "pb"])
        .filter(pl.int_range(pl.len()).over(["a", "b"]) < per_edge)
        .collect()
    )


def name_edges(
    sig: str, edges: pl.DataFrame, evidence: pl.DataFrame, accounts: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The ``EDGES``, ``EVIDENCE`` and ``EDGE_STATS`` tables of one signal, with account ids.

    Parameters
    ----------
    sig
        The signal name written into the three tables.
    edges
        Kept edges in codes: the columns of :func:`aggregate` plus ``weight``,
        ``expected``, ``p_value`` and ``q_value``.
    evidence
        :func:`pick_evidence` output plus the signal's own ``object_id``,
        ``post_a`` and ``post_b``.
    accounts
        ``account_id, a``: the id of each account code.

    Returns
    -------
    edges, evidence, stats
        The edges table and its per-edge diagnostics, both sorted by ``a, b``;
        the evidence sorted like :func:`pick_evidence`.
    """
    names_a = accounts.select(pl.col("a"), pl.col("account_id").alias("account_a"))
    names_b = accounts.select(pl.col("a").alias("b"), pl.col("account_id").alias("account_b"))
    named = edges.join(names_a, on="a", how="left").join(names_b, on="b", how="left").sort(["a", "b"])

    def stamp(c: str) -> pl.Expr:
        return pl.from_epoch(pl.col(c), time_unit="us").dt.replace_time_zone("UTC").cast(TIME)

    out_edges = named.select(
        "account_a",
        "account_b",
        pl.lit(sig).alias("signal"),
        pl.col("weight").cast(pl.Float64),
        "n_objects",
        "n_pairs",
        stamp("first_us").alias("first_at"),
        stamp("last_us").alias("last_at"),
        (pl.col("min_delta_us") / 1e6).alias("min_delta_s"),
        pl.col("p_value").cast(pl.Float64),
    )
    stats = named.select(
        pl.lit(sig).alias("signal"),
        "account_a",
        "account_b",
        "n_posts_a",
        "n_posts_b",
        "edge_symmetry",
        "avg_delta_s",
        "tfidf",
        pl.col("expected").cast(pl.Float64),
        pl.col("q_value").cast(pl.Float64),
    )
    ev = (
        evidence.join(names_a, on="a", how="left")
        .join(names_b, on="b", how="left")
        .sort(["a", "b", "delta_us", "o", "pa", "pb"])
        .select(
            pl.lit(sig).alias("signal"),
            "object_id",
            "account_a",
            "account_b",
            "post_a",
            "post_b",
            (pl.col("delta_us") / 1e6).alias("delta_s"),
        )
    )
    return out_edges.cast(EDGES), ev.cast(EVIDENCE), stats.cast(EDGE_STATS)  # type: ignore[arg-type]
