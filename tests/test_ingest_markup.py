"""HTML as text: what a Mastodon status or profile note says, with its links, never run."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cib.ingest.markup import html_to_text


def test_paragraphs_breaks_and_entities():
    text, links = html_to_text(
        "<p>one &amp; <b>two</b><br>three</p><p>four&nbsp;&#8212; &quot;five&quot;</p>"
    )
    assert text == 'one & two\nthree\n\nfour\xa0— "five"'
    assert links == []


def test_links_keep_their_classes_and_hidden_parts():
    text, links = html_to_text(
        '<a href="https://ex.kz/a?x=1&amp;y=2" rel="nofollow"><span class="invisible">https://</span>ex.kz/a</a> '
        '<a href="https://m.example/tags/x" class="mention hashtag" rel="tag">#x</a>'
    )
    assert text == "https://ex.kz/a #x"
    assert [(link.href, sorted(link.classes), sorted(link.rel)) for link in links] == [
        ("https://ex.kz/a?x=1&y=2", [], ["nofollow"]),
        ("https://m.example/tags/x", ["hashtag", "mention"], ["tag"]),
    ]


def test_scripts_and_styles_are_dropped_and_escaped_markup_is_text():
    text, _ = html_to_text(
        "<script>alert(1)</script><style>p{}</style>a &lt;script&gt;b<template><p>c</p></template>"
    )
    assert text == "a <script>b"


_TAGS = st.sampled_from(["p", "b", "i", "span", "a", "div", "script", "blockquote", "em"])
_WORDS = st.text(
    alphabet=st.characters(blacklist_characters="<>&", blacklist_categories=("Cs",)), max_size=12
)


@st.composite
def _markup(draw, depth: int = 0) -> tuple[str, str]:
    """Well-formed markup and the words a reader sees in it (none inside a script)."""
    markup, seen = [], []
    for _ in range(draw(st.integers(0, 4))):
        choice = draw(st.integers(0, 2)) if depth < 3 else 0
        if choice == 0:
            word = draw(_WORDS)
            markup.append(word)
            seen.append(word)
        elif choice == 1:
            markup.append("<br>")
        else:
            tag = draw(_TAGS)
            # a script's content is raw text up to the first </script>: it holds no tags
            inner, words = (draw(_WORDS), "") if tag == "script" else draw(_markup(depth + 1))
            markup.append(f'<{tag} class="x">{inner}</{tag}>')
            seen.append(words)
    return "".join(markup), "".join(seen)


@settings(max_examples=300, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=_markup())
def test_well_formed_markup_gives_its_words_and_no_tags(case):
    markup, seen = case
    text, _ = html_to_text(markup)
    assert "<" not in text and ">" not in text
    assert "".join(text.split()) == "".join(seen.split())  # every word, in order; only blanks added


@settings(max_examples=300, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(markup=st.text(max_size=200))
def test_any_text_is_read_without_error(markup):
    text, links = html_to_text(markup)
    assert isinstance(text, str) and all(isinstance(link.href, str) for link in links)
