"""Co-action features: how much each clustered account acts together with its cluster.

:func:`co_shared` counts the members' posts that repeat an object (a reshared
or replied-to post, a link, a text, an image) another member also posted;
links are compared after :func:`quick_canonical` (:func:`url_lookup`).
:func:`attachment` measures each account's ties to its own cluster in the
fused graph, and :func:`weak_signals` says which signals do not count as a
strong tie. :func:`own_articles` measures how far the members reshare each
other's own link posts, as a newsroom does; :func:`shared_client` finds the
posting app a cluster's posts come from and how rare it is elsewhere.
:mod:`cib.network.features` re-exports every public name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from cib.normalise import text_key

if TYPE_CHECKING:
    from cib.config import Config
    from cib.network.cluster import Links

__all__ = [
    "TIMING_SIGNALS",
    "attachment",
    "co_shared",
    "own_articles",
    "quick_canonical",
    "shared_client",
    "url_lookup",
    "weak_signals",
]

#: signals that say *when* accounts act, not *what* they share
TIMING_SIGNALS = frozenset({"sync"})

_TRACKING = r"(?i)(^|&)(utm_[^=&]*|fbclid|gclid|dclid|igshid|mc_cid|mc_eid|yclid|_ga|ref_src|ref_url|si)=[^&]*"


def quick_canonical(expr: pl.Expr) -> pl.Expr:
    """A fast, vectorised approximation of :func:`cib.normalise.canonical_url` for features.

    Drops the scheme, ``www.``/``m.``, the fragment, common tracking parameters and a
    trailing slash, and lower-cases the host. Detection uses the exact
    canonicalisation (ural); counting a cluster's repeated links only needs
    copies of one link to agree, at a fraction of the cost.
    """
    bare = expr.str.strip_chars().str.replace(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://", "").str.replace(r"#.*$", "")
    host = bare.str.extract(r"^([^/?#]*)").str.to_lowercase().str.replace(r"^(?:www\d*|m)\.", "")
    rest = bare.str.extract(r"^[^/?#]*(.*)$")
    path = rest.str.extract(r"^([^?]*)")
    query = rest.str.extract(r"\?(.*)$").str.replace_all(_TRACKING, "").str.strip_chars("&")
    query = pl.when(query.is_null() | (query == "")).then(pl.lit("")).otherwise(pl.concat_str(pl.lit("?"), query))
    return pl.concat_str(host, path.fill_null("").str.strip_chars_end("/"), query)


def url_lookup(posts: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """``raw, canonical`` for every distinct link in the members' posts (:func:`quick_canonical`)."""
    raw = (
        posts.lazy()
        .join(members.lazy(), on="account_id", how="semi")
        .select(pl.col("urls").alias("raw"))
        .explode("raw")
        .filter(pl.col("raw").is_not_null() & (pl.col("raw") != ""))
        .unique()
        .sort("raw")
        .collect()
    )
    if raw.height == 0:
        return pl.DataFrame(schema={"raw": pl.String, "canonical": pl.String})
    return raw.with_columns(quick_canonical(pl.col("raw")).alias("canonical"))


