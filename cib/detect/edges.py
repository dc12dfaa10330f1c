"""From co-occurring pairs of shares to edges between accounts.

The pairs arrive grouped by edge (:func:`cib.detect.evidence.order_pairs`);
:mod:`cib.detect.evidence` also chooses the kept edges' evidence. Per signal
and unordered account pair ``a < b``:

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
        idf(o) = ln(N / df(o)),      N = accounts of the population, df(o) = accounts sharing o,
        tfidf(a, b) = Σ_o c_ab(o) idf(o)² / (‖w_a‖ ‖w_b‖)

    where ``c_ab(o) ≤ tf_a(o) tf_b(o)`` is the number of co-occurring pairs of
    their shares of ``o`` (so the numerator is the cosine's, ``Σ w_a w_b``,
    when all their shares of an object fall within the window of each other)
    and the norms run over *all* the account's shares in the signal. An object
    everyone shares has idf 0 and adds nothing; an account that shares a lot has
    a large norm, so one overlap means little for it. The value lies in [0, 1]
    (Cauchy–Schwarz).

    The population ``N`` is every account of the collection, whether it acts in
    the signal or not, or ``detect.reference_accounts`` when that is larger. In
    a targeted collection (an information-operations archive, the timelines of
    suspected accounts) the accounts active in a signal can be the operation
    alone: counted among them, the objects it shares would all have idf 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from cib.detect.window import pair_key
from cib.schema import EDGES, EVIDENCE, TIME

if TYPE_CHECKING:
    from cib.config import Config

__all__ = [
    "DAY_US",
    "EDGE_STATS",
    "Singles",
    "participation",
    "coortweet_second_pass",
    "aggregate",
    "idf_and_norms",
    "edge_figures",
    "choose_weight",
    "keep_edges",
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


@dataclass
class Singles:
    """Edges on a single object that were counted, not listed (:mod:`cib.detect.shards`).

    Attributes
    ----------
    per_object
        How many such edges each object code has (the object they co-occur on).
    below_min_weight
        How many of them weigh less than ``detect.min_weight``.
    """

    per_object: np.ndarray
    below_min_weight: int = 0

    @property
    def total(self) -> int:
        """All single-object edges counted."""
        return int(self.per_object.sum())


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
DAY_US = 86_400_000_000


def idf_and_norms(tr: pl.LazyFrame, population: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """idf² (fixed point) by object code and ‖w_a‖ by account code, as dense arrays.

    ``population`` is ``N``; the accounts in ``tr`` when it is smaller.

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
    n_accounts = float(max(np.count_nonzero(np.bincount(a)), population))
    with np.errstate(divide="ignore"):
        idf = np.where(df > 0, np.log(n_accounts / np.maximum(df, 1)), 0.0)
    norms = np.sqrt(np.bincount(a, weights=(tf * idf[o]) ** 2))
    idf2 = np.round(idf**2 * _SCALE).astype(np.int64)
    return idf2, norms


