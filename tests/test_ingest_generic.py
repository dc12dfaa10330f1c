"""Generic files: the hand-made fixture's answer can be read off the file itself."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cib.config import load_config
from cib.errors import InputError
from cib.ingest import ingest
from cib.ingest.base import parse_list, parse_time
from cib.ingest.head import read_head
from cib.ingest.registry import sniff

DATA = Path(__file__).parent / "data" / "formats"
NASTY = DATA / "generic_nasty.csv"


@pytest.fixture()
def cfg():
    return load_config()


def _utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_nasty_csv_counts_and_reconciles(cfg):
    res = ingest(NASTY, cfg)
    (report,) = res.files
    assert report.format == "generic"
    assert (report.rows_in, report.posts, report.rejects, report.duplicates) == (7, 3, 3, 1)
    assert report.rows_in == report.posts + report.rejects + report.duplicates


def test_nasty_csv_values(cfg):
    posts = ingest(NASTY, cfg).posts
    assert posts["post_id"].to_list() == ["1453238917281234567", "1453238917281234568", "p6"]
    first, second, third = posts.iter_rows(named=True)
    # +05:00 local time becomes UTC; the 19-digit id is kept exactly
    assert first["created_at"] == _utc(2024, 3, 1, 3, 15, 2)
    assert first["text"] == "Сайлау — ең маңызды күн! әғқңөұүһі 🇰🇿"
    assert first["hashtags"] == ["сайлау", "vote"]
    assert first["urls"] == ["https://example.kz/a?utm_source=x"]
    assert first["source_row"] == 2
    # an embedded CRLF and doubled quotes survive; the record starts on line 3
    assert second["text"] == 'line one\r\nline two with "quotes"'
    assert second["hashtags"] == ["vote", "kz"]
    assert second["mentions"] == ["u1"]
    assert second["reshare_of"] == "1453238917281234567"
    assert second["source_row"] == 3
    # epoch seconds and a |-separated list
    assert third["created_at"] == _utc(2024, 3, 1, 2, 40, 0)
    assert third["hashtags"] == ["vote", "kz"]
    assert third["platform"] == "telegram"
    assert third["source_row"] == 9


def test_nasty_csv_rejects_name_row_column_and_reason(cfg):
    rejects = ingest(NASTY, cfg).rejects.sort("source_row")
    assert rejects["source_row"].to_list() == [5, 6, 7]
    assert rejects["column"].to_list() == ["created_at", "account_id", None]
    reasons = rejects["reason"].to_list()
    assert reasons[0] == "unparseable time: not a time"
    assert reasons[1] == "missing account id"
    assert reasons[2] == "11 fields where the header has 9"
    assert "p5,u1" in rejects["raw"][2]


def test_account_file_fills_accounts(cfg, tmp_path):
    folder = tmp_path / "coll"
    folder.mkdir()
    shutil.copy(NASTY, folder / "posts.csv")
    shutil.copy(DATA / "generic_accounts.csv", folder / "accounts.csv")
    (folder / "README.md").write_text("notes, not data")
    res = ingest(folder, cfg)
    assert [f.format for f in res.files] == ["accounts", "generic"]
    assert res.ignored == [str(folder / "README.md")]
    acc = {r["account_id"]: r for r in res.accounts.iter_rows(named=True)}
    assert sorted(acc) == ["u1", "u2", "u4", "u9"]
    assert acc["u1"]["handle"] == "aigerim_k"
    assert acc["u1"]["display_name"] == "Әйгерім"
    assert acc["u1"]["followers"] == 1500
    assert acc["u1"]["created_at"] == _utc(2023, 12, 30)
    assert acc["u1"]["post_count"] == 1  # counted from the collection: its repeat was removed
    assert acc["u9"]["post_count"] is None  # no posts and no count in the profile
    assert acc["u4"]["platform"] == "telegram"


def test_column_map_from_config(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("msg_id,who,when,body\nm1,a,2024-01-01 10:00,hi\n", encoding="utf-8")
    toml = tmp_path / "cib.toml"
    toml.write_text('[ingest.columns]\npost_id = "msg_id"\naccount_id = "who"\ncreated_at = "when"\ntext = "body"\n')
    cfg = load_config(toml)
    posts = ingest(path, cfg).posts
    assert posts.select("post_id", "account_id", "text").row(0) == ("m1", "a", "hi")
    assert posts["created_at"][0] == _utc(2024, 1, 1, 10, 0)


def test_default_timezone_applies_to_naive_times(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("post_id,account_id,created_at\n1,a,2024-01-01 10:00:00\n2,a,2024-01-01T10:00:00+00:00\n")
    cfg = load_config(overrides={"ingest.default_timezone": "Asia/Almaty"})
    times = ingest(path, cfg).posts["created_at"].to_list()
    # Almaty was UTC+6 until 1 March 2024: the historical offset applies
    assert times == [_utc(2024, 1, 1, 4, 0), _utc(2024, 1, 1, 10, 0)]


@pytest.mark.parametrize("suffix", ["tsv", "jsonl", "parquet"])
def test_other_containers_give_the_same_posts(cfg, tmp_path, suffix):
    base = ingest(NASTY, cfg).posts
    path = tmp_path / f"posts.{suffix}"
    frame = base.drop("source_file", "source_row")
    if suffix == "tsv":
        frame.with_columns(
            pl.col(c).list.join("|") for c in ("urls", "hashtags", "mentions", "media")
        ).with_columns(pl.col("text").str.replace_all(r"[\r\n\t]", " ")).write_csv(path, separator="\t")
    elif suffix == "jsonl":
        frame.write_ndjson(path)
    else:
        frame.write_parquet(path)
    got = ingest(path, cfg).posts
    cols = ["post_id", "account_id", "created_at", "hashtags", "mentions", "reshare_of", "platform"]
    assert got.select(cols).equals(base.select(cols))
    assert sniff(read_head(path), cfg).name == "generic"


def test_jsonl_broken_line_is_a_reject(cfg, tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text(
        '{"post_id": 9007199254740993, "account_id": "a", "created_at": "2024-01-01T00:00:00Z"}\n'
        '{"post_id": "2", "account_id": "a", "created_at": \n'
        "\n"
        '["not", "an", "object"]\n',
        encoding="utf-8",
    )
    res = ingest(path, cfg)
    assert res.posts["post_id"].to_list() == ["9007199254740993"]  # 2^53 + 1, exact
    assert sorted(res.rejects["source_row"].to_list()) == [2, 4]
    assert res.files[0].rows_in == 3


def test_undecodable_bytes_are_rejected_not_fatal(cfg, tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"post_id,account_id,created_at,text\n1,a,2024-01-01,ok\n2,a,2024-01-01,bad \xff\xfe byte\n")
    res = ingest(path, cfg)
    assert res.posts["post_id"].to_list() == ["1"]
    assert res.rejects.select("source_row", "reason").row(0) == (3, "bytes that are not UTF-8")


def test_parse_list_forms():
    s = pl.Series(
        ["", None, "[]", '["a, b", "c"]', "['x', 'y']", "[x, y]", "a|b", "a  b", "#tag"]
    )
    got = pl.select(parse_list(pl.lit(s))).to_series().to_list()
    assert got == [[], [], [], ["a, b", "c"], ["x", "y"], ["x", "y"], ["a", "b"], ["a", "b"], ["#tag"]]


def test_parse_time_forms():
    s = pl.Series(
        [
            "2024-03-01T08:15:02+05:00",
            "2024-03-01T03:15:02Z",
            "2024-03-01 03:15",
            "Fri Mar 01 03:15:02 +0000 2024",
            "1709262902",
            "1709262902000",
            "yesterday",
        ]
    )
    got = pl.select(parse_time(pl.lit(s))).to_series().to_list()
    expected = _utc(2024, 3, 1, 3, 15, 2)
    assert got == [expected, expected, _utc(2024, 3, 1, 3, 15), expected, expected, expected, None]


def test_unknown_header_names_the_missing_columns(cfg, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("post_id,account_id,text\n1,a,x\n")
    with pytest.raises(InputError, match="required column\\(s\\) missing: created_at"):
        ingest(path, cfg)


_EVERY_FORM = [
    "2024-03-01T08:15:02+05:00",
    "2024-03-01T08:15:02.250+0500",
    "2024-03-01 08:15:02+05:00",
    "Fri Mar 01 03:15:02 +0000 2024",
    "2024-03-01T08:15:02",
    "2024-03-01T08:15:02.5",
    "2024-03-01 08:15:02",
    "2024-03-01T08:15",
    "2024-03-01 08:15",
    "2024-03-01",
    "1709262902",
    "1709262902000",
    "1709262902.5",
]


def test_time_forms_are_disjoint():
    # parse_time tries first the parser that fits a column's first value; that
    # gives every value the same answer only because no value fits two parsers
    from cib.ingest.base import _time_parsers

    s = pl.Series(_EVERY_FORM)
    fits = [p(s).is_not_null().to_list() for p in _time_parsers("Asia/Almaty")]
    assert [sum(col) for col in zip(*fits, strict=True)] == [1] * len(_EVERY_FORM)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from([*_EVERY_FORM, "yesterday", None]), min_size=1, max_size=12))
def test_parse_time_does_not_depend_on_the_first_value(values):
    got = pl.select(parse_time(pl.lit(pl.Series(values, dtype=pl.String)), "Asia/Almaty")).to_series().to_list()
    one_by_one = [pl.select(parse_time(pl.lit(pl.Series([v], dtype=pl.String)), "Asia/Almaty")).item() for v in values]
    assert got == one_by_one
