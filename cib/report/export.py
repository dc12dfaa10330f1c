"""Exports for Gephi, spreadsheets and notebooks.

``export_all(processed)`` writes the default exports next to the tables: the
flagged networks — the flagged accounts, the fused links among them and the
evidence behind those links. ``export(processed, whole=…, signal=…,
cluster=…, formats=…)`` writes any other scope (:class:`cib.report.scope.Scope`)
on request, by default into ``processed/exports/<scope>/``. The files:

``graph.gexf``
    For Gephi: each account with ``label`` (handle), ``cluster`` (a string, so
    Gephi treats it as a partition), ``cib_label``, ``score``, ``flagged``,
    ``posts``, ``degree`` (links in the whole graph), ``display_name`` and
    ``viz`` colour, size and position matching the report's network view
    (positions × :data:`~cib.report.scope.POSITION_SCALE`); links with the
    ``weight``, the supporting ``signals``, ``by_signal`` (each signal's own
    weight), ``n_pairs`` and ``n_objects``. Written a slice at a time
    (:mod:`cib.report.xmlgraph`).
``graph.graphml``
    The same graph; ``x``, ``y``, ``size``, ``r``, ``g``, ``b`` and ``color``
    as plain attributes (GraphML has no ``viz``).
``nodes.csv``, ``edges.csv``
    Gephi's spreadsheet import format (``Id, Label, …`` and
    ``Source, Target, Weight, Type, …``).
``evidence.csv``
    The co-occurring post pairs behind the links, with the network both
    accounts belong to (``cluster_id``), both accounts' handles and both posts'
    times, texts and sources, sorted by network (UTF-8 with a byte-order mark,
    so spreadsheets read Cyrillic correctly).
``nodes.parquet``, ``edges.parquet``, ``evidence.parquet``
    The same three tables, typed (lists stay lists), for notebooks; only on
    request and never into a collection's own folder, whose tables have those names.

A CSV longer than ``report.csv_max_rows`` lines (a spreadsheet's 1,048,576)
is written in numbered parts (``evidence-001.csv``, …), each with the header,
and the manifest and the command line say so. Every text cell of every CSV is
neutralised against formula injection (:func:`cib.report.safety.neutralise_frame`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cib.config import Config
from cib.errors import CibError, ConfigError
from cib.files import replacing
from cib.manifest import collection_lock, record_export
from cib.progress import Progress, Teller
from cib.report.data import ReportData, load
from cib.report.safety import neutralise_frame
from cib.report.scope import POSITION_SCALE, POST_COLUMNS, Scope, ScopeTables, evidence_detail, scope_tables
from cib.report.xmlgraph import GraphTables, not_xml_count, write_gexf, write_graphml

__all__ = [
    "FORMATS",
    "DEFAULT_FORMATS",
    "EXPORTS_DIR",
    "POSITION_SCALE",
    "ExportResult",
    "export",
    "export_all",
    "export_lines",
    "parse_formats",
]

#: the formats an export can be written in
FORMATS = ("csv", "gexf", "graphml", "parquet")
#: what the report stage writes, and ``cib export`` without ``--format``
DEFAULT_FORMATS = ("csv", "gexf", "graphml")
#: ``cib export`` writes into ``<processed>/exports/<scope>/`` unless told otherwise
EXPORTS_DIR = "exports"

_NODE_CSV = ("Id", "Label", "cluster", "cib_label", "score", "flagged", "posts", "degree", "display_name", "x", "y",
             "size", "color")  # fmt: skip
_GEXF_NODE = ("display_name", "cluster", "cib_label", "score", "flagged", "posts", "degree", "color", "x", "y", "size")
_GRAPHML_NODE = ("label", *_GEXF_NODE, "r", "g", "b")
_GRAPH_EDGE = ("signals", "by_signal", "n_pairs", "n_objects")


@dataclass
class ExportResult:
    """What one export wrote.

    Attributes
    ----------
    scope
        What it holds.
    folder
        Where the files are.
    files
        The files written, in the order written.
    rows
        ``nodes``, ``edges`` and ``evidence``: the rows of each table.
    notes
        What a reader must know (a CSV written in parts, characters an XML file cannot hold).
    formats
        The formats written.
    replaced
        By XML file written: how many characters of the data XML 1.0 cannot hold
        (control characters, U+FFFE, U+FFFF) it has as U+FFFD instead.
    """

    scope: Scope
    folder: Path
    files: list[Path] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    formats: tuple[str, ...] = DEFAULT_FORMATS
    replaced: dict[str, int] = field(default_factory=dict)

    def record(self, processed: str | Path) -> dict[str, Any]:
        """The manifest's entry: the scope, the folder (relative to ``processed`` when inside it), rows, files, notes."""
        folder = self.folder.resolve()
        base = Path(processed).resolve()
        where = str(folder.relative_to(base)) if folder == base or base in folder.parents else str(folder)
        return {
            "scope": self.scope.name,
            "holds": self.scope.describe(),
            "folder": where,
            "formats": list(self.formats),
            "rows": dict(self.rows),
            "files": [p.name for p in self.files],
            "notes": list(self.notes),
            "xml_characters_replaced": dict(self.replaced),
        }


