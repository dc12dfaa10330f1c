"""``co_similar_text``: near-duplicate texts posted by two accounts within a window.

Two original posts (not reshares) by two different accounts co-occur when
their normalised texts are near-duplicates — the Jaccard similarity of their
sets of word shingles is at least ``similar.threshold`` — and their times
differ by at most ``similar.window`` (inclusive). Identical texts (Jaccard 1)
count too: a paraphrase network mixes copies and variants, and an edge should
see both (``co_text`` reports the copies on their own).

The plan, each step vectorised (no Python loop over posts or texts):

1. **Texts.** The text key of :func:`cib.normalise.text_key` (NFKC, case
   folding, URLs and mentions removed, look-alike letters folded), computed
   once per distinct text; keys shorter than ``similar.min_chars`` are left
   out. Words are runs of letters and digits (``\\w+``: Cyrillic, Kazakh and
   Latin alike), so punctuation and ``#`` do not matter.
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
   40 × 3; reported in ``info``). Buckets holding more than
   ``similar.max_bucket`` texts are skipped and reported.
5. **Verification.** Candidates are checked with the exact Jaccard of their
   shingle sets (each shingle of the smaller set looked up in the other, sorted,
   set by a binary search run on all rows at once in NumPy); only pairs at least
   ``similar.threshold`` survive. Nothing unverified ever makes an edge.
6. **Post pairs.** The posts of each verified text pair (and of each text with
   itself) are paired within the window: the equi-join on (text, bucket)
   and (text, neighbouring bucket), then ``|Δt| ≤ window``.
7. **Edges.** Verified texts are joined into *groups* (connected components of
   the near-duplicate graph): a group is the signal's object. Its id is
   ``sim:<smallest post_id of the group>``. Edges then follow the windowed
   engine exactly (:func:`cib.detect.edges.aggregate`): ``n_pairs`` verified
   post pairs, ``n_objects`` distinct groups, times, weight
   (``detect.weight``), p-value (``detect.significance``), thresholds
   (``detect.min_weight``, ``detect.max_fdr``), evidence
   (``detect.evidence_per_edge``), participation (``detect.min_participation``)
   and crowd handling (``detect.max_object_shares_per_window``, per distinct
   text).

Jaccard is computed on 64-bit shingle hashes: two different shingles collide
with probability about 2^-64, so it is exact in practice.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from cib.detect.edges import aggregate, choose_weight, participation, pick_evidence
from cib.detect.significance import benjamini_hochberg, null_expectations, poisson_pvalues
from cib.detect.window import co_occurrences, crowds, thin_crowds
from cib.normalise import text_key
from cib.schema import EDGES, EVIDENCE, TIME

if TYPE_CHECKING:
    from cib.config import Config

__all__ = [
    "SIGNAL",
    "SimilarResult",
    "similar_text_edges",
    "candidate_probability",
    "shingle_sets",
    "signatures",
]

SIGNAL = "co_similar_text"

_U64 = np.uint64
_MUL = _U64(0x9E3779B97F4A7C15)  # golden-ratio multiplier for combining hashes
_SHINGLES_PER_BLOCK = 1 << 14  # MinHash works on blocks of texts with about this many shingles
_SHINGLE_ROWS_PER_BATCH = 1 << 22  # shingles of one side of the candidate pairs verified at a time
_BANDS_PER_BATCH = 4  # LSH bands joined at a time


@dataclass
class SimilarResult:
    """What ``co_similar_text`` found.

    Attributes
    ----------
    edges
        The edges table (exactly the ``EDGES`` columns, ``signal = "co_similar_text"``),
        sorted by account_a, account_b.
    evidence
        The ``EVIDENCE`` table: up to ``detect.evidence_per_edge`` post pairs per edge,
        ``object_id = "sim:<smallest post_id of the near-duplicate group>"``,
        ``delta_s = |Δt|``.
    info
        JSON-serialisable account of the run: texts considered, candidate and verified
        pairs, skipped buckets, crowds, warnings and seconds per phase.
    edge_stats
        Per-edge diagnostics in the columns of :data:`cib.detect.EDGE_STATS`, in the
        order of ``edges``.
    """

    edges: pl.DataFrame
    evidence: pl.DataFrame
    info: dict[str, Any] = field(default_factory=dict)
    edge_stats: pl.DataFrame | None = None


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


def _band_keys(sig: np.ndarray, band: int, rows: int) -> np.ndarray:
    acc = sig[:, band * rows].astype(_U64)
    for c in range(band * rows + 1, (band + 1) * rows):
        acc = acc * _MUL + sig[:, c].astype(_U64)
    return _mix(acc)


# --- candidates and verification ------------------------------------------


def _candidates(
    sig: np.ndarray, ux: np.ndarray, uk: np.ndarray, bands: int, rows: int, cap: int
) -> tuple[np.ndarray, dict]:
    """Text pairs (``x1 << 32 | x2``, x1 < x2, sorted) sharing a band key in the same or neighbouring bucket."""
    found: list[pl.DataFrame] = []
    skipped = {"buckets": 0, "texts": 0, "pairs_upper_bound": 0}
    pair = pl.min_horizontal("x1", "x2").cast(pl.UInt64) * (1 << 32) + pl.max_horizontal("x1", "x2").cast(
        pl.UInt64
    )
    for b0 in range(0, bands, _BANDS_PER_BATCH):
        bs = range(b0, min(bands, b0 + _BANDS_PER_BATCH))
        # One key per (band, text): the band number is hashed in, so keys of bands differ.
        keys = np.concatenate([_mix(_band_keys(sig, b, rows) ^ _U64(b + 1))[ux] for b in bs])
        # Only keys held by two units or more can pair (a hash test, cheap).
        dup = pl.Series(keys).is_duplicated().to_numpy()
        units = pl.DataFrame(
            {"key": keys[dup], "k": np.tile(uk, len(bs))[dup], "x": np.tile(ux, len(bs))[dup]}
        )
        del keys, dup
        if cap > 0 and units.height:
            size = units.group_by("key", "k").agg(pl.len().alias("c"))
            giant = size.filter(pl.col("c") > cap)
            if giant.height:
                c = giant.get_column("c").cast(pl.Int64)
                skipped["buckets"] += giant.height
                skipped["texts"] += int(c.sum())
                skipped["pairs_upper_bound"] += int((c * (c - 1) // 2).sum())
                units = units.join(giant.select("key", "k"), on=["key", "k"], how="anti")
        left = units.lazy().rename({"x": "x1"})
        right = units.lazy().rename({"x": "x2"})
        same = left.join(right, on=["key", "k"]).filter(pl.col("x1") < pl.col("x2")).select(pair.alias("q"))
        nxt = (
            left.with_columns(pl.col("k") + 1)
            .join(right, on=["key", "k"])
            .filter(pl.col("x1") != pl.col("x2"))
            .select(pair.alias("q"))
        )
        found.append(pl.concat([same, nxt]).unique().collect())
    if not found:
        return np.zeros(0, dtype=np.uint64), skipped
    q = pl.concat(found).unique().sort("q").get_column("q").to_numpy()
    return q, skipped


def _gather(starts: np.ndarray, size: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the shingles of texts ``x`` and the position in ``x`` each belongs to."""
    n = size[x]
    owner = np.repeat(np.arange(x.size, dtype=np.int64), n)
    off = np.concatenate([[0], np.cumsum(n)[:-1]]).astype(np.int64)
    idx = np.repeat(starts[x], n) + (np.arange(int(n.sum()), dtype=np.int64) - np.repeat(off, n))
    return idx, owner


