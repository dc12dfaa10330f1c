"""Labels, scores and reasons for clusters and accounts.

A cluster is judged in three steps (``docs/labels.md`` says the same in plain
words, with every threshold):

1. **Is it coordinated beyond a shared reaction?** It must have co-shared at
   least ``score.min_objects`` distinct objects through strong signals (not
   timing, hashtags or mentions alone, see ``score.weak_signals``) and be
   grouped together in at least ``score.min_stability`` of the clustering
   re-runs, and its links must not all run through one member (a star: one
   account and part of its audience). Its *coordination* is ``(1 − exp(−objects / score.objects_scale)) ×
   stability``.
2. **What does it look like?** An *automation* score (bot) and a
   *human-operation* score (troll) are weighted means of indicators, each a
   linear ramp between two thresholds declared in :mod:`cib.params`
   (``score.bot.*``, ``score.troll.*``: ``[from, to, weight]``). Indicators that
   cannot be measured (no creation dates, no handles) are left out.
3. **Label and score.** ``score = coordination × (score.coordination_floor +
   (1 − floor) × max(bot, troll))``. The cluster is flagged when step 1 holds
   and ``score ≥ score.flag_threshold``; its label is ``bot`` or ``troll``
   when that score leads the other by ``score.label_margin``, ``mixed``
   otherwise. Everything else is ``organic``.

An account is flagged when its cluster is flagged and it is attached to it
(:mod:`cib.network.account_scores`), or when it is in no cluster and its
co-actions with a flagged network, pooled, are beyond chance
(:mod:`cib.network.attach`).

Coordination is evidence to examine, not proof of inauthenticity: every label
carries its reasons, and the evidence table leads to the posts.

The indicators and the rules of steps 2 and 3 are in :mod:`cib.network.labels`,
the account rules in :mod:`cib.network.account_scores`; this module measures,
judges every cluster and account, and assembles the tables.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
import polars as pl

from cib.network.account_scores import account_scores
from cib.network.attach import attach_accounts
from cib.network.features import (
    ACCOUNT_FEATURES,
    TIMING_SIGNALS,
    account_features,
    attachment,
    cluster_features,
    cluster_members,
    co_shared,
    intra_edges,
    intra_evidence_of,
    url_lookup,
    weak_signals,
)
from cib.network.labels import (
    BOT_INDICATORS,
    ORGANIC_INDICATORS,
    TROLL_INDICATORS,
    available_share,
    cluster_indicators,
    confidence,
    judge,
    organic_indicators,
    publishing,
    unavailable,
    weighted,
)
from cib.network.reasons import cluster_reasons
from cib.network.text_terms import ctfidf, top_items
from cib.network.zones import Zone, cluster_zones, collection_zone
from cib.schema import CLUSTERS, TIME, conform

if TYPE_CHECKING:
    from cib.config import Config
    from cib.network.cluster import ClusterResult

__all__ = ["ScoreResult", "LazyFrames", "score"]

#: the clusters table with the scores behind each label, kept for the feature frames
_JUDGED_CLUSTERS: dict[str, pl.DataType] = {
    **CLUSTERS,
    "_bot": pl.Float64(),
    "_troll": pl.Float64(),
    "_coordination": pl.Float64(),
    "_strong_objects": pl.Int64(),
    "_explained": pl.Float64(),
    "_flagged": pl.Boolean(),
}


class LazyFrames(Mapping[str, pl.DataFrame]):
    """Named frames, each given as a frame or as a function computing it when first read.

    The pipeline writes only the clusters and account scores; narratives and
    top items cost as much again and serve notebooks and tests, so they wait
    until someone asks.
    """

    def __init__(self, **frames: pl.DataFrame | Callable[[], pl.DataFrame]) -> None:
        self._frames = frames

    def __getitem__(self, name: str) -> pl.DataFrame:
        frame = self._frames[name]
        if callable(frame):
            frame = self._frames[name] = frame()
        return frame

    def __iter__(self) -> Iterator[str]:
        return iter(self._frames)

    def __len__(self) -> int:
        return len(self._frames)


@dataclass
class ScoreResult:
    """Labels and their grounds.

    Attributes
    ----------
    clusters
        ``CLUSTERS`` table.
    account_scores
        ``ACCOUNT_SCORES`` table: one row per account in any edge, and per
        account attached to a flagged network (:mod:`cib.network.attach`).
    features
        Frames for notebooks and tests (:class:`LazyFrames`: narratives and
        items are computed when first read): ``"clusters"`` (cluster features,
        bot/troll scores), ``"accounts"`` (account features and attachment),
        ``"narratives"`` (c-TF-IDF terms), ``"items"`` (top hashtags, domains,
        links, reshared posts).
    clock
        For the manifest: the collection's clock (``zone``, ``basis``,
        ``confidence``) and the indicators the collection cannot judge.
    """

    clusters: pl.DataFrame
    account_scores: pl.DataFrame
    features: Mapping[str, pl.DataFrame] = field(default_factory=dict)
    clock: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class _Measured:
    """The measurements every label reads: accounts, membership, features and each cluster's own links."""

    ids: list[str]
    account_features: pl.DataFrame
    members: pl.DataFrame
    attach: pl.DataFrame
    urls: pl.DataFrame
    co: tuple[pl.DataFrame, pl.DataFrame]
    intra: pl.DataFrame
    intra_evidence: pl.DataFrame | None
    #: the objects of ``intra_evidence``, whose ``object_id`` is a code: the row number here
    evidence_objects: pl.Series | None
    cluster_features: pl.DataFrame
    context: _Context


