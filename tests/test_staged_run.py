"""A large collection's run, tables kept on disk between steps, writes what a run in memory writes.

``run.max_posts_in_memory = 0`` makes a small synthetic collection (every reader the
synthesiser writes: posts, an X archive, accounts; every default signal, including
``sync``, ``co_similar_text`` and ``amplify``) take the path a large one takes: posts
staged in parts at ingest, detection from ``posts.parquet`` a few columns at a time,
each detector's edges and evidence written as it finishes. Every table and count must
be the same as the run that holds everything in memory.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import polars as pl
import pytest

from cib.pipeline import build_config, prepare, run_stages
from cib.schema import SCHEMAS, read_table

TABLES = ("posts", "accounts", "rejects", "profiles", "edges", "evidence", "fused_edges", "clusters", "account_scores")


@pytest.fixture(scope="module")
def collection(tmp_path_factory):
    from cib.synth import synth

    folder = tmp_path_factory.mktemp("staged") / "raw"
    synth(folder, n_posts=6000, seed=5)
    return folder


@pytest.fixture(scope="module")
def runs(collection, tmp_path_factory):
    out = {}
    for label, params in (("held", {}), ("staged", {"run.max_posts_in_memory": 0, "ingest.chunk_rows": 700})):
        root = tmp_path_factory.mktemp(label)
        cfg = build_config(params={"ingest.chunk_rows": 700, **params})
        run = prepare(collection, cfg, name="c", processed_dir=root / "p", reports_dir=root / "r")
        run_stages(run, until="cluster", keep=False)
        out[label] = run
    return out


def test_the_staged_run_took_the_staged_path(runs):
    held, staged = runs["held"].manifest.as_dict(), runs["staged"].manifest.as_dict()
    assert held["counts"]["ingest"]["posts"] > 5000
    assert staged["parameters"]["run.max_posts_in_memory"] == 0
    assert "tables_on_disk" in staged["stages"]["detect"] and "tables_on_disk" not in held["stages"]["detect"]
    # nothing staged is left beside the tables
    assert sorted(p.name for p in runs["staged"].out.processed.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize("table", TABLES)
def test_every_table_is_the_same(runs, table):
    held = read_table(runs["held"].out.processed / f"{table}.parquet", table)
    staged = read_table(runs["staged"].out.processed / f"{table}.parquet", table)
    assert list(held.columns) == list(SCHEMAS[table])
    assert staged.equals(held), table
    if table in ("edges", "evidence"):
        assert held.height > 0
        assert set(held["signal"].unique()) >= {"co_reshare", "sync", "co_similar_text"}


def test_the_counts_are_the_same(runs):
    held, staged = (json.loads((runs[k].out.processed / "manifest.json").read_text(encoding="utf-8")) for k in ("held", "staged"))
    assert held["counts"] == staged["counts"]
    assert held["counts"]["ingest"]["reconciled"] is True
    drop = ("seconds",)
    for signal, info in held["stages"]["detect"]["signals"].items():
        other = staged["stages"]["detect"]["signals"][signal]
        assert {k: v for k, v in info.items() if k not in drop} == {k: v for k, v in other.items() if k not in drop}


def test_detect_alone_on_a_large_folder(runs, tmp_path):
    """``cib detect`` on a folder above the bound reads posts.parquet a few columns at a time: the same edges."""
    folder = tmp_path / "c"
    shutil.copytree(runs["held"].out.processed, folder)
    cmd = [sys.executable, "-m", "cib", "detect", str(folder), "--quiet", "--set", "run.max_posts_in_memory=0"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "tables_on_disk" in manifest["stages"]["detect"]
    for table in ("edges", "evidence"):
        again = pl.read_parquet(folder / f"{table}.parquet")
        assert again.equals(pl.read_parquet(runs["held"].out.processed / f"{table}.parquet")), table
