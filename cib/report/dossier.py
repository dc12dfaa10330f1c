"""One dossier per network: who is in it, when they act, what they push, and the posts as evidence.

The dossier's values are plain Python strings and numbers; the template
escapes them. Evidence groups come from the evidence table: the co-occurring
post pairs inside a network are grouped by signal and object ("these 12
accounts posted this text within 14 s"), largest group first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import networkx as nx
import polars as pl

from cib.report.figures import creation_figure, hours_figure
from cib.report.methods import evidence_verb, signal_name
from cib.report.narratives import cluster_domains, cluster_hashtags, cluster_terms
from cib.report.safety import safe_url

__all__ = ["Dossier", "build_dossiers", "duration", "source_link", "LABEL_ORDER"]

#: order of networks in the report: the most concerning labels first
LABEL_ORDER = {"bot": 0, "troll": 1, "mixed": 2, "organic": 3}


@dataclass
class Dossier:
    """Everything the template shows about one network."""

    cluster_id: int
    anchor: str
    name: str
    label: str
    score: float | None
    size: int
    colour: str
    reasons: list[str]
    signals: list[str]
    first_at: str
    last_at: str
    members: list[dict[str, Any]] = field(default_factory=list)
    members_total: int = 0
    objects: list[dict[str, Any]] = field(default_factory=list)
    listed_objects: list[str] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    evidence_total: int = 0
    terms: list[tuple[str, int]] = field(default_factory=list)
    hashtags: list[tuple[str, int]] = field(default_factory=list)
    domains: list[tuple[str, int]] = field(default_factory=list)
    created_fig: str | None = None
    created_unit: str = ""
    hours_fig: str | None = None
    posts: int = 0


def duration(seconds: float | None) -> str:
    """``4`` → ``"4 s"``, ``135`` → ``"2 min 15 s"``, ``7200`` → ``"2 h"``."""
    if seconds is None:
        return "—"
    s = max(float(seconds), 0.0)
    if s < 10:
        return f"{s:.1f} s".replace(".0 s", " s")
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        m, rest = divmod(round(s), 60)
        return f"{m} min" + (f" {rest} s" if rest else "")
    if s < 86400:
        h, rest = divmod(round(s / 60), 60)
        return f"{h} h" + (f" {rest} min" if rest else "")
    return f"{s / 86400:.1f} days"


def source_link(platform: str | None, post_id: str | None) -> str | None:
    """A link to a post on its platform where one can be built from its id (X ids, CrowdTangle URLs)."""
    if not post_id:
        return None
    if safe_url(post_id):
        return post_id
    if (platform or "").lower() in {"x", "twitter"} and post_id.isdigit():
        return f"https://x.com/i/web/status/{post_id}"
    return None


def _cut(text: str | None, limit: int) -> str:
    if not text:
        return ""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _local(value: Any, tz: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return value.astimezone(tz).strftime(fmt) if value is not None else ""


def _evidence_groups(
    evidence: pl.DataFrame, member: pl.DataFrame, posts: pl.DataFrame, strength: Mapping[str, float]
) -> pl.DataFrame:
    """Co-occurrences inside each network grouped by signal and object, with their posts' time span.

    Groups come most accounts first, then strongest signal (``strength``, e.g. the
    fusion multipliers: a shared text says more than a shared hashtag), then fastest.
    """
    if evidence.height == 0 or member.height == 0:
        return pl.DataFrame(
            schema={"cluster_id": pl.Int64, "signal": pl.String, "object_id": pl.String, "accounts": pl.List(pl.String),
                    "post_ids": pl.List(pl.String), "n_pairs": pl.UInt32, "n_accounts": pl.UInt32,
                    "span_s": pl.Float64, "first_at": posts.schema["created_at"]}
        )  # fmt: skip
    m = member.lazy()
    inside = (
        evidence.lazy()
        .join(m.rename({"account_id": "account_a", "cluster_id": "ca"}), on="account_a")
        .join(m.rename({"account_id": "account_b", "cluster_id": "cb"}), on="account_b")
        .filter(pl.col("ca") == pl.col("cb"))
    )
    groups = inside.group_by(pl.col("ca").alias("cluster_id"), "signal", "object_id").agg(
        pl.col("account_a").append(pl.col("account_b")).unique().sort().alias("accounts"),
        pl.col("post_a").append(pl.col("post_b")).unique().sort().alias("post_ids"),
        pl.len().alias("n_pairs"),
    )
    times = posts.lazy().select("post_id", "created_at").unique("post_id", keep="first")
    spans = (
        groups.select("cluster_id", "signal", "object_id", "post_ids")
        .explode("post_ids")
        .join(times, left_on="post_ids", right_on="post_id", how="left")
        .group_by("cluster_id", "signal", "object_id")
        .agg(
            ((pl.col("created_at").max() - pl.col("created_at").min()).dt.total_microseconds() / 1e6).alias("span_s"),
            pl.col("created_at").min().alias("first_at"),
        )
    )
    return (
        groups.join(spans, on=["cluster_id", "signal", "object_id"], how="left")
        .with_columns(
            pl.col("accounts").list.len().alias("n_accounts"),
            pl.col("signal").replace_strict(dict(strength), default=1.0, return_dtype=pl.Float64).alias("_strength"),
        )
        .sort(["cluster_id", "n_accounts", "_strength", "span_s", "n_pairs", "signal", "object_id"],
              descending=[False, True, True, False, True, False, False], nulls_last=True)  # fmt: skip
        .drop("_strength")
        .collect()
    )


def _object_text(signal: str, object_id: str, originals: Mapping[str, str]) -> str:
    if signal in {"co_reshare", "co_reply"} and object_id in originals:
        return originals[object_id]
    if signal == "co_hashtag":
        return f"#{object_id}"
    if signal == "co_mention":
        return f"@{object_id}"
    return object_id


@dataclass
class _Tables:
    """The collection's tables cut per network, and the lookups every dossier uses."""

    roster: dict[int, pl.DataFrame]
    groups: dict[int, pl.DataFrame]
    times: dict[int, pl.DataFrame]
    posts: dict[int, pl.DataFrame]
    empty_roster: pl.DataFrame
    empty_groups: pl.DataFrame
    empty_posts: pl.DataFrame
    time_dtype: pl.DataType
    originals: dict[str, str]
    handles: dict[str, str]
    terms: dict[int, list[tuple[str, int]]]
    hashtags: dict[int, list[tuple[str, int]]]
    domains: dict[int, list[tuple[str, int]]]


