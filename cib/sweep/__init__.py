"""Parameter sweeps: run a collection through a grid of settings and compare the results.

>>> from cib.sweep import sweep
>>> res = sweep("data/raw/sample", ["co_reshare.window=10,60,300", "resolution=0.5,1,2"],
...             labels="data/raw/sample/truth.parquet")          # doctest: +SKIP
>>> res.table.select("point", "detect.co_reshare.window", "cluster.resolution", "f1", "stability")  # doctest: +SKIP
>>> res.recommended, res.reasons                                 # doctest: +SKIP

Modules: :mod:`.grid` (names, values, points, neighbours), :mod:`.detection`
(detection shared between points), :mod:`.points` (one point's clustering,
scoring and evaluation), :mod:`.runner` (where a point runs, reuse of
equivalent points), :mod:`.workers` (worker processes), :mod:`.stability`
(cluster stability across the grid, the recommendation), :mod:`.page` (the
HTML page), :mod:`.result` (what a sweep produced), :mod:`.engine` (the whole sweep). See ``docs/sweep.md``.
"""

from __future__ import annotations

from cib.sweep.engine import reproduce_command, sweep
from cib.sweep.grid import Axis, Grid, Point, build_grid, parse_grid_flag, resolve_name
from cib.sweep.result import SweepResult

__all__ = [
    "sweep",
    "SweepResult",
    "reproduce_command",
    "build_grid",
    "parse_grid_flag",
    "resolve_name",
    "Grid",
    "Axis",
    "Point",
]
