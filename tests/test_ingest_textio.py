"""The whole-file CSV reader gives exactly the rows of the row-by-row reader, or steps aside."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cib.ingest.textio as textio

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# fields with everything that makes CSV hard: delimiters, quotes, line breaks of each kind,
# leading spaces, Cyrillic and Kazakh letters, empty strings
piece = st.characters(blacklist_categories=("Cs", "Cc")).map(str) | st.sampled_from(["\n", "\r\n", '"', ",", "\t", " ", "ә", "Ж"])
field = st.lists(piece, max_size=8).map("".join)


def _read(path: Path, delimiter: str, *, fast: bool, monkeypatch, keep=None) -> tuple[list[str], pl.DataFrame, pl.DataFrame]:
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(textio, "_whole_file", lambda *a: None)
        parts = list(
            textio.iter_delimited(path, delimiter=delimiter, chunk_rows=3, raw_chars=200, file_label="f.csv", keep=keep)
        )
    header = parts[0][0]
    rows = pl.concat([r for _, r, _ in parts])
    rejects = pl.concat([j for _, _, j in parts])
    return header, rows, rejects


def _same(path: Path, delimiter: str, monkeypatch, keep=None) -> None:
    fast = _read(path, delimiter, fast=True, monkeypatch=monkeypatch, keep=keep)
    slow = _read(path, delimiter, fast=False, monkeypatch=monkeypatch, keep=keep)
    assert fast[0] == slow[0]
    assert fast[1].equals(slow[1])
    assert fast[2].equals(slow[2])


@SETTINGS
@given(
    rows=st.lists(st.lists(field, min_size=3, max_size=3), max_size=8),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]),
    delimiter=st.sampled_from([",", "\t"]),
    terminator=st.sampled_from(["\n", "\r\n"]),
    bom=st.booleans(),
    keep=st.none() | st.sets(st.sampled_from(["ID", "text", "note", "absent"])),
    streamed=st.booleans(),
)
def test_fast_reader_equals_row_by_row(tmp_path, monkeypatch, rows, quoting, delimiter, terminator, bom, keep, streamed):
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, quoting=quoting, lineterminator=terminator)
    writer.writerow(["id", "text", "note"])
    writer.writerows(rows)
    path = tmp_path / "f.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    with monkeypatch.context() as m:
        if streamed:  # the block-by-block reader big files take
            m.setattr(textio, "WHOLE_READ_BYTES", 0)
        _same(path, delimiter, monkeypatch, keep)


@pytest.mark.parametrize(
    "body",
    [
        b"id,text,note\n1,a,b\n2,c\n3,d,e\n",  # a short record
        b"id,text,note\n1,a,b\n2,c,d,e\n",  # a long record
        b"id,text,note\n1,a,b\n\n3,d,e\n",  # a blank line
        b"id,text,note\n1,\"a\rb\",c\n",  # a lone carriage return inside a field
        b"id,text,note\n1,a\xff,b\n2,c,d\n",  # bytes that are not UTF-8
        b"id,text,note\n1,\"a\"b,c\n",  # text after a closing quote
        b"id,text,note\n1,a,b",  # no final line break
    ],
)
@pytest.mark.parametrize("whole_read_bytes", [0, 1 << 30])
def test_awkward_files_read_the_same_both_ways(tmp_path, monkeypatch, body, whole_read_bytes):
    path = tmp_path / "f.csv"
    path.write_bytes(body)
    monkeypatch.setattr(textio, "WHOLE_READ_BYTES", whole_read_bytes)
    _same(path, ",", monkeypatch)


def test_clean_file_takes_the_fast_path_with_lines_counted(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b'id,text\n1,"two\nlines"\n2,one\n3,"three\r\nlines\nhere"\n4,x\n')
    header, frame = textio._whole_file(path, ",")
    assert header == ["id", "text"]
    # records start on lines 2, 3, 5 (after a two-line record) and 8
    assert frame["source_row"].to_list() == [2, 4, 5, 8]


def test_short_record_is_left_to_the_row_by_row_reader(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"id,text,note\n1,a,b\n2,c\n")
    assert textio._whole_file(path, ",") is None


def test_only_the_kept_columns_are_read(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"id,Text,note\n1,a,b\n2,c,d\n")
    header, frame = textio._whole_file(path, ",", {"id", "text"})
    assert header == ["id", "Text", "note"]
    assert frame.columns == ["id", "Text", "source_row"]


@pytest.mark.parametrize("body", ['\n,"\n', '\r\n,"\r\n', 'a,b\n\n,"\n'])
def test_blank_line_and_unclosed_last_quote_keep_their_rows(tmp_path, monkeypatch, body):
    # the blank line and the line break the unclosed quote takes balance the line count
    path = tmp_path / "f.csv"
    path.write_bytes(("x,y\n" + body).encode("utf-8"))
    assert textio._whole_file(path, ",") is None
    _same(path, ",", monkeypatch)


def test_second_pass_over_the_file_only_when_the_last_field_may_hold_its_line_break(tmp_path, monkeypatch):
    # the blank-line count reads the whole file again: a file whose last value does not end
    # with a line break cannot have lost that line break to an unclosed quote
    passes = []
    real = textio._count_in_file
    monkeypatch.setattr(textio, "_count_in_file", lambda *a: passes.append(a) or real(*a))
    path = tmp_path / "f.csv"
    path.write_bytes(b'id,text\n1,"two\nlines"\n2,one\n')
    assert textio._whole_file(path, ",")[1]["source_row"].to_list() == [2, 4]
    assert passes == []
    path.write_bytes(b'id,text\n1,"two\nlines"\n2,"ends\n"\n')
    assert textio._whole_file(path, ",")[1]["source_row"].to_list() == [2, 4]
    assert len(passes) == 1
    # without the last column there is no telling
    path.write_bytes(b'id,text\n"1\n",one\n2,two\n')
    assert textio._whole_file(path, ",", {"id"})[1]["source_row"].to_list() == [2, 4]
    assert len(passes) == 2


@SETTINGS
@given(body=st.lists(st.sampled_from(["a", "b", '"', '""', ",", " ", "\n", "\r\n", "ж"]), max_size=30).map("".join))
def test_malformed_quoting_reads_the_same_both_ways(tmp_path, monkeypatch, body):
    # raw bytes, not a CSV writer's output: quotes in the middle of fields, unclosed
    # quotes, text after a closing quote; the fast path must agree or step aside
    path = tmp_path / "f.csv"
    path.write_bytes(("x,y\n" + body).encode("utf-8"))
    _same(path, ",", monkeypatch)
