"""Canonical tables: their columns, and how they are written and read.

The column lists are contracts (see DESIGN.md). Every table is written with
its name, the schema version and the effective parameters in the Parquet
key-value metadata; reading a table of another version is a clear error.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from cib.errors import SchemaError
from cib.files import replacing

__all__ = [
    "SCHEMA_VERSION",
    "TIME",
    "SCHEMAS",
    "POSTS",
    "REQUIRED",
    "LIST_COLUMNS",
    "PROFILE_COLUMNS",
    "STAGING",
    "STAGED_TEXT",
    "ACCOUNTS",
    "REJECTS",
    "PROFILES",
    "EDGES",
    "EVIDENCE",
    "FUSED_EDGES",
    "CLUSTERS",
    "ACCOUNT_SCORES",
    "BURSTS",
    "EVENT_ACTIVITY",
    "NETWORKS",
    "NETWORKS_HISTORY",
    "empty",
    "conform",
    "write_table",
    "sink_table",
    "read_table",
    "scan_table",
    "table_metadata",
]

SCHEMA_VERSION = "1"
TIME = pl.Datetime("us", "UTC")
_STRS = pl.List(pl.String)

POSTS: dict[str, pl.DataType] = {
    "post_id": pl.String(),
    "account_id": pl.String(),
    "created_at": TIME,
    "text": pl.String(),
    "urls": _STRS,
    "hashtags": _STRS,
    "mentions": _STRS,
    "media": _STRS,
    "reshare_of": pl.String(),
    "reply_to": pl.String(),
    "quote_of": pl.String(),
    "platform": pl.String(),
    "lang": pl.String(),
    "client": pl.String(),
    "source_file": pl.String(),
    "source_row": pl.Int64(),
}

ACCOUNTS: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "handle": pl.String(),
    "display_name": pl.String(),
    "created_at": TIME,
    "followers": pl.Int64(),
    "following": pl.Int64(),
    "post_count": pl.Int64(),
    "description": pl.String(),
    "platform": pl.String(),
}

#: what every post must have
REQUIRED = ("post_id", "account_id", "created_at")
#: the list-valued columns of posts
LIST_COLUMNS = tuple(c for c, t in POSTS.items() if isinstance(t, pl.List))
#: profile values an adapter may stage beside each post: ``account_`` + a column of accounts
PROFILE_COLUMNS = tuple(f"account_{c}" for c in ACCOUNTS if c not in ("account_id", "platform"))
#: every column a staged chunk of an adapter may carry (all optional but :data:`REQUIRED`)
STAGING = (*(c for c in POSTS if c != "source_file"), *PROFILE_COLUMNS)
#: the staged columns that hold text as read (every one but the lists, the platform and the row)
STAGED_TEXT = tuple(c for c in STAGING if c not in LIST_COLUMNS and c not in ("platform", "source_row"))

#: the rows of each input file that say something about their account (the last row per account and
#: file with each value): what the accounts table is merged from, kept so a file need not be read again
PROFILES: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "platform": pl.String(),
    **{c: ACCOUNTS[c.removeprefix("account_")] for c in PROFILE_COLUMNS},
    "source_file": pl.String(),
}

REJECTS: dict[str, pl.DataType] = {
    "source_file": pl.String(),
    "source_row": pl.Int64(),
    "column": pl.String(),
    "reason": pl.String(),
    "raw": pl.String(),
}

EDGES: dict[str, pl.DataType] = {
    "account_a": pl.String(),
    "account_b": pl.String(),
    "signal": pl.String(),
    "weight": pl.Float64(),
    "n_objects": pl.Int64(),
    "n_pairs": pl.Int64(),
    "first_at": TIME,
    "last_at": TIME,
    "min_delta_s": pl.Float64(),
    "p_value": pl.Float64(),
}

EVIDENCE: dict[str, pl.DataType] = {
    "signal": pl.String(),
    "object_id": pl.String(),
    "account_a": pl.String(),
    "account_b": pl.String(),
    "post_a": pl.String(),
    "post_b": pl.String(),
    "delta_s": pl.Float64(),
}

#: the fused account graph the network stage clusters: one row per account pair across signals
FUSED_EDGES: dict[str, pl.DataType] = {
    "account_a": pl.String(),
    "account_b": pl.String(),
    "weight": pl.Float64(),
    "signals": _STRS,
    "signal_weights": pl.List(pl.Float64()),
    "n_pairs": pl.Int64(),
    "n_objects": pl.Int64(),
}

CLUSTERS: dict[str, pl.DataType] = {
    "cluster_id": pl.Int64(),
    "size": pl.Int64(),
    "label": pl.String(),
    "score": pl.Float64(),
    "confidence": pl.String(),
    "zone": pl.String(),
    "zone_basis": pl.String(),
    "zone_confidence": pl.String(),
    "reasons": _STRS,
    "signals": _STRS,
    "first_at": TIME,
    "last_at": TIME,
    "top_objects": _STRS,
}

ACCOUNT_SCORES: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "cluster_id": pl.Int64(),
    "flagged": pl.Boolean(),
    "label": pl.String(),
    "score": pl.Float64(),
    "reasons": _STRS,
}

#: each cluster of the run with the id it keeps across runs of the collection (:mod:`cib.network.lineage`)
NETWORKS: dict[str, pl.DataType] = {
    "network_id": pl.Int64(),
    "cluster_id": pl.Int64(),
    "size": pl.Int64(),
    "label": pl.String(),
    "origin": pl.String(),
    "parent_id": pl.Int64(),
    "previous_size": pl.Int64(),
    "overlap": pl.Float64(),
    "first_seen": TIME,
    "last_seen": TIME,
    "runs": pl.Int64(),
}

#: the networks of every run of the collection, one row per run and network (``runs/networks_history.parquet``)
NETWORKS_HISTORY: dict[str, pl.DataType] = {
    "seq": pl.Int64(),
    "run_id": pl.String(),
    "as_of": TIME,
    **{c: NETWORKS[c] for c in ("network_id", "cluster_id", "size", "label", "origin", "parent_id")},
}

EVENT_ACTIVITY: dict[str, pl.DataType] = {
    "cluster_id": pl.Int64(),
    "event": pl.String(),
    "event_time": TIME,
    "period": pl.String(),
    "start": TIME,
    "end": TIME,
    "posts": pl.Int64(),
    "accounts": pl.Int64(),
    "change_vs_before": pl.Float64(),
}

BURSTS: dict[str, pl.DataType] = {
    "cluster_id": pl.Int64(),
    "start": TIME,
    "end": TIME,
    "posts": pl.Int64(),
    "peak": pl.Int64(),
    "baseline": pl.Float64(),
    "accounts": pl.Int64(),
}

SCHEMAS: dict[str, dict[str, pl.DataType]] = {
    "posts": POSTS,
    "accounts": ACCOUNTS,
    "rejects": REJECTS,
    "profiles": PROFILES,
    "edges": EDGES,
    "evidence": EVIDENCE,
    "fused_edges": FUSED_EDGES,
    "clusters": CLUSTERS,
    "account_scores": ACCOUNT_SCORES,
    "bursts": BURSTS,
    "event_activity": EVENT_ACTIVITY,
    "networks": NETWORKS,
    "networks_history": NETWORKS_HISTORY,
}


def empty(name: str) -> pl.DataFrame:
    """An empty frame of the named table."""
    return pl.DataFrame(schema=SCHEMAS[name])


def conform(frame: pl.DataFrame | pl.LazyFrame, name: str) -> pl.DataFrame:
    """Select, order and cast the named table's columns; missing ones become null."""
    return _conformed(frame.lazy(), name).collect()


