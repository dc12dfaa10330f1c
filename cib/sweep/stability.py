"""How well clusters survive a change of parameters, and which setting to recommend.

Stability of a cluster
    For each neighbouring grid point (one parameter one step away), the
    cluster's *best match* there is the cluster sharing the largest Jaccard
    index of members with it (|A ∩ B| / |A ∪ B|; 0 when no member is clustered
    there). The cluster's stability is the mean of its best-match Jaccard over
    its neighbours (``stability_min``: the worst one). 1.0 means that every
    neighbouring setting finds exactly the same members grouped together.

Stability of a point
    The mean stability of its flagged clusters (label other than ``organic``),
    weighted by their size: the share of its flagged findings that survive a
    small change of the settings. ``stability_all`` weighs every cluster.

Recommendation
    With labels: the highest F1; points within 0.01 of it count as equal and
    the most stable of them wins. Without labels: the most stable point among
    those that flag at least one account and at most ``sweep.flagged_tolerance``
    times the grid's median number of flagged accounts (a setting that flags far
    more than the others is likely catching organic activity).
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from cib.sweep.grid import Grid, Point, value_text
from cib.sweep.points import PointOutcome

__all__ = [
    "best_match",
    "cluster_members",
    "cluster_stability",
    "point_stability",
    "recommend",
    "STABILITY_SCHEMA",
    "F1_TIE",
]

#: F1 values closer than this to the best count as equal (then stability decides)
F1_TIE = 0.01

STABILITY_SCHEMA: dict[str, pl.DataType] = {
    "point": pl.Int64(),
    "cluster_id": pl.Int64(),
    "size": pl.Int64(),
    "label": pl.String(),
    "flagged": pl.Boolean(),
    "stability": pl.Float64(),
    "stability_min": pl.Float64(),
    "neighbours": pl.List(pl.Int64()),
    "best_match": pl.List(pl.Int64()),
    "jaccard": pl.List(pl.Float64()),
}


def cluster_members(membership: Mapping[str, int]) -> dict[int, frozenset[str]]:
    """Cluster id → its members, from account → cluster id."""
    groups: dict[int, set[str]] = {}
    for account, cid in membership.items():
        groups.setdefault(int(cid), set()).add(account)
    return {cid: frozenset(m) for cid, m in sorted(groups.items())}


def best_match(members: frozenset[str], other: Mapping[str, int], other_sizes: Mapping[int, int]) -> tuple[int | None, float]:
    """The cluster of another point sharing the largest Jaccard index with ``members``.

    Parameters
    ----------
    members
        One cluster's accounts.
    other
        Account → cluster id at the other point.
    other_sizes
        Cluster id → size at the other point.

    Returns
    -------
    (cluster id or None, Jaccard)
        ``(None, 0.0)`` when no member is clustered there; ties go to the smaller id.
    """
    counts = Counter(other[a] for a in members if a in other)
    best: tuple[int | None, float] = (None, 0.0)
    for cid in sorted(counts):
        inter = counts[cid]
        jac = inter / (len(members) + other_sizes[cid] - inter)
        if jac > best[1]:
            best = (int(cid), jac)
    return best


def cluster_stability(grid: Grid, points: Sequence[Point], outcomes: Mapping[int, PointOutcome]) -> pl.DataFrame:
    """One row per cluster of every point: its best matches at the neighbouring points.

    Returns
    -------
    pl.DataFrame
        :data:`STABILITY_SCHEMA`, sorted by point and cluster.
    """
    members = {pid: cluster_members(o.membership) for pid, o in outcomes.items()}
    sizes = {pid: {c: len(m) for c, m in groups.items()} for pid, groups in members.items()}
    rows = []
    for point in points:
        out = outcomes[point.id]
        near = grid.neighbours(point)
        for cid, mem in members[point.id].items():
            matches = [best_match(mem, outcomes[q].membership, sizes[q]) for q in near]
            jac = [round(j, 6) for _, j in matches]
            label = out.cluster_labels.get(cid)
            rows.append(
                {
                    "point": point.id,
                    "cluster_id": cid,
                    "size": len(mem),
                    "label": label,
                    "flagged": label is not None and label != "organic",
                    "stability": round(sum(jac) / len(jac), 6) if jac else None,
                    "stability_min": min(jac) if jac else None,
                    "neighbours": near,
                    "best_match": [c for c, _ in matches],
                    "jaccard": jac,
                }
            )
    return pl.DataFrame(rows, schema=STABILITY_SCHEMA)


def point_stability(table: pl.DataFrame) -> dict[int, dict[str, float | None]]:
    """Point → ``stability`` (flagged clusters, size-weighted) and ``stability_all`` (every cluster)."""
    out: dict[int, dict[str, float | None]] = {}

    def weighted(frame: pl.DataFrame) -> float | None:
        frame = frame.filter(pl.col("stability").is_not_null())
        total = frame["size"].sum()
        return round(float((frame["size"] * frame["stability"]).sum() / total), 6) if total else None

    for (pid,), grp in table.group_by("point"):
        out[int(pid)] = {"stability": weighted(grp.filter(pl.col("flagged"))), "stability_all": weighted(grp)}
    return out


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.0f}%"


def _setting(row: Mapping[str, Any], axes: Sequence[str]) -> str:
    return ", ".join(f"{a} = {value_text(row[a])}" for a in axes)


def recommend(rows: Sequence[Mapping[str, Any]], axes: Sequence[str], *, labelled: bool, tolerance: float) -> tuple[int | None, list[str]]:
    """The recommended point and the reasons, in plain sentences.

    Parameters
    ----------
    rows
        One mapping per point with ``point``, the axes, ``flagged_accounts``,
        ``stability`` and (with labels) ``f1``, ``precision``, ``recall``.
    axes
        Axis names (for the wording).
    labelled
        Whether evaluation figures exist.
    tolerance
        ``sweep.flagged_tolerance``.

    Returns
    -------
    (point id or None, reasons)
    """
    if not rows:
        return None, ["The grid is empty."]
    stab = lambda r: -1.0 if r.get("stability") is None else float(r["stability"])  # noqa: E731
    if labelled and any(r.get("f1") is not None for r in rows):
        scored = [r for r in rows if r.get("f1") is not None]
        top = max(float(r["f1"]) for r in scored)
        ties = [r for r in scored if float(r["f1"]) >= top - F1_TIE]
        best = max(ties, key=lambda r: (stab(r), float(r["f1"]), -int(r["point"])))
        reasons = [
            f"Point {best['point']} ({_setting(best, axes)}) agrees best with the labels: F1 {best['f1']:.2f}, "
            f"with {_pct(best.get('precision'))} of the accounts it flags in a known network (precision) and "
            f"{_pct(best.get('recall'))} of the known networks' accounts flagged (recall).",
        ]
        if len(ties) > 1:
            reasons.append(
                f"{len(ties)} points have an F1 within {F1_TIE} of the best ({top:.2f}); among them this one's flagged "
                "clusters change least between neighbouring settings."
            )
        if best.get("stability") is not None:
            reasons.append(
                f"At the neighbouring settings its flagged clusters keep {_pct(best['stability'])} of their members "
                "together (size-weighted mean best-match Jaccard)."
            )
        if best.get("stability") is not None and float(best["stability"]) < 0.5:
            reasons.append("That is low: the networks found here depend on the exact setting, so report them with care.")
        reasons.append("Labels describe the networks someone knew about; a setting tuned to them can miss other kinds of coordination.")
        return int(best["point"]), reasons

    flagging = [r for r in rows if int(r.get("flagged_accounts") or 0) > 0]
    if not flagging:
        return None, ["No setting of the grid flags any account, so there is nothing to recommend; try wider windows or a higher FDR."]
    median = statistics.median(int(r["flagged_accounts"]) for r in flagging)
    ok = [r for r in flagging if int(r["flagged_accounts"]) <= tolerance * median]
    best = max(ok, key=lambda r: (stab(r), -abs(int(r["flagged_accounts"]) - median), -int(r["point"])))
    reasons = [
        "There are no labels, so the recommendation rests on stability: findings that survive small changes of "
        "the settings are less likely to be artefacts of one choice.",
        f"{len(flagging)} of {len(rows)} points flag at least one account (median {median:g} accounts)."
        + (
            f" {len(flagging) - len(ok)} flagging more than {tolerance:g} times that many were set aside as likely "
            "over-inclusive."
            if len(ok) < len(flagging)
            else ""
        ),
    ]
    if best.get("stability") is not None:
        reasons.append(
            f"Point {best['point']} ({_setting(best, axes)}) is the most stable of them: at the neighbouring settings "
            f"its flagged clusters keep {_pct(best['stability'])} of their members together; it flags "
            f"{int(best['flagged_accounts'])} accounts."
        )
        if float(best["stability"]) < 0.5:
            reasons.append("Even this is low: the networks depend on the exact setting, so report them with care.")
    else:
        reasons.append(
            f"Stability cannot be measured (no neighbouring points); point {best['point']} ({_setting(best, axes)}) "
            f"flags the number of accounts closest to the median ({int(best['flagged_accounts'])})."
        )
    return int(best["point"]), reasons
