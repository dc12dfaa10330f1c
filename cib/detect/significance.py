"""Is an edge more than chance? An analytic null model and Benjamini–Hochberg.

Null model
    Keep every object's shares and their times as observed (so each object's
    popularity and burstiness stay), keep how many shares each account makes,
    and hand each share to an account at random in proportion to that number.

    Objects are split in two strata, *popular* (shared by at least
    ``detect.null.popular_accounts`` accounts) and *ordinary*, and the model is
    applied in each: within stratum *c*, share *s* goes to account *a* with
    probability ``k_a^c / S_c`` (``k_a^c`` the account's shares of the stratum's
    objects, ``S_c`` all shares of them). Let ``P_c`` be the pairs of shares at
    most one window apart on the stratum's objects, whoever made them (pairs of
    one account's own posts included; crowd objects that were skipped or
    sampled enter with their upper bound). A given pair of share slots falls to
    accounts *a* and *b* with probability ``2 k_a^c k_b^c / S_c²``, so the
    expected number of co-occurring pairs of *a* and *b* is

    .. math:: \\lambda_{ab} = \\sum_c 2 P_c k_a^c k_b^c / S_c^2 .

    Why two strata: popular objects (breaking news, a viral post) are shared
    in bursts, so nearly all of ``P`` sits on them; an account that mostly
    shares popular things meets others in the window far more often than its
    total activity suggests. Counting its shares of popular objects apart
    gives it that higher expectation. Finer strata would let a network that
    is alone in its popularity class explain itself away (its own pairs would
    set its expectation), so there are only two, and the ordinary stratum
    holds the whole long tail.

    The observed count tested is ``n_objects`` (distinct objects co-shared
    within the window), which is at most ``n_pairs``: testing it against the
    expectation of *pairs* is conservative, and an account that shares one
    object many times cannot make an edge significant on its own.

    The p-value is the Poisson upper tail ``P(X ≥ n_objects | λ_ab)``.

Chance's share of the pairs
    ``P`` counts every pair of shares within the window, the coordinated ones
    too: where an operation is most of the data (a targeted collection), its
    own pairs would raise every expectation, its own included. With
    ``detect.null.scaled`` each stratum's expectation is multiplied by
    chance's share of its pairs: chance spreads pairs of shares over many
    pairs of accounts; coordination piles them on few pairs, again and again.
    The popular stratum takes ``f``, for which no more account pairs co-occur
    than observed (:func:`background_scale`): popular objects are where
    organic crowds meet again and again, so a repeated meeting there is no
    mark of coordination. The ordinary stratum takes the smaller of ``f`` and
    the share for which no more pairs meet exactly once on an ordinary object
    than observed (:func:`once_scale`): in the long tail a pair seldom meets
    twice unless arranged. Both fits count a pair met once as chance's, so an
    edge on one object is then never called significant.

Multiple testing
    Benjamini–Hochberg within each signal over *every* pair of accounts that
    could have formed an edge (``N (N - 1) / 2`` for the ``N`` accounts left
    after the participation filter), not only the pairs observed: a pair never
    observed has p = 1, but it was tested all the same. Counting only observed
    pairs would call most single co-occurrences significant, although the null
    model predicts about as many of them as there are. Edges whose adjusted
    p-value exceeds ``detect.max_fdr`` are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from cib.stats import benjamini_hochberg, poisson_pvalues

if TYPE_CHECKING:
    from cib.config import Config
    from cib.detect.edges import Singles

__all__ = [
    "expected_pairs",
    "background_scale",
    "once_scale",
    "null_expectations",
    "poisson_pvalues",
    "benjamini_hochberg",
    "edge_significance",
    "tested_edges",
]


def expected_pairs(k_a: np.ndarray, k_b: np.ndarray, total_shares: int, window_pairs: float) -> np.ndarray:
    """Expected co-occurring pairs of each account pair under the null model.

    Parameters
    ----------
    k_a, k_b
        Shares of each account of the pair in the signal.
    total_shares
        ``S``: all shares in the signal.
    window_pairs
        ``P``: pairs of shares at most one window apart, whoever made them.

    Returns
    -------
    numpy.ndarray
        ``2 P k_a k_b / S²``.
    """
    if total_shares <= 0:
        return np.zeros(len(k_a))
    k_a = np.asarray(k_a, dtype=np.float64)
    k_b = np.asarray(k_b, dtype=np.float64)
    return 2.0 * float(window_pairs) * k_a * k_b / float(total_shares) ** 2


def _activity_groups(k: np.ndarray, max_groups: int = 1200) -> tuple[np.ndarray, np.ndarray]:
    """Accounts grouped by their activity per stratum (``k``: accounts × strata), for sums over all pairs.

    Returns the groups' mean activity and their sizes. Activities are binned on a
    log scale, finer while the groups stay few enough: the sums only need the
    expectations' spread, not every account's.
    """
    active = k[k.sum(axis=1) > 0]
    for step in (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0):
        key = active if step == 0.0 else np.round(np.log1p(active) / step)
        _, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
        if counts.size <= max_groups:
            break
    inverse = inverse.reshape(-1)
    means = np.stack([np.bincount(inverse, weights=active[:, c]) for c in range(k.shape[1])], axis=1) / counts[:, None]
    return means, counts.astype(np.float64)


def background_scale(k: np.ndarray, alpha: np.ndarray, observed_edges: int) -> float:
    """The share of the window pairs that chance alone made, bounded by the pairs that co-occur: ``f`` in (0, 1].

    Under the null model the pair *a*, *b* co-occurs ``X ~ Poisson(f λ_ab)``
    times, so at least once with probability ``1 - exp(-f λ_ab)``.
    Coordination puts many pairs of shares on few pairs of accounts; chance
    spreads them. So ``f`` is the value for which the expected number of
    account pairs that co-occur equals the number observed (at most 1: every
    pair counted as chance). Coordinated pairs count among the observed, so
    the estimate errs towards 1, the cautious side; where coordination is most
    of the data it calls most of it chance (:func:`once_scale` bounds it then).

    Parameters
    ----------
    k
        Shares per account (rows) in each stratum (columns).
    alpha
        ``2 P_c / S_c²`` per stratum: ``λ_ab = Σ_c alpha_c k_a^c k_b^c``.
    observed_edges
        Pairs of accounts observed to co-occur.

    Returns
    -------
    float
    """
    lam, weight = _pair_groups(k, alpha)
    if lam.size == 0:
        return 1.0
    return _solve(lambda f: float((weight * -np.expm1(-f * lam)).sum()), observed_edges, 0.0, 1.0)


def once_scale(k: np.ndarray, alpha: np.ndarray, observed_once: int, upper: float = 1.0) -> float:
    """Chance's share of the window pairs bounded by the pairs that meet exactly once: ``f`` in (0, upper].

    Coordination is repeated co-action; chance seldom brings one pair
    together twice where expectations are small. So a pair met once is
    chance's mark, and ``f`` is the smallest value for which the expected
    number of pairs meeting exactly once, ``Σ f λ_ab exp(-f λ_ab)``, reaches
    the number observed (``upper`` when it never does).

    Parameters
    ----------
    k, alpha
        As for :func:`background_scale`.
    observed_once
        Pairs of accounts observed to co-occur on exactly one object.
    upper
        The largest value: the bound of :func:`background_scale`.

    Returns
    -------
    float
    """
    lam, weight = _pair_groups(k, alpha)
    if lam.size == 0 or upper <= 0.0:
        return upper

    def once(f: float) -> float:
        return float((weight * f * lam * np.exp(-f * lam)).sum())

    # the count rises while f λ < 1 for most of the weight, then falls: scan for the first f
    # that reaches it, then refine between the grid points
    grid = np.linspace(0.0, upper, 65)[1:]
    reached = np.flatnonzero([once(g) >= observed_once for g in grid])
    if not reached.size:
        return upper
    hi = float(grid[reached[0]])
    return _solve(once, observed_once, hi - upper / 64, hi)


def _pair_groups(k: np.ndarray, alpha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``λ`` and the number of account pairs of each pair of activity groups (:func:`_activity_groups`)."""
    means, counts = _activity_groups(k)
    if counts.size == 0:
        return np.zeros(0), np.zeros(0)
    # each unordered pair of groups once (a group with itself: its pairs of distinct accounts)
    i, j = np.triu_indices(counts.size)
    lam = ((means[i] * alpha) * means[j]).sum(axis=1)
    weight = np.where(i == j, counts[i] * (counts[i] - 1) / 2.0, counts[i] * counts[j])
    return lam[weight > 0], weight[weight > 0]


