"""Account and cluster features: the measurements behind every label and reason.

Everything is computed with Polars on the canonical tables. Times are read in
``score.timezone`` (default ``Asia/Almaty``) with the zone's historical offsets
(Polars ``convert_time_zone``), so "work hours" means the clock on the wall
where the accounts are thought to be. :doc:`docs/labels.md` explains each
feature in plain words.

Client/app concentration (the "source" of a tweet) is not in the canonical
posts table, so it is not measured.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np
import polars as pl

from cib.normalise import canonical_urls, text_key
from cib.schema import TIME

if TYPE_CHECKING:
    from cib.cluster import ClusterResult
    from cib.config import Config

__all__ = [
    "ACCOUNT_FEATURES",
    "CLUSTER_FEATURES",
    "TIMING_SIGNALS",
    "account_features",
    "attachment",
    "cluster_features",
    "handle_template",
]

#: signals that say *when* accounts act, not *what* they share
TIMING_SIGNALS = frozenset({"sync"})

ACCOUNT_FEATURES: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "n_posts": pl.Int64(),
    "reshare_share": pl.Float64(),
    "reply_share": pl.Float64(),
    "hour_entropy": pl.Float64(),
    "night_share": pl.Float64(),
    "work_share": pl.Float64(),
    "weekday_share": pl.Float64(),
    "active_hours": pl.Int64(),
    "gap_cv": pl.Float64(),
    "median_gap_s": pl.Float64(),
    "first_at": TIME,
    "last_at": TIME,
    "created_at": TIME,
    "age_days": pl.Float64(),
    "followers": pl.Int64(),
    "handle": pl.String(),
    "handle_digits": pl.Int64(),
    "handle_template": pl.String(),
}


def handle_template(expr: pl.Expr) -> pl.Expr:
    """The shape of a handle: letter runs become ``a``, digit runs ``9`` per digit.

    ``aigerim_k84213`` → ``a_a99999``; ``tenir_patriot_42`` → ``a_a_99``.
    """
    return (
        expr.str.to_lowercase()
        .str.replace_all(r"\p{L}+", "a")
        .str.replace_all(r"\p{N}", "9")
    )


def _local(posts: pl.LazyFrame, tz: str) -> pl.LazyFrame:
    local = pl.col("created_at").cast(TIME).dt.convert_time_zone(tz)
    return posts.with_columns(local.dt.hour().alias("_h"), local.dt.weekday().alias("_wd"))


def account_features(
    posts: pl.DataFrame,
    accounts: pl.DataFrame | None,
    cfg: Config,
    account_ids: list[str] | pl.Series | None = None,
) -> pl.DataFrame:
    """Behaviour and profile features of each account.

    Parameters
    ----------
    posts
        Canonical posts.
    accounts
        Canonical accounts (creation date, handle); may be ``None``.
    cfg
        Effective configuration (``score.timezone``, ``score.work_hours``, ``score.night_hours``).
    account_ids
        Only these accounts (all posting accounts when ``None``); accounts with
        no posts get a row with ``n_posts = 0``.

    Returns
    -------
    polars.DataFrame
        :data:`ACCOUNT_FEATURES` columns, sorted by account id.
    """
    tz = str(cfg["score.timezone"])
    w0, w1 = (int(x) for x in cfg["score.work_hours"])
    n0, n1 = (int(x) for x in cfg["score.night_hours"])
    lf = posts.lazy().filter(pl.col("account_id").is_not_null() & pl.col("created_at").is_not_null())
    if account_ids is not None:
        ids = pl.Series("account_id", list(account_ids), dtype=pl.String).unique().sort()
        lf = lf.join(pl.DataFrame({"account_id": ids}).lazy(), on="account_id", how="semi")
    lf = _local(lf.select("account_id", "created_at", "reshare_of", "reply_to"), tz)
    weekday = pl.col("_wd") <= 5
    work = weekday & (pl.col("_h") >= w0) & (pl.col("_h") < w1)
    night = (pl.col("_h") >= n0) & (pl.col("_h") < n1)
    t_s = pl.col("created_at").cast(TIME).dt.epoch("us") / 1e6
    per = (
        lf.sort("account_id", "created_at")
        .group_by("account_id", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("n_posts"),
            pl.col("reshare_of").is_not_null().mean().alias("reshare_share"),
            pl.col("reply_to").is_not_null().mean().alias("reply_share"),
            night.mean().alias("night_share"),
            work.mean().alias("work_share"),
            weekday.mean().alias("weekday_share"),
            pl.col("_h").n_unique().cast(pl.Int64).alias("active_hours"),
            pl.col("_h").alias("_hours"),
            t_s.diff().drop_nulls().alias("_gaps"),
            pl.col("created_at").min().alias("first_at"),
            pl.col("created_at").max().alias("last_at"),
        )
        .with_columns(
            (pl.col("_gaps").list.std() / pl.col("_gaps").list.mean()).alias("gap_cv"),
            pl.col("_gaps").list.median().alias("median_gap_s"),
            pl.col("_hours")
            .list.eval(pl.element().value_counts(normalize=True).struct.field("proportion").entropy(normalize=False))
            .list.first()
            .truediv(math.log(24))
            .alias("hour_entropy"),
        )
        .collect()
    )
    if account_ids is not None:
        per = pl.DataFrame({"account_id": ids}).join(per, on="account_id", how="left").with_columns(
            pl.col("n_posts").fill_null(0)
        )
    prof_cols = {"created_at": TIME, "handle": pl.String()}
    if accounts is not None and accounts.height:
        prof = (
            accounts.select("account_id", pl.col("created_at").alias("acc_created"), "handle", "followers")
            .filter(pl.col("account_id").is_not_null())
            .unique("account_id", keep="first", maintain_order=True)
        )
        per = per.join(prof, on="account_id", how="left")
    else:
        per = per.with_columns(
            pl.lit(None, prof_cols["created_at"]).alias("acc_created"),
            pl.lit(None, pl.String).alias("handle"),
            pl.lit(None, pl.Int64).alias("followers"),
        )
    per = per.with_columns(
        pl.col("acc_created").cast(TIME).alias("created_at"),
        ((pl.col("first_at") - pl.col("acc_created").cast(TIME)).dt.total_seconds() / 86400.0).alias("age_days"),
        pl.col("handle").str.extract(r"(\p{N}+)$").str.len_chars().fill_null(0).cast(pl.Int64).alias("handle_digits"),
        handle_template(pl.col("handle")).alias("handle_template"),
    )
    per = per.with_columns(
        pl.when(pl.col("handle").is_null()).then(None).otherwise(pl.col("handle_digits")).alias("handle_digits")
    )
    return per.select([pl.col(c).cast(t) for c, t in ACCOUNT_FEATURES.items()]).sort("account_id")


CLUSTER_FEATURES: dict[str, pl.DataType] = {
    "cluster_id": pl.Int64(),
    "size": pl.Int64(),
    "stability": pl.Float64(),
    "density": pl.Float64(),
    "edges": pl.Int64(),
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
    "age_days": pl.Float64(),
    "followers": pl.Float64(),
    "creation_share": pl.Float64(),
    "creation_from": TIME,
    "creation_to": TIME,
    "creation_known": pl.Float64(),
    "digit_handle_share": pl.Float64(),
    "template_share": pl.Float64(),
    "template": pl.String(),
    "hour_entropy": pl.Float64(),
    "night_share": pl.Float64(),
    "work_share": pl.Float64(),
    "weekday_share": pl.Float64(),
    "active_hours": pl.Int64(),
    "gap_cv": pl.Float64(),
}


def _intra_edges(edges: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
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


def _identical_text(posts: pl.DataFrame, members: pl.DataFrame, min_chars: int) -> pl.DataFrame:
    """Per cluster: share of members' original posts whose text another member also posted."""
    orig = (
        posts.lazy()
        .filter(pl.col("reshare_of").is_null())
        .select("account_id", text_key(pl.col("text"), min_chars=min_chars).alias("k"))
        .join(members.lazy(), on="account_id", how="inner")
        .collect()
    )
    if orig.height == 0:
        return members.select("cluster_id").unique().with_columns(pl.lit(None, pl.Float64).alias("identical_text_share"))
    shared = orig.with_columns(
        (pl.col("account_id").n_unique().over("cluster_id", "k") > 1).fill_null(False).alias("_shared")
    ).with_columns(pl.when(pl.col("k").is_null()).then(False).otherwise(pl.col("_shared")).alias("_shared"))
    return shared.group_by("cluster_id").agg(pl.col("_shared").mean().alias("identical_text_share"))