def _conformed(lf: pl.LazyFrame, name: str) -> pl.LazyFrame:
    have = lf.collect_schema().names()
    return lf.select((pl.col(col) if col in have else pl.lit(None)).cast(dtype).alias(col) for col, dtype in SCHEMAS[name].items())


def _metadata(name: str, params: Mapping[str, Any] | None, extra: Mapping[str, Any] | None, run_id: str | None) -> dict[str, str]:
    """The key-value metadata of a canonical table: its name, the schema version and its provenance."""
    meta = {
        "cib.table": name,
        "cib.schema_version": SCHEMA_VERSION,
        "cib.params": json.dumps(dict(params or {}), sort_keys=True, ensure_ascii=False, default=str),
    }
    if run_id is not None:
        meta["cib.run_id"] = run_id
    if extra:
        meta["cib.extra"] = json.dumps(dict(extra), sort_keys=True, ensure_ascii=False, default=str)
    return meta


#: how every canonical table is written. Statistics carry no information a reader needs and
#: make files differ by writer version; the fixed settings keep output byte-identical across
#: runs. zstd level 1: a third faster to write than the default level, and as small on these tables.
_WRITE = {"compression": "zstd", "compression_level": 1, "statistics": False}


def write_table(
    frame: pl.DataFrame,
    path: str | Path,
    name: str,
    *,
    params: Mapping[str, Any] | None = None,
    extra: Mapping[str, Any] | None = None,
    run_id: str | None = None,
) -> Path:
    """Write a canonical table to Parquet with its provenance in the metadata.

    Parameters
    ----------
    frame
        The table; it is conformed to the named schema first.
    path
        Destination file (its folder is created).
    name
        Which table (a key of :data:`SCHEMAS`).
    params
        Effective parameters, recorded as JSON.
    extra
        More metadata, recorded as JSON under ``cib.extra``.
    run_id
        The run the table belongs to (:attr:`cib.manifest.Manifest.run_id`), under ``cib.run_id``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = conform(frame, name)
    table = _one_chunk(table)  # the same rows make the same file however they were assembled
    with replacing(path) as tmp:
        table.write_parquet(tmp, metadata=_metadata(name, params, extra, run_id), **_WRITE)  # type: ignore[arg-type]
    return path


def sink_table(
    frame: pl.LazyFrame,
    path: str | Path,
    name: str,
    *,
    params: Mapping[str, Any] | None = None,
    run_id: str | None = None,
) -> Path:
    """Write a canonical table from a lazy plan (scans of parts on disk) with Polars' streaming engine.

    The same columns, metadata and settings as :func:`write_table`, without
    the whole table in memory at once.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as tmp:
        _conformed(frame, name).sink_parquet(tmp, metadata=_metadata(name, params, None, run_id), **_WRITE)  # type: ignore[arg-type]
    return path


