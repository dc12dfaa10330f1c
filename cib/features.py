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
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import networkx as nx
import numpy as np
import polars as pl

from cib.errors import ConfigError
from cib.normalise import text_key
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
    "co_shared",
    "handle_template",
    "hours",
    "intra_edges",
    "quick_canonical",
    "url_lookup",
    "timezone",
    "numbers",
    "weak_signals",
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


def numbers(cfg: Config, name: str, n: int) -> tuple[float, ...]:
    """The ``n`` numbers of a list parameter, or a clear configuration error."""
    value = cfg[name]
    try:
        out = tuple(float(x) for x in value)
    except (TypeError, ValueError):
        out = ()
    if len(out) != n:
        raise ConfigError(f"{name} = {value!r}: expected a list of {n} numbers")
    return out


def hours(cfg: Config, name: str) -> tuple[int, int]:
    """Start and end hour of ``score.work_hours`` / ``score.night_hours``, checked."""
    a, b = numbers(cfg, name, 2)
    if not (0 <= a < b <= 24):
        raise ConfigError(f"{name} = {cfg[name]!r}: expected [start, end] hours with 0 <= start < end <= 24")
    return int(a), int(b)


def timezone(cfg: Config) -> str:
    """``score.timezone``, checked against the IANA database."""
    name = str(cfg["score.timezone"])
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"score.timezone = {name!r} is not an IANA time zone", hint="e.g. Asia/Almaty, Europe/Berlin, UTC"
        ) from None
    return name


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
    tz = timezone(cfg)
    w0, w1 = hours(cfg, "score.work_hours")
    n0, n1 = hours(cfg, "score.night_hours")
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
    "coverage": pl.Float64(),
    "age_days": pl.Float64(),
    "followers": pl.Float64(),
    "followers_known": pl.Float64(),
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
}


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
    lf = posts.lazy().with_row_index("_r").join(members.lazy(), on="account_id", how="inner")
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


def weak_signals(cfg: Config) -> frozenset[str]:
    """Signals that cannot make coordination on their own (``score.weak_signals`` and timing)."""
    return frozenset(str(s) for s in cfg["score.weak_signals"]) | TIMING_SIGNALS


def attachment(graph: nx.Graph, membership: dict[str, int], cfg: Config) -> pl.DataFrame:
    """How strongly each clustered account is tied to its own cluster.

    Returns
    -------
    polars.DataFrame
        ``account_id, cluster_id, degree_in, strong_degree_in, strength_in, strength, share_in``:
        neighbours in the cluster, those linked by a strong signal (not in
        :func:`weak_signals`), fused weight to the cluster, all fused weight,
        and their ratio.
    """
    weak = weak_signals(cfg)
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
                if any(s not in weak for s in sigs) or not sigs:
                    content_in += 1
        rows.append(
            {
                "account_id": node,
                "cluster_id": c,
                "degree_in": deg_in,
                "strong_degree_in": content_in,
                "strength_in": s_in,
                "strength": s_all,
                "share_in": s_in / s_all if s_all > 0 else 0.0,
            }
        )
    schema = {
        "account_id": pl.String,
        "cluster_id": pl.Int64,
        "degree_in": pl.Int64,
        "strong_degree_in": pl.Int64,
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
    *,
    attach: pl.DataFrame | None = None,
    co: tuple[pl.DataFrame, pl.DataFrame] | None = None,
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
    attach, co
        :func:`attachment` and :func:`co_shared` results when already computed.

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
    intra = intra_edges(edges, members).with_columns(
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
        ev = intra_edges(evidence, members)
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
        pl.col("handle").is_not_null().mean().alias("handle_known"),
        pl.col("age_days").median().alias("age_days"),
        pl.col("followers").median().alias("followers"),
        pl.col("followers").is_not_null().mean().alias("followers_known"),
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
    if co is None:
        co = co_shared(posts, members, int(cfg["detect.co_text.min_chars"]))
    coshare = co[0]
    if attach is None:
        attach = attachment(clustering.graph if clustering.graph is not None else nx.Graph(), clustering.membership, cfg)
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

    out = sizes
    for frame in (struct, sig, pair_stats, deg_stats, objects, top_objects, behaviour, hours, templ, creation, coshare, taking_part):
        out = out.join(frame, on="cluster_id", how="left")
    out = out.with_columns(
        pl.col("signals").fill_null(pl.lit([], pl.List(pl.String))),
        pl.col("content_share").fill_null(0.0),
        pl.col("pair_objects").fill_null(0.0),
        pl.col("objects").fill_null(0),
    )
    return out.select([pl.col(c).cast(t) for c, t in CLUSTER_FEATURES.items()]).sort("cluster_id")
