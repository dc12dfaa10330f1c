"""Account and cluster features: the measurements behind every label and reason.

This module holds the cluster features (:func:`cluster_features`,
:data:`CLUSTER_FEATURES`, :func:`cluster_members`, :func:`intra_edges`) and
re-exports the account features of :mod:`cib.network.account_features` and the
co-action features of :mod:`cib.network.coaction_features`, so
``from cib.network.features import …`` reaches every feature. Everything is computed with Polars on the canonical tables; times are
read in ``score.timezone``. :doc:`docs/labels.md` explains each feature in
plain words.

Client/app concentration (:func:`shared_client`) is measured where the source
names the posting app (the optional ``client`` column of posts).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

# _local: cluster active hours use the same local clock as the account features
from cib.network.account_features import (
    ACCOUNT_FEATURES,
    _local,
    account_features,
    handle_template,
    hours,
    numbers,
    timezone,
)
from cib.network.coaction_features import (
    TIMING_SIGNALS,
    attachment,
    co_shared,
    own_articles,
    quick_canonical,
    shared_client,
    url_lookup,
    weak_signals,
)
from cib.schema import TIME

if TYPE_CHECKING:
    from cib.config import Config
    from cib.network.cluster import ClusterResult

__all__ = [
    "ACCOUNT_FEATURES",
    "CLUSTER_FEATURES",
    "TIMING_SIGNALS",
    "account_features",
    "attachment",
    "cluster_features",
    "cluster_members",
    "co_shared",
    "handle_template",
    "hours",
    "intra_edges",
    "intra_evidence_of",
    "own_articles",
    "quick_canonical",
    "shared_client",
    "url_lookup",
    "timezone",
    "numbers",
    "weak_signals",
]

CLUSTER_FEATURES: dict[str, pl.DataType] = {
    "cluster_id": pl.Int64(),
    "size": pl.Int64(),
    "stability": pl.Float64(),
    "density": pl.Float64(),
    "edges": pl.Int64(),
    "hub_share": pl.Float64(),
    "mean_weight": pl.Float64(),
    "n_posts": pl.Int64(),
    "first_at": TIME,
    "last_at": TIME,
    "signals": pl.List(pl.String()),
    "signal_shares": pl.String(),  # JSON: signal → share of the cluster's fused weight
    "content_share": pl.Float64(),
    "content_degree": pl.Float64(),
    "pair_objects": pl.Float64(),
    "objects": pl.Int64(),
    "top_signal": pl.String(),
    "top_signal_objects": pl.Int64(),
    "median_delta_s": pl.Float64(),
    "reshare_share": pl.Float64(),
    "reply_share": pl.Float64(),
    "identical_text_share": pl.Float64(),
    "co_share": pl.Float64(),
    "script_objects": pl.Int64(),
    "coverage": pl.Float64(),
    "age_days": pl.Float64(),
    "followers": pl.Float64(),
    "followers_known": pl.Float64(),
    "own_articles": pl.Float64(),
    "own_domain": pl.String(),
    "creation_share": pl.Float64(),
    "creation_from": TIME,
    "creation_to": TIME,
    "creation_known": pl.Float64(),
    "digit_handle_share": pl.Float64(),
    "handle_known": pl.Float64(),
    "template_share": pl.Float64(),
    "template": pl.String(),
    "hour_entropy": pl.Float64(),
    "night_share": pl.Float64(),
    "work_share": pl.Float64(),
    "weekday_share": pl.Float64(),
    "active_hours": pl.Int64(),
    "gap_cv": pl.Float64(),
    "client": pl.String(),
    "client_share": pl.Float64(),
    "client_known": pl.Float64(),
    "client_members": pl.Float64(),
    "client_elsewhere": pl.Float64(),
}


def cluster_members(membership: Mapping[str, int]) -> pl.DataFrame:
    """Membership as a frame.

    Parameters
    ----------
    membership
        Cluster id by account id (:attr:`cib.network.cluster.ClusterResult.membership`).

    Returns
    -------
    polars.DataFrame
        ``account_id`` (String) and ``cluster_id`` (Int64), in the mapping's order.
    """
    return pl.DataFrame(
        {"account_id": list(membership), "cluster_id": list(membership.values())},
        schema={"account_id": pl.String, "cluster_id": pl.Int64},
    )


def intra_edges(edges: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """Edges with both ends in one cluster, with that cluster id."""
    a = members.rename({"account_id": "account_a", "cluster_id": "ca"})
    b = members.rename({"account_id": "account_b", "cluster_id": "cb"})
    return (
        edges.join(a, on="account_a", how="inner")
        .join(b, on="account_b", how="inner")
        .filter(pl.col("ca") == pl.col("cb"))
        .rename({"ca": "cluster_id"})
        .drop("cb")
    )


def intra_evidence_of(evidence: pl.DataFrame | pl.LazyFrame, members: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """Evidence pairs with both accounts in one cluster, in the columns the cluster features read, and their objects.

    ``cluster_id, signal, object_id, delta_s`` and the two accounts as their row
    numbers in ``members`` (UInt32): a large collection's evidence runs to millions
    of pairs inside its networks, and its post ids and account names are not read here.
    ``object_id`` is a ``UInt32`` code too, numbering the distinct objects in their
    sorted order (so that codes sort as the objects do); the objects, in code order,
    come second. Counting distinct objects over codes rather than their text (URLs,
    whole texts) takes a fraction of the memory (3 M posts: 8 M pairs, 2.1 GB less).
    """
    codes = members.with_row_index("code")
    side = {
        end: codes.lazy().select(
            pl.col("account_id").alias(f"account_{end}"), pl.col("cluster_id").alias(f"c{end}"), pl.col("code").alias(end)
        )
        for end in ("a", "b")
    }
    inside = (
        evidence.lazy()
        .select("signal", "object_id", "account_a", "account_b", "delta_s")
        .join(side["a"], on="account_a", how="inner")
        .join(side["b"], on="account_b", how="inner")
        .filter(pl.col("ca") == pl.col("cb"))
        .select(
            pl.col("ca").alias("cluster_id"), "signal", "object_id", "delta_s",
            pl.col("a").alias("account_a"), pl.col("b").alias("account_b"),
        )  # fmt: skip
    )
    # the distinct objects first, then the pairs with their codes: the objects' text is never held per pair
    objects = inside.select(pl.col("object_id").drop_nulls().unique().sort()).collect().to_series()
    lookup = objects.to_frame().with_row_index("_code").lazy()
    coded = inside.join(lookup, on="object_id", how="left", maintain_order="left")
    return coded.with_columns(pl.col("_code").alias("object_id")).drop("_code").collect(), objects


def _creation(acc: pl.DataFrame, days: float) -> pl.DataFrame:
    """Largest share of a cluster's members created within ``days`` of each other."""
    span = int(days * 86400 * 1_000_000)
    known = acc.filter(pl.col("created_at").is_not_null()).select(
        "cluster_id", pl.col("created_at").dt.epoch("us").alias("c")
    )
    sizes = acc.group_by("cluster_id").agg(pl.len().alias("size"))
    if known.height == 0:
        return sizes.select(
            "cluster_id",
            pl.lit(None, pl.Float64).alias("creation_share"),
            pl.lit(None, TIME).alias("creation_from"),
            pl.lit(None, TIME).alias("creation_to"),
            pl.lit(0.0).alias("creation_known"),
        )
    ranked = known.sort("cluster_id", "c").with_columns(
        pl.int_range(pl.len()).over("cluster_id").alias("i")
    )
    # for each member, how many were created in [c, c + span]: a sliding window per cluster
    out = []
    for (cid,), grp in ranked.group_by(["cluster_id"], maintain_order=True):
        c = grp["c"].to_numpy()
        ends = np.searchsorted(c, c + span, side="right")
        counts = ends - np.arange(len(c))
        best = int(np.argmax(counts))
        out.append(
            {
                "cluster_id": cid,
                "n_window": int(counts[best]),
                "from_us": int(c[best]),
                "to_us": int(c[ends[best] - 1]),
                "known": len(c),
            }
        )
    win = pl.DataFrame(out, schema={"cluster_id": pl.Int64, "n_window": pl.Int64, "from_us": pl.Int64, "to_us": pl.Int64, "known": pl.Int64})
    return sizes.join(win, on="cluster_id", how="left").select(
        "cluster_id",
        (pl.col("n_window") / pl.col("size")).alias("creation_share"),
        pl.col("from_us").cast(TIME).alias("creation_from"),
        pl.col("to_us").cast(TIME).alias("creation_to"),
        (pl.col("known").fill_null(0) / pl.col("size")).alias("creation_known"),
    )


