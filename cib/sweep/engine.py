"""Run a collection through every point of a grid, sharing what the points share."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.config import Config
from cib.manifest import Manifest, collection_lock
from cib.progress import Progress
from cib.schema import SCHEMA_VERSION, write_table
from cib.sweep.detection import DetectionReuse
from cib.sweep.grid import Grid, Point, build_grid, toml_value
from cib.sweep.points import EVAL_FIELDS, PointJob, PointOutcome
from cib.sweep.result import SweepResult
from cib.sweep.runner import Runner
from cib.sweep.stability import cluster_stability, point_stability, recommend

if TYPE_CHECKING:
    from cib.sweep.workers import WorkerPool

__all__ = ["sweep", "reproduce_command"]

_INGEST_TABLES = ("posts.parquet", "accounts.parquet", "rejects.parquet")


def _workers(setting: Any, n_points: int) -> int:
    if setting == "auto":
        cpus = os.cpu_count() or 1
        # A worker's start-up (imports, reading the posts: over a second) costs more than it
        # saves on small grids; from 4 points on, even two CPUs gain (bench/bench_sweep.py).
        if n_points < 4 or cpus < 2:
            return 1
        return max(1, min(4, cpus, n_points))
    return max(1, min(int(setting), n_points))


def _start_pool(workers: int) -> WorkerPool | None:
    """Worker processes for all but one of ``workers`` (this process is the other one)."""
    if workers <= 1:
        return None
    from cib.sweep.workers import WorkerPool

    return WorkerPool(workers - 1)


def _link(src: Path, dst: Path) -> None:
    """Hard-link a shared table into a point's folder (a copy where links are not possible)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def reproduce_command(source: str | Path, name: str, cfg: Config, point: Point, config: str | Path | None = None) -> str:
    """The ``cib analyse`` command that writes the same tables as one point."""
    import shlex

    sets = {n: cfg[n] for n in sorted(cfg.values) if cfg.origins.get(n) == "flag" and n not in point.overrides}
    sets.update(point.overrides)
    parts = ["cib", "analyse", str(source), "--name", name]
    presets = sorted({o.split(" ", 1)[1] for o in cfg.origins.values() if o.startswith("preset ")})
    for preset in presets:
        parts += ["--preset", preset]
    if config is not None:
        parts += ["--config", str(config)]
    for n, v in sets.items():
        parts += ["--set", f"{n}={toml_value(v)}"]
    return " ".join(shlex.quote(p) for p in parts)


def _point_manifest(name: str, cfg: Config, base: Manifest) -> Manifest:
    man = Manifest(name, cfg)
    man.inputs, man.files, man.ignored_files = list(base.inputs), list(base.files), list(base.ignored_files)
    for key in ("ingest",):
        if key in base.counts:
            man.counts[key] = base.counts[key]
        if key in base.stages:
            man.stages[key] = base.stages[key]
        if key in base.timings_s:
            man.timings_s[key] = base.timings_s[key]
    man.warnings = list(base.warnings)
    man.run_id = base.run_id
    return man