def _solve(count: Callable[[float], float], target: float, lo: float, hi: float) -> float:
    """The smallest ``f`` in ``(lo, hi]`` with ``count(f) ≥ target`` for a count rising on it; ``hi`` if none."""
    if count(hi) <= target:
        return hi
    for _ in range(50):  # bisection, to far below any p-value's resolution
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if count(mid) < target else (lo, mid)
    return hi


def null_expectations(
    edges: pl.DataFrame,
    traces: pl.DataFrame,
    window_pairs: pl.DataFrame,
    popular_accounts: int,
    *,
    scaled: bool = True,
    singles: Singles | None = None,
) -> tuple[np.ndarray, dict]:
    """Expected co-occurring pairs of each edge under the stratified null model.

    Parameters
    ----------
    edges
        ``a, b`` of the edges to test: every pair of accounts that co-occurs.
    traces
        The signal's traces after the participation filter (``a, o``).
    window_pairs
        ``o, n``: pairs of shares at most one window apart per object (same-account
        pairs and crowd upper bounds included).
    popular_accounts
        Objects shared by at least this many accounts are *popular*.
    scaled
        Scale the window pairs down to those chance made (:func:`background_scale`).
    singles
        Edges on one object that were counted rather than listed in ``edges``
        (a signal run in shards, :mod:`cib.detect.shards`): the scales' fits count them.

    Returns
    -------
    expected, details
        ``λ_ab`` per edge (in the order of ``edges``) and the stratum totals.
    """
    a = traces.get_column("a").to_numpy().astype(np.int64)
    o = traces.get_column("o").to_numpy().astype(np.int64)
    lam = np.zeros(edges.height)
    details: dict = {"popular_accounts": popular_accounts}
    if a.size == 0:
        return lam, details
    # Accounts per object from the distinct (account, object) pairs; all
    # lookups below are array indexes on the integer codes.
    width = int(o.max()) + 1
    ao = pl.Series(a * width + o).unique().to_numpy()  # np.unique sorts, ten times slower here
    accounts_per_object = np.bincount(ao % width, minlength=width)
    popular = accounts_per_object >= popular_accounts
    share_pop = popular[o]
    n_codes = int(max(a.max(), edges.get_column("a").max() or 0, edges.get_column("b").max() or 0)) + 1
    k_all = np.bincount(a, minlength=n_codes).astype(np.float64)
    k_pop = np.bincount(a, weights=share_pop.astype(np.float64), minlength=n_codes)
    wp_o = window_pairs.get_column("o").to_numpy().astype(np.int64)
    wp_n = window_pairs.get_column("n").to_numpy().astype(np.float64)
    wp_pop = popular[wp_o]
    ea = edges.get_column("a").to_numpy().astype(np.int64)
    eb = edges.get_column("b").to_numpy().astype(np.int64)
    k = np.stack([k_all - k_pop, k_pop], axis=1)
    alpha = np.zeros(2)
    for c, is_pop in enumerate((False, True)):
        s_c = int(share_pop.sum()) if is_pop else int((~share_pop).sum())
        if s_c == 0:
            continue
        p_c = float(wp_n[wp_pop == is_pop].sum())
        details["popular" if is_pop else "ordinary"] = {
            "objects": int((popular & (accounts_per_object > 0)).sum() if is_pop else ((~popular) & (accounts_per_object > 0)).sum()),
            "shares": s_c,
            "window_pairs": int(p_c),
        }
        alpha[c] = 2.0 * p_c / float(s_c) ** 2
        lam += expected_pairs(k[ea, c], k[eb, c], s_c, p_c)
    if scaled:
        f = background_scale(k, alpha, edges.height + (singles.total if singles else 0))
        # Popular objects are where organic crowds meet again and again (breaking news, a fandom's
        # own posts): there a pair met twice is no mark of coordination, and the cautious bound
        # stands. The long tail takes the single meetings' bound too.
        single = edges.get_column("n_objects").to_numpy() == 1
        once = int((single & ~popular[edges.get_column("min_object").to_numpy().astype(np.int64)]).sum())
        if singles is not None:
            counted = singles.per_object[: popular.size]
            once += int(counted[~popular[: counted.size]].sum())
        f_ord = once_scale(k[:, :1], alpha[:1], once, f)
        details["background_scale"] = round(f_ord, 6)
        if alpha[1] > 0:
            details["background_scale_popular"] = round(f, 6)
        lam = f_ord * alpha[0] * k[ea, 0] * k[eb, 0] + f * alpha[1] * k[ea, 1] * k[eb, 1]
    return lam, details


