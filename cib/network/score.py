"""Labels, scores and reasons for clusters and accounts.

A cluster is judged in three steps (``docs/labels.md`` says the same in plain
words, with every threshold):

1. **Is it coordinated beyond a shared reaction?** It must have co-shared at
   least ``score.min_objects`` distinct objects through strong signals (not
   timing, hashtags or mentions alone, see ``score.weak_signals``) and be
   grouped together in at least ``score.min_stability`` of the clustering
   re-runs. Its *coordination* is ``(1 − exp(−objects / score.objects_scale)) ×
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

An account is flagged when its cluster is flagged and it is attached to it:
at least ``score.min_links`` links inside the cluster carrying at least
``score.min_share_in`` of its fused weight. Its label mixes the cluster's
bot/troll scores with its own (``score.account_own_weight``).

Coordination is evidence to examine, not proof of inauthenticity: every label
carries its reasons, and the evidence table leads to the posts.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import networkx as nx
import polars as pl

from cib.network.features import (
    ACCOUNT_FEATURES,
    TIMING_SIGNALS,
    account_features,
    attachment,
    cluster_features,
    co_shared,
    intra_edges,
    numbers,
    url_lookup,
    weak_signals,
)
from cib.network.reasons import account_reasons, cluster_reasons, pct
from cib.network.text_terms import ctfidf, top_items
from cib.schema import ACCOUNT_SCORES, CLUSTERS, conform

if TYPE_CHECKING:
    from cib.config import Config
    from cib.network.cluster import ClusterResult

__all__ = ["ScoreResult", "LazyFrames", "score", "BOT_INDICATORS", "TROLL_INDICATORS", "ramp"]

#: automation indicators: (feature, parameter, what it means)
BOT_INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("night_share", "score.bot.night_share", "posts at night"),
    ("reshare_share", "score.bot.reshare_share", "reshares rather than own posts"),
    ("fast", "score.bot.fast_delta_s", "co-actions seconds apart"),
    ("creation_share", "score.bot.creation_share", "accounts created together"),
    ("digit_handle_share", "score.bot.digit_handles", "digit-suffixed handles"),
)
#: human-operation indicators
TROLL_INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("work_share", "score.troll.work_share", "posts in office hours"),
    ("quiet_nights", "score.troll.night_share", "no posts at night"),
    ("reply_share", "score.troll.reply_share", "replies"),
    ("human_signal_share", "score.troll.human_signals", "paraphrase, hashtag campaigns, reply swarms"),
)
#: indicators that popularity or an established outlet explains the coordination
ORGANIC_INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("age_days", "score.organic.account_age_days", "long-established accounts"),
    ("followers", "score.organic.followers", "large audiences"),
)
#: signals typical of human-operated campaigns
HUMAN_SIGNALS = ("co_reply", "co_similar_text", "co_hashtag")



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
        ``ACCOUNT_SCORES`` table: one row per account in any edge.
    features
        Frames for notebooks and tests (:class:`LazyFrames`: narratives and
        items are computed when first read): ``"clusters"`` (cluster features,
        bot/troll scores), ``"accounts"`` (account features and attachment),
        ``"narratives"`` (c-TF-IDF terms), ``"items"`` (top hashtags, domains,
        links, reshared posts).
    """

    clusters: pl.DataFrame
    account_scores: pl.DataFrame
    features: Mapping[str, pl.DataFrame] = field(default_factory=dict)


