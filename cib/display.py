"""What the command line shows while a command runs.

On a terminal (standard error a tty): a live display of what the stages tell
(:mod:`cib.progress`): a row per running stage with its step, counts and
elapsed time, and a row per task (a file read, a signal) under it; the rows
go when the stage ends, and its summary line stays. Elsewhere (a log, CI):
only the summary lines, one per stage as it finishes, with its time; nothing
animated. With ``--quiet``: nothing but warnings (and errors, which
:func:`cib.cli.main` prints).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import typer

from cib.printable import printable
from cib.progress import Progress, Step

__all__ = ["Display", "display", "seconds_text", "network_summary", "detect_summary", "null_result_lines"]


def network_summary(net: Any) -> str:
    """The network stage in one line: clusters by label, accounts flagged."""
    from cib.network.labels import LABEL_SHORT  # loaded with the tables, not at the command line's start

    clusters = net.scores.clusters
    by_label = dict(clusters.group_by("label").len().iter_rows()) if clusters.height else {}
    flagged = int(net.scores.account_scores["flagged"].sum()) if net.scores.account_scores.height else 0
    labels = ", ".join(f"{by_label.get(k, 0)} {words}" for k, words in LABEL_SHORT.items())
    return f"networks: {clusters.height:,} found ({labels}); {flagged:,} accounts flagged"


def seconds_text(seconds: float) -> str:
    """A duration as people read it: ``3.6 s``, ``2 min 04 s``."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = int(round(seconds))
    return f"{whole // 60} min {whole % 60:02d} s"


def detect_summary(manifest: Any) -> str:
    """The detection stage's summary line: edges, the accounts in them, edges per signal."""
    counts = manifest.counts["detect"]
    parts = ", ".join(f"{k} {v:,}" for k, v in counts["edges_by_signal"].items()) or "none"
    return f"detect: {counts['edges']:,} edges over {counts['accounts_in_edges']:,} accounts ({parts})"


def null_result_lines(run: Any) -> list[str]:
    """Why few edges or no network survived, and the commands to try (nothing when enough did).

    Parameters
    ----------
    run
        A :class:`cib.pipeline.Run` after its cluster stage (its manifest, configuration,
        input and networks).
    """
    # imported here: the command line loads no table library before its process settings are in place
    from cib.report.filters import null_result

    clusters = run.network.scores.clusters.height if run.network is not None else 0
    found = null_result(
        run.manifest.stages.get("detect") or {},
        source=str(run.source),
        clusters=clusters,
        few_edges=int(run.cfg["report.few_edges"]),
        signals_run=[str(s) for s in run.cfg["detect.signals"]],
    )
    if found is None:
        return []
    lines = [f"few results: {'; '.join(found['lines'])}"]
    lines += [f"  to {t['text']}: {t['command']}" for t in found["tries"]]
    return lines


def _count(step: Step) -> str:
    if step.done is None:
        return ""
    done = f"{step.done:,}" if step.total is None else f"{step.done:,}/{step.total:,}"
    return f"{done} {step.unit}".rstrip()


@dataclass
class _Row:
    """One row of the live display: a stage (``task`` empty) or a task within it."""

    id: Any
    label: str
    step: str = ""
    count: str = ""

    @property
    def description(self) -> str:
        """What the row says: its stage or task, and the step it is at (a file's name shown, never obeyed)."""
        return printable(f"{self.label} · {self.step}" if self.step else self.label)


class _Live:
    """The live rows on a terminal, updated from any thread."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.rows: dict[tuple[str, str], _Row] = {}
        self.lock = threading.Lock()

    def __call__(self, step: Step) -> None:
        with self.lock:
            key = (step.stage, step.task)
            if step.finished:
                for k in [k for k in self.rows if k == key or (not step.task and k[0] == step.stage)]:
                    self.bar.remove_task(self.rows.pop(k).id)
                self.bar.refresh()  # lines printed next must not bring the rows back
                return
            if step.task and (step.stage, "") not in self.rows:
                self._add((step.stage, ""), _Row(None, step.stage))
            row = self.rows.get(key) or _Row(None, f"  {step.task}" if step.task else step.stage)
            if step.step:
                row.step, row.count = step.step, ""  # a new step: the last one's count is done with
            if step.done is not None:
                row.count = _count(step)
            if row.id is None:
                self._add(key, row)
            else:
                self.bar.update(row.id, description=row.description, count=row.count)

    def _add(self, key: tuple[str, str], row: _Row) -> None:
        row.id = self.bar.add_task(row.description, total=None, count=row.count)
        self.rows[key] = row


class Display:
    """Where a command's progress and summary lines go.

    Parameters
    ----------
    quiet
        Show nothing but warnings.
    progress
        The callback to hand the library (``None``: nothing live to show).
    console
        Prints above the live rows, when there are some.
    """

    def __init__(self, quiet: bool = False, progress: Progress | None = None, console: Any = None) -> None:
        self.quiet = quiet
        self.progress = progress
        self.console = console
        self.last = time.perf_counter()

    def lap(self) -> str:
        """The time since the display started or since the last lap, as text."""
        now = time.perf_counter()
        spent, self.last = now - self.last, now
        return seconds_text(spent)

    def say(self, text: str) -> None:
        """A summary line (nothing with ``--quiet``)."""
        if not self.quiet:
            self._print(text)

    def warn(self, text: str) -> None:
        """A warning line: shown even with ``--quiet``, since it says a result is not what was asked."""
        self._print(f"warning: {text}")

    def _print(self, text: str) -> None:
        text = printable(text)  # summaries and warnings name files and objects from the data
        if self.console is not None:
            self.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            typer.echo(text, err=True)


@contextmanager
def display(quiet: bool = False) -> Iterator[Display]:
    """The display of one command: live rows on a terminal, plain lines elsewhere, nearly nothing when quiet."""
    if quiet or not sys.stderr.isatty():
        yield Display(quiet)
        return
    from rich.console import Console
    from rich.progress import Progress as Bar
    from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    # no markup: a file named "a[/b].csv" is a name to show, not a closing tag
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        TextColumn("{task.fields[count]}", markup=False),
        TimeElapsedColumn(),
    )
    # a few frames a second are enough for a clock that counts seconds
    with Bar(*columns, console=console, transient=True, refresh_per_second=4) as bar:
        yield Display(False, _Live(bar), console)
