"""The grid of a sweep: parameter names, their values, the points and their neighbours.

A grid is a list of *axes*. Each axis is one parameter of the registry (or the
shorthand ``window``, which sets every ``detect.co_*.window`` at once) with an
ordered list of values, each checked and typed by the parameter's declaration.
The points are the cartesian product of the axes (the first axis varies
slowest); two points are *neighbours* when they differ on one axis by one step
in the order the values were given.
"""

from __future__ import annotations

import itertools
import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cib.config import Config, registry
from cib.errors import ConfigError
from cib.signals import windowed_values

__all__ = [
    "Axis",
    "Point",
    "Grid",
    "resolve_name",
    "parse_grid_flag",
    "build_grid",
    "value_text",
    "toml_value",
    "WINDOW_SHORTHAND",
]

#: the name that stands for every co-occurrence window at once
WINDOW_SHORTHAND = "window"
#: parameter families a grid may not vary, and why
_REFUSED = {
    "ingest.": "the input is read once for every point of a sweep; run `cib sweep` again with --set instead",
    "report.": "it changes only the HTML report, which a sweep point does not write",
    "sweep.": "it is a setting of the sweep itself, not of a grid point",
}


@dataclass(frozen=True)
class Axis:
    """One dimension of the grid.

    Attributes
    ----------
    name
        The column name in ``sweep.parquet``: the full parameter name, or ``"window"``.
    targets
        The registry parameters the axis sets (several for ``window``).
    values
        The values, typed by the declaration, in the order given.
    """

    name: str
    targets: tuple[str, ...]
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Point:
    """One setting of the grid.

    Attributes
    ----------
    id
        0, 1, … in the order of :meth:`Grid.points`.
    index
        Position of the point's value on each axis.
    values
        Axis name → value.
    overrides
        Registry parameter → value (what the point changes in the configuration).
    """

    id: int
    index: tuple[int, ...]
    values: dict[str, Any]
    overrides: dict[str, Any]
    width: int = 2

    @property
    def folder(self) -> str:
        """Sub-folder name of the point (``point-00``; wider for grids over 100 points)."""
        return f"point-{self.id:0{self.width}d}"


@dataclass(frozen=True)
class Grid:
    """Axes and, derived from them, points and neighbours."""

    axes: tuple[Axis, ...]

    def __len__(self) -> int:
        n = 1
        for axis in self.axes:
            n *= len(axis.values)
        return n if self.axes else 0

    def points(self) -> list[Point]:
        """Every point, the first axis varying slowest."""
        if not self.axes:
            return []
        out = []
        width = max(2, len(str(len(self) - 1)))
        for pid, index in enumerate(itertools.product(*(range(len(a.values)) for a in self.axes))):
            values = {a.name: a.values[i] for a, i in zip(self.axes, index, strict=True)}
            overrides = {t: a.values[i] for a, i in zip(self.axes, index, strict=True) for t in a.targets}
            out.append(Point(pid, tuple(index), values, overrides, width))
        return out

    def neighbours(self, point: Point) -> list[int]:
        """Ids of the points differing from ``point`` on one axis by one step."""
        sizes = [len(a.values) for a in self.axes]
        strides = [1] * len(sizes)
        for k in range(len(sizes) - 2, -1, -1):
            strides[k] = strides[k + 1] * sizes[k + 1]
        out = []
        for k, i in enumerate(point.index):
            for j in (i - 1, i + 1):
                if 0 <= j < sizes[k]:
                    out.append(point.id + (j - i) * strides[k])
        return sorted(out)

    def as_dict(self) -> dict[str, list[Any]]:
        """Axis name → values (JSON-ready)."""
        return {a.name: list(a.values) for a in self.axes}


def resolve_name(name: str, *, origin: str = "--grid") -> tuple[str, ...]:
    """The registry parameter(s) a grid name stands for.

    ``window`` stands for every ``detect.co_*.window``; a full name stands for
    itself; any other name must be the ending (after a dot) of exactly one
    parameter: ``co_reshare.window`` is ``detect.co_reshare.window`` and
    ``resolution`` is ``cluster.resolution``.

    Raises
    ------
    ConfigError
        For an unknown or ambiguous name, or a parameter a sweep cannot vary.
    """
    params = registry()
    name = name.strip()
    if name == WINDOW_SHORTHAND:
        targets: tuple[str, ...] = tuple(sorted(windowed_values(None)))
    elif name in params:
        targets = (name,)
    else:
        matches = [n for n in params if n.endswith("." + name)]
        if not matches:
            close = [n for n in params if n.rsplit(".", 1)[-1] == name.rsplit(".", 1)[-1]]
            raise ConfigError(
                f"{origin} {name}: unknown parameter",
                hint=f"did you mean {' or '.join(close)}?" if close else "run `cib params` for the list",
            )
        if len(matches) > 1:
            raise ConfigError(
                f"{origin} {name}: ambiguous, it could be {' or '.join(matches)}",
                hint="write the full name",
            )
        targets = (matches[0],)
    for target in targets:
        for prefix, why in _REFUSED.items():
            if target.startswith(prefix):
                raise ConfigError(f"{origin} {name}: {target} cannot be swept: {why}")
    return targets