def _co_shared(posts: pl.DataFrame, members: pl.DataFrame, min_chars: int) -> pl.DataFrame:
    """Per cluster: share of members' posts that repeat an object another member also posted.

    Objects are the post reshared, the post replied to, a canonical link, the
    normalised text (at least ``min_chars``) and an image id; hashtags and
    mentions are left out (communities share them by nature).
    """
    lf = posts.lazy().with_row_index("_r").join(members.lazy(), on="account_id", how="inner")
    have = set(posts.columns)
    parts = []
    if "reshare_of" in have:
        parts.append(lf.select("_r", "cluster_id", "account_id", pl.concat_str(pl.lit("r:"), "reshare_of").alias("o")))
    if "reply_to" in have:
        parts.append(lf.select("_r", "cluster_id", "account_id", pl.concat_str(pl.lit("p:"), "reply_to").alias("o")))
    if "text" in have:
        orig = lf.filter(pl.col("reshare_of").is_null()) if "reshare_of" in have else lf
        parts.append(
            orig.select("_r", "cluster_id", "account_id", pl.concat_str(pl.lit("t:"), text_key(pl.col("text"), min_chars=min_chars)).alias("o"))
        )
    if "media" in have:
        parts.append(lf.select("_r", "cluster_id", "account_id", pl.col("media").alias("o")).explode("o").with_columns(
            pl.concat_str(pl.lit("m:"), pl.col("o").cast(pl.String)).alias("o")))
    long = pl.concat(parts).filter(pl.col("o").is_not_null()).collect() if parts else None
    if "urls" in have:
        urls = lf.select("_r", "cluster_id", "account_id", pl.col("urls").alias("o")).explode("o").filter(
            pl.col("o").is_not_null() & (pl.col("o") != "")
        ).collect()
        if urls.height:
            urls = urls.with_columns(
                pl.concat_str(pl.lit("u:"), pl.col("o").map_batches(canonical_urls, return_dtype=pl.String)).alias("o")
            )
            long = urls if long is None else pl.concat([long, urls.select(long.columns)])
    n = lf.group_by("cluster_id").agg(pl.len().alias("n")).collect()
    if long is None or long.height == 0:
        return n.select("cluster_id", pl.lit(0.0).alias("co_share"), pl.lit(0, pl.Int64).alias("script_objects"))
    marked = (
        long.filter(pl.col("account_id").n_unique().over("cluster_id", "o") > 1)
        .group_by("cluster_id")
        .agg(pl.col("_r").n_unique().alias("k"), pl.col("o").n_unique().alias("script_objects"))
    )
    return n.join(marked, on="cluster_id", how="left").select(
        "cluster_id",
        (pl.col("k").fill_null(0) / pl.col("n")).alias("co_share"),
        pl.col("script_objects").fill_null(0).cast(pl.Int64),
    )


