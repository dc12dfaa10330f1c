"""Networks that keep their identity from one run of a collection to the next.

A collection monitored day by day is analysed again as it grows, and its
clusters are numbered afresh by each clustering. Here each cluster of a run is
matched to a network of the previous run by the accounts they share, and takes
that network's id, so network 12 on Monday is network 12 on Friday even when
Louvain calls it cluster 3 one day and cluster 7 the next.

Matching (:func:`match_networks`): a current cluster and a previous network
may be the same when the accounts in both are at least
``cluster.match_min_overlap`` of the smaller one (the overlap coefficient: a
network that doubled still qualifies, which Jaccard would not let it). Pairs
that qualify are matched one to one, the most similar first (Jaccard, then
shared accounts, then each side's smallest account id, so that the result
depends on who is in which cluster and never on the clusters' numbers). A
cluster left over that shares enough with a previous network split from it
and gets a new id; a previous network left over that shares enough with a
current cluster merged into it; the others are new, or vanished. New ids are
never reused: they go on from the largest id the collection ever gave, to the
largest clusters first.

``first_seen`` and ``last_seen`` are collection times, not clock times: the
time of the latest post of the first and of the latest run in which the
network was found (``as_of``). Two runs of the same inputs therefore give the
same table, byte for byte.

What a run keeps for the runs after it (:func:`write_lineage`): the
``networks`` table beside the clusters, and under ``runs/`` the history of
every run (``runs/networks_history.parquet``) and a snapshot of each run's
clusters, account scores, networks and manifest (``runs/<run_id>/``), which
``cib diff`` compares.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import polars as pl

from cib.schema import NETWORKS, NETWORKS_HISTORY, TIME, read_table, write_table

__all__ = [
    "RUNS",
    "HISTORY",
    "SNAPSHOT_TABLES",
    "Matching",
    "members",
    "match_networks",
    "networks_table",
    "previous_networks",
    "write_lineage",
]

#: the folder of a collection's outputs that holds its history and each run's snapshot
RUNS = "runs"
#: the history of every run's networks, under :data:`RUNS`
HISTORY = "networks_history.parquet"
#: the tables of a run its snapshot keeps (with its ``manifest.json``)
SNAPSHOT_TABLES = ("clusters", "account_scores", "networks")


@dataclass
class Matching:
    """How the clusters of a run continue the networks of the previous one.

    ``networks`` has one row per current cluster: ``cluster_id, network_id,
    origin ('new'|'continued'|'split'), parent_id`` (the previous network it
    continues or split from), ``overlap`` (overlap coefficient with it) and
    ``previous_size``. ``merged`` maps a previous network that is gone to the
    network it merged into; ``vanished`` lists the others that are gone.
    """

    networks: pl.DataFrame
    merged: dict[int, int] = field(default_factory=dict)
    vanished: list[int] = field(default_factory=list)
    next_id: int = 1


def members(account_scores: pl.DataFrame, key: str = "cluster_id") -> pl.DataFrame:
    """The clustered accounts: ``account_id`` and ``key``, one row per account in a cluster."""
    return (
        account_scores.filter(pl.col("cluster_id").is_not_null())
        .select("account_id", pl.col(key).cast(pl.Int64))
        .unique("account_id", keep="first")
    )


def _sides(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Each group's size and smallest account id (its name whatever the group's number)."""
    return frame.group_by(key).agg(
        pl.len().cast(pl.Int64).alias("size"), pl.col("account_id").min().alias("first")
    )


def _candidates(previous: pl.DataFrame, current: pl.DataFrame, min_overlap: float) -> list[dict[str, Any]]:
    """The (previous network, current cluster) pairs that qualify, most similar first."""
    common = (
        previous.join(current, on="account_id")
        .group_by("network_id", "cluster_id")
        .agg(pl.len().cast(pl.Int64).alias("common"))
    )
    pairs = (
        common.join(
            _sides(previous, "network_id").rename({"size": "p_size", "first": "p_first"}), on="network_id"
        )
        .join(_sides(current, "cluster_id").rename({"size": "c_size", "first": "c_first"}), on="cluster_id")
        .with_columns(
            (pl.col("common") / pl.min_horizontal("p_size", "c_size")).alias("overlap"),
            (pl.col("common") / (pl.col("p_size") + pl.col("c_size") - pl.col("common"))).alias("jaccard"),
        )
        .filter(pl.col("overlap") >= min_overlap)
        .sort(["jaccard", "common", "p_first", "c_first"], descending=[True, True, False, False])
    )
    return pairs.to_dicts()


