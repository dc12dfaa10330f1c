"""The evidence order: which co-occurring pairs stand as examples of an edge.

Every edge keeps up to ``detect.evidence_per_edge`` of its co-occurring pairs
of shares as evidence, the first in this order among the pairs of the edge
(account codes ``a < b``)::

    delta_us, o, pa, pb

the fastest pairs first (``|Δt|``, the clearest sign of coordination), then
by object code and by the two post codes. Accounts, objects and posts are
numbered by what they are, not where they sit in the input, and this is a
total order, so the evidence is the same however the rows arrive.

The pairs of a signal run to millions, so the order is a sort on the six
fields packed into as few 64-bit words as fit (:func:`_evidence_keys`).
When most edges are kept (no significance filter) :func:`order_pairs` puts
every pair in that order up front; when few will be, it only groups the pairs
by edge and :func:`pick_evidence` orders the kept edges' pairs alone.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from cib.detect.window import pair_key

__all__ = ["order_pairs", "pick_evidence"]


_DELTA = (pl.col("ta") - pl.col("tb")).abs()


def _pack(fields: list[tuple[np.ndarray, int]]) -> list[np.ndarray]:
    """Unsigned fields of the given bit widths, in priority order, packed into as few 64-bit words as fit.

    Sorting the words sorts by the fields in order; a field never spans two words.
    The words are built in place: no temporary the size of a column per field.
    """
    words: list[np.ndarray] = []
    word, used = None, 64
    for values, bits in fields:
        bits = max(bits, 1)
        if used + bits > 64:
            if word is not None:
                words.append(word)
            word, used = np.zeros(values.size, dtype=np.uint64), 0
        word <<= np.uint64(bits)  # type: ignore[operator]
        np.bitwise_or(word, values, out=word, dtype=np.uint64, casting="unsafe")  # values are non-negative and fit
        used += bits
    if word is not None:
        words.append(word)
    return words


#: at most this many distinct Δt are ranked (sort keys then fit fewer words); more keep their own bits
_RANKED_DELTAS = 1 << 16


def _evidence_keys(pairs: pl.DataFrame) -> tuple[list[pl.Series], np.ndarray]:
    """Sort keys of the evidence order ``a, b, delta_us, o, pa, pb``, packed into as few 64-bit integers as fit.

    A sort on two integer columns is several times faster than on six. Δt is
    replaced by Δt divided by the greatest common divisor of all Δt, or else by
    its rank among the distinct Δt, when that leaves few values (at a source
    resolution of a second a 60 s window has 61), which leaves room for the
    account and object codes in one word.

    Returns
    -------
    keys, delta
        The packed words and ``|ta - tb|`` (µs) of each pair, in the pairs' order.
    """
    col = {c: pairs.get_column(c).to_numpy() for c in ("a", "b", "o", "pa", "pb")}
    delta = pairs.get_column("ta").to_numpy() - pairs.get_column("tb").to_numpy()
    np.abs(delta, out=delta)
    step = max(int(np.gcd.reduce(delta)), 1) if delta.size else 1
    if delta.size and int(delta.max()) // step < _RANKED_DELTAS:
        # Δt are multiples of the data's time step (a second, a minute): Δt / step keeps their
        # order in few bits without a unique or a search
        rank = delta // step
    elif (distinct := pl.Series(delta).unique()).len() <= _RANKED_DELTAS:
        rank = np.searchsorted(distinct.sort().to_numpy(), delta)
    else:
        rank = delta

    def bits(values: np.ndarray) -> int:
        return int(values.max()).bit_length() if values.size else 1

    ab = max(bits(col["a"]), bits(col["b"]))
    pp = max(bits(col["pa"]), bits(col["pb"]))
    fields = [(col["a"], ab), (col["b"], ab), (rank, bits(rank)), (col["o"], bits(col["o"])), (col["pa"], pp), (col["pb"], pp)]
    keys = [pl.Series(f"_k{i}", word) for i, word in enumerate(_pack(fields))]
    return keys, delta


def _sorted(pairs: pl.DataFrame, keys: list[pl.Series], extra: dict[str, np.ndarray] | None = None) -> pl.DataFrame:
    """``pairs`` (and the ``extra`` columns) in the order of ``keys``."""
    frame = pairs.with_columns(pl.Series(n, v) for n, v in extra.items()) if extra else pairs
    # Eager (twice as fast as in a lazy plan here), and by Series outside the frame:
    # the rows are gathered, the keys are not.
    return frame.sort(keys)


def order_pairs(pairs: pl.DataFrame, *, evidence_order: bool) -> pl.DataFrame:
    """The pairs grouped by edge (in ``a, b`` order), each with the index of its edge.

    Parameters
    ----------
    pairs
        ``a, b, o, pa, pb, ta, tb`` from :func:`cib.detect.window.co_occurrences`.
    evidence_order
        Also order each edge's pairs as the evidence is chosen (fastest first,
        then by object and posts: a total order, so it does not depend on the
        order the rows came in). Worth it when most edges will be kept; when
        few will, :func:`pick_evidence` orders only theirs.

    Returns
    -------
    pl.DataFrame
        ``edge`` (UInt32: 0, 1, …), ``a, b, o, pa, pb, ta, tb, delta_us``.
    """
    if pairs.height == 0:
        return pairs.select(pl.lit(0, pl.UInt32).alias("edge"), pl.all(), _DELTA.alias("delta_us"))
    # Grouping alone needs only the pair key, not the passes that size the packed keys.
    if evidence_order:
        keys, delta = _evidence_keys(pairs)
        out = _sorted(pairs, keys, {"delta_us": delta})
    else:
        out = _sorted(pairs, [pairs.select(pair_key(pl.col("a"), pl.col("b")).alias("_e")).to_series()])
        out = out.with_columns(_DELTA.alias("delta_us"))
    a = out.get_column("a").to_numpy()
    b = out.get_column("b").to_numpy()
    starts = np.ones(a.size, dtype=bool)
    starts[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
    edge = np.cumsum(starts, dtype=np.uint32) - np.uint32(1)
    return out.select(pl.Series("edge", edge), *pairs.columns, "delta_us")


def pick_evidence(ordered: pl.DataFrame, kept: pl.DataFrame, per_edge: int, *, evidence_order: bool) -> pl.DataFrame:
    """Up to ``per_edge`` pairs per kept edge: fastest first, then by object and posts.

    Parameters
    ----------
    ordered
        :func:`order_pairs` output (all co-occurring pairs of the signal).
    kept
        The edges that survived the thresholds (with ``edge``).
    per_edge
        Examples kept per edge (``0``: none).
    evidence_order
        What was passed to :func:`order_pairs`; when false, the kept edges'
        pairs are put in evidence order here.

    Returns
    -------
    pl.DataFrame
        ``a, b, o, pa, pb, delta_us``, sorted by ``a, b, delta_us, o, pa, pb``.
    """
    cols = ["a", "b", "o", "pa", "pb", "delta_us"]
    if per_edge <= 0 or kept.height == 0:
        return ordered.clear().select(cols)
    n_edges = int(ordered.get_column("edge").max()) + 1  # type: ignore[arg-type]
    if kept.height == n_edges:
        chosen = ordered  # every edge kept (no significance filter): no copy of every pair
    else:
        wanted = np.zeros(n_edges, dtype=bool)
        wanted[kept.get_column("edge").to_numpy()] = True
        chosen = ordered.filter(pl.Series(wanted[ordered.get_column("edge").to_numpy()]))
    if not evidence_order:
        chosen = _sorted(chosen, _evidence_keys(chosen)[0])
    edge = chosen.get_column("edge").to_numpy()
    # Each edge's rows are one run: of a run longer than per_edge, the rows past the first
    # per_edge are cut, marked by +1 where a cut starts and -1 where it ends, then summed.
    first = np.flatnonzero(np.r_[True, edge[1:] != edge[:-1]])
    length = np.diff(np.r_[first, edge.size])
    long = length > per_edge
    if not long.any():
        return chosen.select(cols)
    marks = np.zeros(edge.size + 1, dtype=np.int8)
    marks[first[long] + per_edge] = 1
    marks[first[long] + length[long]] = -1
    return chosen.filter(pl.Series(np.cumsum(marks[:-1], dtype=np.int8) == 0)).select(cols)