@dataclass(frozen=True)
class _Context:
    """What the data allows judging: each clock, the collection's post types, each cluster's time resolution."""

    collection_zone: Zone
    zones: dict[int, Zone]
    collection: dict[str, float]
    coarse: frozenset[int]


def score(
    posts: pl.DataFrame,
    accounts: pl.DataFrame | None,
    edges: pl.DataFrame,
    graph: nx.Graph | None,
    clustering: ClusterResult,
    cfg: Config,
    evidence: pl.DataFrame | pl.LazyFrame | None = None,
) -> ScoreResult:
    """Label clusters and accounts, with scores and reasons.

    Parameters
    ----------
    posts, accounts
        Canonical tables (``accounts`` may be ``None``).
    edges
        The edges table, every signal (``sync`` included when computed).
    graph
        The fused account graph (:func:`cib.network.fusion.fuse`), or ``None``: its
        accounts are then those of ``clustering`` (what the pipeline passes, so that
        no networkx graph of a large collection is built).
    clustering
        From :func:`cib.network.cluster.cluster_graph` on that graph, or
        :func:`cib.network.cluster.cluster_fused` on its table.
    cfg
        Effective configuration.
    evidence
        The evidence table (recommended: counts of objects and speeds come from it), or
        a scan of it: only the pairs inside clusters are read, in five columns.

    Returns
    -------
    ScoreResult
    """
    nodes = graph.nodes() if graph is not None else clustering.table().nodes
    ids = sorted(set(edges["account_a"].to_list()) | set(edges["account_b"].to_list()) | set(nodes))
    membership = clustering.membership
    members = cluster_members(membership)
    context = _context(posts, members, cfg)
    offsets = members.with_columns(
        pl.col("cluster_id").replace_strict({c: z.offset_s or 0 for c, z in context.zones.items()}, default=0,
                                            return_dtype=pl.Int64).alias("offset_s")
    )
    acc_feats = (
        account_features(posts, accounts, cfg, ids, offsets, context.collection_zone.offset_s or 0)
        if ids else pl.DataFrame(schema=ACCOUNT_FEATURES)
    )
    attach = attachment(clustering.table(), membership, cfg)
    urls = url_lookup(posts, members)
    co = co_shared(posts, members, int(cfg["detect.co_text.min_chars"]), urls)
    # each cluster's own edges and evidence, joined once for every feature that reads them
    intra = intra_edges(edges, members)
    intra_ev, ev_objects = intra_evidence_of(evidence, members) if _has_rows(evidence) else (None, None)
    cfeat = cluster_features(posts, acc_feats, edges, clustering, cfg, evidence, attach=attach, co=co,
                             intra=intra, intra_evidence=intra_ev)  # fmt: skip
    measured = _Measured(ids, acc_feats, members, attach, urls, co, intra, intra_ev, ev_objects, cfeat, context)
    clusters, judged_by_id = _judge_clusters(measured, cfg)
    acc = _account_frame(measured, judged_by_id, weak_signals(cfg))
    account_table = attach_accounts(posts, account_scores(acc, judged_by_id, cfg), judged_by_id, cfg)
    return _result(posts, measured, clusters, acc, account_table, cfg)


