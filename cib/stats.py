"""Tests every stage may use: the Poisson upper tail and the Benjamini–Hochberg adjustment.

Detection tests each pair of accounts with them (:mod:`cib.detect.significance`);
the network stage tests each account against each flagged network
(:mod:`cib.network.attach`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["poisson_pvalues", "benjamini_hochberg"]


def poisson_pvalues(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Upper tail ``P(X ≥ observed)`` of a Poisson with mean ``expected``."""
    observed = np.asarray(observed, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    # Most edges rest on one object: P(X >= 1) = 1 - e^-λ, far cheaper than the general tail.
    p = -np.expm1(-expected)
    more = observed != 1
    if more.any():
        # imported here: SciPy takes a quarter of a second to load, and most runs never get here
        from scipy.special import pdtrc  # the function behind scipy.stats.poisson.sf

        k = observed[more]
        p[more] = np.where(k >= 1, pdtrc(np.maximum(k - 1.0, 0.0), expected[more]), 1.0)
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