def edge_significance(
    edges: pl.DataFrame,
    traces: pl.DataFrame,
    window_pairs: pl.DataFrame,
    *,
    popular_accounts: int,
    max_fdr: float,
    scaled: bool = True,
    singles: Singles | None = None,
) -> tuple[pl.DataFrame, dict]:
    """Add ``expected``, ``p_value`` and ``q_value`` to one signal's edges.

    Benjamini–Hochberg passes only p-values under ``max_fdr · k / m`` for some
    ``k ≤ E`` (the edges observed; ``m`` the family), so an edge whose p-value is
    above ``max_fdr · E / m`` cannot pass. The others are ranked among
    themselves — their ranks among all — so every q-value at most ``max_fdr``
    is exact; the rest get a null q-value (they fail the threshold either way).
    With ``max_fdr ≥ 1`` every edge is ranked.

    With the scaled null, an edge on a single object is never a candidate: the
    scales are fitted on the premise that the pairs that meet once are chance's
    (:func:`background_scale`, :func:`once_scale`), so the same test cannot call
    one of them coordination. Its p-value is kept; its q-value is null.

    Parameters
    ----------
    edges
        ``a, b, n_objects, …`` of one signal.
    traces
        The signal's traces after the participation filter (``a, o``).
    window_pairs
        ``o, n``: pairs of shares within the window per object.
    popular_accounts, max_fdr, scaled
        ``detect.null.popular_accounts``, ``detect.max_fdr`` and ``detect.null.scaled``.
    singles
        Single-object edges counted but not listed (only with ``scaled``: none of them is a candidate).

    Returns
    -------
    edges, details
        The edges with the three columns, and the null model's figures.
    """
    lam, details = null_expectations(edges, traces, window_pairs, popular_accounts, scaled=scaled, singles=singles)
    n_objects = edges.get_column("n_objects").to_numpy()
    pv = poisson_pvalues(n_objects, lam)
    n_acc = traces.get_column("a").n_unique()
    n_tests = max(n_acc * (n_acc - 1) // 2, pv.size + (singles.total if singles else 0))
    repeated = n_objects >= 2 if scaled else np.ones(pv.size, dtype=bool)
    cut = max_fdr * int(repeated.sum()) / n_tests if max_fdr < 1 else 1.0
    candidates = repeated & (pv <= cut)
    qv = np.full(pv.size, np.nan)
    qv[candidates] = benjamini_hochberg(pv[candidates], n_tests)
    out = edges.with_columns(
        pl.Series("expected", lam), pl.Series("p_value", pv), pl.Series("q_value", qv, nan_to_null=True)
    )
    return out, {**details, "tests": n_tests}


def tested_edges(
    edges: pl.DataFrame,
    traces: pl.DataFrame,
    window_pairs: pl.DataFrame | None,
    cfg: Config,
    info: dict[str, Any],
    singles: Singles | None = None,
) -> pl.DataFrame:
    """One signal's edges with ``expected``, ``p_value`` and ``q_value`` as configured; nulls without ``window_pairs``.

    Parameters
    ----------
    edges, traces, window_pairs
        As for :func:`edge_significance`; ``window_pairs`` is ``None`` when
        ``detect.significance`` is off.
    cfg
        Effective configuration (``detect.null.*``, ``detect.max_fdr``).
    info
        The signal's info; receives ``null_model``.
    singles
        As for :func:`edge_significance`.

    Returns
    -------
    pl.DataFrame
    """
    if window_pairs is None:
        return edges.with_columns([pl.lit(None, pl.Float64).alias(c) for c in ("expected", "p_value", "q_value")])
    edges, info["null_model"] = edge_significance(
        edges,
        traces,
        window_pairs,
        popular_accounts=int(cfg["detect.null.popular_accounts"]),
        max_fdr=float(cfg["detect.max_fdr"]),
        scaled=bool(cfg["detect.null.scaled"]),
        singles=singles,
    )
    return edges
