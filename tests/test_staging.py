"""Outputs replaced as a whole: staging and swap, stale folders, the run id, one run per collection."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import cib.pipeline as pipeline_module
from cib.errors import CibError, SchemaError
from cib.manifest import check_run, collection_lock, read_manifest
from cib.pipeline import build_config, prepare, rerun, run_stages
from cib.schema import table_metadata
from tests.conftest import synth_collection

CANONICAL = ("posts", "accounts", "rejects", "edges", "evidence", "fused_edges", "clusters", "account_scores", "bursts")


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    return synth_collection(tmp_path_factory, "staging", 2000, 5)


def analyse(raw: Path, out: Path, events=(), **kwargs):
    run = prepare(raw, build_config(events=events), name="c", processed_dir=out / "p", reports_dir=out / "r")
    return run_stages(run, **kwargs)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cib", *args], capture_output=True, text=True, timeout=300)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_a_run_writes_every_table_with_the_manifests_run_id_and_leaves_no_staging(raw, tmp_path):
    run = analyse(raw, tmp_path)
    folder = run.out.processed
    run_id = read_manifest(folder)["run_id"]
    assert len(run_id) == 16
    assert {t: table_metadata(folder / f"{t}.parquet")["cib.run_id"] for t in CANONICAL} == dict.fromkeys(CANONICAL, run_id)
    assert sorted(p.name for p in folder.parent.iterdir()) == [".c.lock", "c"]
    assert (tmp_path / "r" / "c" / "index.html").is_file() and (folder / "graph.gexf").is_file()


def test_a_failed_run_leaves_the_last_complete_outputs(raw, tmp_path, monkeypatch):
    analyse(raw, tmp_path)
    folder = tmp_path / "p" / "c"
    before = snapshot(folder)

    def broken(*args, **kwargs):
        raise RuntimeError("killed in the network stage")

    monkeypatch.setattr(pipeline_module, "run_network", broken)
    with pytest.raises(RuntimeError, match="killed"):
        analyse(raw, tmp_path, events=["vote=2024-03-16T03:00:00Z"])
    assert snapshot(folder) == before
    assert sorted(p.name for p in folder.parent.iterdir()) == [".c.lock", "c"]


def test_a_stale_staging_folder_is_named_and_removed(raw, tmp_path):
    parent = tmp_path / "p"
    stale = parent / ".c.staging-999-deadbeef"
    stale.mkdir(parents=True)
    (stale / "posts.parquet").write_bytes(b"half")
    run = analyse(raw, tmp_path, until="ingest")
    assert run.manifest.warnings == [f"{stale}: a stale staging folder left by an interrupted run; removed"]
    assert not stale.exists()


def test_outputs_left_aside_by_a_swap_cut_short_are_put_back(raw, tmp_path):
    analyse(raw, tmp_path, until="ingest")
    folder = tmp_path / "p" / "c"
    aside = folder.parent / ".c.old-1-cafe"
    folder.rename(aside)  # a kill between the two renames of the swap
    before = snapshot(aside)
    staging = pipeline_module.Staging(folder)
    with collection_lock(folder):
        assert staging.clean() == [f"{folder}: put back the last complete outputs, left aside by an interrupted run"]
    assert snapshot(folder) == before and not aside.exists()


def test_a_run_without_events_leaves_no_event_table(raw, tmp_path):
    analyse(raw, tmp_path, events=["vote=2024-03-16T03:00:00Z"], report=False)
    assert (tmp_path / "p" / "c" / "event_activity.parquet").is_file()
    analyse(raw, tmp_path, report=False)
    assert not (tmp_path / "p" / "c" / "event_activity.parquet").exists()


def test_a_stage_run_again_drops_the_tables_made_after_it(raw, tmp_path):
    analyse(raw, tmp_path)
    folder = tmp_path / "p" / "c"
    (folder / "sweep").mkdir()  # a sweep's own outputs are not the run's to drop
    cfg = build_config(params={"detect.co_reshare.window": 30})
    with rerun(folder, cfg, "detect") as again:
        from cib.stages import run_detect

        run_detect(again.posts, again.out, cfg, again.manifest, time_resolution_s=again.time_resolution_s)
        assert again.out.processed.parent == folder.parent and again.out.processed != folder
    names = sorted(p.name for p in folder.iterdir())
    # the history of the collection's runs (runs/) is not the stage's to drop either, nor the cache
    assert names == ["accounts.parquet", "cache", "edges.parquet", "evidence.parquet", "manifest.json", "posts.parquet", "profiles.parquet", "rejects.parquet", "runs", "sweep"]
    manifest = read_manifest(folder)
    assert sorted(manifest["counts"]) == ["detect", "ingest"] and manifest["exports"] == {}
    assert manifest["parameters"]["detect.co_reshare.window"] == 30
    check_run(folder)  # still one run


def test_a_table_of_another_run_is_refused_with_one_line(raw, tmp_path):
    analyse(raw, tmp_path, until="detect")
    other = tmp_path / "other"
    shutil.copytree(raw, other)
    with (other / "posts.csv").open("a", encoding="utf-8") as fh:
        fh.write("\n")  # another input: another run
    run = prepare(other, build_config(), name="o", processed_dir=tmp_path / "p", reports_dir=tmp_path / "r")
    run_stages(run, until="detect")
    folder = tmp_path / "p" / "c"
    shutil.copy(tmp_path / "p" / "o" / "edges.parquet", folder / "edges.parquet")
    with pytest.raises(SchemaError, match=r"edges.parquet: a table of run \w{16}, but .*manifest.json records run \w{16}"):
        check_run(folder)
    for args in (["cluster", str(folder)], ["report", str(folder), "--reports-dir", str(tmp_path / "r")], ["export", str(folder), "--all"]):
        proc = cli(*args)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.count("\n") == 1 and "a table of run" in proc.stderr and "the folder mixes two runs" in proc.stderr


def test_a_second_run_of_a_collection_in_use_stops_naming_the_first(raw, tmp_path):
    parent = tmp_path / "p"
    parent.mkdir()
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'a+'); fcntl.flock(f, fcntl.LOCK_EX); "
         "f.seek(0); f.truncate(); f.write('4242\\n'); f.flush(); print('held', flush=True); time.sleep(60)",
         str(parent / ".c.lock")],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(CibError, match=r"collection c is in use by another cib run \(pid 4242\)"):
            analyse(raw, tmp_path)
        proc = cli("analyse", str(raw), "--name", "c", "--processed-dir", str(parent), "--reports-dir", str(tmp_path / "r"))
        assert proc.returncode == 2
        assert proc.stderr.strip().splitlines() == [
            f"error: collection c is in use by another cib run (pid 4242) — wait for it to finish, or give this run "
            f"another --name (outputs: {parent / 'c'})"
        ]
        assert not (parent / "c").exists()
    finally:
        holder.kill()
        holder.wait()
    with open(parent / ".c.lock", "a+") as handle:  # let go when its holder ended
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(handle, fcntl.LOCK_UN)
    assert os.path.getsize(parent / ".c.lock") > 0


def test_same_input_same_tables_byte_for_byte(raw, tmp_path):
    first = analyse(raw, tmp_path / "a", report=False).out.processed
    second = analyse(raw, tmp_path / "b", report=False).out.processed
    for table in CANONICAL:
        assert (first / f"{table}.parquet").read_bytes() == (second / f"{table}.parquet").read_bytes(), table
    assert pl.read_parquet(first / "posts.parquet").height > 0
    assert json.loads((first / "manifest.json").read_text())["run_id"] == json.loads((second / "manifest.json").read_text())["run_id"]
