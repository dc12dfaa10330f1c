"""What changed between two runs of a collection: networks new, grown, shrunk, split, merged, vanished.

Two runs are two folders each holding ``networks``, ``clusters`` and
``account_scores`` tables: a collection's outputs (``data/processed/NAME``) or
a snapshot of one of its runs (``data/processed/NAME/runs/<run_id>``, kept by
:mod:`cib.network.lineage`). Networks are compared by their stable ids; a
network only in the later run that shares at least
``cluster.match_min_overlap`` of the smaller one's accounts with a network of
the earlier run split from it, and one only in the earlier run that shares as
much with a network of the later run merged into it (the most similar by
Jaccard, ties by the smaller id).

By default only networks flagged (not ``organic``) in either run are
compared: the organic clusters of a large collection come and go with the
day's news.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cib.errors import CibError
from cib.network.lineage import members
from cib.schema import read_table

__all__ = [
    "STATUSES",
    "Change",
    "RunSide",
    "read_side",
    "diff_runs",
    "previous_run",
    "changes_text",
    "changes_context",
]

#: the kinds of change, in the order they are told
STATUSES = ("new", "split", "grown", "shrunk", "changed", "relabelled", "merged", "vanished", "unchanged")


@dataclass
class Change:
    """One network's change between two runs (``related``: the network it split from or merged into)."""

    status: str
    network_id: int
    size_a: int | None
    size_b: int | None
    label_a: str | None
    label_b: str | None
    cluster_a: int | None = None
    cluster_b: int | None = None
    related: int | None = None
    joined: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)


@dataclass
class RunSide:
    """One run as the diff reads it: its networks and each network's accounts."""

    folder: Path
    run: dict[str, Any]
    networks: pl.DataFrame
    accounts: dict[int, set[str]]


def read_side(folder: str | Path) -> RunSide:
    """Read a run's networks from a collection's outputs or a run's snapshot.

    Raises
    ------
    CibError
        When the folder holds no clusters.
    """
    folder = Path(folder)
    if not (folder / "clusters.parquet").is_file() or not (folder / "account_scores.parquet").is_file():
        raise CibError(
            f"{folder}: no clusters here",
            hint="give a processed folder (data/processed/NAME) or one of its runs/<run_id>",
        )
    clusters = read_table(folder / "clusters.parquet", "clusters", columns=["cluster_id", "size", "label"])
    if (folder / "networks.parquet").is_file():
        nets = read_table(
            folder / "networks.parquet", "networks", columns=["network_id", "cluster_id", "size", "label"]
        )
    else:  # clustered before networks were kept: each cluster is a network of the same number
        nets = clusters.with_columns(pl.col("cluster_id").alias("network_id"))
    scores = read_table(
        folder / "account_scores.parquet", "account_scores", columns=["account_id", "cluster_id"]
    )
    mine = members(scores).join(nets.select("cluster_id", "network_id"), on="cluster_id")
    accounts: dict[int, set[str]] = {}
    for account, nid in mine.select("account_id", "network_id").iter_rows():
        accounts.setdefault(nid, set()).add(account)
    info = folder / "run.json" if (folder / "run.json").is_file() else folder / "manifest.json"
    run = json.loads(info.read_text(encoding="utf-8")) if info.is_file() else {}
    return RunSide(folder, {k: run.get(k) for k in ("run_id", "collection", "started_at")}, nets, accounts)


def _best(accounts: set[str], others: dict[int, set[str]], min_overlap: float) -> int | None:
    """The network of ``others`` most like ``accounts`` (Jaccard) among those sharing enough, or ``None``."""
    best: tuple[float, int] | None = None
    for nid in sorted(others):
        common = len(accounts & others[nid])
        if not common or common / min(len(accounts), len(others[nid])) < min_overlap:
            continue
        jaccard = common / len(accounts | others[nid])
        if best is None or jaccard > best[0]:
            best = (jaccard, nid)
    return best[1] if best else None


def _status(a: set[str], b: set[str], labels: tuple[str | None, str | None]) -> str:
    if len(b) > len(a):
        return "grown"
    if len(b) < len(a):
        return "shrunk"
    if a != b:
        return "changed"
    return "relabelled" if labels[0] != labels[1] else "unchanged"


