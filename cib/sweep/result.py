"""What a sweep produced (:class:`SweepResult`), shared by the sweep's engine and its page."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cib.sweep.grid import Grid, Point

__all__ = ["SweepResult"]


@dataclass
class SweepResult:
    """What a sweep produced.

    Attributes
    ----------
    table
        ``sweep.parquet``: one row per point — ``point``, one column per grid
        axis, the point's figures (edges, clusters, flagged accounts, stability,
        evaluation figures with labels), ``detection`` (points with the same
        number detected identical edges and evidence), ``reused_from`` (the
        point whose clustering and scoring this one reused, else null),
        ``seconds``, ``folder`` and ``recommended``.
    stability
        ``clusters_stability.parquet``: one row per cluster of every point.
    grid
        The grid.
    points
        The points, in ``table`` order.
    recommended
        Id of the recommended point (``None`` when nothing is flagged anywhere).
    reasons
        Why, in plain sentences.
    processed
        ``PROCESSED_DIR/NAME``: holds ``sweep.parquet``, ``clusters_stability.parquet``
        and ``sweep/`` (shared ingest tables, ``point-XX/`` folders).
    page
        ``REPORTS_DIR/NAME/sweep.html``.
    info
        Detection calls, signal runs, workers, timings.
    """

    table: pl.DataFrame
    stability: pl.DataFrame
    grid: Grid
    points: list[Point]
    recommended: int | None
    reasons: list[str]
    processed: Path
    page: Path | None
    info: dict[str, Any] = field(default_factory=dict)

    def folder(self, point: int) -> Path:
        """The folder of one point's tables."""
        return self.processed / "sweep" / self.points[point].folder

    def params(self, point: int) -> dict[str, Any]:
        """The parameters a point changes (registry name → value)."""
        return dict(self.points[point].overrides)
