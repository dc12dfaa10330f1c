"""Parameter sweeps."""

from __future__ import annotations

from cib.params.param import Param

__all__ = ["PARAMS"]

PARAMS: tuple[Param, ...] = (
    # --- sweep ---------------------------------------------------------------
    Param(
        "sweep.grid",
        {},
        "-",
        "Grid for `cib sweep`: parameter name (full, or a unique ending such as co_reshare.window, or "
        "window for every co_* window) = list of values, e.g. { \"co_reshare.window\" = [10, 60, 300], "
        "resolution = [0.5, 1, 2] }; --grid flags, when given, replace it.",
        kind="table",
    ),
    Param(
        "sweep.workers",
        "auto",
        "processes",
        "Processes that cluster and score grid points side by side, this one included; \"auto\" uses one "
        "per CPU, up to 4, for grids of 4 points or more; 1 runs everything in this process "
        "(least memory).",
        kind="int|auto",
        min=1, max=64,
    ),
    Param(
        "sweep.max_points",
        200,
        "points",
        "A grid with more points than this is refused (each point clusters and scores the whole graph).",
        kind="int",
        min=1,
    ),
    Param(
        "sweep.flagged_tolerance",
        2.0,
        "times the median",
        "Without labels, the recommended setting is the most stable among those flagging at least one "
        "account and at most this many times the grid's median number of flagged accounts.",
        min=0, min_inclusive=False,
    ),
)
