"""What the command line prints: a line per stage in a log, a live display on a terminal, nothing with --quiet."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cib.display import _Live, seconds_text
from cib.progress import Step

TIMED = re.compile(r"; (\d+\.\d s|\d+ min \d\d s)$")
TABLES = ("posts", "accounts", "rejects", "edges", "evidence", "fused_edges", "clusters", "account_scores", "bursts")


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cib", *args], capture_output=True, text=True, timeout=180)


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    from cib.synth import synth

    folder = tmp_path_factory.mktemp("cli-output") / "raw"
    synth(folder, n_posts=3000, seed=8, layout="generic")
    return folder


def _where(tmp: Path, name: str) -> tuple[str, ...]:
    return ("--name", "c", "--processed-dir", str(tmp / name / "p"), "--reports-dir", str(tmp / name / "r"))


def test_a_log_gets_one_timed_line_per_stage_and_nothing_animated(raw, tmp_path):
    proc = run("analyse", str(raw), *_where(tmp_path, "log"))
    assert proc.returncode == 0, proc.stderr
    assert "\x1b" not in proc.stderr and "\r" not in proc.stderr
    lines = proc.stderr.splitlines()
    heads = [line.split(":")[0] for line in lines]
    assert heads == ["ingest", "detect", "networks", "tables", "exports (flagged)", "report", "report"]
    for line in (lines[0], lines[1], lines[2], lines[5]):
        assert TIMED.search(line), line
    assert lines[-1] == f"report: {tmp_path / 'log' / 'r' / 'c' / 'index.html'}"


@pytest.mark.parametrize("quiet", ["--quiet", "-q"])
def test_quiet_prints_nothing_on_success(raw, tmp_path, quiet):
    proc = run("analyse", str(raw), *_where(tmp_path, "quiet"), quiet)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""
    assert (tmp_path / "quiet" / "r" / "c" / "index.html").is_file()


def test_each_stage_alone_is_quiet_too_and_errors_still_print(raw, tmp_path):
    folder = tmp_path / "s" / "c"
    steps = [
        ("ingest", str(raw), "--name", "c", "--processed-dir", str(tmp_path / "s")),
        ("detect", str(folder)),
        ("cluster", str(folder)),
        ("report", str(folder), "--reports-dir", str(tmp_path / "rs")),
        ("synth", str(tmp_path / "synth"), "--posts", "2000"),
    ]
    for step in steps:
        proc = run(*step, "--quiet")
        assert (proc.returncode, proc.stderr) == (0, ""), step
    assert (tmp_path / "rs" / "c" / "index.html").is_file()
    bad = run("detect", str(tmp_path / "nowhere"), "--quiet")
    assert bad.returncode == 2 and len(bad.stderr.splitlines()) == 1 and bad.stderr.startswith("error: ")


def test_quiet_keeps_the_warnings(raw, tmp_path):
    # two shares per window at most: the collection's busy objects become crowds, and say so
    proc = run("analyse", str(raw), *_where(tmp_path, "w"), "--until", "detect", "--set", "detect.max_object_shares_per_window=2", "-q")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines and all(line.startswith("warning: ") and "crowd" in line for line in lines)


def test_sweep_is_quiet(raw, tmp_path):
    proc = run("sweep", str(raw), "--grid", "resolution=0.5,1", "--set", "sweep.workers=1", *_where(tmp_path, "sw"), "-q")
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    assert (tmp_path / "sw" / "p" / "c" / "sweep.parquet").is_file()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_display_runs_and_the_tables_are_those_of_a_quiet_run(raw, tmp_path, monkeypatch):
    from cib import cli

    screen = _Terminal()
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setattr(sys, "argv", ["cib", "analyse", str(raw), *_where(tmp_path, "tty")])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == 0
    shown = screen.getvalue()
    assert "\x1b[" in shown  # drawn live
    for head in ("ingest: ", "detect: ", "networks: ", "report: "):
        assert head in shown
    assert run("analyse", str(raw), *_where(tmp_path, "plain"), "-q").returncode == 0
    for table in TABLES:
        drawn = (tmp_path / "tty" / "p" / "c" / f"{table}.parquet").read_bytes()
        assert drawn == (tmp_path / "plain" / "p" / "c" / f"{table}.parquet").read_bytes(), table


class _Bar:
    """Stands in for rich's progress bar: the rows it holds."""

    def __init__(self) -> None:
        self.rows: dict[int, tuple[str, str]] = {}
        self.added: list[str] = []

    def add_task(self, description: str, total: None, count: str) -> int:
        self.added.append(description)
        self.rows[len(self.added)] = (description, count)
        return len(self.added)

    def update(self, task: int, description: str, count: str) -> None:
        self.rows[task] = (description, count)

    def remove_task(self, task: int) -> None:
        del self.rows[task]

    def refresh(self) -> None:
        pass


def test_live_rows_follow_the_steps_and_go_with_their_stage():
    bar = _Bar()
    live = _Live(bar)
    live(Step("detect", "", "", 0, 9, "signals"))
    live(Step("detect", "co_similar_text", "candidates", 8, 40, "bands"))
    assert sorted(bar.rows.values()) == [("  co_similar_text · candidates", "8/40 bands"), ("detect", "0/9 signals")]
    live(Step("detect", "co_similar_text", "verify"))  # a new step: the bands are done with
    live(Step("detect", "sync", "grid 60s", 1, 4, "grids"))
    assert ("  co_similar_text · verify", "") in bar.rows.values() and ("  sync · grid 60s", "1/4 grids") in bar.rows.values()
    live(Step("detect", "sync", finished=True))
    assert len(bar.rows) == 2
    live(Step("detect", finished=True))
    assert bar.rows == {}
    live(Step("cluster", "", "scoring", 1234, None, "clusters"))
    assert list(bar.rows.values()) == [("cluster · scoring", "1,234 clusters")]


def test_durations_read_in_seconds_then_minutes():
    assert [seconds_text(s) for s in (0.04, 3.61, 59.9, 60.2, 164.4)] == ["0.0 s", "3.6 s", "59.9 s", "1 min 00 s", "2 min 44 s"]
