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
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.config import Config
from cib.errors import CibError
from cib.sweep.points import PointJob, PointOutcome, reuse_point, run_point
from cib.sweep.tracking import same_values

if TYPE_CHECKING:
    from cib.sweep.workers import WorkerPool

__all__ = ["Runner"]


class Runner:
    """Runs the network stage of points, here or in workers, reusing equivalent points.

    Points are taken in the order they are added. While the sweep still
    detects (:meth:`add`), points only go to idle workers; this process runs
    points itself in :meth:`drain`, once every detection is done, so that
    the workers are fed while it detects.

    Two points whose detection gave equal tables share the network stage when
    every parameter it read at the first (see :class:`~cib.sweep.tracking.TrackingConfig`)
    has the same value at the second. A point therefore waits while an
    earlier one with the same detection, not finished yet, could still turn
    out to be its source; what is reused does not depend on the number of
    processes.
    """

    def __init__(self, configs: Mapping[int, Config], posts: pl.DataFrame, accounts: pl.DataFrame,
                 labels: str | None, pool: WorkerPool | None, done: Callable[[PointOutcome], None]) -> None:
        self.configs, self.posts, self.accounts, self.labels, self.done = configs, posts, accounts, labels, done
        self.pool = pool  # this process is one more worker
        self._detections: list[tuple[int, Any]] = []
        self._finished: dict[int, list[PointOutcome]] = {}
        self._folders: dict[int, str] = {}
        self._canon: dict[int, int] = {}
        self._pending: list[PointJob] = []
        self._running: set[int] = set()
        self._det: dict[int, Any] = {}
        self._always_read: set[str] | None = None

    def same_detection(self, gid: int, det: Any) -> int:
        """The first detection setting whose tables equal ``det``'s (``gid`` itself when none)."""
        for other_gid, other in self._detections:
            if (other.edges.height == det.edges.height and other.evidence.height == det.evidence.height
                    and other.edges.equals(det.edges) and other.evidence.equals(det.evidence)):
                return other_gid
        self._detections.append((gid, det))
        return gid

    def add(self, job: PointJob, same: int, det: Any) -> None:
        """Queue a point; reuse an equivalent one or hand it to an idle worker when possible."""
        self._canon[job.point_id] = same
        self._folders[job.point_id] = job.folder
        self._det[job.point_id] = det
        self._pending.append(job)
        self._pump(local=False)

    def drain(self) -> None:
        """Run every queued point (here and in the workers) and wait for all of them."""
        while self._pending or self._running:
            if not self._pump(local=True):
                assert self.pool is not None and self._running, "a sweep point waits for nothing"
                self._collect(self.pool.poll(None))

    def _source(self, job: PointJob) -> PointOutcome | None:
        """The first finished point (by id, as a serial run finds it) whose network stage this one can take."""
        mine = self.configs[job.point_id]
        finished = sorted(self._finished.get(self._canon[job.point_id], []), key=lambda o: o.point_id)
        return next((o for o in finished if same_values(mine, self.configs[o.point_id], o.read)), None)

    def _blocked(self, job: PointJob) -> bool:
        """Whether an unfinished earlier point with the same detection could still be this one's source.

        It cannot when the two differ in a parameter that every finished
        network stage read (``cluster.resolution``, say): that one reads it
        too. Before any has finished, every such point blocks.
        """
        mine, canon, names = self.configs[job.point_id], self._canon[job.point_id], self._always_read
        earlier = [j.point_id for j in self._pending if j.point_id < job.point_id] + sorted(self._running)
        return any(
            self._canon[other] == canon and (names is None or same_values(mine, self.configs[other], names))
            for other in earlier
        )

    def _pump(self, *, local: bool) -> bool:
        """Start the queued points that can start; with ``local``, run one here. Whether anything started."""
        started = False
        self.poll()
        progress = True
        while progress:
            progress = False
            for job in list(self._pending):
                if self._blocked(job):
                    continue
                source = self._source(job)
                if source is None and not (self.pool is not None and self.pool.idle()) and not local:
                    continue
                self._pending.remove(job)
                det = self._det.pop(job.point_id, None)
                if source is not None:
                    self.done(reuse_point(job, source, self._folders[source.point_id]))
                elif self.pool is not None and self.pool.idle():
                    self.pool.submit(job)
                    self._running.add(job.point_id)
                else:
                    self._finish(run_point(job, posts=self.posts, accounts=self.accounts, detected=det))
                    self.poll()
                started = progress = True
                break  # what finished may unblock earlier points: start again from the first
        return started

    def _finish(self, outcome: PointOutcome) -> None:
        same = self._canon[outcome.point_id]
        self._finished.setdefault(same, []).append(outcome)
        read = set(outcome.read)
        self._always_read = read if self._always_read is None else self._always_read & read
        self._running.discard(outcome.point_id)
        self.done(outcome)

    def _collect(self, results: list[tuple[str, Any]]) -> None:
        for status, value in results:
            if status == "error":
                raise CibError(value)
            if status != "ok":
                raise RuntimeError(f"a sweep worker failed:\n{value}")
            self._finish(value)

    def poll(self) -> None:
        """Take in the points workers have finished."""
        if self.pool is not None:
            self._collect(self.pool.poll(0))
