"""The Networks section: a table of the networks, and a dossier for each flagged one.

A dossier says who is in a network, when they act, what they push, and shows the
posts as evidence. Flagged networks (any label but organic) get one, the most
concerning first, up to ``report.max_dossiers``; networks judged organic are
rows of the table only, and the table stops at ``report.networks_listed`` rows.
Every table behind the dossiers is computed once for all of them
(:mod:`cib.report.dossier_tables`). The values are plain Python strings and
numbers; the template escapes them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from cib.report import dossier_tables as tables
from cib.report.dossier_rows import Described, duration, evidence, local, member_row, objects, representatives
from cib.report.figures import creation_figures, hours_figures
from cib.report.links import degrees, links_inside
from cib.report.naming import topic, topic_of_objects
from cib.report.narratives import Background, cluster_domains, cluster_hashtags, cluster_terms

__all__ = ["Dossier", "NetworkRow", "Networks", "build_networks", "duration", "LABEL_ORDER"]

#: order of networks in the report: the most concerning labels first
LABEL_ORDER = {"bot": 0, "troll": 1, "mixed": 2, "organic": 3}


@dataclass
class NetworkRow:
    """A network's row in the table of networks (``anchor``: its dossier's id, ``""`` when it has none)."""

    cluster_id: int
    anchor: str
    name: str
    label: str
    score: float | None
    size: int
    colour: str
    reasons: list[str]
    first_at: str
    last_at: str
    topic: str = ""


@dataclass
class Dossier(NetworkRow):
    """Everything the template shows about one network."""

    signals: list[str] = field(default_factory=list)
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
    confidence: str = ""
    zone: str = ""


@dataclass
class Networks:
    """What the Networks section shows, and what its limits left out.

    Attributes
    ----------
    rows, dossiers
        The table's rows and the dossiers, in the page's order.
    figures
        The dossiers' charts by figure id.
    total, flagged
        Networks in the clusters table, and of them flagged (any label but organic).
    flagged_unlisted, organic_unlisted
        Networks left out of the table (``report.networks_listed``).
    flagged_no_dossier
        Flagged networks in the table without a dossier (``report.max_dossiers``).
    background
        The posts of other accounts read to rank the dossiers' terms.
    """

    rows: list[NetworkRow] = field(default_factory=list)
    dossiers: list[Dossier] = field(default_factory=list)
    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    total: int = 0
    flagged: int = 0
    flagged_unlisted: int = 0
    organic_unlisted: int = 0
    flagged_no_dossier: int = 0
    background: Background = Background(0, 0)

    @property
    def organic(self) -> int:
        """Networks judged organic (never a dossier)."""
        return self.total - self.flagged


def _grouped(frame: pl.DataFrame, *keys: str) -> dict[Any, list[dict[str, Any]]]:
    """``frame``'s rows as dicts, grouped by ``keys`` (one key: its value; more: a tuple), in order."""
    out: dict[Any, list[dict[str, Any]]] = {}
    for row in frame.iter_rows(named=True):
        key = row[keys[0]] if len(keys) == 1 else tuple(row[k] for k in keys)
        out.setdefault(key, []).append(row)
    return out


def _ordered(clusters: pl.DataFrame) -> pl.DataFrame:
    """The networks in the page's order: flagged ones first (bot, troll, mixed), by score; then organic ones."""
    return clusters.with_columns(
        (pl.col("label").fill_null("") == "organic").alias("_organic"),
        pl.col("label").replace_strict(LABEL_ORDER, default=9, return_dtype=pl.Int64).alias("_o"),
    ).sort(["_organic", "_o", "score", "cluster_id"], descending=[False, False, True, False], nulls_last=True)


