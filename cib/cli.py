"""The ``cib`` command: a thin layer over the library.

User errors (:class:`cib.errors.CibError`) become one line on stderr and exit
code 2; anything else is a bug and exits 1.
"""

from __future__ import annotations

import atexit
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

#: Polars' allocator (jemalloc) settings for the command line, read once when Polars loads:
#: memory a stage frees is kept for the next one instead of being handed back to the
#: system and faulted in again (1M posts, analyse --until detect: 634k page faults → 431k,
#: 11.8 → 10.9 CPU-seconds). A run is one short process, so keeping it costs nothing after.
ALLOCATOR = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:-1,muzzy_decay_ms:-1")
#: for a large input, memory a stage frees goes back to the system within a second: kept, it
#: would add every stage's peak to the next (3 M posts, analyse: peak 13.2 GB → 9.6 GB, 9 % slower)
ALLOCATOR_LARGE = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:1000,muzzy_decay_ms:1000")
#: input bytes from which an input is large (about 2.5 M posts of CSV; a posts table counts 8 times
#: its Parquet size, what it takes in memory)
LARGE_INPUT_BYTES = 1 << 30
#: numpy's OpenBLAS without a thread pool: cib does no dense linear algebra, and each pool
#: thread spins for a while after numpy loads, waiting for work that never comes
#: (0.11 CPU-seconds of every command, measured on `import numpy`).
BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "1")


def input_bytes(args: list[str]) -> int:
    """The size of the largest input named on a command line (a processed folder: 8 × its posts table)."""
    largest = 0
    for arg in args:
        if arg.startswith("-"):
            continue
        path = Path(arg)
        try:
            if (path / "posts.parquet").is_file():
                size = 8 * (path / "posts.parquet").stat().st_size
            elif path.is_dir():
                size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
            elif path.is_file():
                size = path.stat().st_size
            else:
                continue
        except OSError:
            continue
        largest = max(largest, size)
    return largest


#: what the command line sets in its own environment before Polars and numpy load;
#: a value already in the environment wins
PROCESS_ENV = dict(
    [ALLOCATOR_LARGE if input_bytes(sys.argv[2:]) >= LARGE_INPUT_BYTES else ALLOCATOR, BLAS_THREADS]
)
for _name, _value in PROCESS_ENV.items():
    os.environ.setdefault(_name, _value)

import typer  # noqa: E402

from cib.cli_base import (  # noqa: E402
    ConfigOpt,
    EngineOpt,
    EventOpt,
    FormatOpt,
    MinPartOpt,
    NameOpt,
    PresetOpt,
    ProcessedOpt,
    QuietOpt,
    ReportsOpt,
    SetOpt,
    SparkConfOpt,
    SparkMasterOpt,
    TzOpt,
    WindowOpt,
    app,
    echo_err,
    engine_params,
)
from cib.display import Display, detect_summary, display, network_summary, null_result_lines  # noqa: E402
from cib.errors import CibError  # noqa: E402
from cib.files import os_failure  # noqa: E402

__all__ = ["app", "main", "run"]

# the commands around the pipeline register on the same app
import cib.cli_monitor  # noqa: E402, F401
import cib.cli_tools  # noqa: E402, F401


def _ingest_summary(result: Any) -> str:
    n_in = sum(f.rows_in for f in result.files)
    dupes = sum(f.duplicates for f in result.files)
    return (
        f"ingest: {len(result.files)} file(s), {n_in:,} rows in → {result.n_posts:,} posts, "
        f"{result.rejects.height:,} rejected, {dupes:,} duplicates removed; {result.accounts.height:,} accounts"
    )


@app.command()
def ingest(
    input: Annotated[Path, typer.Argument(help="A file or a folder of exports.")],
    name: NameOpt = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    fmt: FormatOpt = None,
    processed_dir: ProcessedOpt = Path("data/processed"),
    quiet: QuietOpt = False,
) -> None:
    """Read exports into canonical posts, accounts and rejects tables."""
    _analyse(input, name, config, set_, fmt, processed_dir, Path("reports"), until="ingest", quiet=quiet)


@app.command()
def analyse(
    input: Annotated[Path, typer.Argument(help="A file or a folder of exports.")],
    name: NameOpt = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    fmt: FormatOpt = None,
    processed_dir: ProcessedOpt = Path("data/processed"),
    reports_dir: ReportsOpt = Path("reports"),
    preset: PresetOpt = None,
    window: WindowOpt = None,
    min_participation: MinPartOpt = None,
    event: EventOpt = None,
    timezone: TzOpt = None,
    report: Annotated[
        bool, typer.Option("--report/--no-report", help="Write the HTML report and exports.")
    ] = True,
    until: Annotated[
        str,
        typer.Option(
            "--until",
            help="Stop after this stage: ingest, detect, cluster or report (the tables so far are complete).",
        ),
    ] = "report",
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    spark_conf: SparkConfOpt = None,
    quiet: QuietOpt = False,
    full: Annotated[
        bool, typer.Option("--full", help="Read every file again, even those the last run read unchanged.")
    ] = False,
) -> None:
    """Run every stage on a collection: ingest, detect, cluster and score, report."""
    _analyse(
        input, name, config, set_, fmt, processed_dir, reports_dir,
        preset=preset, window=window, min_participation=min_participation, event=event, report=report, until=until,
        quiet=quiet, timezone=timezone, full=full, params=engine_params(engine, spark_master, spark_conf),
    )  # fmt: skip


