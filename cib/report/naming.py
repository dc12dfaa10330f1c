"""Names for networks from their own content, and the plain-language paragraph the report opens with.

A network's number identifies it; its name says what it is about, from what its
members post: its most used hashtag, else the domain it links to most, else its
most distinctive term, with the language most of its posts are in
(``#выборы · ru``). Names are text from the data: the template escapes them and
the charts take them through :func:`cib.report.safety.hover_text`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cib.network.labels import LABEL_SHORT
from cib.network.labels import LABEL_WORDS as LABEL_WORDS_LONG
from cib.printable import printable

__all__ = ["LABEL_PHRASES", "LABEL_WORDS", "label_words", "topic", "topic_of_objects", "summary_paragraph", "plural"]

#: what each label is called in sentences for readers
LABEL_PHRASES = LABEL_WORDS_LONG
#: the short form, on badges and in the charts' legends and hover labels
LABEL_WORDS = LABEL_SHORT


def label_words(label: object) -> str:
    """A stored label as readers see it (``"bot"`` → ``"automation-like"``); ``""`` stays ``""``."""
    return LABEL_WORDS.get(str(label), str(label or ""))


def plural(n: int, one: str, many: str | None = None) -> str:
    """``"1 network"``, ``"2 networks"`` (``many`` defaults to ``one + "s"``)."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _short(text: str, chars: int) -> str:
    text = printable(" ".join(text.split()))
    return text if len(text) <= chars else text[: max(chars - 1, 1)] + "…"


def topic(
    hashtags: Sequence[tuple[str, int]], domains: Sequence[tuple[str, int]], terms: Sequence[tuple[str, int]],
    lang: str | None = None, *, chars: int = 32,
) -> str:
    """A network's name from its content: top hashtag, else top domain, else top term, and its language.

    Parameters
    ----------
    hashtags, domains, terms
        ``(item, posts)``, most used first (:mod:`cib.report.narratives`).
    lang
        The language most of its posts are in, when the source says.
    chars
        Longest item kept (``report.name_chars``).

    Returns
    -------
    str
        ``"#выборы · ru"``, ``"example.com"``, ``""`` when it posts nothing to name it by.
    """
    if hashtags:
        what = "#" + _short(hashtags[0][0], chars)
    elif domains:
        what = _short(domains[0][0], chars)
    elif terms:
        what = f"“{_short(terms[0][0], chars)}”"
    else:
        what = ""
    language = _short(lang, 12) if lang else ""
    return " · ".join(p for p in (what, language) if p)


def _narratives(dossiers: Sequence[Any], most: int, chars: int) -> list[str]:
    """The top hashtag, domain or term of each described network (largest first), each once."""
    seen: list[str] = []
    for d in sorted(dossiers, key=lambda d: (-d.size, d.cluster_id)):
        for items, shown in ((d.hashtags, "#{}"), (d.domains, "{}"), (d.terms, "“{}”")):
            if items:
                text = shown.format(_short(items[0][0], chars))
                if text not in seen:
                    seen.append(text)
                break
        if len(seen) >= most:
            break
    return seen


def topic_of_objects(objects: Sequence[str] | None, *, chars: int = 32) -> str:
    """A name for a network without a dossier, from its most co-shared objects (``signal:object``).

    Its first co-shared hashtag, else the site of its first co-shared link, else
    ``""``: the clusters table holds these for every network, so each row of
    the table of networks can be named without reading its posts.
    """
    items = [str(o) for o in (objects or [])]
    for signal, shown in (("co_hashtag:", "#{}"), ("co_link:", "{}")):
        for item in items:
            if item.startswith(signal):
                value = item[len(signal):]
                if signal == "co_link:":
                    value = value.split("://", 1)[-1].split("/", 1)[0]
                if value:
                    return shown.format(_short(value, chars))
    return ""


def summary_paragraph(
    networks: Any, *, n_posts: int, first: str | None, last: str | None, tz: str, chars: int = 32
) -> str:
    """The report's opening paragraph: how many networks, the largest, the main narratives, the period, the caveat.

    Parameters
    ----------
    networks
        :class:`cib.report.dossier.Networks`.
    n_posts
        Posts in the collection.
    first, last
        The first and last post's time (``None`` without timed posts).
    tz
        The zone those times are in.
    chars
        Longest narrative item kept (``report.name_chars``).

    Returns
    -------
    str
        Plain text (the template escapes it).
    """
    period = f" from {first[:10]} to {last[:10]} ({tz})" if first and last else ""
    head = f"In {plural(n_posts, 'post')}{period}, "
    if networks.total == 0:
        return head + (
            "cib found no group of accounts acting together beyond what chance explains. "
            "That does not show that none coordinated: only that these signals, windows and thresholds found none."
        )
    flagged = networks.flagged
    kinds: dict[str, int] = {}
    for row in networks.rows:
        if row.label != "organic":
            kinds[row.label] = kinds.get(row.label, 0) + 1
    counted = [f"{n:,} {LABEL_PHRASES.get(label, label or 'unlabelled')}" for label, n in kinds.items()]
    text = head + f"cib found {plural(networks.total, 'network')} of accounts acting together"
    text += f"; {flagged:,} {'is' if flagged == 1 else 'are'} flagged" if flagged else ", none of them flagged"
    text += f" ({', '.join(counted)})." if counted and flagged else "."
    if networks.dossiers:
        big = max(networks.dossiers, key=lambda d: (d.size, -d.cluster_id))
        name = f"{big.name} ({big.topic})" if big.topic else big.name
        text += f" The largest flagged network, {name}, has {plural(big.size, 'account')}"
        text += f" and shows {LABEL_PHRASES.get(big.label, big.label)}." if big.label else "."
        themes = _narratives(networks.dossiers, 5, chars)
        if themes:
            text += f" What the flagged networks push most: {', '.join(themes)}."
    return text + (
        " Coordination is a pattern to check, not proof that an account is fake or paid: "
        "each network below comes with the reasons it was flagged and the posts behind them."
    )
