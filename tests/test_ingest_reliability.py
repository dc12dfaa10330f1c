"""Nothing lost and nothing crashes: rows counted apart from the readers, hostile files read or named.

Each fixture is written here, small enough that its right answer can be read
off the bytes: how many records it holds, which become posts and which rejects.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cib.config import load_config
from cib.errors import InputError
from cib.ingest import ingest
from cib.ingest import registry as registry_module
from cib.ingest.base import Chunk
from cib.ingest.count import count_records
from cib.ingest.generic import GENERIC
from cib.ingest.head import read_head

CFG = load_config()
HEADER = "post_id,account_id,created_at,text\n"
ROW = "{i},a{i},2024-03-01T10:00:0{i}Z,hello {i}\n"


def rows(n: int) -> str:
    return "".join(ROW.format(i=i) for i in range(1, n + 1))


def one(result):
    (report,) = result.files
    return report


def reasons(result) -> list[tuple[int, str | None, str]]:
    return sorted(result.rejects.select("source_row", "column", "reason").iter_rows())


# --- the count ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "records"),
    [
        (HEADER + rows(3), 3),
        (HEADER + rows(3).rstrip("\n"), 3),  # no line break after the last record
        (HEADER + '1,a,2024-03-01,"two\nlines"\n2,b,2024-03-01,"a ""quote"" and, comma"\n', 2),
        (HEADER + "\n" + rows(2) + "\n\n", 2),  # empty lines are not records
        (HEADER + '   \n""\n' + rows(1), 1),  # nor blanks, nor one empty quoted value
        (HEADER.replace("\n", "\r\n") + rows(2).replace("\n", "\r\n"), 2),
        (HEADER.replace("\n", "\r") + rows(2).replace("\n", "\r"), 2),  # lone carriage returns end lines too
        (HEADER + '1,a,2024-03-01,say "hi"\n2,b,2024-03-01,x\n', 2),  # a quote inside a field: csv's own count
        (HEADER, 0),
    ],
)
def test_delimited_records_are_counted_by_the_csv_rule(tmp_path, body, records):
    path = tmp_path / "f.csv"
    path.write_bytes(body.encode())
    assert count_records(path, "csv", "generic") == records
    # the readers agree, record for record
    report = one(ingest(path, CFG))
    assert report.rows_in == records and report.reconciled


def test_json_lines_parquet_and_telegram_are_counted_by_their_records(tmp_path):
    jsonl = tmp_path / "f.jsonl"
    jsonl.write_text('{"a": 1}\n\n  \n{"a": 2}\n{broken\n')
    assert count_records(jsonl, "jsonl", "generic") == 3
    parquet = tmp_path / "f.parquet"
    pl.DataFrame({"a": [1, 2, 3, 4]}).write_parquet(parquet)
    assert count_records(parquet, "parquet", "generic") == 4
    telegram = tmp_path / "result.json"
    chats = {"chats": {"list": [{"messages": [{}, {}]}, {"messages": [{}]}]}, "left_chats": {"list": [{"messages": [{}]}]}}
    telegram.write_text(json.dumps(chats))
    assert count_records(telegram, "json", "telegram") == 4


def test_a_reader_that_loses_a_row_is_caught(tmp_path, monkeypatch):
    path = tmp_path / "f.csv"
    path.write_text(HEADER + rows(3))

    def lossy(path, cfg):
        for chunk in GENERIC.read(path, cfg):
            yield Chunk(chunk.rows.head(chunk.rows.height - 1), chunk.rejects)

    monkeypatch.setattr(registry_module, "FORMATS", [dataclasses.replace(GENERIC, read=lossy)])
    res = ingest(path, CFG, fmt="generic")
    report = one(res)
    assert (report.rows_in, report.posts, report.reconciled) == (3, 2, False)
    assert res.warnings == [f"{path}: 3 rows counted but 2 read (posts, rejects, duplicates): rows were lost, a bug in cib"]


def test_a_twarc_page_counts_each_of_its_tweets(tmp_path):
    tweets = [{"id": str(10**18 + i), "author_id": "7", "created_at": "2024-03-01T10:00:00.000Z", "text": "x"} for i in range(3)]
    page = {"data": tweets, "includes": {"users": [{"id": "7", "username": "u"}]}, "meta": {}}
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(page) + "\n" + json.dumps({"errors": [{"title": "x"}]}) + "\n")
    report = one(ingest(path, CFG))
    assert (report.rows_in, report.expanded, report.posts, report.rejects, report.reconciled) == (4, 2, 3, 1, True)


# --- folders and links ---------------------------------------------------------------


def test_links_to_folders_are_followed_once_and_a_dangling_link_is_named(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.csv").write_text(HEADER + rows(2))
    coll = tmp_path / "coll"
    (coll / "real").mkdir(parents=True)
    (coll / "real" / "b.csv").write_text(HEADER + ROW.format(i=9))
    os.symlink(elsewhere, coll / "linked")
    os.symlink(coll, coll / "real" / "loop")  # back to the collection: read once
    os.symlink(tmp_path / "gone.csv", coll / "dangling.csv")
    res = ingest(coll, CFG)
    assert sorted(Path(f.path).relative_to(coll).as_posix() for f in res.files) == ["linked/a.csv", "real/b.csv"]
    assert res.posts.height == 3
    assert res.warnings == [f"{coll / 'dangling.csv'}: a link to {tmp_path / 'gone.csv'}, which does not exist; skipped"]


# --- columns and values ------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["csv", "jsonl"])
def test_two_columns_differing_only_in_case_are_an_error_naming_both(tmp_path, suffix):
    path = tmp_path / f"f.{suffix}"
    if suffix == "csv":
        path.write_text("post_id,POST_ID,account_id,created_at\n1,2,a,2024-03-01\n")
    else:
        path.write_text(
            json.dumps({"post_id": "1", "account_id": "a", "created_at": "2024-03-01"})
            + "\n"
            + json.dumps({"POST_ID": "2", "account_id": "a", "created_at": "2024-03-01"})
            + "\n"
        )
    with pytest.raises(InputError, match="columns 'POST_ID' and 'post_id' are one name|columns 'post_id' and 'POST_ID' are one name"):
        ingest(path, CFG)


def test_a_json_string_beside_lists_is_one_item_not_its_characters(tmp_path):
    path = tmp_path / "f.jsonl"
    base = {"account_id": "a", "created_at": "2024-03-01T10:00:00Z"}
    lines = [{**base, "post_id": "1", "hashtags": ["x", "y"]}, {**base, "post_id": "2", "hashtags": "abc"}]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    posts = ingest(path, CFG).posts
    assert posts["hashtags"].to_list() == [["x", "y"], ["abc"]]


def test_float_ids_are_refused_naming_the_column_and_whole_floats_kept(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_text(
        '{"post_id": 1.9e18, "account_id": "a", "created_at": "2024-03-01"}\n'
        '{"post_id": 1900000000000000001, "account_id": 12.0, "created_at": "2024-03-01"}\n'
    )
    res = ingest(path, CFG)
    assert res.posts.select("post_id", "account_id").rows() == [("1900000000000000001", "12")]
    assert reasons(res) == [(1, "post_id", "an id in floating-point notation (1.9e+18), which has lost its digits: export ids as text")]
    parquet = tmp_path / "f.parquet"
    pl.DataFrame({"post_id": [1.9e18 + 256, 42.0], "account_id": ["a", "b"], "created_at": ["2024-03-01"] * 2}).write_parquet(parquet)
    res = ingest(parquet, CFG)
    assert res.posts["post_id"].to_list() == ["42"]
    assert [(r, c) for r, c, _ in reasons(res)] == [(1, "post_id")]


# --- what used to crash ------------------------------------------------------------


def test_hostile_json_lines_become_rejects(tmp_path):
    path = tmp_path / "f.jsonl"
    good = {"account_id": "a", "created_at": "2024-03-01T10:00:00Z"}
    path.write_text(
        json.dumps({**good, "post_id": "1"}) + "\n"
        + '{"post_id": "2", "x": ' + "[" * 10_000 + "]" * 10_000 + "}\n"
        + '{"post_id": "3", "account_id": "a", "created_at": "2024-03-01", "text": "\\ud800"}\n'
        + json.dumps({**good, "post_id": ["4"]}) + "\n"
    )  # fmt: skip
    res = ingest(path, CFG)
    assert res.posts["post_id"].to_list() == ["1"]
    assert reasons(res) == [
        (2, None, "JSON nested too deeply to read"),
        (3, None, "a lone surrogate escape (such as \\ud800), which is not text"),
        (4, "post_id", "a list or object where one id is expected"),
    ]
    assert one(res).reconciled


def test_lone_carriage_returns_end_rows(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes((HEADER + rows(2)).replace("\n", "\r").encode())
    res = ingest(path, CFG)
    assert res.posts.select("post_id", "source_row").rows() == [("1", 2), ("2", 3)]


def test_a_parquet_text_column_with_bytes_that_are_not_utf8_rejects_the_row(tmp_path):
    path = tmp_path / "f.parquet"
    table = pa.table(
        {
            "post_id": ["1", "2"],
            "account_id": ["a", "b"],
            "created_at": ["2024-03-01"] * 2,
            "text": pa.array([b"ok", b"\xff\xfe"], pa.binary()),
        }
    )
    pq.write_table(table, path)
    res = ingest(path, CFG)
    assert res.posts.select("post_id", "text").rows() == [("1", "ok")]
    assert reasons(res) == [(2, "text", "bytes that are not UTF-8")]


# --- sniffing ------------------------------------------------------------------------


def test_a_twarc_page_longer_than_the_sniffed_head_is_read(tmp_path):
    tweets = [{"id": str(10**18 + i), "author_id": "7", "created_at": "2024-03-01T10:00:00.000Z", "text": "x" * 300} for i in range(300)]
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps({"data": tweets, "includes": {"users": []}, "meta": {}}) + "\n")
    assert path.stat().st_size > 64 * 1024
    res = ingest(path, CFG)
    assert (one(res).format, res.posts.height) == ("twarc2_jsonl", 300)


@pytest.mark.parametrize("where", ["early", "late"])
def test_a_nul_byte_rejects_its_row_wherever_it_is(tmp_path, where):
    filler = "".join(f"{i},a,2024-03-01T10:00:00Z,hello\n" for i in range(10, 4010))
    bad = "1,a,2024-03-01T10:00:00Z,he\x00llo\n"
    path = tmp_path / "f.csv"
    path.write_text(HEADER + (bad + filler if where == "early" else filler + bad))
    res = ingest(path, CFG)
    row = 2 if where == "early" else 4002
    assert reasons(res) == [(row, None, "a NUL byte in the row (binary data, not text)")]
    assert (res.posts.height, one(res).reconciled) == (4000, True)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_named_as_such(tmp_path, encoding):
    path = tmp_path / "f.csv"
    path.write_bytes((HEADER + rows(2)).encode(encoding))
    with pytest.raises(InputError, match="UTF-16 text, not UTF-8") as err:
        read_head(path)
    assert "iconv -f UTF-16 -t UTF-8" in err.value.one_line()
