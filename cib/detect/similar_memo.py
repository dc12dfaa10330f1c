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

from cib.detect.memo import Memo, value_ids, versions
from cib.detect.minhash import SliceResult, combine, shingle_sets, signatures, slice_pairs, slices_of
from cib.progress import Teller

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["text_pairs", "DAY_US"]

#: a day in µs: no slice of time holds buckets of two days
DAY_US = 86_400 * 10**6
_HASHES = {"h1": pl.UInt64, "h2": pl.UInt64}


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


def _numbered(texts: pl.DataFrame, old: pl.DataFrame | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The texts (``key, h1, h2, size``: size null where unknown) and those with a word, numbered ``x``.

    A text's number of shingles is the previous run's where it had the text;
    a new text has a word when ``\\w`` matches (as :func:`shingle_sets` reads words).
    """
    keyed = texts.with_columns(*value_ids(pl.col("key")))
    if old is not None:
        keyed = keyed.join(old.select("h1", "h2", "size"), on=["h1", "h2"], how="left", maintain_order="left")
    else:
        keyed = keyed.with_columns(pl.lit(None, pl.Int64).alias("size"))
    has = (pl.col("size").is_not_null() & (pl.col("size") > 0)) | (pl.col("size").is_null() & pl.col("key").str.contains(r"\w"))
    return keyed, keyed.filter(has).with_row_index("x")


def _clean_buckets(units: pl.DataFrame, old: pl.DataFrame) -> np.ndarray:
    """The buckets whose units (bucket, text hashes) are not exactly the previous run's, sorted."""
    now = units.group_by("k").len("n")
    before = old.group_by("k").len("m")
    same = units.join(old, on=["k", "h1", "h2"], how="inner").group_by("k").len("s")
    counts = now.join(before, on="k", how="full", coalesce=True).join(same, on="k", how="left").fill_null(0)
    dirty = counts.filter((pl.col("n") != pl.col("m")) | (pl.col("s") != pl.col("n")))
    return np.sort(dirty.get_column("k").to_numpy())


def _taken(
    memo: Memo | None,
    depends: dict[str, Any],
    old_texts: pl.DataFrame | None,
    slices: list[tuple[int, int]],
    units: pl.DataFrame,
    numbered: pl.DataFrame,
) -> dict[tuple[int, int], SliceResult]:
    """The slices of the previous run whose buckets hold the same units, with their pairs in this run's numbers."""
    if memo is None or old_texts is None:
        return {}
    kept = [memo.load(name, depends) for name in ("similar_slices", "similar_units", "similar_pairs")]
    if any(k is None for k in kept):
        return {}
    old_slices, old_units, old_pairs = kept
    ids = old_texts.select("h1", "h2").with_row_index("i").with_columns(pl.col("i").cast(pl.Int64))
    old_units = old_units.join(ids, on="i").select("k", "h1", "h2")
    dirty = _clean_buckets(units, old_units)
    stored = {(r["lo"], r["hi"]): r for r in old_slices.iter_rows(named=True)}
    found = [
        (lo, hi) for lo, hi in slices
        if (lo, hi) in stored and np.searchsorted(dirty, lo, "left") == np.searchsorted(dirty, hi + 1, "right")
    ]  # fmt: skip
    if not found:
        return {}
    now = numbered.select("h1", "h2", "x")
    pairs = (
        old_pairs.filter(pl.col("lo").is_in([lo for lo, _ in found]))
        .join(ids.rename({"i": "a", "h1": "a1", "h2": "a2"}), on="a")
        .join(ids.rename({"i": "b", "h1": "b1", "h2": "b2"}), on="b")
        .join(now.rename({"h1": "a1", "h2": "a2", "x": "xa"}), on=["a1", "a2"], how="left")
        .join(now.rename({"h1": "b1", "h2": "b2", "x": "xb"}), on=["b1", "b2"], how="left")
    )
    lost = set(pairs.filter(pl.col("xa").is_null() | pl.col("xb").is_null()).get_column("lo").to_list())
    out: dict[tuple[int, int], SliceResult] = {}
    by_lo = pairs.drop_nulls(["xa", "xb"]).partition_by("lo", as_dict=True)
    for lo, hi in found:
        if lo in lost:  # a text of its pairs is not found: computed again (the hashes of two texts met)
            continue
        part = by_lo.get((lo,))
        row = stored[(lo, hi)]
        q, jac = _pairs_of(part)
        out[(lo, hi)] = SliceResult(
            lo, hi, q, jac, row["candidates"], row["sized"],
            {k: row[f"skipped_{k}"] for k in ("buckets", "texts", "pairs_upper_bound")},
            {k: row[f"thinned_{k}"] for k in ("groups", "rows")},
        )  # fmt: skip
    return out


def _pairs_of(part: pl.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """A slice's stored pairs as ``x1 << 32 | x2`` (x1 < x2), sorted, with their Jaccard."""
    if part is None or part.height == 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0)
    lo = pl.min_horizontal("xa", "xb").cast(pl.UInt64)
    hi = pl.max_horizontal("xa", "xb").cast(pl.UInt64)
    qs = part.select((lo * (1 << 32) + hi).alias("q"), "j").sort("q")
    return qs.get_column("q").to_numpy(), qs.get_column("j").to_numpy()


def _shingled(keys: pl.Series, need: np.ndarray, cfg: Config) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The shingle sets of the texts ``need`` (numbered by their place in it): text, shingle, size, starts."""
    sx, shingle, size = shingle_sets(keys.gather(need), int(cfg["similar.shingle_words"]), int(cfg["run.seed"]))
    starts = np.concatenate([[0], np.cumsum(size)]).astype(np.int64)
    return sx, shingle, size, starts


def text_pairs(
    traced_all: pl.DataFrame,
    traced: pl.DataFrame,
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
        ``p, a, key, t`` per post with a key, before and after the participation filter (step 1).
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
    keyed, searched = _numbered(traced_all.select(pl.col("key").unique().sort()), old)
    # the texts of the posts the participation filter kept, numbered x in the same order
    kept = searched.filter(pl.col("key").is_in(traced.get_column("key").implode())).rename({"x": "y"}).with_row_index("x")
    P = traced.join(kept.select("key", "x"), on="key").select("p", "a", "x", "t", (pl.col("t") // bucket_us).alias("k")).sort("p")
    units = traced_all.join(searched.select("key", "x"), on="key").select("x", (pl.col("t") // bucket_us).alias("k"))
    units = units.unique().sort("k", "x")
    hashed = units.join(searched.select("x", "h1", "h2"), on="x", maintain_order="left").select("k", "h1", "h2")
    slices = slices_of(units.get_column("k").to_numpy(), max(1, DAY_US // max(bucket_us, 1)))
    taken = _taken(memo, dep_slices, old, slices, hashed, searched)
    done, sizes, shingled = _search(searched, units, slices, taken, cfg, info, tell, lap)
    y1, y2, jac, found = combine(done, int(cfg["similar.max_bucket"]), int(cfg["similar.max_neighbours"]))
    x_of = np.full(searched.height, -1, dtype=np.int64)
    x_of[kept.get_column("y").to_numpy()] = np.arange(kept.height)
    x1, x2 = x_of[y1], x_of[y2]
    both = (x1 >= 0) & (x2 >= 0)
    found["jaccard"] = jac[both]
    info.update(posts_considered=P.height, texts=kept.height, units=units.height)
    info["shingles"] = int(sizes[kept.get_column("y").to_numpy()].sum()) if kept.height else 0
    if memo is not None:
        memo.note("co_similar_text", slices=len(slices), slices_reused=len(taken), texts_shingled=shingled)
        every = keyed.join(searched.select("h1", "h2", pl.Series("s", sizes)), on=["h1", "h2"], how="left", maintain_order="left")
        every = every.select("h1", "h2", pl.coalesce("s", "size", 0).cast(pl.Int64).alias("size"))
        _keep(memo, every, searched, units, done, dep_texts, dep_slices)
    return P, x1[both], x2[both], found, kept.height


def _search(
    searched: pl.DataFrame,
    units: pl.DataFrame,
    slices: list[tuple[int, int]],
    taken: dict[tuple[int, int], SliceResult],
    cfg: Config,
    info: dict[str, Any],
    tell: Teller,
    lap: Callable[[str], None],
) -> tuple[list[SliceResult], np.ndarray, int]:
    """Every slice's result, taken or computed; each text's number of shingles; how many texts were shingled.

    Only the texts of the units of the slices computed are shingled and signed.
    """
    ux, uk = units.get_column("x").to_numpy().astype(np.int64), units.get_column("k").to_numpy()
    todo = [s for s in slices if s not in taken]
    lows = np.searchsorted(uk, [lo for lo, _ in todo], "left")
    highs = np.searchsorted(uk, [hi + 1 for _, hi in todo], "right")
    need = np.unique(np.concatenate([ux[a:b] for a, b in zip(lows, highs, strict=True)])) if todo else np.zeros(0, np.int64)
    sx, shingle, size, starts = _shingled(searched.get_column("key"), need, cfg)
    sizes = searched.get_column("size").to_numpy().copy().astype(np.float64) if searched.height else np.zeros(0)
    sizes[need] = size
    sizes = np.nan_to_num(sizes).astype(np.int64)  # a text not shingled here was in the previous run
    lap("shingles")
    n_hashes = int(cfg["similar.bands"]) * int(cfg["similar.rows"])
    sig = signatures(sx, shingle, int(need.size), n_hashes, int(cfg["run.seed"]))
    lap("minhash")
    ident = searched.get_column("h1").to_numpy()[need]
    settings = {"bands": int(cfg["similar.bands"]), "rows": int(cfg["similar.rows"]), "threshold": float(cfg["similar.threshold"])}
    made: dict[tuple[int, int], SliceResult] = {}
    for i, ((lo, hi), a, b) in enumerate(zip(todo, lows, highs, strict=True)):
        tell("", i, len(todo), "slices")
        res = slice_pairs(sig, np.searchsorted(need, ux[a:b]), uk[a:b], shingle, starts, size, ident, (lo, hi),
                          cap=int(cfg["similar.max_bucket"]), near=int(cfg["similar.max_neighbours"]), **settings)  # fmt: skip
        # back to the numbers of every text (need is sorted: x1 < x2 still)
        x1, x2 = need[(res.q >> np.uint64(32)).astype(np.int64)], need[(res.q & np.uint64(0xFFFFFFFF)).astype(np.int64)]
        res.q = (x1.astype(np.uint64) << np.uint64(32)) | x2.astype(np.uint64)
        made[(lo, hi)] = res
    return [taken.get(s) or made[s] for s in slices], sizes, int(need.size)


def _keep(
    memo: Memo,
    every: pl.DataFrame,
    numbered: pl.DataFrame,
    units: pl.DataFrame,
    done: list[SliceResult],
    dep_texts: dict[str, Any],
    dep_slices: dict[str, Any],
) -> None:
    """Write the four entries: the texts (``h1, h2, size``), units, slices and pairs (texts by their row in the first)."""
    row = numbered.select("h1", "h2", "x").join(every.select("h1", "h2").with_row_index("i"), on=["h1", "h2"]).sort("x")
    at = row.get_column("i").to_numpy().astype(np.int64)  # text x is row at[x] of the texts' entry
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