def _tfidf_dot(
    tr: pl.LazyFrame,
    o: np.ndarray,
    starts: np.ndarray,
    population: int,
    idf_norms: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each edge's fixed-point TF-IDF numerator from its pairs' objects ``o`` (runs from ``starts``), and the norms."""
    idf2, norms = idf_norms if idf_norms is not None else idf_and_norms(tr, population)
    # Integer sums (fixed-point idf²) do not depend on the order of the rows.
    dot = np.add.reduceat(idf2[o], starts) if starts.size else np.zeros(0, dtype=np.int64)
    return dot, norms


def _cosine(dot: np.ndarray, a: np.ndarray, b: np.ndarray, norms: np.ndarray) -> np.ndarray:
    """The TF-IDF cosine of each edge from its fixed-point numerator ``dot`` and the accounts' norms."""
    cosine = dot.astype(np.float64) / _SCALE
    if norms.size:
        den = norms[a] * norms[b]
        positive = den > 0
        cosine[positive] = np.clip(cosine[positive] / den[positive], 0.0, 1.0)
        cosine[~positive] = 0.0
    else:
        cosine[:] = 0.0
    return cosine


def _distinct_per_edge(keyed_edge: np.ndarray, codes: np.ndarray, multi: np.ndarray) -> np.ndarray:
    """How many distinct ``codes`` each edge has (a hash of one 64-bit key, no sort).

    An edge of one pair has one of each, so only the rows of larger edges
    (``multi``) come in: ``keyed_edge`` is their edge index shifted into the
    high half, ``codes`` their codes.
    """
    out = np.ones(multi.size, dtype=np.uint32)
    if keyed_edge.size == 0:
        return out
    unique = pl.Series(np.bitwise_or(keyed_edge, codes, dtype=np.uint64)).unique().to_numpy()
    larger = np.bincount((unique >> np.uint64(32)).astype(np.int64), minlength=multi.size)
    out[multi] = larger[multi]
    return out


def aggregate(
    ordered: pl.DataFrame,
    tr: pl.LazyFrame,
    *,
    tfidf: bool = True,
    population: int = 0,
    idf_norms: tuple[np.ndarray, np.ndarray] | None = None,
) -> pl.DataFrame:
    """Edges of one signal from its co-occurring pairs (different accounts only).

    Parameters
    ----------
    ordered
        :func:`cib.detect.evidence.order_pairs` output (either order).
    tr
        The signal's traces after the participation filter (``a, o, p, t``);
        ``a`` and ``o`` are small non-negative integer codes.
    tfidf
        Compute ``tfidf`` (null when false: nothing downstream reads it unless it
        is the weight or the diagnostics are kept).
    population
        ``N`` of the idf: the accounts of the collection, or of the population
        it was drawn from (at least the accounts in ``tr``).
    idf_norms
        :func:`idf_and_norms` of ``tr`` when already computed (a signal aggregated
        shard by shard computes them once).

    Returns
    -------
    pl.DataFrame
        ``edge, a, b, n_pairs, n_objects, first_us, last_us, min_delta_us, avg_delta_s,
        n_posts_a, n_posts_b, edge_symmetry, tfidf, min_object, n_days``, sorted by ``a, b``
        (``n_days``: distinct UTC days of the pairs' earlier posts).
    """
    # Pairs arrive grouped by edge: each edge's figures are reductions over one run of rows.
    edge = ordered.get_column("edge").to_numpy()
    starts = np.flatnonzero(np.r_[True, edge[1:] != edge[:-1]]) if edge.size else np.zeros(0, dtype=np.int64)
    n_edges = starts.size
    ta = ordered.get_column("ta").to_numpy()
    tb = ordered.get_column("tb").to_numpy()
    o = ordered.get_column("o").to_numpy()
    delta = ordered.get_column("delta_us").to_numpy()
    n_pairs = np.diff(np.r_[starts, edge.size]).astype(np.int64)
    multi = n_pairs > 1
    rows = multi[edge]
    keyed_edge = edge[rows].astype(np.uint64) << np.uint64(32)
    counts = {
        name: _distinct_per_edge(keyed_edge, ordered.get_column(col).to_numpy()[rows], multi)
        for name, col in (("n_objects", "o"), ("n_posts_a", "pa"), ("n_posts_b", "pb"))
    }
    # the UTC day of each pair's earlier post: co-action on separate days is a habit, one busy hour is not
    day = (np.minimum(ta[rows], tb[rows]) // DAY_US).astype(np.uint32)
    counts["n_days"] = _distinct_per_edge(keyed_edge, day, multi)
    a = ordered.get_column("a").to_numpy()[starts]
    b = ordered.get_column("b").to_numpy()[starts]
    dot, norms = _tfidf_dot(tr, o, starts, population, idf_norms) if tfidf else (None, None)

    def spread(fn: np.ufunc) -> np.ndarray:
        # the earliest (latest) of either side, per edge: no column-sized temporaries
        return fn(fn.reduceat(ta, starts), fn.reduceat(tb, starts)) if n_edges else ta[:0]

    sums = pl.DataFrame(
        {
            "a": a,
            "b": b,
            "n_pairs": n_pairs,
            **counts,
            "first_us": spread(np.minimum),
            "last_us": spread(np.maximum),
            "min_delta_us": np.minimum.reduceat(delta, starts) if n_edges else delta[:0],
            "sum_delta_us": np.add.reduceat(delta, starts) if n_edges else delta[:0],
            # the object of an edge on one object (the lowest code otherwise): the null model's stratum of it
            "min_object": np.minimum.reduceat(o, starts) if n_edges else o[:0],
            "dot": dot if dot is not None else np.zeros(n_edges, dtype=np.int64),
        }
    )
    return edge_figures(sums, norms)


def edge_figures(sums: pl.DataFrame, norms: np.ndarray | None) -> pl.DataFrame:
    """An edge's figures from its sums: the one finish of both engines' aggregations.

    Parameters
    ----------
    sums
        One row per edge, sorted by ``a, b``: ``a, b, n_pairs, n_objects,
        n_posts_a, n_posts_b, first_us, last_us, min_delta_us, sum_delta_us,
        min_object``, ``n_days`` and ``dot`` (the fixed-point TF-IDF numerator, or null).
    norms
        ``‖w_a‖`` by account code (:func:`idf_and_norms`); ``None``: no ``tfidf``.

    Returns
    -------
    pl.DataFrame
        As :func:`aggregate` returns it.
    """
    n_edges = sums.height
    counts = {c: sums.get_column(c).to_numpy() for c in ("n_objects", "n_posts_a", "n_posts_b")}
    if norms is None:
        cosine = pl.repeat(None, n_edges, dtype=pl.Float64, eager=True)
    else:
        a, b = sums.get_column("a").to_numpy(), sums.get_column("b").to_numpy()
        cosine = _cosine(sums.get_column("dot").to_numpy(), a, b, norms)
    symmetry = np.minimum(counts["n_posts_a"], counts["n_posts_b"]) / np.maximum(counts["n_posts_a"], counts["n_posts_b"])
    n_pairs = sums.get_column("n_pairs").to_numpy()
    return sums.select(
        pl.Series("edge", np.arange(n_edges, dtype=np.uint32)),
        "a",
        "b",
        "n_pairs",
        "n_objects",
        "n_posts_a",
        "n_posts_b",
        "first_us",
        "last_us",
        "min_delta_us",
        pl.Series("avg_delta_s", sums.get_column("sum_delta_us").to_numpy() / n_pairs / 1e6),
        pl.Series("edge_symmetry", symmetry),
        pl.Series("tfidf", cosine),
        "min_object",
        "n_days",
    )


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


def keep_edges(edges: pl.DataFrame, cfg: Config, info: dict[str, Any], singles: Singles | None = None) -> pl.DataFrame:
    """Weigh the edges (``detect.weight``) and keep those past ``detect.min_weight`` and ``detect.max_fdr``.

    Edges on fewer distinct days than ``info["min_days"]`` (the signal's
    ``detect.<signal>.min_days``, set by the engine) are dropped first.

    When every pair of the signal's accounts co-occurs (a group alone in its
    signal), the null model has nothing to compare with: the false discovery
    rate is not applied, and ``info["null_model"]["untestable"]`` says so.

    Parameters
    ----------
    edges
        :func:`aggregate` output with ``expected``, ``p_value`` and ``q_value``
        (nulls when ``detect.significance`` is off).
    cfg
        Effective configuration.
    info
        The signal's info; receives the counts found, dropped and kept.
    singles
        Edges on one object counted but not listed (:mod:`cib.detect.shards`):
        they count among those found and dropped.

    Returns
    -------
    pl.DataFrame
        The kept edges, with ``weight``.
    """
    unlisted = singles.total if singles is not None else 0
    significance = bool(cfg["detect.significance"])
    listed = edges.height + unlisted
    if significance and edges.height and listed >= info.get("null_model", {}).get("tests", listed + 1):
        # Every pair of the signal's accounts co-occurs: no pair is left to tell what chance
        # would give, so the test cannot speak and the edges stand on their weight.
        significance = False
        info["null_model"]["untestable"] = True
    edges = edges.with_columns(choose_weight(edges, str(cfg["detect.weight"])).alias("weight"))
    min_days = int(info.get("min_days", 1))
    if min_days > 1:
        # an edge on fewer days than asked is dropped whatever its weight
        days = pl.col("n_days") >= min_days
        info["edges_dropped_min_days"] = int(edges.filter(~days).height)
        edges = edges.filter(days)
    heavy = pl.col("weight") >= float(cfg["detect.min_weight"])
    keep = heavy & (pl.col("q_value") <= float(cfg["detect.max_fdr"])) if significance else heavy
    short = info.get("edges_dropped_min_days", 0)
    found = edges.height + unlisted + short
    light = singles.below_min_weight if singles is not None else 0
    info["edges_dropped_min_weight"] = int(edges.filter(~heavy).height) + light
    edges = edges.filter(keep)
    info.update(
        edges_found=found,
        edges_dropped_fdr=found - short - info["edges_dropped_min_weight"] - edges.height if significance else 0,
        edges_kept=edges.height,
    )
    return edges


def name_edges(
    sig: str, edges: pl.DataFrame, evidence: pl.DataFrame, accounts: pl.DataFrame, *, stats: bool = True
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
        :func:`cib.detect.evidence.pick_evidence` output plus the signal's own ``object_id``,
        ``post_a`` and ``post_b``.
    accounts
        ``account_id, a``: the id of each account code.
    stats
        Build the diagnostics; when false they come back empty.

    Returns
    -------
    edges, evidence, stats
        The edges table and its per-edge diagnostics, both sorted by ``a, b``;
        the evidence sorted like :func:`cib.detect.evidence.pick_evidence`.
    """
    # Account codes are row numbers of ``accounts``: a gather, not a join, names them,
    # and keeps the rows in the (a, b) order they arrive in.
    ids = accounts.sort("a").get_column("account_id")

    def names(frame: pl.DataFrame) -> pl.DataFrame:
        return frame.with_columns(
            ids.gather(frame.get_column("a")).alias("account_a"),
            ids.gather(frame.get_column("b")).alias("account_b"),
        )

    named = names(edges)

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
    if not stats:
        named = named.clear()
    diagnostics = named.select(
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
    ev = names(evidence).select(
        pl.lit(sig).alias("signal"),
        "object_id",
        "account_a",
        "account_b",
        "post_a",
        "post_b",
        (pl.col("delta_us") / 1e6).alias("delta_s"),
    )
    return out_edges.cast(EDGES), ev.cast(EVIDENCE), diagnostics.cast(EDGE_STATS)  # type: ignore[arg-type]