def _analyse(
    source: Path,
    name: str | None,
    config: Path | None,
    sets: list[str] | None,
    fmt: str | None,
    processed_dir: Path,
    reports_dir: Path,
    *,
    preset: str | None = None,
    window: str | None = None,
    min_participation: int | None = None,
    event: list[str] | None = None,
    report: bool = True,
    until: str = "report",
    quiet: bool = False,
    timezone: str | None = None,
    full: bool = False,
    params: dict[str, object] | None = None,
) -> None:
    from cib.pipeline import build_config, prepare, run_stages

    cfg = build_config(
        config,
        params=params,
        sets=sets or (),
        preset=preset,
        window=window,
        min_participation=min_participation,
        events=event or (),
        timezone=timezone,
    )
    run = prepare(source, cfg, name=name, processed_dir=processed_dir, reports_dir=reports_dir, fmt=fmt, full=full)
    # the stage after which every table is written: its summary ends with the warnings and the folder
    tables_done = "cluster" if until == "report" else until
    with display(quiet) as shown:

        def said(stage: str, run: Any) -> None:
            if stage == "ingest":
                shown.say(f"{_ingest_summary(run.ingested)}; {shown.lap()}")
            elif stage == "detect":
                shown.say(f"{detect_summary(run.manifest)}; {shown.lap()}")
            elif stage == "cluster":
                shown.say(f"{network_summary(run.network)}; {shown.lap()}")
                for line in null_result_lines(run):
                    shown.say(line)
            if stage == tables_done:
                for warning in run.manifest.warnings:
                    shown.warn(warning)
                shown.say(f"tables: {run.out.processed}/")
            if stage == "report":
                _exports_said(shown, run.manifest.exports.get("."), run.out.processed)
                _report_said(shown, run.report)

        run_stages(run, until=until, report=report, progress=shown.progress, on_stage=said, keep=False)


def _report_said(shown: Display, path: Any) -> None:
    # the path alone on the last line, for whoever opens it next (`… 2>&1 | tail -1`)
    shown.say(f"report: page and exports written; {shown.lap()}")
    shown.say(f"report: {path}")


