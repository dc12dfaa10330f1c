"""Detection's edges and evidence written as each detector finishes, and the two tables made from them.

A large collection's detection (more posts than ``run.max_posts_in_memory``)
does not hold every signal's edges and evidence while the next detector runs:
:class:`ResultParts` writes them to a folder as they come, one Parquet part
per signal's edges and one per detector's evidence, and streams
``edges.parquet`` and ``evidence.parquet`` from the parts (Polars' streaming
engine, :func:`cib.schema.sink_table`). The tables are those the in-memory
path writes: edges sorted by signal, then ``account_a, account_b`` (each
signal's part already is, and the parts are taken in signal order);
evidence in the order the detectors gave it.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.progress import Progress, Teller
from cib.schema import EDGES, EVIDENCE, sink_table, write_table

if TYPE_CHECKING:
    from cib.config import Config
    from cib.detect.memo import Memo

__all__ = ["ENGINES", "ResultParts", "account_ids", "accounts_in_edges", "detect_counts", "engine_posts", "run_engine"]

_PART_WRITE: dict[str, Any] = {"compression": "lz4", "statistics": False}

#: sync, co_similar_text, amplify and co_paraphrase have engines of their own, imported only when on (scipy is
#: slow to import); :func:`cib.detect.detect` runs the windowed signals
ENGINES = {
    "sync": ("cib.detect.sync", "sync_detect"),
    "co_similar_text": ("cib.detect.similar", "similar_text_edges"),
    "amplify": ("cib.detect.amplify", "amplify_detect"),
    # last: it compares the accounts the others put in edges
    "co_paraphrase": ("cib.detect.paraphrase", "paraphrase_edges"),
}


def engine_posts(posts: pl.DataFrame | Path, scan: pl.LazyFrame | None, columns: tuple[str, ...]) -> pl.DataFrame:
    """The posts an engine is given: all of them in memory, or only its columns read from the scan."""
    if scan is None:
        assert isinstance(posts, pl.DataFrame)
        return posts
    return scan.select(c for c in columns if c in scan.collect_schema().names()).collect()


def run_engine(
    signal: str, engine: Callable[..., Any], posts: Callable[[], pl.DataFrame], cfg: Config, time_resolution_s: float,
    told: Progress | None, engine_call: Callable[..., Any] | None, memo: Memo | None, key: Any,
) -> Any:
    """One engine's result: run here (told, with the kept work it takes) or through ``engine_call`` (a sweep's).

    ``posts`` reads the engine's columns when called; the table is handed over unnamed,
    so an engine that lets go of it once read frees it (nothing here holds it).
    ``key`` is what else the engine read, for ``engine_call`` to tell results apart
    (``co_paraphrase``: the accounts the other signals found).
    """
    task = Teller(told, "detect", signal)
    if engine_call is None:
        kept_work = {"memo": memo} if memo is not None and signal == "co_similar_text" else {}
        more = engine(posts(), cfg, time_resolution_s=time_resolution_s, progress=told, **kept_work)
    else:
        task("")  # the engine runs untold: the signal is shown all the same
        more = engine_call(signal, engine, posts(), cfg, time_resolution_s, key=key)
    task.finished()
    return more


@dataclass
class _Part:
    path: Path
    rows: int


class ResultParts:
    """Edges and evidence of the detectors run so far, on disk in ``folder``.

    Parameters
    ----------
    folder
        Where the parts go (created; removed by :meth:`close`).
    """

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.edges: list[tuple[str, _Part]] = []
        self.evidence: list[_Part] = []
        self.by_signal: Counter[str] = Counter()

    def _write(self, frame: pl.DataFrame) -> _Part:
        path = self.folder / f"part-{len(self.edges) + len(self.evidence):05d}.parquet"
        frame.write_parquet(path, **_PART_WRITE)
        return _Part(path, frame.height)

    def add(self, edges: pl.DataFrame, evidence: pl.DataFrame, *, in_order: bool = True) -> None:
        """One detector's edges (each signal's a run of rows) and evidence, in the tables' columns.

        ``in_order``: each signal's edges are sorted by ``account_a, account_b``
        already; otherwise they are sorted here.
        """
        edges = edges.select(list(EDGES)).cast(EDGES)  # type: ignore[arg-type]
        if not in_order:
            edges = edges.sort(["signal", "account_a", "account_b"])
        start = 0
        for run in edges.get_column("signal").rle().to_list():
            self.edges.append((run["value"], self._write(edges.slice(start, run["len"]))))
            self.by_signal[run["value"]] += run["len"]
            start += run["len"]
        if evidence.height:
            self.evidence.append(self._write(evidence.select(list(EVIDENCE)).cast(EVIDENCE)))  # type: ignore[arg-type]

    @property
    def n_edges(self) -> int:
        """Edges written so far."""
        return sum(self.by_signal.values())

    @property
    def n_evidence(self) -> int:
        """Evidence rows written so far."""
        return sum(p.rows for p in self.evidence)

    def write(self, processed: Path, *, params: dict[str, Any], run_id: str | None) -> None:
        """Write ``edges.parquet`` (signals in name order) and ``evidence.parquet`` into ``processed``."""
        ordered = [part for _, part in sorted(self.edges, key=lambda e: e[0])]  # stable: one part per signal
        for name, parts in (("edges", ordered), ("evidence", self.evidence)):
            target = processed / f"{name}.parquet"
            if parts:
                sink_table(pl.concat([pl.scan_parquet(p.path) for p in parts]), target, name, params=params, run_id=run_id)
            else:
                write_table(pl.DataFrame(schema=EDGES if name == "edges" else EVIDENCE), target, name, params=params, run_id=run_id)

    def account_ids(self) -> pl.Series:
        """The accounts at either end of the edges written so far, sorted."""
        scans = [pl.scan_parquet(p.path) for _, p in self.edges]
        if not scans:
            return pl.Series("account_id", [], dtype=pl.String)
        ends = pl.concat([s.select(pl.col(c).alias("account_id")) for s in scans for c in ("account_a", "account_b")])
        return ends.unique().sort("account_id").collect().get_column("account_id")

    def accounts_in_edges(self) -> int:
        """Distinct accounts at either end of the edges written, read back two columns at a time."""
        if not self.edges:
            return 0
        scans = [pl.scan_parquet(p.path) for _, p in self.edges]
        ends = pl.concat(
            [s.select(pl.col("account_a").alias("id")) for s in scans] + [s.select(pl.col("account_b").alias("id")) for s in scans]
        )
        return int(ends.unique().select(pl.len()).collect().item())

    def counts(self, in_edges: int | None) -> dict[str, Any]:
        """What the manifest counts of the detection (``in_edges``: the accounts in edges, when known)."""
        return _counts(self.n_edges, self.by_signal, in_edges if in_edges is not None else self.accounts_in_edges(), self.n_evidence)

    def close(self) -> None:
        """Remove the parts."""
        shutil.rmtree(self.folder, ignore_errors=True)


def account_ids(edges: pl.DataFrame) -> pl.Series:
    """The accounts at either end of ``edges``, sorted."""
    return pl.concat([edges["account_a"], edges["account_b"]]).unique().sort()


def accounts_in_edges(edges: pl.DataFrame) -> int:
    """Distinct accounts at either end of the edges."""
    # a frame's unique runs on every core, a series' on one
    ids = pl.concat([edges.select(pl.col("account_a").alias("id")), edges.select(pl.col("account_b").alias("id"))])
    return ids.unique().height


def detect_counts(edges: pl.DataFrame, evidence: pl.DataFrame, in_edges: int | None = None) -> dict[str, Any]:
    """What the manifest counts of a detection (``in_edges``: the accounts in edges, when known).

    The edges are sorted by signal, so their count per signal comes from runs of
    that column, not a group-by of millions of strings.
    """
    by_signal: dict[str, int] = {}
    for run in edges.get_column("signal").rle().to_list():
        by_signal[run["value"]] = by_signal.get(run["value"], 0) + run["len"]
    return _counts(edges.height, by_signal, in_edges if in_edges is not None else accounts_in_edges(edges), evidence.height)


def _counts(edges: int, by_signal: dict[str, int], in_edges: int, evidence: int) -> dict[str, Any]:
    return {"edges": edges, "edges_by_signal": dict(sorted(by_signal.items())), "accounts_in_edges": in_edges, "evidence_rows": evidence}