def match_networks(
    previous: pl.DataFrame, current: pl.DataFrame, min_overlap: float, next_id: int = 1
) -> Matching:
    """Give each current cluster a network id, continuing the previous networks where they match.

    Parameters
    ----------
    previous
        The previous run's members: ``account_id, network_id``.
    current
        This run's members: ``account_id, cluster_id``.
    min_overlap
        ``cluster.match_min_overlap``.
    next_id
        The first id never given in the collection.

    Returns
    -------
    Matching
    """
    pairs = _candidates(previous, current, min_overlap)
    taken: dict[int, dict[str, Any]] = {}  # current cluster -> its pair
    used: set[int] = set()
    for pair in pairs:
        if pair["cluster_id"] not in taken and pair["network_id"] not in used:
            taken[pair["cluster_id"]] = pair
            used.add(pair["network_id"])
    best_of_cluster: dict[int, dict[str, Any]] = {}
    best_of_network: dict[int, dict[str, Any]] = {}
    for pair in pairs:
        best_of_cluster.setdefault(pair["cluster_id"], pair)
        best_of_network.setdefault(pair["network_id"], pair)
    rows = []
    for pair in taken.values():
        rows.append(
            (
                pair["cluster_id"],
                pair["network_id"],
                "continued",
                pair["network_id"],
                pair["overlap"],
                pair["p_size"],
            )
        )
    # new ids go to the largest clusters first, ties by their smallest account: never by their numbers
    left = _sides(current, "cluster_id").filter(~pl.col("cluster_id").is_in(list(taken)))
    for cid, *_ in left.sort(["size", "first"], descending=[True, False]).iter_rows():
        parent = best_of_cluster.get(cid)
        origin = "split" if parent else "new"
        rows.append(
            (
                cid,
                next_id,
                origin,
                parent and parent["network_id"],
                parent and parent["overlap"],
                parent and parent["p_size"],
            )
        )
        next_id += 1
    by_cluster = {r[0]: r[1] for r in rows}
    merged: dict[int, int] = {}
    vanished: list[int] = []
    for nid in sorted(set(previous["network_id"].unique().to_list()) - used):
        if nid in best_of_network:
            merged[nid] = by_cluster[best_of_network[nid]["cluster_id"]]
        else:
            vanished.append(nid)
    frame = pl.DataFrame(
        rows,
        schema={"cluster_id": pl.Int64, "network_id": pl.Int64, "origin": pl.String, "parent_id": pl.Int64,
                "overlap": pl.Float64, "previous_size": pl.Int64},
        orient="row",
    ).sort("cluster_id")  # fmt: skip
    return Matching(frame, merged, vanished, next_id)


@dataclass
class Previous:
    """What the previous run of a collection left: its members by network, networks, history, run and the run before it."""

    members: pl.DataFrame
    networks: pl.DataFrame
    history: pl.DataFrame
    run_id: str | None = None
    earlier: str | None = None

    def before(self, run_id: str | None) -> str | None:
        """The run before ``run_id``: this one, or when it is the same run clustered again, the one before it."""
        return self.earlier if self.run_id == run_id else self.run_id


def previous_networks(folder: str | Path | None) -> Previous:
    """The networks the outputs in ``folder`` hold (none when there are no outputs or no networks yet).

    A folder whose clusters were made before networks were kept has its
    clusters taken as networks of the same numbers.
    """
    none = Previous(pl.DataFrame(schema={"account_id": pl.String, "network_id": pl.Int64}),
                    pl.DataFrame(schema=NETWORKS), pl.DataFrame(schema=NETWORKS_HISTORY))  # fmt: skip
    if folder is None or not (Path(folder) / "account_scores.parquet").is_file():
        return none
    folder = Path(folder)
    scores = read_table(
        folder / "account_scores.parquet", "account_scores", columns=["account_id", "cluster_id"]
    )
    if (folder / "networks.parquet").is_file():
        nets = read_table(folder / "networks.parquet", "networks")
    else:
        nets = pl.DataFrame(schema=NETWORKS)
        clusters = read_table(folder / "clusters.parquet", "clusters", columns=["cluster_id"])
        nets = pl.concat(
            [nets, clusters.select(pl.col("cluster_id").alias("network_id"), "cluster_id")], how="diagonal"
        )
    mine = (
        members(scores)
        .join(nets.select("cluster_id", "network_id"), on="cluster_id")
        .select("account_id", "network_id")
    )
    history_path = folder / RUNS / HISTORY
    history = read_table(history_path, "networks_history") if history_path.is_file() else none.history
    manifest = folder / "manifest.json"
    old = json.loads(manifest.read_text(encoding="utf-8")) if manifest.is_file() else {}
    earlier = old.get("stages", {}).get("cluster", {}).get("lineage", {}).get("previous_run")
    return Previous(mine, nets.cast(NETWORKS), history, old.get("run_id"), earlier)


def networks_table(
    clusters: pl.DataFrame, matching: Matching, previous: Previous, as_of: datetime | None
) -> pl.DataFrame:
    """The ``networks`` table: each current cluster with its network id, origin and when it was seen."""
    seen = previous.networks.select(
        "network_id", pl.col("first_seen").alias("p_first"), pl.col("runs").alias("p_runs")
    )
    at = pl.lit(as_of, TIME)
    return (
        clusters.select("cluster_id", "size", "label")
        .join(matching.networks, on="cluster_id", how="left")
        .join(seen, left_on="parent_id", right_on="network_id", how="left")
        .with_columns(
            pl.when(pl.col("origin") == "continued")
            .then(pl.coalesce("p_first", at))
            .otherwise(at)
            .alias("first_seen"),
            at.alias("last_seen"),
            pl.when(pl.col("origin") == "continued")
            .then(pl.col("p_runs").fill_null(0) + 1)
            .otherwise(1)
            .alias("runs"),
        )
        .select(list(NETWORKS))
        .cast(NETWORKS)
        .sort("network_id")
    )