def _has_rows(frame: pl.DataFrame | pl.LazyFrame | None) -> bool:
    """Whether a table (or a scan of one) has rows."""
    if frame is None:
        return False
    if isinstance(frame, pl.LazyFrame):
        return bool(frame.select(pl.len()).collect().item())
    return frame.height > 0


def _judge_clusters(m: _Measured, cfg: Config) -> tuple[pl.DataFrame, dict[int, dict[str, Any]]]:
    """Every cluster's label, score and reasons (clusters table with the scores behind them), and each judgement by id."""
    weak = weak_signals(cfg)
    sig_stats = _signal_stats(m.intra, m.intra_evidence) if m.members.height else None

    cluster_rows: list[dict[str, Any]] = []
    judged_by_id: dict[int, dict[str, Any]] = {}
    known = float(cfg["score.min_known"])
    sig_by_cluster: dict[int, list[dict[str, Any]]] = {}
    if sig_stats is not None:
        for r in sig_stats.sort("cluster_id", "signal").iter_rows(named=True):
            sig_by_cluster.setdefault(int(r["cluster_id"]), []).append(r)
    for row in m.cluster_features.iter_rows(named=True):
        cid = int(row["cluster_id"])
        judged, cluster_row = _judge_cluster(row, sig_by_cluster.get(cid, []), weak, known, m.context, cfg)
        judged_by_id[cid] = judged
        cluster_rows.append(cluster_row)

    clusters = pl.DataFrame(cluster_rows, schema=_JUDGED_CLUSTERS)
    clusters = _spans_and_objects(
        clusters, m.intra, m.intra_evidence, m.evidence_objects, m.members, int(cfg["score.top_objects"])
    )
    return clusters, judged_by_id


