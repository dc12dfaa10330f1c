"""Progress of a run as it goes: which stage, which step within it, how far.

The library never prints. A stage, and the detectors and writers it calls,
tell a :data:`Progress` callback what they are doing, one :class:`Step` at a
time; whoever runs them decides what to show (``cib``'s command line: a live
display on a terminal, nothing but the stages' summaries in a log). Without a
callback nothing is told.

Progress is told, never asked: nothing a callback does or returns changes a
result. A callback may be called from worker threads (detection runs two
signals at once), so it must be safe to call from several threads, and quick.

What a run tells, stage by stage:

========  ==============================  ===============================================
stage     task                            steps and counts
========  ==============================  ===============================================
ingest    each file read                  ``reading`` (rows); the stage: rows read, then
                                          ``writing tables``
detect    each signal                     a windowed signal's steps (``traces`` …
                                          ``evidence``), ``co_similar_text``'s (``texts``
                                          … ``edges``, with bands and pairs counted),
                                          ``sync``'s (grids counted); the stage: signals
                                          done of all, then ``writing tables``
cluster   —                               ``fusing signals``, ``clustering``,
                                          ``scoring`` (clusters), ``bursts and events``,
                                          ``writing tables``
report    ``exports``, ``page``           the exports written one by one; the page's parts
========  ==============================  ===============================================

Every stage ends with a :class:`Step` whose ``finished`` is true and whose
``task`` is empty; a task ends the same way, with its own name. A signal's
next step is told as the one before it ends, so a signal that stops early (no
traces, no pairs) was told one step it did not run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Step", "Progress", "Teller", "counting"]


@dataclass(frozen=True)
class Step:
    """One piece of news from a running stage.

    Attributes
    ----------
    stage
        ``"ingest"``, ``"detect"``, ``"cluster"`` or ``"report"``.
    task
        What the news is about within the stage: a file, a signal, ``"exports"``
        …; empty for the stage as a whole.
    step
        The step the task (or the stage) has started; empty when only a count changed.
    done, total
        How far it has got, where known (``total`` is ``None`` when unknown).
    unit
        What ``done`` and ``total`` count (``"rows"``, ``"signals"``, ``"grids"`` …).
    finished
        The task (the stage, when ``task`` is empty) has finished: its last news.
    """

    stage: str
    task: str = ""
    step: str = ""
    done: int | None = None
    total: int | None = None
    unit: str = ""
    finished: bool = False


#: a callback told each :class:`Step` as a run goes
Progress = Callable[[Step], None]


class Teller:
    """How a stage or a task tells its steps: a :data:`Progress` bound to a stage and task.

    Parameters
    ----------
    progress
        The callback; ``None`` tells nobody.
    stage, task
        Filled into every :class:`Step` told.

    Examples
    --------
    >>> told = []
    >>> tell = Teller(told.append, "detect", "sync")
    >>> tell("grids", 1, 4, "grids")
    >>> tell.finished()
    >>> [(s.step, s.done, s.finished) for s in told]
    [('grids', 1, False), ('', None, True)]
    """

    __slots__ = ("progress", "stage", "task")

    def __init__(self, progress: Progress | None, stage: str, task: str = "") -> None:
        self.progress = progress
        self.stage = stage
        self.task = task

    def __call__(self, step: str = "", done: int | None = None, total: int | None = None, unit: str = "") -> None:
        """Tell that ``step`` has started, or (``step`` empty) how far the current one has got."""
        if self.progress is not None:
            self.progress(Step(self.stage, self.task, step, done, total, unit))

    def finished(self) -> None:
        """Tell that the task (the stage, without a task) has finished."""
        if self.progress is not None:
            self.progress(Step(self.stage, self.task, finished=True))

    def of(self, task: str) -> Teller:
        """The teller of a task of the same stage."""
        return Teller(self.progress, self.stage, task)


def counting(tell: Teller, total: int, unit: str) -> Progress | None:
    """A callback that passes every step on to ``tell``'s and counts the tasks finished.

    Each time a task of ``tell``'s stage finishes, the stage is told how many
    have, of ``total`` (``unit``: what they are); it is told ``0`` of ``total``
    first. Tasks may finish on several threads at once: the counts arrive in order.

    Returns
    -------
    Progress or None
        ``None`` when ``tell`` tells nobody.
    """
    progress = tell.progress
    if progress is None:
        return None
    lock = threading.Lock()
    done = 0
    tell("", 0, total, unit)

    def counted(step: Step) -> None:
        nonlocal done
        progress(step)
        if step.finished and step.task and step.stage == tell.stage:
            with lock:
                done += 1
                tell("", done, total, unit)

    return counted
