"""Post pairs of ``co_similar_text``: near-duplicate groups and the posts of verified text pairs.

Step 6 of :mod:`cib.detect.similar`. Verified text pairs are joined into
*groups*, the connected components of the near-duplicate graph; a group is the
signal's object and is named by its smallest post. The posts of each verified
text pair (and of each text with itself) are paired within the window: the
equi-join on (text, bucket) and (text, neighbouring bucket), then
``|Δt| ≤ window``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from cib.detect.window import co_occurrences

if TYPE_CHECKING:
    from cib.detect.shards import Spill

__all__ = ["text_groups", "post_pairs", "pair_plan", "spill_pairs"]


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


def text_groups(
    x1: np.ndarray, x2: np.ndarray, n_texts: int, posts: pl.DataFrame, info: dict[str, Any]
) -> np.ndarray:
    """Each text's near-duplicate group: the connected components of the verified text pairs.

    Parameters
    ----------
    x1, x2
        The verified text pairs (texts numbered ``0..n_texts-1``).
    n_texts
        How many texts there are.
    posts
        ``p, x``: the post codes of each text.
    info
        The signal's info; receives how many groups hold two texts or more.

    Returns
    -------
    np.ndarray
        Per text, its group: the smallest post code among the group's texts (``uint32``).
    """
    graph = coo_matrix((np.ones(x1.size, dtype=np.int8), (x1, x2)), shape=(n_texts, n_texts))
    n_comp, comp = connected_components(graph, directed=False)
    first_post = posts.group_by("x").agg(pl.col("p").min()).sort("x").get_column("p").to_numpy()
    group_of = np.full(n_comp, np.iinfo(np.uint32).max, dtype=np.uint32)
    np.minimum.at(group_of, comp, first_post.astype(np.uint32))
    info["groups_with_two_texts_or_more"] = int((np.bincount(comp) > 1).sum())
    return group_of[comp]


def post_pairs(
    x1: np.ndarray,
    x2: np.ndarray,
    obj: np.ndarray,
    thinned: pl.LazyFrame,
    crowd: pl.DataFrame,
    window_us: int,
    info: dict[str, Any],
) -> tuple[pl.DataFrame, pl.DataFrame, pl.LazyFrame]:
    """Post pairs within the window, of one text or of a verified text pair.

    Parameters
    ----------
    x1, x2
        The verified text pairs (``x1 < x2``).
    obj
        Each text's group (:func:`text_groups`).
    thinned
        ``a, x, p, t, k``: the posts left after crowd handling, ``k`` the time bucket.
    crowd
        The crowd texts (``o`` the text, ``est_pairs``), from :func:`cib.detect.window.crowds`.
    window_us
        The window (µs, inclusive).
    info
        The signal's info; receives the counts of same-account and other pairs.

    Returns
    -------
    pairs, window_pairs, lookup
        ``a, b, pa, pb, ta, tb, o`` of two different accounts (``o`` the group);
        pairs within the window per group, an account's own and a crowd's upper
        bound included (the null model's ``P``); ``x, o``, the group of each text.
    """
    verified = pl.DataFrame({"x1": x1.astype(np.uint32), "x2": x2.astype(np.uint32)})
    lookup = _lookup(obj)
    every = _every(verified, thinned, lookup, window_us)
    window_pairs = _with_crowds(every.group_by("o").agg(pl.len().cast(pl.Int64).alias("n")), crowd, lookup)
    pairs = every.filter(~pl.col("self")).drop("self")
    info.update(same_account_pairs=every.height - pairs.height, pairs=pairs.height)
    return pairs, window_pairs, lookup


def _lookup(obj: np.ndarray) -> pl.LazyFrame:
    return pl.DataFrame({"x": np.arange(obj.size, dtype=np.uint32), "o": obj}).lazy()


def _every(verified: pl.DataFrame, thinned: pl.LazyFrame, lookup: pl.LazyFrame, window_us: int) -> pl.DataFrame:
    """Every post pair within the window of one text or a verified pair, an account's own flagged ``self``; ``o`` its group."""
    exact = co_occurrences(thinned.select("a", pl.col("x").alias("o"), "p", "t"), window_us, same_account=True)
    everything = pl.concat(
        [
            exact.rename({"o": "x"}).select("a", "b", "x", "pa", "pb", "ta", "tb", "self"),
            _cross_pairs(verified, thinned, window_us),
        ]
    )
    return everything.join(lookup, on="x").drop("x").collect()


def _with_crowds(counted: pl.DataFrame, crowd: pl.DataFrame, lookup: pl.LazyFrame) -> pl.DataFrame:
    """The null model's pairs per group: those counted, and a crowd text's upper bound added to its group's."""
    if not crowd.height:
        return counted
    est = crowd.rename({"o": "x"}).join(lookup.collect(), on="x").group_by("o").agg(pl.col("est_pairs").sum().alias("n"))
    return pl.concat([counted, est]).group_by("o").agg(pl.col("n").sum())


def pair_plan(
    x1: np.ndarray, x2: np.ndarray, obj: np.ndarray, thinned: pl.LazyFrame, budget: int
) -> tuple[int, pl.DataFrame] | None:
    """How many shards and which slices of groups the post pairs need, or ``None`` when they fit ``budget``.

    The bound is counted from posts per (text, bucket), before any pair is made:
    the pairs of one text's posts in one bucket and the next, and of a verified
    pair's posts in the same or neighbouring buckets (every pair within the
    window, and more).

    Returns
    -------
    shards, slices
        The number of account-pair shards, and ``o, slice`` for every group in
        code order (a slice closes when its pairs could pass the budget).
    """
    if budget <= 0:
        return None
    counts = thinned.group_by("x", "k").agg(pl.len().cast(pl.Int64).alias("c")).collect()
    after = counts.select("x", pl.col("k") - 1, pl.col("c").alias("c_next"))
    same = (
        counts.join(after, on=["x", "k"], how="left")
        .select("x", pl.col("c") * (pl.col("c") - 1) // 2 + pl.col("c") * pl.col("c_next").fill_null(0))
        .rename({"c": "n"})
    )
    verified = pl.DataFrame({"x1": x1.astype(np.uint32), "x2": x2.astype(np.uint32)}).lazy()
    left = verified.join(counts.lazy().rename({"x": "x1", "c": "c1"}), on="x1")
    cross = (
        pl.concat([left.with_columns(pl.col("k") + d) for d in (-1, 0, 1)])
        .join(counts.lazy().rename({"x": "x2", "c": "c2"}), on=["x2", "k"])
        .select(pl.col("x1").alias("x"), (pl.col("c1") * pl.col("c2")).alias("n"))
        .collect()
    )
    per = (
        pl.concat([same, cross])
        .join(_lookup(obj).collect(), on="x")
        .group_by("o")
        .agg(pl.col("n").sum())
        .sort("o")
    )
    total = int(per.get_column("n").sum() or 0)
    if total <= budget:
        return None
    return -(-total // budget), per.select("o", (pl.col("n").cum_sum() // budget).cast(pl.UInt32).alias("slice"))


def spill_pairs(
    spill: Spill,
    x1: np.ndarray,
    x2: np.ndarray,
    obj: np.ndarray,
    thinned: pl.LazyFrame,
    crowd: pl.DataFrame,
    window_us: int,
    slices: pl.DataFrame,
    info: dict[str, Any],
) -> tuple[pl.DataFrame, pl.LazyFrame]:
    """:func:`post_pairs` a slice of groups at a time, the pairs of two accounts written to ``spill``.

    Every pair belongs to one group (a verified pair's texts are in the same
    one), so a slice of groups holds all of its groups' pairs.

    Returns
    -------
    window_pairs, lookup
        As for :func:`post_pairs`.
    """
    verified = pl.DataFrame({"x1": x1.astype(np.uint32), "x2": x2.astype(np.uint32), "o": obj[x1]})
    lookup = _lookup(obj)
    text_slice = lookup.collect().join(slices, on="o")
    counted, own = [], 0
    for (i,), texts in text_slice.partition_by("slice", as_dict=True).items():
        mine = texts.select("x").lazy()
        part = verified.join(texts.select("o").unique(), on="o", how="semi").drop("o")
        every = _every(part, thinned.join(mine, on="x", how="semi"), lookup, window_us)
        counted.append(every.group_by("o").agg(pl.len().cast(pl.Int64).alias("n")))
        pairs = every.filter(~pl.col("self")).drop("self")
        own += every.height - pairs.height
        del every
        spill.add(pairs.select("a", "b", "o", "pa", "pb", "ta", "tb"), int(i))
    found = pl.concat(counted) if counted else pl.DataFrame(schema={"o": pl.UInt32, "n": pl.Int64})
    info.update(same_account_pairs=own, pairs=spill.pairs)
    return _with_crowds(found, crowd, lookup), lookup
