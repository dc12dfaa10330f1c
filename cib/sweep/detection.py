"""Detection shared between grid points.

A point's detection is :func:`cib.stages.run_detect` itself (the windowed
signals, ``sync`` and whatever the pipeline adds), run with a
:class:`~cib.sweep.tracking.TrackingConfig`. Its result serves every later
point holding the same value for each parameter that run read: points that
differ only in clustering or scoring parameters (``cluster.resolution``,
``score.*``) share one detection, and so do points differing in a
``detect.*`` value that was not read (``detect.auto_window.q`` when no
window is ``"auto"``). Detection therefore runs once per distinct detection
setting, and a point's tables are exactly those of a single run. Within those
runs, the engines beside the windowed signals (``sync``, ``co_similar_text``)
run once per distinct value of what they read (:class:`EngineReuse`): a grid
over windows computes them once.

Between distinct detections, the windowed signals share a
:class:`cib.detect.PairCache`: each signal's traces (the normalised matching
keys) are built once, and its pairs are computed once at the widest window
of the grid and filtered for the narrower ones (exact unless an object is a
crowd at one of the windows; then that window's pairs are computed afresh).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from cib.config import Config
from cib.detect.reuse import PairCache
from cib.manifest import Manifest
from cib.progress import Progress
from cib.signals import WINDOWED, window_param
from cib.sweep.tracking import same_values, tracked

__all__ = ["Detection", "DetectionReuse", "EngineReuse"]


@dataclass
class Detection:
    """One detection run and what it depended on.

    Attributes
    ----------
    index
        0, 1, … in the order of the runs.
    point
        The point it ran for.
    cfg
        That point's configuration.
    read
        Every parameter the run read.
    result
        The :class:`cib.detect.DetectResult`.
    counts, stage, warnings
        What the run recorded in the manifest (``counts["detect"]``,
        ``stages["detect"]``, its warnings).
    seconds
        How long it took.
    """

    index: int
    point: int
    cfg: Config
    read: list[str]
    result: Any
    counts: dict[str, Any] = field(default_factory=dict)
    stage: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class EngineReuse:
    """Results of the engines :func:`cib.stages.run_detect` runs beside the windowed signals.

    ``sync`` and ``co_similar_text`` read none of the windowed signals'
    parameters, so a grid over ``co_reshare.window`` computes them once. Each
    result serves a later call whose configuration holds the same value for
    every parameter that engine read (on the same posts: one instance per
    sweep). Use as :func:`run_detect`'s ``engine_call``.
    """

    results: dict[tuple[str, str], list[tuple[dict[str, Any], Any]]] = field(default_factory=dict)

    def __call__(self, signal: str, engine: Callable[..., Any], posts: pl.DataFrame, cfg: Config,
                 time_resolution_s: float, key: Any = None) -> Any:
        # ``key``: what else the engine read (co_paraphrase: the accounts the other signals found)
        earlier = self.results.get((signal, repr(key)), [])
        hit = next((r for r in earlier if all(cfg.values.get(n) == v for n, v in r[0].items())), None)
        if hit is not None:
            values, result = hit
        else:
            cfg_t = tracked(cfg)
            result = engine(posts, cfg_t, time_resolution_s=time_resolution_s)
            values = {n: cfg_t.values.get(n) for n in sorted(cfg_t.read)}
            self.results.setdefault((signal, repr(key)), []).append((values, result))
        for name in values:
            cfg[name]  # the caller's tracking config learns what the engine read
        return result


@dataclass
class DetectionReuse:
    """The detections of a sweep, reused between points.

    Parameters
    ----------
    posts
        The collection's posts.
    time_resolution_s
        From ingest.
    progress
        Told what each detection is doing (:mod:`cib.progress`).
    """

    posts: pl.DataFrame
    time_resolution_s: float = 1.0
    progress: Progress | None = None
    runs: list[Detection] = field(default_factory=list)
    engines: EngineReuse = field(default_factory=EngineReuse)
    pairs: PairCache = field(default_factory=PairCache)

    def plan(self, configs: Iterable[Config]) -> None:
        """Announce the points' windows, so each signal's pairs are computed at the widest once."""
        for cfg in configs:
            for sig in WINDOWED:
                window = cfg.values.get(window_param(sig))
                if isinstance(window, int | float) and not isinstance(window, bool):
                    self.pairs.widest[sig] = max(self.pairs.widest.get(sig, 0.0), float(window))

    @property
    def seconds(self) -> float:
        """Time spent detecting."""
        return sum(d.seconds for d in self.runs)

    def find(self, cfg: Config) -> Detection | None:
        """A detection that serves ``cfg`` (same value for everything it read), if any."""
        return next((d for d in self.runs if same_values(cfg, d.cfg, d.read)), None)

    def run(self, point: int, cfg: Config, out: Any, manifest: Manifest) -> Detection:
        """Run detection for a point, writing its ``edges``/``evidence`` and manifest into ``out``."""
        from cib.stages import run_detect

        start = time.perf_counter()
        n_warnings = len(manifest.warnings)
        cfg_t = tracked(cfg)
        result = run_detect(
            self.posts,
            out,
            cfg_t,
            manifest,
            time_resolution_s=self.time_resolution_s,
            engine_call=self.engines,
            cache=self.pairs,
            progress=self.progress,
        )
        det = Detection(
            index=len(self.runs),
            point=point,
            cfg=cfg,
            read=sorted(cfg_t.read),
            result=result,
            counts=manifest.counts.get("detect", {}),
            stage=manifest.stages.get("detect", {}),
            warnings=list(manifest.warnings[n_warnings:]),
            seconds=round(time.perf_counter() - start, 3),
        )
        self.runs.append(det)
        return det

    @staticmethod
    def record(det: Detection, manifest: Manifest) -> None:
        """Record a reused detection in a point's manifest as :func:`cib.stages.run_detect` would."""
        manifest.counts["detect"] = det.counts
        manifest.stages["detect"] = det.stage
        manifest.warnings += det.warnings
        manifest.timings_s["detect"] = det.seconds
