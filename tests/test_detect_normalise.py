"""Matching keys (cib.normalise) and the traces built from them."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cib.config import load_config
from cib.detect import build_traces
from cib.normalise import (
    canonical_url,
    canonical_urls,
    hashtag_key,
    is_shortener,
    mention_key,
    text_key,
    url_domain,
    url_domains,
)
from tests.test_detect_support import posts_frame


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("https://WWW.Example.com/a/b?utm_source=x&id=3#frag", "example.com/a/b?id=3"),
        ("http://example.com/a/b?id=3", "example.com/a/b?id=3"),
        ("example.com/x?fbclid=abc", "example.com/x"),
        ("https://www.youtube.com/watch?v=abc&feature=share", "youtube.com/watch?v=abc"),
        ("https://bit.ly/3xYz", "bit.ly/3xYz"),  # a shortener is kept, never resolved
        ("url_12345", "url_12345"),  # opaque ids pass unchanged
        ("phash_77", "phash_77"),
        ("  ", None),
        (None, None),
    ],
)
def test_canonical_url(raw, key):
    assert canonical_url(raw) == key


def test_domains_and_shorteners():
    assert url_domain("https://news.bbc.co.uk/x") == "bbc.co.uk"
    assert url_domain("url_1") is None
    assert is_shortener("https://t.co/abc") and not is_shortener("https://example.com/a")
    assert url_domains(pl.Series(["https://www.tengrinews.kz/a", None])).to_list() == ["tengrinews.kz", None]


def test_canonical_urls_keeps_order_and_nulls():
    s = pl.Series("u", ["https://X.com/a?utm_medium=y", None, "url_9", "https://x.com/a"])
    assert canonical_urls(s).to_list() == ["x.com/a", None, "url_9", "x.com/a"]


def _key(texts, **kw):
    return pl.DataFrame({"t": texts}).select(text_key(pl.col("t"), **kw)).to_series().to_list()


def test_text_key_strips_rt_urls_mentions_and_case():
    a, b, c = _key(
        [
            "RT @Akorda_press: Қазір ең ЖАҚСЫ көшбасшы — Президент! https://t.co/x1",
            "қазір ең жақсы көшбасшы — президент!   @someone",
            "rt @a: RT @b: Қазір ең жақсы көшбасшы — Президент!",
        ]
    )
    assert a == b == c == "қaзip eң жaқcы көшбacшы — пpeзидeнт!"  # Kazakh letters kept, look-alikes folded


def test_text_key_folds_latin_cyrillic_lookalikes():
    latin = "national security comes before human rights"
    spoofed = latin.replace("o", "\u043e").replace("a", "\u0430").replace("c", "\u0441")
    assert spoofed != latin
    assert _key([latin]) == _key([spoofed])


def test_text_key_nfkc_casefold_and_whitespace():
    assert _key(["ＦＵＬＬ\u3000WIDTH  Straße\n\tok"]) == ["full width strasse ok"]
    assert _key(["write to me: a@b.kz"]) == ["write to me: a@b.kz"]  # e-mail kept


def test_text_key_min_length():
    assert _key(["thank you!", "Наш президент лучший лидер сейчас"], min_chars=20) == [
        None,
        "нaш пpeзидeнт лyчший лидep ceйчac",
    ]


def test_hashtag_and_mention_keys():
    out = pl.DataFrame({"h": ["#Выборы2024", "ВЫБОРЫ2024", "#", "Straße"], "m": ["@Akorda", "akorda", "@", "X"]}).select(
        hashtag_key(pl.col("h")).alias("h"), mention_key(pl.col("m")).alias("m")
    )
    assert out["h"].to_list() == ["выборы2024", "выборы2024", None, "strasse"]
    assert out["m"].to_list() == ["akorda", "akorda", None, "x"]


def test_traces_per_signal():
    posts = posts_frame(
        [
            {"id": "1", "acct": "a", "t": 0, "text": "The incumbent is the best leader right now", "urls": ["https://www.x.kz/a?utm_source=t"], "hashtags": ["Vote", "vote"], "mentions": ["@Bob"], "media": ["img1"]},
            {"id": "2", "acct": "b", "t": 5, "reshare_of": "1", "text": "RT @a: The incumbent is the best leader right now", "urls": ["https://x.kz/a"], "hashtags": ["Vote"]},
            {"id": "3", "acct": "c", "t": 9, "reply_to": "1", "text": "ok"},
        ]
    )
    tr = build_traces(posts, load_config())
    got = {(r["signal"], r["post_id"], r["object_id"]) for r in tr.iter_rows(named=True)}
    assert got == {
        ("co_reshare", "2", "1"),
        ("co_link", "1", "x.kz/a"),  # the reshare's copy of the link is not a co_link trace
        ("co_text", "1", "the incumbent is the best leader right now"),
        ("co_hashtag", "1", "vote"),  # one trace for the tag written twice
        ("co_mention", "1", "bob"),
        ("co_image", "1", "img1"),
        ("co_reply", "3", "1"),
    }
    assert tr.columns == ["account_id", "signal", "object_id", "created_at", "post_id"]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["a", "ә", "Ж", " ", "  ", "\n", "\t", "\u00a0", "\u3000", "\r\n", "\x85", "\u2028", "\u200b"]), max_size=10).map("".join)
        | st.none(),
        max_size=30,
    )
)
def test_collapse_spaces_equals_the_regex(texts):
    from cib.normalise import collapse_spaces

    s = pl.Series("t", texts, dtype=pl.String)
    got = pl.DataFrame({"t": s}).select(collapse_spaces(pl.col("t"))).to_series()
    assert got.to_list() == s.str.replace_all(r"\s+", " ").to_list()


def _lowered(texts: list[str | None], arrow: bool) -> list[str | None]:
    import cib.normalise as nz

    s = pl.Series("t", texts, dtype=pl.String)
    # the Arrow path or Polars alone, whatever the length
    saved, nz._ARROW_LOWER_FROM = nz._ARROW_LOWER_FROM, 0 if arrow else len(texts) + 1
    try:
        return nz._lower(s).to_list()
    finally:
        nz._ARROW_LOWER_FROM = saved


def test_lower_is_python_lower_on_every_letter_python_knows():
    import unicodedata

    # planes 0 and 1 hold every cased letter; unassigned ones (in Python's Unicode) are left out
    chars = [chr(c) for c in range(0x20000) if not 0xD800 <= c <= 0xDFFF and unicodedata.category(chr(c)) != "Cn"]
    assert _lowered(chars, arrow=True) == [c.lower() for c in chars]
    assert _lowered(chars, arrow=False) == [c.lower() for c in chars]


def test_lower_does_not_depend_on_how_many_values_are_lowered():
    # every code point, those Python's Unicode does not know yet too: Arrow's and Polars' tables
    # are of other Unicode versions, and a key must be the same whichever of them lowered it
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    assert _lowered(chars, arrow=True) == _lowered(chars, arrow=False)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.lists(st.sampled_from(["Σ", "σ", "ς", "Α", "ό", "'", " ", "İ", "I", "i", "a", "Ж", "Қ", "ә", "1", ".", "\u0301"]), max_size=8).map("".join)
        | st.none(),
        max_size=20,
    )
)
def test_lower_keeps_pythons_context_rules(texts):
    # final sigma and the dotted capital I: the letters Arrow's kernel maps one by one
    want = [None if t is None else t.lower() for t in texts]
    assert _lowered(texts, arrow=True) == want
    assert _lowered(texts, arrow=False) == want