def co_shared(
    posts: pl.DataFrame, members: pl.DataFrame, min_chars: int, urls: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Share of members' posts that repeat an object another member of their cluster also posted.

    Objects are the post reshared, the post replied to, a canonical link, the
    normalised text (at least ``min_chars``) and an image id; hashtags and
    mentions are left out (communities share them by nature). Any time counts,
    not only within a detection window: a shared script shows over days.

    Parameters
    ----------
    posts, members
        Canonical posts; ``account_id, cluster_id`` of clustered accounts.
    min_chars
        Shortest normalised text that counts.
    urls
        :func:`url_lookup` of the same posts, when already computed.

    Returns
    -------
    tuple of polars.DataFrame
        Per cluster ``cluster_id, co_share, script_objects, identical_text_share``
        (``script_objects``: distinct objects repeated by two or more members;
        ``identical_text_share``: share of the members' original posts whose
        text another member also posted) and per account ``account_id, co_share``.
    """
    # the members' posts once, not once per object kind below
    lf = posts.lazy().with_row_index("_r").join(members.lazy(), on="account_id", how="inner").collect().lazy()
    have = set(posts.columns)
    cols = ("_r", "cluster_id", "account_id")
    parts = []
    if "reshare_of" in have:
        parts.append(lf.select(*cols, pl.concat_str(pl.lit("r:"), "reshare_of").alias("o")))
    if "reply_to" in have:
        parts.append(lf.select(*cols, pl.concat_str(pl.lit("p:"), "reply_to").alias("o")))
    if "media" in have:
        parts.append(
            lf.select(*cols, pl.col("media").alias("o"))
            .explode("o")
            .with_columns(pl.concat_str(pl.lit("m:"), pl.col("o").cast(pl.String)).alias("o"))
        )
    if "urls" in have:
        if urls is None:
            urls = url_lookup(posts, members)
        parts.append(
            lf.select(*cols, pl.col("urls").alias("raw"))
            .explode("raw")
            .join(urls.lazy(), on="raw", how="inner")
            .select(*cols, pl.concat_str(pl.lit("u:"), "canonical").alias("o"))
        )
    texts = None
    if "text" in have:
        orig = lf.filter(pl.col("reshare_of").is_null()) if "reshare_of" in have else lf
        texts = orig.select(*cols, pl.concat_str(pl.lit("t:"), text_key(pl.col("text"), min_chars=min_chars)).alias("o")).collect()
    long = pl.concat([p.collect() for p in parts] + ([texts] if texts is not None else [])) if parts or texts is not None else None
    n = lf.group_by("cluster_id").agg(pl.len().alias("n")).collect()
    n_acc = lf.group_by("account_id").agg(pl.len().alias("n")).collect()
    if long is None:
        long = pl.DataFrame(schema={"_r": pl.UInt32, "cluster_id": pl.Int64, "account_id": pl.String, "o": pl.String})
    long = long.filter(pl.col("o").is_not_null())
    repeated = long.filter(pl.col("account_id").n_unique().over("cluster_id", "o") > 1)
    marked = repeated.group_by("cluster_id").agg(
        pl.col("_r").n_unique().alias("k"), pl.col("o").n_unique().cast(pl.Int64).alias("script_objects")
    )
    per_account = n_acc.join(
        repeated.group_by("account_id").agg(pl.col("_r").n_unique().alias("k")), on="account_id", how="left"
    ).select("account_id", (pl.col("k").fill_null(0) / pl.col("n")).alias("co_share"))
    per_cluster = n.join(marked, on="cluster_id", how="left").select(
        "cluster_id",
        (pl.col("k").fill_null(0) / pl.col("n")).alias("co_share"),
        pl.col("script_objects").fill_null(0).cast(pl.Int64),
    )
    if texts is not None and texts.height:
        rep = repeated.filter(pl.col("o").str.starts_with("t:")).select("_r").unique().with_columns(pl.lit(True).alias("_rep"))
        ident = (
            texts.select("_r", "cluster_id").join(rep, on="_r", how="left")
            .group_by("cluster_id")
            .agg(pl.col("_rep").fill_null(False).mean().alias("identical_text_share"))
        )
        per_cluster = per_cluster.join(ident, on="cluster_id", how="left")
    else:
        per_cluster = per_cluster.with_columns(pl.lit(None, pl.Float64).alias("identical_text_share"))
    return per_cluster, per_account


def own_articles(posts: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Per cluster: the share of its members' reshares that reshare a member's own post linking to its own site.

    A newsroom's journalists reshare their colleagues' articles: the posts they
    co-share are the cluster's own, and each links to the outlet's domain. An
    operation amplifies posts without links or other people's. A member's site
    is the domain most of its link posts link to (first link of each post), so
    two outlets in one cluster count alike; ``own_domain`` is the site most of
    the cluster's own-article reshares go to.

    Parameters
    ----------
    posts
        Canonical posts.
    members
        ``account_id, cluster_id``.

    Returns
    -------
    polars.DataFrame
        ``cluster_id, own_articles, own_domain``; ``own_articles`` is null for a
        cluster whose members reshare nothing, ``own_domain`` when no reshared
        post is a member's link post.
    """
    schema = {"cluster_id": pl.Int64, "own_articles": pl.Float64, "own_domain": pl.String}
    mine = posts.lazy().select("post_id", "account_id", "reshare_of", "urls").join(members.lazy(), on="account_id")
    # a canonical or raw link alike: the host is what follows the scheme, before the first / ? #
    host = pl.col("urls").list.first().str.replace(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://", "").str.extract(r"^([^/?#]+)")
    linked = mine.filter(pl.col("reshare_of").is_null() & (pl.col("urls").list.len() > 0)).select(
        pl.col("post_id").alias("reshare_of"), "account_id", pl.col("cluster_id").alias("tc"),
        host.str.to_lowercase().str.replace(r"^www\.", "").alias("domain"),
    )
    # each author's own site: the domain most of its link posts link to (two outlets merged into
    # one cluster each reshare their own, so the cluster as a whole has more than one)
    site = (
        linked.group_by("account_id", "domain").agg(pl.len().alias("k"))
        .sort(["account_id", "k", "domain"], descending=[False, True, False])
        .group_by("account_id", maintain_order=True).first()
        .select("account_id", pl.col("domain").alias("site"))
    )
    own = linked.join(site, on="account_id").filter(pl.col("domain") == pl.col("site")).drop("account_id", "site")
    shares = (
        mine.filter(pl.col("reshare_of").is_not_null())
        .select("cluster_id", "reshare_of")
        .join(own, on="reshare_of", how="left")
        .with_columns(pl.when(pl.col("tc") == pl.col("cluster_id")).then(pl.col("domain")).alias("domain"))
        .collect()
    )
    if shares.height == 0:
        return pl.DataFrame(schema=schema)
    top = (
        shares.drop_nulls("domain").group_by("cluster_id", "domain").agg(pl.len().alias("n"))
        .sort(["cluster_id", "n", "domain"], descending=[False, True, False])
        .group_by("cluster_id", maintain_order=True).agg(pl.col("domain").first(), pl.col("n").sum())
    )
    total = shares.group_by("cluster_id").agg(pl.len().alias("total"))
    return (
        total.join(top, on="cluster_id", how="left")
        .select(
            pl.col("cluster_id").cast(pl.Int64),
            (pl.col("n").fill_null(0) / pl.col("total")).cast(pl.Float64).alias("own_articles"),
            pl.col("domain").alias("own_domain"),
        )
    )


#: the columns :func:`shared_client` gives
CLIENT_SCHEMA = {
    "cluster_id": pl.Int64, "client": pl.String, "client_share": pl.Float64, "client_known": pl.Float64,
    "client_members": pl.Float64, "client_elsewhere": pl.Float64,
}  # fmt: skip


def shared_client(posts: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Per cluster: the posting app most of its posts came from, and how common that app is outside it.

    An app the whole collection uses (the platform's own) says nothing; an
    automation tool that every member, and hardly anyone else, posts from is a
    sign of one operator. Only posts whose app the source names are counted.

    Parameters
    ----------
    posts
        Canonical posts (without a ``client`` column, as in tables written
        before it existed, every value is null).
    members
        ``account_id, cluster_id``.

    Returns
    -------
    polars.DataFrame
        ``cluster_id``; ``client``, the app of most of its posts (ties: the
        first name); ``client_share``, its share of the cluster's posts with a
        known app; ``client_known``, the share of the cluster's posts whose app
        is known; ``client_members``, the share of members who posted from it;
        ``client_elsewhere``, its share of the known-app posts of accounts
        outside the cluster (null when there are none). Clusters without a
        known app are absent.
    """
    if "client" not in posts.columns:
        return pl.DataFrame(schema=CLIENT_SCHEMA)
    known = posts.lazy().select("account_id", "client").filter(pl.col("client").is_not_null())
    overall = known.group_by("client").agg(pl.len().alias("all_n")).collect()
    total = int(overall["all_n"].sum()) if overall.height else 0
    mine = known.join(members.lazy(), on="account_id").collect()
    if mine.height == 0:
        return pl.DataFrame(schema=CLIENT_SCHEMA)
    counts = mine.group_by("cluster_id", "client").agg(pl.len().alias("n"), pl.col("account_id").n_unique().alias("users"))
    top = counts.sort(["cluster_id", "n", "client"], descending=[False, True, False]).group_by("cluster_id", maintain_order=True).first()
    per_cluster = mine.group_by("cluster_id").agg(pl.len().alias("known_n"))
    posted = posts.lazy().select("account_id").join(members.lazy(), on="account_id").group_by("cluster_id").agg(pl.len().alias("posts_n")).collect()
    sizes = members.group_by("cluster_id").agg(pl.len().alias("size"))
    outside = (total - pl.col("known_n")).cast(pl.Float64)
    return (
        top.join(per_cluster, on="cluster_id").join(posted, on="cluster_id").join(sizes, on="cluster_id").join(overall, on="client")
        .select(
            pl.col("cluster_id").cast(pl.Int64),
            "client",
            (pl.col("n") / pl.col("known_n")).cast(pl.Float64).alias("client_share"),
            (pl.col("known_n") / pl.col("posts_n")).cast(pl.Float64).alias("client_known"),
            (pl.col("users") / pl.col("size")).cast(pl.Float64).alias("client_members"),
            pl.when(outside > 0).then((pl.col("all_n") - pl.col("n")) / outside).cast(pl.Float64).alias("client_elsewhere"),
        )
        .sort("cluster_id")
    )


def weak_signals(cfg: Config) -> frozenset[str]:
    """Signals that cannot make coordination on their own (``score.weak_signals`` and timing)."""
    return frozenset(str(s) for s in cfg["score.weak_signals"]) | TIMING_SIGNALS


def attachment(links: Links, membership: dict[str, int], cfg: Config) -> pl.DataFrame:
    """How strongly each account of the clustered graph is tied to its own cluster.

    Parameters
    ----------
    links
        The clustered graph (:attr:`cib.network.cluster.ClusterResult.links`).
    membership
        Account id → cluster id.
    cfg
        Effective configuration (``score.weak_signals``).

    Returns
    -------
    polars.DataFrame
        One row per account of the graph, sorted: ``account_id, cluster_id,
        degree_in, strong_degree_in, strength_in, strength, share_in``: neighbours in
        the cluster, those linked by a strong signal (one not in :func:`weak_signals`;
        a link whose signals are not known counts as strong), fused weight to the
        cluster, all fused weight, and their ratio.
    """
    weak = sorted(weak_signals(cfg))
    t = links.table
    both = pl.concat(
        [
            t.select(pl.col("account_a").alias("node"), pl.col("account_b").alias("nbr"), "weight", "signals"),
            t.select(pl.col("account_b").alias("node"), pl.col("account_a").alias("nbr"), "weight", "signals"),
        ]
    )
    clusters = pl.DataFrame(
        {"node": list(membership), "c": list(membership.values())}, schema={"node": pl.String, "c": pl.Int64}
    )
    both = both.join(clusters, on="node", how="left").join(clusters.rename({"node": "nbr", "c": "cn"}), on="nbr", how="left")
    inside = (pl.col("c").is_not_null() & (pl.col("c") == pl.col("cn"))).fill_null(False)
    strong = (pl.col("signals").list.len() == 0) | (pl.col("signals").list.set_difference(pl.lit(weak, pl.List(pl.String))).list.len() > 0)
    per = both.group_by("node").agg(
        inside.sum().cast(pl.Int64).alias("degree_in"),
        (inside & strong).sum().cast(pl.Int64).alias("strong_degree_in"),
        pl.col("weight").filter(inside).sum().alias("strength_in"),
        pl.col("weight").sum().alias("strength"),
    )
    out = (
        pl.DataFrame({"account_id": links.nodes}, schema={"account_id": pl.String})
        .join(clusters.rename({"node": "account_id", "c": "cluster_id"}), on="account_id", how="left")
        .join(per.rename({"node": "account_id"}), on="account_id", how="left")
        .with_columns(
            pl.col("degree_in", "strong_degree_in").fill_null(0),
            pl.col("strength_in", "strength").fill_null(0.0),
        )
        .with_columns(
            pl.when(pl.col("strength") > 0).then(pl.col("strength_in") / pl.col("strength")).otherwise(0.0).alias("share_in")
        )
    )
    return out.select(
        "account_id", "cluster_id", "degree_in", "strong_degree_in", "strength_in", "strength", "share_in"
    ).sort("account_id")
