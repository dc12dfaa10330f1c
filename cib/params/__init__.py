"""Every parameter cib has, declared once as plain data, one module per pipeline stage.

Each of :mod:`.ingest`, :mod:`.detect`, :mod:`.network`, :mod:`.score`,
:mod:`.report` and :mod:`.sweep` holds a ``PARAMS`` tuple of :class:`Param`
values; :data:`PARAMS` joins them (:mod:`.catalogue`) and :mod:`cib.config`
reads it. ``docs/parameters.md`` documents them all (a test checks it),
``cib params`` prints them, and every output records their effective values.
:data:`PRESETS` are named sets of values that reproduce published tools;
:func:`parse_duration` reads every window and bin, :func:`is_zone` checks a time zone.
"""

from __future__ import annotations

from cib.params.catalogue import PARAMS
from cib.params.param import DURATION_UNITS, KINDS, MAX_DURATION_S, Param, is_zone, parse_duration
from cib.params.presets import PRESETS

__all__ = ["Param", "PARAMS", "PRESETS", "KINDS", "DURATION_UNITS", "MAX_DURATION_S", "parse_duration", "is_zone"]
