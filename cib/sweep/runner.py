"""Where a grid point's network stage runs: here, in a worker, or not at all (reused).

Two points whose detections gave equal tables share the network stage when
every parameter it read at the first point (see
:class:`~cib.sweep.tracking.TrackingConfig`) has the same value at the second:
the second point gets the first one's tables, rewritten with its own
parameters (byte for byte what its own run would write). A typical case: two
windows finer than the data's time resolution are both widened to it, so they
detect and cluster the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import polars as pl

from cib.config import Config
from cib.errors import CibError
from cib.sweep.points import PointJob, PointOutcome, reuse_point, run_point
from cib.sweep.tracking import same_values

__all__ = ["Runner"]


class Runner:
    """Runs the network stage of points, here or in workers, reusing equivalent points.

    Two points whose detection gave equal tables share the network stage when
    every parameter it read at the first (see :class:`~cib.sweep.tracking.TrackingConfig`)
    has the same value at the second.
    """

    def __init__(self, configs: Mapping[int, Config], posts: pl.DataFrame, accounts: pl.DataFrame,
                 labels: str | None, workers: int, done: Callable[[PointOutcome], None]) -> None:
        self.configs, self.posts, self.accounts, self.labels, self.done = configs, posts, accounts, labels, done
        self.pool = None
        if workers > 1:
            from cib.sweep.workers import WorkerPool

            self.pool = WorkerPool(workers - 1)  # this process is the other one
        self._detections: list[tuple[int, Any]] = []
        self._finished: dict[int, list[PointOutcome]] = {}
        self._folders: dict[int, str] = {}
        self._canon: dict[int, int] = {}
        self._inflight: dict[int, int] = {}
        self._waiting: dict[int, list[PointJob]] = {}
        self._det: dict[int, Any] = {}

    def same_detection(self, gid: int, det: Any) -> int:
        """The first detection setting whose tables equal ``det``'s (``gid`` itself when none)."""
        for other_gid, other in self._detections:
            if (other.edges.height == det.edges.height and other.evidence.height == det.evidence.height
                    and other.edges.equals(det.edges) and other.evidence.equals(det.evidence)):
                return other_gid
        self._detections.append((gid, det))
        return gid

    def add(self, job: PointJob, same: int, det: Any) -> None:
        """Run a point, reuse an equivalent one, or queue it."""
        self._canon[job.point_id] = same
        self._folders[job.point_id] = job.folder
        self._det[job.point_id] = det
        self._dispatch(job)

    def _source(self, job: PointJob) -> PointOutcome | None:
        mine = self.configs[job.point_id]
        for other in self._finished.get(self._canon[job.point_id], []):
            theirs = self.configs[other.point_id]
            if same_values(mine, theirs, other.read):
                return other
        return None

    def _dispatch(self, job: PointJob) -> None:
        same = self._canon[job.point_id]
        det = self._det.pop(job.point_id, None)
        source = self._source(job)
        if source is not None:
            self.done(reuse_point(job, source, self._folders[source.point_id]))
        elif self._inflight.get(same):
            self._waiting.setdefault(same, []).append(job)  # an equivalent point is running in a worker
        elif self.pool is not None and self.pool.idle():
            self.pool.submit(job)
            self._inflight[same] = self._inflight.get(same, 0) + 1
        else:
            # this process is a worker too: it runs the point itself when the others are busy
            self._finish(run_point(job, posts=self.posts, accounts=self.accounts, detected=det), remote=False)
            self.poll()

    def _finish(self, outcome: PointOutcome, *, remote: bool) -> None:
        same = self._canon[outcome.point_id]
        self._finished.setdefault(same, []).append(outcome)
        self.done(outcome)
        if remote:
            self._inflight[same] -= 1
            for job in self._waiting.pop(same, []):
                self._dispatch(job)

    def _collect(self, results: list[tuple[str, Any]]) -> None:
        for status, value in results:
            if status == "error":
                raise CibError(value)
            if status != "ok":
                raise RuntimeError(f"a sweep worker failed:\n{value}")
            self._finish(value, remote=True)

    def poll(self) -> None:
        """Take in the points workers have finished."""
        if self.pool is not None:
            self._collect(self.pool.poll(0))

    def drain(self) -> None:
        """Wait for every point."""
        if self.pool is not None:
            while self.pool.pending():
                self._collect(self.pool.poll(None))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