def _write_frame(frame: pl.DataFrame, path: Path, table: str, params: Mapping[str, Any], extra: Mapping[str, Any]) -> Path:
    """A sweep table with cib's provenance metadata (table name, schema version, parameters)."""
    meta = {
        "cib.table": table,
        "cib.schema_version": SCHEMA_VERSION,
        "cib.params": json.dumps(dict(params), sort_keys=True, ensure_ascii=False, default=str),
        "cib.extra": json.dumps(dict(extra), sort_keys=True, ensure_ascii=False, default=str),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    frame.write_parquet(tmp, compression="zstd", statistics=False, metadata=meta)
    tmp.replace(path)
    return path


def _axis_series(name: str, values: list[Any]) -> pl.Series:
    kinds = {type(v) for v in values}
    if kinds <= {int} or kinds <= {float} or kinds <= {str} or kinds <= {bool}:
        return pl.Series(name, values)
    if kinds <= {int, float} and bool not in kinds:
        return pl.Series(name, [float(v) for v in values])
    from cib.sweep.grid import value_text

    return pl.Series(name, [value_text(v) for v in values], dtype=pl.String)


def _table(grid: Grid, points: list[Point], outcomes: Mapping[int, PointOutcome], extra: Mapping[int, dict[str, Any]], labelled: bool) -> pl.DataFrame:
    cols: dict[str, pl.Series] = {"point": pl.Series("point", [p.id for p in points], dtype=pl.Int64)}
    for axis in grid.axes:
        cols[axis.name] = _axis_series(axis.name, [p.values[axis.name] for p in points])
    metric_names = ["edges", "accounts_in_edges", "clusters", "flagged_clusters", "bot_clusters", "troll_clusters",
                    "mixed_clusters", "flagged_accounts"]
    for m in metric_names:
        cols[m] = pl.Series(m, [int(outcomes[p.id].metrics[m]) for p in points], dtype=pl.Int64)
    for m in ("stability", "stability_all"):
        cols[m] = pl.Series(m, [extra[p.id].get(m) for p in points], dtype=pl.Float64)
    if labelled:
        for m in EVAL_FIELDS:
            cols[m] = pl.Series(m, [outcomes[p.id].metrics.get(m) for p in points], dtype=pl.Float64)
        kinds = sorted({k for o in outcomes.values() for k in o.hard_negatives}, key=lambda k: (k == "organic", k))
        for kind in kinds:
            col = "fpr_" + "".join(ch if ch.isalnum() else "_" for ch in kind)
            cols[col] = pl.Series(col, [outcomes[p.id].hard_negatives.get(kind) for p in points], dtype=pl.Float64)
    cols["detection"] = pl.Series("detection", [extra[p.id]["detection"] for p in points], dtype=pl.Int64)
    cols["reused_from"] = pl.Series("reused_from", [outcomes[p.id].reused_from for p in points], dtype=pl.Int64)
    cols["seconds"] = pl.Series("seconds", [outcomes[p.id].seconds for p in points], dtype=pl.Float64)
    cols["folder"] = pl.Series("folder", [f"sweep/{p.folder}" for p in points], dtype=pl.String)
    cols["recommended"] = pl.Series("recommended", [bool(extra[p.id].get("recommended")) for p in points], dtype=pl.Boolean)
    return pl.DataFrame(list(cols.values()))


def sweep(
    source: str | Path,
    grid: Mapping[str, Any] | Iterable[str] | None = None,
    cfg: Config | None = None,
    *,
    labels: str | Path | None = None,
    name: str | None = None,
    processed_dir: str | Path = "data/processed",
    reports_dir: str | Path = "reports",
    fmt: str | None = None,
    config: str | Path | None = None,
    params: Mapping[str, Any] | None = None,
    page: bool = True,
    progress: Progress | None = None,
    on_point: Callable[[int, int, PointOutcome], None] | None = None,
) -> SweepResult:
    """Run detection, clustering and scoring at every point of a grid.

    Ingest runs once. Detection runs once per distinct detection setting (see
    :mod:`cib.sweep.detection`): points that differ only in parameters
    detection does not read share it. Each point is then fused, clustered,
    scored and (with ``labels``) evaluated, in worker processes when
    ``sweep.workers`` allows, unless an earlier point had the same detection
    and the same value for everything those stages read (see
    :mod:`cib.sweep.runner`). Cluster stability compares each point with its
    neighbours.

    Parameters
    ----------
    source
        A file or folder of exports.
    grid
        ``--grid`` strings (``"co_reshare.window=10,60,300"``) or a mapping of
        parameter name → values (``{"resolution": [0.5, 1, 2]}``); short names
        are resolved against the registry, ``window`` sets every co_* window.
        ``None`` uses the configuration's ``sweep.grid``.
    cfg
        The base configuration (default: ``config`` and ``params`` through
        :func:`cib.pipeline.build_config`).
    labels
        A labels file (see :func:`cib.evaluate.read_labels`): adds precision,
        recall, F1, label accuracy, FPR per hard-negative kind, ARI, NMI, AUC.
    name
        Collection name (default: the folder's or file's stem).
    processed_dir, reports_dir
        Tables go to ``processed_dir/NAME/`` and the page to ``reports_dir/NAME/sweep.html``.
    fmt
        Input format instead of sniffing.
    config, params
        A ``cib.toml`` and parameter overrides, when ``cfg`` is not given.
    page
        Write the HTML page.
    progress
        Told what ingest and each detection are doing (:mod:`cib.progress`);
        clustering and scoring in worker processes tell nothing.
    on_point
        Called as ``on_point(done, total, outcome)`` when a point finishes.

    Returns
    -------
    SweepResult

    Raises
    ------
    CibError
        Bad grid, input, labels or configuration.
    """
    from cib.pipeline import Run, build_config, run_stages
    from cib.stages import Outputs

    started = time.perf_counter()
    cfg = cfg if cfg is not None else build_config(config, params=params)
    plan = _plan(source, grid, cfg, labels, name, processed_dir, reports_dir, config)
    # the sweep's own outputs sit in the collection's folder: no run may replace it meanwhile
    with collection_lock(plan.root):
        base = Manifest(plan.name, cfg)
        workers = _workers(cfg["sweep.workers"], len(plan.points))
        outcomes: dict[int, PointOutcome] = {}

        def done(outcome: PointOutcome) -> None:
            outcomes[outcome.point_id] = outcome
            if on_point is not None:
                on_point(len(outcomes), len(plan.points), outcome)

        # started first, so that the workers' imports overlap ingest and the first detection
        pool = _start_pool(workers)
        try:
            run = run_stages(Run(plan.source, plan.name, cfg, Outputs(plan.shared, plan.reports), base, fmt), until="ingest", progress=progress)
            assert run.ingested is not None
            detections, same = _run_points(plan, base, run.ingested, pool, done, progress)
        finally:
            if pool is not None:
                pool.close()

        table, stab, best, reasons = _compare(plan, outcomes, same)
        info = _info(plan, detections, same, outcomes, workers, best, reasons)
        meta = {"grid": plan.grid.as_dict(), "points": len(plan.points), "recommended": best}
        _write_frame(table, plan.root / "sweep.parquet", "sweep", cfg.as_dict(), meta)
        _write_frame(stab, plan.root / "clusters_stability.parquet", "clusters_stability", cfg.as_dict(), meta)
        info["seconds"] = round(time.perf_counter() - started, 3)
        result = SweepResult(table, stab, plan.grid, plan.points, best, reasons, plan.root, None, info)
        if page:
            from cib.sweep.page import write_page

            result.page = write_page(result, plan.reports / "sweep.html", collection=plan.name, source=str(source))
        info["seconds"] = round(time.perf_counter() - started, 3)
        base.stages["sweep"] = {**info, "grid": plan.grid.as_dict()}
        base.timings_s["sweep"] = info["seconds"]
        base.write(plan.shared)
        return result


@dataclass(frozen=True)
class _Plan:
    """What a sweep runs: the input, the grid's points, the labels, and where everything goes."""

    source: Path
    name: str
    cfg: Config
    config: str | Path | None
    grid: Grid
    points: list[Point]
    labels: str | None
    root: Path
    reports: Path

    @property
    def shared(self) -> Path:
        """The folder of the shared ingest tables and of the points' folders."""
        return self.root / "sweep"


def _plan(
    source: str | Path,
    grid: Mapping[str, Any] | Iterable[str] | None,
    cfg: Config,
    labels: str | Path | None,
    name: str | None,
    processed_dir: str | Path,
    reports_dir: str | Path,
    config: str | Path | None,
) -> _Plan:
    """Check the grid and the labels before any work, and name the folders."""
    from cib.stages import Outputs, check_outputs, collection_name

    the_grid = build_grid(grid, cfg)
    labels_path = str(Path(labels).resolve()) if labels is not None else None
    if labels_path is not None:
        from cib.evaluate import read_labels

        read_labels(labels_path)  # a bad labels file fails before the work
    name = name or collection_name(source)
    out = Outputs.for_collection(name, processed_dir, reports_dir)
    check_outputs(out, source)
    root, reports = out.processed, out.reports
    return _Plan(Path(source), name, cfg, config, the_grid, the_grid.points(), labels_path, root, reports)


def _run_points(
    plan: _Plan,
    base: Manifest,
    ing: Any,
    pool: WorkerPool | None,
    done: Callable[[PointOutcome], None],
    progress: Progress | None = None,
) -> tuple[DetectionReuse, dict[int, int]]:
    """Detect once per distinct detection setting and hand every point to the runner.

    Returns
    -------
    detections, same
        The detections run, and each point's detection number (points with the
        same number detected identical edges and evidence).
    """
    for old in plan.shared.glob("point-*"):
        if old.is_dir():
            shutil.rmtree(old)
    configs = {p.id: plan.cfg.update(p.overrides, "sweep") for p in plan.points}
    detections = DetectionReuse(ing.posts, float(ing.time_resolution_s), progress=progress)
    detections.plan(configs.values())
    runner = Runner(configs, ing.posts, ing.accounts, plan.labels, pool, done)
    same_as: dict[int, int] = {}
    same: dict[int, int] = {}
    for p in plan.points:
        folder = plan.shared / p.folder
        folder.mkdir(parents=True, exist_ok=True)
        for table in _INGEST_TABLES:
            _link(plan.shared / table, folder / table)
        man = _point_manifest(plan.name, configs[p.id], base)
        det = _detect_point(plan, p, configs[p.id], folder, man, detections)
        if det.index not in same_as:
            same_as[det.index] = runner.same_detection(det.index, det.result)
        same[p.id] = same_as[det.index]
        man.stages["sweep"] = {
            "sweep": str(plan.root),
            "point": p.id,
            "grid": dict(p.values),
            "parameters_changed": dict(p.overrides),
            "detection": det.index,
            "detection_from_point": det.point,
            "same_detection_as": same[p.id],
            "reproduce": reproduce_command(plan.source, plan.name, plan.cfg, p, plan.config),
        }
        man.write(folder)
        job = PointJob(p.id, str(folder.resolve()), str(plan.shared.resolve()), str(plan.reports), configs[p.id], man, plan.labels)
        runner.add(job, same[p.id], det.result)
    runner.drain()
    return detections, same


def _detect_point(plan: _Plan, p: Point, pcfg: Config, folder: Path, man: Manifest, detections: DetectionReuse) -> Any:
    """A point's detection: run, or the tables of an earlier identical setting written into its folder."""
    from cib.stages import Outputs

    det = detections.find(pcfg)
    if det is None:
        return detections.run(p.id, pcfg, Outputs(folder, plan.reports), man)
    params = pcfg.as_dict()
    write_table(det.result.edges, folder / "edges.parquet", "edges", params=params, run_id=man.run_id)
    write_table(det.result.evidence, folder / "evidence.parquet", "evidence", params=params, run_id=man.run_id)
    detections.record(det, man)
    return det


def _compare(
    plan: _Plan, outcomes: Mapping[int, PointOutcome], same: Mapping[int, int]
) -> tuple[pl.DataFrame, pl.DataFrame, int | None, list[str]]:
    """The sweep table and the clusters' stability across points, and the recommended point with its reasons."""
    extra: dict[int, dict[str, Any]] = {p.id: {"detection": same[p.id]} for p in plan.points}
    stab = cluster_stability(plan.grid, plan.points, outcomes)
    for pid, values in point_stability(stab).items():
        extra[pid].update(values)
    for p in plan.points:
        extra[p.id].setdefault("stability", None)
        extra[p.id].setdefault("stability_all", None)
    labelled = plan.labels is not None
    table = _table(plan.grid, plan.points, outcomes, extra, labelled)
    axes = [a.name for a in plan.grid.axes]
    best, reasons = recommend(table.to_dicts(), axes, labelled=labelled, tolerance=float(plan.cfg["sweep.flagged_tolerance"]))
    if best is not None:
        table = table.with_columns((pl.col("point") == best).alias("recommended"))
    return table, stab, best, reasons


def _info(
    plan: _Plan,
    detections: DetectionReuse,
    same: Mapping[int, int],
    outcomes: Mapping[int, PointOutcome],
    workers: int,
    best: int | None,
    reasons: list[str],
) -> dict[str, Any]:
    """What the sweep did, for its manifest and the command's summary."""
    return {
        "points": len(plan.points),
        "detection_runs": len(detections.runs),
        "distinct_detections": len(set(same.values())),
        "detect_seconds": round(detections.seconds, 3),
        # sync and co_similar_text read no windowed parameter: computed once per distinct setting
        "engine_runs": _engine_runs(detections.engines.results),
        # windowed signals: traces built once, pairs computed at the widest window and filtered
        "pair_cache": {"widest_window_s": dict(sorted(detections.pairs.widest.items())), "reused": dict(detections.pairs.reused)},
        "network_runs": sum(o.reused_from is None for o in outcomes.values()),
        "workers": workers,
        "labels": plan.labels,
        "recommended": best,
        "reasons": reasons,
        "reproduce": reproduce_command(plan.source, plan.name, plan.cfg, plan.points[best], plan.config) if best is not None else None,
    }


def _engine_runs(results: dict[tuple[str, str], list[Any]]) -> dict[str, int]:
    """Runs of each engine, over what else it read (co_paraphrase's accounts)."""
    out: dict[str, int] = {}
    for (sig, _), runs in sorted(results.items()):
        out[sig] = out.get(sig, 0) + len(runs)
    return out
