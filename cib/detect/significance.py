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

import numpy as np
import polars as pl
from scipy import stats

__all__ = ["expected_pairs", "null_expectations", "poisson_pvalues", "benjamini_hochberg"]


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


def null_expectations(
    edges: pl.DataFrame,
    traces: pl.DataFrame,
    window_pairs: pl.DataFrame,
    popular_accounts: int,
) -> tuple[np.ndarray, dict]:
    """Expected co-occurring pairs of each edge under the stratified null model.

    Parameters
    ----------
    edges
        ``a, b`` of the edges to test.
    traces
        The signal's traces after the participation filter (``a, o``).
    window_pairs
        ``o, n``: pairs of shares at most one window apart per object (same-account
        pairs and crowd upper bounds included).
    popular_accounts
        Objects shared by at least this many accounts are *popular*.

    Returns
    -------
    expected, details
        ``λ_ab`` per edge (in the order of ``edges``) and the stratum totals.
    """
    popular = (
        traces.group_by("o")
        .agg((pl.col("a").n_unique() >= popular_accounts).alias("pop"))
    )
    tr = traces.select("a", "o").join(popular, on="o")
    shares = tr.group_by("pop").agg(pl.len().alias("S"))
    pairs = window_pairs.join(popular, on="o").group_by("pop").agg(pl.col("n").sum().alias("P"))
    strata = shares.join(pairs, on="pop", how="left").with_columns(pl.col("P").fill_null(0))
    per_account = tr.group_by("a", "pop").agg(pl.len().alias("k"))
    lam = np.zeros(edges.height)
    details: dict = {"popular_accounts": popular_accounts}
    keyed = edges.select("a", "b").with_row_index("_i")
    for pop, s_c, p_c in strata.sort("pop").iter_rows():
        name = "popular" if pop else "ordinary"
        details[name] = {
            "objects": int(popular.filter(pl.col("pop") == pop).height),
            "shares": int(s_c),
            "window_pairs": int(p_c),
        }
        k = per_account.filter(pl.col("pop") == pop).select("a", "k")
        both = (
            keyed.join(k, on="a", how="left")
            .join(k.rename({"a": "b", "k": "k_b"}), on="b", how="left")
            .sort("_i")
            .fill_null(0)
        )
        lam += expected_pairs(both["k"].to_numpy(), both["k_b"].to_numpy(), int(s_c), float(p_c))
    return lam, details


def poisson_pvalues(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Upper tail ``P(X ≥ observed)`` of a Poisson with mean ``expected``."""
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    p = stats.poisson.sf(observed - 1.0, expected)
    # A zero expectation makes any observation impossible under the null.
    return np.where(expected > 0, p, np.where(observed > 0, 0.0, 1.0))


def benjamini_hochberg(pvalues: np.ndarray, n_tests: int | None = None) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values), in the input order.

    Parameters
    ----------
    pvalues
        Raw p-values of the tests that were observed.
    n_tests
        Size of the whole family, when tests not listed (with p = 1) belong to
        it too; at least ``len(pvalues)``.

    Returns
    -------
    numpy.ndarray
        ``min(1, min_{j ≥ i} p_(j) m / j)`` for each test, where ``p_(j)`` is the
        j-th smallest p-value and ``m`` the family size.
    """
    p = np.asarray(pvalues, dtype=np.float64)
    if p.size == 0:
        return p.copy()
    m = max(p.size, int(n_tests or 0))
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, p.size + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(p.size)
    out[order] = np.minimum(adjusted, 1.0)
    return out
