"""The commands around the pipeline: synthetic collections, evaluation, formats, parameters and sweeps."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from cib.cli_base import (
    ConfigOpt,
    FormatOpt,
    MinPartOpt,
    NameOpt,
    PresetOpt,
    ProcessedOpt,
    QuietOpt,
    SetOpt,
    WindowOpt,
    app,
    echo_err,
)
from cib.config import registry
from cib.display import Display, display
from cib.printable import printable

__all__ = ["synth", "evaluate", "formats", "params", "sweep"]


@app.command()
def synth(
    out: Annotated[Path, typer.Argument(help="Folder to create (must not exist or be empty).")],
    posts: Annotated[int, typer.Option("--posts", help="About how many posts.")] = 50_000,
    seed: Annotated[
        int, typer.Option("--seed", help="Random seed: the same seed gives the same files.")
    ] = 42,
    layout: Annotated[
        str, typer.Option("--layout", help="mixed (IO-archive CSV + generic CSV) or generic.")
    ] = "mixed",
    difficulty: Annotated[
        str, typer.Option("--difficulty", help="easy, normal, hard or careful.")
    ] = "normal",
    utc_offset: Annotated[
        float, typer.Option("--utc-offset", help="Hours from UTC at which its daily life runs (-12 to 14).")
    ] = 5.0,
    scope: Annotated[
        str,
        typer.Option(
            "--scope", help="all, operation (only the planted networks' posts) or operation+sample."
        ),
    ] = "all",
    quiet: QuietOpt = False,
) -> None:
    """Write a synthetic collection with planted networks and its truth."""
    from cib.synth import synth as make

    res = make(
        out,
        n_posts=posts,
        seed=seed,
        layout=layout,
        difficulty=difficulty,
        utc_offset=utc_offset,
        scope=scope,
    )
    if not quiet:
        echo_err(
            f"synth: {res.n_posts:,} posts by {res.n_accounts:,} accounts in {res.out_dir}/ (truth: truth.parquet)"
        )


@app.command()
def evaluate(
    processed: Annotated[
        Path, typer.Argument(help="A processed collection folder (holding account_scores.parquet).")
    ],
    labels: Annotated[
        Path, typer.Option("--labels", help="CSV or Parquet: account_id plus a network or class column.")
    ],
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures as JSON here.")
    ] = None,
) -> None:
    """Score flagged accounts, labels and clusters against known labels."""
    from cib.evaluate import evaluate as run_eval
    from cib.evaluate import format_table

    ev = run_eval(processed, labels)
    typer.echo("".join(printable(line) + "\n" for line in format_table(ev).splitlines()), nl=False)
    if json_out:
        ev.write_json(json_out)


@app.command()
def formats() -> None:
    """List the input formats and what each needs."""
    from cib.ingest.registry import FORMATS

    width = max(len(fmt.name) for fmt in FORMATS)
    for fmt in FORMATS:
        typer.echo(f"{fmt.name:{width}} {fmt.needs}")


@app.command()
def params(
    markdown: Annotated[bool, typer.Option("--markdown", help="Print docs/parameters.md.")] = False,
) -> None:
    """List every parameter with its default, unit, accepted values and help."""
    if markdown:
        from cib.config import markdown_table

        typer.echo(markdown_table(), nl=False)
        return
    for p in registry().values():
        accepted = f"  ({p.range_text()})" if p.range_text() else ""
        typer.echo(f"{p.name} = {p.default!r}  [{p.unit}]{accepted}  {p.help}")


GridOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--grid",
        help="A parameter and its values: NAME=V1,V2,… (repeatable). NAME may be the end of a parameter's "
        "name (co_reshare.window, resolution) or 'window' for every co_* window; default: [sweep.grid] in cib.toml.",
    ),
]
LabelsOpt = Annotated[
    Path | None,
    typer.Option(
        "--labels",
        help="CSV or Parquet with account_id and network_id (and kind): adds precision, recall, F1…",
    ),
]


@app.command()
def sweep(
    input: Annotated[Path, typer.Argument(help="A file or a folder of exports.")],
    grid: GridOpt = None,
    labels: LabelsOpt = None,
    name: NameOpt = None,
    config: ConfigOpt = None,
    set_: SetOpt = None,
    preset: PresetOpt = None,
    window: WindowOpt = None,
    min_participation: MinPartOpt = None,
    fmt: FormatOpt = None,
    processed_dir: ProcessedOpt = Path("data/processed"),
    reports_dir: Annotated[
        Path, typer.Option("--reports-dir", help="Where the page goes (DIR/NAME/sweep.html).")
    ] = Path("reports"),
    quiet: QuietOpt = False,
) -> None:
    """Run detection and clustering over a grid of parameters; compare, score and recommend a setting."""
    from cib.pipeline import build_config
    from cib.sweep import sweep as run_sweep

    cfg = build_config(
        config, sets=set_ or (), preset=preset, window=window, min_participation=min_participation
    )
    with display(quiet) as shown:

        def said(done: int, total: int, outcome: Any) -> None:
            m = outcome.metrics
            figures = f"{m['flagged_accounts']:,} flagged in {m['flagged_clusters']} of {m['clusters']} clusters, {m['edges']:,} edges"
            if m.get("f1") is not None:
                figures += f", F1 {m['f1']:.2f}"
            shown.say(f"point {outcome.point_id} ({done}/{total}): {figures}")

        res = run_sweep(
            input, grid or None, cfg, labels=labels, name=name, processed_dir=processed_dir, reports_dir=reports_dir,
            fmt=fmt, config=config, progress=shown.progress, on_point=said,
        )  # fmt: skip
        _sweep_summary(res, shown)


def _sweep_summary(res: Any, shown: Display) -> None:
    from cib.sweep.grid import value_text

    info = res.info
    shown.say(
        f"sweep: {info['points']} points, {info['detection_runs']} detection run(s), {info['network_runs']} "
        f"clustering and scoring run(s); {info['seconds']:.1f} s on {info['workers']} process(es)"
    )
    if res.recommended is not None:
        p = res.points[res.recommended]
        setting = ", ".join(f"{k}={value_text(v)}" for k, v in p.values.items())
        shown.say(f"recommended: point {p.id} ({setting})")
        shown.say(f"  reproduce: {info['reproduce']}")
    else:
        shown.say("recommended: none (no point flags any account)")
    shown.say(f"tables: {res.processed}/sweep.parquet, clusters_stability.parquet, sweep/point-XX/")
    if res.page is not None:
        shown.say(f"page: {res.page}")
