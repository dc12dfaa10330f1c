"""One grid point's network stage: fuse, cluster, score, evaluate; run here or in a worker process.

A point's folder is a complete processed collection: the ingest tables are
linked from the sweep's shared folder, ``edges``/``evidence`` are written by the
sweep before the point runs, and this module writes ``clusters``,
``account_scores``, ``manifest.json`` and (with labels) ``evaluation.json``.
Every table records the point's full parameters, so ``cib analyse`` with those
parameters writes the same tables.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cib.config import Config
from cib.errors import CibError
from cib.manifest import Manifest
from cib.sweep.tracking import tracked

__all__ = [
    "PointJob",
    "PointOutcome",
    "run_point",
    "reuse_point",
    "evaluate_point",
    "run_point_safely",
    "preload",
    "EVAL_FIELDS",
]

#: figures of :class:`cib.evaluate.Evaluation` copied into ``sweep.parquet``
EVAL_FIELDS = ("precision", "recall", "f1", "fpr", "label_accuracy", "ari", "nmi", "auc")

_SHARED: dict[str, tuple[pl.DataFrame, pl.DataFrame]] = {}


@dataclass
class PointJob:
    """What a worker needs to run one point (all picklable)."""

    point_id: int
    folder: str
    shared: str
    reports: str
    cfg: Config
    manifest: Manifest
    labels: str | None = None


@dataclass
class PointOutcome:
    """What a point produced, for the sweep table and the stability of its clusters."""

    point_id: int
    metrics: dict[str, Any]
    membership: dict[str, int] = field(default_factory=dict)
    cluster_labels: dict[int, str] = field(default_factory=dict)
    hard_negatives: dict[str, float] = field(default_factory=dict)
    read: list[str] = field(default_factory=list)
    seconds: float = 0.0
    reused_from: int | None = None


def _shared_tables(folder: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Posts and accounts of the sweep, read once per process."""
    if folder not in _SHARED:
        from cib.stages import load_ingested

        _SHARED.clear()
        _SHARED[folder] = load_ingested(folder)
    return _SHARED[folder]


def run_point(
    job: PointJob,
    *,
    posts: pl.DataFrame | None = None,
    accounts: pl.DataFrame | None = None,
    detected: Any | None = None,
) -> PointOutcome:
    """Cluster and score one point whose edges and evidence are already in its folder.

    Parameters
    ----------
    job
        The point.
    posts, accounts, detected
        The tables in memory when the caller has them (else read from disk).

    Returns
    -------
    PointOutcome
    """
    from cib.stages import Outputs, accounts_in_edges, load_detected, run_network

    start = time.perf_counter()
    folder = Path(job.folder)
    if posts is None or accounts is None:
        posts, accounts = _shared_tables(job.shared)
    if detected is None:
        detected = load_detected(folder)
    cfg_t = tracked(job.cfg)
    net = run_network(posts, accounts, detected, Outputs(folder, Path(job.reports)), cfg_t, job.manifest)
    clusters = net.scores.clusters
    scores = net.scores.account_scores
    edges = detected.edges
    by_label = dict(clusters.group_by("label").len().iter_rows()) if clusters.height else {}
    metrics: dict[str, Any] = {
        "edges": edges.height,
        "accounts_in_edges": accounts_in_edges(edges),
        "clusters": clusters.height,
        "flagged_clusters": sum(v for k, v in by_label.items() if k != "organic"),
        "bot_clusters": by_label.get("bot", 0),
        "troll_clusters": by_label.get("troll", 0),
        "mixed_clusters": by_label.get("mixed", 0),
        "flagged_accounts": int(scores["flagged"].sum()) if scores.height else 0,
    }
    hard: dict[str, float] = {}
    if job.labels is not None:
        figures, hard = evaluate_point(folder, job.labels)
        metrics.update(figures)
    member_rows = scores.filter(pl.col("cluster_id").is_not_null()).select("account_id", "cluster_id")
    return PointOutcome(
        point_id=job.point_id,
        metrics=metrics,
        membership=dict(member_rows.iter_rows()),
        cluster_labels=dict(clusters.select("cluster_id", "label").iter_rows()),
        hard_negatives=hard,
        read=sorted(cfg_t.read),
        seconds=round(time.perf_counter() - start, 3),
    )


def evaluate_point(folder: str | Path, labels: str) -> tuple[dict[str, Any], dict[str, float]]:
    """Evaluate a point's ``account_scores`` (writes ``evaluation.json``); figures and FPR per hard negative."""
    from cib.evaluate import evaluate

    ev = evaluate(folder, labels)
    ev.write_json(Path(folder) / "evaluation.json")
    return {k: getattr(ev, k) for k in EVAL_FIELDS}, {h.kind: h.fpr for h in ev.hard_negatives}


def reuse_point(job: PointJob, source: PointOutcome, source_folder: str | Path) -> PointOutcome:
    """Give ``job`` the network-stage tables of an equivalent point (same detection, same values read).

    The tables are rewritten with ``job``'s parameters in their metadata, so
    they are byte for byte what a run of ``job`` would write.
    """
    import json

    from cib.schema import read_table, write_table
    from cib.stages import NETWORK_TABLES

    start = time.perf_counter()
    src, folder = Path(source_folder), Path(job.folder)
    params = job.cfg.as_dict()
    for table in NETWORK_TABLES:
        if not (src / f"{table}.parquet").is_file():
            continue  # event_activity exists only with events
        write_table(read_table(src / f"{table}.parquet", table), folder / f"{table}.parquet", table, params=params, run_id=job.manifest.run_id)
    old = json.loads((src / "manifest.json").read_text(encoding="utf-8"))
    man = job.manifest
    for key in ("cluster",):
        if key in old.get("counts", {}):
            man.counts[key] = old["counts"][key]
        if key in old.get("stages", {}):
            man.stages[key] = old["stages"][key]
    for key in ("cluster", "score"):
        if key in old.get("timings_s", {}):
            man.timings_s[key] = old["timings_s"][key]
    man.stages.setdefault("sweep", {})["network_reused_from"] = source.point_id
    man.write(folder)
    metrics, hard = dict(source.metrics), dict(source.hard_negatives)
    if job.labels is not None:
        figures, hard = evaluate_point(folder, job.labels)
        metrics.update(figures)
    return PointOutcome(
        point_id=job.point_id,
        metrics=metrics,
        membership=dict(source.membership),
        cluster_labels=dict(source.cluster_labels),
        hard_negatives=hard,
        read=list(source.read),
        seconds=round(time.perf_counter() - start, 3),
        reused_from=source.point_id,
    )


#: modules :func:`run_point` imports (the detection package brings scipy: about a second)
_MODULES = ("cib.stages", "cib.detect", "cib.network", "cib.network.louvain", "cib.evaluate")


def preload() -> None:
    """Import what :func:`run_point` needs, so that a worker started early is ready for its first point."""
    import importlib

    for name in _MODULES:
        importlib.import_module(name)


def run_point_safely(job: PointJob) -> tuple[str, Any]:
    """:func:`run_point` for a worker process: a user error comes back as its one line.

    (Errors with extra constructor arguments do not survive pickling.)
    """
    try:
        return "ok", run_point(job)
    except CibError as exc:
        return "error", exc.one_line()
