"""Everything the report and the exports read from a collection's processed folder.

Any of ``edges``, ``evidence``, ``clusters`` and ``account_scores`` may be
missing (an earlier stage did not run) or empty (it found nothing): the
loader then gives an empty table of the right schema and a plain-language
note, and the report still renders.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import networkx as nx
import polars as pl

from cib.config import Config, registry
from cib.errors import CibError, ConfigError
from cib.manifest import check_run, read_manifest
from cib.params import parse_duration
from cib.schema import empty, read_table, scan_table

__all__ = ["Event", "ReportData", "load", "effective_config", "fused_graph", "UNCLUSTERED"]

#: cluster key of flagged accounts that belong to no cluster
UNCLUSTERED = -1

_OPTIONAL = ("edges", "evidence", "clusters", "account_scores")
_MISSING_NOTE = {
    "edges": "No coordination links: the detection stage has not written edges.parquet, so the network view is empty.",
    "evidence": "No evidence table: the detection stage has not written evidence.parquet, so no posts can be shown as evidence.",
    "clusters": "No clusters: the clustering stage has not written clusters.parquet, so no networks or dossiers are shown.",
    "account_scores": "No account scores: the scoring stage has not written account_scores.parquet, so no account is flagged.",
}
_EMPTY_NOTE = {
    "edges": "No coordination links were found with these parameters: the network view is empty.",
    "evidence": "The evidence table is empty: no coordinated posts can be shown.",
    "clusters": "No clusters were found: there are no networks to show.",
    "account_scores": "No account was scored, so none is flagged.",
}


@dataclass(frozen=True)
class Event:
    """A moment that matters (an election day, a protest), drawn on the timeline.

    Parameters
    ----------
    name
        Shown next to the marker (escaped).
    time
        When, in UTC.
    window_s
        Length of its "during" period ``[time, time + window)`` in seconds, shaded
        on the timeline (see :mod:`cib.network.events`); ``None`` for a bare marker.
    """

    name: str
    time: datetime
    window_s: float | None = None


@dataclass
class ReportData:
    """A collection's tables, manifest and configuration, as the report reads them."""

    processed: Path
    collection: str
    cfg: Config
    tz: ZoneInfo
    manifest: dict[str, Any]
    posts: pl.DataFrame
    accounts: pl.DataFrame
    edges: pl.DataFrame
    evidence: pl.DataFrame
    clusters: pl.DataFrame
    scores: pl.DataFrame
    fused: pl.DataFrame = field(default_factory=lambda: empty("fused_edges"))
    bursts: pl.DataFrame | None = None
    events: list[Event] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    scans: dict[str, pl.LazyFrame] = field(default_factory=dict)

    def lazy(self, name: str) -> pl.LazyFrame:
        """The table ``name`` (``posts``, ``edges``, ``evidence``) as a lazy frame: the scan of its file when
        :func:`load` left it on disk, else the frame in memory."""
        return self.scans[name] if name in self.scans else getattr(self, name).lazy()


def effective_config(manifest: dict[str, Any], cfg: Config | None = None) -> Config:
    """The configuration to report with.

    ``cfg`` when given; otherwise the defaults overlaid with the parameters the
    manifest recorded (parameters this version does not know are ignored).
    """
    if cfg is not None:
        return cfg
    cfg = Config.defaults()
    known = registry()
    origins = manifest.get("parameter_origins") or {}
    for name, value in (manifest.get("parameters") or {}).items():
        if name not in known or (name not in origins and value == known[name].default):
            continue
        try:
            cfg = cfg.update({name: value}, origins.get(name, "the recorded run"))
        except ConfigError:
            continue
    return cfg


def _zone(cfg: Config) -> ZoneInfo:
    name = cfg["report.timezone"]
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"report.timezone = {name!r} is not a time zone",
            hint="use an IANA name such as \"UTC\" or \"Asia/Almaty\"",
        ) from None


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        out = value
    elif isinstance(value, str):
        try:
            out = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return out.replace(tzinfo=UTC) if out.tzinfo is None else out.astimezone(UTC)


def _parse_window(value: Any) -> float | None:
    """A recorded event window in seconds (``None`` when absent or unreadable: a bare marker)."""
    if isinstance(value, timedelta):
        value = value.total_seconds()
    try:
        return float(parse_duration(value, "event window"))
    except ConfigError:
        return None


def _events(cfg: Config, manifest: dict[str, Any], notes: list[str]) -> list[Event]:
    """Events from the configuration (``events``, read by :func:`cib.network.events.load_events`) or the manifest."""
    if cfg.values.get("events"):
        try:
            from cib.network.events import load_events

            return [Event(str(e["name"]), e["time"], e.get("window")) for e in load_events(cfg)]
        except ImportError:  # pragma: no cover - the events stage is part of cib
            pass
        except CibError as exc:
            notes.append(f"Events are not drawn: {exc.message}")
            return []
    candidates: list[Any] = []
    for source in (cfg.values.get("events"), manifest.get("events"), (manifest.get("parameters") or {}).get("events")):
        if source:
            candidates = list(source)
            break
    out = []
    for item in candidates:
        if not isinstance(item, dict):
            continue
        when = _parse_time(item.get("time") or item.get("at") or item.get("start"))
        if when is None:
            continue
        out.append(Event(str(item.get("name") or "event"), when, _parse_window(item.get("window"))))
    return sorted(out, key=lambda e: e.time)


