"""Near-duplicate text pairs for ``co_similar_text``: shingles, MinHash, LSH and exact Jaccard.

Steps 2 to 5 of :mod:`cib.detect.similar`, on NumPy arrays of texts numbered
``0..n-1`` (no posts or accounts; time enters only as each text's buckets).
Public: :func:`shingle_sets`, :func:`signatures`, steps 4 and 5 one slice
of time at a time (:func:`slices_of`, :func:`slice_pairs`, :func:`combine`;
:mod:`cib.detect.similar_memo` runs them) and :func:`candidate_probability`;
step 5 itself is :mod:`cib.detect.jaccard`.

2. **Shingles.** Each run of ``similar.shingle_words`` consecutive words is
   hashed to 64 bits (a text with fewer words is one shingle); a text is the
   *set* of its shingle hashes.
3. **MinHash.** ``bands × rows`` hash functions from the multiply-shift
   universal family ``h_i(s) = (a_i s + b_i mod 2^64) >> 32`` (``a_i`` odd;
   ``a_i, b_i`` drawn with ``run.seed``); a text's signature is the minimum of
   each over its shingles (``numpy.minimum.reduceat``, blocks of texts on two
   threads).
4. **LSH within time buckets.** Each distinct (text, ``floor(t / window)``)
   gets one key per band (its ``rows`` signature values hashed together).
   Candidates are two texts with one band key in the same or neighbouring
   time buckets — the equi-joins of the windowed engine, with (band, key)
   for the object. A pair of texts of Jaccard ``s`` becomes a candidate with
   probability ``1 - (1 - s^rows)^bands`` (0.995 at s = 0.5 with the default
   40 × 3; reported in ``info``). A bucket and the next time bucket's of the
   same key are one group: a group of more than ``similar.max_bucket`` texts is
   skipped and reported; in a crowded group (more than ``similar.max_neighbours``
   + 1 texts, typically a stock phrase posted by many in the hour) each text is
   paired with the ``similar.max_neighbours`` that follow it in an order drawn
   afresh for each band from a hash of its key, so its candidates grow with its
   texts, not their square (counted in ``info["crowded_buckets"]``). The
   buckets are taken in consecutive slices of time, each slice's candidates
   verified before the next slice's are found, so memory follows the busiest
   slice. No slice holds buckets of two days (of two periods of
   ``floor(1 day / window)`` buckets when the window does not divide a day):
   what a slice finds depends on its own posts alone, so a day's run takes
   the slices of the days before from the run before (:mod:`cib.detect.similar_memo`).
5. **Verification.** Candidates are checked with the exact Jaccard of their
   shingle sets (each shingle of the smaller set looked up in the other, sorted,
   set by a binary search run on all rows at once in NumPy); only pairs at least
   ``similar.threshold`` survive. Nothing unverified ever makes an edge.

Jaccard is computed on 64-bit shingle hashes: two different shingles collide
with probability about 2^-64, so it is exact in practice.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import polars as pl

from cib.detect.jaccard import verify

__all__ = [
    "SliceResult",
    "candidate_probability",
    "combine",
    "shingle_sets",
    "signatures",
    "slice_pairs",
    "slices_of",
]

_U64 = np.uint64
_MUL = _U64(0x9E3779B97F4A7C15)  # golden-ratio multiplier for combining hashes
_SHINGLES_PER_BLOCK = 1 << 14  # MinHash works on blocks of texts with about this many shingles
_BANDS_PER_BATCH = 4  # LSH bands joined at a time
_UNITS_PER_SLICE = 400_000  # (text, time bucket) units whose candidates are found and verified together
_GROUP = _U64(0xFFFFFFFFFF000000)  # the bits of an LSH bucket's id in its texts' sort keys


def candidate_probability(similarity: float, bands: int, rows: int) -> float:
    """Probability that two texts of Jaccard ``similarity`` share at least one LSH band key."""
    return 1.0 - (1.0 - similarity**rows) ** bands


# --- hashing -----------------------------------------------------------------


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (a bijection on 64-bit values that scatters every input bit)."""
    z = z ^ (z >> _U64(30))
    z = z * _U64(0xBF58476D1CE4E5B9)
    z = z ^ (z >> _U64(27))
    z = z * _U64(0x94D049BB133111EB)
    return z ^ (z >> _U64(31))