def build_dossiers(
    clusters: pl.DataFrame,
    scores: pl.DataFrame,
    accounts: pl.DataFrame,
    posts: pl.DataFrame,
    evidence: pl.DataFrame,
    graph: nx.Graph,
    colours: Mapping[int, str],
    tz: ZoneInfo,
    limits: Mapping[str, int],
    strength: Mapping[str, float] | None = None,
) -> tuple[list[Dossier], dict[str, dict[str, Any]]]:
    """Dossiers of every network in the clusters table, and their figures.

    Parameters
    ----------
    clusters, scores, accounts, posts, evidence
        The collection's tables.
    graph
        The fused account graph (members' links inside their network).
    colours
        Cluster id → colour (as in the network view).
    tz
        Zone in which times are shown.
    limits
        ``members``, ``evidence_groups``, ``evidence_posts``, ``top_items``, ``text_chars``.
    strength
        Signal → how much it says (``detect.fusion.weights``): orders evidence groups of equal size.

    Returns
    -------
    tuple
        Dossiers (bot, troll, mixed, then organic networks; by score within a
        label) and the figures they reference, by figure id.
    """
    if clusters.height == 0:
        return [], {}
    tables = _tables(scores, accounts, posts, evidence, limits, strength or {})
    ordered = clusters.with_columns(
        pl.col("label").replace_strict(LABEL_ORDER, default=9, return_dtype=pl.Int64).alias("_o")
    ).sort(["_o", "score", "cluster_id"], descending=[False, True, False], nulls_last=True)
    dossiers: list[Dossier] = []
    figures: dict[str, dict[str, Any]] = {}
    for row in ordered.iter_rows(named=True):
        d, charts = _dossier(row, tables, graph, colours, tz, limits)
        dossiers.append(d)
        figures.update(charts)
    return dossiers, figures


def _by_cluster(frame: pl.DataFrame) -> dict[int, pl.DataFrame]:
    """``frame``'s rows per ``cluster_id``."""
    if frame.height == 0:
        return {}
    return {int(k[0]): v for k, v in frame.partition_by("cluster_id", as_dict=True).items()}


