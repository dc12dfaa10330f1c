"""Links to posts and profiles on their platforms: built only from ids and handles that match a strict pattern."""

from __future__ import annotations

import pytest

from cib.report.originals import PLATFORMS, platform_key, post_url, profile_url, short_id


@pytest.mark.parametrize(
    ("platform", "post_id", "handle", "url"),
    [
        ("x", "1770000000000000001", None, "https://x.com/i/web/status/1770000000000000001"),
        ("Twitter", "123", None, "https://x.com/i/web/status/123"),
        ("telegram", "1234567890:5", None, "https://t.me/c/1234567890/5"),
        ("telegram", "5209649646/132", None, "https://t.me/c/5209649646/132"),
        ("telegram", "-1001234567890:5", None, "https://t.me/c/1234567890/5"),
        ("facebook", "117173399212769_1000000000000021", None, "https://www.facebook.com/117173399212769/posts/1000000000000021"),
        ("facebook", "https://www.facebook.com/page/posts/1", None, "https://www.facebook.com/page/posts/1"),
        ("instagram", "https://www.instagram.com/p/Cabc123/", None, "https://www.instagram.com/p/Cabc123/"),
        ("instagram", "Cabc123", None, "https://www.instagram.com/p/Cabc123/"),
        ("youtube", "dQw4w9WgXcQ", None, "https://www.youtube.com/watch?v=dQw4w9WgXcQ"),
        ("tiktok", "7300000000000000000", "@some.one", "https://www.tiktok.com/@some.one/video/7300000000000000000"),
        ("vk", "-1_2", None, "https://vk.com/wall-1_2"),
    ],
)
def test_post_links_for_every_platform(platform, post_id, handle, url):
    assert post_url(platform, post_id, handle) == url


@pytest.mark.parametrize(
    ("platform", "post_id"),
    [
        ("x", "123abc"),  # not an id
        ("x", "javascript:alert(1)"),
        ("facebook", "javascript:alert(1)"),
        ("facebook", "https://evil.example/www.facebook.com/p/1"),  # a URL on another host
        ("facebook", "https://facebook.com.evil.example/p/1"),
        ("instagram", "https://www.instagram.com/p/a b/"),  # whitespace
        ("telegram", "chat:5"),
        ("tiktok", "7300000000000000000"),  # no handle to build the address
        ("generic", "123"),  # a platform cib does not link to
        (None, "123"),
        ("x", ""),
    ],
)
def test_no_post_link_from_anything_else(platform, post_id):
    assert post_url(platform, post_id) is None


@pytest.mark.parametrize(
    ("platform", "account_id", "handle", "url"),
    [
        ("x", "42", "jack", "https://x.com/jack"),
        ("x", "42", "has space", "https://x.com/i/user/42"),
        ("x", "a" * 64, "way_too_long_for_x_handles", None),
        ("x", "42", "<script>", "https://x.com/i/user/42"),
        ("telegram", "user123", "@channel_name", "https://t.me/channel_name"),
        ("telegram", "user123", None, None),
        ("facebook", "117173399212769", "Page", "https://www.facebook.com/117173399212769"),
        ("instagram", "9", "some.one", "https://www.instagram.com/some.one/"),
        ("youtube", "UC" + "a" * 22, None, "https://www.youtube.com/channel/UC" + "a" * 22),
        ("tiktok", "1", "some.one", "https://www.tiktok.com/@some.one"),
        ("vk", "-5", None, "https://vk.com/club5"),
        ("vk", "5", "durov", "https://vk.com/durov"),
        ("x", "1", "javascript:alert(1)", "https://x.com/i/user/1"),
        ("generic", "1", "someone", None),
    ],
)
def test_profile_links(platform, account_id, handle, url):
    assert profile_url(platform, account_id, handle) == url


def test_every_link_is_https_on_the_platform():
    for platform in PLATFORMS:
        assert platform_key(platform) == platform
        for url in (post_url(platform, "12345678901", "someone"), profile_url(platform, "12345678901", "someone")):
            assert url is None or url.startswith("https://")


def test_short_ids_keep_the_start():
    assert short_id("a" * 64) == "a" * 12 + "…"
    assert short_id("12345") == "12345"
    assert short_id(None) == ""
