"""The command line: exit codes and one-line messages for files that cannot be read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "formats"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cib", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    tmp.mkdir()
    (tmp / "empty.csv").write_text("")
    (tmp / "binary.csv").write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" * 20)
    (tmp / "unknown.csv").write_text("a,b\n1,2\n")
    (tmp / "missing.csv").write_text("post_id,account_id,text\n1,a,x\n")
    parquet = tmp / "whole.parquet"
    import polars as pl

    pl.DataFrame({"post_id": ["1"] * 1000, "account_id": ["a"] * 1000, "created_at": ["2024-01-01"] * 1000}).write_parquet(parquet)
    (tmp / "truncated.parquet").write_bytes(parquet.read_bytes()[:300])
    parquet.unlink()
    return {
        "empty": (tmp / "empty.csv", "the file is empty"),
        "binary": (tmp / "binary.csv", "a binary file"),
        "unknown": (tmp / "unknown.csv", "not a format cib knows"),
        "missing": (tmp / "missing.csv", "required column(s) missing: created_at"),
        "truncated": (tmp / "truncated.parquet", "cannot be read (truncated or damaged)"),
        "absent": (tmp / "nope.csv", "no such file or folder"),
    }


@pytest.mark.parametrize("case", ["empty", "binary", "unknown", "missing", "truncated", "absent"])
def test_unreadable_file_exits_2_with_one_line(tmp_path, case):
    path, words = _bad_files(tmp_path / "in")[case]
    out = tmp_path / "out"
    proc = run("ingest", str(path), "--processed-dir", str(out))
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: {path}")
    assert words in lines[0]
    assert "Traceback" not in proc.stderr
    if case in {"unknown", "missing"}:
        assert "generic" in lines[0]  # says which formats are accepted
    assert not (out / path.stem / "posts.parquet").exists()


def test_ingest_writes_tables_and_reconciling_manifest(tmp_path):
    proc = run("ingest", str(DATA / "generic_nasty.csv"), "--name", "n", "--processed-dir", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert "7 rows in → 3 posts, 3 rejected, 1 duplicates removed" in proc.stderr
    folder = tmp_path / "n"
    for table in ("posts", "accounts", "rejects"):
        assert (folder / f"{table}.parquet").is_file()
    manifest = json.loads((folder / "manifest.json").read_text())
    counts = manifest["counts"]["ingest"]
    assert (counts["rows_in"], counts["posts"], counts["rejects"], counts["duplicates_removed"]) == (7, 3, 3, 1)
    assert counts["reconciled"] is True
    (entry,) = manifest["files"]
    assert entry["sha256"] and entry["size"] == (DATA / "generic_nasty.csv").stat().st_size
    assert manifest["parameters"]["run.seed"] == 42


def test_bad_config_value_exits_2(tmp_path):
    proc = run("ingest", str(DATA / "generic_nasty.csv"), "--set", "ingest.raw_chars=lots", "--processed-dir", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.startswith("error: flag: ingest.raw_chars = 'lots' is not a valid int")


def test_unknown_parameter_suggests_the_right_name(tmp_path):
    proc = run("ingest", str(DATA / "generic_nasty.csv"), "--set", "raw_chars=5", "--processed-dir", str(tmp_path))
    assert proc.returncode == 2
    assert "did you mean ingest.raw_chars" in proc.stderr


def test_refuses_to_write_inside_the_input_folder(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "p.csv").write_text("post_id,account_id,created_at\n1,a,2024-01-01\n")
    proc = run("ingest", str(tmp_path / "raw"), "--processed-dir", str(tmp_path / "raw" / "out"))
    assert proc.returncode == 2
    assert "inside the input folder" in proc.stderr
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["p.csv"]


def test_formats_lists_every_format():
    proc = run("formats")
    assert proc.returncode == 0
    from cib.ingest.registry import FORMATS

    names = [line.split()[0] for line in proc.stdout.strip().splitlines()]
    assert names == [f.name for f in FORMATS]


def test_analyse_end_to_end_is_deterministic(tmp_path):
    from cib.synth import synth

    synth(tmp_path / "raw", n_posts=5_000, seed=5, layout="generic")
    outs = []
    for i in range(2):
        proc = run("analyse", str(tmp_path / "raw"), "--name", "c", "--processed-dir", str(tmp_path / f"p{i}"), "--reports-dir", str(tmp_path / f"r{i}"))
        assert proc.returncode == 0, proc.stderr
        last = proc.stderr.strip().splitlines()[-1]
        assert last == f"report: {tmp_path / f'r{i}' / 'c' / 'index.html'}"
        outs.append(tmp_path / f"p{i}" / "c")
    for table in ("posts", "accounts", "rejects", "edges", "evidence", "clusters", "account_scores", "bursts"):
        assert (outs[0] / f"{table}.parquet").read_bytes() == (outs[1] / f"{table}.parquet").read_bytes(), table
    manifest = json.loads((outs[0] / "manifest.json").read_text())
    assert set(manifest["timings_s"]) >= {"ingest", "detect", "cluster", "score", "report"}
    assert manifest["counts"]["detect"]["edges"] > 0


def test_usage_error_exits_2_without_traceback():
    proc = run("analyse", "--no-such-option")
    assert proc.returncode == 2
    assert "No such option" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_stages_alone_give_what_analyse_gives(tmp_path):
    from cib.synth import synth

    synth(tmp_path / "raw", n_posts=3_000, seed=8, layout="generic")
    whole = run("analyse", str(tmp_path / "raw"), "--name", "c", "--processed-dir", str(tmp_path / "a"), "--reports-dir", str(tmp_path / "ra"))
    assert whole.returncode == 0, whole.stderr
    folder = tmp_path / "s" / "c"
    steps = [
        ("ingest", str(tmp_path / "raw"), "--name", "c", "--processed-dir", str(tmp_path / "s")),
        ("detect", str(folder)),
        ("cluster", str(folder)),
        ("report", str(folder), "--reports-dir", str(tmp_path / "rs")),
    ]
    for step in steps:
        proc = run(*step)
        assert proc.returncode == 0, (step, proc.stderr)
    for table in ("edges", "evidence", "fused_edges", "clusters", "account_scores"):
        assert (folder / f"{table}.parquet").read_bytes() == (tmp_path / "a" / "c" / f"{table}.parquet").read_bytes(), table
    assert (tmp_path / "rs" / "c" / "index.html").is_file()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {"ingest", "detect", "cluster"} <= set(manifest["counts"])
    missing = run("detect", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and "no posts.parquet here" in missing.stderr


def test_analyse_until_stops_after_the_stage_and_matches_the_full_run(tmp_path):
    from cib.synth import synth

    synth(tmp_path / "raw", n_posts=3_000, seed=8, layout="generic")
    whole = run("analyse", str(tmp_path / "raw"), "--name", "c", "--processed-dir", str(tmp_path / "a"), "--reports-dir", str(tmp_path / "ra"))
    assert whole.returncode == 0, whole.stderr
    written, counted = {}, {}
    for stage in ("ingest", "detect", "cluster"):
        proc = run(
            "analyse", str(tmp_path / "raw"), "--name", "c", "--until", stage,
            "--processed-dir", str(tmp_path / stage), "--reports-dir", str(tmp_path / f"r{stage}"),
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        folder = tmp_path / stage / "c"
        written[stage] = {p.stem for p in folder.glob("*.parquet")}
        for table in written[stage]:
            assert (folder / f"{table}.parquet").read_bytes() == (tmp_path / "a" / "c" / f"{table}.parquet").read_bytes(), table
        counted[stage] = set(json.loads((folder / "manifest.json").read_text())["counts"])
        assert not (tmp_path / f"r{stage}" / "c" / "index.html").exists()
    assert written["ingest"] == {"posts", "accounts", "rejects", "profiles"}
    assert written["detect"] == written["ingest"] | {"edges", "evidence"}
    assert {"clusters", "account_scores"} <= written["cluster"]
    assert counted["ingest"] == {"ingest"} and counted["detect"] == {"ingest", "detect"} and "cluster" in counted["cluster"]
    assert (tmp_path / "ra" / "c" / "index.html").is_file()
    bad = run("analyse", str(tmp_path / "raw"), "--until", "lunch", "--processed-dir", str(tmp_path / "x"))
    assert bad.returncode == 2 and bad.stderr.strip() == "error: --until lunch: unknown stage — use one of: ingest, detect, cluster, report"


def test_a_window_written_2m_is_120_seconds_in_every_way_of_setting_it(tmp_path):
    from cib.synth import synth

    synth(tmp_path / "raw", n_posts=3_000, seed=8, layout="generic")
    (tmp_path / "cib.toml").write_text('[detect.co_reshare]\nwindow = "2m"\n', encoding="utf-8")
    ways = {
        "set_2m": ("--set", "detect.co_reshare.window=2m"),
        "set_120": ("--set", "detect.co_reshare.window=120"),
        "toml_2m": ("--config", str(tmp_path / "cib.toml")),
        "window_2m": ("--window", "2m"),
        "window_120": ("--window", "120"),
    }
    edges, used = {}, {}
    for name, flags in ways.items():
        proc = run("analyse", str(tmp_path / "raw"), "--name", "c", "--until", "detect", *flags,
                   "--processed-dir", str(tmp_path / name))  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        edges[name] = (tmp_path / name / "c" / "edges.parquet").read_bytes()
        manifest = json.loads((tmp_path / name / "c" / "manifest.json").read_text())
        used[name] = manifest["stages"]["detect"]["windows_s"]
        assert manifest["parameters"]["detect.co_reshare.window"] == 120.0
    assert edges["set_2m"] == edges["set_120"]  # parameters recorded in the table's metadata included
    assert edges["window_2m"] == edges["window_120"]
    assert used["set_2m"]["co_reshare"] == used["toml_2m"]["co_reshare"] == used["window_2m"]["co_reshare"] == 120.0
    assert used["window_2m"]["co_link"] == 120.0 and used["set_2m"]["co_link"] == 60.0  # --window sets every signal
    bad = run("analyse", str(tmp_path / "raw"), "--set", "detect.co_reshare.window=2 fortnights", "--processed-dir", str(tmp_path / "x"))
    assert bad.returncode == 2 and "detect.co_reshare.window" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


_AT_POLARS_IMPORT = """
import json, os, sys
seen = {}
class Spy:
    def find_spec(self, name, path=None, target=None):
        if name in ("polars", "numpy") and name not in seen:
            seen[name] = {k: os.environ.get(k) for k in ("_RJEM_MALLOC_CONF", "OPENBLAS_NUM_THREADS")}
        return None
