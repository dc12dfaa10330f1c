"""The timing graph (``sync``): accounts active in the same time bins far beyond chance.

Every account with at least ``sync.min_posts`` posts (original posts only, with
``sync.originals_only``: reshares and replies react to someone else's post, and
would link every popular account to its fastest amplifiers) is reduced to the set of
time bins it posted in, at each bin size of ``sync.bins`` (and, with
``sync.half_offset``, the same grid shifted by half a bin, so that two posts
two seconds apart across a bin boundary still meet). Two accounts co-occur in a
bin when both posted in it; the observed count ``x`` of a pair is the number of
bins they share, computed for all pairs at once as the sparse product
``AᵀA`` of the bin × account incidence matrix, in column blocks so memory stays
bounded.

Null model
    Each account keeps its number of active bins ``k_a`` and lands in bin ``b``
    with probability ``k_a·w_b``, where ``w_b`` is bin ``b``'s share of all
    (account, bin) activity: busy hours, the evening peak and breaking-news
    minutes get more of everyone, quiet nights less. The expected number of
    shared bins of ``a`` and ``c`` is then

    .. math:: \\lambda_{ac} = k_a k_c \\sum_b w_b^2 ,

    which is the hypergeometric mean ``k_a k_c / B`` when all ``B`` bins are
    equally busy. The p-value is the Poisson upper tail ``P(X ≥ x | λ)``; it is
    conservative for very active accounts (whose bin probabilities saturate).
    With ``detect.null.time_of_week`` each account also keeps its own week
    (:mod:`cib.detect.week`): it lands in bin ``b`` of hour-of-the-week ``h``
    with probability ``π_a(h) k_b / K_h``, so ``λ_ac = k_a k_c F_ac`` and two
    accounts keeping the same working hours are expected to share more bins.
    Across grids the smallest p-value is kept, times the number of grids
    (Bonferroni). Benjamini–Hochberg then runs over *every* pair of eligible
    accounts (pairs never sharing ``sync.min_common_bins`` bins count as
    p = 1), and edges with an adjusted p-value above ``sync.max_fdr`` are
    dropped.

Crowd bins
    A bin with more than ``sync.max_bin_accounts`` active accounts (a breaking
    news minute, an exit poll) says little about who is coordinated with whom
    and costs the square of its size, so it is left out of both the observed
    counts and the null; the number of such bins is reported.

Caveat
    Synchrony alone is weak evidence: news outlets on schedulers post on the
    hour, and people react to the same events. :mod:`cib.network.score` never flags a
    cluster on timing alone.

Output columns follow ``EDGES``: ``weight`` is the cosine ``x/√(k_a k_c)`` at
the grid with the smallest p-value, ``n_objects`` the bins shared there,
``n_pairs`` the post pairs inside those bins, ``first_at``/``last_at`` the first
and last shared post, ``min_delta_s`` the closest two posts of the pair inside
one bin, ``p_value`` the raw (combined) p-value. Evidence rows use
``object_id = "sync/<size>s[+half]/<bin start, ISO UTC>"``, one row per shared
bin (its closest post pair), the fastest ``detect.evidence_per_edge`` per edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from cib.detect.resolve import resolve_window
from cib.detect.week import HOURS, WeekProfiles, hour_of_week, week_profiles
from cib.errors import ConfigError
from cib.progress import Progress, Teller
from cib.schema import EDGES, EVIDENCE, TIME, conform, empty

if TYPE_CHECKING:
    from scipy import sparse

    from cib.config import Config

__all__ = ["POST_COLUMNS", "SyncResult", "sync_detect", "sync_edges", "benjamini_hochberg"]

SIGNAL = "sync"
#: the posts' columns :func:`sync_detect` reads (a large collection's detection reads only these)
POST_COLUMNS = ("post_id", "account_id", "created_at", "reshare_of", "reply_to")
_US = 1_000_000
# cells of one block of the pair-count product (bounds memory)
_BLOCK_CELLS = 40_000_000
# account pairs whose posts are paired at a time to describe them (bounds memory, not the result)
_PAIRS_PER_SLICE = 50_000


@dataclass
class SyncResult:
    """What :func:`sync_detect` found.

    Attributes
    ----------
    edges
        ``EDGES`` rows, ``signal = "sync"``.
    evidence
        ``EVIDENCE`` rows behind the edges.
    info
        Grids used, accounts eligible, pairs tested, crowd bins left out.
    """

    edges: pl.DataFrame
    evidence: pl.DataFrame
    info: dict[str, Any] = field(default_factory=dict)


def benjamini_hochberg(pvalues: np.ndarray, n_tests: int | None = None) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values in input order.

    Parameters
    ----------
    pvalues
        Observed p-values.
    n_tests
        Number of hypotheses tested; at least ``len(pvalues)``. Tests not passed in
        are taken to have larger p-values than every one passed in.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, capped at 1.
    """
    p = np.asarray(pvalues, dtype=np.float64)
    n = len(p)
    if n == 0:
        return p
    m = max(int(n_tests or n), n)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, n + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(ranked, 1.0)
    return out