def _judge_cluster(
    row: dict[str, Any], sig: list[dict[str, Any]], weak: frozenset[str], known: float, ctx: _Context, cfg: Config
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One cluster's judgement (with its bot, troll and explained scores) and its table row."""
    cid = int(row["cluster_id"])
    zone = ctx.zones.get(cid, ctx.collection_zone)
    shares = json.loads(row["signal_shares"]) if row["signal_shares"] else {}
    strong = [s for s in sig if s["signal"] not in weak]
    row["strong_objects"] = sum(int(s["objects"] or 0) for s in strong)
    strong_delta = [s["delta"] for s in strong if s.get("delta") is not None]
    values = cluster_indicators(row, (min(strong_delta) if strong_delta else None), shares, known)
    missing = unavailable(row, ctx.collection, zone.wall_clock, cid in ctx.coarse, cfg)
    values.update(dict.fromkeys(missing))
    bot, bot_parts = weighted(values, cfg, BOT_INDICATORS)
    troll, troll_parts = weighted(values, cfg, TROLL_INDICATORS)
    explained, _ = weighted(organic_indicators(row, known), cfg, ORGANIC_INDICATORS)
    published = publishing(row, cfg)
    judged = judge(row, bot, troll, explained, cfg, published)
    judged.update(bot=bot, troll=troll, explained=explained, published=published, bot_parts=bot_parts,
                  troll_parts=troll_parts)
    lead = BOT_INDICATORS if (judged["label"] == "bot" or (judged["label"] != "troll" and bot >= troll)) else TROLL_INDICATORS
    judged["confidence"] = confidence(judged, int(row["size"]), available_share(cfg, lead, bot_parts if lead is BOT_INDICATORS else troll_parts), cfg)
    judged.update(zone=zone, unavailable=missing, size=int(row["size"]), strong_objects=int(row["strong_objects"]))
    order = sorted(sig, key=lambda s: (-(shares.get(s["signal"], 0.0)), s["signal"]))
    reasons = cluster_reasons(row, values, order, cfg, judged, ctx.collection_zone)
    cluster_row = {
        "cluster_id": cid,
        "size": row["size"],
        "label": judged["label"],
        "score": round(judged["score"], 4),
        "confidence": judged["confidence"],
        "zone": zone.name,
        "zone_basis": zone.basis,
        "zone_confidence": zone.confidence,
        "reasons": reasons,
        "signals": [s["signal"] for s in order],
        "first_at": None,
        "last_at": None,
        "top_objects": [],
        "_bot": bot,
        "_troll": troll,
        "_coordination": judged["coordination"],
        "_strong_objects": row["strong_objects"],
        "_explained": explained,
        "_flagged": judged["flagged"],
    }
    return judged, cluster_row


def _context(posts: pl.DataFrame, members: pl.DataFrame, cfg: Config) -> _Context:
    """Each cluster's clock, the collection's shares of reshares and replies, and the clusters timed to the minute."""
    czone = collection_zone(posts, cfg)
    zones = cluster_zones(posts, members, cfg, czone) if members.height else {}
    kinds = posts.select(
        pl.col("reshare_of").is_not_null().mean().alias("reshare_share"),
        pl.col("reply_to").is_not_null().mean().alias("reply_share"),
    ).row(0, named=True) if posts.height else {}
    coarse: set[int] = set()
    if members.height:
        t = pl.col("created_at").cast(TIME)
        whole = (
            posts.lazy().select("account_id", "created_at").join(members.lazy(), on="account_id")
            .group_by("cluster_id")
            .agg(((t.dt.second() == 0) & (t.dt.microsecond() == 0)).mean().alias("m"))
            .filter(pl.col("m") >= float(cfg["score.coarse_time_share"]))
            .collect()
        )
        coarse = {int(c) for c in whole["cluster_id"].to_list()}
    collection = {k: float(v or 0.0) for k, v in kinds.items()}
    return _Context(czone, zones, collection, frozenset(coarse))


def _account_frame(m: _Measured, judged_by_id: Mapping[int, dict[str, Any]], weak: frozenset[str]) -> pl.DataFrame:
    """One row per account in any edge: its features, attachment, co-sharing, cluster and part in its co-shared objects."""
    part = _participation(m, weak)
    return (
        pl.DataFrame({"account_id": m.ids}, schema={"account_id": pl.String})
        .join(m.account_features, on="account_id", how="left")
        .join(m.attach.drop("cluster_id"), on="account_id", how="left")
        .join(m.co[1].rename({"co_share": "account_co_share"}), on="account_id", how="left")
        .join(m.members, on="account_id", how="left")
        .join(part, on="account_id", how="left")
        .with_columns(
            pl.col("cluster_id").replace_strict(
                {c: int(j.get("strong_objects", 0)) for c, j in judged_by_id.items()}, default=None, return_dtype=pl.Int64
            ).alias("cluster_objects"),
            pl.col("cluster_id").replace_strict(
                {c: int(j.get("size", 0)) for c, j in judged_by_id.items()}, default=None, return_dtype=pl.Int64
            ).alias("cluster_size"),
        )
    )


def _participation(m: _Measured, weak: frozenset[str]) -> pl.DataFrame:
    """Per account: distinct objects it co-shared with other members of its cluster (evidence, strong signals)."""
    schema = {"account_id": pl.String, "own_objects": pl.Int64, "top_objects_in_cluster": pl.Int64}
    if m.intra_evidence is None or m.intra_evidence.height == 0:
        return pl.DataFrame(schema=schema)
    ev = m.intra_evidence.lazy().filter(~pl.col("signal").is_in(sorted(weak | set(TIMING_SIGNALS))))
    codes = m.members.with_row_index("code").select(pl.col("code").cast(pl.UInt32), "account_id")
    sides = pl.concat([ev.select("cluster_id", "signal", "object_id", pl.col(f"account_{e}").cast(pl.UInt32).alias("code"))
                       for e in ("a", "b")])
    per = sides.group_by("cluster_id", "code").agg(pl.struct("signal", "object_id").n_unique().cast(pl.Int64).alias("own_objects"))
    return (
        per.with_columns(pl.col("own_objects").max().over("cluster_id").alias("top_objects_in_cluster"))
        .join(codes.lazy(), on="code")
        .select(list(schema))
        .collect()
    )


def _result(
    posts: pl.DataFrame,
    m: _Measured,
    clusters: pl.DataFrame,
    acc: pl.DataFrame,
    account_table: pl.DataFrame,
    cfg: Config,
) -> ScoreResult:
    """The tables, and the feature frames with narratives and top items left to compute when read."""
    narrative = {
        "top": int(cfg["narrative.top"]),
        "min_posts": int(cfg["narrative.min_posts"]),
        "min_chars": int(cfg["narrative.min_chars"]),
        "background": int(cfg["narrative.background_posts"]),
        "seed": int(cfg["run.seed"]),
    }
    cluster_table = conform(clusters, "clusters").sort("cluster_id")
    feats = m.cluster_features.join(
        clusters.select(
            "cluster_id", "label", "score",
            pl.col("_bot").alias("bot_score"), pl.col("_troll").alias("troll_score"),
            pl.col("_coordination").alias("coordination"), pl.col("_strong_objects").alias("strong_objects"),
            pl.col("_explained").alias("explained"),
            pl.col("_flagged").alias("flagged"),
        ),
        on="cluster_id",
        how="left",
    )
    members, urls = m.members, m.urls
    cz = m.context.collection_zone
    return ScoreResult(
        clock={"zone": cz.name, "basis": cz.basis, "confidence": cz.confidence,
               "reshare_share": round(m.context.collection.get("reshare_share", 0.0), 4),
               "reply_share": round(m.context.collection.get("reply_share", 0.0), 4)},
        clusters=cluster_table,
        account_scores=account_table,
        features=LazyFrames(
            clusters=feats,
            accounts=acc.drop("_digits", strict=False),
            narratives=lambda: ctfidf(posts, members, **narrative),
            items=lambda: top_items(posts, members, top=narrative["top"], urls=urls),
        ),
    )


def _signal_stats(intra: pl.DataFrame, intra_evidence: pl.DataFrame | None) -> pl.DataFrame:
    """Per cluster and signal: accounts linked, distinct objects, median Δt (from :func:`intra_edges`)."""
    acc = pl.concat(
        [intra.select("cluster_id", "signal", pl.col("account_a").alias("a")), intra.select("cluster_id", "signal", pl.col("account_b").alias("a"))]
    ).group_by("cluster_id", "signal").agg(pl.col("a").n_unique().alias("accounts"))
    base = intra.group_by("cluster_id", "signal").agg(
        pl.len().alias("links"),
        pl.col("n_objects").max().alias("max_pair_objects"),
        pl.col("min_delta_s").median().alias("edge_delta"),
    )
    out = base.join(acc, on=["cluster_id", "signal"])
    if intra_evidence is not None:
        ev = intra_evidence.lazy().group_by("cluster_id", "signal").agg(
            pl.col("object_id").n_unique().alias("objects"), pl.col("delta_s").median().alias("delta")
        ).collect()
        out = out.join(ev, on=["cluster_id", "signal"], how="left")
    else:
        out = out.with_columns(pl.col("max_pair_objects").alias("objects"), pl.col("edge_delta").alias("delta"))
    return out.with_columns(
        pl.col("objects").fill_null(pl.col("max_pair_objects")), pl.col("delta").fill_null(pl.col("edge_delta"))
    )


def _spans_and_objects(
    clusters: pl.DataFrame,
    intra: pl.DataFrame,
    intra_evidence: pl.DataFrame | None,
    objects: pl.Series | None,
    members: pl.DataFrame,
    top: int,
) -> pl.DataFrame:
    """Fill first/last coordinated activity and the most co-shared objects (from :func:`intra_edges`).

    ``intra_evidence`` names its objects by code (:func:`intra_evidence_of`): codes sort
    as the objects do, and only the top objects are named.
    """
    if members.height == 0 or clusters.height == 0:
        return clusters
    span = intra.group_by("cluster_id").agg(pl.col("first_at").min().alias("_f"), pl.col("last_at").max().alias("_l"))
    out = clusters.join(span, on="cluster_id", how="left").with_columns(
        pl.col("_f").alias("first_at"), pl.col("_l").alias("last_at")
    ).drop("_f", "_l")
    if intra_evidence is None or objects is None:
        return out
    # lazily: the pairs inside clusters run to tens of millions on a large collection, and are not copied
    ev = intra_evidence.lazy().filter(~pl.col("signal").is_in(list(TIMING_SIGNALS)))
    accs = pl.concat(
        [ev.select("cluster_id", "signal", "object_id", pl.col("account_a").alias("a")), ev.select("cluster_id", "signal", "object_id", pl.col("account_b").alias("a"))]
    )
    tops = (
        accs.group_by("cluster_id", "signal", "object_id")
        .agg(pl.col("a").n_unique().alias("n"))
        .sort(["cluster_id", "n", "signal", "object_id"], descending=[False, True, False, False])
        .group_by("cluster_id", maintain_order=True)
        .head(top)
        .collect()
    )
    if tops.height == 0:
        return out
    named = tops.with_columns(objects.gather(tops.get_column("object_id")).alias("object_id"))
    tops = named.group_by("cluster_id", maintain_order=True).agg(pl.concat_str("signal", pl.lit(":"), "object_id").alias("_top"))
    return out.join(tops, on="cluster_id", how="left").with_columns(
        pl.col("_top").fill_null(pl.lit([], pl.List(pl.String))).alias("top_objects")
    ).drop("_top")
