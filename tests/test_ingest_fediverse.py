"""Mastodon and Bluesky adapters: API statuses, AppView feeds and search results, Jetstream events.

Every fixture under ``tests/data/formats`` is small enough to read by eye;
the expected values below are what a reader of the file would write down.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from cib.config import load_config
from cib.errors import InputError
from cib.ingest import ingest
from cib.ingest.count import count_records
from cib.ingest.head import read_head
from cib.ingest.registry import FORMATS, sniff
from tests.test_ingest_platforms import posts_by_id, utc

DATA = Path(__file__).parent / "data" / "formats"

#: file -> (format, rows counted, posts, rejects, expanded rows)
FIXTURES = {
    "mastodon_statuses.json": ("mastodon", 9, 7, 2, 1),
    "mastodon_search.json": ("mastodon", 2, 2, 0, 0),
    "mastodon_statuses.jsonl": ("mastodon", 6, 3, 3, 1),
    "bluesky_feed.json": ("bluesky", 8, 6, 2, 1),
    "bluesky_search.json": ("bluesky", 2, 2, 0, 0),
    "bluesky_feed.jsonl": ("bluesky", 7, 6, 1, 3),
    "bluesky_jetstream.jsonl": ("bluesky_jetstream", 9, 3, 6, 0),
}
NEW = {"mastodon", "bluesky", "bluesky_jetstream"}

S1 = "https://mastodon.social/users/alice/statuses/113500000000000001"
DAVE = "https://news.example/users/dave/statuses/777"
F1 = "at://did:plc:aaaa1111/app.bsky.feed.post/3lb2aaaaaaa2a"
P = "at://did:plc:cccc3333/app.bsky.feed.post/3lb2ccccccc2c"
REPOST = "at://did:plc:bbbb2222/app.bsky.feed.repost/3lb2rrrrrrr2r"


@pytest.fixture(scope="module")
def cfg():
    return load_config()


def rejects_by_row(result) -> dict[int, tuple[str | None, str]]:
    return {r["source_row"]: (r["column"], r["reason"]) for r in result.rejects.iter_rows(named=True)}


def accounts_by_id(result) -> dict[str, dict]:
    return {r["account_id"]: r for r in result.accounts.iter_rows(named=True)}


# --- sniffing and reconciliation ----------------------------------------------


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_each_fixture_is_its_format_and_no_other(name, cfg):
    head = read_head(DATA / name)
    assert [f.name for f in FORMATS if f.sniff(head, cfg)] == [FIXTURES[name][0]]


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.iterdir() if p.name not in FIXTURES))
def test_other_formats_are_not_taken_for_mastodon_or_bluesky(name, cfg):
    head = read_head(DATA / name)
    assert not [f.name for f in FORMATS if f.name in NEW and f.sniff(head, cfg)]
    assert sniff(head, cfg).name not in NEW


def test_a_json_array_of_other_objects_is_named_by_its_keys(tmp_path, cfg):
    path = tmp_path / "rows.json"
    path.write_text('[\n {"post_id": "1", "account_id": "a", "text": "x"},\n {"post_id": "2"}\n]\n', encoding="utf-8")
    head = read_head(path)
    assert (head.kind, head.columns) == ("json", ["post_id", "account_id", "text"])
    with pytest.raises(InputError, match=r"not a format cib knows \(json; columns: post_id, account_id, text\)"):
        sniff(head, cfg)


@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_counts_reconcile(name, cfg):
    fmt, rows_in, posts, rejects, expanded = FIXTURES[name]
    result = ingest(DATA / name, cfg)
    (report,) = result.files
    assert report.format == fmt
    assert (report.rows_in, report.posts, report.rejects, report.duplicates, report.expanded) == (
        rows_in,
        posts,
        rejects,
        0,
        expanded,
    )
    assert report.reconciled
    head = read_head(DATA / name)
    assert count_records(DATA / name, head.kind, fmt) == rows_in - expanded
    assert set(result.posts["platform"]) == {"mastodon" if fmt == "mastodon" else "bluesky"}


def test_formats_are_listed_with_what_they_need():
    named = {f.name: f for f in FORMATS}
    assert NEW <= set(named)
    assert (
        "uri" in named["mastodon"].needs
        and "feed" in named["bluesky"].needs
        and "time_us" in named["bluesky_jetstream"].needs
    )


# --- Mastodon -----------------------------------------------------------------


def test_mastodon_status_values(cfg):
    result = ingest(DATA / "mastodon_statuses.json", cfg)
    posts = posts_by_id(result)
    first = posts[S1]
    assert first["account_id"] == "alice@mastodon.social"  # local account: acct + host of its url
    assert first["created_at"] == utc(2024, 11, 20, 9, 15, 30)
    assert (
        first["text"] == 'Сайлау — "маңызды"! #Сайлау @bob\n\nОқыңыз:\nhttps://example.kz/news?id=1&lang=kk'
    )
    # the hashtag and mention links are not urls; the card's url follows the content's link
    assert first["urls"] == ["https://example.kz/news?id=1&lang=kk", "https://example.kz/news/1"]
    assert (first["hashtags"], first["mentions"]) == (["Сайлау"], ["bob@example.org"])
    assert first["media"] == ["https://files.mastodon.social/media_attachments/files/1/original/a.jpg"]
    assert (first["lang"], first["platform"], first["source_row"]) == ("kk", "mastodon", 1)
    assert first["reshare_of"] is first["reply_to"] is first["quote_of"] is None


def test_mastodon_boosts_are_reshares_and_their_originals_posts(cfg):
    posts = posts_by_id(ingest(DATA / "mastodon_statuses.json", cfg))
    boost = posts["https://fedi.example/users/carol/statuses/900/activity"]
    assert (boost["account_id"], boost["reshare_of"], boost["text"]) == ("carol@fedi.example", DAVE, None)
    assert boost["created_at"] == utc(2024, 11, 20, 9, 16)
    original = posts[DAVE]  # read from the boost, on the boost's row
    assert (original["account_id"], original["created_at"], original["source_row"]) == (
        "dave@news.example",
        utc(2024, 11, 20, 8),
        2,
    )
    assert (original["text"], original["urls"]) == ("Срочно: news.example/a/1", ["https://news.example/a/1"])
    assert original["media"] == [
        "https://news.example/media/x.jpg"
    ]  # the remote original, not the local cache
    # bob boosts alice's status, which the file already holds: one row, no second original
    again = posts["https://example.org/users/bob/statuses/54/activity"]
    assert (again["reshare_of"], again["account_id"]) == (S1, "bob@example.org")
    assert sum(p["post_id"] == S1 for p in posts.values()) == 1
    assert sum(p["reshare_of"] is not None for p in posts.values()) == 2


def test_mastodon_replies_quotes_and_two_instances(cfg):
    posts = posts_by_id(ingest(DATA / "mastodon_statuses.json", cfg))
    reply = posts["https://example.org/users/bob/statuses/55"]
    assert reply["reply_to"] == S1  # the parent's id resolved to its uri within the file
    assert reply["text"] == "саясат\n\n@alice келісемін"  # the content warning first
    assert reply["mentions"] == ["alice@mastodon.social"]
    other = posts["https://example.org/users/alice/statuses/56"]
    assert other["account_id"] == "alice@example.org"  # another instance's alice is another account
    assert other["reply_to"] == "local:113400000000000999"  # a parent the file does not hold
    assert other["quote_of"] == S1
    assert other["urls"] == []  # a javascript: link is no URL
    assert sum(p["reply_to"] is not None for p in posts.values()) == 2


def test_mastodon_hostile_markup_stays_text(cfg):
    result = ingest(DATA / "mastodon_statuses.json", cfg)
    post = posts_by_id(result)["https://mastodon.social/users/mallory/statuses/113500000000000008"]
    # the script is dropped, the formula and the escaped tag kept as the characters they are
    assert post["text"] == '=HYPERLINK("http://evil.example","click")\n\n<img src=x onerror=alert(1)>'
    mallory = accounts_by_id(result)["mallory@mastodon.social"]
    assert (mallory["display_name"], mallory["description"]) == ("<b>@admin</b>", "=1+1")


def test_mastodon_rejects(cfg):
    assert rejects_by_row(ingest(DATA / "mastodon_statuses.json", cfg)) == {
        6: ("created_at", "unparseable time: yesterday"),
        7: (None, "a status that is not an object"),
    }


def test_mastodon_profiles(cfg):
    accounts = accounts_by_id(ingest(DATA / "mastodon_statuses.json", cfg))
    assert sorted(accounts) == [
        "alice@example.org",
        "alice@mastodon.social",
        "bob@example.org",
        "carol@fedi.example",
        "dave@news.example",
        "mallory@mastodon.social",
    ]
    alice = accounts["alice@mastodon.social"]
    assert (
        alice["handle"],
        alice["display_name"],
        alice["followers"],
        alice["following"],
        alice["post_count"],
    ) == (
        "alice@mastodon.social",
        "Алиса 🇰🇿",
        120,
        80,
        450,
    )
    assert alice["created_at"] == utc(2022, 11, 3)
    assert alice["description"] == "Журналист & фотограф"  # the note's HTML as text
    assert accounts["dave@news.example"]["followers"] == 9000  # the original's author, from the boost
    assert accounts["carol@fedi.example"]["description"] is None  # an empty note says nothing


def test_mastodon_search_result_and_repeats_across_files(cfg):
    posts = posts_by_id(ingest(DATA / "mastodon_search.json", cfg))
    assert posts["https://example.org/users/bob/statuses/60"]["hashtags"] == ["сайлау"]
    both = ingest([DATA / "mastodon_statuses.json", DATA / "mastodon_search.json"], cfg)
    # the search result repeats alice's status: same uri, one post
    assert [r.duplicates for r in both.files] == [0, 1]
    assert both.posts["post_id"].n_unique() == both.posts.height == 8


def test_mastodon_thread_context(tmp_path, cfg):
    statuses = json.loads((DATA / "mastodon_statuses.json").read_text(encoding="utf-8"))
    path = tmp_path / "context.json"
    path.write_text(json.dumps({"ancestors": [statuses[0]], "descendants": [statuses[3], statuses[4]]}, indent=1), encoding="utf-8")
    assert sniff(read_head(path), cfg).name == "mastodon"
    result = ingest(path, cfg)
    assert (result.files[0].rows_in, result.files[0].reconciled) == (3, True)
    rows = [(p["post_id"], p["reply_to"], p["source_row"]) for p in result.posts.iter_rows(named=True)]
    assert rows == [
        (S1, None, 1),
        ("https://example.org/users/bob/statuses/55", S1, 2),
        ("https://example.org/users/alice/statuses/56", "local:113400000000000999", 3),
    ]


def test_mastodon_json_lines(cfg):
    result = ingest(DATA / "mastodon_statuses.jsonl", cfg)
    posts = posts_by_id(result)
    u1 = "https://mstdn.example/users/erin/statuses/200"
    assert list(posts) == [
        u1,
        "https://mstdn.example/users/frank/statuses/201",
        "https://mstdn.example/users/frank/statuses/202/activity",
    ]
    assert [p["source_row"] for p in posts.values()] == [1, 2, 2]  # line 2 is a page of two statuses
    assert posts["https://mstdn.example/users/frank/statuses/201"]["reply_to"] == u1  # resolved across lines
    assert posts["https://mstdn.example/users/frank/statuses/202/activity"]["reshare_of"] == u1
    assert posts[u1]["account_id"] == "erin@mstdn.example"
    rejects = rejects_by_row(result)
    assert set(rejects) == {3, 4, 6}  # line 5 is blank
    assert rejects[3][1].startswith("broken JSON")
    assert rejects[4] == (None, "a line with no Mastodon post")
    assert rejects[6] == ("post_id", "missing post id")


def test_mastodon_lines_of_arrays_are_json_lines(tmp_path, cfg):
    statuses = json.loads((DATA / "mastodon_statuses.json").read_text(encoding="utf-8"))
    path = tmp_path / "pages.json"
    path.write_text(
        json.dumps(statuses[:3], ensure_ascii=False)
        + "\n"
        + json.dumps(statuses[3:5], ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    assert sniff(read_head(path), cfg).name == "mastodon"
    (report,) = ingest(path, cfg).files
    # 2 lines of 3 and 2 statuses, and the original of carol's boost (bob boosts a status the file holds)
    assert (report.rows_in, report.expanded, report.posts, report.rejects, report.reconciled) == (
        6,
        4,
        6,
        0,
        True,
    )


def test_a_lone_surrogate_rejects_its_status_and_an_escaped_emoji_does_not(tmp_path, cfg):
    statuses = [s for s in json.loads((DATA / "mastodon_statuses.json").read_text(encoding="utf-8")) if isinstance(s, dict)]
    text = json.dumps(statuses[:2])  # ensure_ascii: every emoji written as an escaped pair
    assert "\\ud83c\\uddf0" in text
    path = tmp_path / "statuses.json"
    path.write_text(text.replace('"Carol"', '"Car\\ud800ol"', 1), encoding="utf-8")  # carol boosts in the second
    result = ingest(path, cfg)
    assert rejects_by_row(result) == {2: (None, "a lone surrogate escape (such as \\ud800), which is not text")}
    assert list(posts_by_id(result)) == [S1]
    assert accounts_by_id(result)["alice@mastodon.social"]["display_name"] == "Алиса 🇰🇿"


def test_a_broken_mastodon_document_is_a_clear_error(tmp_path, cfg):
    path = tmp_path / "statuses.json"
    path.write_text(
        '[\n {"id": "1", "uri": "https://x/1", "created_at": "2024-01-01T00:00:00Z", "account": {}, "content": ""},\n {"id": ',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="not a readable Mastodon file"):
        ingest(path, cfg, fmt="mastodon")


# --- Bluesky AppView ----------------------------------------------------------


def test_bluesky_post_values(cfg):
    posts = posts_by_id(ingest(DATA / "bluesky_feed.json", cfg))
    first = posts[F1]
    assert first["account_id"] == "did:plc:aaaa1111"
    assert first["created_at"] == utc(2024, 11, 20, 9, 15, 30, 123000)  # createdAt, not indexedAt
    assert first["text"] == "Сайлау маңызды! #Сайлау @bolat.bsky.social example.kz/a"
    assert first["urls"] == [
        "https://example.kz/a?utm=1",
        "https://example.kz/a",
    ]  # link facet, then the external embed
    assert first["hashtags"] == ["Сайлау", "ТенірСайлау"]  # tag facet, then the record's tags
    assert first["mentions"] == ["did:plc:bbbb2222"]
    assert (first["lang"], first["platform"], first["source_row"]) == ("kk", "bluesky", 1)


def test_bluesky_reposts(cfg):
    posts = posts_by_id(ingest(DATA / "bluesky_feed.json", cfg))
    named = posts[REPOST]  # reason.uri: the repost record's own AT-URI
    assert (named["account_id"], named["reshare_of"], named["created_at"]) == (
        "did:plc:bbbb2222",
        P,
        utc(2024, 11, 20, 9, 16),
    )
    original = posts[P]
    assert (original["account_id"], original["text"], original["source_row"]) == (
        "did:plc:cccc3333",
        "Срочно: итоги",
        2,
    )
    digest = hashlib.sha1(f"did:plc:dddd4444 {F1} 2024-11-20T09:17:00.000Z".encode()).hexdigest()[:16]
    derived = posts[f"at-repost:did:plc:dddd4444:{digest}"]  # no reason.uri: who, what and when
    assert (derived["reshare_of"], derived["text"]) == (F1, None)
    assert (
        sum(p["post_id"] == F1 for p in posts.values()) == 1
    )  # a repost of a post the file holds adds no copy
    assert sum(p["reshare_of"] is not None for p in posts.values()) == 2


def test_bluesky_replies_quotes_and_media(cfg):
    posts = posts_by_id(ingest(DATA / "bluesky_feed.json", cfg))
    reply = posts["at://did:plc:aaaa1111/app.bsky.feed.post/3lb2aaaaaab2a"]
    assert reply["reply_to"] == P
    quote = posts["at://did:plc:eeee5555/app.bsky.feed.post/3lb2eeeeeee2e"]
    assert (quote["quote_of"], quote["media"]) == (
        F1,
        ["bafkreiimage1"],
    )  # recordWithMedia: the post and the image's CID
    assert quote["text"] == "=cmd|' /C calc'!A0 <script>alert(1)</script>"  # plain text, kept as written
    assert sum(p["reply_to"] is not None for p in posts.values()) == 1


def test_bluesky_rejects_and_profiles(cfg):
    result = ingest(DATA / "bluesky_feed.json", cfg)
    assert rejects_by_row(result) == {
        6: ("record.$type", "a record of type app.bsky.feed.generator, not app.bsky.feed.post"),
        7: ("created_at", "unparseable time: not a time"),
    }
    accounts = accounts_by_id(result)
    assert sorted(accounts) == [
        "did:plc:aaaa1111",
        "did:plc:bbbb2222",
        "did:plc:cccc3333",
        "did:plc:dddd4444",
        "did:plc:eeee5555",
    ]
    aigerim = accounts["did:plc:aaaa1111"]
    assert (aigerim["handle"], aigerim["display_name"], aigerim["created_at"]) == (
        "aigerim.bsky.social",
        "Әйгерім",
        utc(2023, 9, 1, 10),
    )
    assert accounts["did:plc:bbbb2222"]["handle"] == "bolat.bsky.social"  # the reposter, from reason.by
    assert accounts["did:plc:eeee5555"]["display_name"] == "Eve <script>"


def test_bluesky_search_posts(cfg):
    posts = posts_by_id(ingest(DATA / "bluesky_search.json", cfg))
    video = posts["at://did:plc:ffff6666/app.bsky.feed.post/3lb3fffffff2f"]
    assert video["created_at"] == utc(2024, 11, 21, 11)  # no createdAt: indexedAt
    assert (video["urls"], video["media"]) == (["https://example.org/v"], ["bafkreivideo1"])
    assert posts[F1]["hashtags"] == ["Сайлау", "ТенірСайлау"]


def test_bluesky_json_lines_of_pages_items_and_posts(cfg):
    result = ingest(DATA / "bluesky_feed.jsonl", cfg)
    rows = [(p["post_id"], p["source_row"]) for p in result.posts.iter_rows(named=True)]
    digest = hashlib.sha1(f"did:plc:dddd4444 {F1} 2024-11-20T09:17:00.000Z".encode()).hexdigest()[:16]
    assert rows == [
        ("at://did:plc:aaaa1111/app.bsky.feed.post/3lb2aaaaaab2a", 1),  # a page of two feed items
        (REPOST, 1),
        (P, 1),  # the reposted original
        (f"at-repost:did:plc:dddd4444:{digest}", 2),  # one feed item: a repost of a post not yet seen
        (F1, 2),
        ("at://did:plc:ffff6666/app.bsky.feed.post/3lb3fffffff2f", 3),  # one post view
    ]
    assert rejects_by_row(result) == {4: (None, "a line with no Bluesky post")}


# --- Jetstream ----------------------------------------------------------------


def test_jetstream_posts_and_reposts(cfg):
    result = ingest(DATA / "bluesky_jetstream.jsonl", cfg)
    posts = posts_by_id(result)
    assert list(posts) == [F1, REPOST, "at://did:plc:eeee5555/app.bsky.feed.post/3lb2eeeeeef2e"]
    assert [p["source_row"] for p in posts.values()] == [1, 2, 7]
    assert posts[REPOST]["reshare_of"] == P
    assert posts[REPOST]["created_at"] == utc(2024, 11, 20, 9, 15, 59, 900000)
    reply = posts["at://did:plc:eeee5555/app.bsky.feed.post/3lb2eeeeeef2e"]
    assert reply["created_at"] == utc(2024, 11, 20, 10, 53, 20)  # no createdAt: time_us
    assert (reply["reply_to"], reply["mentions"]) == (F1, ["did:plc:bbbb2222"])
    # the same post as the AppView gives it: the same values
    feed = posts_by_id(ingest(DATA / "bluesky_feed.json", cfg))[F1]
    assert {k: v for k, v in posts[F1].items() if k not in ("source_file", "source_row")} == {
        k: v for k, v in feed.items() if k not in ("source_file", "source_row")
    }


def test_jetstream_rejects_every_event_that_is_not_a_post(cfg):
    rejects = rejects_by_row(ingest(DATA / "bluesky_jetstream.jsonl", cfg))
    assert rejects[8][1].startswith("broken JSON")
    assert {k: v for k, v in rejects.items() if k != 8} == {
        3: ("commit.collection", "a record of app.bsky.feed.like, not a post or repost"),
        4: ("kind", "an event of kind identity, not a post"),
        5: ("kind", "an event of kind account, not a post"),
        6: ("commit.operation", "a deletion of a record of app.bsky.feed.post, not a post"),
        9: ("commit.collection", "a record of app.bsky.graph.follow, not a post or repost"),
    }


def test_jetstream_and_appview_name_one_post_and_one_repost_alike(cfg):
    both = ingest([DATA / "bluesky_feed.json", DATA / "bluesky_jetstream.jsonl"], cfg)
    assert [r.duplicates for r in both.files] == [0, 2]  # alice's post and bob's repost
    assert all(r.reconciled for r in both.files)
    assert both.posts["post_id"].n_unique() == both.posts.height == 7
