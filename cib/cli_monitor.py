"""The commands for following a collection from run to run: ``cib diff``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cib.cli_base import ConfigOpt, ReportsOpt, SetOpt, app
from cib.errors import CibError
from cib.printable import printable

__all__ = ["diff"]


@app.command()
def diff(
    run_a: Annotated[
        Path,
        typer.Argument(
            help="The earlier run: a processed folder (data/processed/NAME) or one of its runs/<run_id>."
        ),
    ],
    run_b: Annotated[
        Path | None,
        typer.Argument(
            help="The later run (default: RUN_A's outputs, RUN_A then being compared with its previous run)."
        ),
    ] = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    reports_dir: ReportsOpt = Path("reports"),
    everything: Annotated[
        bool, typer.Option("--all", help="Also networks never flagged, and those that did not change.")
    ] = False,
) -> None:
    """What changed between two runs of a collection: networks new, grown, shrunk, split, merged, vanished."""
    from cib.pipeline import build_config
    from cib.report.changes import changes_text, diff_runs, previous_run

    cfg = build_config(config, sets=set_ or ())
    if run_b is None:
        before = previous_run(run_a)
        if before is None:
            raise CibError(
                f"{run_a}: no previous run of this collection was kept",
                hint="run `cib analyse` on the grown collection first, or name two runs",
            )
        run_a, run_b = before, run_a
    changes = diff_runs(
        run_a, run_b, min_overlap=float(cfg["cluster.match_min_overlap"]), flagged_only=not everything
    )
    # a dossier is in the report of the collection's current outputs, not of a kept run
    page = reports_dir / run_b.name / "index.html" if (run_b / "manifest.json").is_file() else None

    def link(change: object) -> str | None:
        cluster = getattr(change, "cluster_b", None)
        return f"{page}#cluster-{cluster}" if page is not None and cluster is not None else None

    lines = changes_text(changes, link if page is not None else None, show=10 if not everything else 50)
    typer.echo(f"{run_a} → {run_b}: {len(lines)} change(s)")
    for line in lines:
        typer.echo(printable(line))