def export_lines(entry: dict[str, Any], processed: str | Path) -> list[str]:
    """What the command line says of an export, from its manifest entry (:meth:`ExportResult.record`)."""
    rows = entry.get("rows") or {}
    folder = Path(processed) / str(entry.get("folder", "."))
    head = (
        f"exports ({entry.get('scope')}): {rows.get('nodes', 0):,} accounts, {rows.get('edges', 0):,} links, "
        f"{rows.get('evidence', 0):,} evidence pairs in {folder.as_posix().removesuffix('/.')}/"
    )
    return [head, *(f"note: {n}" for n in entry.get("notes") or [])]


def parse_formats(formats: str | Iterable[str] | None) -> tuple[str, ...]:
    """``"csv,gexf"`` or ``["csv", "gexf"]`` → ``("csv", "gexf")`` in :data:`FORMATS` order; ``None`` → the defaults.

    Raises
    ------
    CibError
        For a format cib does not write.
    """
    if formats is None:
        return DEFAULT_FORMATS
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    wanted = {f.strip().lower() for f in items if f.strip()}
    unknown = sorted(wanted - set(FORMATS))
    if unknown or not wanted:
        raise CibError(f"--format {','.join(unknown) or '(none)'}: not a format cib writes", hint=f"use {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in wanted)


def _csv_rows(cfg: Config) -> int:
    """Data rows a CSV file may hold: ``report.csv_max_rows`` less the header."""
    lines = int(cfg["report.csv_max_rows"])
    if lines < 2:
        raise ConfigError(f"report.csv_max_rows = {lines}: a CSV needs a header and at least one row")
    return lines - 1


def _remove_stale(folder: Path, stem: str, kept: Sequence[Path]) -> None:
    """Remove the ``stem.csv`` and ``stem-NNN.csv`` an earlier export left beside ``kept``.

    No old part is then mistaken for a new one; called once the new ones are
    written, so an export that fails leaves the old ones whole.
    """
    part = re.compile(rf"{re.escape(stem)}(-\d{{3,}})?\.csv")
    for path in folder.glob(f"{stem}*.csv"):
        if part.fullmatch(path.name) and path not in kept:
            path.unlink()


def _part_names(stem: str, rows: int, per_file: int) -> list[str]:
    """``[stem.csv]`` when the rows fit one file, else ``stem-001.csv``, ``stem-002.csv``, …"""
    if rows <= per_file:
        return [f"{stem}.csv"]
    count = -(-rows // per_file)
    return [f"{stem}-{i:03d}.csv" for i in range(1, count + 1)]


def _split_note(stem: str, rows: int, names: list[str], per_file: int) -> str:
    return (
        f"{stem}: {rows:,} rows, more than one CSV holds ({per_file + 1:,} lines with the header, report.csv_max_rows): "
        f"written in {len(names)} parts, {names[0]} … {names[-1]}, each with the header"
        + (", sorted by network" if stem == "evidence" else "")
    )


#: the CSV columns that name an account as people read it: invisible characters shown as escapes
_SHOWN = ("Label", "handle_a", "handle_b")


def _csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    return neutralise_frame(frame, shown=[c for c in _SHOWN if c in frame.columns])


def _write_csv(folder: Path, stem: str, slices: Iterable[pl.DataFrame], rows: int, per_file: int, *, bom: bool) -> list[Path]:
    """Write ``rows`` rows, given in slices of ``per_file`` rows (the last may be shorter), as one CSV or numbered parts."""
    paths = [folder / name for name in _part_names(stem, rows, per_file)]
    for path, frame in zip(paths, slices, strict=True):
        with replacing(path) as tmp:
            _csv_ready(frame).write_csv(tmp, include_bom=bom)
    _remove_stale(folder, stem, paths)
    return paths


def _slices(frame: pl.DataFrame, size: int) -> list[pl.DataFrame]:
    return [frame.slice(start, size) for start in range(0, max(frame.height, 1), size)]


def _node_csv(nodes: pl.DataFrame) -> pl.DataFrame:
    return nodes.rename({"id": "Id", "label": "Label"}).select(_NODE_CSV)


def _edge_csv(edges: pl.DataFrame) -> pl.DataFrame:
    return edges.select(
        pl.col("source").alias("Source"),
        pl.col("target").alias("Target"),
        pl.col("weight").alias("Weight"),
        pl.lit("Undirected").alias("Type"),
        "signals",
        "n_pairs",
        "n_objects",
    )


def _graph_edges(edges: pl.DataFrame) -> pl.DataFrame:
    """Links as the graph files carry them: ``signals`` joined, ``by_signal`` as JSON (``{"co_link": 0.4}``)."""
    each = (
        edges.select(pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"), "signals", "signal_weights")
        .explode("signals", "signal_weights")
        .filter(pl.col("signals").is_not_null())
        .group_by("_row", maintain_order=True)
        .agg(
            pl.concat_str(
                pl.lit('"'), "signals", pl.lit('": '), pl.col("signal_weights").cast(pl.String).fill_null("null")
            ).str.join(", ").alias("_json")
        )
    )
    rows = pl.DataFrame({"_row": pl.int_range(edges.height, dtype=pl.Int64, eager=True)})
    json = rows.join(each, on="_row", how="left", maintain_order="left").get_column("_json").fill_null("")
    return edges.select(
        "source",
        "target",
        "weight",
        pl.col("signals").list.join("; "),
        (pl.lit("{") + pl.lit(json) + pl.lit("}")).alias("by_signal"),
        "n_pairs",
        "n_objects",
    )


def _check_folder(folder: Path, processed: Path, formats: Sequence[str]) -> None:
    """Refuse a folder that is a file, and Parquet exports into a collection's own folder."""
    if folder.exists() and not folder.is_dir():
        raise CibError(f"{folder}: not a folder", hint="choose another --out")
    own = folder.resolve() == processed.resolve() or (folder / "posts.parquet").exists()
    if "parquet" in formats and own:
        raise CibError(
            f"{folder}: --format parquet would overwrite the collection's edges.parquet and evidence.parquet",
            hint="write it elsewhere with --out, or leave parquet out",
        )


def _write(
    d: ReportData, tables: ScopeTables, folder: Path, formats: tuple[str, ...], per_file: int, tell: Teller
) -> ExportResult:
    """Write ``tables`` in ``formats`` into ``folder`` (``tell`` is told each file as it starts)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = {"nodes": tables.nodes.height, "edges": tables.edges.height, "evidence": tables.evidence.height}
    result = ExportResult(tables.scope, folder, rows=rows, formats=formats)
    if "gexf" in formats or "graphml" in formats:
        edges = _graph_edges(tables.edges)
        if "gexf" in formats:
            tell("graph.gexf")
            graph = GraphTables(tables.nodes, edges, _GEXF_NODE, _GRAPH_EDGE)
            result.files.append(write_gexf(folder / "graph.gexf", graph))
            result.replaced["graph.gexf"] = not_xml_count(graph)
        if "graphml" in formats:
            tell("graph.graphml")
            graph = GraphTables(tables.nodes, edges, _GRAPHML_NODE, ("weight", *_GRAPH_EDGE))
            result.files.append(write_graphml(folder / "graph.graphml", graph))
            result.replaced["graph.graphml"] = not_xml_count(graph, label=False)
        if any(result.replaced.values()):
            counts = ", ".join(f"{name} {n:,}" for name, n in result.replaced.items())
            result.notes.append(f"characters XML cannot hold (control characters) written as U+FFFD: {counts}")
    tell("nodes, edges")
    frames = {"nodes": _node_csv(tables.nodes), "edges": _edge_csv(tables.edges)}
    for stem, frame in frames.items():
        if "csv" in formats:
            result.files += _write_csv(folder, stem, _slices(frame, per_file), frame.height, per_file, bom=False)
        if "parquet" in formats:
            with replacing(folder / f"{stem}.parquet") as tmp:
                frame.write_parquet(tmp)
            result.files.append(folder / f"{stem}.parquet")
    tell("evidence")
    result.files += _write_evidence(d, tables.evidence, folder, formats, per_file)
    for stem, count in rows.items():
        if "csv" in formats and count > per_file:
            names = _part_names(stem, count, per_file)
            result.notes.append(_split_note(stem, count, names, per_file))
    return result


def _write_evidence(d: ReportData, evidence: pl.DataFrame, folder: Path, formats: tuple[str, ...], per_file: int) -> list[Path]:
    """``evidence.csv`` (or its parts) and ``evidence.parquet``, built and written one part at a time."""
    import pyarrow.parquet as pq

    csv = "csv" in formats
    paths = [folder / n for n in _part_names("evidence", evidence.height, per_file)] if csv else []
    with ExitStack() as whole:
        writer = None
        for i, frame in enumerate(evidence_detail(d, evidence, per_file)):
            if csv:
                with replacing(paths[i]) as tmp:
                    _csv_ready(frame).write_csv(tmp, include_bom=True)
            if "parquet" in formats:
                table = frame.to_arrow()
                if writer is None:
                    # renamed into place once every part is in and the writer closed
                    tmp = whole.enter_context(replacing(folder / "evidence.parquet"))
                    writer = whole.enter_context(pq.ParquetWriter(tmp, table.schema, compression="zstd"))
                writer.write_table(table)
    if csv:
        _remove_stale(folder, "evidence", paths)
    return paths + ([folder / "evidence.parquet"] if "parquet" in formats else [])


def export_all(
    processed: str | Path, *, cfg: Config | None = None, record: bool = True, progress: Progress | None = None
) -> ExportResult:
    """Write the default exports — the flagged networks — into the processed folder.

    Parameters
    ----------
    processed
        The collection's processed folder (tables as for :func:`cib.report.build_report`).
    cfg
        Configuration; by default the parameters recorded in the manifest.
    record
        Record what was written under ``exports`` in the folder's ``manifest.json``
        (the report stage records it in the manifest it writes instead).
    progress
        Told each file as it is written, as task ``exports`` (:mod:`cib.progress`).

    Returns
    -------
    ExportResult
        ``graph.gexf``, ``graph.graphml``, ``nodes.csv``, ``edges.csv`` and
        ``evidence.csv`` (or its numbered parts).
    """
    return _export(Path(processed), Scope(), DEFAULT_FORMATS, Path(processed), cfg, record, progress)


def export(
    processed: str | Path,
    *,
    whole: bool = False,
    signal: str | None = None,
    cluster: int | None = None,
    formats: str | Iterable[str] | None = None,
    out: str | Path | None = None,
    cfg: Config | None = None,
    record: bool = True,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the exports of one scope: the flagged networks, the whole graph, one signal or one network.

    Parameters
    ----------
    processed
        The collection's processed folder.
    whole
        Every account in a link, not only the flagged ones.
    signal
        Only this signal's links, with its own weight (e.g. ``"co_reshare"``),
        and the accounts they join.
    cluster
        Only this network's members and the links among them.
    formats
        Some of :data:`FORMATS` (``"csv,gexf"`` or a list); default :data:`DEFAULT_FORMATS`.
    out
        Folder to write into; default ``processed/exports/<scope>/``
        (``flagged``, ``all``, ``signal-co_reshare``, ``cluster-4``, ``cluster-4-co_reshare``),
        so the default exports beside the tables are never overwritten.
    cfg
        Configuration; by default the parameters recorded in the manifest.
    record
        Record what was written under ``exports`` in the folder's ``manifest.json``.
    progress
        Told each file as it is written, as task ``exports`` (:mod:`cib.progress`).

    Returns
    -------
    ExportResult

    Raises
    ------
    CibError
        No such folder, an unknown signal or network, an unknown format, or
        Parquet into the collection's own folder.
    """
    processed = Path(processed)
    if whole and cluster is not None:
        raise CibError("--all and --cluster: choose one", hint="--cluster exports one network, --all the whole graph")
    scope = Scope(whole=whole, signal=signal, cluster=cluster)
    folder = Path(out) if out is not None else processed / EXPORTS_DIR / scope.name
    chosen = parse_formats(formats)
    if not processed.is_dir():
        return _export(processed, scope, chosen, folder, cfg, record, progress)  # which says what is missing
    # no run may replace the folder while its tables are read and its manifest written
    with collection_lock(processed):
        return _export(processed, scope, chosen, folder, cfg, record, progress)


def _export(
    processed: Path,
    scope: Scope,
    formats: tuple[str, ...],
    folder: Path,
    cfg: Config | None,
    record: bool,
    progress: Progress | None = None,
) -> ExportResult:
    tell = Teller(progress, "report", "exports")
    tell("tables")
    # the posts and the evidence scanned: only the scope's rows and the texts of its posts are held
    d = load(processed, cfg, post_columns=POST_COLUMNS, scan=("posts", "evidence"))
    per_file = _csv_rows(d.cfg)
    _check_folder(folder, processed, formats)
    result = _write(d, scope_tables(d, scope), folder, formats, per_file, tell)
    if record:
        entry = result.record(processed)
        record_export(processed, entry["folder"], entry)
    tell.finished()
    return result
