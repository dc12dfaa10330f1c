"""The one orchestration: configuration, manifest, and the stages in order.

``cib analyse``, :func:`cib.analyse` and ``cib sweep`` all build their
configuration with :func:`build_config` (the defaults, a preset, ``cib.toml``
and flags), start a run with :func:`prepare` (the collection's name, folders
and manifest) and run its stages with :func:`run_stages`; ``cib detect``,
``cib cluster`` and ``cib report`` pick a processed folder up with
:func:`resume`. Each stage is one function of :mod:`cib.stages`. Nothing here
prints.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.config import Config, load_config, parse_assignment
from cib.detect.memo import Memo
from cib.errors import CibError, ConfigError
from cib.ingest import IngestResult
from cib.manifest import Manifest, Staging, check_run, collection_lock, stage_folder
from cib.network.events import load_events, parse_event_flag
from cib.params import PRESETS
from cib.progress import Progress
from cib.schema import POSTS
from cib.signals import windowed_values
from cib.stages import (
    STAGE_TABLES,
    NetworkResult,
    Outputs,
    check_outputs,
    collection_name,
    load_detected,
    load_ingested,
    run_detect,
    run_ingest,
    run_network,
    run_report,
)

if TYPE_CHECKING:
    from cib.detect import DetectResult

#: the stages of a run, in order (``until`` stops after one)
STAGES = ("ingest", "detect", "cluster", "report")

__all__ = ["STAGES", "Run", "Resumed", "build_config", "prepare", "run_stages", "resume", "rerun"]


def build_config(
    config: str | Path | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    sets: Iterable[str] = (),
    preset: str | None = None,
    window: str | float | None = None,
    min_participation: int | None = None,
    events: Iterable[str] = (),
    timezone: str | None = None,
) -> Config:
    """The effective configuration of a run: defaults < preset < ``cib.toml`` < flags.

    Parameters
    ----------
    config
        A ``cib.toml`` (default: ``./cib.toml`` when present).
    params
        Parameter values by name (the Python API's ``params``).
    sets
        ``--set NAME=VALUE`` flags; they win over ``params``, ``window`` and
        ``min_participation``.
    preset
        A name of :data:`cib.params.PRESETS` (the peers' semantics).
    window
        ``--window``: one window for every windowed signal (seconds, ``2m``, ``auto``).
    min_participation
        ``--min-participation``.
    events
        ``--event`` flags, added to the configured ``events``.
    timezone
        ``--timezone``: the zone both for reading hours (``score.timezone``) and
        for showing times (``report.timezone``).

    Returns
    -------
    Config

    Raises
    ------
    ConfigError
        An unknown preset or parameter, or a value its declaration refuses.
    """
    overrides: dict[str, Any] = dict(params or {})
    if window is not None:
        overrides.update(windowed_values(window))
    if min_participation is not None:
        if int(min_participation) < 1:
            raise ConfigError(f"--min-participation {min_participation}: must be at least 1")
        overrides["detect.min_participation"] = int(min_participation)
    if timezone is not None:
        overrides["score.timezone"] = overrides["report.timezone"] = timezone
    for item in sets:
        name, value = parse_assignment(item)
        overrides[name] = value
    if preset is not None and preset not in PRESETS:
        raise ConfigError(f"--preset {preset}: unknown preset", hint=f"use one of: {', '.join(sorted(PRESETS))}")
    cfg = load_config(config, overrides=overrides, preset=PRESETS.get(preset or ""), preset_name=preset)
    flags = list(events)
    if flags:
        cfg = cfg.update({"events": [*cfg["events"], *(parse_event_flag(e) for e in flags)]}, "flag")
    load_events(cfg)  # an event the network stage could not read stops the run now, not after detection
    return cfg


@dataclass
class Run:
    """One run of a collection: its input, configuration, folders and manifest, and what its stages gave.

    Made by :func:`prepare`, filled by :func:`run_stages`.
    """

    source: Path
    name: str
    cfg: Config
    out: Outputs
    manifest: Manifest
    fmt: str | None = None
    ingested: IngestResult | None = None
    detected: DetectResult | None = None
    network: NetworkResult | None = None
    report: Path | None = None
    done: list[str] = field(default_factory=list)
    full: bool = False


def prepare(
    source: str | Path,
    cfg: Config,
    *,
    name: str | None = None,
    processed_dir: str | Path = "data/processed",
    reports_dir: str | Path = "reports",
    fmt: str | None = None,
    full: bool = False,
) -> Run:
    """A run of ``source`` with ``cfg`` (from :func:`build_config`): its name, folders and a fresh manifest.

    ``full``: read every file again, even those the collection's previous run
    read and that have not changed (by default their rows are taken from its tables).

    Raises
    ------
    CibError
        A name that cannot name a folder, or output folders inside the input or holding it.
    """
    name = name or collection_name(source)
    out = Outputs.for_collection(name, processed_dir, reports_dir)
    check_outputs(out, source)
    return Run(Path(source), name, cfg, out, Manifest(name, cfg), fmt, full=full)


def run_stages(
    run: Run,
    *,
    until: str = "report",
    report: bool = True,
    progress: Progress | None = None,
    on_stage: Callable[[str, Run], None] | None = None,
    keep: bool = True,
) -> Run:
    """Run the stages of ``run`` in order, up to and including ``until``.

    Parameters
    ----------
    run
        From :func:`prepare`.
    until
        The last stage to run (one of :data:`STAGES`); the tables written so far
        are complete.
    report
        Write the report and exports when ``until`` reaches it.
    progress
        Told what each stage is doing as it goes (:mod:`cib.progress`); it
        changes no result.
    on_stage
        Called as ``on_stage(stage, run)`` after each stage (the CLI prints its summaries).
    keep
        Keep every stage's results on ``run`` (the Python API returns them). The
        command line lets the posts, the edges and evidence and the graph go once
        the network stage has told its summary: the report reads its tables from
        disk, and on a large collection they would double its memory.

    Returns
    -------
    Run
        The same run, with the stages' results.
    """
    if until not in STAGES:
        raise CibError(f"--until {until}: unknown stage", hint=f"use one of: {', '.join(STAGES)}")
    check_outputs(run.out, run.source)
    staging = Staging(run.out.processed)
    with collection_lock(run.out.processed):
        run.manifest.warnings += staging.clean()
        staging.start()
        try:
            _run_staged(run, staging, until, report, progress, on_stage, keep)
        except BaseException:
            if not staging.committed:
                staging.abandon()
            raise
    return run


def _run_staged(
    run: Run,
    staging: Staging,
    until: str,
    report: bool,
    progress: Progress | None,
    on_stage: Callable[[str, Run], None] | None,
    keep: bool,
) -> None:
    """The stages of :func:`run_stages`, writing into ``staging``, which is swapped in once every table is written."""
    last = STAGES.index(until)
    work = Outputs(staging.folder, run.out.reports)
    # unchanged files the previous run read are taken from its tables, unless the run is to be made whole
    previous = None if run.full else staging.final
    run.ingested = run_ingest(run.source, work, run.cfg, run.manifest, fmt=run.fmt, progress=progress, previous=previous)
    if keep:
        # posts staged on disk are read back from the staging folder, which is gone once swapped in
        run.ingested.posts  # noqa: B018
    _done(run, "ingest", on_stage)
    if last >= STAGES.index("detect"):
        ing = run.ingested
        # a collection whose posts were staged on disk is detected from posts.parquet, a few columns at a time
        staged = ing.parts.staged
        why = "--full" if run.full else "no previous run"
        run.detected = run_detect(
            work.processed / "posts.parquet" if staged else ing.posts, work, run.cfg, run.manifest,
            time_resolution_s=ing.time_resolution_s, progress=progress, previous=previous,
            memo=Memo.between(previous, work.processed, why_not=why),
        )  # fmt: skip
        if keep and isinstance(run.detected.evidence, pl.LazyFrame):
            run.detected.evidence = run.detected.evidence.collect()  # a scan of the staging folder, gone once swapped in
        _done(run, "detect", on_stage)
        if not keep and not staged and last >= STAGES.index("cluster"):
            # read back as written: one compact copy, not the detectors' pieces (1 GB less at 3 M posts)
            run.detected = None
            gc.collect()
            run.detected = load_detected(work.processed)
    if last >= STAGES.index("cluster"):
        ing, det = run.ingested, run.detected
        assert det is not None
        # posts staged on disk are read back without the two columns the network stage never reads
        posts = ing.post_columns([c for c in POSTS if c not in ("source_file", "source_row")]) if ing.parts.staged else ing.posts
        run.network = run_network(
            posts, ing.accounts, det, work, run.cfg, run.manifest, progress=progress, previous=staging.final
        )
        del posts
        _done(run, "cluster", on_stage)
        if not keep:
            run.ingested = run.detected = run.network = None
            del ing, det
            gc.collect()
    if report and last >= STAGES.index("report"):
        # the exports go in with the tables; the page is made from the outputs once swapped in
        run.report = run_report(run.out, run.cfg, run.manifest, progress=progress, staging=staging)
        _done(run, "report", on_stage)
    else:
        staging.commit()


def _done(run: Run, stage: str, on_stage: Callable[[str, Run], None] | None) -> None:
    run.done.append(stage)
    if on_stage is not None:
        on_stage(stage, run)


@dataclass
class Resumed:
    """A processed folder picked up by a stage run alone: where it writes, the manifest so far, the posts.

    ``folder`` holds the tables read; ``out.processed`` is where the stage
    writes (a staging folder, with :func:`rerun`).
    """

    out: Outputs
    manifest: Manifest
    posts: pl.DataFrame
    accounts: pl.DataFrame
    folder: Path | None = None
    staging: Staging | None = None

    @property
    def time_resolution_s(self) -> float:
        """The input's time resolution, as ingest recorded it."""
        return float(self.manifest.stages.get("ingest", {}).get("time_resolution_s", 1.0))

    def detected(self) -> DetectResult:
        """The edges and evidence an earlier detection wrote here."""
        return load_detected(self.folder or self.out.processed)


def resume(processed: str | Path, cfg: Config, reports_dir: str | Path = "reports", *, posts: bool = True) -> Resumed:
    """Pick up a processed folder (``data/processed/NAME``) for a stage run alone.

    Raises
    ------
    CibError
        When the folder holds no ``posts.parquet`` or no manifest, or tables of
        another run than its manifest records.
    """
    folder = Path(processed)
    if not (folder / "posts.parquet").is_file():
        raise CibError(f"{folder}: no posts.parquet here", hint="give a folder written by `cib ingest` (data/processed/NAME)")
    manifest = Manifest.resume(folder, cfg)
    check_run(folder)
    out = Outputs(folder, Path(reports_dir) / folder.name)
    if not posts:
        return Resumed(out, manifest, pl.DataFrame(), pl.DataFrame(), folder)
    return Resumed(out, manifest, *load_ingested(folder), folder)


@contextmanager
def rerun(
    processed: str | Path, cfg: Config, stage: str, reports_dir: str | Path = "reports", *, posts: bool = True
) -> Iterator[Resumed]:
    """Run ``stage`` again on a processed folder, the way a whole run writes.

    Under the collection's lock, the stage writes into a staging folder that
    holds the tables of the stages before it (hard links, not copies) and is
    swapped in when the body ends without an error: the tables of the stages
    after it, made from the old ones, are gone, as are their counts in the
    manifest and the exports. ``Resumed.out.processed`` is the staging folder;
    ``Resumed.staging`` lets the report swap it in before making its page.
    """
    folder = Path(processed)
    if stage not in STAGES[1:]:
        raise CibError(f"{stage}: not a stage that runs on a processed folder", hint=f"use one of: {', '.join(STAGES[1:])}")
    earlier = [f"{t}.parquet" for s in STAGES[: STAGES.index(stage)] for t in STAGE_TABLES.get(s, ())]
    with stage_folder(folder, link=earlier) as staging:
        resumed = resume(folder, cfg, reports_dir, posts=posts)
        resumed.manifest.forget(list(STAGES[STAGES.index(stage) :]))
        resumed.manifest.warnings += staging.notes
        resumed.out = Outputs(staging.folder, resumed.out.reports)
        resumed.staging = staging
        resumed.manifest.write(staging.folder)  # the staging folder reads as a whole one from the start
        yield resumed
