"""Platform adapters: X information-operations archive, twarc2/twarc-csv, Telegram, CrowdTangle.

Every fixture under ``tests/data/formats`` is small enough to read by eye;
the expected values below are what a reader of the file would write down.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from cib.config import load_config
from cib.errors import InputError
from cib.ingest import ingest
from cib.ingest.crowdtangle import zoned_time
from cib.ingest.head import read_head
from cib.ingest.registry import FORMATS, sniff

DATA = Path(__file__).parent / "data" / "formats"
BIG = "1453238917281234567"  # above 2**53: must survive as a string
HASHED = "a3f1c2" + "0" * 52 + "9b7e4d"

FIXTURES = {
    "io_archive_tweets.csv": ("io_archive", 5, 3, 2),
    "io_archive_reordered.csv": ("io_archive", 2, 2, 0),
    "twarc2_pages.jsonl": ("twarc2_jsonl", 6, 3, 3),
    "twarc2_flat.jsonl": ("twarc2_jsonl", 2, 2, 0),
    "twarc_csv_tweets.csv": ("twarc_csv", 4, 3, 1),
    "telegram_channel.json": ("telegram", 5, 3, 2),
    "telegram_account.json": ("telegram", 4, 3, 1),
    "crowdtangle_facebook.csv": ("crowdtangle", 6, 4, 2),
    "crowdtangle_instagram.csv": ("crowdtangle", 2, 2, 0),
    "cnt_messages.csv": ("cnt_csv", 5, 4, 1),
}


@pytest.fixture(scope="module")
def cfg():
    return load_config()


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def posts_by_id(result) -> dict[str, dict]:
    return {r["post_id"]: r for r in result.posts.iter_rows(named=True)}


def rejects_by_row(result) -> dict[int, dict]:
    return {r["source_row"]: r for r in result.rejects.iter_rows(named=True)}


# --- every fixture: sniffed right, and nothing lost --------------------------


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_fixture_is_sniffed_to_its_format(name, cfg):
    assert sniff(read_head(DATA / name), cfg).name == FIXTURES[name][0]


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_counts_reconcile(name, cfg):
    fmt, rows_in, posts, rejects = FIXTURES[name]
    result = ingest(DATA / name, cfg)
    (report,) = result.files
    assert report.format == fmt
    assert (report.rows_in, report.posts, report.rejects, report.duplicates) == (rows_in, posts, rejects, 0)
    assert report.rows_in == report.posts + report.rejects + report.duplicates
    assert result.posts.height == posts and result.rejects.height == rejects
    assert result.posts["post_id"].dtype == pl.String
    assert result.posts["created_at"].dtype == pl.Datetime("us", "UTC")


def test_repeated_tweets_across_files_are_counted_as_duplicates(cfg):
    files = [DATA / "twarc2_pages.jsonl", DATA / "twarc2_flat.jsonl", DATA / "twarc_csv_tweets.csv"]
    result = ingest(files, cfg)
    for report in result.files:
        assert report.rows_in == report.posts + report.rejects + report.duplicates
    # the flat file and the CSV repeat tweets of the pages file (same platform, same id)
    assert [r.duplicates for r in result.files] == [0, 2, 3]
    assert result.posts["post_id"].n_unique() == result.posts.height == 3


def test_every_format_says_what_it_needs():
    for fmt in FORMATS:
        assert fmt.needs and "not yet" not in fmt.needs


# --- X information-operations archive ----------------------------------------


def test_io_archive_values(cfg):
    result = ingest(DATA / "io_archive_tweets.csv", cfg)
    posts = posts_by_id(result)
    assert list(posts) == [BIG, "1453238917281234999", "1453238917281235000"]
    first = posts[BIG]
    assert first["account_id"] == HASHED
    assert first["created_at"] == utc(2021, 10, 27, 8, 15)
    assert first["text"] == 'Лидер страны — "лучший" сейчас!\nГолосуй 🗳️ #Выборы'
    assert first["hashtags"] == ["Выборы", "Казахстан"]
    assert first["urls"] == ["https://example.kz/news?id=1"]
    assert first["mentions"] == []
    assert first["reshare_of"] is None and first["reply_to"] is None
    assert (first["lang"], first["platform"], first["source_row"]) == ("ru", "x", 2)

    retweet = posts["1453238917281234999"]
    assert retweet["reshare_of"] == BIG
    assert retweet["text"] == "RT @asem_kz: Қазақстан үшін ең жақсы көшбасшы ғана! әңөұүһі"
    assert retweet["hashtags"] == ["Қазақстан", "Сайлау"]
    assert retweet["urls"] == ["http://t.co/abc", "https://example.org/x"]
    assert retweet["mentions"] == ["987654321"]
    assert retweet["source_row"] == 4  # the first record spans lines 2-3

    reply = posts["1453238917281235000"]
    assert (reply["reply_to"], reply["quote_of"], reply["reshare_of"]) == (BIG, "1453238917281234999", None)

    rejects = rejects_by_row(result)
    assert set(rejects) == {6, 7}
    assert rejects[6]["reason"] == "unparseable time: 27/10/2021 8:17pm"
    assert rejects[7]["reason"] == "5 fields where the header has 31"


def test_io_archive_profiles(cfg):
    accounts = {r["account_id"]: r for r in ingest(DATA / "io_archive_tweets.csv", cfg).accounts.iter_rows(named=True)}
    asem = accounts["987654321"]
    assert (asem["handle"], asem["display_name"], asem["followers"], asem["following"]) == ("asem_kz", "Әсем Қызы", 15200, 10)
    assert asem["created_at"] == utc(2019, 1, 2)
    assert asem["description"] == "Қазақстан үшін 🇰🇿"
    assert accounts[HASHED]["created_at"] == utc(2016, 5, 12)


def test_io_archive_times_are_utc_whatever_the_default_zone(cfg):
    almaty = load_config(overrides={"ingest.default_timezone": "Asia/Almaty"})
    times = ingest(DATA / "io_archive_tweets.csv", almaty).posts["created_at"].to_list()
    assert times == ingest(DATA / "io_archive_tweets.csv", cfg).posts["created_at"].to_list()
    assert times[0] == utc(2021, 10, 27, 8, 15)
    assert ingest(DATA / "io_archive_tweets.csv", cfg).files[0].time_resolution_s == 60


def test_io_archive_any_column_order_and_missing_optional_columns(cfg):
    result = ingest(DATA / "io_archive_reordered.csv", cfg)
    rows = result.posts.select("post_id", "account_id", "created_at", "text", "reshare_of", "lang").rows()
    assert rows == [
        ("2001", "u1", utc(2020, 2, 1, 0, 0), "первый", None, None),
        ("2002", "u2", utc(2020, 2, 1, 0, 1), "RT второй", "2001", None),
    ]


# --- twarc2 JSON lines -------------------------------------------------------


def test_twarc2_pages(cfg):
    result = ingest(DATA / "twarc2_pages.jsonl", cfg)
    posts = posts_by_id(result)
    # includes.tweets are referenced tweets, not posts of the collection
    assert list(posts) == [BIG, "1453238917281234999", "1453238917281235000"]
    first = posts[BIG]
    assert first["account_id"] == "1453000000000000001"
    assert first["created_at"] == utc(2021, 10, 27, 8, 15, 30)
    assert first["text"] == 'Лидер — "лучший"!\nhttps://t.co/abc #Выборы @ivan_ru'
    assert first["urls"] == ["https://example.kz/news?id=1", "https://t.co/nox"]  # expanded, else the t.co
    assert (first["hashtags"], first["mentions"]) == (["Выборы"], ["ivan_ru"])
    assert first["media"] == ["3_1453238917281234560"]
    assert (first["lang"], first["source_row"]) == ("ru", 1)
    assert posts["1453238917281234999"]["reshare_of"] == BIG
    assert posts["1453238917281234999"]["source_row"] == 1  # same page, same line
    # a flattened tweet on line 3 whose id is a bare JSON number above 2**53
    flat = posts["1453238917281235000"]
    assert (flat["reply_to"], flat["quote_of"], flat["source_row"]) == (BIG, "1453238917281234999", 3)

    rejects = rejects_by_row(result)
    assert set(rejects) == {2, 5, 6}
    assert rejects[2]["reason"].startswith("broken JSON")
    assert rejects[5]["reason"] == "a line with no tweet (no tweets)"
    assert rejects[6]["reason"] == "unparseable time: yesterday"


def test_twarc2_profiles_from_includes_and_embedded_author(cfg):
    for name in ("twarc2_pages.jsonl", "twarc2_flat.jsonl"):
        accounts = {r["account_id"]: r for r in ingest(DATA / name, cfg).accounts.iter_rows(named=True)}
        asem = accounts["1453000000000000001"]
        assert (asem["handle"], asem["display_name"], asem["followers"], asem["following"], asem["post_count"]) == (
            "asem_kz",
            "Әсем 🇰🇿",
            15200,
            10,
            999,
        )
        assert asem["created_at"] == utc(2019, 1, 2, 3, 4, 5)
        assert accounts["42"]["handle"] == "ivan_ru"


def test_twarc2_flat_file_crlf(cfg):
    posts = posts_by_id(ingest(DATA / "twarc2_flat.jsonl", cfg))
    assert posts[BIG]["text"] == 'Лидер — "лучший"!\nhttps://t.co/abc #Выборы @ivan_ru'
    assert posts["1453238917281234999"]["reshare_of"] == BIG
    assert [p["source_row"] for p in posts.values()] == [1, 2]


# --- twarc-csv ---------------------------------------------------------------


def test_twarc_csv_values(cfg):
    result = ingest(DATA / "twarc_csv_tweets.csv", cfg)
    posts = posts_by_id(result)
    first = posts[BIG]
    assert first["account_id"] == "1453000000000000001"
    assert first["created_at"] == utc(2021, 10, 27, 8, 15, 30)
    assert first["text"] == 'Лидер — "лучший"!\nhttps://t.co/abc #Выборы @ivan_ru'  # \n written as two characters
    assert (first["hashtags"], first["mentions"], first["urls"]) == (["Выборы"], ["ivan_ru"], ["https://example.kz/news?id=1"])
    assert first["media"] == ["3_1453238917281234560"]
    assert posts["1453238917281234999"]["reshare_of"] == BIG
    old = posts["1453238917281235000"]  # entity cells as arrays of API objects
    assert (old["reply_to"], old["quote_of"]) == (BIG, "1453238917281234999")
    assert old["hashtags"] == ["Қазақстан", "Сайлау"]
    assert (old["urls"], old["mentions"]) == (["https://example.org/a"], ["asem_kz"])
    assert old["text"] == "Қазақстан — ең жақсы! 🇰🇿"
    assert rejects_by_row(result)[5]["reason"] == "missing time"
    accounts = {r["account_id"]: r for r in result.accounts.iter_rows(named=True)}
    assert (accounts["1453000000000000001"]["handle"], accounts["42"]["followers"]) == ("asem_kz", 3)


# --- Telegram ----------------------------------------------------------------


def test_telegram_channel(cfg):
    result = ingest(DATA / "telegram_channel.json", cfg)
    posts = posts_by_id(result)
    assert list(posts) == ["1453238917:2", "1453238917:3", "1453238917:4"]
    post = posts["1453238917:2"]
    assert post["account_id"] == "channel1453238917"
    assert post["created_at"] == utc(2021, 9, 25, 18, 3, 11)  # date_unixtime, not the local "date"
    assert post["text"] == 'Сайлау — "маңызды"!\nОқыңыз: https://example.kz/a және мына жерде #Сайлау @akorda әңөұүһі 👍'
    assert post["urls"] == ["https://example.kz/a", "https://example.kz/b"]
    assert (post["hashtags"], post["mentions"], post["platform"]) == (["Сайлау"], ["akorda"], "telegram")

    forward = posts["1453238917:3"]
    assert forward["reshare_of"] == "fwd:channel1111:516cb738f40f05f0"
    assert forward["media"] == ["1453238917:photos/photo_1@25-09-2021_21-10-00.jpg"]

    anonymous = posts["1453238917:4"]
    assert anonymous["account_id"] == "channel1453238917"  # no from_id: the channel itself
    assert anonymous["reply_to"] == "1453238917:2"
    assert anonymous["media"] == []  # "(File not included…)" is not a file
    assert anonymous["created_at"] == utc(2021, 9, 25, 21, 12)

    rejects = rejects_by_row(result)
    assert set(rejects) == {1, 5}
    assert rejects[1]["reason"] == "service message, not a post"
    assert rejects[5]["reason"] == "unparseable time: not a date"


def test_telegram_account_export(cfg):
    result = ingest(DATA / "telegram_account.json", cfg)
    posts = posts_by_id(result)
    # message id 10 exists in two chats; the left chat is read too
    assert list(posts) == ["555:10", "42:10", "777:1"]
    assert [p["source_row"] for p in posts.values()] == [1, 3, 4]
    assert posts["42:10"]["reply_to"] == "42:9"
    assert posts["42:10"]["hashtags"] == ["бірлік"]
    assert posts["777:1"]["created_at"] == utc(2021, 9, 27)
    assert rejects_by_row(result)[2]["reason"] == "service message, not a post"


def test_telegram_forwards_of_one_message_share_a_key(cfg):
    channel = posts_by_id(ingest(DATA / "telegram_channel.json", cfg))
    account = posts_by_id(ingest(DATA / "telegram_account.json", cfg))
    assert channel["1453238917:3"]["reshare_of"] == account["555:10"]["reshare_of"]
    # a textless forward from a deleted account links to nothing else
    assert account["777:1"]["reshare_of"] == "fwd:unknown:2021-09-27T00:00:00"


def test_telegram_local_date_uses_default_zone(cfg):
    almaty = load_config(overrides={"ingest.default_timezone": "Asia/Almaty"})
    posts = posts_by_id(ingest(DATA / "telegram_channel.json", almaty))
    assert posts["1453238917:2"]["created_at"] == utc(2021, 9, 25, 18, 3, 11)
    assert posts["1453238917:4"]["created_at"] == utc(2021, 9, 25, 15, 12)  # 21:12 in Almaty (+06)


def test_telegram_minified_export(tmp_path, cfg):
    path = tmp_path / "result.json"
    document = json.loads((DATA / "telegram_channel.json").read_text(encoding="utf-8"))
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert sniff(read_head(path), cfg).name == "telegram"
    assert ingest(path, cfg).posts["post_id"].to_list() == ["1453238917:2", "1453238917:3", "1453238917:4"]


def test_telegram_broken_document_is_a_clear_error(tmp_path, cfg):
    path = tmp_path / "result.json"
    path.write_text('{\n "name": "x",\n "type": "public_channel",\n "id": 1,\n "messages": [\n  {"id": 1,', encoding="utf-8")
    with pytest.raises(InputError, match="not a readable Telegram export"):
        ingest(path, cfg, fmt="telegram")


# --- CrowdTangle -------------------------------------------------------------


def test_crowdtangle_facebook(cfg):
    result = ingest(DATA / "crowdtangle_facebook.csv", cfg)
    posts = posts_by_id(result)
    url = "https://www.facebook.com/bizdin.kz/posts/4012345678901234"
    assert list(posts) == [url, *(f"https://www.facebook.com/222/posts/{n}" for n in (333, 334, 335))]
    post = posts[url]
    assert post["account_id"] == "100064123456789012"
    assert post["created_at"] == utc(2021, 9, 25, 16, 3, 11)  # 18:03:11 CEST
    assert post["text"] == 'Сайлау — "маңызды"! #Сайлау2021 #ҚазақстанҮшін\nОқыңыз: https://example.kz/a?x=1. @akorda'
    assert post["urls"] == ["https://example.kz/full-story", "https://example.kz/a?x=1"]
    assert (post["hashtags"], post["mentions"]) == (["Сайлау2021", "ҚазақстанҮшін"], ["akorda"])
    assert (post["platform"], post["source_row"]) == ("facebook", 2)
    photo = posts["https://www.facebook.com/222/posts/333"]
    assert photo["created_at"] == utc(2021, 1, 10, 12, 0)  # 07:00 EST
    assert (photo["text"], photo["urls"]) == (None, ["https://www.facebook.com/222/photos/a.1/444/"])
    assert posts["https://www.facebook.com/222/posts/334"]["created_at"] == utc(2021, 1, 10, 3, 30)  # ALMT
    assert posts["https://www.facebook.com/222/posts/335"]["created_at"] == utc(2021, 1, 10, 4, 30)  # +05

    rejects = rejects_by_row(result)
    assert set(rejects) == {7, 8}
    assert "unknown time zone 'XYZT'" in rejects[7]["reason"] and rejects[7]["column"] == "Post Created"
    assert rejects[8]["reason"] == "unparseable time: sometime in January"

    page = {r["account_id"]: r for r in result.accounts.iter_rows(named=True)}["100064123456789012"]
    assert (page["handle"], page["display_name"], page["followers"]) == ("bizdin.kz", "Біздің Қазақстан", 1500)
    assert page["created_at"] == utc(2015, 3, 4, 4, 0)
    assert page["description"] == "Жаңалықтар 📰"


def test_crowdtangle_instagram(cfg):
    result = ingest(DATA / "crowdtangle_instagram.csv", cfg)
    posts = posts_by_id(result)
    post = posts["https://www.instagram.com/p/CUabc123/"]
    assert (post["account_id"], post["platform"]) == ("aigerim.kz", "instagram")
    assert post["created_at"] == utc(2021, 9, 25, 18, 0)  # 21:00 MSK
    assert post["text"] == "Біз біргеміз! #бірлік @akorda_press 💪"
    assert (post["hashtags"], post["mentions"], post["urls"]) == (["бірлік"], ["akorda_press"], [])
    assert posts["https://www.instagram.com/p/CUdef456/"]["account_id"] == "bot_01"
    assert set(result.accounts["platform"]) == {"instagram"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2021-09-25 18:03:11 CEST", ("2021-09-25 18:03:11+02:00", None)),
        ("2021-09-25 18:03:11 UTC", ("2021-09-25 18:03:11+00:00", None)),
        ("2021-09-25 18:03:11 PDT", ("2021-09-25 18:03:11-07:00", None)),
        ("2021-09-25 18:03 IST", ("2021-09-25 18:03:00+05:30", None)),
        ("2021-09-25 18:03:11 +05", ("2021-09-25 18:03:11+05:00", None)),
        ("2021-09-25 18:03:11 +0530", ("2021-09-25 18:03:11+05:30", None)),
        ("2021-09-25 18:03:11 UTC+3", ("2021-09-25 18:03:11+03:00", None)),
        ("2021-09-25 18:03:11 -03", ("2021-09-25 18:03:11-03:00", None)),
        ("2021-09-25 18:03:11", ("2021-09-25 18:03:11", None)),
        ("", (None, None)),
        ("sometime", ("sometime", None)),
    ],
)
def test_zoned_time(value, expected):
    assert zoned_time(value) == expected


def test_zoned_time_unknown_zone_is_an_error():
    time, error = zoned_time("2021-09-25 18:03:11 XYZT")
    assert time is None and "XYZT" in error


# --- coordination-network-toolkit's CSV --------------------------------------


def test_cnt_csv_values(cfg):
    result = ingest(DATA / "cnt_messages.csv", cfg)
    posts = posts_by_id(result)
    assert list(posts) == ["101", "102", "103", "105"]
    assert posts["101"]["urls"] == ["https://x.kz/a", "https://t.co/Zz"]  # space-separated, as CNT splits them
    assert posts["102"]["reshare_of"] == "101" and posts["102"]["urls"] == []
    assert posts["103"]["reply_to"] == "101" and posts["103"]["text"] == "two\nlines"
    assert posts["103"]["created_at"] == utc(2025, 2, 16, 19, 1, 0, 500000)  # Unix seconds with a fraction
    # the record after the two-line message starts on line 6
    assert [(r["source_row"], r["column"]) for r in result.rejects.iter_rows(named=True)] == [(6, "created_at")]
    assert dict(result.accounts.select("account_id", "handle").iter_rows()) == {"u1": "alice", "u2": "bob", "u3": "carol"}
