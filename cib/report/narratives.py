"""What each network pushes: its distinctive terms, its hashtags and the domains it links to.

Terms are ranked c-TF-IDF style: how many of the network's posts use a word,
weighted by how rare the word is in the whole collection, so that words every
account uses ("today", "сегодня", "бүгін") sink and the network's own slogans
rise. Russian, Kazakh and English stop-words are removed. In a large collection
the rarity is judged from the networks' own posts and an even sample of the
others (``report.term_background_posts``).
"""

from __future__ import annotations

from typing import NamedTuple

import polars as pl

from cib.normalise import url_domains

__all__ = ["STOP_WORDS", "Background", "tokens", "cluster_terms", "cluster_hashtags", "cluster_domains"]

_EN = """a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has have
having he her here hers him his how i if in into is it its just me more most my no nor not now of off on
once only or other our ours out over own same she should so some such than that the their theirs them then
there these they this those through to too under until up very was we were what when where which while who
whom why will with would you your yours rt amp via new one get got like us people today time""".split()
_RU = """а без более бы был была были было быть в вам вас весь во вот все всё всего всех вы где да даже для до
его ее её если есть еще ещё же за здесь и из или им их к как ко когда кто ли либо мне может мы на надо наш не
него нее неё нет ни них но ну о об однако он она они оно от очень по под при с со так также такой там те тем
то того тоже той только том ты у уже хотя чего чей чем что чтобы чье чья эта эти это этого этой этом этот я
сегодня сейчас будет было всем вообще ведь свой своей свои свою себя себе""".split()
_KK = """және мен мен бен пен да де та те ғой қой ма ме ба бе па пе бұл осы сол ол олар біз сіз сен мен менің
оның бар жоқ үшін туралы бірақ немесе әлде тағы енді қазір бүгін ғана әр барлық өз өзі болып болды болады
деп дейін кейін сияқты сондай мұндай бір екі""".split()
#: words too common to say anything about a narrative
STOP_WORDS = frozenset(_EN + _RU + _KK + ["http", "https", "www", "com"])

# A URL starts at a word boundary; the boundary is matched as "the start or a character that is not
# part of a word" and put back, because a Unicode \b makes the regex engine several times slower.
_URL = r"(?i)(^|\W)(?:[a-z][a-z0-9+.\-]*://|www\.)\S+"
_TAG = r"[#@＃＠][\w.]+"
_WORD = r"\p{L}[\p{L}\p{M}'’\-]{2,}"


class Background(NamedTuple):
    """The posts of other accounts against which words are judged: how many were read, of how many."""

    read: int
    of: int


def tokens(text: pl.Expr) -> pl.Expr:
    """Distinct lower-case words of at least three letters, without URLs, mentions, hashtags or stop-words."""
    words = (
        text.fill_null("")
        .str.replace_all(_URL, "${1} ")
        .str.replace_all(_TAG, " ")
        .str.to_lowercase()
        .str.extract_all(_WORD)
        .list.unique()
    )
    return words.list.eval(pl.element().filter(~pl.element().is_in(list(STOP_WORDS))))


def _top(frame: pl.DataFrame, item: str, top: int, by: str = "n") -> dict[int, list[tuple[str, int]]]:
    ranked = frame.sort(["cluster_id", by, item], descending=[False, True, False]).group_by(
        "cluster_id", maintain_order=True
    ).head(top)
    out: dict[int, list[tuple[str, int]]] = {}
    for cid, value, n in ranked.select("cluster_id", item, "n").iter_rows():
        out.setdefault(int(cid), []).append((str(value), int(n)))
    return out


def cluster_terms(
    posts: pl.DataFrame, members: pl.DataFrame, top: int, *, background: int | None = None
) -> tuple[dict[int, list[tuple[str, int]]], Background]:
    """Each network's most distinctive words.

    Parameters
    ----------
    posts
        The posts table (``account_id, text``).
    members
        ``account_id, cluster_id`` of the accounts of the networks described.
    top
        Words kept per network.
    background
        Most posts of other accounts read to judge how common a word is; beyond
        it an even sample of them (every k-th post) stands for all (``None``: all).

    Returns
    -------
    tuple
        Cluster id → ``[(word, posts using it), …]``, most distinctive first; and
        how many of the other posts were read.
    """
    if posts.height == 0 or members.height == 0:
        return {}, Background(0, 0)
    text = posts.select("account_id", "text")
    others = text.join(members, on="account_id", how="anti")
    if background is None or others.height <= background:
        sample = others
    else:
        sample = others.gather_every(-(-others.height // background)) if background > 0 else others.clear()
    # Posts in the sample stand for ``scale`` posts each; read in full, the sums are exact counts.
    scale = others.height / sample.height if sample.height else 1.0
    # Networks repeat their texts: each distinct text is split into words once, and counted as often as posted.
    own = text.join(members.select("account_id", "cluster_id"), on="account_id").group_by("cluster_id", "text").agg(
        pl.len().alias("c")
    )
    rest = sample.group_by("text").agg(pl.len().alias("c"))
    words = (
        pl.concat([own.select("text"), rest.select("text")])
        .unique()
        .select("text", tokens(pl.col("text")).alias("word"))
        .explode("word")
        .drop_nulls("word")
    )
    own_words = own.join(words, on="text")
    overall = (
        pl.concat([
            own_words.select("word", pl.col("c").cast(pl.Float64)),
            rest.join(words, on="text").select("word", pl.col("c") * scale),
        ])
        .group_by("word")
        .agg(pl.col("c").sum().alias("df"))
    )  # fmt: skip
    total = max(posts.height, 1)
    scored = (
        own_words.group_by("cluster_id", "word")
        .agg(pl.col("c").sum().alias("n"))
        .filter(pl.col("n") >= 2)
        .join(overall, on="word")
        .with_columns((pl.col("n") * (1.0 + total / pl.col("df")).log()).alias("weight"))
    )
    return _top(scored, "word", top, by="weight"), Background(sample.height, others.height)


def cluster_hashtags(posts: pl.DataFrame, members: pl.DataFrame, top: int) -> dict[int, list[tuple[str, int]]]:
    """Each network's most used hashtags (case-folded), with how many of its posts carry each."""
    if posts.height == 0 or members.height == 0:
        return {}
    tags = (
        posts.lazy()
        .select("account_id", pl.col("hashtags").list.eval(pl.element().str.to_lowercase().str.strip_chars_start("#")).list.unique())
        .explode("hashtags")
        .drop_nulls("hashtags")
        .filter(pl.col("hashtags") != "")
        .join(members.lazy(), on="account_id")
        .group_by("cluster_id", "hashtags")
        .agg(pl.len().alias("n"))
        .collect()
    )
    return _top(tags, "hashtags", top)


def cluster_domains(posts: pl.DataFrame, members: pl.DataFrame, top: int) -> dict[int, list[tuple[str, int]]]:
    """The web domains each network links to most, with how many of its posts link each."""
    if posts.height == 0 or members.height == 0:
        return {}
    links = (
        posts.lazy()
        .join(members.lazy(), on="account_id")
        .select("cluster_id", "post_id", "urls")
        .explode("urls")
        .drop_nulls("urls")
        .collect()
    )
    if links.height == 0:
        return {}
    links = links.with_columns(url_domains(links["urls"]).alias("domain")).drop_nulls("domain")
    counted = links.unique(["cluster_id", "post_id", "domain"]).group_by("cluster_id", "domain").agg(
        pl.len().alias("n")
    )
    return _top(counted, "domain", top)

