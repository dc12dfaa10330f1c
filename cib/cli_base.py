"""What every command of the command line shares: the app, its common options, and how errors print.

Commands live in :mod:`cib.cli` (the pipeline's stages) and :mod:`cib.cli_tools`
(synthetic data, evaluation, parameters, sweeps); both register on :data:`app`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cib.printable import printable

__all__ = [
    "app",
    "ConfigOpt",
    "SetOpt",
    "FormatOpt",
    "ProcessedOpt",
    "ReportsOpt",
    "NameOpt",
    "QuietOpt",
    "PresetOpt",
    "WindowOpt",
    "MinPartOpt",
    "EventOpt",
    "TzOpt",
    "EngineOpt",
    "SparkMasterOpt",
    "SparkConfOpt",
    "engine_params",
    "echo_err",
]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Find coordinated inauthentic behaviour in social-media collections.",
    pretty_exceptions_enable=False,
)

ConfigOpt = Annotated[
    Path | None, typer.Option("--config", help="A cib.toml (default: ./cib.toml when present).")
]
SetOpt = Annotated[
    list[str] | None, typer.Option("--set", help="Override a parameter: NAME=VALUE (repeatable).")
]
FormatOpt = Annotated[
    str | None,
    typer.Option("--format", help="Input format for every file instead of sniffing (see `cib formats`)."),
]
ProcessedOpt = Annotated[Path, typer.Option("--processed-dir", help="Where tables go (DIR/NAME/).")]
ReportsOpt = Annotated[
    Path, typer.Option("--reports-dir", help="Where the report goes (DIR/NAME/index.html).")
]
NameOpt = Annotated[
    str | None, typer.Option("--name", help="Collection name (default: the folder's or file's stem).")
]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="Show no progress and no summaries; warnings and errors still print."),
]


def echo_err(text: str) -> None:
    """Print ``text`` on standard error, made printable."""
    # errors quote file names and values from the data: a terminal must show them, not obey them
    typer.echo(printable(text), err=True)


PresetOpt = Annotated[
    str | None, typer.Option("--preset", help="Parameter preset: coortweet, cnt (the peers' semantics).")
]
WindowOpt = Annotated[
    str | None, typer.Option("--window", help="Co-occurrence window in seconds for every signal, or 'auto'.")
]
MinPartOpt = Annotated[
    int | None, typer.Option("--min-participation", help="Drop accounts with fewer shares of a signal first.")
]
EventOpt = Annotated[
    list[str] | None,
    typer.Option("--event", help="An event: 'NAME=TIME' or 'NAME=TIME/WINDOW' (repeatable)."),
]
TzOpt = Annotated[
    str | None,
    typer.Option(
        "--timezone",
        help="Read hours (and show times) in this IANA zone instead of each network's inferred clock.",
    ),
]
EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", help="Detection engine: polars (default) or spark (docs/scale.md)."),
]
SparkMasterOpt = Annotated[
    str | None,
    typer.Option("--spark-master", help="Spark master URL for --engine spark (default: $SPARK_MASTER, else local[*])."),
]
SparkConfOpt = Annotated[
    list[str] | None,
    typer.Option("--spark-conf", help="A Spark setting for --engine spark: KEY=VALUE (repeatable)."),
]


def engine_params(engine: str | None, master: str | None, conf: list[str] | None) -> dict[str, object]:
    """``detect.engine``, ``detect.spark.master`` and ``detect.spark.conf`` from their options (those given).

    Raises
    ------
    typer.BadParameter
        For a ``--spark-conf`` without ``=``.
    """
    out: dict[str, object] = {}
    if engine is not None:
        out["detect.engine"] = engine
    if master is not None:
        out["detect.spark.master"] = master
    if conf:
        pairs = [item.partition("=") for item in conf]
        bad = [item for item, (key, eq, _) in zip(conf, pairs, strict=True) if not eq or not key.strip()]
        if bad:
            raise typer.BadParameter(f"{bad[0]!r}: expected KEY=VALUE", param_hint="--spark-conf")
        out["detect.spark.conf"] = {key.strip(): value.strip() for key, _, value in pairs}
    return out