def _grids(cfg: Config, time_resolution_s: float | None, info: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(name, size µs, offset µs) of every bin grid."""
    sizes = [float(s) for s in cfg["sync.bins"]]
    if not sizes or any(s <= 0 for s in sizes):
        raise ConfigError(f"sync.bins = {cfg['sync.bins']!r}: give one or more positive bin sizes in seconds")
    used: list[float] = []
    for size in sizes:
        window = resolve_window("sync bin", size, time_resolution_s)
        if window.warnings:
            info.setdefault("warnings", []).extend(window.warnings)
        if window.seconds not in used:
            used.append(window.seconds)
    grids = []
    for s in sorted(used):
        size = int(round(s * _US))
        grids.append((f"{s:g}s", size, 0))
        if cfg["sync.half_offset"]:
            grids.append((f"{s:g}s+half", size, size // 2))
    return grids


def _pair_counts(
    a: sparse.csr_matrix,
    min_common: int,
    k: np.ndarray,
    collision: float,
    max_p: float,
    week: WeekProfiles | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``i < j`` of columns of binary ``a`` sharing at least ``min_common`` rows, with p ≤ ``max_p``.

    A pair whose own p-value exceeds the FDR level can never pass Benjamini–Hochberg
    (its adjusted p-value is at least its p-value), so it is dropped block by block
    and memory follows the pairs that can survive, not all that co-occur. With
    ``week``, a pair's expectation is ``k_i k_j F_ij`` (:mod:`cib.detect.week`);
    pairs are screened on the bound of ``F`` first, which only ever raises it.
    """
    from scipy.special import pdtrc  # SciPy loads on first use: most runs of cib never need it

    n = a.shape[1]
    at = a.T.tocsr()
    a_csc = a.tocsc()
    block = max(1, _BLOCK_CELLS // max(n, 1))
    kf = k.astype(np.float64)
    bound = week.bound() if week is not None else None
    out: list[tuple[np.ndarray, ...]] = []
    for j0 in range(0, n, block):
        j1 = min(n, j0 + block)
        # only rows < j1 can pair with a column in [j0, j1) as the smaller index
        prod = (at[:j1] @ a_csc[:, j0:j1]).tocoo()
        r, c, v = prod.row, prod.col + j0, prod.data
        keep = (r < c) & (v >= min_common)
        r, c, v = r[keep].astype(np.int64), c[keep].astype(np.int64), v[keep].astype(np.int64)
        if week is None:
            p = pdtrc(v - 1, kf[r] * kf[c] * collision)  # Poisson P(X >= v), as scipy.stats.poisson.sf
        else:
            # a larger expectation gives a larger p-value: pairs failing on the bound fail on F too
            near = pdtrc(v - 1, kf[r] * kf[c] * bound[r] * bound[c]) <= max_p
            p = np.ones(len(v))
            p[near] = pdtrc(v[near] - 1, kf[r[near]] * kf[c[near]] * week.factor(r[near], c[near]))
        ok = p <= max_p
        out.append((r[ok], c[ok], v[ok], p[ok]))
    if not out:
        z = np.zeros(0, np.int64)
        return z, z, z, np.zeros(0)
    return tuple(np.concatenate(parts) for parts in zip(*out, strict=True))  # type: ignore[return-value]


def _grid_pairs(
    act: pl.DataFrame, n_acc: int, size: int, offset: int, cfg: Config, max_p: float
) -> tuple[pl.DataFrame, int]:
    """Candidate pairs of one grid with their p-values, and the crowd bins left out."""
    cells = act.select("a", ((pl.col("t") - offset) // size).alias("bin")).unique()
    per_bin = cells.group_by("bin").agg(pl.len().alias("k_b"))
    limit = int(cfg["sync.max_bin_accounts"])
    crowd = per_bin.filter(pl.col("k_b") > limit).height if limit > 0 else 0
    if limit > 0:
        per_bin = per_bin.filter(pl.col("k_b") <= limit)
    cells = cells.join(per_bin, on="bin", how="semi")
    per_bin = per_bin.sort("bin")  # a fixed summation order keeps p-values bit-identical
    total = float(per_bin["k_b"].sum() or 0)
    schema = {"i": pl.Int64, "j": pl.Int64, "x": pl.Int64, "p": pl.Float64, "k_i": pl.Int64, "k_j": pl.Int64}
    if total == 0:
        return pl.DataFrame(schema=schema), crowd
    collision = float(((per_bin["k_b"].cast(pl.Float64) / total) ** 2).sum())
    k = np.bincount(cells["a"].to_numpy(), minlength=n_acc)
    week = _week(cells, per_bin, n_acc, size, offset, total, cfg) if cfg["detect.null.time_of_week"] else None
    # bins where a single account is active cannot pair anybody
    paired = cells.join(per_bin.filter(pl.col("k_b") > 1), on="bin", how="semi")
    if paired.height == 0:
        return pl.DataFrame(schema=schema), crowd
    bin_code = paired["bin"].rank("dense").cast(pl.Int64).to_numpy() - 1
    acc = paired["a"].to_numpy()
    from scipy import sparse

    mat = sparse.csr_matrix(
        (np.ones(len(acc), dtype=np.int32), (bin_code, acc)), shape=(int(bin_code.max()) + 1, n_acc)
    )
    i, j, x, p = _pair_counts(mat, int(cfg["sync.min_common_bins"]), k, collision, max_p, week)
    out = pl.DataFrame({"i": i, "j": j, "x": x, "p": p, "k_i": k[i], "k_j": k[j]}, schema=schema)
    return out, crowd


def _week(
    cells: pl.DataFrame, per_bin: pl.DataFrame, n_acc: int, size: int, offset: int, total: float, cfg: Config
) -> WeekProfiles:
    """The accounts' weeks on one grid: active bins per hour of the week, each hour weighed by its bins' collision.

    An account lands in bin ``b`` of hour ``h`` with probability ``π_a(h) k_b / K_h``
    (``K_h`` the activity of all bins of ``h``), so two accounts share a bin of ``h``
    with ``c_h = Σ_{b ∈ h} (k_b / K_h)²``.
    """
    hour = hour_of_week(pl.col("bin") * size + offset).alias("h")
    # integer sums: exact, so the same in any order
    hours = per_bin.select(hour, pl.col("k_b").cast(pl.Int64)).group_by("h").agg(
        pl.col("k_b").sum().alias("K"), (pl.col("k_b") ** 2).sum().alias("K2")
    )
    h = hours["h"].to_numpy()
    activity = np.zeros(HOURS)
    activity[h] = hours["K"].to_numpy()
    weight = np.zeros(HOURS)
    weight[h] = hours["K2"].to_numpy().astype(np.float64) / activity[h] ** 2
    cell_hours = cells.select(hour)["h"].to_numpy()
    prior = float(cfg["detect.null.week_prior"])
    return week_profiles(cells["a"].to_numpy(), cell_hours, n_acc, weight, prior, share=activity / total)


def sync_detect(
    posts: pl.DataFrame, cfg: Config, *, time_resolution_s: float | None = None, progress: Progress | None = None
) -> SyncResult:
    """Find ``sync`` edges and their evidence.

    Parameters
    ----------
    posts
        Canonical posts (``post_id, account_id, created_at`` are used).
    cfg
        Effective configuration (``sync.*``, ``detect.evidence_per_edge``).
    time_resolution_s
        The timestamps' resolution; finer bins are widened to it with a warning.
    progress
        Told ``activity``, each grid (counted) and ``edges`` as they start (:mod:`cib.progress`).

    Returns
    -------
    SyncResult
    """
    tell = Teller(progress, "detect", SIGNAL)
    tell("activity")
    info: dict[str, Any] = {"signal": SIGNAL}
    grids = _grids(cfg, time_resolution_s, info)
    info["grids"] = [g[0] for g in grids]
    lf = posts.lazy().filter(pl.col("account_id").is_not_null() & pl.col("created_at").is_not_null())
    if cfg["sync.originals_only"]:
        # a reshare or reply reacts to someone else's post: counting it would link every
        # popular account to its fastest amplifiers, who co_reshare/co_reply compare already
        have = posts.columns
        for col in ("reshare_of", "reply_to"):
            if col in have:
                lf = lf.filter(pl.col(col).is_null())
    base = (
        lf
        .select("post_id", "account_id", pl.col("created_at").cast(TIME).dt.epoch("us").alias("t"))
        .collect()
    )
    del posts, lf  # a caller that handed over the only reference lets the posts go for the steps below
    n_posts = base.group_by("account_id").agg(pl.len().alias("n"))
    eligible = n_posts.filter(pl.col("n") >= int(cfg["sync.min_posts"])).sort("account_id")["account_id"]
    n_acc = eligible.len()
    info["accounts_eligible"] = n_acc
    info["pairs_tested"] = n_acc * (n_acc - 1) // 2
    if n_acc < 2:
        info["edges"] = 0
        return SyncResult(empty("edges"), empty("evidence"), info)
    codes = pl.DataFrame({"account_id": eligible, "a": np.arange(n_acc, dtype=np.int64)})
    act = base.join(codes, on="account_id", how="inner")

    frames, crowd = [], {}
    # a pair can pass only if its Bonferroni-corrected p-value is within the FDR level
    max_p = float(cfg["sync.max_fdr"]) / len(grids)
    for g, (name, size, offset) in enumerate(grids):
        tell(f"grid {name}", g, len(grids), "grids")
        pairs, crowd[name] = _grid_pairs(act, n_acc, size, offset, cfg, max_p)
        frames.append(pairs.with_columns(pl.lit(g, pl.Int64).alias("grid")))
    tell("edges", len(grids), len(grids), "grids")
    info["crowd_bins_left_out"] = crowd
    cand = pl.concat(frames)
    if cand.height == 0:
        info["edges"] = 0
        return SyncResult(empty("edges"), empty("evidence"), info)
    # per pair: the grid with the smallest p-value (ties: the finest grid), Bonferroni over grids
    best = (
        cand.sort(["i", "j", "p", "grid"])
        .group_by(["i", "j"], maintain_order=True)
        .first()
        .with_columns((pl.col("p") * len(grids)).clip(upper_bound=1.0).alias("p"))
    )
    q = benjamini_hochberg(best["p"].to_numpy(), info["pairs_tested"])
    best = best.with_columns(pl.Series("q", q)).filter(pl.col("q") <= float(cfg["sync.max_fdr"]))
    info["pairs_below_fdr_level"] = cand.select("i", "j").unique().height
    if best.height == 0:
        info["edges"] = 0
        return SyncResult(empty("edges"), empty("evidence"), info)

    edges, evidence = _describe(best, act, codes, grids, int(cfg["detect.evidence_per_edge"]))
    info["edges"] = edges.height
    return SyncResult(edges, evidence, info)


def _slice_pairs(sel: pl.DataFrame, binned: pl.DataFrame, keep: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """For account pairs ``i, j`` of one grid: each pair's statistics, and its evidence (one post pair per shared bin).

    The evidence is each shared bin's closest post pair, the fastest bins first,
    at most ``keep`` per pair; posts are ranks of their ids (``r_a, r_b``).
    """
    left = sel.join(binned.rename({"a": "i", "r": "r_a", "t": "t_a"}), on="i")
    pairs = left.join(binned.rename({"a": "j", "r": "r_b", "t": "t_b"}), on=["j", "bin"]).with_columns(
        ((pl.col("t_b") - pl.col("t_a")).abs().cast(pl.Float64) / _US).alias("delta_s")
    )
    stats_ = pairs.group_by("i", "j").agg(
        pl.len().alias("n_pairs"),
        pl.min_horizontal("t_a", "t_b").min().alias("first_us"),
        pl.max_horizontal("t_a", "t_b").max().alias("last_us"),
        pl.col("delta_s").min().alias("min_delta_s"),
    )
    kept = (
        pairs.sort(["i", "j", "bin", "delta_s", "r_a", "r_b"])
        .group_by(["i", "j", "bin"], maintain_order=True)
        .first()
        .sort(["i", "j", "delta_s", "bin"])
        .group_by(["i", "j"], maintain_order=True)
        .head(max(keep, 0))
    )
    return stats_, kept


def _describe(
    best: pl.DataFrame, act: pl.DataFrame, codes: pl.DataFrame, grids: list[tuple[str, int, int]], keep: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Edge statistics and evidence from the posts of each surviving pair's shared bins.

    The post pairs carry each post as its rank among the post ids (so they sort as
    the ids do) and their bin as a number: the ids and the bins' names are written
    only for the evidence kept. They are made for a slice of the account pairs at a
    time (:func:`_slice_pairs`): at 10 M posts they run to tens of millions.
    """
    ids = act.get_column("post_id").unique().sort()
    cells = act.select("a", pl.col("post_id").rank("dense").cast(pl.UInt32).alias("r"), "t")
    stats_parts, kept_parts = [], []
    for g, (_name, size, offset) in enumerate(grids):
        chosen = best.filter(pl.col("grid") == g).select("i", "j")
        binned = cells.with_columns(((pl.col("t") - offset) // size).alias("bin"))
        # a slice of the pairs at a time: each pair's posts are described within its slice alone
        for sel in chosen.iter_slices(_PAIRS_PER_SLICE):
            stats_part, kept_part = _slice_pairs(sel, binned, keep)
            stats_parts.append(stats_part)
            kept_parts.append(kept_part.with_columns(pl.lit(g, pl.Int64).alias("grid")))
    stats_ = pl.concat(stats_parts)
    names = codes.rename({"a": "i", "account_id": "account_a"})
    names_b = codes.rename({"a": "j", "account_id": "account_b"})
    edges = (
        best.join(stats_, on=["i", "j"], how="left")
        .join(names, on="i")
        .join(names_b, on="j")
        .with_columns(
            pl.lit(SIGNAL).alias("signal"),
            (pl.col("x") / (pl.col("k_i").cast(pl.Float64) * pl.col("k_j")).sqrt()).alias("weight"),
            pl.col("x").alias("n_objects"),
            pl.col("first_us").cast(TIME).alias("first_at"),
            pl.col("last_us").cast(TIME).alias("last_at"),
            pl.col("p").alias("p_value"),
        )
        .sort(["account_a", "account_b"])
    )
    edges = conform(edges, "edges")
    kept = pl.concat(kept_parts)
    grid = pl.col("grid")
    start = pl.col("bin") * grid.replace_strict({g: s for g, (_, s, _) in enumerate(grids)}, return_dtype=pl.Int64)
    start = start + grid.replace_strict({g: o for g, (_, _, o) in enumerate(grids)}, return_dtype=pl.Int64)
    ev = (
        kept.with_columns(
            ids.gather(kept.get_column("r_a") - 1).alias("post_a"),
            ids.gather(kept.get_column("r_b") - 1).alias("post_b"),
            pl.concat_str(
                pl.lit("sync/"),
                grid.replace_strict({g: n for g, (n, _, _) in enumerate(grids)}, return_dtype=pl.String),
                pl.lit("/"),
                start.cast(pl.Datetime("us", "UTC")).dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            ).alias("object_id"),
        )
        .join(names, on="i")
        .join(names_b, on="j")
        .with_columns(pl.lit(SIGNAL).alias("signal"))
        .sort(["account_a", "account_b", "delta_s", "object_id"])
    )
    return edges, conform(ev, "evidence")


def sync_edges(
    posts: pl.DataFrame,
    cfg: Config,
    *,
    time_resolution_s: float | None = None,
    evidence: bool = False,
) -> pl.DataFrame | tuple[pl.DataFrame, pl.DataFrame]:
    """The ``sync`` edges of the posts.

    Parameters
    ----------
    posts
        Canonical posts.
    cfg
        Effective configuration.
    time_resolution_s
        The timestamps' resolution, when known.
    evidence
        Also return the evidence rows.

    Returns
    -------
    polars.DataFrame or tuple
        ``EDGES`` rows; ``(edges, evidence)`` when ``evidence`` is true.
    """
    res = sync_detect(posts, cfg, time_resolution_s=time_resolution_s)
    assert list(res.edges.columns) == list(EDGES) and list(res.evidence.columns) == list(EVIDENCE)
    return (res.edges, res.evidence) if evidence else res.edges