def _next_id(previous: Previous) -> int:
    """The first network id the collection never gave."""
    ids = [
        previous.networks["network_id"].max(),
        previous.history["network_id"].max(),
        previous.members["network_id"].max(),
    ]
    return max([int(i) for i in ids if i is not None], default=0) + 1


def _history(
    previous: Previous, nets: pl.DataFrame, run_id: str | None, as_of: datetime | None
) -> pl.DataFrame:
    """The previous history with this run's rows (a run of the same inputs replaces its own rows)."""
    old = previous.history.filter(pl.col("run_id") != (run_id or ""))
    same = previous.history.filter(pl.col("run_id") == (run_id or ""))
    seq = int(same["seq"].min()) if same.height else int(old["seq"].max() or 0) + 1
    rows = nets.select(
        pl.lit(seq, pl.Int64).alias("seq"), pl.lit(run_id, pl.String).alias("run_id"), pl.lit(as_of, TIME).alias("as_of"),
        "network_id", "cluster_id", "size", "label", "origin", "parent_id",
    )  # fmt: skip
    return pl.concat([old.cast(NETWORKS_HISTORY), rows.cast(NETWORKS_HISTORY)]).sort(["seq", "network_id"])


def _link_tree(source: Path, target: Path) -> None:
    """``target`` holds hard links to every file under ``source`` (copies where there are no links)."""
    for root, _dirs, names in os.walk(source):
        into = target / Path(root).relative_to(source)
        into.mkdir(parents=True, exist_ok=True)
        for name in names:
            if not (into / name).exists():
                try:
                    os.link(Path(root) / name, into / name)
                except OSError:
                    shutil.copy2(Path(root) / name, into / name)


def _snapshot(out: Path, folder: Path, run: dict[str, Any]) -> None:
    """Keep this run's tables under ``runs/<run_id>/`` (links to the tables just written) with ``run.json``."""
    if folder.exists():
        shutil.rmtree(folder)  # an earlier run of the same inputs: this one replaces it
    folder.mkdir(parents=True)
    for table in SNAPSHOT_TABLES:
        try:
            os.link(out / f"{table}.parquet", folder / f"{table}.parquet")
        except OSError:
            shutil.copy2(out / f"{table}.parquet", folder / f"{table}.parquet")
    (folder / "run.json").write_text(json.dumps(run, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_lineage(
    previous_folder: str | Path | None,
    out: str | Path,
    clusters: pl.DataFrame,
    account_scores: pl.DataFrame,
    *,
    min_overlap: float,
    as_of: datetime | None,
    run_id: str | None,
    params: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Match this run's clusters to the previous run's networks; write ``networks`` and ``runs/``.

    Parameters
    ----------
    previous_folder
        The collection's outputs before this run (read before they are replaced).
    out
        Where this run writes (its staging folder).
    clusters, account_scores
        This run's tables.
    min_overlap
        ``cluster.match_min_overlap``.
    as_of
        The time of the collection's latest post.
    run_id, params
        Recorded in the tables.

    Returns
    -------
    dict
        What the manifest records under ``stages.lineage``: the previous run,
        and the networks continued, new, split, merged and vanished.
    """
    out = Path(out)
    previous = previous_networks(previous_folder)
    matching = match_networks(previous.members, members(account_scores), min_overlap, _next_id(previous))
    nets = networks_table(clusters, matching, previous, as_of)
    write_table(nets, out / "networks.parquet", "networks", params=params, run_id=run_id)
    runs = out / RUNS
    if previous_folder is not None and (Path(previous_folder) / RUNS).is_dir():
        _link_tree(Path(previous_folder) / RUNS, runs)
    # the history is rewritten, not linked: a hard link would share the previous run's file
    if (runs / HISTORY).exists():
        (runs / HISTORY).unlink()
    write_table(
        _history(previous, nets, run_id, as_of),
        runs / HISTORY,
        "networks_history",
        params=params,
        run_id=run_id,
    )
    _snapshot(
        out,
        runs / (run_id or "unknown"),
        {
            "run_id": run_id,
            "as_of": as_of.isoformat() if as_of else None,
            "previous_run": previous.before(run_id),
        },
    )
    by_origin = dict(nets.group_by("origin").len().iter_rows()) if nets.height else {}
    return {
        "previous_run": previous.before(run_id),
        "as_of": as_of.isoformat() if as_of is not None else None,
        "min_overlap": min_overlap,
        "networks": nets.height,
        "continued": int(by_origin.get("continued", 0)),
        "new": int(by_origin.get("new", 0)),
        "split": int(by_origin.get("split", 0)),
        "merged": {str(k): v for k, v in sorted(matching.merged.items())},
        "vanished": matching.vanished,
    }