def _verify(
    q: np.ndarray, shingle: np.ndarray, starts: np.ndarray, size: np.ndarray, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Exact Jaccard of candidate pairs; the pairs at least ``threshold``.

    Returns ``x1, x2, jaccard`` of verified pairs and the number of candidates that
    passed the size filter (``J ≤ min(|A|, |B|) / max(|A|, |B|)``).
    """
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


# --- post pairs ------------------------------------------------------------


def _cross_pairs(verified: pl.DataFrame, posts: pl.LazyFrame, window_us: int) -> pl.LazyFrame:
    """Post pairs of verified text pairs (x1 < x2) within the window; ``self`` marks one account's own."""
    left = verified.lazy().join(
        posts.select(
            pl.col("x").alias("x1"),
            pl.col("a").alias("a1"),
            pl.col("p").alias("p1"),
            pl.col("t").alias("t1"),
            "k",
        ),
        on="x1",
    )
    shifted = pl.concat([left.with_columns(pl.col("k") + d) for d in (-1, 0, 1)])
    right = posts.select(
        pl.col("x").alias("x2"),
        pl.col("a").alias("a2"),
        pl.col("p").alias("p2"),
        pl.col("t").alias("t2"),
        "k",
    )
    both = shifted.join(right, on=["x2", "k"]).filter((pl.col("t1") - pl.col("t2")).abs() <= window_us)
    swap = pl.col("a1") > pl.col("a2")
    return both.select(
        pl.min_horizontal("a1", "a2").alias("a"),
        pl.max_horizontal("a1", "a2").alias("b"),
        pl.col("x1").alias("x"),
        pl.when(swap).then(pl.col("p2")).otherwise(pl.col("p1")).alias("pa"),
        pl.when(swap).then(pl.col("p1")).otherwise(pl.col("p2")).alias("pb"),
        pl.when(swap).then(pl.col("t2")).otherwise(pl.col("t1")).alias("ta"),
        pl.when(swap).then(pl.col("t1")).otherwise(pl.col("t2")).alias("tb"),
        (pl.col("a1") == pl.col("a2")).alias("self"),
    )


def _post_codes(posts: pl.DataFrame) -> tuple[np.ndarray, pl.Series]:
    # As in cib.detect: posts numbered in sorted order of their ids (ties broken by
    # the other columns), so "smallest post" and evidence order ignore row order.
    keys = [
        c
        for c in ("post_id", "platform", "account_id", "created_at", "source_file", "source_row")
        if c in posts.columns
    ]
    order = posts.select(pl.arg_sort_by(keys, nulls_last=True)).to_series().to_numpy()
    code = np.empty(posts.height, dtype=np.uint32)
    code[order] = np.arange(posts.height, dtype=np.uint32)
    return code, posts.get_column("post_id").gather(order)


# --- the signal -------------------------------------------------------------


def _empty(info: dict[str, Any]) -> SimilarResult:
    from cib.detect import EDGE_STATS  # here: cib.detect imports the detectors

    return SimilarResult(
        pl.DataFrame(schema=EDGES), pl.DataFrame(schema=EVIDENCE), info, pl.DataFrame(schema=EDGE_STATS)
    )


def similar_text_edges(posts: pl.DataFrame, cfg: Config, *, time_resolution_s: float = 1.0) -> SimilarResult:
    """Edges between accounts that posted near-duplicate texts within ``similar.window``.

    Parameters
    ----------
    posts
        Canonical posts (``POSTS`` schema); originals (``reshare_of`` null) with a text are used.
    cfg
        Effective configuration: ``similar.*``, ``run.seed`` and the shared ``detect.*``
        settings (weight, significance, thresholds, participation, crowds, evidence).
    time_resolution_s
        Coarsest time step of the input; a finer window is widened to it (with a warning).

    Returns
    -------
    SimilarResult
        ``edges`` (EDGES, sorted by account_a, account_b), ``evidence`` (EVIDENCE),
        ``info`` and ``edge_stats``.

    Examples
    --------
    >>> res = similar_text_edges(posts, cfg)  # doctest: +SKIP
    >>> res.edges.filter(pl.col("n_objects") >= 3)  # doctest: +SKIP
    """
    clock = time.perf_counter()
    timings: dict[str, float] = {}

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    seed = int(cfg["run.seed"])
    k_words = int(cfg["similar.shingle_words"])
    threshold = float(cfg["similar.threshold"])
    bands, rows = int(cfg["similar.bands"]), int(cfg["similar.rows"])
    cap = int(cfg["similar.max_bucket"])
    window = float(cfg["similar.window"])
    warnings: list[str] = []
    info: dict[str, Any] = {
        "signal": SIGNAL,
        "posts": posts.height,
        "shingle_words": k_words,
        "threshold": threshold,
        "bands": bands,
        "rows": rows,
        "candidate_probability_at_threshold": round(candidate_probability(threshold, bands, rows), 4),
        "warnings": warnings,
        "seconds": timings,
    }
    if window < time_resolution_s:
        warnings.append(
            f"{SIGNAL}: window {window:g} s is finer than the data's time resolution "
            f"({time_resolution_s:g} s); widened to {time_resolution_s:g} s"
        )
        info["widened_from_s"] = window
        window = float(time_resolution_s)
    info["window_s"] = window
    window_us = int(round(window * 1e6))
    bucket_us = max(window_us, 1)

    # 1. texts ---------------------------------------------------------------
    if posts.height == 0:
        return _empty(info)
    code, post_ids = _post_codes(posts)
    accounts = posts.select(pl.col("account_id").drop_nulls().unique().sort()).with_row_index("a")
    eligible = (
        posts.lazy()
        .with_columns(pl.Series("p", code))
        .filter(
            pl.col("reshare_of").is_null()
            & pl.col("text").is_not_null()
            & pl.col("account_id").is_not_null()
            & pl.col("created_at").is_not_null()
        )
        .select("p", "account_id", "text", pl.col("created_at").cast(TIME).dt.epoch("us").alias("t"))
    )
    keys = (
        eligible.select("text")
        .unique()
        .with_columns(text_key(pl.col("text"), min_chars=int(cfg["similar.min_chars"])).alias("key"))
        .filter(pl.col("key").is_not_null())
    )
    traced = (
        eligible.join(keys, on="text")
        .join(accounts.lazy(), on="account_id")
        .select("p", "a", "key", "t")
        .collect()
    )
    min_part = int(cfg["detect.min_participation"])
    kept_lf, shares = participation(traced.lazy(), min_part)
    traced = kept_lf.collect()
    info["posts_with_text_key"] = int(shares.get_column("k").sum()) if shares.height else 0
    info["accounts_dropped_min_participation"] = int(shares.filter(pl.col("k") < min_part).height)
    texts = traced.select(pl.col("key").unique().sort())
    lap("texts")

    # 2. shingles --------------------------------------------------------------
    sx, shingle, size = shingle_sets(texts.get_column("key"), k_words, seed)
    has = size > 0
    renum = np.cumsum(has) - 1  # texts without a word are left out
    sx = renum[sx]
    size = size[has]
    n_texts = int(size.size)
    texts = texts.filter(pl.Series(has)).with_row_index("x")
    starts = np.concatenate([[0], np.cumsum(size)]).astype(np.int64)
    P = (
        traced.join(texts, on="key")
        .select("p", "a", "x", "t", (pl.col("t") // bucket_us).alias("k"))
        .sort("p")
    )
    info.update(posts_considered=P.height, texts=n_texts, shingles=int(shingle.size))
    lap("shingles")
    if n_texts == 0:
        return _empty(info)

    # 3-4. MinHash and LSH candidates --------------------------------------------
    sig = signatures(sx, shingle, n_texts, bands * rows, seed)
    lap("minhash")
    units = P.select("x", "k").unique().sort("x", "k")
    ux = units.get_column("x").to_numpy().astype(np.int64)
    uk = units.get_column("k").to_numpy()
    q, skipped = _candidates(sig, ux, uk, bands, rows, cap)
    del sig
    info.update(units=units.height, candidate_pairs=int(q.size), skipped_buckets={"limit": cap, **skipped})
    if skipped["buckets"]:
        warnings.append(
            f"{SIGNAL}: {skipped['buckets']} LSH bucket(s) above {cap} texts were skipped "
            f"({skipped['texts']} text slots)"
        )
    lap("candidates")

    # 5. verification ----------------------------------------------------------
    x1, x2, jac, sized = _verify(q, shingle, starts, size, threshold)
    del q
    info.update(candidates_after_size_filter=sized, verified_pairs=int(x1.size))
    if x1.size:
        info["verified_jaccard"] = {
            "min": round(float(jac.min()), 4),
            "median": round(float(np.median(jac)), 4),
            "mean": round(float(jac.mean()), 4),
        }
    lap("verify")

    # 6. groups, crowds, post pairs ---------------------------------------------
    graph = coo_matrix((np.ones(x1.size, dtype=np.int8), (x1, x2)), shape=(n_texts, n_texts))
    n_comp, comp = connected_components(graph, directed=False)
    first_post = P.group_by("x").agg(pl.col("p").min()).sort("x").get_column("p").to_numpy()
    group_of = np.full(n_comp, np.iinfo(np.uint32).max, dtype=np.uint32)
    np.minimum.at(group_of, comp, first_post.astype(np.uint32))
    obj = group_of[comp]  # per text: its group's smallest post code
    info["groups_with_two_texts_or_more"] = int((np.bincount(comp) > 1).sum())

    limit = int(cfg["detect.max_object_shares_per_window"])
    policy = str(cfg["detect.crowd_policy"])
    per_text = P.lazy().select("a", pl.col("x").alias("o"), "p", "t")
    crowd = crowds(per_text, window_us, limit)
    thinned = thin_crowds(per_text, crowd, limit, policy, seed).rename({"o": "x"})
    thinned = thinned.with_columns((pl.col("t") // bucket_us).alias("k"))
    info["crowds"] = {
        "limit": limit,
        "policy": policy,
        "texts": crowd.height,
        "pairs_upper_bound": int(crowd["est_pairs"].sum()) if crowd.height else 0,
    }
    if crowd.height:
        warnings.append(f"{SIGNAL}: {crowd.height} text(s) above {limit} posts per window were {policy}ped")

    verified = pl.DataFrame({"x1": x1.astype(np.uint32), "x2": x2.astype(np.uint32)})
    exact = co_occurrences(
        thinned.select("a", pl.col("x").alias("o"), "p", "t"), window_us, same_account=True
    )
    everything = pl.concat(
        [
            exact.rename({"o": "x"}).select("a", "b", "x", "pa", "pb", "ta", "tb", "self"),
            _cross_pairs(verified, thinned, window_us),
        ]
    )
    lookup = pl.DataFrame({"x": np.arange(n_texts, dtype=np.uint32), "o": obj}).lazy()
    every = everything.join(lookup, on="x").drop("x").collect()
    window_pairs = every.group_by("o").agg(pl.len().cast(pl.Int64).alias("n"))
    if crowd.height:
        est = (
            crowd.rename({"o": "x"})
            .join(lookup.collect(), on="x")
            .group_by("o")
            .agg(pl.col("est_pairs").sum().alias("n"))
        )
        window_pairs = pl.concat([window_pairs, est]).group_by("o").agg(pl.col("n").sum())
    pairs = every.filter(~pl.col("self")).drop("self")
    info.update(same_account_pairs=every.height - pairs.height, pairs=pairs.height)
    del every
    lap("pairs")
    if pairs.height == 0:
        info.update(edges_found=0, edges_kept=0, evidence_kept=0)
        return _empty(info)

    # 7. edges -----------------------------------------------------------------
    tr = P.select("a", pl.col("x"), "p", "t").join(lookup.collect(), on="x").drop("x")
    edges = aggregate(pairs, tr.lazy())
    significance = bool(cfg["detect.significance"])
    if significance:
        lam, null_info = null_expectations(edges, tr, window_pairs, int(cfg["detect.null.popular_accounts"]))
        pv = poisson_pvalues(edges["n_objects"].to_numpy(), lam)
        n_acc = tr.get_column("a").n_unique()
        edges = edges.with_columns(
            pl.Series("expected", lam),
            pl.Series("p_value", pv),
            pl.Series("q_value", benjamini_hochberg(pv, n_acc * (n_acc - 1) // 2)),
        )
        info["null_model"] = {**null_info, "tests": n_acc * (n_acc - 1) // 2}
    else:
        edges = edges.with_columns(
            [pl.lit(None, pl.Float64).alias(c) for c in ("expected", "p_value", "q_value")]
        )
    edges = edges.with_columns(choose_weight(edges, str(cfg["detect.weight"])).alias("weight"))
    heavy = pl.col("weight") >= float(cfg["detect.min_weight"])
    keep = heavy & (pl.col("q_value") <= float(cfg["detect.max_fdr"])) if significance else heavy
    found = edges.height
    info["edges_dropped_min_weight"] = int(edges.filter(~heavy).height)
    edges = edges.filter(keep)
    info.update(
        edges_found=found,
        edges_dropped_fdr=found - info["edges_dropped_min_weight"] - edges.height if significance else 0,
        edges_kept=edges.height,
    )
    evidence = pick_evidence(pairs, edges.select("a", "b"), int(cfg["detect.evidence_per_edge"]))
    info["evidence_kept"] = evidence.height
    info["evidence_pairs_total"] = int(edges["n_pairs"].sum())
    out = _decode(edges, evidence, accounts, post_ids)
    lap("edges")
    info["seconds_total"] = round(sum(timings.values()), 3)
    return SimilarResult(*out[:2], info, out[2])


def _decode(
    edges: pl.DataFrame, evidence: pl.DataFrame, accounts: pl.DataFrame, post_ids: pl.Series
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    from cib.detect import EDGE_STATS  # here: cib.detect imports the detectors

    names_a = accounts.select("a", pl.col("account_id").alias("account_a"))
    names_b = accounts.select(pl.col("a").alias("b"), pl.col("account_id").alias("account_b"))
    named = edges.join(names_a, on="a", how="left").join(names_b, on="b", how="left").sort(["a", "b"])

    def stamp(c: str) -> pl.Expr:
        return pl.from_epoch(pl.col(c), time_unit="us").dt.replace_time_zone("UTC").cast(TIME)

    out_edges = named.select(
        "account_a",
        "account_b",
        pl.lit(SIGNAL).alias("signal"),
        pl.col("weight").cast(pl.Float64),
        "n_objects",
        "n_pairs",
        stamp("first_us").alias("first_at"),
        stamp("last_us").alias("last_at"),
        (pl.col("min_delta_us") / 1e6).alias("min_delta_s"),
        pl.col("p_value").cast(pl.Float64),
    )
    stats = named.select(
        pl.lit(SIGNAL).alias("signal"),
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
    ev = (
        evidence.join(names_a, on="a", how="left")
        .join(names_b, on="b", how="left")
        .with_columns(
            ("sim:" + post_ids.gather(evidence["o"])).alias("object_id"),
            post_ids.gather(evidence["pa"]).alias("post_a"),
            post_ids.gather(evidence["pb"]).alias("post_b"),
        )
        .sort(["a", "b", "delta_us", "o", "pa", "pb"])
        .select(
            pl.lit(SIGNAL).alias("signal"),
            "object_id",
            "account_a",
            "account_b",
            "post_a",
            "post_b",
            (pl.col("delta_us") / 1e6).alias("delta_s"),
        )
    )
    return out_edges.cast(EDGES), ev.cast(EVIDENCE), stats.cast(EDGE_STATS)  # type: ignore[arg-type]
