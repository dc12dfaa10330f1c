"""The stages, one function each: run one stage, write its tables and the manifest.

:mod:`cib.pipeline` runs them in order for ``cib analyse``, the Python API and
the sweep; each takes the configuration and manifest of the run and the
folders it writes into, and returns what the next stage needs. Nothing here
prints.
"""

from __future__ import annotations

import functools
import importlib
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.config import Config
from cib.detect.parts import accounts_in_edges, detect_counts
from cib.errors import CibError
from cib.ingest import IngestResult, ingest
from cib.manifest import Manifest, check_run, run_id_of
from cib.printable import is_invisible
from cib.progress import Progress, Teller, counting
from cib.schema import empty, read_table, scan_table, write_table

if TYPE_CHECKING:
    import networkx as nx

    from cib.detect import DetectResult, PairCache
    from cib.detect.memo import Memo
    from cib.manifest import Staging

#: how :func:`run_detect` runs an engine beside the windowed detection:
#: ``(signal, engine, posts, cfg, time_resolution_s) → result``
EngineCall = Callable[[str, Callable[..., Any], pl.DataFrame, Config, float], Any]

#: the tables :func:`run_network` writes (``event_activity`` only when events are configured,
#: ``networks`` only when it is given the previous outputs)
NETWORK_TABLES = ("fused_edges", "clusters", "account_scores", "bursts", "event_activity", "networks")
#: the tables each stage writes
STAGE_TABLES = {"ingest": ("posts", "accounts", "rejects", "profiles"), "detect": ("edges", "evidence"), "cluster": NETWORK_TABLES}

__all__ = [
    "NETWORK_TABLES",
    "Outputs",
    "EngineCall",
    "NetworkResult",
    "STAGE_TABLES",
    "collection_name",
    "check_name",
    "check_outputs",
    "MAX_NAME_CHARS",
    "run_ingest",
    "load_ingested",
    "load_detected",
    "run_detect",
    "detect_counts",
    "accounts_in_edges",
    "run_network",
    "run_report",
]


#: the longest collection name: it names two folders, and a path has a length limit
MAX_NAME_CHARS = 100
#: characters no collection name holds: path separators, and those Windows refuses in a file name
_NOT_IN_NAME = set('/\\:*?"<>|')


@dataclass(frozen=True)
class Outputs:
    """Where a collection's tables and report go."""

    processed: Path
    reports: Path

    @classmethod
    def for_collection(cls, name: str, processed_dir: str | Path, reports_dir: str | Path) -> Outputs:
        """The folders ``processed_dir/name`` and ``reports_dir/name``, once the name is checked (:func:`check_name`)."""
        return cls(Path(processed_dir) / check_name(name), Path(reports_dir) / check_name(name))


def collection_name(source: str | Path) -> str:
    """Default collection name: the folder's name or the file's stem."""
    path = Path(source)
    return path.name if path.is_dir() else path.stem


def check_name(name: str) -> str:
    """``name`` when it can name a folder inside the output folders, and nothing else.

    Raises
    ------
    CibError
        For an empty name, ``.`` or ``..``, a path (``/``, ``\\``), characters
        Windows refuses in a file name, control, invisible or line-breaking
        characters, or more than :data:`MAX_NAME_CHARS` characters.
    """
    shown = repr(name if len(name) <= 40 else name[:40] + "…")
    rule = (
        f"must be a plain folder name of 1 to {MAX_NAME_CHARS} characters: no / \\ : * ? \" < > |, "
        "no control or invisible characters, not . or .."
    )
    hint = "give another with --name (by default the input's folder or file name)"
    bad = (
        not name.strip()
        or name in {".", ".."}
        or len(name) > MAX_NAME_CHARS
        or any(ch in _NOT_IN_NAME or is_invisible(ch) for ch in name)
    )
    if bad:
        raise CibError(f"collection name {shown}: {rule}", hint=hint)
    return name


