"""Parameters: declared once, read from ``cib.toml`` and flags, recorded everywhere.

Every tunable value in cib is a :class:`~cib.params.Param` declared in :mod:`cib.params`.
A :class:`Config` holds the effective value of each, layered as
defaults < preset < ``cib.toml`` < flags, and remembers where each value came
from so the manifest can say so.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cib.errors import ConfigError
from cib.params import PARAMS, Param

__all__ = ["Param", "Config", "registry", "load_config", "parse_assignment", "markdown_table"]


def registry() -> dict[str, Param]:
    """Every declared parameter by name, sorted (:data:`cib.params.PARAMS`)."""
    return _REGISTRY


def _index(params: tuple[Param, ...]) -> dict[str, Param]:
    out: dict[str, Param] = {}
    for p in params:
        if p.name in out:
            raise AssertionError(f"parameter {p.name} declared twice")
        out[p.name] = p
    return dict(sorted(out.items()))


_REGISTRY: dict[str, Param] = _index(PARAMS)


@dataclass
class Config:
    """Effective parameter values and where each came from.

    Parameters
    ----------
    values
        Effective value by parameter name.
    origins
        ``"default"``, ``"preset NAME"``, a config file path or ``"flag"``.
    """

    values: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)

    @classmethod
    def defaults(cls) -> Config:
        """A configuration holding every default."""
        params = registry()
        return cls(
            {n: p.default for n, p in params.items()}, {n: "default" for n in params}
        )

    def __getitem__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise KeyError(f"undeclared parameter {name}") from None

    def update(self, values: Mapping[str, Any], origin: str) -> Config:
        """Return a copy with ``values`` applied, each checked against its declaration."""
        params = registry()
        new = Config(dict(self.values), dict(self.origins))
        for name, value in values.items():
            if name not in params:
                close = [n for n in params if n.rsplit(".", 1)[-1] == name.rsplit(".", 1)[-1]]
                raise ConfigError(
                    f"{origin}: unknown parameter {name}",
                    hint=f"did you mean {' or '.join(close)}?" if close else "run `cib params` for the list",
                )
            new.values[name] = params[name].coerce(value, origin)
            new.origins[name] = origin
        return new

    def as_dict(self) -> dict[str, Any]:
        """Effective values, JSON-serialisable and sorted by name."""
        return {k: self.values[k] for k in sorted(self.values)}

    def to_json(self) -> str:
        """The effective values as canonical JSON (recorded in every output)."""
        return json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=False, default=str)


def _flatten(table: Mapping[str, Any], prefix: str, tables: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and name not in tables:
            out.update(_flatten(value, f"{name}.", tables))
        else:
            out[name] = value
    return out


def load_config(
    path: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    preset: Mapping[str, Any] | None = None,
    preset_name: str | None = None,
) -> Config:
    """Build the effective configuration.

    Parameters
    ----------
    path
        A ``cib.toml``; ``None`` uses ``./cib.toml`` when it exists.
    overrides
        Values from flags, applied last.
    preset, preset_name
        Values of a named preset, applied before the file.

    Returns
    -------
    Config
    """
    cfg = Config.defaults()
    if preset:
        cfg = cfg.update(preset, f"preset {preset_name}")
    if path is None and Path("cib.toml").is_file():
        path = Path("cib.toml")
    if path is not None:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: config file not found") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        tables = {n for n, p in registry().items() if p.kind in {"table", "list"}}
        cfg = cfg.update(_flatten(data, "", tables), str(path))
    if overrides:
        cfg = cfg.update(overrides, "flag")
    return cfg


def parse_assignment(text: str) -> tuple[str, Any]:
    """Parse a ``--set name=value`` flag; the value is read as TOML when it can be."""
    if "=" not in text:
        raise ConfigError(f"--set {text}: expected NAME=VALUE")
    name, raw = text.split("=", 1)
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return name.strip(), value


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }" if value else "{}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


def markdown_table() -> str:
    """``docs/parameters.md``: every parameter with its default, unit, accepted values and help."""
    lines = [
        "# Parameters",
        "",
        "Every threshold and setting cib has, declared once in `cib/params/`. Set them in `cib.toml`",
        "(the part of the name before the last dot is the table: `detect.co_reshare.window` is",
        "`window` under `[detect.co_reshare]`) or with `--set NAME=VALUE`; flags win over the file,",
        "the file over a `--preset`, a preset over the defaults. Every output records the effective",
        "values (Parquet metadata `cib.params`, `manifest.json` `parameters` and where each came from).",
        "",
        "Every value is checked when it is read (from the defaults, a preset, the file or a flag):",
        "a value outside what the `accepted` column says stops the run before it starts, with one",
        "line naming the parameter and what it accepts. Every number must be finite; a duration is",
        "seconds or a number with a unit (`90s`, `2m`, `12h`, `2d`, `1w`).",
        "",
        "This page is generated: `cib params --markdown > docs/parameters.md`.",
        "",
        "| name | default | unit | accepted | what it does |",
        "|---|---|---|---|---|",
    ]
    for p in registry().values():
        lines.append(f"| `{p.name}` | `{_toml_value(p.default)}` | {p.unit} | {p.range_text() or 'any'} | {p.help} |")
    return "\n".join(lines) + "\n"
