"""Zeeschuimer/4CAT captures, 4CAT dataset CSVs and Meta Content Library exports.

Fixtures under ``tests/data/formats`` are small enough to read by eye; the
expected values are what a reader of the file would write down.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from cib.config import load_config
from cib.errors import InputError
from cib.ingest import ingest
from cib.ingest.fourcat import platform_of
from cib.ingest.head import read_head
from cib.ingest.registry import FORMATS, sniff

DATA = Path(__file__).parent / "data" / "formats"

FIXTURES = {
    "zeeschuimer_items.ndjson": ("zeeschuimer", 8, 6, 2),
    "fourcat_tiktok.csv": ("4cat_csv", 4, 2, 2),
    "fourcat_generic.csv": ("4cat_csv", 2, 2, 0),
    "mcl_facebook.csv": ("meta_content_library", 4, 2, 2),
    "mcl_instagram.jsonl": ("meta_content_library", 3, 2, 1),
    "mcl_instagram_api.json": ("meta_content_library", 3, 2, 1),
}


@pytest.fixture(scope="module")
def cfg():
    return load_config()


def by_id(result) -> dict[str, dict]:
    return {r["post_id"]: r for r in result.posts.iter_rows(named=True)}


def rejects(result) -> dict[int, tuple[str | None, str]]:
    return {r["source_row"]: (r["column"], r["reason"]) for r in result.rejects.iter_rows(named=True)}


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_sniffed_and_reconciled(name, cfg):
    fmt, rows_in, posts, rejected = FIXTURES[name]
    assert sniff(read_head(DATA / name), cfg).name == fmt
    (report,) = ingest(DATA / name, cfg).files
    assert (report.format, report.rows_in, report.posts, report.rejects, report.duplicates) == (
        fmt,
        rows_in,
        posts,
        rejected,
        0,
    )
    assert report.reconciled


def test_new_formats_are_listed():
    names = [f.name for f in FORMATS]
    assert {"vk", "zeeschuimer", "4cat_csv", "meta_content_library"} <= set(names)
    # platform formats are tried before the generic table, which would take a 4CAT CSV with author_id
    assert names.index("4cat_csv") < names.index("generic") and names.index(
        "meta_content_library"
    ) < names.index("generic")


# --- Zeeschuimer NDJSON -------------------------------------------------------


def test_zeeschuimer_tiktok(cfg):
    posts = by_id(ingest(DATA / "zeeschuimer_items.ndjson", cfg))
    video = posts["7301000000000000001"]
    assert (video["account_id"], video["platform"], video["source_row"]) == ("aigerim.kz", "tiktok", 1)
    assert video["created_at"] == datetime(2023, 11, 14, 22, 15, tzinfo=UTC)
    assert (video["text"], video["hashtags"], video["mentions"]) == (
        "Біз біргеміз! #бірлік #kz @akorda",
        ["бірлік", "kz"],
        ["akorda"],
    )
    assert (video["quote_of"], video["media"]) == (
        None,
        [],
    )  # duetFromId "0" is no duet; the sound is not media
    duet = posts[
        "7301000000000000002"
    ]  # author embedded as a string, createTime as text, hashtags from challenges
    assert (duet["account_id"], duet["quote_of"], duet["hashtags"]) == (
        "bot_01",
        "7301000000000000001",
        ["kz"],
    )


def test_zeeschuimer_instagram(cfg):
    posts = by_id(ingest(DATA / "zeeschuimer_items.ndjson", cfg))
    post = posts["CUabc123"]
    assert (post["account_id"], post["platform"]) == ("aigerim.kz", "instagram")
    assert post["created_at"] == datetime(2023, 11, 14, 22, 18, 20, tzinfo=UTC)
    assert post["text"] == "=cmd|' /C calc'!A0 #бірлік @akorda_press"  # kept as text; outputs neutralise it
    assert (post["hashtags"], post["mentions"]) == (["бірлік"], ["akorda_press", "friend_1"])
    old = posts["CUdef456"]
    assert (old["account_id"], old["text"], old["hashtags"]) == ("bot_02", "old page #kz", ["kz"])


def test_zeeschuimer_x(cfg):
    result = ingest(DATA / "zeeschuimer_items.ndjson", cfg)
    posts = by_id(result)
    retweet = posts["1453238917281234999"]
    assert (retweet["account_id"], retweet["platform"], retweet["reshare_of"]) == (
        "1453000000000000001",
        "x",
        "1453238917281234567",
    )
    assert retweet["created_at"] == datetime(2021, 10, 27, 8, 16, 30, tzinfo=UTC)
    assert (retweet["urls"], retweet["hashtags"], retweet["mentions"]) == (
        ["https://example.kz/a"],
        ["Выборы"],
        ["asem_kz"],
    )
    assert (retweet["media"], retweet["lang"], retweet["client"]) == (
        ["3_1453238917281234560"],
        "ru",
        "AutoPoster",
    )
    reply = posts["1453238917281235000"]  # wrapped in TweetWithVisibilityResults
    assert (reply["account_id"], reply["reply_to"], reply["quote_of"], reply["client"]) == (
        "42", "1453238917281234567", "1453238917281234999", "Twitter Web App",
    )  # fmt: skip
    assert "1453238917281234567" not in posts  # the retweeted tweet is not a post of the collection
    accounts = {r["account_id"]: r for r in result.accounts.iter_rows(named=True)}
    asem = accounts["1453000000000000001"]
    assert (
        asem["handle"],
        asem["display_name"],
        asem["followers"],
        asem["following"],
        asem["post_count"],
    ) == ("asem_kz", "Әсем", 15200, 10, 999)
    assert asem["created_at"] == datetime(2019, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert accounts["42"]["handle"] == "ivan_ru"


def test_zeeschuimer_rejects_name_the_platform(cfg):
    found = rejects(ingest(DATA / "zeeschuimer_items.ndjson", cfg))
    assert found[7] == (
        "source_platform",
        "source_platform 'linkedin.com' is not one cib reads (tiktok.com, instagram.com, twitter.com, x.com)",
    )
    assert found[8] == ("data", "a captured item without its data object")


# --- 4CAT dataset CSV ---------------------------------------------------------


def test_fourcat_csv_tiktok(cfg):
    result = ingest(DATA / "fourcat_tiktok.csv", cfg)
    posts = by_id(result)
    first = posts["7301000000000000001"]
    assert (first["account_id"], first["platform"], first["source_row"]) == ("aigerim.kz", "tiktok", 2)
    assert first["text"] == "Біз біргеміз! #бірлік\nекінші жол"
    assert first["created_at"] == datetime(2023, 11, 14, 22, 15, tzinfo=UTC)
    assert first["hashtags"] == ["бірлік", "kz"]  # comma-separated, not one item
    second = posts["7301000000000000002"]  # no unix_timestamp: the written UTC time
    assert (second["created_at"], second["text"]) == (
        datetime(2023, 11, 14, 22, 16, 40, tzinfo=UTC),
        '=HYPERLINK("http://evil")',
    )
    assert rejects(result) == {5: ("created_at", "missing time"), 6: ("account_id", "missing account id")}
    accounts = {r["account_id"]: r for r in result.accounts.iter_rows(named=True)}
    assert (accounts["aigerim.kz"]["display_name"], accounts["aigerim.kz"]["followers"]) == ("Айгерім", 1200)


def test_fourcat_csv_times_are_utc_whatever_the_default_zone(cfg):
    almaty = load_config(overrides={"ingest.default_timezone": "Asia/Almaty"})
    posts = by_id(ingest(DATA / "fourcat_generic.csv", almaty))
    assert posts["p1"]["created_at"] == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert posts["p1"]["urls"] == ["https://a.example/x", "https://b.example/y"]
    assert (posts["p1"]["mentions"], posts["p1"]["hashtags"], posts["p1"]["platform"]) == (
        ["bob"],
        ["tag"],
        "bsky",
    )
    assert (posts["p2"]["reply_to"], posts["p2"]["platform"]) == (None, "unknown")  # thread_id is not a reply


@pytest.mark.parametrize(
    ("url", "platform"),
    [
        ("https://www.tiktok.com/@a/video/1", "tiktok"),
        ("https://x.com/a/status/1", "x"),
        ("https://m.vk.com/wall-1_2", "vk"),
        ("https://nottiktok.com/a", None),
        ("http://[broken", None),
        (None, None),
    ],
)
def test_platform_of(url, platform):
    assert platform_of(url) == platform


# --- Meta Content Library -----------------------------------------------------


def test_mcl_facebook_csv(cfg):
    result = ingest(DATA / "mcl_facebook.csv", cfg)
    posts = by_id(result)
    post = posts["1000000000000001"]
    assert (post["account_id"], post["platform"], post["lang"]) == ("100064123456789012", "facebook", "kk")
    assert post["created_at"] == datetime(2024, 3, 1, 7, 0, tzinfo=UTC)  # 10:00 +0300
    assert post["urls"] == ["https://example.kz/full", "https://example.kz/a"]
    assert (post["hashtags"], post["mentions"], post["media"]) == (["Сайлау"], ["akorda"], [])
    other = posts["1000000000000002"]  # no offset: UTC
    assert (other["created_at"], other["text"]) == (
        datetime(2024, 3, 1, 7, 5, tzinfo=UTC),
        "<img src=x onerror=alert(1)>",
    )
    assert rejects(result) == {4: ("created_at", "missing time"), 5: ("account_id", "missing account id")}
    names = dict(result.accounts.select("account_id", "display_name").iter_rows())
    assert names == {"100064123456789012": "Біздің Қазақстан", "100064123456789013": "Bot page"}


@pytest.mark.parametrize("name", ["mcl_instagram.jsonl", "mcl_instagram_api.json"])
def test_mcl_instagram_json(name, cfg):
    # the same posts as JSON lines and as the data array of an API response, each post's place its row
    result = ingest(DATA / name, cfg)
    posts = by_id(result)
    assert {p["platform"] for p in posts.values()} == {"instagram"}
    assert posts["3300000000000000002"]["created_at"] == datetime(
        2024, 3, 1, 10, 1, tzinfo=UTC
    )  # Unix seconds
    assert (posts["3300000000000000001"]["hashtags"], posts["3300000000000000001"]["mentions"]) == (
        ["бірлік"],
        ["akorda_press"],
    )
    assert dict(result.accounts.select("account_id", "handle").iter_rows()) == {
        "17841400000000001": "aigerim.kz",
        "17841400000000002": "bot_01",
    }
    assert rejects(result) == {3: (None, "a JSON post that is not an object")}


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\xef\xbb\xbf \r\n", b"   \n"])
def test_a_file_of_a_byte_order_mark_alone_is_empty(tmp_path, data):
    path = tmp_path / "posts.csv"
    path.write_bytes(data)
    with pytest.raises(InputError, match="the file is empty"):
        read_head(path)