def _tables(
    scores: pl.DataFrame,
    accounts: pl.DataFrame,
    posts: pl.DataFrame,
    evidence: pl.DataFrame,
    limits: Mapping[str, int],
    strength: Mapping[str, float],
) -> _Tables:
    """Members, evidence groups and their posts, members' post times and narratives, per network."""
    top = limits["top_items"]
    member = scores.filter(pl.col("cluster_id").is_not_null()).select("account_id", "cluster_id").unique("account_id", keep="first")
    people = accounts.unique("account_id", keep="first")
    post_counts = posts.group_by("account_id").agg(pl.len().alias("posts_here"))
    roster = (
        scores.filter(pl.col("cluster_id").is_not_null())
        .unique("account_id", keep="first")
        .join(people.select("account_id", "handle", "display_name", pl.col("created_at").alias("account_created"),
                            "followers", "platform"), on="account_id", how="left")
        .join(post_counts, on="account_id", how="left")
    )  # fmt: skip
    member_posts = posts.select("post_id", "account_id", "created_at").join(member, on="account_id")
    groups = _evidence_groups(evidence, member, posts, strength)
    post_lookup = posts.select(
        "post_id", "account_id", "created_at", "text", "urls", "platform", "source_file", "source_row"
    ).unique("post_id", keep="first")
    return _Tables(
        roster=_by_cluster(roster),
        groups=_by_cluster(groups),
        times=_by_cluster(member_posts),
        posts=_by_cluster(_shown_posts(groups, post_lookup, limits)),
        empty_roster=roster.clear(),
        empty_groups=groups.clear(),
        empty_posts=post_lookup.clear(),
        time_dtype=posts.schema["created_at"],
        originals=dict(post_lookup.select("post_id", "text").drop_nulls().iter_rows()),
        handles=dict(people.select("account_id", "handle").iter_rows()),
        terms=cluster_terms(posts, member, top),
        hashtags=cluster_hashtags(posts, member, top),
        domains=cluster_domains(posts, member, top),
    )


def _shown_posts(groups: pl.DataFrame, post_lookup: pl.DataFrame, limits: Mapping[str, int]) -> pl.DataFrame:
    """The posts listed under each shown evidence group (``rank``: the group's place in its network), earliest first."""
    shown_all = groups.group_by("cluster_id", maintain_order=True).head(limits["evidence_groups"])
    shown_all = shown_all.with_columns(pl.int_range(pl.len()).over("cluster_id").alias("rank"))
    return (
        shown_all.select("cluster_id", "rank", pl.col("post_ids").alias("post_id"))
        .explode("post_id")
        .join(post_lookup, on="post_id")
        .sort(["cluster_id", "rank", "created_at", "post_id"])
        .group_by("cluster_id", "rank", maintain_order=True)
        .head(limits["evidence_posts"])
    )


def _dossier(
    row: Mapping[str, Any],
    tables: _Tables,
    graph: nx.Graph,
    colours: Mapping[int, str],
    tz: ZoneInfo,
    limits: Mapping[str, int],
) -> tuple[Dossier, dict[str, dict[str, Any]]]:
    """One network's dossier from its row of the clusters table, and its charts by figure id."""
    cid = int(row["cluster_id"])
    anchor = f"cluster-{cid}"
    who = tables.roster.get(cid, tables.empty_roster)
    ids = who["account_id"].to_list()
    times = tables.times[cid]["created_at"] if cid in tables.times else pl.Series("created_at", [], dtype=tables.time_dtype)
    # the scorer's activity span, else the span of the members' posts
    first_at = row["first_at"] if row["first_at"] is not None else times.min()
    last_at = row["last_at"] if row["last_at"] is not None else times.max()
    mine = tables.groups.get(cid, tables.empty_groups)
    shown = mine.head(limits["evidence_groups"])
    d = Dossier(
        cluster_id=cid,
        anchor=anchor,
        name=f"Network {cid}",
        label=str(row["label"] or ""),
        score=row["score"],
        size=int(row["size"] if row["size"] is not None else len(ids)),
        colour=colours.get(cid, "#9aa0a6"),
        reasons=[str(r) for r in (row["reasons"] or [])],
        signals=[str(s) for s in (row["signals"] or [])],
        first_at=_local(first_at, tz, "%Y-%m-%d %H:%M"),
        last_at=_local(last_at, tz, "%Y-%m-%d %H:%M"),
        members=_members(who, graph.subgraph(ids), tz, limits["members"]),
        members_total=len(ids),
        objects=_objects(mine.head(limits["top_items"]), shown, anchor, tables.originals),
        listed_objects=[str(o) for o in (row["top_objects"] or [])][: limits["top_items"]],
        evidence=_evidence(shown, tables.posts.get(cid), anchor, tables, tz, limits["text_chars"]),
        evidence_total=mine.height,
        terms=tables.terms.get(cid, []),
        hashtags=tables.hashtags.get(cid, []),
        domains=tables.domains.get(cid, []),
        posts=times.len(),
    )
    return d, _charts(d, who["account_created"], times, tz)


