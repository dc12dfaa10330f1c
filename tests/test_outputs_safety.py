"""Where cib writes: a collection name names one folder, and no output folder touches the input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cib.errors import CibError
from cib.stages import Outputs, check_name

ROOT = Path(__file__).resolve().parents[1]
ROWS = "post_id,account_id,created_at\n1,a,2024-01-01T00:00:00Z\n2,b,2024-01-01T00:00:05Z\n"


def cib(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    # this checkout's cib, from whichever folder the command runs in
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "cib", *args], capture_output=True, text=True, cwd=cwd, timeout=120, env=env)


def _tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize(
    "name",
    ["x" * 101, "../escape", "/tmp/abs", "a/b", "a\\b", "..", ".", " ", "a\tb", "a\x1b[31mred", "a\u202eb", "a\u200bb", "c:x", "a\nb"],
)
def test_a_name_that_is_no_plain_folder_name_is_refused(name):
    with pytest.raises(CibError) as err:
        Outputs.for_collection(name, "p", "r")
    line = err.value.one_line()
    assert line.startswith("collection name '") and "must be a plain folder name of 1 to 100 characters" in line
    assert "\x1b" not in line and "\t" not in line and "\u202e" not in line  # shown escaped
    assert line.endswith("give another with --name (by default the input's folder or file name)")


def test_plain_names_are_kept():
    for name in ("x" * 100, "выборы-2024", "demo.v2", "a b", "🙂"):
        assert check_name(name) == name
    out = Outputs.for_collection("demo", "p", "r")
    assert out == Outputs(Path("p/demo"), Path("r/demo"))


@pytest.mark.parametrize("name", ["x" * 300, "../escape", "..", "a\x1b]0;title\x07b"])
def test_the_command_line_refuses_a_bad_name_in_one_line_and_writes_nothing(tmp_path, name):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "p.csv").write_text(ROWS)
    out = tmp_path / "out" / "processed"
    out.mkdir(parents=True)
    proc = cib("analyse", str(tmp_path / "raw"), "--name", name, "--processed-dir", str(out), "--reports-dir", str(out))
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: collection name '"), proc.stderr
    assert "\x1b" not in proc.stderr and "\x07" not in proc.stderr
    assert _tree(tmp_path) == ["out", "out/processed", "raw", "raw/p.csv"]


@pytest.mark.parametrize(
    "source, flags, words",
    [
        ("raw", ["--processed-dir", "raw/out"], "raw/out/raw: the output folder is inside the input folder {raw} — choose another --processed-dir"),
        ("raw", ["--reports-dir", "raw"], "raw/raw: the output folder is inside the input folder {raw} — choose another --reports-dir"),
        ("raw", ["--processed-dir", ".", "--name", "raw"], "raw: the output folder is inside the input folder {raw} — choose another --processed-dir"),
        ("raw", ["--processed-dir", ".", "--name", "holder"], None),
        ("raw/p.csv", ["--processed-dir", ".", "--name", "raw"], "raw: the output folder holds the input {raw}/p.csv — choose another --processed-dir or --name"),
        ("raw/p.csv", ["--reports-dir", ".", "--name", "raw"], "raw: the output folder holds the input {raw}/p.csv — choose another --reports-dir or --name"),
        ("raw/sub", ["--processed-dir", ".", "--name", "raw"], "raw: the output folder holds the input {raw}/sub — choose another --processed-dir or --name"),
    ],
)
def test_no_output_folder_lies_inside_the_input_or_holds_it(tmp_path, source, flags, words):
    (tmp_path / "raw" / "sub").mkdir(parents=True)
    (tmp_path / "raw" / "p.csv").write_text(ROWS)
    (tmp_path / "raw" / "sub" / "q.csv").write_text(ROWS)
    before = _tree(tmp_path / "raw")
    defaults = {"--processed-dir": "processed", "--reports-dir": "reports"}
    given = dict(zip(flags[::2], flags[1::2], strict=True))
    args = [a for k, v in {**defaults, **given}.items() for a in (k, v)]
    proc = cib("analyse", source, *args, "--until", "ingest", "-q", cwd=tmp_path)
    if words is None:  # beside the input, not inside it: allowed
        assert proc.returncode == 0, proc.stderr
        assert (tmp_path / "holder" / "posts.parquet").is_file()
    else:
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr == f"error: {words.format(raw=(tmp_path / 'raw').resolve())}\n"
    assert _tree(tmp_path / "raw") == before


def test_a_sweep_checks_its_name_and_folders_too(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "p.csv").write_text(ROWS)
    proc = cib("sweep", "raw", "--grid", "resolution=1,2", "--processed-dir", ".", "--name", "raw", "-q", cwd=tmp_path)
    assert proc.returncode == 2 and "raw: the output folder is inside the input folder" in proc.stderr, proc.stderr
    proc = cib("sweep", "raw", "--grid", "resolution=1,2", "--name", "..", "-q", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("error: collection name '..'"), proc.stderr
    assert _tree(tmp_path) == ["raw", "raw/p.csv"]
