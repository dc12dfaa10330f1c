"""The ``cib sweep`` command (registered in :mod:`cib.cli` with ``app.command()(sweep)``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["sweep"]


def _err(text: str) -> None:
    typer.echo(text, err=True)


def sweep(
    input: Annotated[Path, typer.Argument(help="A file or a folder of exports.")],
    grid: Annotated[
        list[str] | None,
        typer.Option(
            "--grid",
            help="A parameter and its values: NAME=V1,V2,… (repeatable). NAME may be the end of a parameter's "
            "name (co_reshare.window, resolution) or 'window' for every co_* window; default: [sweep.grid] in cib.toml.",
        ),
    ] = None,
    labels: Annotated[
        Path | None,
        typer.Option("--labels", help="CSV or Parquet with account_id and network_id (and kind): adds precision, recall, F1…"),
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Collection name (default: the folder's or file's stem).")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="A cib.toml (default: ./cib.toml when present).")] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a parameter for every point: NAME=VALUE (repeatable).")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="Input format for every file instead of sniffing (see `cib formats`).")] = None,
    processed_dir: Annotated[Path, typer.Option("--processed-dir", help="Where tables go (DIR/NAME/).")] = Path("data/processed"),
    reports_dir: Annotated[Path, typer.Option("--reports-dir", help="Where the page goes (DIR/NAME/sweep.html).")] = Path("reports"),
) -> None:
    """Run detection and clustering over a grid of parameters; compare, score and recommend a setting."""
    from cib.config import load_config, parse_assignment
    from cib.sweep import sweep as run_sweep
    from cib.sweep.grid import value_text

    overrides = dict(parse_assignment(item) for item in set_ or [])
    cfg = load_config(config, overrides=overrides)

    def report(done: int, total: int, outcome) -> None:
        m = outcome.metrics
        figures = f"{m['flagged_accounts']:,} flagged in {m['flagged_clusters']} of {m['clusters']} clusters, {m['edges']:,} edges"
        if m.get("f1") is not None:
            figures += f", F1 {m['f1']:.2f}"
        _err(f"point {outcome.point_id} ({done}/{total}): {figures}")

    res = run_sweep(
        input,
        grid or None,
        cfg,
        labels=labels,
        name=name,
        processed_dir=processed_dir,
        reports_dir=reports_dir,
        fmt=fmt,
        config=config,
        on_point=report,
    )
    info = res.info
    _err(
        f"sweep: {info['points']} points, {info['detection_runs']} detection run(s), {info['network_runs']} "
        f"clustering and scoring run(s); {info['seconds']:.1f} s on {info['workers']} process(es)"
    )
    if res.recommended is not None:
        p = res.points[res.recommended]
        setting = ", ".join(f"{k}={value_text(v)}" for k, v in p.values.items())
        _err(f"recommended: point {p.id} ({setting})")
        _err(f"  reproduce: {info['reproduce']}")
    else:
        _err("recommended: none (no point flags any account)")
    _err(f"tables: {res.processed}/sweep.parquet, clusters_stability.parquet, sweep/point-XX/")
    if res.page is not None:
        _err(f"page: {res.page}")
