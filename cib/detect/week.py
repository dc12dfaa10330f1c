"""Habits of the week in a null model: accounts active in the same hours meet more often by chance.

A null model that spreads each account's activity over the whole collection in
proportion to everyone's expects two office workers (both active on weekdays
from nine to five) to meet as rarely as a night owl and an early riser. They
meet more often, and a newsroom or a fan club in one time zone would look
coordinated for it. The week-aware null model keeps each account's own profile
over the 168 hours of the week, so co-activity is judged against what the two
accounts' habits already explain: a shared working day is expected, posting in
the same minutes of it again and again is not.

The hour of the week is counted in UTC: it is only a partition of time, and an
account's local nine-to-five is some fixed 8 or 9 of those hours whatever its
zone, so nothing here assumes one.

Profiles are shrunk towards everyone's: with ``n_a(h)`` an account's activity
in hour ``h``, ``k_a`` its total and ``W_h`` the share of all activity in ``h``,

.. math:: \\pi_a(h) = \\frac{n_a(h) + m W_h}{k_a + m} ,

with ``m`` = ``detect.null.week_prior``. An account seen a few times is mostly
given everyone's week; one seen hundreds of times mostly its own. The shrinkage
also keeps a group from explaining itself away: its members' few shared
occasions cannot make their own profiles alone.

A signal's expectation takes the factor

.. math:: F_{ab} = \\sum_h \\pi_a(h) \\pi_b(h) c_h ,

where ``c_h`` weighs hour ``h`` (:mod:`cib.detect.sync`: the chance that two
activities in ``h`` fall in one bin; :mod:`cib.detect.amplify`: ``1 / W_h``).
With everyone's week for both (``m`` infinite) it is ``Z = Σ W_h² c_h``, the
uniform model's value, so the week-aware model only moves expectations where
habits differ. Expanded, ``F`` needs one sparse product per pair:

.. math:: F_{ab} = \\frac{X_{ab} + m (Y_a + Y_b) + m^2 Z}{(k_a + m)(k_b + m)} ,
   \\quad X_{ab} = \\sum_h n_a(h) n_b(h) c_h , \\quad Y_a = \\sum_h n_a(h) W_h c_h .
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

if TYPE_CHECKING:
    from scipy import sparse

__all__ = ["HOURS", "hour_of_week", "WeekProfiles", "week_profiles"]

#: hours in a week: the profile's classes
HOURS = 168
_HOUR_US = 3_600_000_000
# account pairs whose factors are computed at a time (bounds memory, not the result)
_PAIRS_PER_SLICE = 200_000


def hour_of_week(t_us: pl.Expr) -> pl.Expr:
    """The hour of the week (0–167, counted from the epoch's) of a time in µs since the epoch, floored before 1970 too."""
    return (t_us // _HOUR_US) % HOURS


@dataclass(frozen=True)
class WeekProfiles:
    """Accounts' activity per hour of the week, and the hours' weights, for :meth:`factor`.

    Attributes
    ----------
    counts
        ``n_a(h)``: accounts × 168, sparse.
    totals
        ``k_a`` per account.
    share
        ``W_h``: each hour's share of all activity.
    weight
        ``c_h``.
    prior
        ``m``.
    """

    counts: sparse.csr_matrix
    totals: np.ndarray
    share: np.ndarray
    weight: np.ndarray
    prior: float

    @cached_property
    def uniform(self) -> float:
        """``Z = Σ W_h² c_h``: the factor of two accounts with everyone's week."""
        return float((self.share**2 * self.weight).sum())

    @cached_property
    def _weighted(self) -> sparse.csr_matrix:
        """``n_a(h) c_h``: the left side of every ``X_ab``."""
        from scipy import sparse  # SciPy loads on first use, as in the detectors

        return (self.counts @ sparse.diags(self.weight)).tocsr()

    @cached_property
    def _towards_all(self) -> np.ndarray:
        """``Y_a = Σ_h n_a(h) W_h c_h`` per account."""
        return np.asarray(self.counts @ (self.share * self.weight)).reshape(-1)

    def bound(self) -> np.ndarray:
        """Per account, a bound ``B_a`` with ``F_ab ≤ B_a B_b`` (Cauchy–Schwarz), for cheap screening."""
        weighted = self._weighted.multiply(self.counts).sum(axis=1)
        own = np.sqrt(np.asarray(weighted).reshape(-1))
        m = self.prior
        return (own + m * np.sqrt(self.uniform)) / (self.totals + m)

    def factor(self, i: np.ndarray, j: np.ndarray, other: WeekProfiles | None = None) -> np.ndarray:
        """``F_ij`` for the pairs of rows ``i`` (of these profiles) and ``j`` (of ``other``, by default these).

        The parts that depend on one account only are computed once per profiles
        (``sync`` asks for the pairs of each block of its product in turn).
        """
        b = other if other is not None else self
        m = self.prior
        y_a, y_b = self._towards_all, b._towards_all
        out = np.empty(len(i))
        for s in range(0, len(i), _PAIRS_PER_SLICE):
            ii, jj = i[s : s + _PAIRS_PER_SLICE], j[s : s + _PAIRS_PER_SLICE]
            x = np.asarray(self._weighted[ii].multiply(b.counts[jj]).sum(axis=1)).reshape(-1)
            top = x + m * (y_a[ii] + y_b[jj]) + m * m * self.uniform
            below = (self.totals[ii] + m) * (b.totals[jj] + m)
            # an account never seen, without a prior, has no week: its expectation is nil anyway
            out[s : s + len(ii)] = np.divide(top, below, out=np.zeros(len(ii)), where=below > 0)
        return out


def week_profiles(
    rows: np.ndarray,
    hours: np.ndarray,
    n_rows: int,
    weight: np.ndarray,
    prior: float,
    share: np.ndarray | None = None,
) -> WeekProfiles:
    """Profiles from one row per activity: its account's row and its hour of the week.

    Parameters
    ----------
    rows, hours
        Account row and hour (0–167) of each activity.
    n_rows
        Accounts.
    weight
        ``c_h`` (168 values).
    prior
        ``m``.
    share
        ``W_h``; by default these activities' own shares.

    Returns
    -------
    WeekProfiles
    """
    from scipy import sparse

    ones = np.ones(len(rows), dtype=np.float64)
    counts = sparse.csr_matrix((ones, (rows, hours)), shape=(n_rows, HOURS))
    counts.sum_duplicates()
    totals = np.asarray(counts.sum(axis=1)).reshape(-1)
    if share is None:
        per_hour = np.bincount(hours, minlength=HOURS).astype(np.float64)
        share = per_hour / max(per_hour.sum(), 1.0)
    return WeekProfiles(counts, totals, np.asarray(share, np.float64), np.asarray(weight, np.float64), float(prior))
