"""Narratives: what each cluster pushed, in terms, hashtags, domains, links and reshared posts.

Terms are ranked by class-based TF-IDF (c-TF-IDF, as in BERTopic): all posts of
a cluster form one document, the posts of accounts in no cluster one more
(the background), and a term scores

.. math:: w_{t,c} = \\frac{tf_{t,c}}{\\sum_t tf_{t,c}} \\cdot \\log\\left(1 + \\frac{A}{f_t}\\right)

where ``tf`` counts the cluster's *posts* containing the term (a post repeating
a word counts once), ``f_t`` the posts containing it in all documents and ``A``
the average number of term occurrences per document. Terms are words of at
least ``narrative.min_chars`` letters (Cyrillic, Kazakh and Latin), lower-cased,
without links, mentions, hashtags, numbers and the Russian, Kazakh and English
stop-words shipped in ``cib/stopwords/``; a term must occur in at least
``narrative.min_posts`` of the cluster's posts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import polars as pl

__all__ = ["STOPWORD_LANGS", "stopwords", "terms_expr", "ctfidf", "top_items"]

STOPWORD_LANGS = ("ru", "kk", "en")
_DIR = Path(__file__).with_name("stopwords")


@cache
def stopwords(langs: tuple[str, ...] = STOPWORD_LANGS) -> frozenset[str]:
    """The shipped stop-words of the given languages (lower case)."""
    words: set[str] = set()
    for lang in langs:
        for line in (_DIR / f"{lang}.txt").read_text(encoding="utf-8").splitlines():
            line = line.strip().lower()
            if line and not line.startswith("#"):
                words.add(line)
    return frozenset(words)


def terms_expr(text: pl.Expr, min_chars: int = 3) -> pl.Expr:
    """A list of lower-cased word terms of each text (links, mentions, hashtags removed)."""
    cleaned = (
        text.fill_null("")
        .str.to_lowercase()
        .str.replace_all(r"(?:[a-z][a-z0-9+.\-]*://|www\.)\S+", " ")  # lower-cased already
        .str.replace_all(r"[@#][\p{L}\p{N}_.]+", " ")
    )
    return cleaned.str.extract_all(rf"\p{{L}}[\p{{L}}\p{{M}}’'\-]{{{max(min_chars - 1, 0)},}}")


def _membership(membership: Mapping[str, int] | pl.DataFrame) -> pl.DataFrame:
    if isinstance(membership, pl.DataFrame):
        return membership.select("account_id", pl.col("cluster_id").cast(pl.Int64)).filter(
            pl.col("cluster_id").is_not_null()
        )
    return pl.DataFrame(
        {"account_id": list(membership), "cluster_id": list(membership.values())},
        schema={"account_id": pl.String, "cluster_id": pl.Int64},
    )


def ctfidf(
    posts: pl.DataFrame,
    membership: Mapping[str, int] | pl.DataFrame,
    *,
    top: int = 10,
    min_posts: int = 2,
    min_chars: int = 3,
    extra_stopwords: Iterable[str] = (),
    background: int = 0,
    seed: int = 0,
) -> pl.DataFrame:
    """Top c-TF-IDF terms of each cluster.

    Parameters
    ----------
    posts
        Canonical posts (``account_id, text``; ``post_id`` when present).
    membership
        Account id → cluster id, or a frame with ``account_id, cluster_id``.
    top
        Terms kept per cluster.
    min_posts
        A term must be in at least this many of the cluster's posts.
    min_chars
        Shortest term.
    extra_stopwords
        More words to ignore.
    background
        At most this many posts of unclustered accounts form the background
        document (a seeded sample; 0 = all of them).
    seed
        Seed of that sample.

    Returns
    -------
    polars.DataFrame
        ``cluster_id, rank (1 = best), term, score, posts``, sorted.
    """
    schema = {"cluster_id": pl.Int64, "rank": pl.Int64, "term": pl.String, "score": pl.Float64, "posts": pl.Int64}
    mem = _membership(membership)
    if mem.height == 0 or posts.height == 0:
        return pl.DataFrame(schema=schema)
    stop = pl.Series(sorted(stopwords() | {w.lower() for w in extra_stopwords}), dtype=pl.String)
    base = posts.select("post_id", "account_id", "text") if "post_id" in posts.columns else posts.select("account_id", "text")
    inside = base.join(mem.select("account_id"), on="account_id", how="semi")
    outside = base.join(mem.select("account_id"), on="account_id", how="anti")
    if background > 0 and outside.height > background:
        order = ["post_id", "account_id"] if "post_id" in outside.columns else ["account_id", "text"]
        outside = outside.sort(order).sample(n=background, seed=seed)
    docs = (
        pl.concat([inside, outside])
        .lazy()
        .select("account_id", terms_expr(pl.col("text"), min_chars).list.unique().alias("term"))
        .with_row_index("_row")
        .join(mem.lazy(), on="account_id", how="left")
        .with_columns(pl.col("cluster_id").fill_null(-1))
        .explode("term")
        .filter(pl.col("term").is_not_null() & ~pl.col("term").is_in(stop.implode()))
        .group_by("cluster_id", "term")
        .agg(pl.len().alias("tf"))
        .collect()
    )
    if docs.height == 0:
        return pl.DataFrame(schema=schema)
    n_docs = docs["cluster_id"].n_unique()
    avg = docs["tf"].sum() / max(n_docs, 1)
    scored = (
        docs.with_columns(
            pl.col("tf").sum().over("term").alias("f"),
            pl.col("tf").sum().over("cluster_id").alias("len"),
        )
        .with_columns(((pl.col("tf") / pl.col("len")) * (1.0 + avg / pl.col("f")).log()).alias("score"))
        .filter((pl.col("cluster_id") >= 0) & (pl.col("tf") >= min_posts))
        .sort(["cluster_id", "score", "term"], descending=[False, True, False])
        .group_by("cluster_id", maintain_order=True)
        .head(top)
        .with_columns(pl.int_range(1, pl.len() + 1).over("cluster_id").cast(pl.Int64).alias("rank"))
    )
    return scored.select("cluster_id", "rank", "term", "score", pl.col("tf").cast(pl.Int64).alias("posts"))


def top_items(
    posts: pl.DataFrame,
    membership: Mapping[str, int] | pl.DataFrame,
    *,
    top: int = 10,
    urls: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Most used hashtags, domains, links and reshared posts of each cluster.

    Parameters
    ----------
    posts
        Canonical posts.
    membership
        Account id → cluster id, or a frame with ``account_id, cluster_id``.
    top
        Items kept per cluster and kind.
    urls
        ``raw, canonical`` link lookup (:func:`cib.network.features.url_lookup`), when
        already computed; links are counted in that canonical form, domains are
        its host.

    Returns
    -------
    polars.DataFrame
        ``cluster_id, kind ('hashtag'|'domain'|'url'|'reshared'), rank, item, posts, accounts``.
    """
    schema = {
        "cluster_id": pl.Int64,
        "kind": pl.String,
        "rank": pl.Int64,
        "item": pl.String,
        "posts": pl.Int64,
        "accounts": pl.Int64,
    }
    mem = _membership(membership)
    if mem.height == 0 or posts.height == 0:
        return pl.DataFrame(schema=schema)
    mine = posts.join(mem, on="account_id", how="inner")
    originals = mine.filter(pl.col("reshare_of").is_null())
    tags = originals.select(
        "cluster_id", "account_id", pl.col("hashtags").list.eval(pl.element().str.to_lowercase()).list.unique().alias("item")
    ).explode("item")
    links = originals.select("cluster_id", "account_id", pl.col("urls").list.unique().alias("raw")).explode("raw")
    links = links.filter(pl.col("raw").is_not_null() & (pl.col("raw") != ""))
    if urls is None:
        from cib.network.features import quick_canonical

        uniq = links.select("raw").unique().sort("raw")
        urls = uniq.with_columns(quick_canonical(pl.col("raw")).alias("canonical"))
    links = links.join(urls, on="raw", how="left").select(
        "cluster_id", "account_id", pl.col("canonical").fill_null(pl.col("raw")).alias("item")
    )
    # canonical links have no scheme and no www: the host is everything before the first / ? #
    domains = links.with_columns(
        pl.col("item").str.replace(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://", "").str.extract(r"^([^/?#]+)").str.to_lowercase().alias("item")
    )
    urls_frame = links
    reshared = mine.filter(pl.col("reshare_of").is_not_null()).select(
        "cluster_id", "account_id", pl.col("reshare_of").alias("item")
    )
    frames = []
    for kind, frame in (("hashtag", tags), ("domain", domains), ("url", urls_frame), ("reshared", reshared)):
        if frame.height == 0:
            continue
        frames.append(
            frame.filter(pl.col("item").is_not_null() & (pl.col("item") != ""))
            .group_by("cluster_id", "item")
            .agg(pl.len().alias("posts"), pl.col("account_id").n_unique().alias("accounts"))
            .sort(["cluster_id", "posts", "accounts", "item"], descending=[False, True, True, False])
            .group_by("cluster_id", maintain_order=True)
            .head(top)
            .with_columns(
                pl.lit(kind).alias("kind"),
                pl.int_range(1, pl.len() + 1).over("cluster_id").cast(pl.Int64).alias("rank"),
            )
        )
    if not frames:
        return pl.DataFrame(schema=schema)
    order = {"hashtag": 0, "domain": 1, "url": 2, "reshared": 3}
    out = pl.concat([f.select(list(schema)).cast(schema) for f in frames])
    return (
        out.with_columns(pl.col("kind").replace_strict(order, return_dtype=pl.Int8).alias("_k"))
        .sort("cluster_id", "_k", "rank")
        .drop("_k")
    )
