"""HTML written by a platform (a Mastodon status, a profile note) as plain text and its links.

The markup is read with the standard library's :mod:`html.parser`, which only
tokenises: nothing in it is fetched, run or evaluated. Tags are dropped and
their text kept (a link's hidden ``https://`` prefix too, so a shortened link
reads whole); ``<br>`` becomes a line break and paragraphs are separated by a
blank line; entities are decoded; the content of ``<script>``, ``<style>`` and
``<template>``, which a browser does not show, is dropped. The text is data:
whatever it says (``<b>`` written as ``&lt;b&gt;``, ``=HYPERLINK(…)``) is
kept as text, and escaped by whatever shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

__all__ = ["Link", "html_to_text"]

_HIDDEN = frozenset({"script", "style", "template"})
_BLOCKS = frozenset({"p", "div", "blockquote", "li", "ul", "ol", "pre", "h1", "h2", "h3", "h4", "h5", "h6"})


@dataclass(frozen=True)
class Link:
    """An ``<a>`` of the markup: its target and how the markup classes it.

    Parameters
    ----------
    href
        The ``href`` attribute, entities decoded.
    classes
        The words of its ``class`` attribute.
    rel
        The words of its ``rel`` attribute.
    """

    href: str
    classes: frozenset[str] = field(default_factory=frozenset)
    rel: frozenset[str] = field(default_factory=frozenset)


class _Reader(HTMLParser):
    """Collects text and links; blocks become paragraph breaks, ``<br>`` a line break."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[Link] = []
        self.hidden = 0
        self.paragraph = False  # a block ended or began: the next text starts a new paragraph

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.paragraph = True
        elif tag == "a":
            found = {k: v or "" for k, v in attrs}
            if found.get("href", "").strip():
                self.links.append(
                    Link(
                        found["href"].strip(),
                        frozenset(found.get("class", "").split()),
                        frozenset(found.get("rel", "").lower().split()),
                    )
                )

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in _BLOCKS:
            self.paragraph = True

    def handle_data(self, data: str) -> None:
        if self.hidden or not data:
            return
        if self.paragraph and self.parts:
            while self.parts and self.parts[-1] == "\n":
                self.parts.pop()  # a <br> just before a block end adds nothing to the blank line
            self.parts.append("\n\n")
        self.paragraph = False
        self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, list[Link]]:
    """The text of ``markup`` and its links, in document order.

    Parameters
    ----------
    markup
        HTML, well-formed or not.

    Returns
    -------
    text, links
        The text with surrounding blanks stripped, and every ``<a>`` with an
        ``href``.
    """
    reader = _Reader()
    try:
        reader.feed(markup)
        reader.close()
    except (AssertionError, ValueError):  # older parsers refused some broken declarations
        pass
    return "".join(reader.parts).strip(), reader.links
