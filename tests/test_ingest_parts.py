"""Posts staged on disk in parts give the tables that posts held in memory give.

Each case is read twice with chunks of a row or two (``ingest.chunk_rows``): every
post in memory, and with ``run.max_posts_in_memory`` at 0, so that every chunk is
a part of its own on disk and ``posts.parquet`` is streamed from them. Posts, accounts,
rejects, profiles, each file's report and the manifest's counts must be the same,
and the Parquet files byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from cib.config import load_config
from cib.ingest import ingest
from cib.manifest import Manifest
from cib.schema import read_table
from cib.stages import Outputs, run_ingest

FORMATS = Path(__file__).parent / "data" / "formats"

HEADER = "post_id,account_id,created_at,text,hashtags,handle,followers\n"


#: every post staged on disk, from the first
STAGED = {"run.max_posts_in_memory": 0}


def _collection(folder: Path) -> Path:
    """Three files: repeats within and across files, rejects, an account file, profiles changing."""
    folder.mkdir()
    (folder / "a.csv").write_text(
        HEADER
        + "1,u1,2024-03-01T10:00:00Z,first,#x|#y,one,10\n"
        + "2,u2,2024-03-01T10:00:05Z,second,,,\n"
        + "1,u1,2024-03-01T10:00:09Z,repeat of 1 in its own file,,uno,\n"  # repeat: dropped
        + ",u3,2024-03-01T10:00:10Z,no id,,,\n"  # reject: missing post id
        + "3,u3,not a time,bad time,,,\n"  # reject: unparseable time
        + "4,u3,2024-03-01T10:01:00Z,,#z,three,7\n"
        + "1.9E+18,u4,2024-03-01T10:02:00Z,float id,,,\n"  # reject: id in floating-point notation
        + "5,u1,2024-03-01T10:03:00Z,fifth,,,12\n",
        encoding="utf-8",
    )
    (folder / "b.csv").write_text(
        HEADER
        + "2,u2,2024-03-01T11:00:00Z,repeat of 2 from a.csv,,,\n"  # repeat across files: dropped
        + "6,u5,2024-03-01T11:00:01Z,sixth,#x,five,\n"
        + "6,u5,2024-03-01T11:00:02Z,repeat of 6,,,\n"  # repeat: dropped
        + "7,u2,2024-03-01T11:00:03Z,seventh,,two,3\n",
        encoding="utf-8",
    )
    (folder / "c_accounts.csv").write_text(
        "account_id,handle,display_name,followers\nu1,one,One,11\nu9,nine,Nine,\n,nobody,Nobody,1\n", encoding="utf-8"
    )
    return folder


def _same_ingest(source: Path, tmp_path: Path, **params) -> tuple:
    """Ingest ``source`` in memory and staged in parts; assert every table and report is the same."""
    params = {"ingest.chunk_rows": 1, **params}
    held = ingest(source, load_config(overrides=params))
    staged = ingest(source, load_config(overrides={**params, **STAGED}), parts=tmp_path / "parts")
    assert staged.parts.staged == (held.n_posts > 0)
    assert [f.as_dict() for f in staged.files] == [f.as_dict() for f in held.files]
    assert staged.n_posts == held.n_posts == held.posts.height
    for name in ("accounts", "rejects", "profiles"):
        assert getattr(staged, name).equals(getattr(held, name)), name
    assert staged.post_columns(["account_id", "source_row"]).equals(held.posts.select("account_id", "source_row"))
    staged.write_posts(tmp_path / "staged.parquet", params={}, run_id="r")
    held.write_posts(tmp_path / "held.parquet", params={}, run_id="r")
    assert not (tmp_path / "parts").exists() or not any((tmp_path / "parts").iterdir())
    assert staged.posts.equals(held.posts)
    assert (tmp_path / "staged.parquet").read_bytes() == (tmp_path / "held.parquet").read_bytes()
    return held, staged


def test_repeats_rejects_and_profiles_are_the_same_staged(tmp_path):
    held, staged = _same_ingest(_collection(tmp_path / "c"), tmp_path)
    by_file = {Path(f.path).name: f for f in staged.files}
    assert (by_file["a.csv"].posts, by_file["a.csv"].rejects, by_file["a.csv"].duplicates) == (4, 3, 1)
    assert (by_file["b.csv"].posts, by_file["b.csv"].rejects, by_file["b.csv"].duplicates) == (2, 0, 2)
    assert (by_file["c_accounts.csv"].accounts, by_file["c_accounts.csv"].rejects) == (2, 1)
    assert all(f.reconciled for f in staged.files)
    assert staged.posts["post_id"].to_list() == ["1", "2", "4", "5", "6", "7"]
    assert staged.posts["text"].to_list()[0] == "first"  # the first in file order is kept
    accounts = {r["account_id"]: r for r in staged.accounts.iter_rows(named=True)}
    # the last value of each field in file order: a.csv, b.csv, then the account file
    assert (accounts["u1"]["handle"], accounts["u1"]["followers"]) == ("one", 11)
    assert (accounts["u2"]["handle"], accounts["u2"]["post_count"]) == ("two", 2)
    assert accounts["u9"]["post_count"] is None


def test_without_dedupe_repeats_are_kept_staged(tmp_path):
    _held, staged = _same_ingest(_collection(tmp_path / "c"), tmp_path, **{"ingest.dedupe": False})
    assert staged.n_posts == 9
    assert sum(f.duplicates for f in staged.files) == 0


@pytest.mark.parametrize("fixture", sorted(p.name for p in FORMATS.iterdir()))
def test_every_reader_gives_the_same_tables_staged(fixture, tmp_path):
    _same_ingest(FORMATS / fixture, tmp_path)


def test_a_run_writes_the_same_tables_and_counts_staged(tmp_path):
    source = _collection(tmp_path / "c")
    outs = {}
    for label, params in (("held", {"ingest.chunk_rows": 2}), ("staged", {"ingest.chunk_rows": 2, **STAGED})):
        cfg = load_config(overrides=params)
        out = Outputs(tmp_path / label / "p", tmp_path / label / "r")
        manifest = Manifest("c", cfg)
        result = run_ingest(source, out, cfg, manifest)
        assert [p.name for p in out.processed.iterdir() if p.name.startswith(".")] == []  # no parts left behind
        assert result.posts.equals(read_table(out.processed / "posts.parquet", "posts"))
        outs[label] = (out.processed, json.loads((out.processed / "manifest.json").read_text(encoding="utf-8")))
    (held, held_manifest), (staged, staged_manifest) = outs["held"], outs["staged"]
    assert held_manifest["counts"]["ingest"] == staged_manifest["counts"]["ingest"]
    assert held_manifest["counts"]["ingest"]["reconciled"] is True
    assert held_manifest["files"] == staged_manifest["files"]
    for table in ("posts", "accounts", "rejects", "profiles"):
        assert read_table(held / f"{table}.parquet", table).equals(read_table(staged / f"{table}.parquet", table))
    meta = pl.read_parquet_metadata(staged / "posts.parquet")
    assert meta["cib.table"] == "posts" and meta["cib.run_id"] == staged_manifest["run_id"]


def test_no_posts_at_all_staged(tmp_path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "a.csv").write_text(HEADER + ",u1,2024-03-01T10:00:00Z,no id,,,\n", encoding="utf-8")
    held, staged = _same_ingest(tmp_path / "c", tmp_path)
    assert staged.n_posts == 0 and staged.rejects.height == 1
