"""The account graph as the report reads it: straight from the fused edges table, for the accounts it shows.

A networkx graph of every link costs a Python object per link (seconds at a few
hundred thousand links) while the report draws and counts only the links
between flagged accounts and those inside the networks it describes; these
come from the table with a join or two.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

__all__ = ["pairs", "degrees", "links_among", "links_inside"]


def pairs(fused: pl.DataFrame) -> pl.DataFrame:
    """``account_a, account_b, weight`` of every link, ``account_a < account_b``, one row per pair.

    A pair written twice (in both orders) keeps its last row, as a graph built
    edge by edge would.
    """
    a, b = pl.col("account_a"), pl.col("account_b")
    return (
        fused.select(pl.min_horizontal(a, b).alias("account_a"), pl.max_horizontal(a, b).alias("account_b"), "weight")
        .unique(["account_a", "account_b"], keep="last", maintain_order=True)
    )


def degrees(links: pl.DataFrame) -> pl.DataFrame:
    """``account_id, degree``: how many links each account of ``links`` has."""
    ends = pl.concat([links.select(pl.col("account_a").alias("account_id")),
                      links.select(pl.col("account_b").alias("account_id"))])  # fmt: skip
    return ends.group_by("account_id").agg(pl.len().cast(pl.Int64).alias("degree"))


def links_among(links: pl.DataFrame, accounts: pl.Series | Sequence[str]) -> pl.DataFrame:
    """The rows of ``links`` whose two accounts are both in ``accounts``."""
    ids = pl.Series("ids", accounts, dtype=pl.String).implode()
    return links.filter(pl.col("account_a").is_in(ids) & pl.col("account_b").is_in(ids))


def links_inside(links: pl.DataFrame, member: pl.DataFrame, key: str = "cluster_id") -> pl.DataFrame:
    """The rows of ``links`` between two accounts of the same network, with that network's ``key``.

    Parameters
    ----------
    links
        ``account_a, account_b, …``.
    member
        ``account_id`` and ``key``: one row per account.
    key
        Name of the network column of ``member``.

    Returns
    -------
    polars.DataFrame
        The columns of ``links`` and ``key``.
    """
    side = member.select("account_id", key)
    return (
        links.join(side.rename({"account_id": "account_a"}), on="account_a")
        .join(side.rename({"account_id": "account_b", key: "_other"}), on="account_b")
        .filter(pl.col(key) == pl.col("_other"))
        .drop("_other")
    )