def _scalar(text: str) -> Any:
    text = text.strip()
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_grid_flag(text: str) -> tuple[str, list[Any]]:
    """Split a ``--grid NAME=V1,V2,…`` flag into the name and its raw values.

    Values are read as TOML when they can be (``10`` an integer, ``0.5`` a
    float, ``true`` a boolean), as text otherwise (``auto``, ``tfidf``). A value
    list starting with ``[`` is one TOML array, for values that are themselves
    lists: ``sync.bins=[[60], [60, 600]]``.
    """
    if "=" not in text:
        raise ConfigError(f"--grid {text}: expected NAME=VALUE,VALUE,…", hint="e.g. --grid co_reshare.window=10,60,300")
    name, raw = text.split("=", 1)
    raw = raw.strip()
    if raw.startswith("["):
        try:
            values = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"--grid {text}: not a TOML array ({exc})") from None
    else:
        values = [_scalar(v) for v in raw.split(",") if v.strip()]
    return name.strip(), list(values)


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``[sweep.grid]`` entries by dotted name (TOML turns ``a.b = […]`` into nested tables)."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_flatten(value, f"{name}."))
        else:
            out[name] = value
    return out


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def build_grid(grid: Mapping[str, Any] | Iterable[str] | None, cfg: Config, *, origin: str = "--grid") -> Grid:
    """The grid from flags, a mapping, or the configuration's ``sweep.grid``.

    Parameters
    ----------
    grid
        ``--grid`` strings (``"co_reshare.window=10,60,300"``), or a mapping of
        name → list of values (``{"resolution": [0.5, 1, 2]}``; nested mappings
        are read as dotted names), or ``None``/empty to use ``cfg["sweep.grid"]``.
    cfg
        The base configuration.

    Returns
    -------
    Grid

    Raises
    ------
    ConfigError
        Unknown, ambiguous or repeated names, bad or repeated values, an empty grid,
        or more points than ``sweep.max_points``.
    """
    entries: list[tuple[str, list[Any]]]
    if grid is None or (not isinstance(grid, str) and not grid):
        grid, origin = dict(cfg["sweep.grid"]), cfg.origins.get("sweep.grid", "sweep.grid")
        if origin in {"default", "flag"}:
            origin = "sweep.grid"
    if isinstance(grid, str):
        grid = [grid]
    if isinstance(grid, Mapping):
        entries = []
        for name, values in _flatten(grid).items():
            if not isinstance(values, list | tuple):
                raise ConfigError(f"{origin}: {name} = {values!r} is not a list of values",
                                  hint=f"write {name} = [{_key(values)}, …]")
            entries.append((name, list(values)))
    else:
        entries = [parse_grid_flag(text) for text in grid]
    if not entries:
        raise ConfigError(
            "nothing to sweep: give --grid NAME=V1,V2,… or a [sweep.grid] table in cib.toml",
            hint="e.g. --grid co_reshare.window=10,60,300 --grid resolution=0.5,1,2",
        )
    params = registry()
    axes: list[Axis] = []
    seen: dict[str, str] = {}
    for name, raw in entries:
        targets = resolve_name(name, origin=origin)
        for t in targets:
            if t in seen:
                raise ConfigError(f"{origin} {name}: {t} is already swept by {seen[t]}", hint="give each parameter once")
            seen[t] = name
        if not raw:
            raise ConfigError(f"{origin} {name}: no values")
        label = f"{origin} {name}"
        values = tuple(params[targets[0]].coerce(v, label) for v in raw)
        for t in targets[1:]:
            for v in values:
                params[t].coerce(v, label)
        keys = [_key(v) for v in values]
        dup = next((values[i] for i, k in enumerate(keys) if keys.index(k) != i), None)
        if dup is not None:
            raise ConfigError(f"{label}: value {dup!r} is listed twice", hint="give each value once")
        axis_name = WINDOW_SHORTHAND if name.strip() == WINDOW_SHORTHAND else targets[0]
        axes.append(Axis(axis_name, targets, values))
    out = Grid(tuple(axes))
    limit = int(cfg["sweep.max_points"])
    if len(out) > limit:
        shape = " × ".join(str(len(a.values)) for a in axes)
        raise ConfigError(
            f"{origin}: the grid has {len(out)} points ({shape}), more than sweep.max_points = {limit}",
            hint="use fewer values, or raise sweep.max_points with --set",
        )
    return out


def value_text(value: Any) -> str:
    """A grid value as written in ``--set`` or a chart label: TOML-like, short."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def toml_value(value: Any) -> str:
    """A value as TOML (for ``--set NAME=VALUE`` in a reproduce command)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        bare = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_./:+-]*", value) and _scalar(value) == value
        return value if bare else json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{json.dumps(str(k))} = {toml_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return repr(value)
