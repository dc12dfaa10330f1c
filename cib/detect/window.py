"""The windowed co-occurrence engine: one relational plan for every signal.

Two shares of one object by two different accounts co-occur when their times
differ by at most the window (sliding and inclusive: ``|Δt| ≤ window``). The
plan is the one DESIGN asks for, and maps one to one onto Spark SQL:

1. bucket every share by ``k = floor(t / window)``;
2. equi-join shares on (object, k) — pairs in one bucket — and on
   (object, k) = (object, k' + 1) — pairs in neighbouring buckets;
3. filter ``|Δt| ≤ window`` (two shares within the window are never more than
   one bucket apart, so nothing is missed) and orient each pair so that
   ``a < b``;
4. aggregate (in :mod:`cib.detect.edges`).

Each unordered pair of shares is produced exactly once: in one bucket only the
row with the smaller account on the left survives ``a1 < a2``; across buckets
the earlier bucket is always on the left. The work is the pairs of shares at
most two windows apart, never the square of an object's total shares.

Crowds
    An object shared by thousands of accounts within a minute (a trending
    hashtag, a celebrity's post) would give millions of pairs that carry almost
    no weight. Objects whose densest pair of consecutive buckets holds more than
    ``detect.max_object_shares_per_window`` shares are found first (a group-by,
    cheap) and skipped or thinned to that size by a seeded hash of the post, and
    reported with the number of pairs they would have given (an upper bound).
"""

from __future__ import annotations

import polars as pl

__all__ = ["object_pairs_bound", "crowds", "thin_crowds", "co_occurrences", "self_pairs_per_object", "pair_key"]

_GOLDEN = 0x9E3779B1  # Knuth's multiplicative hash constant
_HALF = 1 << 32


