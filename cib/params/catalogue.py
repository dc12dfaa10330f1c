"""Every declaration of every stage, joined and sorted by name (:data:`PARAMS`)."""

from __future__ import annotations

from cib.params import detect, ingest, network, report, score, sweep
from cib.params.param import Param

__all__ = ["PARAMS"]

#: every declaration, sorted by name
PARAMS: tuple[Param, ...] = tuple(
    sorted((*ingest.PARAMS, *detect.PARAMS, *network.PARAMS, *score.PARAMS, *report.PARAMS, *sweep.PARAMS), key=lambda p: p.name)
)