def shingle_sets(keys: pl.Series, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sets of hashed word shingles of texts.

    Parameters
    ----------
    keys
        Normalised texts (no nulls).
    k
        Words per shingle; a text with fewer words is one shingle.
    seed
        Seed of the word hash.

    Returns
    -------
    text, shingle, size
        ``text`` (int64, index into ``keys``) and ``shingle`` (uint64) for every distinct
        shingle of every text, sorted by text then shingle; ``size`` the number of
        distinct shingles of each text (0 for a text without a word).
    """
    k = max(int(k), 1)
    words = pl.DataFrame({"w": keys.str.extract_all(r"\w+")}).with_row_index("x")
    lens = words.get_column("w").list.len().fill_null(0).to_numpy().astype(np.int64)
    flat = words.select(pl.col("w").explode().drop_nulls().hash(seed=seed & 0xFFFFFFFFFFFFFFFF))
    h = flat.to_series().to_numpy().astype(_U64)
    n_sh = np.where(lens > 0, np.maximum(lens - k + 1, 1), 0)
    tok_off = np.concatenate([[0], np.cumsum(lens)[:-1]]).astype(np.int64)
    total = int(n_sh.sum())
    text = np.repeat(np.arange(lens.size, dtype=np.int64), n_sh)
    if total == 0:
        return text, np.zeros(0, dtype=_U64), np.zeros(lens.size, dtype=np.int64)
    sh_off = np.concatenate([[0], np.cumsum(n_sh)[:-1]])
    start = np.repeat(tok_off, n_sh) + (np.arange(total) - np.repeat(sh_off, n_sh))
    length = np.repeat(lens, n_sh)
    s = h[start]
    for j in range(1, k):
        nxt = h[np.minimum(start + j, h.size - 1)]
        s = np.where(j < length, s * _MUL + nxt, s)
    del start, length, h
    s = _mix(s)
    # Sort by (text, shingle) and drop repeats: cheaper than a hash unique.
    out = pl.DataFrame({"x": text, "s": s}).sort(["x", "s"])
    del s
    text, s = out.get_column("x").to_numpy(), out.get_column("s").to_numpy()
    new = np.ones(text.size, dtype=bool)
    new[1:] = (text[1:] != text[:-1]) | (s[1:] != s[:-1])
    text, s = text[new], s[new]
    size = np.bincount(text, minlength=lens.size).astype(np.int64)
    return text, s, size


def signatures(text: np.ndarray, shingle: np.ndarray, n_texts: int, n_hashes: int, seed: int) -> np.ndarray:
    """MinHash signatures, ``(n_texts, n_hashes)`` uint32.

    ``text`` must be sorted and every text in ``range(n_texts)`` must have a shingle.
    Hash ``i`` is ``(a_i s + b_i mod 2^64) >> 32`` with odd ``a_i`` (multiply-shift).
    """
    rng = np.random.default_rng([seed & 0xFFFFFFFF, 0x51A1])
    a = (rng.integers(0, 1 << 63, n_hashes, dtype=np.uint64) << _U64(1)) | _U64(1)
    b = rng.integers(0, 1 << 63, n_hashes, dtype=np.uint64)
    a, b = a[:, None], b[:, None]
    starts = np.searchsorted(text, np.arange(n_texts + 1))  # starts[-1] == len(text)
    # Blocks of whole texts with about _SHINGLES_PER_BLOCK shingles each.
    cuts = np.unique(np.searchsorted(starts, np.arange(0, text.size, _SHINGLES_PER_BLOCK), side="right") - 1)
    cuts = np.append(cuts[cuts < n_texts], n_texts)

    def block(i: int) -> np.ndarray:
        x0, x1 = int(cuts[i]), int(cuts[i + 1])
        s0, s1 = int(starts[x0]), int(starts[x1])
        vals = a * shingle[None, s0:s1]
        vals += b
        vals >>= _U64(32)
        return np.minimum.reduceat(vals, starts[x0:x1] - s0, axis=1).astype(np.uint32)

    out = np.empty((n_hashes, n_texts), dtype=np.uint32)
    workers = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:  # numpy releases the GIL in these loops
        for i, part in enumerate(pool.map(block, range(len(cuts) - 1))):
            out[:, cuts[i] : cuts[i + 1]] = part
    return out.T


def _band_keys(sig: np.ndarray, band: int, rows: int, texts: np.ndarray) -> np.ndarray:
    """The key of one band for each of ``texts`` (its ``rows`` signature values hashed together)."""
    acc = sig[texts, band * rows].astype(_U64)
    for c in range(band * rows + 1, (band + 1) * rows):
        acc = acc * _MUL + sig[texts, c].astype(_U64)
    return _mix(acc)


# --- candidates and verification ------------------------------------------


@dataclass
class SliceResult:
    """What one slice of time gave (:func:`slice_pairs`): its verified text pairs and its counts.

    Attributes
    ----------
    lo, hi
        The slice's buckets (it also read bucket ``hi + 1``).
    q, jaccard
        The verified pairs (``x1 << 32 | x2``, x1 < x2, sorted) and their Jaccard.
    candidates, sized
        Its distinct candidate pairs, and those that passed the size filter.
    skipped, thinned
        Its skipped groups (``buckets, texts, pairs_upper_bound``) and crowded
        ones (``groups, rows``).
    """

    lo: int
    hi: int
    q: np.ndarray
    jaccard: np.ndarray
    candidates: int
    sized: int
    skipped: dict[str, int]
    thinned: dict[str, int]


def slice_pairs(
    sig: np.ndarray,
    ux: np.ndarray,
    uk: np.ndarray,
    shingle: np.ndarray,
    starts: np.ndarray,
    size: np.ndarray,
    ident: np.ndarray,
    span: tuple[int, int],
    *,
    bands: int,
    rows: int,
    cap: int,
    near: int,
    threshold: float,
) -> SliceResult:
    """The verified text pairs of one slice ``span = (lo, hi)``, from its units (those of buckets ``lo … hi + 1``).

    Candidates pair only texts in the same or neighbouring time buckets, so the
    buckets are cut into consecutive slices (:func:`slices_of`), each found and
    verified before the next: memory follows the busiest slice, not the whole
    collection. A slice also reads bucket ``hi + 1`` for the pairs across its
    end, and emits the same-bucket pairs of ``lo … hi`` only, so every bucket
    pair is looked at once; a text pair seen in several slices (texts posted
    again hours later) is verified again there and kept once (:func:`combine`).

    The result depends on the slice's units alone — their texts' signatures,
    shingles and ``ident`` and their buckets, in the order of (bucket, text) —
    not on how the texts are numbered nor on the other slices: a slice whose
    units are those of an earlier run gives that run's pairs
    (:mod:`cib.detect.similar_memo`).

    Parameters
    ----------
    sig, shingle, starts, size
        MinHash signatures (texts × ``bands * rows``) and the shingle sets as
        flat arrays (:func:`shingle_sets`) of the texts the units name.
    ux, uk
        The slice's distinct (text, time bucket) units, sorted by bucket, then text.
    ident
        Per text, a 64-bit value that does not depend on how texts are numbered
        (a hash of its key): a crowded bucket's texts are paired in an order drawn from it.
    span
        The slice's first and last bucket.
    bands, rows, cap, near, threshold
        ``similar.bands``, ``similar.rows``, ``similar.max_bucket``,
        ``similar.max_neighbours`` (0: every pair of a bucket), ``similar.threshold``.

    Returns
    -------
    SliceResult
    """
    tally = {"skipped": {"buckets": 0, "texts": 0, "pairs_upper_bound": 0}, "thinned": {"groups": 0, "rows": 0}}
    q = _candidates(sig, ux, uk, ident, bands, rows, (cap, near), span, tally)
    x1, x2, jac, sized = verify(q, shingle, starts, size, threshold)
    pairs = (x1.astype(np.uint64) << _U64(32)) | x2.astype(np.uint64)
    return SliceResult(span[0], span[1], pairs, jac, int(q.size), sized, tally["skipped"], tally["thinned"])


def combine(done: list[SliceResult], cap: int, near: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict]:
    """The verified pairs of all slices, each kept once, in order, and the counts summed over the slices.

    Returns
    -------
    x1, x2, jaccard, info
        ``info``: ``slices``, ``candidate_pairs`` and ``candidates_after_size_filter``
        (summed over slices), ``skipped_buckets`` and ``crowded_buckets`` (the
        (band, bucket) groups paired in neighbourhoods, and the rows they held).
    """
    q = np.concatenate([d.q for d in done]) if done else np.zeros(0, dtype=_U64)
    jac = np.concatenate([d.jaccard for d in done]) if done else np.zeros(0)
    # a pair verified by two slices has one Jaccard: keep the pair once, in order
    both = pl.DataFrame({"q": q, "j": jac}).sort("q", maintain_order=True)
    q, jac = both.get_column("q").to_numpy(), both.get_column("j").to_numpy()
    first = _firsts(q)
    q, jac = q[first], jac[first]
    skipped = {"limit": cap, **{k: sum(d.skipped[k] for d in done) for k in ("buckets", "texts", "pairs_upper_bound")}}
    info = {
        "slices": len(done),
        "candidate_pairs": sum(d.candidates for d in done),
        "candidates_after_size_filter": sum(d.sized for d in done),
        "skipped_buckets": skipped,
        "crowded_buckets": {"limit": near, **{k: sum(d.thinned[k] for d in done) for k in ("groups", "rows")}},
    }
    return (q >> _U64(32)).astype(np.int64), (q & _U64(0xFFFFFFFF)).astype(np.int64), jac, info


def slices_of(uk: np.ndarray, period: int = 0) -> list[tuple[int, int]]:
    """Consecutive bucket ranges ``[lo, hi]`` whose units (with bucket ``hi + 1``) stay under the slice size.

    With ``period`` (buckets), no slice holds buckets of two periods
    (``k // period``): a day's new posts leave the slices of the days before
    as they were.
    """
    buckets, counts = np.unique(uk, return_counts=True)
    out: list[tuple[int, int]] = []
    i = 0
    while i < buckets.size:
        j = i
        held = counts[i]
        same = (buckets // period == buckets[i] // period) if period > 0 else np.ones(buckets.size, dtype=bool)
        # widen while the next bucket (and the one after it, read for the pairs across the end) fit
        while j + 1 < buckets.size and same[j + 1] and held + counts[j + 1] + (counts[j + 2] if j + 2 < buckets.size else 0) <= _UNITS_PER_SLICE:
            j += 1
            held += counts[j]
        out.append((int(buckets[i]), int(buckets[j])))
        i = j + 1
    return out


def _candidates(
    sig: np.ndarray,
    ux: np.ndarray,
    uk: np.ndarray,
    ident: np.ndarray,
    bands: int,
    rows: int,
    limits: tuple[int, int],
    span: tuple[int, int],
    tally: dict,
) -> np.ndarray:
    """Text pairs (``x1 << 32 | x2``, x1 < x2, sorted) sharing a band key in one bucket of ``span`` or the next.

    A pair found by several bands is kept once.
    """
    found = [
        _band_pairs(sig, ux, uk, ident, range(b0, min(bands, b0 + _BANDS_PER_BATCH)), rows, limits, span, tally)
        for b0 in range(0, bands, _BANDS_PER_BATCH)
    ]
    return _distinct(np.concatenate(found)) if found else np.zeros(0, dtype=_U64)


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (a sort and a neighbour test: several times NumPy's hashing unique here)."""
    values = pl.Series(values).sort().to_numpy()  # Polars sorts on every core, NumPy on one
    return values[_firsts(values)]


def _firsts(ordered: np.ndarray) -> np.ndarray:
    """Which entries of a sorted array are the first of their value."""
    keep = np.ones(ordered.size, dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return keep


def _band_pairs(
    sig: np.ndarray,
    ux: np.ndarray,
    uk: np.ndarray,
    ident: np.ndarray,
    bs: range,
    rows: int,
    limits: tuple[int, int],
    span: tuple[int, int],
    tally: dict,
) -> np.ndarray:
    """The distinct candidate pairs of a few bands over the buckets ``span = (first, last)``.

    A bucket's group is its texts and those of the same band key in the next time
    bucket. ``limits = (cap, near)``: a group of more than ``cap`` texts is skipped
    (counted in ``tally["skipped"]``); in a group of more than ``near + 1`` texts
    each text is paired with the ``near`` that follow it in an order drawn afresh
    for each band (counted in ``tally["thinned"]``), every pair otherwise.
    """
    first, last = span
    # One key per (band, text): the band number is hashed in, so keys of bands differ.
    keys = np.concatenate([_mix(_band_keys(sig, b, rows, ux) ^ _U64(b + 1)) for b in bs])
    # Only keys held by two units or more can pair (a hash test, cheap).
    dup = pl.Series(keys).is_duplicated().to_numpy()
    keys, k = keys[dup], np.tile(uk, len(bs))[dup]
    x = np.tile(ux, len(bs))[dup]
    rank = np.concatenate([_mix(ident[ux] * _MUL + _U64(b + 1)) for b in bs])[dup]
    del dup
    # A bucket (band key, time bucket) is one group id, its upper 40 bits; two buckets sharing
    # one would only add candidates, which verification removes. The lower 24 bits order the
    # bucket's texts at random, afresh for each band, so one sort makes the neighbourhoods.
    own = _mix(keys ^ (k.astype(_U64) * _MUL)) & _GROUP
    before = _mix(keys ^ ((k - 1).astype(_U64) * _MUL)) & _GROUP
    rank >>= _U64(40)
    own |= rank
    before |= rank
    del keys, rank
    # A unit stands in its own bucket's group and in the one before (the pairs across a
    # bucket boundary); each group is paired whole, or in bounded neighbourhoods if crowded.
    mine, prev = (k >= first) & (k <= last), (k - 1 >= first) & (k - 1 <= last)
    ordered = pl.DataFrame(
        {"s": np.concatenate([own[mine], before[prev]]), "x": np.concatenate([x[mine], x[prev]]).astype(_U64)}
    ).sort("s")
    del own, before, x, k
    group = ordered.get_column("s").to_numpy() >> _U64(24)
    return _neighbour_pairs(group, ordered.get_column("x").to_numpy(), limits, tally)


def _neighbour_pairs(g: np.ndarray, x: np.ndarray, limits: tuple[int, int], tally: dict) -> np.ndarray:
    """Pairs of different texts of one group, at most ``near`` rows apart, distinct and sorted.

    ``g`` is sorted, so each group is a run of rows; row ``i`` is paired with
    the rows after it in its run, up to ``near`` of them (``limits = (cap, near)``;
    0: no limit). A run of more than ``cap`` rows is skipped.
    """
    cap, near = limits
    if g.size < 2:
        return np.zeros(0, dtype=_U64)
    start = np.flatnonzero(np.concatenate([[True], g[1:] != g[:-1]]))
    length = np.diff(np.append(start, g.size))
    after = np.repeat(start + length, length) - np.arange(g.size) - 1  # rows after each in its run
    if cap > 0 and (length > cap).any():
        giant = length > cap
        c = length[giant].astype(np.int64)
        skipped = tally["skipped"]
        skipped["buckets"] += int(c.size)
        skipped["texts"] += int(c.sum())
        skipped["pairs_upper_bound"] += int((c * (c - 1) // 2).sum())
        after[np.repeat(giant, length)] = 0
        length = np.where(giant, 0, length)
    if near > 0:
        crowded = length > near + 1
        tally["thinned"]["groups"] += int(crowded.sum())
        tally["thinned"]["rows"] += int(length[crowded].sum())
        np.minimum(after, near, out=after)
    i = np.repeat(np.arange(g.size), after)
    j = i + 1 + (np.arange(i.size) - np.repeat(np.cumsum(after) - after, after))
    a, b = x[i], x[j]
    del i, j
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    q = (lo << _U64(32)) | hi
    return _distinct(q[lo != hi])