def pair_key(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    """One UInt64 for a pair of 32-bit codes (``a`` in the high half).

    Grouping on it is twice as fast as on two columns; ``key >> 32`` and
    ``key & 0xFFFFFFFF`` give the codes back.
    """
    return a.cast(pl.UInt64) * _HALF + b.cast(pl.UInt64)


def _buckets(tr: pl.LazyFrame, window_us: int) -> pl.LazyFrame:
    # A zero window still needs a bucket width; 1 µs buckets make k = t.
    return tr.with_columns((pl.col("t") // max(window_us, 1)).alias("k"))


def object_pairs_bound(tr: pl.LazyFrame, window_us: int) -> pl.LazyFrame:
    """Per object, its densest two consecutive windows and an upper bound on its pairs of shares.

    Counted from shares per bucket, before any pair is made: ``o``, ``densest``
    (shares in the densest two consecutive buckets) and ``est_pairs`` (pairs in
    one bucket plus pairs across neighbouring buckets, every pair of shares at
    most one window apart included).
    """
    counts = _buckets(tr, window_us).group_by("o", "k").agg(pl.len().cast(pl.Int64).alias("c"))
    nxt = counts.select("o", (pl.col("k") - 1).alias("k"), pl.col("c").alias("c_next"))
    dense = counts.join(nxt, on=["o", "k"], how="left").with_columns(pl.col("c_next").fill_null(0))
    return dense.group_by("o").agg(
        (pl.col("c") + pl.col("c_next")).max().alias("densest"),
        (pl.col("c") * (pl.col("c") - 1) // 2 + pl.col("c") * pl.col("c_next")).sum().alias("est_pairs"),
    )


def crowds(tr: pl.LazyFrame, window_us: int, limit: int) -> pl.DataFrame:
    """Objects too crowded to pair.

    Parameters
    ----------
    tr
        Traces with integer columns ``o`` (object) and ``t`` (µs).
    window_us
        The window in microseconds.
    limit
        Largest number of shares allowed in two consecutive buckets; ``0`` = no limit.

    Returns
    -------
    pl.DataFrame
        ``o``, ``densest`` (shares in the densest two buckets), ``est_pairs`` (an upper
        bound on the pairs of shares it would give), sorted by ``o``.
    """
    schema = {"o": pl.UInt32, "densest": pl.Int64, "est_pairs": pl.Int64}
    if limit <= 0:
        return pl.DataFrame(schema=schema)
    per_object = object_pairs_bound(tr, window_us)
    return per_object.filter(pl.col("densest") > limit).collect().cast(schema).sort("o")  # type: ignore[arg-type]


def thin_crowds(tr: pl.LazyFrame, crowd: pl.DataFrame, limit: int, policy: str, seed: int) -> pl.LazyFrame:
    """Drop crowd objects (``policy="skip"``) or keep a seeded sample of their shares (``"sample"``).

    A share of a crowd object is kept when a hash of its post code and the seed,
    scaled to [0, 1), is below ``limit / densest``: the same posts are kept on
    every run and whatever the row order.
    """
    if crowd.height == 0:
        return tr
    if policy == "skip":
        return tr.join(crowd.lazy().select("o"), on="o", how="anti")
    rate = crowd.lazy().select("o", (pl.lit(float(limit)) / pl.col("densest")).alias("_rate"))
    u = ((pl.col("p").cast(pl.UInt64) * _GOLDEN + (seed & 0xFFFFFFFF)) % (1 << 32)).cast(pl.Float64) / float(1 << 32)
    return (
        tr.join(rate, on="o", how="left")
        .filter(pl.col("_rate").is_null() | (u < pl.col("_rate")))
        .drop("_rate")
    )


def co_occurrences(tr: pl.LazyFrame, window_us: int, *, same_account: bool = False) -> pl.LazyFrame:
    """Every pair of shares of one object at most ``window_us`` apart.

    Parameters
    ----------
    tr
        Traces with integer columns ``a`` (account, codes ordered like the ids),
        ``o`` (object), ``p`` (post) and ``t`` (µs).
    window_us
        Window in microseconds (inclusive).
    same_account
        Also return pairs of two posts of one account (flagged ``self``), which
        the null model counts; they never make edges.

    Returns
    -------
    pl.LazyFrame
        ``a, b, o, pa, pb, ta, tb`` with ``a < b`` (``a == b`` for same-account
        pairs), ``pa``/``ta`` the post and time of account ``a``; plus ``self``
        (bool) when ``same_account``.
    """
    base = _buckets(tr.select("a", "o", "p", "t"), window_us)
    left = base.select("o", "k", pl.col("a").alias("a1"), pl.col("p").alias("p1"), pl.col("t").alias("t1"))
    right = base.select("o", "k", pl.col("a").alias("a2"), pl.col("p").alias("p2"), pl.col("t").alias("t2"))
    within = (pl.col("t1") - pl.col("t2")).abs() <= window_us
    if same_account:
        in_bucket = (pl.col("a1") < pl.col("a2")) | ((pl.col("a1") == pl.col("a2")) & (pl.col("p1") < pl.col("p2")))
        across_ok = (pl.col("a1") != pl.col("a2")) | (pl.col("p1") != pl.col("p2"))
    else:
        in_bucket = pl.col("a1") < pl.col("a2")
        across_ok = pl.col("a1") != pl.col("a2")
    same = left.join(right, on=["o", "k"]).filter(in_bucket & within)
    nxt = (
        left.with_columns(pl.col("k") + 1)
        .join(right, on=["o", "k"])
        .filter(across_ok & within)
    )
    swap = pl.col("a1") > pl.col("a2")
    cols = [
        pl.min_horizontal("a1", "a2").alias("a"),
        pl.max_horizontal("a1", "a2").alias("b"),
        pl.col("o"),
        pl.when(swap).then(pl.col("p2")).otherwise(pl.col("p1")).alias("pa"),
        pl.when(swap).then(pl.col("p1")).otherwise(pl.col("p2")).alias("pb"),
        pl.when(swap).then(pl.col("t2")).otherwise(pl.col("t1")).alias("ta"),
        pl.when(swap).then(pl.col("t1")).otherwise(pl.col("t2")).alias("tb"),
    ]
    if same_account:
        cols.append((pl.col("a1") == pl.col("a2")).alias("self"))
    return pl.concat([same.select(cols), nxt.select(cols)])


def self_pairs_per_object(tr: pl.LazyFrame, window_us: int) -> pl.DataFrame:
    """Pairs of one account's own shares of an object at most ``window_us`` apart, counted per object.

    The null model counts them (they are pairs of share slots like any other);
    they never make edges. The same plan as :func:`co_occurrences` with the
    account added to the join keys, so only the count is materialised.

    Returns
    -------
    pl.DataFrame
        ``o, n`` for the objects with at least one such pair.
    """
    base = _buckets(tr.select("a", "o", "p", "t"), window_us)
    left = base.select("a", "o", "k", pl.col("p").alias("p1"), pl.col("t").alias("t1"))
    right = base.select("a", "o", "k", pl.col("p").alias("p2"), pl.col("t").alias("t2"))
    within = (pl.col("t1") - pl.col("t2")).abs() <= window_us
    same = left.join(right, on=["a", "o", "k"]).filter((pl.col("p1") < pl.col("p2")) & within)
    nxt = left.with_columns(pl.col("k") + 1).join(right, on=["a", "o", "k"]).filter(within)
    return (
        pl.concat([same.select("o"), nxt.select("o")])
        .group_by("o")
        .agg(pl.len().cast(pl.Int64).alias("n"))
        .collect()
        .cast({"o": pl.UInt32})
    )
