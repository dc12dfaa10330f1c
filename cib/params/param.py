"""What a parameter is: its declaration, its kinds of value, and the one reader of durations.

Declarations are plain data (:class:`Param` values in the ``PARAMS`` tuple of
each module of :mod:`cib.params`); :mod:`cib.config` reads them.
"""

from __future__ import annotations

import json
import math
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from cib.errors import ConfigError

__all__ = ["Param", "KINDS", "DURATION_UNITS", "MAX_DURATION_S", "parse_duration", "is_zone"]

#: the kinds of value a parameter may hold
KINDS = ("int", "float", "bool", "str", "zone", "table", "list", "duration", "durations")
#: the longest window or bin: a century (longer ones overflow the microseconds times are counted in)
MAX_DURATION_S = 36500 * 86400.0
#: every integer parameter fits a 64-bit integer, whatever its declared range
_INT64 = 2**63 - 1

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
        Seconds, positive and at most :data:`MAX_DURATION_S`.

    Raises
    ------
    ConfigError
        For anything else, including zero, negative, NaN, infinite and longer values.
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
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_DURATION_S:
        raise ConfigError(f"{what} = {value!r} is out of range: a duration 0 < x ≤ {_duration_text(MAX_DURATION_S)}")
    return seconds


Bound = float | tuple[float | None, ...] | None


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
        ``"auto"``): ``"zone"`` is an IANA time zone name, ``"table"`` a TOML
        table, ``"list"`` a TOML array (or "+a,b": the default and these), ``"duration"`` seconds or a written
        duration (:func:`parse_duration`), ``"durations"`` a list of them.
    choices
        Allowed values of a ``"str"``, of each item of a ``"list"``, of each key of a ``"table"``.
    min, max
        Bounds of a number, of each duration, of each value of a ``"table"``;
        for a ``"list"`` of numbers, one bound for every item or a tuple of one
        per item (the list then has exactly that many). ``None``: no bound
        (durations are always above 0 and at most :data:`MAX_DURATION_S`).
        Every number is finite, whatever its bounds.
    min_inclusive, max_inclusive
        Whether a bound itself is allowed.
    ascending
        The items of a ``"list"`` must increase (a start before an end).
    """

    name: str
    default: Any
    unit: str
    help: str
    kind: str = "float"
    choices: tuple[str, ...] | None = None
    min: Bound = None
    max: Bound = None
    min_inclusive: bool = True
    max_inclusive: bool = True
    ascending: bool = False

    def __post_init__(self) -> None:
        if self.kind.removesuffix("|auto") not in KINDS:
            raise AssertionError(f"{self.name}: unknown parameter kind {self.kind!r}")
        self.coerce(self.default, "default")

    @property
    def numeric(self) -> bool:
        """Whether the value is a number, a duration, or holds numbers (and so has a range)."""
        kind = self.kind.removesuffix("|auto")
        return kind in ("int", "float", "duration", "durations") or self.min is not None or self.max is not None

    def coerce(self, value: Any, origin: str) -> Any:
        """Check ``value`` against the parameter's kind and range and return it normalised.

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
                out = parse_duration(value, what, auto=auto)
            else:
                items = _as_list(value)
                if items is None or not items:
                    raise ConfigError(f"{what} = {value!r}: expected a list of durations such as [60, 600] or [\"1m\", \"10m\"]")
                out = [parse_duration(v, what) for v in items]
            return self._in_range(out, value, origin)
        if kind == "zone":
            detail = " (an IANA time zone such as UTC, Europe/Berlin or America/New_York" + (", or auto)" if auto else ")")
        elif self.choices and kind == "str":
            detail = f" (one of {', '.join(self.choices)})"
        else:
            detail = f" ({self.accepts()})" if self.numeric else ""
        bad = ConfigError(f"{origin}: {self.name} = {value!r} is not a valid {kind}{detail}", hint=f"{self.name}: {self.help}")
        if kind == "list" and isinstance(value, str) and value.startswith("+"):
            # "+a,b": the default and these (--set detect.signals=+co_paraphrase)
            value = [*self.default, *(v.strip() for v in value[1:].split(",") if v.strip() not in self.default)]
        try:
            out = _coerce(kind, value, self.choices)
        except (TypeError, ValueError, OverflowError, json.JSONDecodeError) as exc:
            raise bad from exc
        if out is _BAD:
            raise bad
        return self._in_range(out, value, origin)

    def bounds(self, i: int | None = None) -> tuple[float | None, float | None, bool, bool]:
        """The bounds of item ``i`` of a list (``None``: of every number) and whether each is allowed.

        Returns
        -------
        tuple
            ``(low, high, low allowed, high allowed)``; a bound is ``None`` when there is none.
        """
        lo, hi = (b[i] if isinstance(b, tuple) and i is not None else b for b in (self.min, self.max))
        assert not isinstance(lo, tuple) and not isinstance(hi, tuple)
        lo_in, hi_in = self.min_inclusive, self.max_inclusive
        if self.kind.startswith("duration"):
            lo, lo_in = (0.0, False) if lo is None else (lo, lo_in)
            hi, hi_in = (MAX_DURATION_S, True) if hi is None else (hi, hi_in)
        return lo, hi, lo_in, hi_in

    def _length(self) -> int | None:
        """How many items a list holds, when its bounds are given per item."""
        per_item = [len(b) for b in (self.min, self.max) if isinstance(b, tuple)]
        return per_item[0] if per_item else None

    def _in_range(self, out: Any, value: Any, origin: str) -> Any:
        """``out`` when every number in it is finite and within the bounds, and every name among the choices."""
        kind = self.kind.removesuffix("|auto")
        if kind in ("int", "float", "duration"):
            numbers = [out]
        elif kind == "durations":
            numbers = out
        elif kind == "list":
            if self.choices and any(not isinstance(v, str) or v not in self.choices for v in out):
                raise self._refused(value, origin)
            numbers = out if self.numeric else []
            if self._length() is not None and len(out) != self._length():
                raise self._refused(value, origin)
        elif kind == "table":
            if self.choices and any(k not in self.choices for k in out):
                raise self._refused(value, origin)
            numbers = list(out.values()) if self.numeric else []
        else:
            return out
        per_item = kind == "list" and self._length() is not None
        for i, number in enumerate(numbers):
            if not _within(number, *self.bounds(i if per_item else None), integer=kind == "int"):
                raise self._refused(value, origin)
        if self.ascending and any(a >= b for a, b in zip(numbers, numbers[1:], strict=False)):
            raise self._refused(value, origin)
        return out

    def _refused(self, value: Any, origin: str) -> ConfigError:
        return ConfigError(f"{origin}: {self.name} = {value!r} is out of range: {self.accepts()}", hint=f"{self.name}: {self.help}")

    def range_text(self) -> str:
        """The values accepted, briefly (``0 < x ≤ 1``, ``≥ 1``, ``IANA time zone``); empty when any value of the kind is."""
        kind = self.kind.removesuffix("|auto")
        auto = " or auto" if self.kind.endswith("|auto") else ""
        if kind == "zone":
            return "IANA time zone" + auto
        if kind == "str" and self.choices:
            return ", ".join(self.choices)
        names = ("names among " if kind == "list" else "keys among ") + ", ".join(self.choices or ())
        if not self.numeric:
            return names if self.choices else ""
        as_duration = kind.startswith("duration")
        if self._length() is not None:
            text = "[" + ", ".join(self._interval(i, as_duration) for i in range(self._length() or 0)) + "]"
            text += ", increasing" if self.ascending else ""
        else:
            text = ("each " if kind in ("durations", "list", "table") else "") + self._interval(None, as_duration)
        return (f"{names}; " if self.choices else "") + text + auto

    def accepts(self) -> str:
        """What the error of a refused value says is accepted (:meth:`range_text` with the kind of value)."""
        kind = self.kind.removesuffix("|auto")
        noun = {"int": "an integer", "float": "a number", "duration": "a duration", "durations": "durations",
                "list": f"{self._length()} numbers" if self._length() else "numbers", "table": "numbers"}.get(kind, "")
        text = self.range_text()
        if self.choices or text.startswith("each"):
            return text
        return f"{noun} {text}"

    def _interval(self, i: int | None, as_duration: bool) -> str:
        lo, hi, lo_in, hi_in = self.bounds(i)
        show = _duration_text if as_duration else _number_text
        if lo is not None and hi is not None:
            return f"{show(lo)} {'≤' if lo_in else '<'} x {'≤' if hi_in else '<'} {show(hi)}"
        if lo is not None:
            return ("≥ " if lo_in else "> ") + show(lo)
        if hi is not None:
            return ("≤ " if hi_in else "< ") + show(hi)
        return "any"