def check_outputs(out: Outputs, source: str | Path) -> None:
    """Refuse output folders inside the input, or holding it: the raw data is never written to.

    Raises
    ------
    CibError
        Naming the folder, the input, and the option that chose the folder.
    """
    src = Path(source).resolve()
    for folder, option in ((out.processed, "--processed-dir"), (out.reports, "--reports-dir")):
        target = folder.resolve()
        if target == src or src in target.parents:
            raise CibError(f"{folder}: the output folder is inside the input folder {src}", hint=f"choose another {option}")
        if target in src.parents:
            raise CibError(f"{folder}: the output folder holds the input {src}", hint=f"choose another {option} or --name")


def run_ingest(
    source: str | Path,
    out: Outputs,
    cfg: Config,
    manifest: Manifest,
    *,
    fmt: str | None = None,
    progress: Progress | None = None,
    previous: Path | None = None,
) -> IngestResult:
    """Ingest ``source`` and write posts, accounts, rejects and profiles with the manifest.

    ``progress`` is told each file read (rows so far), the rows read in all,
    and the tables being written (see :mod:`cib.progress`). With
    ``previous``, the collection's outputs before this run, the files it read
    that are unchanged are taken from its tables, not read again
    (:mod:`cib.ingest.reuse`); the manifest says which under ``stages.ingest``.

    Returns
    -------
    IngestResult
    """
    from cib.ingest.reuse import reusable, reused_files

    check_outputs(out, source)
    old, why = reusable(previous, cfg.as_dict())
    out.processed.mkdir(parents=True, exist_ok=True)
    # a large collection's posts are staged beside the outputs, never all in memory (cib.ingest.parts)
    parts = Path(tempfile.mkdtemp(prefix=".posts-parts-", dir=out.processed))
    try:
        with manifest.timed("ingest"):
            reuse = (lambda sums: reused_files(previous, old, sums)) if old is not None and previous is not None else None
            result = ingest(source, cfg, fmt=fmt, progress=progress, reuse=reuse, parts=parts)
        tell = Teller(progress, "ingest")
        tell("writing tables")
        params = cfg.as_dict()
        manifest.files = [f.as_dict() for f in result.files]
        manifest.run_id = run_id_of(manifest.files, params)
        result.write_posts(out.processed / "posts.parquet", params=params, run_id=manifest.run_id)
    finally:
        shutil.rmtree(parts, ignore_errors=True)
    write_table(result.accounts, out.processed / "accounts.parquet", "accounts", params=params, run_id=manifest.run_id)
    write_table(result.rejects, out.processed / "rejects.parquet", "rejects", params=params, run_id=manifest.run_id)
    profiles = result.profiles if result.profiles is not None else empty("profiles")
    write_table(profiles, out.processed / "profiles.parquet", "profiles", params=params, run_id=manifest.run_id)
    manifest.inputs = [str(source)]
    manifest.ignored_files = result.ignored
    manifest.warnings += result.warnings
    rows_in = sum(f.rows_in for f in result.files)
    dupes = sum(f.duplicates for f in result.files)
    manifest.counts["ingest"] = {
        "rows_in": rows_in,
        "posts": result.n_posts,
        "rejects": result.rejects.height,
        "duplicates_removed": dupes,
        "account_rows": sum(f.accounts for f in result.files),
        "accounts": result.accounts.height,
        "reconciled": all(f.reconciled for f in result.files)
        and rows_in == result.n_posts + result.rejects.height + dupes + sum(f.accounts for f in result.files),
        "rule": "rows_in = posts + rejects + duplicates_removed + account_rows, where rows_in is counted "
        "from each file apart from its reader: delimited records (the header and empty lines aside), "
        "non-blank JSON lines, Parquet rows, Telegram messages; a twarc2 page line counts its tweets. "
        "Duplicates are repeated (platform, post_id), first in file order kept",
    }
    manifest.stages["ingest"] = {"time_resolution_s": result.time_resolution_s}
    if previous is not None:
        read = [f.path for f in result.files if f.path not in set(result.reused)]
        if old is not None and not result.reused:
            why = "a file of the previous run changed or is gone"
        manifest.stages["ingest"]["reuse"] = {"files_reused": result.reused, "files_read": read, "reason": why}
    manifest.write(out.processed)
    tell.finished()
    return result


