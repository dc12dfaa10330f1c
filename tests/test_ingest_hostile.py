"""Hostile files for every format: read or refused in one line, never a crash, and every row reconciled.

Each example starts from a small valid file of one format (the format
fixtures, and a few written here) and damages it: random bytes changed,
inserted or cut, NUL bytes, mixed line ends, another encoding, deep JSON, a
huge field. Whatever comes of it, ingest either refuses the file with a
:class:`cib.errors.CibError` (exit code 2) or writes tables that read back,
and the posts, rejects and duplicates of every file add up to the records
counted apart from its reader. The examples are drawn from a fixed seed, so
every run sees the same files.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from cib.errors import CibError
from cib.ingest.count import count_records
from cib.ingest.head import read_head
from cib.manifest import read_manifest
from cib.pipeline import build_config, prepare, run_stages
from cib.schema import read_table

DATA = Path(__file__).parent / "data" / "formats"
ROW = {"post_id": "1453238917281234567", "account_id": "u1", "created_at": "2024-03-01T10:00:00Z", "text": "Бұл #сайлау"}


def _written() -> dict[str, bytes]:
    """Valid files of the formats the fixtures leave out."""
    lines = [dict(ROW, post_id=str(i), hashtags=["a", "b"]) for i in range(1, 4)]
    return {
        "generic.jsonl": "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode(),
        "coortweet.csv": b"object_id,account_id,content_id,timestamp_share\n9,a,1,1700000000\n9,b,2,1700000005\n8,a,3,1700000100\n",
        "coortweet_long.csv": b"account_id,post_id,timestamp,url_id,hashtag_id\na,1,1700000000,5,\na,1,1700000000,,7\nb,2,1700000009,5,\n",
    }


SEEDS = {p.name: p.read_bytes() for p in sorted(DATA.iterdir()) if p.is_file()} | _written()


def _mixed_ends(data: bytes, draw) -> bytes:
    lines = data.split(b"\n")
    return b"".join(line + draw(st.sampled_from([b"\n", b"\r\n", b"\r"])) for line in lines)


@st.composite
def hostile(draw) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(SEEDS)))
    data = SEEDS[name]
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["flip", "insert", "truncate", "nul", "ends", "utf16", "latin1", "deep", "huge", "cut_line"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]
        elif kind == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
        elif kind == "truncate":
            data = data[:at]
        elif kind == "nul":
            data = data[:at] + b"\x00" + data[at:]
        elif kind == "ends":
            data = _mixed_ends(data, draw)
        elif kind == "utf16":
            data = data.decode("utf-8", errors="replace").encode(draw(st.sampled_from(["utf-16", "utf-16-le"])))
        elif kind == "latin1":
            data = data.decode("utf-8", errors="replace").encode("cp1251", errors="replace")
        elif kind == "deep":
            depth = draw(st.sampled_from([50, 990, 5000]))
            data = data[:at] + b"[" * depth + b"]" * depth + data[at:]
        elif kind == "huge":
            data = data[:at] + b"x" * draw(st.sampled_from([70_000, 300_000])) + data[at:]
        elif kind == "cut_line":
            lines = data.split(b"\n")
            del lines[draw(st.integers(0, len(lines) - 1))]
            data = b"\n".join(lines)
    return name, data


HOSTILE = settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@HOSTILE
@given(case=hostile())
def test_a_hostile_file_is_read_or_refused_and_every_row_reconciles(tmp_path_factory, case):
    name, data = case
    root = tmp_path_factory.mktemp("hostile")
    raw = root / "raw"
    raw.mkdir()
    path = raw / name
    path.write_bytes(data)
    run = prepare(raw, build_config(), name="h", processed_dir=root / "p", reports_dir=root / "r")
    try:
        run_stages(run, until="ingest")
    except CibError as exc:
        event("refused in one line")
        assert "\n" not in exc.one_line()  # one line, exit code 2
        assert not (root / "p" / "h").exists()  # nothing half-written
        return
    event("read")
    folder = root / "p" / "h"
    ingest = read_manifest(folder)["counts"]["ingest"]
    assert ingest["reconciled"] is True, read_manifest(folder)["warnings"]
    (report,) = run.ingested.files
    head = read_head(path)
    assert report.rows_in - report.expanded == count_records(path, head.kind, report.format)
    assert report.rows_in == report.posts + report.rejects + report.duplicates + report.accounts
    for table in ("posts", "accounts", "rejects"):
        assert isinstance(read_table(folder / f"{table}.parquet", table), pl.DataFrame)


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_every_seed_file_is_valid_to_start_with(tmp_path, name):
    # the damage is what the property test adds: undamaged, each file gives posts
    path = tmp_path / name
    path.write_bytes(SEEDS[name])
    run = run_stages(prepare(path, build_config(), name="s", processed_dir=tmp_path / "p", reports_dir=tmp_path / "r"), until="ingest")
    (report,) = run.ingested.files
    assert report.posts + report.accounts > 0 and report.reconciled