def _within(number: Any, lo: float | None, hi: float | None, lo_in: bool, hi_in: bool, *, integer: bool) -> bool:
    """Whether ``number`` is a finite number (an integer when asked) between the bounds."""
    if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
        return False
    if integer and abs(number) > _INT64:
        return False
    if lo is not None and (number < lo or (number == lo and not lo_in)):
        return False
    return hi is None or not (number > hi or (number == hi and not hi_in))


def _number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _duration_text(seconds: float) -> str:
    """``36500d``, ``1h``, ``90s``: a bound as a duration is written."""
    if seconds == 0:
        return "0"
    for unit in ("w", "d", "h", "m"):
        if seconds >= DURATION_UNITS[unit] and (seconds / DURATION_UNITS[unit]).is_integer():
            return f"{int(seconds / DURATION_UNITS[unit])}{unit}"
    return f"{_number_text(seconds)}s"


@cache
def _zones() -> frozenset[str]:
    # ``available_timezones`` leaves out the ``posix/`` and ``right/`` copies; ``localtime``
    # (this machine's setting) and ``Factory`` (no place) name no zone, and Polars refuses both
    return frozenset(zoneinfo.available_timezones()) - {"localtime", "Factory"}


def is_zone(name: str) -> bool:
    """Whether ``name`` is an IANA time zone that both Python's ``zoneinfo`` and Polars read."""
    return name in _zones()


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
    if kind == "zone":
        return value if isinstance(value, str) and is_zone(value) else _BAD
    if kind == "table":
        if isinstance(value, str):
            value = json.loads(value)
        return dict(value) if isinstance(value, Mapping) else _BAD
    if kind == "list":
        items = _as_list(value)
        return _BAD if items is None else items
    raise AssertionError(f"unknown parameter kind {kind!r}")
