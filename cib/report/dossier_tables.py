"""The tables behind the dossiers, computed once for all the networks the page describes.

Each function takes the collection's tables and ``member`` (``account_id, cluster_id``:
one row per account of a described network) and returns frames keyed by
``cluster_id``; :mod:`cib.report.dossier` cuts them per network in one pass. Nothing
here filters per network, so the cost follows the described networks' members,
posts and evidence, not how many networks there are.

Evidence groups are the co-occurring post pairs inside a network grouped by signal
and object ("these 12 accounts posted this text within 14 s"): most accounts first,
then the strongest signal, then the fastest. Only the groups that can reach a
dossier have their posts' times looked up and their posts listed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import polars as pl

__all__ = ["members_of", "member_posts", "languages", "roster", "evidence_groups", "group_posts", "object_texts"]

_GROUP = ["cluster_id", "signal", "object_id"]
#: the order of a network's evidence groups: (column, descending)
_RANKING = (("n_accounts", True), ("_strength", True), ("span_s", False), ("n_pairs", True), ("signal", False),
            ("object_id", False))  # fmt: skip


def members_of(scores: pl.DataFrame, clusters: Collection[int]) -> pl.DataFrame:
    """``account_id, cluster_id`` of the accounts of the networks ``clusters`` (each account's first scored row)."""
    ids = pl.Series(list(clusters), dtype=pl.Int64).implode()
    return (
        scores.filter(pl.col("cluster_id").is_not_null())
        .unique("account_id", keep="first", maintain_order=True)
        .filter(pl.col("cluster_id").is_in(ids))
        .select("account_id", "cluster_id")
    )


def member_posts(posts: pl.DataFrame, member: pl.DataFrame) -> pl.DataFrame:
    """``post_id, account_id, created_at, cluster_id`` of every post by a member."""
    return posts.select("post_id", "account_id", "created_at").join(member, on="account_id")


def languages(posts: pl.DataFrame, member: pl.DataFrame) -> dict[int, str]:
    """Cluster id → the language most of its members' posts are in (where the source says), ties by name."""
    if "lang" not in posts.columns:
        return {}
    counted = (
        posts.select("account_id", pl.col("lang").cast(pl.String).str.strip_chars().str.to_lowercase())
        .filter(pl.col("lang").is_not_null() & (pl.col("lang") != "") & (pl.col("lang") != "und"))
        .join(member, on="account_id")
        .group_by("cluster_id", "lang")
        .agg(pl.len().alias("n"))
        .sort(["cluster_id", "n", "lang"], descending=[False, True, False])
        .unique("cluster_id", keep="first", maintain_order=True)
    )
    return {int(c): str(lang) for c, lang, _ in counted.iter_rows()}


def roster(
    scores: pl.DataFrame, accounts: pl.DataFrame, member: pl.DataFrame, posts: pl.DataFrame, degree: pl.DataFrame
) -> pl.DataFrame:
    """Every member with what the members table shows, in its order.

    Parameters
    ----------
    scores, accounts
        The collection's tables.
    member
        ``account_id, cluster_id`` of the described networks' accounts.
    posts
        Their posts (:func:`member_posts`).
    degree
        ``account_id, degree``: links inside the account's own network.

    Returns
    -------
    polars.DataFrame
        One row per member: network, then highest score, most links, account id.
    """
    people = accounts.unique("account_id", keep="first", maintain_order=True).select(
        "account_id", "handle", "display_name", pl.col("created_at").alias("account_created"), "followers",
        *(["platform"] if "platform" in accounts.columns else []),
    )
    scored = (
        scores.filter(pl.col("cluster_id").is_not_null())
        .unique("account_id", keep="first", maintain_order=True)
        .join(member.select("account_id"), on="account_id", how="semi")
    )
    return (
        scored.join(people, on="account_id", how="left")
        .join(posts.group_by("account_id").agg(pl.len().alias("posts_here")), on="account_id", how="left")
        .join(degree, on="account_id", how="left")
        .with_columns(pl.col("degree").fill_null(0))
        .sort(["cluster_id", "score", "degree", "account_id"], descending=[False, True, True, False], nulls_last=True)
    )


def _inside(evidence: pl.LazyFrame, member: pl.DataFrame, *post_columns: str) -> pl.LazyFrame:
    """The evidence pairs whose two accounts are in the same described network, accounts numbered (``ia, ib``)."""
    side = member.lazy().with_row_index("ix")
    return (
        evidence.select("signal", "object_id", "account_a", "account_b", *post_columns)
        .join(side.select(pl.col("account_id").alias("account_a"), "cluster_id", pl.col("ix").alias("ia")),
              on="account_a")
        .join(side.select(pl.col("account_id").alias("account_b"), pl.col("cluster_id").alias("_cb"),
                          pl.col("ix").alias("ib")), on="account_b")
        .filter(pl.col("cluster_id") == pl.col("_cb"))
        .select(*_GROUP, "ia", "ib", *post_columns)
    )  # fmt: skip


def _group_rows(evidence: pl.LazyFrame, member: pl.DataFrame, groups: pl.DataFrame) -> pl.DataFrame:
    """``cluster_id, signal, object_id, post_id``: the posts of ``groups``, once each."""
    # Few objects make the groups wanted: the pairs of other objects are dropped as they are read.
    objects = groups["object_id"].unique().implode()
    rows = _inside(evidence.filter(pl.col("object_id").is_in(objects)), member, "post_a", "post_b").join(
        groups.lazy().select(_GROUP), on=_GROUP, how="semi"
    )
    return pl.concat(
        [rows.select(*_GROUP, pl.col("post_a").alias("post_id")), rows.select(*_GROUP, pl.col("post_b").alias("post_id"))]
    ).unique().collect(engine="streaming")


def _times(posts: pl.DataFrame, ids: pl.Series) -> pl.DataFrame:
    """``post_id, created_at`` of the posts ``ids`` (a post id written twice: its first row)."""
    return (
        posts.select("post_id", "created_at")
        .filter(pl.col("post_id").is_in(ids.implode()))
        .unique("post_id", keep="first", maintain_order=True)
    )


def evidence_groups(
    evidence: pl.DataFrame | pl.LazyFrame, member: pl.DataFrame, posts: pl.DataFrame, strength: Mapping[str, float], keep: int
) -> tuple[pl.DataFrame, dict[int, int], pl.DataFrame]:
    """Each network's first ``keep`` evidence groups, and how many groups each has.

    Parameters
    ----------
    evidence, posts
        The collection's tables (the evidence may be a scan of its file: it is read
        twice, once for every pair's accounts and once for the posts of the groups kept).
    member
        ``account_id, cluster_id`` of the described networks' accounts.
    strength
        Signal → how much it says (``detect.fusion.weights``): orders groups of equal size.
    keep
        Groups wanted per network.

    Returns
    -------
    tuple
        The groups (``cluster_id, signal, object_id, n_pairs, min_delta_s, max_delta_s,
        n_accounts, span_s, rank``: the closest and farthest pair in the evidence, and first to last post;
        ``rank`` counts from 0 within a network), the number of groups per network, and
        the posts of these groups and a few more (``cluster_id, signal, object_id,
        post_id, created_at``, for :func:`group_posts`).
    """
    stats = (
        _inside(evidence.lazy(), member, "delta_s")
        .group_by(_GROUP)
        # Each side's distinct accounts first: counting over both sides at once keeps every pair in memory.
        .agg(pl.len().alias("n_pairs"), pl.col("ia").unique().alias("_a"), pl.col("ib").unique().alias("_b"),
             pl.col("delta_s").min().alias("min_delta_s"), pl.col("delta_s").max().alias("max_delta_s"))
        .with_columns(
            pl.concat_list("_a", "_b").list.n_unique().alias("n_accounts"),
            pl.col("signal").replace_strict(dict(strength), default=1.0, return_dtype=pl.Float64).alias("_strength"),
        )
        .drop("_a", "_b")
        .collect(engine="streaming")  # the pairs pass through in batches: the join of every pair is never held whole
    )
    totals = dict(stats.group_by("cluster_id").agg(pl.len()).iter_rows())
    # Only the groups that tie with or beat a network's keep-th on size and signal can rank among its
    # first keep: their posts' times break the ties, and need looking up for no other group.
    by_size = stats.sort(["cluster_id", "n_accounts", "_strength"], descending=[False, True, True])
    bar = by_size.group_by("cluster_id", maintain_order=True).agg(
        pl.col("n_accounts").slice(max(keep - 1, 0), 1).first().alias("_na"),
        pl.col("_strength").slice(max(keep - 1, 0), 1).first().alias("_st"),
    )
    na, st = pl.col("n_accounts"), pl.col("_strength")
    near = (
        stats.join(bar, on="cluster_id")
        .filter(pl.col("_na").is_null() | (na > pl.col("_na")) | ((na == pl.col("_na")) & (st >= pl.col("_st"))))
        .drop("_na", "_st")
    )
    rows = _group_rows(evidence.lazy(), member, near)
    rows = rows.join(_times(posts, rows["post_id"]), on="post_id", how="left")
    spans = (
        rows.group_by(_GROUP)
        .agg(((pl.col("created_at").max() - pl.col("created_at").min()).dt.total_microseconds() / 1e6).alias("span_s"))
    )
    ranked = (
        near.join(spans, on=_GROUP, how="left")
        .sort(["cluster_id", *(c for c, _ in _RANKING)], descending=[False, *(d for _, d in _RANKING)], nulls_last=True)
        .group_by("cluster_id", maintain_order=True)
        .head(max(keep, 0))
        .with_columns(pl.int_range(pl.len()).over("cluster_id").alias("rank"))
        .drop("_strength")
    )
    return ranked, totals, rows


def group_posts(
    rows: pl.DataFrame, groups: pl.DataFrame, posts: pl.DataFrame, accounts: pl.DataFrame, limit: int
) -> tuple[dict[tuple[int, int], int], pl.DataFrame]:
    """The posts of the evidence groups shown: how many each has, and the first ``limit`` of each.

    Parameters
    ----------
    rows
        The groups' posts (from :func:`evidence_groups`).
    groups
        The groups shown (``cluster_id, signal, object_id, rank``).
    posts, accounts
        The collection's tables.
    limit
        Posts listed per group (earliest first).

    Returns
    -------
    tuple
        ``(cluster_id, rank)`` → posts in the group, and the listed posts with their
        ``cluster_id, rank`` and the author's ``handle``.
    """
    rows = rows.select(*_GROUP, "post_id").join(groups.select(*_GROUP, "rank"), on=_GROUP)
    counts = {(c, r): n for c, r, n in rows.group_by("cluster_id", "rank").agg(pl.len()).iter_rows()}
    columns = ("post_id", "account_id", "created_at", "text", "urls", "hashtags", "platform", "source_file", "source_row")
    found = posts.select(columns).filter(pl.col("post_id").is_in(rows["post_id"].implode()))
    handles = accounts.unique("account_id", keep="first", maintain_order=True).select("account_id", "handle")
    listed = (
        rows.select("cluster_id", "rank", "post_id")
        .join(found.unique("post_id", keep="first", maintain_order=True), on="post_id")
        .sort(["cluster_id", "rank", "created_at", "post_id"])
        .group_by("cluster_id", "rank", maintain_order=True)
        .head(max(limit, 0))
        .join(handles, on="account_id", how="left", maintain_order="left")
    )
    return counts, listed


def object_texts(groups: pl.DataFrame, posts: pl.DataFrame) -> dict[str, str]:
    """The texts of the posts among ``groups``' objects: reshared, replied to, or told again in other words.

    Keyed by object id (a post id; ``para:<post id>`` for ``co_paraphrase``).
    """
    ids = groups.filter(pl.col("signal").is_in(["co_reshare", "co_reply"]))["object_id"].unique()
    told = groups.filter(pl.col("signal") == "co_paraphrase")["object_id"].unique().str.strip_prefix("para:")
    found = posts.select("post_id", "text").filter(pl.col("post_id").is_in(pl.concat([ids, told]).implode()))
    texts = dict(found.unique("post_id", keep="first", maintain_order=True).drop_nulls("text").iter_rows())
    return {**texts, **{f"para:{k}": texts[k] for k in told.to_list() if k in texts}}
