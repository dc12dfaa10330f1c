"""Steps 2 to 5 of ``co_similar_text``, with the slices of time of the collection's previous run taken over.

:func:`text_pairs` numbers the texts that have a word, finds their (text, time
bucket) units and cuts the buckets into slices of time
(:func:`cib.detect.minhash.slices_of`: no slice holds two days). What a slice
gives — its verified text pairs and its counts — depends on its own units
alone (:func:`cib.detect.minhash.slice_pairs`): the texts of the units of its
buckets ``lo … hi + 1``, by their keys, and the ``similar.*`` parameters. A
slice whose buckets hold exactly the units they held in the previous run, with
the same parameters, is taken from that run's cache; the others are computed,
and only their texts are shingled and signed. A day's run computes the new
day and the slice before it (which reads the new day's first bucket), and the
tables are those of a run without the cache.

The cache (:class:`cib.detect.memo.Memo`) holds four entries, written afresh
by every run:

* ``similar_texts``: each text key's two hashes and its number of shingles
  (texts are found by their hashes; a text's number of shingles says whether
  it has a word without shingling it again);
* ``similar_units``: the units (bucket, text);
* ``similar_slices``: each slice's buckets and counts;
* ``similar_pairs``: each slice's verified pairs (two texts and their Jaccard).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from cib.detect.memo import Memo, versions
from cib.detect.minhash import SliceResult, combine, shingle_sets, signatures, slice_pairs, slices_of
from cib.progress import Teller

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["text_pairs", "DAY_US"]
# units (a text in a time bucket) shingled and signed at a time (bounds memory, not the result)
_TEXTS_PER_BATCH = 1_000_000

#: a day in µs: no slice of time holds buckets of two days
DAY_US = 86_400 * 10**6


def _depends(cfg: Config, bucket_us: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """What the texts' entry and the slices' entries depend on."""
    from cib.detect import minhash

    texts = {"shingle_words": int(cfg["similar.shingle_words"]), "seed": int(cfg["run.seed"]), **versions("polars")}
    slices = {
        **texts,
        **{k: cfg[f"similar.{k}"] for k in ("bands", "rows", "max_bucket", "max_neighbours", "threshold")},
        "bucket_us": bucket_us,
        "units_per_slice": minhash._UNITS_PER_SLICE,
        **versions("polars", "numpy"),
    }
    return texts, slices


def _numbered(texts: pl.DataFrame, old: pl.DataFrame | None) -> tuple[pl.DataFrame, np.ndarray]:
    """The texts (``h1, h2, key, size``: size null where unknown) and which of them have a word.

    A text's number of shingles is the previous run's where it had the text;
    a new text has a word when ``\\w`` matches (as :func:`shingle_sets` reads words).
    """
    if old is not None:
        keyed = texts.join(old.select("h1", "h2", "size"), on=["h1", "h2"], how="left", maintain_order="left")
    else:
        keyed = texts.with_columns(pl.lit(None, pl.Int64).alias("size"))
    size = keyed.get_column("size")
    unknown = size.is_null()
    has = (size.fill_null(0) > 0).to_numpy()
    if unknown.any():
        rows = unknown.arg_true()
        has[rows.to_numpy()] = keyed.get_column("key").gather(rows).str.contains(r"\w").to_numpy()
    return keyed, has


def _renumbered(old_texts: pl.DataFrame, searched: pl.DataFrame) -> np.ndarray | None:
    """Each row of the previous run's texts as a text searched now (-1: not searched now).

    Both are sorted by their hashes, so a binary search finds each; ``None``
    (nothing taken) when two texts searched now share their first hash.
    """
    h1, h2 = searched.get_column("h1").to_numpy(), searched.get_column("h2").to_numpy()
    if h1.size == 0 or (h1[1:] == h1[:-1]).any():
        return None
    o1, o2 = old_texts.get_column("h1").to_numpy(), old_texts.get_column("h2").to_numpy()
    at = np.minimum(np.searchsorted(h1, o1), h1.size - 1)
    return np.where((h1[at] == o1) & (h2[at] == o2), at, -1)


def _dirty_buckets(uk: np.ndarray, uy: np.ndarray, ok: np.ndarray, oy: np.ndarray) -> np.ndarray:
    """The buckets whose units are not exactly the previous run's, sorted.

    ``uk, uy``: this run's units (bucket, text), sorted; ``ok, oy``: the
    previous run's, its texts renumbered (-1: a text not searched now).
    """
    span = int(max(uy.max(initial=0), oy.max(initial=0))) + 2
    kmin = int(min(uk.min(initial=0), ok.min(initial=0)))
    now = (uk - kmin) * span + (uy + 1)
    before = np.sort((ok - kmin) * span + (oy + 1))
    at = np.minimum(np.searchsorted(now, before), max(now.size - 1, 0))
    missing = ok[np.sort(np.flatnonzero((oy < 0) | (now.size == 0) | (now[at] != before)))] if before.size else ok[:0]
    kn, cn = np.unique(uk, return_counts=True)
    ko, co = np.unique(ok, return_counts=True)
    both = np.union1d(kn, ko)
    count_now = np.zeros(both.size, np.int64)
    count_now[np.searchsorted(both, kn)] = cn
    count_before = np.zeros(both.size, np.int64)
    count_before[np.searchsorted(both, ko)] = co
    return np.union1d(both[count_now != count_before], missing)


def _taken(
    memo: Memo | None,
    depends: dict[str, Any],
    old_texts: pl.DataFrame | None,
    slices: list[tuple[int, int]],
    units: pl.DataFrame,
    searched: pl.DataFrame,
) -> dict[tuple[int, int], SliceResult]:
    """The slices of the previous run whose buckets hold the same units, with their pairs in this run's numbers."""
    if memo is None or old_texts is None or not slices:
        return {}
    kept = [memo.load(name, depends) for name in ("similar_slices", "similar_units", "similar_pairs")]
    renumber = _renumbered(old_texts, searched)
    if any(k is None for k in kept) or renumber is None:
        return {}
    old_slices, old_units, old_pairs = kept
    uk, uy = units.get_column("k").to_numpy(), units.get_column("x").to_numpy().astype(np.int64)
    ok = old_units.get_column("k").to_numpy()
    dirty = _dirty_buckets(uk, uy, ok, renumber[old_units.get_column("i").to_numpy()])
    stored = {(r["lo"], r["hi"]): r for r in old_slices.iter_rows(named=True)}
    lows = old_pairs.get_column("lo").to_numpy()  # written slice by slice, in order
    a = renumber[old_pairs.get_column("a").to_numpy()]
    b = renumber[old_pairs.get_column("b").to_numpy()]
    jac = old_pairs.get_column("j").to_numpy()
    out: dict[tuple[int, int], SliceResult] = {}
    for lo, hi in slices:
        if (lo, hi) not in stored or np.searchsorted(dirty, lo, "left") != np.searchsorted(dirty, hi + 1, "right"):
            continue
        part = slice(int(np.searchsorted(lows, lo, "left")), int(np.searchsorted(lows, lo, "right")))
        x1, x2 = np.minimum(a[part], b[part]), np.maximum(a[part], b[part])
        if (x1 < 0).any():  # a text of its pairs is not searched now: computed again
            continue
        q = (x1.astype(np.uint64) << np.uint64(32)) | x2.astype(np.uint64)
        order = np.argsort(q, kind="stable")
        row = stored[(lo, hi)]
        out[(lo, hi)] = SliceResult(
            lo, hi, q[order], jac[part][order], row["candidates"], row["sized"],
            {k: row[f"skipped_{k}"] for k in ("buckets", "texts", "pairs_upper_bound")},
            {k: row[f"thinned_{k}"] for k in ("groups", "rows")},
        )  # fmt: skip
    return out


