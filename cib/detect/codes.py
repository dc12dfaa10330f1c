"""Integer codes of accounts, objects and posts, for the windowed engine.

Accounts are numbered in sorted order of their ids (so ``a < b`` holds for
codes and ids alike), objects in the order of a 64-bit hash of their ids, and
posts in the order of a 64-bit hash of what they are (id, platform, account,
time). A hash orders without a sort of long strings; every order follows the
values, not where they sit in the input, so the result does not depend on row
order. Should two values hash alike, their sorted values number them instead.
Codes keep the pair frames small: a pair of shares is a few integers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

__all__ = ["PostIds", "POST_KEYS", "TIE_KEYS", "post_codes", "account_codes", "encode_objects"]

_HASH_SEED = 0x5EED


@dataclass
class PostIds:
    """Post code → post id, without a second copy of the ids."""

    column: pl.Series
    order: np.ndarray

    def of(self, codes: pl.Series) -> pl.Series:
        """The post id of each code."""
        return self.column.gather(self.order[codes.to_numpy()])


#: the columns that say what a post is, and those that break ties between copies of one post
POST_KEYS = ("post_id", "platform", "account_id", "created_at")
TIE_KEYS = ("source_file", "source_row")


def post_codes(posts: pl.DataFrame, ties: pl.LazyFrame | None = None) -> tuple[np.ndarray, PostIds]:
    """Number the posts: a ``UInt32`` code per post, in row order.

    Parameters
    ----------
    posts
        The posts, in :data:`POST_KEYS` at least.
    ties
        Where the columns that break ties (:data:`TIE_KEYS`) are read from
        when ``posts`` lacks them: a scan of the same posts, read only should
        two posts hash alike.

    Returns
    -------
    codes, post_ids
        Each post's code, and the way from a code back to its post id.
    """
    # Posts are numbered in the order of a 64-bit hash of what they are (id,
    # platform, account, time; not where they sit in the input), so that
    # evidence chosen "first by post" is the same however the rows arrive;
    # sorting one integer column is cheaper than sorting the id strings. Should
    # two posts hash alike, the keys themselves are sorted instead (the source
    # file and row break ties between copies of one post).
    source = ties if ties is not None and not set(TIE_KEYS) <= set(posts.columns) else posts.lazy()
    keys = [c for c in (*POST_KEYS, *TIE_KEYS) if c in source.collect_schema().names()]
    what = [c for c in keys if c not in TIE_KEYS]
    # one hash per column, mixed: hashing a struct of them encodes every row first (95 MB for a
    # million posts)
    columns = posts.select(pl.col(c).hash(_HASH_SEED + i) for i, c in enumerate(what))
    hashed = columns.to_series(0).to_numpy().copy()
    for i in range(1, columns.width):
        hashed *= np.uint64(0x9E3779B97F4A7C15)  # wraps: arithmetic modulo 2^64
        hashed ^= columns.to_series(i).to_numpy()
    order = pl.Series(hashed).arg_sort().to_numpy()
    in_order = hashed[order]
    if (in_order[1:] == in_order[:-1]).any():
        order = source.select(pl.arg_sort_by(keys, nulls_last=True)).collect().to_series().to_numpy()
    code = np.empty(posts.height, dtype=np.uint32)
    code[order] = np.arange(posts.height, dtype=np.uint32)
    # a gather from a chunked column is many times slower than from one chunk
    return code, PostIds(posts.get_column("post_id").rechunk(), order)


def _hash64(values: pl.Series) -> pl.Series:
    """A 64-bit hash of each value (one function, so that tests can make hashes collide)."""
    return values.hash(_HASH_SEED)


def _value_codes(values: pl.Series, *, by_value: bool) -> tuple[pl.Series, pl.Series]:
    """Dense ``UInt32`` codes of ``values`` (null for a null) and the distinct values in code order.

    Codes follow the order of a 64-bit hash of the values, which needs no sort
    of (long) strings and does not depend on row order, or with ``by_value``
    the order of the values themselves (only the distinct ones are sorted).
    Every value is checked against the one its code stands for: should two
    values share a hash (about 1 in 10^7 for a million values), or a value be
    null, the codes come from the sorted distinct values instead.
    """
    if values.null_count() == 0:
        code = (_hash64(values).rank("dense") - 1).cast(pl.UInt32)
        first = code.is_first_distinct()
        distinct = pl.DataFrame([code.filter(first).alias("_c"), values.filter(first)]).sort("_c").to_series(1)
        if distinct.gather(code).equals(values):
            if not by_value:
                return code, distinct
            order = distinct.arg_sort().to_numpy()
            recode = np.empty(order.size, dtype=np.uint32)
            recode[order] = np.arange(order.size, dtype=np.uint32)
            return pl.Series(code.name, recode[code.to_numpy()]), distinct.gather(order)
    distinct = values.drop_nulls().unique().sort()
    lookup = distinct.to_frame("_v").with_row_index("_c")
    code = values.to_frame("_v").join(lookup, on="_v", how="left", maintain_order="left").get_column("_c")
    return code, distinct


def account_codes(posts: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """``account_id, a`` (codes ordered like the ids, so ``a < b`` holds for both) and each post's code.

    Computed once for all signals, as one column beside the posts rather than a
    join redone by every signal.

    Returns
    -------
    accounts, codes
        ``account_id, a``, one row per distinct account, and the code of each post's account.
    """
    codes, ids = _value_codes(posts.get_column("account_id"), by_value=True)
    return ids.alias("account_id").to_frame().with_row_index("a").select("account_id", "a"), codes.alias("a")


def encode_objects(raw: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Dense integer codes of a signal's objects, in the order of their hash (:func:`_value_codes`).

    Parameters
    ----------
    raw
        One signal's traces: ``_a`` (account code), ``object_id``, ``_p`` (post code), ``t``.

    Returns
    -------
    traces, objects
        ``a, o, p, t`` and the lookup ``o, object_id`` (sorted by ``o``).
    """
    code, distinct = _value_codes(raw.get_column("object_id"), by_value=False)
    objects = distinct.alias("object_id").to_frame().with_row_index("o")
    tr = raw.select(pl.col("_a").alias("a"), code.alias("o"), pl.col("_p").alias("p"), "t")
    return tr, objects