sys.meta_path.insert(0, Spy())
from cib.cli import PROCESS_ENV
from cib.detect import detect  # the first import of Polars and numpy in a command
print(json.dumps({"seen": seen, "ours": PROCESS_ENV}))
"""


@pytest.mark.parametrize("preset", [None, {"_RJEM_MALLOC_CONF": "dirty_decay_ms:5000"}, {"OPENBLAS_NUM_THREADS": "2"}])
def test_process_settings_are_in_place_before_polars_and_numpy_load(preset):
    import json

    env = {k: v for k, v in os.environ.items() if k not in ("_RJEM_MALLOC_CONF", "OPENBLAS_NUM_THREADS")}
    env.update(preset or {})
    proc = subprocess.run([sys.executable, "-c", _AT_POLARS_IMPORT], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert sorted(out["seen"]) == ["numpy", "polars"]
    # the user's own setting wins over cib's default
    expected = {**out["ours"], **(preset or {})}
    assert out["seen"]["polars"] == expected
    assert out["seen"]["numpy"] == expected


_LEAVING = """
import atexit, sys
atexit.register(print, "exit handler ran")
sys.argv = ["cib", "params"]
from cib.cli import run
run()
print("not reached")
"""


def test_a_command_that_succeeds_leaves_with_its_output_flushed_and_exit_handlers_run():
    # the program skips the interpreter's teardown after success: nothing printed may be lost
    proc = subprocess.run([sys.executable, "-c", _LEAVING], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-1] == "exit handler ran"
    assert "not reached" not in proc.stdout
    from cib.config import registry

    assert len(lines) - 1 == len(registry())


def test_a_large_input_hands_freed_memory_back(tmp_path):
    # the allocator keeps freed memory for small inputs (speed) and hands it back for large ones
    # (each stage's peak would otherwise add to the next); sizes are read before Polars loads
    from cib import cli

    small = tmp_path / "small.csv"
    small.write_bytes(b"x" * 1000)
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "a.csv").write_bytes(b"x" * 600)
    (folder / "b.csv").write_bytes(b"x" * 700)
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "posts.parquet").write_bytes(b"x" * 200)
    assert cli.input_bytes([str(small), "--name", "n"]) == 1000
    assert cli.input_bytes([str(folder)]) == 1300
    assert cli.input_bytes([str(processed)]) == 1600  # a posts table takes about 8 times its file in memory
    assert cli.input_bytes([str(tmp_path / "nowhere"), "--quiet"]) == 0
    probe = "import sys; sys.argv = ['cib', 'analyse', sys.argv[1]]; import cib.cli as c; print(c.PROCESS_ENV['_RJEM_MALLOC_CONF'])"
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.truncate(cli.LARGE_INPUT_BYTES)  # sparse: a gibibyte by its size, nothing on disk
    for path, setting in ((small, cli.ALLOCATOR[1]), (big, cli.ALLOCATOR_LARGE[1])):
        out = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, env=env, timeout=60)
        assert out.stdout.strip() == setting, out.stderr


def test_a_run_that_keeps_nothing_writes_the_same_tables(tmp_path):
    # the command line lets the stages' results go before the report (keep=False): same tables,
    # the results gone, the report written
    from cib.pipeline import build_config, prepare, run_stages
    from cib.synth import synth

    synth(tmp_path / "raw", n_posts=3_000, seed=8, layout="generic")
    runs = {}
    for keep in (True, False):
        run = prepare(tmp_path / "raw", build_config(), name="c", processed_dir=tmp_path / f"p{keep}", reports_dir=tmp_path / f"r{keep}")
        runs[keep] = run_stages(run, keep=keep)
    assert runs[True].network is not None and runs[True].detected is not None and runs[True].ingested is not None
    assert runs[False].network is None and runs[False].detected is None and runs[False].ingested is None
    assert runs[False].report is not None and runs[False].report.is_file()
    for table in ("posts", "edges", "evidence", "fused_edges", "clusters", "account_scores", "bursts"):
        a = (tmp_path / "pTrue" / "c" / f"{table}.parquet").read_bytes()
        assert a == (tmp_path / "pFalse" / "c" / f"{table}.parquet").read_bytes(), table