def _shingled(keys: pl.Series, need: np.ndarray, cfg: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The shingle sets of the texts ``need`` (numbered by their place in it): text, shingle, size, starts."""
    sx, shingle, size = shingle_sets(keys.gather(need), int(cfg["similar.shingle_words"]), int(cfg["run.seed"]))
    starts = np.concatenate([[0], np.cumsum(size)]).astype(np.int64)
    return sx, shingle, size, starts


def text_pairs(
    traced_all: pl.DataFrame,
    traced: pl.DataFrame,
    texts: pl.DataFrame,
    cfg: Config,
    bucket_us: int,
    info: dict[str, Any],
    tell: Teller,
    lap: Callable[[str], None],
    memo: Memo | None,
) -> tuple[pl.DataFrame, np.ndarray, np.ndarray, dict[str, Any], int]:
    """The texts with a word and their posts, and the verified near-duplicate text pairs.

    Candidates are searched among the texts of every post with a key, before
    the participation filter (a day's new posts take an account over the
    filter's line, and its older posts with it: the slices of the days before
    would change with them); only the pairs of two texts of posts the filter
    kept are returned.

    Parameters
    ----------
    traced_all, traced
        ``p, a, tid, t`` per post with a key, before and after the participation
        filter (step 1); ``tid`` is the key's row in ``texts``.
    texts
        ``h1, h2, key``: the distinct keys and their hashes, sorted by the hashes.
    cfg, bucket_us, info
        The configuration, the time bucket (µs) and the signal's info (filled in).
    tell, lap
        Progress, and the clock of the steps ``shingles``, ``minhash``.
    memo
        The collection's cache, or ``None``.

    Returns
    -------
    P, x1, x2, found, n_texts
        ``p, a, x, t, k`` (``k`` the time bucket) of the posts kept, sorted by
        ``p``, their texts numbered ``x``; the verified pairs ``x1 < x2``, sorted;
        the counts of :func:`cib.detect.minhash.combine` and the pairs' ``jaccard``;
        the number of texts.
    """
    dep_texts, dep_slices = _depends(cfg, bucket_us)
    old = memo.load("similar_texts", dep_texts) if memo is not None else None
    keyed, has = _numbered(texts, old)
    # the texts with a word are searched (numbered y, here their column x); those of the posts kept are numbered x
    searched = keyed.filter(pl.Series(has)).with_row_index("x")
    kept = np.zeros(has.size, dtype=bool)
    kept[traced.get_column("tid").to_numpy()] = True
    kept &= has
    x_of = np.where(kept, np.cumsum(kept) - 1, -1)
    y_of = np.where(has, np.cumsum(has) - 1, -1)
    k = (pl.col("t") // bucket_us).alias("k")
    P = traced.select("p", "a", pl.Series("x", x_of[traced.get_column("tid").to_numpy()]), "t", k)
    P = P.filter(pl.col("x") >= 0).with_columns(pl.col("x").cast(pl.UInt32)).sort("p")
    units = traced_all.select(pl.Series("x", y_of[traced_all.get_column("tid").to_numpy()]), k).filter(pl.col("x") >= 0)
    units = units.unique().sort("k", "x")
    slices = slices_of(units.get_column("k").to_numpy(), max(1, DAY_US // max(bucket_us, 1)))
    taken = _taken(memo, dep_slices, old, slices, units, searched)
    done, sizes, shingled = _search(searched, units, slices, taken, cfg, tell, lap)
    y1, y2, jac, found = combine(done, int(cfg["similar.max_bucket"]), int(cfg["similar.max_neighbours"]))
    x_of_y = x_of[np.flatnonzero(has)]
    x1, x2 = x_of_y[y1], x_of_y[y2]
    both = (x1 >= 0) & (x2 >= 0)
    found["jaccard"] = jac[both]
    info.update(posts_considered=P.height, texts=int(kept.sum()), units=units.height)
    info["shingles"] = int(sizes[x_of_y >= 0].sum())
    if memo is not None:
        memo.note("co_similar_text", slices=len(slices), slices_reused=len(taken), texts_shingled=shingled)
        every = np.zeros(has.size, dtype=np.int64)
        every[has] = sizes  # a text without a word has no shingle
        _keep(memo, keyed.select("h1", "h2", pl.Series("size", every)), np.flatnonzero(has), units, done, dep_texts, dep_slices)
    return P, x1[both], x2[both], found, int(kept.sum())


def _search(
    searched: pl.DataFrame,
    units: pl.DataFrame,
    slices: list[tuple[int, int]],
    taken: dict[tuple[int, int], SliceResult],
    cfg: Config,
    tell: Teller,
    lap: Callable[[str], None],
) -> tuple[list[SliceResult], np.ndarray, int]:
    """Every slice's result, taken or computed; each text's number of shingles; how many texts were shingled.

    Only the texts of the units of the slices computed are shingled and signed,
    a run of consecutive slices at a time (:func:`_batches`): their shingles and
    signatures are what a large collection's memory holds here, and a text's
    signature is the same whichever batch signs it. The steps ``shingles`` and
    ``minhash`` time the first batch; later batches count in the verification.
    """
    ux, uk = units.get_column("x").to_numpy().astype(np.int64), units.get_column("k").to_numpy()
    todo = [s for s in slices if s not in taken]
    lows = np.searchsorted(uk, [lo for lo, _ in todo], "left")
    highs = np.searchsorted(uk, [hi + 1 for _, hi in todo], "right")
    sizes = searched.get_column("size").to_numpy().copy().astype(np.float64) if searched.height else np.zeros(0)
    seen = np.zeros(searched.height, dtype=bool)
    n_hashes = int(cfg["similar.bands"]) * int(cfg["similar.rows"])
    settings = {"bands": int(cfg["similar.bands"]), "rows": int(cfg["similar.rows"]), "threshold": float(cfg["similar.threshold"])}
    idents = searched.get_column("h1").to_numpy()
    made: dict[tuple[int, int], SliceResult] = {}
    for first, batch in enumerate(_batches(lows, highs, _TEXTS_PER_BATCH) or [range(0)]):
        need = np.unique(np.concatenate([ux[lows[i] : highs[i]] for i in batch])) if len(batch) else np.zeros(0, np.int64)
        sx, shingle, size, starts = _shingled(searched.get_column("key"), need, cfg)
        sizes[need] = size
        seen[need] = True
        if first == 0:
            lap("shingles")
        sig = signatures(sx, shingle, int(need.size), n_hashes, int(cfg["run.seed"]))
        del sx
        if first == 0:
            lap("minhash")
        ident = idents[need]
        for i in batch:
            (lo, hi), a, b = todo[i], lows[i], highs[i]
            tell("", i, len(todo), "slices")
            res = slice_pairs(sig, np.searchsorted(need, ux[a:b]), uk[a:b], shingle, starts, size, ident, (lo, hi),
                              cap=int(cfg["similar.max_bucket"]), near=int(cfg["similar.max_neighbours"]), **settings)  # fmt: skip
            # back to the numbers of every text (need is sorted: x1 < x2 still)
            x1, x2 = need[(res.q >> np.uint64(32)).astype(np.int64)], need[(res.q & np.uint64(0xFFFFFFFF)).astype(np.int64)]
            res.q = (x1.astype(np.uint64) << np.uint64(32)) | x2.astype(np.uint64)
            made[(lo, hi)] = res
        del sig, shingle, starts, size
    tell("", len(todo), len(todo), "slices")
    sizes = np.nan_to_num(sizes).astype(np.int64)  # a text not shingled here was in the previous run
    return [taken.get(s) or made[s] for s in slices], sizes, int(seen.sum())


def _batches(lows: np.ndarray, highs: np.ndarray, budget: int) -> list[range]:
    """Runs of consecutive slices whose units (texts in a bucket) add up to about ``budget`` (one slice at least)."""
    out: list[range] = []
    start, held = 0, 0
    for i, n in enumerate((highs - lows).tolist()):
        if i > start and held + n > budget:
            out.append(range(start, i))
            start, held = i, 0
        held += n
    if len(lows):
        out.append(range(start, len(lows)))
    return out


def _keep(
    memo: Memo,
    every: pl.DataFrame,
    at: np.ndarray,
    units: pl.DataFrame,
    done: list[SliceResult],
    dep_texts: dict[str, Any],
    dep_slices: dict[str, Any],
) -> None:
    """Write the four entries: the texts (``h1, h2, size``), units, slices and pairs.

    Units and pairs name a text by its row in the texts' entry: searched text
    ``x`` is row ``at[x]``.
    """
    memo.keep("similar_texts", every, dep_texts)
    memo.keep("similar_units", pl.DataFrame({"k": units.get_column("k"), "i": at[units.get_column("x").to_numpy()]}), dep_slices)
    memo.keep("similar_slices", pl.DataFrame([
        {"lo": d.lo, "hi": d.hi, "candidates": d.candidates, "sized": d.sized,
         **{f"skipped_{k}": v for k, v in d.skipped.items()}, **{f"thinned_{k}": v for k, v in d.thinned.items()}}
        for d in done
    ], schema={"lo": pl.Int64, "hi": pl.Int64, "candidates": pl.Int64, "sized": pl.Int64, "skipped_buckets": pl.Int64,
               "skipped_texts": pl.Int64, "skipped_pairs_upper_bound": pl.Int64, "thinned_groups": pl.Int64,
               "thinned_rows": pl.Int64}), dep_slices)  # fmt: skip
    lo = np.concatenate([np.full(d.q.size, d.lo, dtype=np.int64) for d in done]) if done else np.zeros(0, np.int64)
    q = np.concatenate([d.q for d in done]) if done else np.zeros(0, np.uint64)
    jac = np.concatenate([d.jaccard for d in done]) if done else np.zeros(0)
    a, b = at[(q >> np.uint64(32)).astype(np.int64)], at[(q & np.uint64(0xFFFFFFFF)).astype(np.int64)]
    memo.keep("similar_pairs", pl.DataFrame({"lo": lo, "a": a, "b": b, "j": jac}), dep_slices)
