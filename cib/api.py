"""The Python API for notebooks: one call runs every stage and returns the tables and the graph."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import polars as pl

from cib.config import Config
from cib.progress import Progress

__all__ = ["Analysis", "analyse"]


@dataclass
class Analysis:
    """Everything one analysis produced.

    Attributes
    ----------
    posts, accounts, rejects, edges, evidence, clusters, account_scores
        The canonical tables (Polars frames).
    graph
        The fused account graph (NetworkX): edge ``weight`` and ``signals``.
    report
        Path of ``index.html`` (``None`` when ``report=False``).
    processed
        Folder holding the tables and ``manifest.json``.
    manifest
        The manifest as written.
    """

    posts: pl.DataFrame
    accounts: pl.DataFrame
    rejects: pl.DataFrame
    edges: pl.DataFrame
    evidence: pl.DataFrame
    clusters: pl.DataFrame
    account_scores: pl.DataFrame
    graph: nx.Graph
    report: Path | None
    processed: Path
    manifest: dict[str, Any]


def analyse(
    source: str | Path,
    *,
    name: str | None = None,
    config: str | Path | None = None,
    params: Mapping[str, Any] | None = None,
    preset: str | None = None,
    processed_dir: str | Path = "data/processed",
    reports_dir: str | Path = "reports",
    fmt: str | None = None,
    report: bool = True,
    cfg: Config | None = None,
    progress: Progress | None = None,
    engine: str | None = None,
) -> Analysis:
    """Run ingest, detection, clustering, scoring and (optionally) the report.

    Parameters
    ----------
    source
        A file or folder of exports.
    name
        Collection name (default: the folder's or file's stem).
    config
        A ``cib.toml``.
    params
        Parameter overrides by name, e.g. ``{"detect.co_reshare.window": 30}``.
    preset
        ``"coortweet"`` or ``"cnt"`` for the peers' semantics.
    processed_dir, reports_dir
        Where tables and report go (``DIR/NAME/``).
    fmt
        Input format for every file instead of sniffing.
    report
        Write the HTML report and the exports.
    cfg
        A ready configuration (then ``config``, ``params`` and ``preset`` are ignored).
    progress
        Told what each stage is doing as it goes, one :class:`cib.progress.Step`
        at a time (``print`` shows them all); it changes no result.
    engine
        ``"polars"`` or ``"spark"``: ``detect.engine``, where the windowed signals
        are paired (the same tables either way; docs/scale.md). The Spark master
        and settings are ``detect.spark.master`` and ``detect.spark.conf`` in ``params``.

    Returns
    -------
    Analysis

    Examples
    --------
    >>> import cib
    >>> res = cib.analyse("data/raw/sample", params={"detect.co_reshare.window": 30})  # doctest: +SKIP
    >>> res.clusters.filter(res.clusters["label"] == "bot")  # doctest: +SKIP
    """
    from cib.pipeline import build_config, prepare, run_stages

    if cfg is None:
        cfg = build_config(config, params={**(params or {}), **({"detect.engine": engine} if engine else {})}, preset=preset)
    run = prepare(source, cfg, name=name, processed_dir=processed_dir, reports_dir=reports_dir, fmt=fmt)
    run_stages(run, until="report" if report else "cluster", report=report, progress=progress)
    ing, det, net = run.ingested, run.detected, run.network
    assert ing is not None and det is not None and net is not None
    return Analysis(
        posts=ing.posts,
        accounts=ing.accounts,
        rejects=ing.rejects,
        edges=det.edges,
        evidence=det.evidence,
        clusters=net.scores.clusters,
        account_scores=net.scores.account_scores,
        graph=net.graph,
        report=run.report,
        processed=run.out.processed,
        manifest=run.manifest.as_dict(),
    )