def load_ingested(folder: str | Path) -> tuple:
    """Read posts and accounts written by :func:`run_ingest` (of the run the folder's manifest records)."""
    folder = Path(folder)
    check_run(folder)
    return read_table(folder / "posts.parquet", "posts"), read_table(folder / "accounts.parquet", "accounts")


def load_detected(folder: str | Path, *, evidence: bool = True) -> DetectResult:
    """Read the edges and evidence written by :func:`run_detect`.

    ``evidence=False``: the evidence is left on disk, a scan of its table (a
    large collection's network stage reads from it only what it counts).
    """
    from cib.detect import DetectResult

    folder = Path(folder)
    ev = read_table(folder / "evidence.parquet", "evidence") if evidence else scan_table(folder / "evidence.parquet", "evidence")
    return DetectResult(read_table(folder / "edges.parquet", "edges"), ev)  # type: ignore[arg-type]


def run_detect(
    posts: pl.DataFrame | Path,
    out: Outputs,
    cfg: Config,
    manifest: Manifest,
    *,
    time_resolution_s: float = 1.0,
    engine_call: EngineCall | None = None,
    cache: PairCache | None = None,
    progress: Progress | None = None,
    previous: Path | None = None,
    memo: Memo | None = None,
) -> DetectResult:
    """Detect co-occurrence and timing edges and write ``edges`` and ``evidence``.

    Parameters
    ----------
    posts, out, cfg, manifest
        The posts (or the path of ``posts.parquet``: see below), where to
        write, the configuration and the manifest to fill.
    time_resolution_s
        From ingest.
    engine_call
        Runs the other engines (:data:`cib.detect.parts.ENGINES`), as
        ``engine_call(signal, engine, posts, cfg, time_resolution_s, key=...)``: a sweep's reuses results.
    cache
        Traces and pairs shared between detections of these posts (a sweep's
        :class:`cib.detect.PairCache`).
    progress
        Told each signal's steps and how many signals are done (:mod:`cib.progress`; not by ``engine_call``).
    previous
        The collection's outputs before this run: their edges and evidence are taken over when the posts and
        the detection parameters are the same (:mod:`cib.detect.previous`; ``stages.detect.reuse``).
    memo
        The collection's cache (:class:`cib.detect.memo.Memo`): work of the previous run that depends on a
        value or a slice of time alone is taken from it (the same tables; ``stages.detect.cache`` says what).

    Returns
    -------
    DetectResult
        With the other engines' edges and evidence appended when their signals are on.

    Notes
    -----
    Given the path of ``posts.parquet`` (above ``run.max_posts_in_memory`` posts), each
    detector reads its columns (``POST_COLUMNS``) and its edges and evidence go to disk
    as it finishes (:class:`cib.detect.parts.ResultParts`): the same tables.
    """
    from cib.detect import detect, insert_signal
    from cib.detect.parts import ENGINES, ResultParts, account_ids, engine_posts, run_engine
    from cib.detect.previous import previous_detection

    extra = ENGINES
    scan = None if isinstance(posts, pl.DataFrame) else scan_table(posts, "posts")
    parts = ResultParts(tempfile.mkdtemp(prefix=".detect-parts-", dir=out.processed)) if scan is not None else None
    stage = Teller(progress, "detect")
    told = counting(stage, len(set(cfg["detect.signals"])), "signals")
    try:
        with manifest.timed("detect"):
            kept, old, why = previous_detection(previous, manifest.run_id, cfg.as_dict()) if previous else (None, {}, "")
            if kept is not None:
                result, in_edges, extra = kept, old["counts"]["detect"]["accounts_in_edges"], {}
                if previous is not None and (previous / "cache").is_dir():  # the kept work stays for the next run
                    shutil.copytree(previous / "cache", out.processed / "cache", dirs_exist_ok=True)
            else:
                # nothing below reads the per-edge diagnostics: they are not kept
                given = posts if scan is None else scan
                result = detect(
                    given, cfg, time_resolution_s=time_resolution_s, cache=cache, edge_stats=False, progress=told, memo=memo
                )
                in_edges = result.info["accounts_in_edges"]
            if parts is not None:
                parts.add(result.edges, result.evidence)
                result.edges, result.evidence = result.edges.clear(), result.evidence.clear()
            for signal, (module_name, name) in extra.items():
                if signal not in cfg["detect.signals"]:
                    continue
                module = importlib.import_module(module_name)
                engine, key = getattr(module, name), None  # key: what else the engine reads (co_paraphrase: the accounts the others found)
                if signal == "co_paraphrase":
                    suspects = parts.account_ids() if parts is not None else account_ids(result.edges)
                    engine, key = functools.partial(engine, **module.run_inputs(suspects, out.processed, previous)), suspects.to_list()
                read = functools.partial(engine_posts, posts, scan, module.POST_COLUMNS)
                more = run_engine(signal, engine, read, cfg, time_resolution_s, told, engine_call, memo, key)
                if more.edges.height:
                    in_edges = None  # counted below, over every signal's ids
                if parts is not None:
                    parts.add(more.edges, more.evidence, in_order=False)
                else:
                    result.edges = insert_signal(result.edges, more.edges)
                    result.evidence = pl.concat([result.evidence, more.evidence.cast(result.evidence.schema)])
                result.info[signal] = more.info
                # the window each signal used, in one place for the manifest and the report
                result.info.setdefault("windows_s", {})[signal] = more.info.get("window_s", more.info.get("grids"))
                del more
            if memo is not None and kept is None:
                memo.keep_used()
                result.info["cache"] = memo.notes
        stage("writing tables")
        params = cfg.as_dict()
        if parts is not None:
            parts.write(out.processed, params=params, run_id=manifest.run_id)
            manifest.counts["detect"] = parts.counts(in_edges)
            result.info["tables_on_disk"] = "posts read from posts.parquet by columns; each detector's edges and evidence written as it finished"
        else:
            write_table(result.edges, out.processed / "edges.parquet", "edges", params=params, run_id=manifest.run_id)
            write_table(result.evidence, out.processed / "evidence.parquet", "evidence", params=params, run_id=manifest.run_id)
            manifest.counts["detect"] = detect_counts(result.edges, result.evidence, in_edges)
    finally:
        if parts is not None:
            parts.close()
    manifest.stages["detect"] = {**result.info, **({"reuse": why} if previous else {})}
    manifest.warnings += [str(w) for w in result.info.get("warnings", [])]
    manifest.write(out.processed)
    stage.finished()
    if parts is not None:
        info, result = result.info, load_detected(out.processed, evidence=False)
        result.info = info
    return result