def ramp(value: float | None, lo: float, hi: float) -> float | None:
    """0 at ``lo``, 1 at ``hi``, linear between (``lo > hi`` ramps downwards); ``None`` stays."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if lo == hi:
        return 1.0 if value >= hi else 0.0
    return min(1.0, max(0.0, (value - lo) / (hi - lo)))


def _weighted(values: dict[str, float | None], cfg: Config, table: tuple[tuple[str, str, str], ...]) -> tuple[float, dict[str, float]]:
    """Weighted mean of the measurable indicators, and each indicator's value."""
    total = weight = 0.0
    parts: dict[str, float] = {}
    for name, param, _ in table:
        lo, hi, w = numbers(cfg, param, 3)
        r = ramp(values.get(name), lo, hi)
        if r is None or w <= 0:
            continue
        parts[name] = r
        total += w * r
        weight += w
    return (total / weight if weight else 0.0), parts


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
        ev = intra_evidence.group_by("cluster_id", "signal").agg(
            pl.col("object_id").n_unique().alias("objects"), pl.col("delta_s").median().alias("delta")
        )
        out = out.join(ev, on=["cluster_id", "signal"], how="left")
    else:
        out = out.with_columns(pl.col("max_pair_objects").alias("objects"), pl.col("edge_delta").alias("delta"))
    return out.with_columns(
        pl.col("objects").fill_null(pl.col("max_pair_objects")), pl.col("delta").fill_null(pl.col("edge_delta"))
    )


def _judge(row: dict[str, Any], bot: float, troll: float, explained: float, cfg: Config) -> dict[str, Any]:
    strong = int(row.get("strong_objects") or 0)
    script = int(row.get("script_objects") or 0)
    objects = strong + float(cfg["score.script_weight"]) * script
    stab = float(row.get("stability") if row.get("stability") is not None else 1.0)
    cov_lo, cov_hi = numbers(cfg, "score.coverage", 2)
    coverage = float(row.get("coverage") if row.get("coverage") is not None else 1.0)
    coverage_factor = ramp(coverage, cov_lo, cov_hi) or 0.0
    coordination = (1.0 - math.exp(-objects / max(float(cfg["score.objects_scale"]), 1e-9))) * stab * coverage_factor
    floor = float(cfg["score.coordination_floor"])
    discount = 1.0 - float(cfg["score.explained_weight"]) * explained
    value = coordination * (floor + (1.0 - floor) * max(bot, troll)) * discount
    out: dict[str, Any] = {"coordination": coordination, "score": value, "objects": objects}
    threshold = float(cfg["score.flag_threshold"])
    why_not = None
    if objects < float(cfg["score.min_objects"]):
        if objects == 0:
            why_not = "organic: held together only by timing, hashtags or mentions, which popular topics and schedules explain"
        else:
            why_not = (
                f"organic: they co-shared only {strong} distinct object{'s' if strong != 1 else ''} "
                f"(fewer than {int(cfg['score.min_objects'])}), consistent with a shared reaction to news or popular posts"
            )
    elif stab < float(cfg["score.min_stability"]):
        why_not = f"organic: the grouping is unstable (together in {pct(stab)} of re-runs)"
    elif coverage_factor == 0.0:
        why_not = (
            f"organic: only {pct(coverage)} of the accounts take part in the co-sharing; the rest are linked "
            "by timing, hashtags or mentions alone"
        )
    elif value < threshold and explained > 0 and value / max(discount, 1e-9) >= threshold:
        why_not = (
            f"organic: coordinated, but explained by established accounts with large audiences "
            f"(score {value:.2f} < {threshold:.2f} after the discount for {pct(explained)} established)"
        )
    elif value < threshold:
        why_not = (
            f"organic: coordination without a clear bot or troll signature "
            f"(score {value:.2f} < {threshold:.2f}; automation {bot:.2f}, human operation {troll:.2f})"
        )
    if why_not:
        out.update(label="organic", flagged=False, why_not=why_not)
        return out
    margin = float(cfg["score.label_margin"])
    least = float(cfg["score.min_signature"])
    if bot >= least and bot - troll >= margin:
        label, why = "bot", f"bot: automation dominates (automation {bot:.2f} vs human operation {troll:.2f})"
    elif troll >= least and troll - bot >= margin:
        label, why = "troll", f"troll: human-operated coordination (human operation {troll:.2f} vs automation {bot:.2f})"
    elif max(bot, troll) < least:
        label, why = "mixed", (
            f"mixed: coordinated, but neither automation ({bot:.2f}) nor human operation ({troll:.2f}) "
            "shows clearly"
        )
    else:
        label, why = "mixed", f"mixed: signs of automation ({bot:.2f}) and of human operation ({troll:.2f})"
    out.update(label=label, flagged=True, why=why)
    return out