def _members(who: pl.DataFrame, sub: nx.Graph, tz: ZoneInfo, limit: int) -> list[dict[str, Any]]:
    """The members table: highest score first, then most links inside the network."""
    ids = who["account_id"].to_list()
    ranked = who.with_columns(
        pl.col("account_id").replace_strict({n: sub.degree(n) for n in ids} or {"": 0}, default=0,
                                            return_dtype=pl.Int64).alias("degree")
    ).sort(["score", "degree", "account_id"], descending=[True, True, False], nulls_last=True)  # fmt: skip
    return [
        {
            "account_id": m["account_id"],
            "handle": m["handle"] or "",
            "display_name": m["display_name"] or "",
            "label": m["label"] or "",
            "score": m["score"],
            "flagged": bool(m["flagged"]),
            "degree": m["degree"],
            "posts": m["posts_here"] or 0,
            "followers": m["followers"],
            "created": m["account_created"].astimezone(tz).strftime("%Y-%m-%d") if m["account_created"] else "",
            "reason": (m["reasons"] or [""])[0] if m["reasons"] else "",
        }
        for m in ranked.head(limit).iter_rows(named=True)
    ]


def _charts(d: Dossier, created: pl.Series, times: pl.Series, tz: ZoneInfo) -> dict[str, dict[str, Any]]:
    """The dossier's account-creation and posting-hours charts by figure id (their ids set on ``d``)."""
    figures: dict[str, dict[str, Any]] = {}
    fig, unit = creation_figure(created)
    if fig is not None:
        d.created_fig, d.created_unit = f"c{d.cluster_id}-created", unit
        figures[d.created_fig] = fig
    heat = hours_figure(times, tz)
    if heat is not None:
        d.hours_fig = f"c{d.cluster_id}-hours"
        figures[d.hours_fig] = heat
    return figures


def _objects(
    top: pl.DataFrame, shown: pl.DataFrame, anchor: str, originals: Mapping[str, str]
) -> list[dict[str, Any]]:
    """What the network shares most (its largest evidence groups), each linked to its evidence when shown."""
    shown_keys = {(s, o): i for i, (s, o) in enumerate(shown.select("signal", "object_id").iter_rows())}
    return [
        {
            "signal": signal_name(g["signal"]),
            "text": _cut(_object_text(g["signal"], g["object_id"], originals), 200),
            "url": safe_url(g["object_id"]),
            "accounts": g["n_accounts"],
            "pairs": g["n_pairs"],
            "span": duration(g["span_s"]),
            "evidence": f"{anchor}-ev{shown_keys[(g['signal'], g['object_id'])]}"
            if (g["signal"], g["object_id"]) in shown_keys
            else "",
        }
        for g in top.iter_rows(named=True)
    ]


def _evidence(
    shown: pl.DataFrame,
    listed_posts: pl.DataFrame | None,
    anchor: str,
    tables: _Tables,
    tz: ZoneInfo,
    text_chars: int,
) -> list[dict[str, Any]]:
    """The shown evidence groups: a sentence, the object, and the posts (``listed_posts``, by ``rank``)."""
    out = []
    for i, g in enumerate(shown.iter_rows(named=True)):
        listed = listed_posts.filter(pl.col("rank") == i) if listed_posts is not None else tables.empty_posts
        out.append(
            {
                "anchor": f"{anchor}-ev{i}",
                "sentence": f"{g['n_accounts']} accounts {evidence_verb(g['signal'])} within {duration(g['span_s'])}",
                "signal": signal_name(g["signal"]),
                "object": _cut(_object_text(g["signal"], g["object_id"], tables.originals), text_chars),
                "object_url": safe_url(g["object_id"]),
                "pairs": g["n_pairs"],
                "posts_total": len(g["post_ids"]),
                "posts": _evidence_posts(listed, tables.handles, tz, text_chars),
            }
        )
    return out


def _evidence_posts(
    listed: pl.DataFrame, handles: Mapping[str, str], tz: ZoneInfo, text_chars: int
) -> list[dict[str, Any]]:
    """An evidence group's posts, each with its time after the first."""
    first = listed["created_at"].min() if listed.height else None
    items = []
    for k, p in enumerate(listed.iter_rows(named=True)):
        offset = (p["created_at"] - first).total_seconds() if first is not None and p["created_at"] else None
        items.append(
            {
                "time": _local(p["created_at"], tz),
                "offset": "first" if k == 0 else "+" + duration(offset),
                "handle": handles.get(p["account_id"]) or "",
                "account_id": p["account_id"],
                "text": _cut(p["text"], text_chars),
                "post_id": p["post_id"],
                "link": source_link(p["platform"], p["post_id"]),
                "source": f"{p['source_file'] or '?'}:{p['source_row'] if p['source_row'] is not None else '?'}",
                "urls": [(u, safe_url(u)) for u in (p["urls"] or [])[:5]],
            }
        )
    return items