@dataclass
class NetworkResult:
    """The fused graph (as its table), its clusters and their scores.

    ``graph``, the networkx graph of ``fused``, is built when first read (the
    Python API returns it): the stage itself never needs it, and for a large
    collection it holds millions of links as Python objects.
    """

    fused: pl.DataFrame
    clustering: Any
    scores: Any
    _graph: nx.Graph | None = None

    @property
    def graph(self) -> nx.Graph:
        """The fused account graph (:func:`cib.network.fusion.graph_of`)."""
        if self._graph is None:
            from cib.network.fusion import graph_of

            self._graph = graph_of(self.fused)
        return self._graph


def run_network(
    posts: pl.DataFrame,
    accounts: pl.DataFrame,
    detected: DetectResult,
    out: Outputs,
    cfg: Config,
    manifest: Manifest,
    *,
    progress: Progress | None = None,
    previous: Path | None = None,
) -> NetworkResult:
    """Fuse the signals, cluster the graph, score clusters and accounts; write their tables.

    Writes ``fused_edges`` (the graph the report and exports draw), ``clusters``,
    ``account_scores``, ``bursts`` and, with events, ``event_activity``.
    ``progress`` is told each step (see :mod:`cib.progress`). With
    ``previous``, the collection's outputs before this run, the clusters are
    matched to its networks and ``networks`` and ``runs/`` are written too
    (:mod:`cib.network.lineage`).
    """
    from cib.network.cluster import cluster_fused
    from cib.network.fusion import fused_edges
    from cib.network.score import score

    tell = Teller(progress, "cluster")
    with manifest.timed("cluster"):
        tell("fusing signals")
        fused = fused_edges(detected.edges, cfg)
        tell("clustering", fused.height, None, "links")
        clustering = cluster_fused(fused, cfg)
    with manifest.timed("score"):
        tell("scoring", len(clustering.sizes), None, "clusters")
        scores = score(posts, accounts, detected.edges, None, clustering, cfg, evidence=detected.evidence)
    with manifest.timed("events"):
        tell("bursts and events")
        from cib.network.events import bursts, event_activity, load_events

        # the posts in evidence (the evidence may be a scan of its table: only these two columns are read)
        ev = detected.evidence.lazy()
        coordinated = pl.concat([ev.select(pl.col("post_a").alias("p")), ev.select(pl.col("post_b").alias("p"))]).unique().collect()
        # bursts of coordination, not of everything the members posted
        burst_table = bursts(posts.filter(pl.col("post_id").is_in(coordinated.to_series().implode())), clustering.membership, cfg)
        events = load_events(cfg)
        activity = event_activity(posts, clustering.membership, events) if events else None
    tell("writing tables")
    params = cfg.as_dict()
    write_table(fused, out.processed / "fused_edges.parquet", "fused_edges", params=params, run_id=manifest.run_id)
    write_table(burst_table, out.processed / "bursts.parquet", "bursts", params=params, run_id=manifest.run_id)
    if activity is not None:
        write_table(activity, out.processed / "event_activity.parquet", "event_activity", params=params, run_id=manifest.run_id)
    write_table(scores.clusters, out.processed / "clusters.parquet", "clusters", params=params, run_id=manifest.run_id)
    write_table(scores.account_scores, out.processed / "account_scores.parquet", "account_scores", params=params, run_id=manifest.run_id)
    labels = scores.clusters.group_by("label").len().iter_rows() if scores.clusters.height else []
    manifest.counts["cluster"] = {
        "graph_nodes": clustering.info["nodes"],
        "graph_edges": fused.height,
        "clusters": scores.clusters.height,
        "clusters_by_label": dict(sorted(labels)),
        "flagged_accounts": int(scores.account_scores["flagged"].sum()) if scores.account_scores.height else 0,
        "bursts": burst_table.height,
        "events": len(events),
    }
    manifest.stages["cluster"] = dict(clustering.info)
    if previous is not None:
        from cib.network.lineage import write_lineage

        # matched against the outputs this run replaces: read before they are swapped out
        manifest.stages["cluster"]["lineage"] = write_lineage(
            previous, out.processed, scores.clusters, scores.account_scores,
            min_overlap=float(cfg["cluster.match_min_overlap"]), as_of=posts["created_at"].max() if posts.height else None,
            run_id=manifest.run_id, params=params,
        )  # fmt: skip
    flagged = scores.clusters.filter(pl.col("label") != "organic")
    # which clock each flagged network's hours were read on, and how sure: a reader checks it against the reasons
    manifest.stages["score"] = {
        "clock": scores.clock,
        "networks": {str(r["cluster_id"]): {k: r[k] for k in ("label", "confidence", "zone", "zone_basis", "zone_confidence")}
                     for r in flagged.iter_rows(named=True)},
    }
    manifest.write(out.processed)
    tell.finished()
    return NetworkResult(fused, clustering, scores)


def run_report(
    out: Outputs, cfg: Config, manifest: Manifest, *, progress: Progress | None = None, staging: Staging | None = None
) -> Path:
    """Write the default exports beside the tables and the HTML report; return the report's path.

    The exports hold the flagged networks (:func:`cib.report.export.export_all`);
    the manifest records what they hold under ``exports``. With ``staging``,
    the exports go into its folder with the tables, the folder is swapped in for
    ``out.processed``, and the page is made from there. ``progress`` is told
    the exports written and the page's parts (see :mod:`cib.progress`).
    """
    from cib.report import build_report, export_all

    tell = Teller(progress, "report")
    work = staging.folder if staging is not None else out.processed
    with manifest.timed("report"):
        exported = export_all(work, cfg=cfg, record=False, progress=progress)
        entry = exported.record(work)
        manifest.exports[entry["folder"]] = entry
        manifest.write(work)
        if staging is not None:
            staging.commit()
        path = build_report(out.processed, out.reports, cfg=cfg, progress=progress)
    manifest.write(out.processed)
    tell.finished()
    return path
