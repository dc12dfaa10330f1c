"""A small pool of worker processes for grid points.

Each worker is ``python -m cib.sweep.workers``: a fresh interpreter that never
imports the caller's main module (unlike :mod:`multiprocessing`'s spawn, which
re-runs a script without an ``if __name__ == "__main__"`` guard) and never
forks a process holding Polars' threads. The parent writes each job as a pickle
and sends its path on the worker's stdin; the worker writes the outcome beside
it and answers with one line on its protocol pipe.
"""

from __future__ import annotations

import os
import pickle
import selectors
import subprocess
import sys
import tempfile
import traceback
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["WorkerPool", "main"]


class WorkerPool:
    """Run :func:`cib.sweep.points.run_point_safely` on jobs in ``n`` worker processes.

    Use as a context manager; :meth:`submit` queues a job, :meth:`poll` returns
    finished outcomes without blocking (or waits up to ``timeout`` s), and
    :meth:`drain` waits for all of them.
    """

    def __init__(self, n: int) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="cib-sweep-")
        root = str(Path(__file__).resolve().parents[2])
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self._procs = [
            subprocess.Popen(
                [sys.executable, "-m", "cib.sweep.workers"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                bufsize=1,
                env=env,
            )
            for _ in range(n)
        ]
        self._sel = selectors.DefaultSelector()
        for i, proc in enumerate(self._procs):
            assert proc.stdout is not None
            self._sel.register(proc.stdout, selectors.EVENT_READ, i)
        self._busy: dict[int, str] = {}
        self._queue: deque[str] = deque()
        self._count = 0

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, job: Any) -> None:
        """Queue one job."""
        path = os.path.join(self._tmp.name, f"job-{self._count}.pkl")
        self._count += 1
        with open(path, "wb") as fh:
            pickle.dump(job, fh, protocol=pickle.HIGHEST_PROTOCOL)
        self._queue.append(path)
        self._dispatch()

    def _dispatch(self) -> None:
        for i, proc in enumerate(self._procs):
            if not self._queue:
                return
            if i in self._busy:
                continue
            path = self._queue.popleft()
            assert proc.stdin is not None
            proc.stdin.write(path + "\n")
            proc.stdin.flush()
            self._busy[i] = path

    def idle(self) -> int:
        """Workers with nothing to do (and no job waiting for them)."""
        return max(0, len(self._procs) - len(self._busy) - len(self._queue))

    def pending(self) -> int:
        """Jobs queued or running."""
        return len(self._queue) + len(self._busy)

    def poll(self, timeout: float | None = 0) -> list[tuple[str, Any]]:
        """Outcomes of the jobs finished so far (``(status, value)`` as ``run_point_safely`` returns)."""
        out = []
        for key, _ in self._sel.select(timeout):
            i = key.data
            line = key.fileobj.readline()  # type: ignore[union-attr]
            path = self._busy.pop(i, None)
            if not line or path is None:
                raise RuntimeError(f"sweep worker {i} stopped unexpectedly (exit code {self._procs[i].poll()})")
            with open(path + ".out", "rb") as fh:
                out.append(pickle.load(fh))
        self._dispatch()
        return out

    def drain(self) -> Iterator[tuple[str, Any]]:
        """Wait for every queued job; yield outcomes as they come."""
        while self.pending():
            yield from self.poll(None)

    def close(self) -> None:
        """Stop the workers and remove the job files."""
        for proc in self._procs:
            try:
                if proc.stdin:
                    proc.stdin.close()
            except OSError:
                pass
        for proc in self._procs:
            try:
                proc.wait(timeout=30 if not self._busy else 1)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            if proc.stdout:
                proc.stdout.close()
        self._sel.close()
        self._tmp.cleanup()


def main() -> None:
    """Worker loop: read job paths on stdin, run each, answer on the protocol pipe."""
    # Anything a library prints goes to stderr; the real stdout carries only the protocol.
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    from cib.sweep.points import preload, run_point_safely

    preload()  # while the parent ingests and detects
    for line in sys.stdin:
        path = line.strip()
        if not path:
            continue
        try:
            with open(path, "rb") as fh:
                job = pickle.load(fh)
            result: tuple[str, Any] = run_point_safely(job)
        except Exception:
            result = ("crash", traceback.format_exc())
        with open(path + ".out", "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        proto.write("done\n")
        proto.flush()
    sys.stderr.flush()
    # Every outcome is written and announced; tearing the interpreter down (Polars' threads,
    # thousands of modules) would only keep the sweep waiting, as multiprocessing's children skip it.
    os._exit(0)


if __name__ == "__main__":
    main()