def attachment(graph: nx.Graph, membership: dict[str, int], cfg: Config) -> pl.DataFrame:
    """How strongly each clustered account is tied to its own cluster.

    Returns
    -------
    polars.DataFrame
        ``account_id, cluster_id, degree_in, content_degree_in, strength_in, strength, share_in``:
        neighbours in the cluster, those linked by a content (non-timing) signal,
        fused weight to the cluster, all fused weight, and their ratio.
    """
    rows: list[dict[str, Any]] = []
    for node in sorted(graph.nodes()):
        c = membership.get(node)
        deg_in = content_in = 0
        s_in = s_all = 0.0
        for nb, data in graph[node].items():
            w = float(data.get("weight", 1.0))
            s_all += w
            if c is not None and membership.get(nb) == c:
                deg_in += 1
                s_in += w
                sigs = data.get("signals") or list((data.get("by_signal") or {}).keys())
                if any(s not in TIMING_SIGNALS for s in sigs) or not sigs:
                    content_in += 1
        rows.append(
            {
                "account_id": node,
                "cluster_id": c,
                "degree_in": deg_in,
                "content_degree_in": content_in,
                "strength_in": s_in,
                "strength": s_all,
                "share_in": s_in / s_all if s_all > 0 else 0.0,
            }
        )
    schema = {
        "account_id": pl.String,
        "cluster_id": pl.Int64,
        "degree_in": pl.Int64,
        "content_degree_in": pl.Int64,
        "strength_in": pl.Float64,
        "strength": pl.Float64,
        "share_in": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def cluster_features(
    posts: pl.DataFrame,
    account_feats: pl.DataFrame,
    edges: pl.DataFrame,
    clustering: ClusterResult,
    cfg: Config,
    evidence: pl.DataFrame | None = None,
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
        From :func:`cib.cluster.cluster_graph`.
    cfg
        Effective configuration.
    evidence
        The evidence table, for the speed of co-actions (``min_delta_s`` of the
        edges is used without it).

    Returns
    -------
    polars.DataFrame
        :data:`CLUSTER_FEATURES` columns, one row per cluster, sorted by id.
    """
    members = pl.DataFrame(
        {"account_id": list(clustering.membership), "cluster_id": list(clustering.membership.values())},
        schema={"account_id": pl.String, "cluster_id": pl.Int64},
    )
    if members.height == 0:
        return pl.DataFrame(schema=CLUSTER_FEATURES)
    multipliers = {str(k): float(v) for k, v in dict(cfg["detect.fusion.weights"]).items()}
    intra = _intra_edges(edges, members).with_columns(
        (
            pl.col("weight").fill_null(0.0)
            * pl.col("signal").replace_strict(multipliers, default=1.0, return_dtype=pl.Float64)
        ).alias("fw"),
        pl.col("signal").is_in(list(TIMING_SIGNALS)).not_().alias("content"),
    )
    sizes = members.group_by("cluster_id").agg(pl.len().cast(pl.Int64).alias("size"))

    # graph structure from the fused graph
    g = clustering.graph
    struct_rows = []
    for cid, size in sorted(clustering.sizes.items()):
        sub = g.subgraph(clustering.members(cid)) if g is not None else nx.Graph()
        m = sub.number_of_edges()
        ws = [float(d.get("weight", 1.0)) for _, _, d in sub.edges(data=True)]
        struct_rows.append(
            {
                "cluster_id": cid,
                "edges": m,
                "density": 2.0 * m / (size * (size - 1)) if size > 1 else 0.0,
                "mean_weight": sum(ws) / len(ws) if ws else 0.0,
                "stability": float(clustering.stability.get(cid, 1.0)),
            }
        )
    struct = pl.DataFrame(
        struct_rows,
        schema={"cluster_id": pl.Int64, "edges": pl.Int64, "density": pl.Float64, "mean_weight": pl.Float64, "stability": pl.Float64},
    )

    # which signals hold each cluster together
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
    sig = sig.with_columns(
        pl.col("_shares")
        .list.eval(pl.concat_str(pl.lit('"'), pl.element().struct.field("signal"), pl.lit('": '),
                                 pl.element().struct.field("share").cast(pl.String)))
        .list.join(", ")
        .pipe(lambda e: pl.concat_str(pl.lit("{"), e, pl.lit("}")))
        .alias("signal_shares")
    ).drop("_shares")

    # repeated co-action on content signals: distinct objects per linked pair, per member
    content = intra.filter(pl.col("content"))
    pair = content.group_by("cluster_id", "account_a", "account_b").agg(pl.col("n_objects").max().alias("obj"))
    pair_stats = pair.group_by("cluster_id").agg(pl.col("obj").median().alias("pair_objects"))
    deg = pl.concat(
        [pair.select("cluster_id", pl.col("account_a").alias("account_id")), pair.select("cluster_id", pl.col("account_b").alias("account_id"))]
    ).group_by("cluster_id", "account_id").agg(pl.len().alias("d"))
    deg_stats = sizes.join(deg.group_by("cluster_id").agg(pl.col("d").sum().alias("dsum")), on="cluster_id", how="left").select(
        "cluster_id", (pl.col("dsum").fill_null(0) / pl.col("size")).alias("content_degree")
    )

    # distinct objects co-shared inside the cluster, and speed, from the evidence
    objects = None
    top_objects = None
    if evidence is not None and evidence.height:
        ev = _intra_edges(evidence, members)
        objects = ev.filter(~pl.col("signal").is_in(list(TIMING_SIGNALS))).group_by("cluster_id").agg(
            pl.struct("signal", "object_id").n_unique().cast(pl.Int64).alias("objects"),
            pl.col("delta_s").median().alias("median_delta_s"),
        )
        top_objects = (
            ev.join(sig.select("cluster_id", "top_signal"), on="cluster_id")
            .filter(pl.col("signal") == pl.col("top_signal"))
            .group_by("cluster_id")
            .agg(pl.col("object_id").n_unique().cast(pl.Int64).alias("top_signal_objects"))
        )
    if objects is None:
        objects = content.group_by("cluster_id").agg(
            pl.col("n_objects").max().cast(pl.Int64).alias("objects"),
            pl.col("min_delta_s").median().alias("median_delta_s"),
        )
    if top_objects is None:
        top_objects = intra.join(sig.select("cluster_id", "top_signal"), on="cluster_id").filter(
            pl.col("signal") == pl.col("top_signal")
        ).group_by("cluster_id").agg(pl.col("n_objects").max().cast(pl.Int64).alias("top_signal_objects"))

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
        pl.col("age_days").median().alias("age_days"),
        pl.col("followers").median().alias("followers"),
    )
    hours = (
        _local(posts.lazy().select("account_id", "created_at").join(members.lazy(), on="account_id"), str(cfg["score.timezone"]))
        .group_by("cluster_id")
        .agg(pl.col("_h").n_unique().cast(pl.Int64).alias("active_hours"))
        .collect()
    )
    templ = acc.join(behaviour.select("cluster_id", "template"), on="cluster_id").group_by("cluster_id").agg(
        (pl.col("handle_template") == pl.col("template")).mean().alias("template_share")
    )
    creation = _creation(acc.select("cluster_id", "created_at"), float(cfg["score.creation_window_days"]))
    ident = _identical_text(posts, members, int(cfg["detect.co_text.min_chars"]))
    coshare = _co_shared(posts, members, int(cfg["detect.co_text.min_chars"]))

    out = sizes
    for frame in (struct, sig, pair_stats, deg_stats, objects, top_objects, behaviour, hours, templ, creation, ident, coshare):
        out = out.join(frame, on="cluster_id", how="left")
    out = out.with_columns(
        pl.col("signals").fill_null(pl.lit([], pl.List(pl.String))),
        pl.col("content_share").fill_null(0.0),
        pl.col("pair_objects").fill_null(0.0),
        pl.col("objects").fill_null(0),
    )
    return out.select([pl.col(c).cast(t) for c, t in CLUSTER_FEATURES.items()]).sort("cluster_id")
