"""What a parameter is: its declaration, its kinds of value, and the one reader of durations.

Declarations are plain data (:class:`Param` values in the ``PARAMS`` tuple of
each module of :mod:`cib.params`); :mod:`cib.config` reads them.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cib.errors import ConfigError

__all__ = ["Param", "KINDS", "DURATION_UNITS", "parse_duration"]

#: the kinds of value a parameter may hold
KINDS = ("int", "float", "bool", "str", "table", "list", "duration", "durations")

#: seconds per unit of a written duration (``90s``, ``2m``, ``12h``, ``2d``, ``1w``)
DURATION_UNITS: dict[str, float] = {
    "": 1.0,
    "s": 1.0,
    "sec": 1.0,
    "m": 60.0,
    "min": 60.0,
    "h": 3600.0,
    "d": 86400.0,
    "w": 7 * 86400.0,
}
_DURATION = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*")


def parse_duration(value: Any, what: str = "window", *, auto: bool = False) -> float | str:
    """Seconds from a number or a written duration; the one reader of every window and bin in cib.

    ``--window``, ``--set detect.X.window=2m``, ``cib.toml``, ``--event …
    window=`` and the sweep's grid all read durations through this.

    Parameters
    ----------
    value
        Seconds (``60``, ``"60"``, ``1.5``) or a number with a unit: ``s``/``sec``,
        ``m``/``min``, ``h``, ``d``, ``w`` (``"90s"``, ``"2m"``, ``"12h"``, ``"2d"``);
        ``"auto"`` when ``auto`` is true.
    what
        What is being read, for the error message.
    auto
        Accept ``"auto"`` (returned as is).

    Returns
    -------
    float or "auto"
        Seconds, positive and finite.

    Raises
    ------
    ConfigError
        For anything else, including zero, negative, NaN and infinite values.
    """
    if isinstance(value, str) and auto and value.strip().lower() == "auto":
        return "auto"
    expected = "seconds (60) or a duration such as 90s, 2m, 12h or 2d" + (", or auto" if auto else "")
    if isinstance(value, bool) or value is None:
        raise ConfigError(f"{what} = {value!r}: expected {expected}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        match = _DURATION.fullmatch(str(value).lower())
        if not match or match.group(2) not in DURATION_UNITS:
            raise ConfigError(f"{what} = {value!r}: expected {expected}")
        seconds = float(match.group(1)) * DURATION_UNITS[match.group(2)]
    if not math.isfinite(seconds) or seconds <= 0:
        raise ConfigError(f"{what} = {value!r}: must be a positive, finite duration")
    return seconds


@dataclass(frozen=True)
class Param:
    """One tunable value.

    Parameters
    ----------
    name
        Dotted name, e.g. ``"detect.co_reshare.window"``; in ``cib.toml`` the part
        before the last dot is the table.
    default
        Value used when nothing overrides it.
    unit
        Unit in plain words (``"seconds"``, ``"accounts"``, ``"-"`` when none).
    help
        One sentence saying what it changes.
    kind
        One of :data:`KINDS`, optionally with ``"|auto"`` (the value may also be
        ``"auto"``): ``"table"`` is a TOML table, ``"list"`` a TOML array,
        ``"duration"`` seconds or a written duration (:func:`parse_duration`),
        ``"durations"`` a list of them.
    choices
        Allowed values for ``"str"`` parameters.
    """

    name: str
    default: Any
    unit: str
    help: str
    kind: str = "float"
    choices: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.kind.removesuffix("|auto") not in KINDS:
            raise AssertionError(f"{self.name}: unknown parameter kind {self.kind!r}")
        self.coerce(self.default, "default")

    def coerce(self, value: Any, origin: str) -> Any:
        """Check ``value`` against the parameter's kind and return it normalised.

        Raises
        ------
        ConfigError
            Naming ``origin``, the parameter and what it accepts.
        """
        kind = self.kind.removesuffix("|auto")
        auto = self.kind.endswith("|auto")
        if auto and value == "auto":
            return "auto"
        if kind in ("duration", "durations"):
            what = f"{origin}: {self.name}"
            if kind == "duration":
                return parse_duration(value, what, auto=auto)
            items = _as_list(value)
            if items is None or not items:
                raise ConfigError(f"{what} = {value!r}: expected a list of durations such as [60, 600] or [\"1m\", \"10m\"]")
            return [parse_duration(v, what) for v in items]
        bad = ConfigError(
            f"{origin}: {self.name} = {value!r} is not a valid {self.kind}"
            + (f" (one of {', '.join(self.choices)})" if self.choices else ""),
            hint=f"{self.name}: {self.help}",
        )
        try:
            out = _coerce(kind, value, self.choices)
        except (TypeError, ValueError, OverflowError, json.JSONDecodeError) as exc:
            raise bad from exc
        if out is _BAD:
            raise bad
        return out


_BAD = object()


def _as_list(value: Any) -> list | None:
    if isinstance(value, str):
        value = json.loads(value) if value.strip().startswith("[") else value.split(",")
    return list(value) if isinstance(value, list | tuple) else None


def _coerce(kind: str, value: Any, choices: tuple[str, ...] | None) -> Any:
    """``value`` as ``kind``, or :data:`_BAD`."""
    if kind == "int":
        if isinstance(value, bool):
            return _BAD
        if isinstance(value, str):
            value = float(value)
        if float(value) != int(float(value)):
            return _BAD
        return int(value)
    if kind == "float":
        return _BAD if isinstance(value, bool) else float(value)
    if kind == "bool":
        if isinstance(value, str):
            low = value.strip().lower()
            if low in {"true", "1", "yes", "on"}:
                return True
            if low in {"false", "0", "no", "off"}:
                return False
            return _BAD
        return value if isinstance(value, bool) else _BAD
    if kind == "str":
        value = str(value)
        return _BAD if choices and value not in choices else value
    if kind == "table":
        if isinstance(value, str):
            value = json.loads(value)
        return dict(value) if isinstance(value, Mapping) else _BAD
    if kind == "list":
        items = _as_list(value)
        return _BAD if items is None else items
    raise AssertionError(f"unknown parameter kind {kind!r}")
