"""Every parameter cib has, declared once as plain data, one module per pipeline stage.

Each module holds a ``PARAMS`` tuple of :class:`Param` values; :data:`PARAMS`
joins them, and :mod:`cib.config` reads it. ``docs/parameters.md`` documents
them all (a test checks it), ``cib params`` prints them, and every output
records their effective values. :data:`PRESETS` are named sets of values that
reproduce published tools.
"""

from __future__ import annotations

from cib.params import detect, ingest, network, report, score, sweep
from cib.params.param import DURATION_UNITS, KINDS, Param, parse_duration
from cib.params.presets import PRESETS

__all__ = ["Param", "PARAMS", "PRESETS", "KINDS", "DURATION_UNITS", "parse_duration"]

#: every declaration, sorted by name
PARAMS: tuple[Param, ...] = tuple(
    sorted((*ingest.PARAMS, *detect.PARAMS, *network.PARAMS, *score.PARAMS, *report.PARAMS, *sweep.PARAMS), key=lambda p: p.name)
)