def _one_chunk(table: pl.DataFrame) -> pl.DataFrame:
    """``table`` with every column in one piece, one column copied at a time.

    The writer cuts row groups at the frame's chunks: the same rows held in other
    pieces (a day's run joins the previous run's rows to the new file's) would
    make another file. Columns already in one piece are not copied.
    """
    if all(n == 1 for n in table.n_chunks("all")):
        return table
    return pl.DataFrame([col if col.n_chunks() == 1 else col.rechunk() for col in table.get_columns()])


def table_metadata(path: str | Path) -> dict[str, str]:
    """The cib key-value metadata of a Parquet file."""
    try:
        return dict(pl.read_parquet_metadata(path))
    except FileNotFoundError:
        raise SchemaError(f"{path}: table not found", hint="run the stage that writes it first") from None
    except Exception as exc:  # polars raises several kinds for a non-Parquet file
        raise SchemaError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None


def _check(path: str | Path, name: str) -> None:
    """Raise unless ``path`` is the named table of this schema version."""
    meta = table_metadata(path)
    if meta.get("cib.table") != name:
        raise SchemaError(
            f"{path}: expected cib table '{name}', found {meta.get('cib.table') or 'a file not written by cib'}"
        )
    version = meta.get("cib.schema_version")
    if version != SCHEMA_VERSION:
        raise SchemaError(
            f"{path}: written with schema version {version}, this cib reads version {SCHEMA_VERSION}",
            hint="re-run the stage that writes it with this version of cib",
        )


def read_table(path: str | Path, name: str, columns: Sequence[str] | None = None) -> pl.DataFrame:
    """Read a canonical table, checking that it is the named table of this schema version.

    ``columns``: only these (those of them the file has), for a reader that needs a few.
    """
    _check(path, name)
    # One chunk per column (a file comes in one per row group): gathers and joins on a chunked
    # column are many times slower, and the copy costs a few hundredths of a second per million rows.
    if columns is not None:
        have = pl.read_parquet_schema(path)
        return pl.read_parquet(path, columns=[c for c in columns if c in have]).rechunk()
    return pl.read_parquet(path).rechunk()


def scan_table(path: str | Path, name: str) -> pl.LazyFrame:
    """A lazy scan of a canonical table, checked as :func:`read_table` checks it: for a reader that needs a part."""
    _check(path, name)
    return pl.scan_parquet(path)