def diff_runs(
    a: RunSide | str | Path, b: RunSide | str | Path, *, min_overlap: float = 0.5, flagged_only: bool = True
) -> list[Change]:
    """The changes from run ``a`` to run ``b``, in the order of :data:`STATUSES`, then by network id.

    Parameters
    ----------
    a, b
        The earlier and the later run (folders or :func:`read_side`).
    min_overlap
        ``cluster.match_min_overlap``: the share of the smaller network two
        networks must have in common for a split or a merge.
    flagged_only
        Only networks flagged in either run.

    Returns
    -------
    list of Change
    """
    a = a if isinstance(a, RunSide) else read_side(a)
    b = b if isinstance(b, RunSide) else read_side(b)
    rows_a = {r["network_id"]: r for r in a.networks.iter_rows(named=True)}
    rows_b = {r["network_id"]: r for r in b.networks.iter_rows(named=True)}
    out: list[Change] = []
    for nid in sorted(set(rows_a) | set(rows_b)):
        ra, rb = rows_a.get(nid), rows_b.get(nid)
        sa, sb = a.accounts.get(nid, set()), b.accounts.get(nid, set())
        if ra and rb:
            status, related = _status(sa, sb, (ra["label"], rb["label"])), None
        elif rb:
            related = _best(sb, a.accounts, min_overlap)
            status = "new" if related is None else "split"
        else:
            related = _best(sa, b.accounts, min_overlap)
            status = "vanished" if related is None else "merged"
        change = Change(
            status, nid, ra and ra["size"], rb and rb["size"], ra and ra["label"], rb and rb["label"],
            ra and ra["cluster_id"], rb and rb["cluster_id"], related,
            sorted(sb - sa) if rb else [], sorted(sa - sb) if ra else [],
        )  # fmt: skip
        if not flagged_only or any(x not in (None, "organic") for x in (change.label_a, change.label_b)):
            out.append(change)
    return sorted(out, key=lambda c: (STATUSES.index(c.status), c.network_id))


def previous_run(folder: str | Path) -> Path | None:
    """The snapshot of the run before the one whose outputs ``folder`` holds, when it was kept."""
    folder = Path(folder)
    manifest = folder / "manifest.json"
    if not manifest.is_file():
        return None
    data = json.loads(manifest.read_text(encoding="utf-8"))
    prev = data.get("stages", {}).get("cluster", {}).get("lineage", {}).get("previous_run")
    if not prev or prev == data.get("run_id") or not (folder / "runs" / prev).is_dir():
        return None
    return folder / "runs" / prev


_VERBS = {
    "new": "new",
    "split": "split from network {related}",
    "grown": "grew",
    "shrunk": "shrank",
    "changed": "changed members",
    "relabelled": "read differently",
    "merged": "merged into network {related}",
    "vanished": "vanished",
    "unchanged": "unchanged",
}


def _sizes(c: Change) -> str:
    if c.size_a is not None and c.size_b is not None:
        return f"{c.size_a} → {c.size_b} accounts"
    return f"{c.size_b if c.size_b is not None else c.size_a} accounts"


def changes_text(
    changes: list[Change], link: Callable[[Change], str | None] | None = None, *, show: int = 10
) -> list[str]:
    """One line per change (``unchanged`` ones left out), with up to ``show`` accounts that joined or left.

    ``link`` gives a change's dossier address, when it has one.
    """
    lines = []
    for c in changes:
        if c.status == "unchanged":
            continue
        label = c.label_b or c.label_a
        if c.label_a and c.label_b and c.label_a != c.label_b:
            label = f"{c.label_a} → {c.label_b}"
        line = f"network {c.network_id} {_VERBS[c.status].format(related=c.related)} ({_sizes(c)}, {label})"
        if c.joined and c.status != "new":
            line += f"; joined: {', '.join(c.joined[:show])}{' …' if len(c.joined) > show else ''}"
        if c.left and c.status not in ("vanished", "merged"):
            line += f"; left: {', '.join(c.left[:show])}{' …' if len(c.left) > show else ''}"
        where = link(c) if link else None
        lines.append(line + (f"  {where}" if where else ""))
    return lines


def changes_context(changes: list[Change], previous: dict[str, Any], *, show: int = 10) -> dict[str, Any]:
    """The report's "What changed" section as plain values (the template escapes them)."""
    rows = []
    for c in changes:
        if c.status == "unchanged":
            continue
        row = asdict(c)
        row["verb"] = _VERBS[c.status].format(related=c.related)
        row["anchor"] = f"cluster-{c.cluster_b}" if c.cluster_b is not None else ""
        row["n_joined"], row["n_left"] = len(c.joined), len(c.left)
        row["joined"], row["left"] = c.joined[:show], c.left[:show]
        rows.append(row)
    counts = {s: sum(1 for c in changes if c.status == s) for s in STATUSES}
    return {"previous": previous, "rows": rows, "counts": counts}