def build_networks(
    clusters: pl.DataFrame,
    scores: pl.DataFrame,
    accounts: pl.DataFrame,
    posts: pl.DataFrame,
    evidence: pl.DataFrame | pl.LazyFrame,
    links: pl.DataFrame,
    colours: Mapping[int, str],
    tz: ZoneInfo,
    limits: Mapping[str, int],
    strength: Mapping[str, float] | None = None,
    windows: Mapping[str, str] | None = None,
) -> Networks:
    """The table of networks and the dossiers of the flagged ones, with their figures.

    Parameters
    ----------
    clusters, scores, accounts, posts, evidence
        The collection's tables (the evidence may be a scan of its file).
    links
        Every link between two accounts (``account_a, account_b``: :func:`cib.report.links.pairs`).
    colours
        Cluster id → colour (as in the network view).
    tz
        Zone in which times are shown.
    limits
        ``networks``, ``dossiers``, ``members``, ``evidence_groups``, ``evidence_posts``,
        ``top_items``, ``text_chars``, ``background``, ``name_chars``.
    strength
        Signal → how much it says (``detect.fusion.weights``): orders evidence groups of equal size.
    windows
        Signal → the window it ran with, in words (:func:`cib.report.methods.window_used`),
        stated in each evidence headline.

    Returns
    -------
    Networks
        Rows and dossiers in the page's order (flagged networks first: bot, troll, mixed,
        by score within a label; then organic ones), and the figures the dossiers reference.
    """
    out = Networks(total=clusters.height)
    if clusters.height == 0:
        return out
    ordered = _ordered(clusters)
    out.flagged = int((~ordered["_organic"]).sum())
    listed = ordered.head(max(limits["networks"], 0))
    described = listed.filter(~pl.col("_organic")).head(max(limits["dossiers"], 0))
    flagged_listed = int((~listed["_organic"]).sum())
    out.flagged_unlisted = out.flagged - flagged_listed
    out.organic_unlisted = out.organic - (listed.height - flagged_listed)
    out.flagged_no_dossier = flagged_listed - described.height
    if described.height:
        ids = set(described["cluster_id"].to_list())
        have, out.background = _describe(ids, scores, accounts, posts, evidence, links, tz, limits, strength or {})
        for row in described.iter_rows(named=True):
            d = _dossier(row, have, colours, tz, limits, windows or {})
            out.dossiers.append(d)
            out.figures.update(_charts(d, have))
    dossiers = {d.cluster_id: d for d in out.dossiers}
    sizes = dict(scores.filter(pl.col("cluster_id").is_not_null()).unique("account_id", keep="first")
                 .group_by("cluster_id").agg(pl.len()).iter_rows())  # fmt: skip
    chars = limits.get("name_chars", 32)
    out.rows = [_row(row, dossiers.get(int(row["cluster_id"])), sizes, colours, tz, chars) for row in listed.iter_rows(named=True)]
    return out


def _describe(
    ids: set[int],
    scores: pl.DataFrame,
    accounts: pl.DataFrame,
    posts: pl.DataFrame,
    evidence: pl.DataFrame | pl.LazyFrame,
    links: pl.DataFrame,
    tz: ZoneInfo,
    limits: Mapping[str, int],
    strength: Mapping[str, float],
) -> tuple[Described, Background]:
    """Everything the dossiers of the networks ``ids`` show, computed for all of them at once."""
    top = limits["top_items"]
    member = tables.members_of(scores, ids)
    mine = tables.member_posts(posts, member)
    who = tables.roster(scores, accounts, member, mine, degrees(links_inside(links, member)))
    groups, groups_total, group_posts = tables.evidence_groups(
        evidence, member, posts, strength, max(limits["evidence_groups"], top)
    )
    shown = groups.filter(pl.col("rank") < limits["evidence_groups"])
    posts_total, listed = tables.group_posts(group_posts, shown, posts, accounts, limits["evidence_posts"])
    activity = mine.group_by("cluster_id").agg(pl.len(), pl.col("created_at").min().alias("lo"),
                                               pl.col("created_at").max().alias("hi"))  # fmt: skip
    terms, background = cluster_terms(posts, member, top, background=limits["background"])
    have = Described(
        members=_grouped(who.group_by("cluster_id", maintain_order=True).head(max(limits["members"], 0)), "cluster_id"),
        members_total=dict(who.group_by("cluster_id").agg(pl.len()).iter_rows()),
        groups=_grouped(groups, "cluster_id"),
        groups_total=groups_total,
        posts_total=posts_total,
        posts=_grouped(listed, "cluster_id", "rank"),
        activity={int(c): (int(n), lo, hi) for c, n, lo, hi in activity.iter_rows()},
        originals=tables.object_texts(groups, posts),
        terms=terms,
        hashtags=cluster_hashtags(posts, member, top),
        domains=cluster_domains(posts, member, top),
        created=creation_figures(who.select("cluster_id", pl.col("account_created").alias("created"))),
        hours=hours_figures(mine.select("cluster_id", "created_at"), tz),
        languages=tables.languages(posts, member),
    )
    return have, background