def cluster_features(
    posts: pl.DataFrame,
    account_feats: pl.DataFrame,
    edges: pl.DataFrame,
    clustering: ClusterResult,
    cfg: Config,
    evidence: pl.DataFrame | None = None,
    *,
    attach: pl.DataFrame | None = None,
    co: tuple[pl.DataFrame, pl.DataFrame] | None = None,
    intra: pl.DataFrame | None = None,
    intra_evidence: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Features of each cluster.

    Parameters
    ----------
    posts
        Canonical posts.
    account_feats
        From :func:`account_features` (at least every clustered account).
    edges
        The edges table (all signals).
    clustering
        From :func:`cib.network.cluster.cluster_graph`.
    cfg
        Effective configuration.
    evidence
        The evidence table, for the speed of co-actions (``min_delta_s`` of the
        edges is used without it).
    attach, co, intra, intra_evidence
        :func:`attachment`, :func:`co_shared` and :func:`intra_edges` of the
        edges and of the evidence, when already computed.

    Returns
    -------
    polars.DataFrame
        :data:`CLUSTER_FEATURES` columns, one row per cluster, sorted by id.
    """
    members = cluster_members(clustering.membership)
    if members.height == 0:
        return pl.DataFrame(schema=CLUSTER_FEATURES)
    multipliers = {str(k): float(v) for k, v in dict(cfg["detect.fusion.weights"]).items()}
    intra = (intra if intra is not None else intra_edges(edges, members)).with_columns(
        (
            pl.col("weight").fill_null(0.0)
            * pl.col("signal").replace_strict(multipliers, default=1.0, return_dtype=pl.Float64)
        ).alias("fw"),
        pl.col("signal").is_in(list(TIMING_SIGNALS)).not_().alias("content"),
    )
    sizes = members.group_by("cluster_id").agg(pl.len().cast(pl.Int64).alias("size"))
    struct = _structure(clustering)
    sig = _signal_mix(intra)
    content = intra.filter(pl.col("content"))
    pair_stats, deg_stats = _repeated_co_action(content, sizes)
    if intra_evidence is not None or (isinstance(evidence, pl.DataFrame) and evidence.height):
        ev = intra_evidence if intra_evidence is not None else intra_evidence_of(evidence, members)[0]
        objects, top_objects = _objects_from_evidence(ev, sig)
    else:
        objects, top_objects = _objects_from_edges(intra, content, sig)
    behaviour, active_hours, templ, creation = _member_behaviour(posts, account_feats, members, cfg)
    coshare, taking_part = _participation(posts, members, clustering, cfg, attach, co)
    own = own_articles(posts, members)
    client = shared_client(posts, members)

    out = sizes
    for frame in (struct, sig, pair_stats, deg_stats, objects, top_objects, behaviour, active_hours, templ, creation, coshare,
                  taking_part, own, client):
        out = out.join(frame, on="cluster_id", how="left")
    out = out.with_columns(
        pl.col("signals").fill_null(pl.lit([], pl.List(pl.String))),
        pl.col("content_share").fill_null(0.0),
        pl.col("pair_objects").fill_null(0.0),
        pl.col("objects").fill_null(0),
    )
    return out.select([pl.col(c).cast(t) for c, t in CLUSTER_FEATURES.items()]).sort("cluster_id")


def _structure(clustering: ClusterResult) -> pl.DataFrame:
    """Edges, density, mean weight, hub share (the most-linked member's share of the links) and stability of each cluster in the fused graph."""
    sizes = pl.DataFrame(
        {"cluster_id": list(clustering.sizes), "size": list(clustering.sizes.values())},
        schema={"cluster_id": pl.Int64, "size": pl.Int64},
    ).sort("cluster_id")
    stability = pl.Series("stability", [float(clustering.stability.get(c, 1.0)) for c in sizes["cluster_id"]], pl.Float64)
    inside = pl.DataFrame(schema={"cluster_id": pl.Int64, "edges": pl.UInt32, "weight": pl.Float64, "hub": pl.UInt32})
    links = clustering.table().table
    if links.height:
        member = cluster_members(clustering.membership)
        inside = (
            links.select("account_a", "account_b", "weight")
            .join(member.rename({"account_id": "account_a", "cluster_id": "ca"}), on="account_a")
            .join(member.rename({"account_id": "account_b"}), on="account_b")
            .filter(pl.col("ca") == pl.col("cluster_id"))
            .group_by("cluster_id")
            .agg(pl.len().alias("edges"), pl.col("weight").sum(),
                 # the links of the member in most of them: 1 for a star, one account and its audience
                 pl.concat_list("account_a", "account_b").list.explode(keep_nulls=False, empty_as_null=False)
                 .unique_counts().max().alias("hub"))
        )
    m = pl.col("edges").fill_null(0).cast(pl.Int64)
    return (
        sizes.with_columns(stability)
        .join(inside, on="cluster_id", how="left")
        .select(
            "cluster_id",
            m.alias("edges"),
            pl.when(pl.col("size") > 1).then(2.0 * m / (pl.col("size") * (pl.col("size") - 1))).otherwise(0.0).alias("density"),
            pl.when(m > 0).then(pl.col("weight") / m).otherwise(0.0).alias("mean_weight"),
            pl.when(m > 0).then(pl.col("hub").cast(pl.Int64) / m).otherwise(0.0).alias("hub_share"),
            "stability",
        )
    )


def _signal_mix(intra: pl.DataFrame) -> pl.DataFrame:
    """Which signals hold each cluster together: their order, shares of fused weight, content share, top signal."""
    by_sig = (
        intra.group_by("cluster_id", "signal")
        .agg(pl.col("fw").sum().alias("w"), pl.len().alias("n"), pl.col("n_objects").sum().alias("obj"))
        .with_columns((pl.col("w") / pl.col("w").sum().over("cluster_id")).alias("share"))
        .sort(["cluster_id", "share", "signal"], descending=[False, True, False])
    )
    sig = by_sig.group_by("cluster_id", maintain_order=True).agg(
        pl.col("signal").alias("signals"),
        pl.struct("signal", pl.col("share").round(4)).alias("_shares"),
        pl.col("share").filter(~pl.col("signal").is_in(list(TIMING_SIGNALS))).sum().alias("content_share"),
        pl.col("signal").first().alias("top_signal"),
    )
    return sig.with_columns(
        pl.col("_shares")
        .list.eval(pl.concat_str(pl.lit('"'), pl.element().struct.field("signal"), pl.lit('": '),
                                 pl.element().struct.field("share").cast(pl.String)))
        .list.join(", ")
        .pipe(lambda e: pl.concat_str(pl.lit("{"), e, pl.lit("}")))
        .alias("signal_shares")
    ).drop("_shares")


def _repeated_co_action(content: pl.DataFrame, sizes: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Repeated co-action on content signals: distinct objects per linked pair, and links per member."""
    pair = content.group_by("cluster_id", "account_a", "account_b").agg(pl.col("n_objects").max().alias("obj"))
    pair_stats = pair.group_by("cluster_id").agg(pl.col("obj").median().alias("pair_objects"))
    deg = pl.concat(
        [pair.select("cluster_id", pl.col("account_a").alias("account_id")), pair.select("cluster_id", pl.col("account_b").alias("account_id"))]
    ).group_by("cluster_id", "account_id").agg(pl.len().alias("d"))
    deg_stats = sizes.join(deg.group_by("cluster_id").agg(pl.col("d").sum().alias("dsum")), on="cluster_id", how="left").select(
        "cluster_id", (pl.col("dsum").fill_null(0) / pl.col("size")).alias("content_degree")
    )
    return pair_stats, deg_stats


def _objects_from_evidence(ev: pl.DataFrame, sig: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Distinct objects co-shared inside each cluster and the speed, from its evidence; objects of its top signal."""
    # lazily, so that the filtered and joined copies of millions of pairs are never held
    objects = ev.lazy().filter(~pl.col("signal").is_in(list(TIMING_SIGNALS))).group_by("cluster_id").agg(
        pl.struct("signal", "object_id").n_unique().cast(pl.Int64).alias("objects"),
        pl.col("delta_s").median().alias("median_delta_s"),
    )
    top_objects = (
        ev.lazy()
        .join(sig.lazy().select("cluster_id", "top_signal"), on="cluster_id")
        .filter(pl.col("signal") == pl.col("top_signal"))
        .group_by("cluster_id")
        .agg(pl.col("object_id").n_unique().cast(pl.Int64).alias("top_signal_objects"))
    )
    return objects.collect(), top_objects.collect()


def _objects_from_edges(intra: pl.DataFrame, content: pl.DataFrame, sig: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Without evidence, the same from the edges: the most objects one pair shared, and the edges' speed."""
    objects = content.group_by("cluster_id").agg(
        pl.col("n_objects").max().cast(pl.Int64).alias("objects"),
        pl.col("min_delta_s").median().alias("median_delta_s"),
    )
    top_objects = intra.join(sig.select("cluster_id", "top_signal"), on="cluster_id").filter(
        pl.col("signal") == pl.col("top_signal")
    ).group_by("cluster_id").agg(pl.col("n_objects").max().cast(pl.Int64).alias("top_signal_objects"))
    return objects, top_objects


def _member_behaviour(
    posts: pl.DataFrame, account_feats: pl.DataFrame, members: pl.DataFrame, cfg: Config
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Behaviour pooled over members, active hours, handle template share and creation together."""
    # behaviour pooled over members (each member weighs the same)
    acc = account_feats.join(members, on="account_id", how="inner")
    behaviour = acc.group_by("cluster_id").agg(
        pl.col("n_posts").sum().alias("n_posts"),
        pl.col("first_at").min().alias("first_at"),
        pl.col("last_at").max().alias("last_at"),
        pl.col("reshare_share").mean().alias("reshare_share"),
        pl.col("reply_share").mean().alias("reply_share"),
        pl.col("hour_entropy").median().alias("hour_entropy"),
        pl.col("night_share").mean().alias("night_share"),
        pl.col("work_share").mean().alias("work_share"),
        pl.col("weekday_share").mean().alias("weekday_share"),
        pl.col("gap_cv").median().alias("gap_cv"),
        (pl.col("handle_digits") >= int(cfg["score.handle_digits"])).mean().alias("digit_handle_share"),
        pl.col("handle_template").drop_nulls().mode().sort().first().alias("template"),
        pl.col("handle").is_not_null().mean().alias("handle_known"),
        pl.col("age_days").median().alias("age_days"),
        pl.col("followers").median().alias("followers"),
        pl.col("followers").is_not_null().mean().alias("followers_known"),
    )
    active_hours = (
        _local(posts.lazy().select("account_id", "created_at").join(members.lazy(), on="account_id"), str(cfg["score.timezone"]))
        .group_by("cluster_id")
        .agg(pl.col("_h").n_unique().cast(pl.Int64).alias("active_hours"))
        .collect()
    )
    templ = acc.join(behaviour.select("cluster_id", "template"), on="cluster_id").group_by("cluster_id").agg(
        (pl.col("handle_template") == pl.col("template")).mean().alias("template_share")
    )
    creation = _creation(acc.select("cluster_id", "created_at"), float(cfg["score.creation_window_days"]))
    return behaviour, active_hours, templ, creation


def _participation(
    posts: pl.DataFrame,
    members: pl.DataFrame,
    clustering: ClusterResult,
    cfg: Config,
    attach: pl.DataFrame | None,
    co: tuple[pl.DataFrame, pl.DataFrame] | None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Each cluster's co-sharing, and the share of its members taking part (a strong link or enough co-shared posts)."""
    if co is None:
        co = co_shared(posts, members, int(cfg["detect.co_text.min_chars"]))
    if attach is None:
        attach = attachment(clustering.table(), clustering.membership, cfg)
    taking_part = (
        members.join(attach.select("account_id", "strong_degree_in"), on="account_id", how="left")
        .join(co[1], on="account_id", how="left")
        .group_by("cluster_id")
        .agg(
            (
                (pl.col("strong_degree_in").fill_null(0) >= 1)
                | (pl.col("co_share").fill_null(0.0) >= float(cfg["score.min_account_co_share"]))
            )
            .mean()
            .alias("coverage")
        )
    )
    return co[0], taking_part
