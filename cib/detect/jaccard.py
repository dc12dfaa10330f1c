"""Step 5 of ``co_similar_text``: the exact Jaccard of candidate text pairs.

Candidates (:mod:`cib.detect.minhash`) are checked with the exact Jaccard of
their shingle sets: each shingle of the smaller set is looked up in the other,
sorted, set by a binary search run on all rows at once in NumPy; only pairs at
least ``similar.threshold`` survive. Nothing unverified ever makes an edge.
"""

from __future__ import annotations

import numpy as np

__all__ = ["verify"]

_U64 = np.uint64
_SHINGLE_ROWS_PER_BATCH = 1 << 22  # shingles of one side of the candidate pairs verified at a time
_PAIRS_PER_BATCH = 1 << 22  # candidate pairs verified at a time


def _gather(starts: np.ndarray, size: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the shingles of texts ``x`` and the position in ``x`` each belongs to."""
    n = size[x]
    owner = np.repeat(np.arange(x.size, dtype=np.int64), n)
    off = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
    idx = np.repeat(starts[x], n) + (np.arange(int(n.sum()), dtype=np.int64) - np.repeat(off, n))
    return idx, owner


def verify(
    q: np.ndarray, shingle: np.ndarray, starts: np.ndarray, size: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Exact Jaccard of candidate pairs; the pairs at least ``threshold``.

    Returns ``x1, x2, jaccard`` of verified pairs (in the order of ``q``) and the
    number of candidates that passed the size filter (``J ≤ min(|A|, |B|) / max(|A|, |B|)``).
    The candidates are verified a batch at a time, so memory follows the batch,
    not the tens of millions of candidates a large collection has.
    """
    out = [_batch(q[i : i + _PAIRS_PER_BATCH], shingle, starts, size, threshold) for i in range(0, q.size, _PAIRS_PER_BATCH)]
    if not out:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), 0
    x1, x2, jac = (np.concatenate([o[i] for o in out]) for i in range(3))
    return x1, x2, jac, sum(o[3] for o in out)


def _batch(
    q: np.ndarray, shingle: np.ndarray, starts: np.ndarray, size: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """:func:`verify` on one batch of candidates."""
    x1 = (q >> _U64(32)).astype(np.int64)
    x2 = (q & _U64(0xFFFFFFFF)).astype(np.int64)
    n1, n2 = size[x1], size[x2]
    ok = np.minimum(n1, n2) >= threshold * np.maximum(n1, n2) - 1e-9
    x1, x2, n1, n2 = x1[ok], x2[ok], n1[ok], n2[ok]
    # Look each shingle of the smaller set up in the other set (sorted within its text):
    # a binary search run on all rows at once, so exact and without a Python loop per pair.
    small = np.where(n1 <= n2, x1, x2)
    big = np.where(n1 <= n2, x2, x1)
    inter = np.zeros(x1.size, dtype=np.int64)
    steps = int(np.ceil(np.log2(float(size.max()) + 1.0))) + 1 if size.size else 1
    batch = max(
        1024, int(_SHINGLE_ROWS_PER_BATCH / max(1.0, float(np.minimum(n1, n2).mean()) if n1.size else 1.0))
    )
    for i0 in range(0, x1.size, batch):
        sl = slice(i0, i0 + batch)
        rows, owner = _gather(starts, size, small[sl])
        want = shingle[rows]
        lo = starts[big[sl]][owner]
        end = lo + size[big[sl]][owner]
        hi = end.copy()
        for _ in range(steps):
            mid = (lo + hi) // 2
            go = (mid < hi) & (shingle[np.minimum(mid, shingle.size - 1)] < want)
            lo = np.where(go, mid + 1, lo)
            hi = np.where(go, hi, mid)
        hit = (lo < end) & (shingle[np.minimum(lo, shingle.size - 1)] == want)
        inter[sl] = np.bincount(owner[hit], minlength=small[sl].size)
    union = n1 + n2 - inter
    jac = np.where(union > 0, inter / np.maximum(union, 1), 0.0)
    keep = jac >= threshold - 1e-12
    return x1[keep], x2[keep], jac[keep], int(ok.sum())