def _row(
    row: Mapping[str, Any], d: Dossier | None, sizes: Mapping[int, int], colours: Mapping[int, str], tz: ZoneInfo,
    chars: int,
) -> NetworkRow:
    """A network's row of the table: its dossier when it has one, else from the clusters table."""
    if d is not None:
        return d
    cid = int(row["cluster_id"])
    return NetworkRow(
        cluster_id=cid,
        anchor="",
        name=f"Network {cid}",
        label=str(row["label"] or ""),
        score=row["score"],
        size=int(row["size"] if row["size"] is not None else sizes.get(cid, 0)),
        colour=colours.get(cid, "#9aa0a6"),
        reasons=[str(r) for r in (row["reasons"] or [])],
        first_at=local(row["first_at"], tz, "%Y-%m-%d %H:%M"),
        last_at=local(row["last_at"], tz, "%Y-%m-%d %H:%M"),
        topic=topic_of_objects(row.get("top_objects"), chars=chars),
    )


def _dossier(
    row: Mapping[str, Any], have: Described, colours: Mapping[int, str], tz: ZoneInfo, limits: Mapping[str, int],
    windows: Mapping[str, str],
) -> Dossier:
    """One network's dossier from its row of the clusters table."""
    cid = int(row["cluster_id"])
    anchor = f"cluster-{cid}"
    n_posts, lo, hi = have.activity.get(cid, (0, None, None))
    # the scorer's activity span, else the span of the members' posts
    first_at = row["first_at"] if row["first_at"] is not None else lo
    last_at = row["last_at"] if row["last_at"] is not None else hi
    mine = have.groups.get(cid, [])
    shown = [g for g in mine if g["rank"] < limits["evidence_groups"]]
    total = have.members_total.get(cid, 0)
    return Dossier(
        cluster_id=cid,
        anchor=anchor,
        name=f"Network {cid}",
        label=str(row["label"] or ""),
        score=row["score"],
        size=int(row["size"] if row["size"] is not None else total),
        colour=colours.get(cid, "#9aa0a6"),
        reasons=[str(r) for r in (row["reasons"] or [])],
        signals=[str(s) for s in (row["signals"] or [])],
        first_at=local(first_at, tz, "%Y-%m-%d %H:%M"),
        last_at=local(last_at, tz, "%Y-%m-%d %H:%M"),
        members=[member_row(m, tz) for m in have.members.get(cid, [])],
        members_total=total,
        objects=objects(mine[: limits["top_items"]], shown, anchor, representatives(shown, have)),
        listed_objects=[str(o) for o in (row["top_objects"] or [])][: limits["top_items"]],
        evidence=evidence(shown, have, anchor, tz, limits["text_chars"], windows),
        evidence_total=have.groups_total.get(cid, 0),
        terms=have.terms.get(cid, []),
        hashtags=have.hashtags.get(cid, []),
        domains=have.domains.get(cid, []),
        posts=n_posts,
        confidence=str(row.get("confidence") or ""),
        zone=_zone_words(row),
        topic=topic(have.hashtags.get(cid, []), have.domains.get(cid, []), have.terms.get(cid, []),
                    have.languages.get(cid), chars=limits.get("name_chars", 32)),
    )


def _zone_words(row: Mapping[str, Any]) -> str:
    """Which clock the network's hours were read on, and how sure: ``UTC+2 (its own daily low; high confidence)``."""
    if not row.get("zone"):
        return ""
    basis = {"configured": "configured", "own": "its own daily low", "collection": "the collection's daily low",
             "none": "no daily low anywhere"}.get(str(row.get("zone_basis")), str(row.get("zone_basis") or ""))
    return f"{row['zone']} ({basis}; {row.get('zone_confidence') or 'low'} confidence)"


def _charts(d: Dossier, have: Described) -> dict[str, dict[str, Any]]:
    """The dossier's account-creation and posting-hours charts by figure id (their ids set on ``d``)."""
    figures: dict[str, dict[str, Any]] = {}
    if d.cluster_id in have.created:
        fig, d.created_unit = have.created[d.cluster_id]
        d.created_fig = f"c{d.cluster_id}-created"
        figures[d.created_fig] = fig
    if d.cluster_id in have.hours:
        d.hours_fig = f"c{d.cluster_id}-hours"
        figures[d.hours_fig] = have.hours[d.cluster_id]
    return figures


