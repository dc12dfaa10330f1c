"""Pure metric helpers for :mod:`cib.evaluate`: counts, partitions and rankings on arrays.

Precision/recall/F1 from counts, the contingency table of two labelings and
the adjusted Rand index and normalised mutual information computed from it,
and ROC AUC by mid-ranks. Nothing here reads files or knows about runs, so
the functions can be checked against hand-computed cases on their own.
:mod:`cib.evaluate` re-exports every public name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "precision_recall_f1",
    "contingency_table",
    "ari_from_contingency",
    "nmi_from_contingency",
    "adjusted_rand_index",
    "normalized_mutual_information",
    "midranks",
    "roc_auc",
]


def precision_recall_f1(tp: int, fp: int, fn: int) -> tuple[float | None, float | None, float | None]:
    """Precision, recall and F1 from counts.

    ``precision = tp / (tp + fp)``, ``recall = tp / (tp + fn)`` and
    ``F1 = 2 tp / (2 tp + fp + fn)`` (the harmonic mean of the two, also defined
    when one of them is not). A ratio whose denominator is 0 is ``None``.
    """
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else None
    return precision, recall, f1


def _codes(labels: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Integer codes 0..k-1 of labels: numbers or strings via numpy, anything hashable otherwise."""
    arr = np.asarray(labels) if not isinstance(labels, np.ndarray) else labels
    if arr.ndim == 1 and arr.dtype.kind in "biufUS":
        return np.unique(arr, return_inverse=True)[1].ravel().astype(np.int64)
    index: dict[Any, int] = {}
    return np.fromiter((index.setdefault(x, len(index)) for x in labels), dtype=np.int64, count=len(labels))


def _cells(a: Sequence[Any] | np.ndarray, b: Sequence[Any] | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The non-zero cells, row sums and column sums of the contingency table of two labelings.

    Kept sparse: with many singleton groups a dense table would be n × n.
    """
    if len(a) != len(b):
        raise ValueError(f"labelings differ in length: {len(a)} and {len(b)}")
    ca, cb = _codes(a), _codes(b)
    if ca.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    pairs = ca * (int(cb.max()) + 1) + cb
    _, cells = np.unique(pairs, return_counts=True)
    return cells, np.bincount(ca), np.bincount(cb)


def contingency_table(a: Sequence[Any] | np.ndarray, b: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Dense contingency table: entry ``[i, j]`` counts items in group i of ``a`` and group j of ``b``.

    Groups are numbered in sorted order of their labels. Meant for small inputs and tests;
    the metrics themselves use a sparse form.
    """
    ua, ia = np.unique(np.asarray(a), return_inverse=True)
    ub, ib = np.unique(np.asarray(b), return_inverse=True)
    table = np.zeros((ua.size, ub.size), dtype=np.int64)
    np.add.at(table, (ia.ravel(), ib.ravel()), 1)
    return table


def _comb2(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    return float(np.sum(x * (x - 1.0) / 2.0))


def _ari(cells: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> float | None:
    n = float(np.sum(rows))
    if n == 0:
        return None
    index, sum_a, sum_b = _comb2(cells), _comb2(rows), _comb2(cols)
    total = n * (n - 1.0) / 2.0
    expected = sum_a * sum_b / total if total else 0.0
    maximum = (sum_a + sum_b) / 2.0
    if maximum == expected:  # both all-singletons or both one group: identical partitions
        return 1.0
    return (index - expected) / (maximum - expected)


def _nmi(cells: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> float | None:
    n = float(np.sum(rows))
    if n == 0:
        return None

    def entropy(counts: np.ndarray) -> float:
        p = np.asarray(counts, dtype=np.float64)
        p = p[p > 0] / n
        return float(-np.sum(p * np.log(p)))

    h_a, h_b = entropy(rows), entropy(cols)
    if h_a == 0.0 and h_b == 0.0:  # both one group: identical
        return 1.0
    # I(A;B) = H(A) + H(B) - H(A,B): needs only the non-zero cells
    mutual = max(h_a + h_b - entropy(cells), 0.0)
    return min(mutual / ((h_a + h_b) / 2.0), 1.0)


def ari_from_contingency(table: np.ndarray | Sequence[Sequence[int]]) -> float | None:
    """Adjusted Rand index (Hubert & Arabie 1985) of a contingency table.

    With ``n_ij`` the cells, ``a_i`` the row sums, ``b_j`` the column sums and
    ``C(x) = x (x - 1) / 2`` the number of pairs::

        index    = Σ C(n_ij)
        expected = Σ C(a_i) · Σ C(b_j) / C(n)
        maximum  = (Σ C(a_i) + Σ C(b_j)) / 2
        ARI      = (index - expected) / (maximum - expected)

    1 for identical partitions, about 0 for independent ones, negative when
    they agree less than chance. Two identical trivial partitions (all
    singletons, or one group) give 1; an empty table gives ``None``.
    """
    t = np.asarray(table, dtype=np.int64)
    return _ari(t[t > 0], t.sum(axis=1), t.sum(axis=0))


def nmi_from_contingency(table: np.ndarray | Sequence[Sequence[int]]) -> float | None:
    """Normalised mutual information of a contingency table, arithmetic-mean normalisation.

    ``NMI = I(A; B) / ((H(A) + H(B)) / 2)``, with entropies in nats from the
    row sums, column sums and cells. 1 for identical partitions, 0 for
    independent ones. Two one-group partitions give 1; an empty table ``None``.
    """
    t = np.asarray(table, dtype=np.int64)
    return _nmi(t[t > 0], t.sum(axis=1), t.sum(axis=0))


def adjusted_rand_index(a: Sequence[Any] | np.ndarray, b: Sequence[Any] | np.ndarray) -> float | None:
    """Adjusted Rand index of two labelings of the same items (see :func:`ari_from_contingency`)."""
    return _ari(*_cells(a, b))


def normalized_mutual_information(a: Sequence[Any] | np.ndarray, b: Sequence[Any] | np.ndarray) -> float | None:
    """Normalised mutual information of two labelings of the same items (see :func:`nmi_from_contingency`)."""
    return _nmi(*_cells(a, b))


def midranks(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Ranks 1..n of the values, tied values sharing the mean of their ranks."""
    x = np.asarray(values, dtype=np.float64)
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    start = np.cumsum(counts) - counts  # ranks before each distinct value
    return (start + (counts + 1) / 2.0)[inverse.ravel()]


def roc_auc(scores: Sequence[float] | np.ndarray, positive: Sequence[bool] | np.ndarray) -> float | None:
    """Area under the ROC curve by the Mann–Whitney rank formula.

    ``AUC = (R₊ - n₊ (n₊ + 1) / 2) / (n₊ n₋)`` where ``R₊`` is the sum of the
    positives' mid-ranks: the probability that a random positive scores above
    a random negative, ties counting one half. ``None`` when either class is empty.
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(positive, dtype=bool)
    if s.shape != y.shape:
        raise ValueError(f"scores and labels differ in shape: {s.shape} and {y.shape}")
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    r_pos = float(midranks(s)[y].sum())
    return (r_pos - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)