def _account_values(row: dict[str, Any]) -> dict[str, float | None]:
    return {
        "night_share": row.get("night_share"),
        "reshare_share": row.get("reshare_share"),
        "work_share": row.get("work_share"),
        "quiet_nights": row.get("night_share"),
        "reply_share": row.get("reply_share"),
        "digit_handle_share": None if row.get("handle_digits") is None else float(row["handle_digits"] >= row["_digits"]),
    }


def score(
    posts: pl.DataFrame,
    accounts: pl.DataFrame | None,
    edges: pl.DataFrame,
    graph: nx.Graph,
    clustering: ClusterResult,
    cfg: Config,
    evidence: pl.DataFrame | None = None,
) -> ScoreResult:
    """Label clusters and accounts, with scores and reasons.

    Parameters
    ----------
    posts, accounts
        Canonical tables (``accounts`` may be ``None``).
    edges
        The edges table, every signal (``sync`` included when computed).
    graph
        The fused account graph (:func:`cib.detect.fuse`).
    clustering
        From :func:`cib.network.cluster.cluster_graph` on that graph.
    cfg
        Effective configuration.
    evidence
        The evidence table (recommended: counts of objects and speeds come from it).

    Returns
    -------
    ScoreResult
    """
    ids = sorted(set(edges["account_a"].to_list()) | set(edges["account_b"].to_list()) | set(graph.nodes()))
    acc_feats = account_features(posts, accounts, cfg, ids) if ids else pl.DataFrame(schema=ACCOUNT_FEATURES)
    membership = clustering.membership
    members = pl.DataFrame(
        {"account_id": list(membership), "cluster_id": list(membership.values())},
        schema={"account_id": pl.String, "cluster_id": pl.Int64},
    )
    attach = attachment(clustering.graph if clustering.graph is not None else graph, membership, cfg)
    urls = url_lookup(posts, members)
    co = co_shared(posts, members, int(cfg["detect.co_text.min_chars"]), urls)
    # each cluster's own edges and evidence, joined once for every feature that reads them
    intra = intra_edges(edges, members)
    intra_ev = intra_edges(evidence, members) if evidence is not None and evidence.height else None
    cfeat = cluster_features(posts, acc_feats, edges, clustering, cfg, evidence, attach=attach, co=co,
                             intra=intra, intra_evidence=intra_ev)  # fmt: skip
    weak = weak_signals(cfg)
    sig_stats = _signal_stats(intra, intra_ev) if members.height else None

    cluster_rows: list[dict[str, Any]] = []
    judged_by_id: dict[int, dict[str, Any]] = {}
    known = float(cfg["score.min_known"])
    sig_by_cluster: dict[int, list[dict[str, Any]]] = {}
    if sig_stats is not None:
        for r in sig_stats.sort("cluster_id", "signal").iter_rows(named=True):
            sig_by_cluster.setdefault(int(r["cluster_id"]), []).append(r)
    for row in cfeat.iter_rows(named=True):
        cid = int(row["cluster_id"])
        sig = sig_by_cluster.get(cid, [])
        shares = json.loads(row["signal_shares"]) if row["signal_shares"] else {}
        strong = [s for s in sig if s["signal"] not in weak]
        row["strong_objects"] = sum(int(s["objects"] or 0) for s in strong)
        strong_delta = [s["delta"] for s in strong if s.get("delta") is not None]
        values = {
            "night_share": row["night_share"],
            "reshare_share": row["reshare_share"],
            "fast": (min(strong_delta) if strong_delta else None),
            "creation_share": row["creation_share"] if (row["creation_known"] or 0) >= known else None,
            "digit_handle_share": row["digit_handle_share"] if (row["handle_known"] or 0) >= known else None,
            "work_share": row["work_share"],
            "quiet_nights": row["night_share"],
            "reply_share": row["reply_share"],
            "human_signal_share": sum(v for k, v in shares.items() if k in HUMAN_SIGNALS) / max(row["content_share"] or 0.0, 1e-9)
            if row["content_share"]
            else 0.0,
        }
        bot, bot_parts = _weighted(values, cfg, BOT_INDICATORS)
        troll, troll_parts = _weighted(values, cfg, TROLL_INDICATORS)
        explained, _ = _weighted(
            {
                "age_days": row["age_days"] if (row["creation_known"] or 0) >= known else None,
                "followers": row["followers"] if (row["followers_known"] or 0) >= known else None,
            },
            cfg,
            ORGANIC_INDICATORS,
        )
        judged = _judge(row, bot, troll, explained, cfg)
        order = sorted(sig, key=lambda s: (-(shares.get(s["signal"], 0.0)), s["signal"]))
        reasons = cluster_reasons(row, values, order, cfg, judged)
        judged.update(bot=bot, troll=troll, explained=explained, bot_parts=bot_parts, troll_parts=troll_parts)
        judged_by_id[cid] = judged
        cluster_rows.append(
            {
                "cluster_id": cid,
                "size": row["size"],
                "label": judged["label"],
                "score": round(judged["score"], 4),
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
        )

    clusters = pl.DataFrame(
        cluster_rows,
        schema={**CLUSTERS, "_bot": pl.Float64, "_troll": pl.Float64, "_coordination": pl.Float64, "_strong_objects": pl.Int64, "_explained": pl.Float64, "_flagged": pl.Boolean},
    )
    clusters = _spans_and_objects(clusters, intra, intra_ev, members, int(cfg["score.top_objects"]))

    # accounts
    acc = (
        pl.DataFrame({"account_id": ids}, schema={"account_id": pl.String})
        .join(acc_feats, on="account_id", how="left")
        .join(attach.drop("cluster_id"), on="account_id", how="left")
        .join(co[1].rename({"co_share": "account_co_share"}), on="account_id", how="left")
        .join(members, on="account_id", how="left")
    )
    own_w = float(cfg["score.account_own_weight"])
    min_links = int(cfg["score.min_links"])
    min_share = float(cfg["score.min_share_in"])
    min_co = float(cfg["score.min_account_co_share"])
    digits = int(cfg["score.handle_digits"])
    tz = str(cfg["score.timezone"])
    rows = []
    for r in acc.iter_rows(named=True):
        cid = r["cluster_id"]
        j = judged_by_id.get(cid) if cid is not None else None
        r["_digits"] = digits
        own_bot, _ = _weighted(_account_values(r), cfg, BOT_INDICATORS)
        own_troll, _ = _weighted(_account_values(r), cfg, TROLL_INDICATORS)
        degree_in = int(r["degree_in"] or 0)
        share_in = float(r["share_in"] or 0.0)
        reasons: list[str] = []
        if j is None:
            rows.append(
                {
                    "account_id": r["account_id"],
                    "cluster_id": cid,
                    "flagged": False,
                    "label": None,
                    "score": 0.0,
                    "reasons": ["linked to other accounts, but in no cluster of at least "
                                f"{int(cfg['cluster.min_size'])} accounts"],
                }
            )
            continue
        attached = degree_in >= min_links and share_in >= min_share
        own_co = float(r["account_co_share"] or 0.0)
        takes_part = int(r["strong_degree_in"] or 0) >= 1 or own_co >= min_co
        flagged = bool(j["flagged"] and attached and takes_part)
        value = float(j["score"]) * math.sqrt(min(1.0, share_in))
        if flagged:
            bot = (1 - own_w) * j["bot"] + own_w * own_bot
            troll = (1 - own_w) * j["troll"] + own_w * own_troll
            label = "bot" if bot >= troll else "troll"
            reasons.append(f"member of cluster {cid} ({j['label']}, score {j['score']:.2f})")
        else:
            label = "organic" if j["label"] == "organic" else None
            if j["flagged"] and not attached:
                reasons.append(
                    f"in cluster {cid} ({j['label']}) but loosely attached: {degree_in} link(s) inside, "
                    f"{pct(share_in)} of its weight"
                )
            elif j["flagged"]:
                reasons.append(
                    f"in cluster {cid} ({j['label']}) but linked to it only by timing, hashtags or mentions, "
                    "and repeating none of its content"
                )
            else:
                reasons.append(f"member of cluster {cid}, judged organic")
        reasons.append(f"linked to {degree_in} accounts of its cluster ({pct(share_in)} of its link weight)")
        if own_co >= min_co:
            reasons.append(f"{pct(own_co)} of its posts repeat a post, link or text another member also posted")
        reasons += account_reasons(r, cfg, tz, digits)
        rows.append(
            {
                "account_id": r["account_id"],
                "cluster_id": cid,
                "flagged": flagged,
                "label": label,
                "score": round(value, 4),
                "reasons": reasons,
            }
        )
    account_scores = conform(pl.DataFrame(rows, schema=ACCOUNT_SCORES), "account_scores").sort("account_id")

    narrative = {
        "top": int(cfg["narrative.top"]),
        "min_posts": int(cfg["narrative.min_posts"]),
        "min_chars": int(cfg["narrative.min_chars"]),
        "background": int(cfg["narrative.background_posts"]),
        "seed": int(cfg["run.seed"]),
    }
    cluster_table = conform(clusters, "clusters").sort("cluster_id")
    feats = cfeat.join(
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
    return ScoreResult(
        clusters=cluster_table,
        account_scores=account_scores,
        features=LazyFrames(
            clusters=feats,
            accounts=acc.drop("_digits", strict=False),
            narratives=lambda: ctfidf(posts, members, **narrative),
            items=lambda: top_items(posts, members, top=narrative["top"], urls=urls),
        ),
    )


def _spans_and_objects(
    clusters: pl.DataFrame, intra: pl.DataFrame, intra_evidence: pl.DataFrame | None, members: pl.DataFrame, top: int
) -> pl.DataFrame:
    """Fill first/last coordinated activity and the most co-shared objects (from :func:`intra_edges`)."""
    if members.height == 0 or clusters.height == 0:
        return clusters
    span = intra.group_by("cluster_id").agg(pl.col("first_at").min().alias("_f"), pl.col("last_at").max().alias("_l"))
    out = clusters.join(span, on="cluster_id", how="left").with_columns(
        pl.col("_f").alias("first_at"), pl.col("_l").alias("last_at")
    ).drop("_f", "_l")
    if intra_evidence is None:
        return out
    ev = intra_evidence.filter(~pl.col("signal").is_in(list(TIMING_SIGNALS)))
    if ev.height == 0:
        return out
    accs = pl.concat(
        [ev.select("cluster_id", "signal", "object_id", pl.col("account_a").alias("a")), ev.select("cluster_id", "signal", "object_id", pl.col("account_b").alias("a"))]
    )
    tops = (
        accs.group_by("cluster_id", "signal", "object_id")
        .agg(pl.col("a").n_unique().alias("n"))
        .sort(["cluster_id", "n", "signal", "object_id"], descending=[False, True, False, False])
        .group_by("cluster_id", maintain_order=True)
        .head(top)
        .group_by("cluster_id", maintain_order=True)
        .agg(pl.concat_str("signal", pl.lit(":"), "object_id").alias("_top"))
    )
    return out.join(tops, on="cluster_id", how="left").with_columns(
        pl.col("_top").fill_null(pl.lit([], pl.List(pl.String))).alias("top_objects")
    ).drop("_top")
