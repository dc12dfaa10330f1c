"""VK API responses, Telegram replies into another chat, and the posting client of X sources.

The fixtures under ``tests/data/formats`` are small enough to read by eye;
the expected values are what a reader of the file would write down.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cib.config import load_config
from cib.ingest import ingest
from cib.ingest.fields import client_name
from cib.ingest.head import read_head
from cib.ingest.registry import sniff

DATA = Path(__file__).parent / "data" / "formats"


@pytest.fixture(scope="module")
def cfg():
    return load_config()


def by_id(result) -> dict[str, dict]:
    return {r["post_id"]: r for r in result.posts.iter_rows(named=True)}


@pytest.mark.parametrize(
    ("name", "counts"),
    [("vk_wall.json", (7, 5, 2, 1)), ("vk_items.jsonl", (5, 4, 1, 2)), ("vk_bare.json", (2, 1, 1, 0))],
)
def test_vk_is_sniffed_and_reconciles(name, counts, cfg):
    assert sniff(read_head(DATA / name), cfg).name == "vk"
    (report,) = ingest(DATA / name, cfg).files
    assert (report.rows_in, report.posts, report.rejects, report.expanded) == counts
    assert report.reconciled


def test_vk_wall_response(cfg):
    result = ingest(DATA / "vk_wall.json", cfg)
    posts = by_id(result)
    # the item reposting -1001_42 does not add it again; the chain's second original lands once
    assert list(posts) == ["-1001_42", "77_7", "-2002_3", "88_8", "-1001_9"]
    first = posts["-1001_42"]
    assert (first["account_id"], first["platform"], first["client"]) == ("-1001", "vk", "api")
    assert first["created_at"] == datetime(2021, 9, 25, 18, 3, 11, tzinfo=UTC)
    assert first["urls"] == ["https://example.kz/full", "https://example.kz/a"]
    assert (first["hashtags"], first["mentions"], first["media"]) == (
        ["Сайлау", "бірлік"],
        ["77"],
        ["photo-1001_456"],
    )
    repost = posts["77_7"]
    assert (repost["reshare_of"], repost["text"], repost["client"], repost["source_row"]) == (
        "-1001_42",
        None,
        "vk/android",
        2,
    )
    # the original of the chain's end is a post of the community, from the same item
    assert (
        posts["-2002_3"]["account_id"],
        posts["-2002_3"]["reshare_of"],
        posts["-2002_3"]["source_row"],
    ) == ("-2002", None, 2)
    assert posts["88_8"]["reshare_of"] == "-2002_3"
    reply = posts["-1001_9"]
    assert (reply["account_id"], reply["reply_to"], reply["mentions"]) == ("88", "-1001_42", ["-2002"])
    rejects = {r["source_row"]: (r["column"], r["reason"]) for r in result.rejects.iter_rows(named=True)}
    assert rejects == {5: (None, "an item that is not an object"), 6: ("created_at", "missing time")}


def test_vk_profiles_and_communities(cfg):
    accounts = {r["account_id"]: r for r in ingest(DATA / "vk_wall.json", cfg).accounts.iter_rows(named=True)}
    assert (
        accounts["-1001"]["handle"],
        accounts["-1001"]["display_name"],
        accounts["-1001"]["followers"],
    ) == ("bizdin", "Біздің арна 🇰🇿", 5000)
    assert (accounts["77"]["handle"], accounts["77"]["display_name"], accounts["77"]["followers"]) == (
        "asem_kz",
        "Әсем Қызы",
        15200,
    )
    assert accounts["88"]["post_count"] == 2


def test_vk_json_lines_share_the_line_and_skip_a_seen_original(cfg):
    result = ingest(DATA / "vk_items.jsonl", cfg)
    posts = by_id(result)
    assert list(posts) == ["300_5", "301_6", "302_7", "-9_1"]
    assert [p["source_row"] for p in posts.values()] == [1, 2, 2, 2]
    assert (posts["301_6"]["reshare_of"], posts["302_7"]["reshare_of"]) == ("300_5", "-9_1")
    (reject,) = result.rejects.iter_rows(named=True)
    assert (reject["source_row"], reject["reason"]) == (3, "a line with no VK post")


def test_vk_hostile_text_is_kept_as_text(cfg):
    text = by_id(ingest(DATA / "vk_wall.json", cfg))["-2002_3"]["text"]
    assert text == '=HYPERLINK("http://evil") <script>alert(1)</script>'


def test_vk_minified_response_is_one_json_line(tmp_path, cfg):
    path = tmp_path / "wall.json"
    path.write_text(
        json.dumps(json.loads((DATA / "vk_wall.json").read_text(encoding="utf-8")), ensure_ascii=False),
        encoding="utf-8",
    )
    result = ingest(path, cfg)
    assert result.files[0].format == "vk" and result.files[0].reconciled
    assert list(by_id(result)) == ["-1001_42", "77_7", "-2002_3", "88_8", "-1001_9"]
    assert set(result.posts["source_row"]) == {1}


@pytest.mark.parametrize("indent", [None, 1])
def test_vk_response_without_its_wrapper(tmp_path, cfg, indent):
    inner = json.loads((DATA / "vk_wall.json").read_text(encoding="utf-8"))["response"]
    path = tmp_path / "inner.json"
    path.write_text(json.dumps(inner, ensure_ascii=False, indent=indent), encoding="utf-8")
    result = ingest(path, cfg)
    assert result.files[0].format == "vk" and result.files[0].reconciled
    assert list(by_id(result)) == ["-1001_42", "77_7", "-2002_3", "88_8", "-1001_9"]


# --- Telegram: a reply into another chat ------------------------------------


def test_telegram_reply_into_another_chat(tmp_path, cfg):
    messages = [
        {
            "id": 1,
            "type": "message",
            "date_unixtime": "1632592991",
            "from_id": "user5",
            "text": "a",
            "reply_to_message_id": 40,
            "reply_to_peer_id": "channel1111",
        },
        {
            "id": 2,
            "type": "message",
            "date_unixtime": "1632592992",
            "from_id": "user5",
            "text": "b",
            "reply_to_message_id": 41,
            "reply_to_peer_id": "-1002222",
        },
        {
            "id": 3,
            "type": "message",
            "date_unixtime": "1632592993",
            "from_id": "user5",
            "text": "c",
            "reply_to_message_id": 1,
        },
        {
            "id": 4,
            "type": "message",
            "date_unixtime": "1632592994",
            "from_id": "user5",
            "text": "d",
            "reply_to_message_id": 9,
            "reply_to_peer_id": {"odd": 1},
        },
    ]
    path = tmp_path / "result.json"
    path.write_text(
        json.dumps({"name": "c", "type": "public_supergroup", "id": 555, "messages": messages}),
        encoding="utf-8",
    )
    posts = by_id(ingest(path, cfg))
    assert [posts[f"555:{i}"]["reply_to"] for i in (1, 2, 3, 4)] == ["1111:40", "2222:41", "555:1", None]


# --- the posting client -----------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            '<a href="http://twitter.com/download/android" rel="nofollow">Twitter for Android</a>',
            "Twitter for Android",
        ),
        ('<a href="x">Auto &amp; Post</a>', "Auto & Post"),
        ('<a href="x"><img src=x onerror=alert(1)>Bot</a>', "Bot"),
        ("Twitter Web App", "Twitter Web App"),
        ("  ", None),
        (None, None),
    ],
)
def test_client_name(value, expected):
    assert client_name(value) == expected


def test_client_from_twarc_io_archive_and_generic(tmp_path, cfg):
    page = {
        "data": [
            {
                "id": "1",
                "author_id": "9",
                "created_at": "2021-10-27T08:15:30.000Z",
                "text": "x",
                "source": "AutoPoster",
            }
        ],
        "includes": {"users": []},
    }
    (tmp_path / "t.jsonl").write_text(json.dumps(page) + "\n", encoding="utf-8")
    (tmp_path / "io.csv").write_text(
        "tweetid,userid,tweet_time,tweet_client_name\n2,u,2020-02-01 00:00,Twitter for iPhone\n",
        encoding="utf-8",
    )
    (tmp_path / "g.csv").write_text(
        "post_id,account_id,created_at,source\n3,a,2020-02-01T00:00:00Z,Buffer\n", encoding="utf-8"
    )
    posts = ingest(tmp_path, cfg).posts
    assert dict(posts.select("post_id", "client").iter_rows()) == {
        "1": "AutoPoster",
        "2": "Twitter for iPhone",
        "3": "Buffer",
    }


def test_vk_posts_repeated_across_files_are_duplicates(tmp_path, cfg):
    # a second save of the same wall: every post it holds, originals included, is counted once
    copy = tmp_path / "again.json"
    copy.write_bytes((DATA / "vk_wall.json").read_bytes())
    result = ingest([DATA / "vk_wall.json", copy], cfg)
    assert [(r.posts, r.rejects, r.duplicates, r.reconciled) for r in result.files] == [
        (5, 2, 0, True),
        (0, 2, 5, True),
    ]
    assert result.posts.height == 5