def _bursts(processed: Path) -> pl.DataFrame | None:
    """Bursts of coordinated activity (``bursts.parquet``), normalised to ``start, end, cluster_id``."""
    path = processed / "bursts.parquet"
    if not path.is_file():
        return None
    try:
        frame = pl.read_parquet(path)
    except Exception:
        return None
    cols = frame.schema
    times = [c for c, t in cols.items() if isinstance(t, pl.Datetime)]
    start = next((c for c in ("start", "start_at", "first_at", "begin") if c in times), times[0] if times else None)
    end = next((c for c in ("end", "end_at", "last_at", "stop") if c in times), times[1] if len(times) > 1 else start)
    if start is None:
        return None
    cluster = pl.col("cluster_id").cast(pl.Int64, strict=False) if "cluster_id" in cols else pl.lit(None, pl.Int64)

    def utc(name: str) -> pl.Expr:
        col = pl.col(name)
        return col.dt.convert_time_zone("UTC") if cols[name].time_zone else col.dt.replace_time_zone("UTC")

    return frame.select(utc(start).alias("start"), utc(end).alias("end"), cluster.alias("cluster_id"))


def load(
    processed: str | Path,
    cfg: Config | None = None,
    *,
    post_columns: Sequence[str] | None = None,
    scan: Collection[str] = (),
) -> ReportData:
    """Read a collection's processed folder.

    Parameters
    ----------
    processed
        ``data/processed/<collection>``: ``posts.parquet`` and ``accounts.parquet``
        are required; the other tables and ``manifest.json`` are optional.
    cfg
        Configuration; by default the one recorded in the manifest.
    post_columns
        Only these columns of the posts table (default: all of them).
    scan
        Tables among ``posts``, ``edges`` and ``evidence`` left on disk: their
        field holds an empty frame and :meth:`ReportData.lazy` scans the file (for
        a reader that needs a part of a large table).

    Returns
    -------
    ReportData

    Raises
    ------
    CibError
        When the folder or its posts table is missing.
    """
    processed = Path(processed)
    if not processed.is_dir():
        raise CibError(f"{processed}: no such folder", hint="run `cib ingest` or `cib analyse` first")
    try:
        manifest = read_manifest(processed)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise CibError(f"{processed / 'manifest.json'}: not valid JSON", hint="re-run the analysis") from None
    check_run(processed)
    cfg = effective_config(manifest, cfg)
    tables: dict[str, pl.DataFrame] = {}
    scans: dict[str, pl.LazyFrame] = {}
    notes: list[str] = []
    missing: list[str] = []
    for name in ("posts", "accounts", *_OPTIONAL):
        path = processed / f"{name}.parquet"
        if not path.is_file():
            if name == "posts":
                raise CibError(f"{path}: table not found", hint="run `cib ingest` first")
            tables[name] = empty(name)
            missing.append(name)
            if name in _MISSING_NOTE:
                notes.append(_MISSING_NOTE[name])
            continue
        if name in scan:
            scans[name] = scan_table(path, name)
            if name == "posts" and post_columns is not None:
                scans[name] = scans[name].select(post_columns)
            tables[name] = empty(name)
            rows = scans[name].select(pl.len()).collect().item()
        else:
            tables[name] = read_table(path, name, post_columns if name == "posts" else None)
            rows = tables[name].height
        if rows == 0 and name in _EMPTY_NOTE:
            notes.append(_EMPTY_NOTE[name])
    fused_path = processed / "fused_edges.parquet"
    if fused_path.is_file():
        fused = read_table(fused_path, "fused_edges")
    else:  # a folder from before the network stage wrote its graph, or one it has not reached
        from cib.network.fusion import fused_edges

        fused = fused_edges(scans["edges"].collect() if "edges" in scans else tables["edges"], cfg)
    return ReportData(
        processed=processed,
        collection=str(manifest.get("collection") or processed.name),
        cfg=cfg,
        tz=_zone(cfg),
        manifest=manifest,
        posts=tables["posts"],
        accounts=tables["accounts"],
        edges=tables["edges"],
        evidence=tables["evidence"],
        clusters=tables["clusters"],
        scores=tables["account_scores"],
        fused=fused,
        bursts=_bursts(processed),
        events=_events(cfg, manifest, notes),
        notes=notes,
        missing=missing,
        scans=scans,
    )


def fused_graph(d: ReportData) -> nx.Graph:
    """The account graph across signals, as the network stage fused it (``fused_edges.parquet``).

    Nodes and edges come in sorted order (:func:`cib.network.fusion.graph_of`).
    """
    from cib.network.fusion import graph_of

    return graph_of(d.fused)