@app.command()
def detect(
    processed: Annotated[Path, typer.Argument(help="A processed collection folder (data/processed/NAME).")],
    config: ConfigOpt = None,
    set_: SetOpt = None,
    preset: PresetOpt = None,
    window: WindowOpt = None,
    min_participation: MinPartOpt = None,
    engine: EngineOpt = None,
    spark_master: SparkMasterOpt = None,
    spark_conf: SparkConfOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Detect coordination edges on ingested posts (writes edges and evidence)."""
    from cib.detect.memo import Memo
    from cib.pipeline import build_config, rerun
    from cib.stages import run_detect

    cfg = build_config(
        config,
        params=engine_params(engine, spark_master, spark_conf),
        sets=set_ or (),
        preset=preset,
        window=window,
        min_participation=min_participation,
    )
    # a large collection is detected from posts.parquet, a few columns at a time (run.max_posts_in_memory)
    large = _posts_in(processed) > int(cfg["run.max_posts_in_memory"])
    with display(quiet) as shown, rerun(processed, cfg, "detect", posts=not large) as run:
        _staging_said(shown, run)
        run_detect(
            run.out.processed / "posts.parquet" if large else run.posts,
            run.out,
            cfg,
            run.manifest,
            time_resolution_s=run.time_resolution_s,
            progress=shown.progress,
            memo=Memo.between(run.folder, run.out.processed),
        )
        shown.say(f"{detect_summary(run.manifest)}; {shown.lap()}")


def _posts_in(processed: Path) -> int:
    """How many posts a processed folder holds (from the Parquet footer; 0 when there is no table)."""
    import polars as pl

    try:
        return int(pl.scan_parquet(processed / "posts.parquet").select(pl.len()).collect().item())
    except (OSError, pl.exceptions.PolarsError):
        return 0


@app.command()
def cluster(
    processed: Annotated[Path, typer.Argument(help="A processed collection folder holding edges.parquet.")],
    config: ConfigOpt = None,
    set_: SetOpt = None,
    event: EventOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Cluster the fused graph and score clusters and accounts (writes clusters and account_scores)."""
    from cib.pipeline import build_config, rerun
    from cib.stages import run_network

    cfg = build_config(config, sets=set_ or (), events=event or ())
    with display(quiet) as shown, rerun(processed, cfg, "cluster") as run:
        _staging_said(shown, run)
        net = run_network(
            run.posts, run.accounts, run.detected(), run.out, cfg, run.manifest, progress=shown.progress,
            previous=run.folder,
        )  # fmt: skip
        shown.say(f"{network_summary(net)}; {shown.lap()}")


@app.command()
def report(
    processed: Annotated[Path, typer.Argument(help="A processed collection folder.")],
    config: ConfigOpt = None,
    set_: SetOpt = None,
    reports_dir: ReportsOpt = Path("reports"),
    quiet: QuietOpt = False,
) -> None:
    """Write the HTML report, and the flagged networks as GEXF, GraphML and CSV beside the tables."""
    from cib.pipeline import build_config, rerun
    from cib.stages import Outputs, run_report

    cfg = build_config(config, sets=set_ or ())
    with display(quiet) as shown, rerun(processed, cfg, "report", reports_dir, posts=False) as run:
        _staging_said(shown, run)
        final = Outputs(processed, run.out.reports)
        path = run_report(final, cfg, run.manifest, progress=shown.progress, staging=run.staging)
        _exports_said(shown, run.manifest.exports.get("."), processed)
        _report_said(shown, path)


def _staging_said(shown: Display, run: Any) -> None:
    """What a stage run alone found left by an interrupted run."""
    for note in run.staging.notes if run.staging is not None else []:
        shown.warn(note)


def _exports_said(shown: Display, entry: dict[str, Any] | None, processed: Path) -> None:
    """What the exports hold, and any note (a CSV written in parts)."""
    from cib.report.export import export_lines

    for line in export_lines(entry, processed) if entry else []:
        shown.say(line)


ScopeAllOpt = Annotated[
    bool, typer.Option("--all", help="The whole account graph, not only the flagged networks.")
]
SignalOpt = Annotated[
    str | None,
    typer.Option("--signal", help="One signal's links and the accounts they join, e.g. co_reshare."),
]
ClusterOpt = Annotated[
    int | None, typer.Option("--cluster", help="One network: its members and the links among them.")
]
ExportFormatOpt = Annotated[
    str, typer.Option("--format", help="Some of csv, gexf, graphml, parquet, comma-separated.")
]
OutOpt = Annotated[
    Path | None, typer.Option("--out", help="Folder to write into (default: PROCESSED/exports/<scope>/).")
]


@app.command("export")
def export_(
    processed: Annotated[Path, typer.Argument(help="A processed collection folder.")],
    all_: ScopeAllOpt = False,
    signal: SignalOpt = None,
    cluster: ClusterOpt = None,
    fmt: ExportFormatOpt = "csv,gexf,graphml",
    out: OutOpt = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """Write exports on request: the flagged networks (default), the whole graph (--all), one signal, one network."""
    from cib.pipeline import build_config
    from cib.report.export import export

    cfg = build_config(config, sets=set_ or ())
    with display(quiet) as shown:
        result = export(
            processed,
            whole=all_,
            signal=signal,
            cluster=cluster,
            formats=fmt,
            out=out,
            cfg=cfg,
            progress=shown.progress,
        )
        _exports_said(shown, result.record(processed), processed)


def _leave() -> NoReturn:
    """End a command that succeeded without the interpreter's teardown.

    Everything is written and closed by then; what teardown would do is free,
    one object at a time, the gigabytes a large collection's tables hold
    (about 0.1 s of a million posts' ``analyse --until detect``). Exit
    handlers still run and the output streams are flushed.
    """
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:
            pass  # a reader that stopped early (`cib params | head`) is not a failure
    os._exit(0)


def main() -> None:
    """Entry point: run the app, turning user errors into one line and exit code 2.

    Failures of the operating system (permission denied, no space left, a file
    name too long) are user errors too, named by their path. Usage errors (an
    unknown option, a missing argument) are the command-line parser's: it
    prints the usage and exits 2 itself.
    """
    try:
        app()
    except KeyboardInterrupt:
        echo_err("interrupted")
        sys.exit(130)
    except Exception as exc:
        failure = exc if isinstance(exc, CibError) else os_failure(exc)
        if failure is not None:
            echo_err(f"error: {failure.one_line()}")
            sys.exit(failure.exit_code)
        if os.environ.get("CIB_DEBUG"):
            raise
        echo_err(
            f"internal error: {type(exc).__name__}: {exc} (a bug in cib; run again with CIB_DEBUG=1 for details)"
        )
        sys.exit(1)


def run() -> NoReturn:
    """The ``cib`` program (its console script and ``python -m cib``): :func:`main`, then a quick exit.

    A command that succeeded leaves without the interpreter's teardown
    (:func:`_leave`). Callers whose process goes on afterwards (tests,
    notebooks) use :func:`main`, which raises ``SystemExit`` as usual.
    """
    try:
        main()
    except SystemExit as done:
        if done.code not in (0, None):
            raise
    _leave()
