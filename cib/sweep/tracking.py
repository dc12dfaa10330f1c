"""A configuration that remembers which parameters a stage read.

A stage's output depends only on its input tables and on the parameters it
reads. Run it once with a :class:`TrackingConfig`; another grid point with the
same inputs and the same value for every parameter read gives the same output
(the stages are deterministic: equal inputs take the same path and read the
same parameters). The sweep relies on this to reuse detections and network
stages exactly, whatever parameters the stages come to read as they evolve.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cib.config import Config

__all__ = ["TrackingConfig", "tracked", "same_values"]


@dataclass
class TrackingConfig(Config):
    """A :class:`~cib.config.Config` recording every name read with ``cfg[name]``."""

    read: set[str] = field(default_factory=set)

    def __getitem__(self, name: str) -> Any:
        self.read.add(name)
        return super().__getitem__(name)

    def update(self, values: Mapping[str, Any], origin: str) -> TrackingConfig:
        """As :meth:`Config.update`; the copy records into the same set."""
        new = super().update(values, origin)
        return TrackingConfig(new.values, new.origins, self.read)


def tracked(cfg: Config) -> TrackingConfig:
    """A tracking copy of ``cfg`` with nothing read yet."""
    return TrackingConfig(dict(cfg.values), dict(cfg.origins))


def same_values(a: Config, b: Config, names: Iterable[str]) -> bool:
    """Whether ``a`` and ``b`` hold equal values for every name in ``names``."""
    return all(a.values.get(n) == b.values.get(n) for n in names)
