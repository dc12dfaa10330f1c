"""When the system refuses (no space, no permission, a name too long): one line naming the path, exit 2, nothing half-written."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from cib.errors import CibError
from cib.files import os_errno, os_failure, replacing
from cib.report.build import build_report
from cib.report.export import export_all
from tests.report_fixtures import build_collection

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "formats"
FULL = "No space left on device (os error 28)"  # how Polars reports a full disk


def _cib(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "cib", *args], capture_output=True, text=True, cwd=cwd, timeout=120, env=env)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_replacing_writes_whole_files_and_leaves_the_old_one_when_the_disk_fills(tmp_path):
    path = tmp_path / "nodes.csv"
    with replacing(path) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".nodes.csv.")
        tmp.write_text("old\n")
    assert _files(tmp_path) == {"nodes.csv": b"old\n"}
    with pytest.raises(CibError) as err, replacing(path) as tmp:
        tmp.write_text("half of the ne")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert err.value.one_line() == f"{path}: no space left on device — free some space, or choose another output folder"
    assert _files(tmp_path) == {"nodes.csv": b"old\n"}  # the old file whole, no temporary left
    with pytest.raises(KeyError), replacing(path) as tmp:  # not the system's failure: left as it is
        tmp.write_text("x")
        raise KeyError("a bug")
    assert _files(tmp_path) == {"nodes.csv": b"old\n"}


@pytest.mark.parametrize(
    "exc, code, line",
    [
        (OSError(errno.EACCES, "Permission denied", "/out/p"), 13, "/out/p: permission denied — check the permissions, or choose another output folder"),
        (PermissionError("Permission denied (os error 13): /out/x.csv"), 13, "/out/x.csv: permission denied — check the permissions"),
        (pl.exceptions.ComputeError(f"parquet: File out of specification: underlying IO error: {FULL}"), 28, "no space left on device — free some space"),
        (OSError(errno.EROFS, "Read-only file system", "/ro"), 30, "/ro: read-only file system — the file system is read-only: choose another output folder"),
        (OSError(errno.ENAMETOOLONG, "File name too long", "/x/" + "d" * 300), 36, "File name too long"[:0] + "/x/" + "d" * 300 + ": file name too long — use a shorter --name or a shorter folder"),
        (ValueError("os error 28"), None, None),  # only the system's own errors, and Polars' and Arrow's reports of them
        (KeyError("x"), None, None),
    ],
)
def test_failures_of_the_system_are_read_from_every_library(exc, code, line):
    assert os_errno(exc) == code
    failure = os_failure(exc)
    assert (failure is None) if line is None else line in failure.one_line()


def _full_after(path: str | Path, part: str) -> None:
    """Write ``part`` of a file, then fail as a full disk does (as Polars says it)."""
    with open(path, "w") as fh:
        fh.write(part)
    raise OSError(FULL)


def test_a_full_disk_leaves_every_export_as_it_was(tmp_path, monkeypatch):
    folder = build_collection(tmp_path / "p")
    export_all(folder)
    before = _files(folder)
    monkeypatch.setattr(pl.DataFrame, "write_csv", lambda self, file, **kw: _full_after(file, "Id,Label\n20"))
    with pytest.raises(CibError) as err:
        export_all(folder)
    assert err.value.one_line().startswith(f"{folder / 'nodes.csv'}: no space left on device")
    assert _files(folder) == before  # GEXF and GraphML were replaced whole with the same bytes; no CSV was touched


def test_a_full_disk_half_way_through_a_graph_file_leaves_the_old_one(tmp_path, monkeypatch):
    from cib.report import xmlgraph

    folder = build_collection(tmp_path / "p")
    export_all(folder)
    before = _files(folder)

    def slices(frame, line):
        yield "<node"
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(xmlgraph, "_slices", slices)
    with pytest.raises(CibError, match=f"^{folder / 'graph.gexf'}: no space left on device"):
        export_all(folder)
    assert _files(folder) == before


def test_a_full_disk_leaves_the_report_page_as_it_was(tmp_path, monkeypatch):
    folder = build_collection(tmp_path / "p")
    page = build_report(folder, tmp_path / "r")
    before = _files(tmp_path / "r")
    monkeypatch.setattr(Path, "write_text", lambda self, text, **kw: _full_after(self, text[:100]))
    with pytest.raises(CibError, match=f"^{page}: no space left on device"):
        build_report(folder, tmp_path / "r")
    assert _files(tmp_path / "r") == before


def test_the_command_line_says_which_path_the_system_refused(tmp_path, monkeypatch):
    from cib import cli

    lines: list[str] = []
    monkeypatch.setattr(cli, "echo_err", lines.append)
    out = tmp_path / "out"

    def refused(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refused)
    monkeypatch.setattr(sys, "argv", ["cib", "ingest", str(DATA / "generic_nasty.csv"), "--processed-dir", str(out), "-q"])
    with pytest.raises(SystemExit) as done:
        cli.main()
    assert done.value.code == 2
    # the first folder made is the processed folder, for the collection's lock
    assert lines == [f"error: {out}: permission denied — check the permissions, or choose another output folder"]


@pytest.mark.parametrize(
    "flags, words",
    [
        (["--processed-dir", "{tmp}/" + "d" * 300], "{tmp}/" + "d" * 300 + ": file name too long — use a shorter --name or a shorter folder"),
        (["--processed-dir", "{tmp}/a-file"], "{tmp}/a-file: file exists — a file stands where a folder is needed"),
        (["--format", "cnt_csv"], "generic_nasty.csv: not a cnt_csv file (csv; columns: post_id, account_id"),
    ],
)
def test_real_refusals_are_one_line_and_exit_2(tmp_path, flags, words):
    (tmp_path / "a-file").write_text("")
    flags = [f.format(tmp=tmp_path) for f in flags]
    args = ["--processed-dir", str(tmp_path / "out"), "--reports-dir", str(tmp_path / "rep"), *flags]
    proc = _cib("analyse", str(DATA / "generic_nasty.csv"), "--name", "n", *args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ") and words.format(tmp=tmp_path) in proc.stderr
    assert "bug" not in proc.stderr
    # nothing written but the collection's lock, where the processed folder could be made
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert left in (["a-file"], ["a-file", "out/.n.lock"])
