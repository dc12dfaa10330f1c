"""Turn the generated world into export files, a chunk of rows at a time.

Posts are written in time order. A post id is a pure function of the post's
time rank, author and platform, so a reshare written in one chunk names its
original (written in another) without any lookup table: X ids are snowflakes
built from the time (decoding one gives back the second it was posted, as
with real tweet ids), Telegram ids are ``<channel>/<message number>`` and
Facebook ids ``<page>_<number>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from cib.schema import ACCOUNTS, POSTS
from cib.synth.people import identities
from cib.synth.render import mix64, salts
from cib.synth.tables import CLIENTS, KINDS, PLATFORMS, QUOTE, REPLY, RESHARE, World
from cib.synth.texts import LANGS

__all__ = ["POSTS_COLUMNS", "ACCOUNTS_COLUMNS", "TWEETS_COLUMNS", "Collection", "collect", "write_exports"]

#: the generic posts export: the canonical columns, without where a row was read from
POSTS_COLUMNS = [c for c in POSTS if c not in ("source_file", "source_row")]
ACCOUNTS_COLUMNS = list(ACCOUNTS)
TWEETS_COLUMNS = [
    "tweetid", "userid", "user_display_name", "user_screen_name", "user_reported_location",
    "user_profile_description", "user_profile_url", "follower_count", "following_count", "account_creation_date",
    "account_language", "tweet_language", "tweet_text", "tweet_time", "tweet_client_name", "in_reply_to_userid",
    "in_reply_to_tweetid", "quoted_tweet_tweetid", "is_retweet", "retweet_userid", "retweet_tweetid", "latitude",
    "longitude", "quote_count", "reply_count", "like_count", "retweet_count", "hashtags", "urls", "user_mentions",
    "poll_choices",
]
_TWITTER_EPOCH_MS = 1_288_834_974_657
_LOW = (1 << 22) - 1
_MASK = (1 << 64) - 1
_TEXT_KEY, _BIO_KEY, _MISC_KEY = 0x7E47, 0xB10, 0x3A5C


@dataclass
class Collection:
    """The finished world: compacted arrays plus every string table.

    Attributes
    ----------
    posts, accounts
        Column arrays (see :class:`cib.synth.tables.Posts` / ``Accounts``).
    lang
        Language code per post (a reshare has its original's).
    rank, seq
        Time rank of each post, and its number among its author's posts.
    counts
        Reshares, replies and quotes received per post.
    ident
        ``account_id, handle, display_name, location, profile_url`` per account.
    bios, urls, tags
        Profile descriptions, URL strings, hashtag names.
    network
        Network name per account (null for none).
    world
        The world it came from (for its text bank).
    seed
        The generating seed (salts texts).
    """

    posts: dict[str, np.ndarray]
    accounts: dict[str, np.ndarray]
    lang: np.ndarray
    rank: np.ndarray
    seq: np.ndarray
    counts: dict[str, np.ndarray]
    ident: pl.DataFrame
    bios: pl.Series
    urls: pl.Series
    tags: pl.Series
    network: pl.Series
    world: World
    seed: int

    @property
    def n_posts(self) -> int:
        """Number of posts."""
        return len(self.rank)


def collect(world: World, rng: np.random.Generator, seed: int) -> Collection:
    """Compact and index the generated world for writing.

    Accounts that never posted are dropped (so every account is in a file) and
    the rest are shuffled, so nothing in file order gives away who is who.
    """
    P = world.posts.finish()
    A = world.accounts.finish()
    used = np.bincount(P["acct"], minlength=len(A["kind"])) > 0
    kept = np.flatnonzero(used)
    kept = kept[rng.permutation(len(kept))]
    new = np.full(len(A["kind"]), -1, dtype=np.int64)
    new[kept] = np.arange(len(kept))
    A = {k: v[kept] for k, v in A.items()}
    P["acct"] = new[P["acct"]].astype(np.int32)

    # lists are written first-item-first, so a lone second hashtag moves up
    lone = (P["tag1"] < 0) & (P["tag2"] >= 0)
    P["tag1"], P["tag2"] = np.where(lone, P["tag2"], P["tag1"]), np.where(lone, -1, P["tag2"])
    n = len(P["t"])
    tmpl = P["tmpl"]
    src = np.where(P["typ"] == RESHARE, P["target"], np.arange(n))
    if (tmpl[src] < 0).any():
        raise AssertionError("a reshare points at a post without text")
    lang = world.bank.lang_of(tmpl[src])
    order = np.argsort(P["t"], kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    by_author = order[np.argsort(P["acct"][order], kind="stable")]
    starts = np.searchsorted(P["acct"][by_author], np.arange(len(kept)))
    seq = np.empty(n, dtype=np.int64)
    seq[by_author] = np.arange(n) - np.repeat(starts, np.bincount(P["acct"], minlength=len(kept)))

    counts = {}
    for name, code in (("reshares", RESHARE), ("replies", REPLY), ("quotes", QUOTE)):
        m = P["typ"] == code
        counts[name] = np.bincount(P["target"][m], minlength=n).astype(np.int64)

    ident = identities(A, rng)
    bios = world.bank.render(A["bio"], salts(np.arange(len(kept)), seed ^ _BIO_KEY))
    names = [nw.name for nw in world.networks]
    network = pl.Series("network_id", [None, *names], dtype=pl.String).gather(A["net"].astype(np.int64) + 1)
    return Collection(
        posts=P, accounts=A, lang=lang, rank=rank, seq=seq, counts=counts, ident=ident, bios=bios,
        urls=pl.Series([None], dtype=pl.String).append(world.urls.strings()),
        tags=pl.Series([None, *world.tags.names], dtype=pl.String), network=network, world=world, seed=seed,
    )


def _epoch(t: np.ndarray, fmt: str) -> pl.Series:
    return pl.from_epoch(pl.Series(t, dtype=pl.Int64), time_unit="s").dt.strftime(fmt)


def _post_ids(c: Collection, idx: np.ndarray) -> pl.Series:
    """Post id strings for post indices (see the module docstring)."""
    acct = c.posts["acct"][idx]
    plat = c.accounts["platform"][acct]
    rank = c.rank[idx]
    ms = c.posts["t"][idx] * 1000 + (rank >> 22) - _TWITTER_EPOCH_MS
    tweet = (ms << 22) | (rank & _LOW)
    fb = 10**15 + rank * 37 + (mix64(idx.astype(np.uint64)) % np.uint64(37)).astype(np.int64)
    frame = pl.DataFrame({
        "plat": plat, "acct": c.ident["account_id"].gather(acct), "tweet": tweet,
        "msg": c.seq[idx] + 2 + (acct % 500), "fb": fb,
    })
    col = pl.col
    return frame.select(
        pl.when(col("plat") == 0).then(col("tweet").cast(pl.String))
        .when(col("plat") == 1).then(pl.concat_str("acct", pl.lit("/"), col("msg").cast(pl.String)))
        .otherwise(pl.concat_str("acct", pl.lit("_"), col("fb").cast(pl.String)))
    ).to_series()


def _as_list(items: list[pl.Expr], style: str) -> pl.Expr:
    """Up to two nullable items as a JSON array or a Python list literal."""
    q, sep = ('"', ",") if style == "json" else ("'", ", ")
    quoted = [pl.concat_str([pl.lit(q), e, pl.lit(q)]) for e in items]
    out = pl.lit("[]")
    if len(items) == 2:
        out = pl.when(items[1].is_not_null()).then(pl.concat_str([pl.lit("["), quoted[0], pl.lit(sep), quoted[1],
                                                                 pl.lit("]")]))
        out = out.when(items[0].is_not_null()).then(pl.concat_str([pl.lit("["), quoted[0], pl.lit("]")]))
        return out.otherwise(pl.lit("[]"))
    return pl.when(items[0].is_not_null()).then(pl.concat_str([pl.lit("["), quoted[0], pl.lit("]")])).otherwise(out)


def _chunk(c: Collection, rows: np.ndarray) -> pl.DataFrame:
    """Every column either export needs, for posts ``rows``."""
    P, A = c.posts, c.accounts
    typ, tgt = P["typ"][rows], P["target"][rows]
    has = tgt >= 0
    t0 = np.where(has, tgt, rows)
    src = np.where(typ == RESHARE, tgt, rows)
    acct = P["acct"][rows]
    t_acct = P["acct"][t0]
    client = A["client"][acct].astype(np.int64)
    h = mix64(rows.astype(np.uint64) ^ np.uint64((c.seed ^ _MISC_KEY) & _MASK))
    wander = (client < 4) & (h % np.uint64(10) == 0)  # people switch phones and browsers now and then
    client = np.where(wander, (h // np.uint64(10) % np.uint64(4)).astype(np.int64), client)
    orig = typ != RESHARE
    fr = pl.DataFrame({
        "post_id": _post_ids(c, rows),
        "target_id": _post_ids(c, t0),
        "typ": typ,
        "has": has,
        "acct": acct,
        "account_id": c.ident["account_id"].gather(acct),
        "t_account_id": c.ident["account_id"].gather(t_acct),
        "t_handle": c.ident["handle"].gather(t_acct),
        "body": c.world.bank.render(P["tmpl"][src], salts(src, c.seed ^ _TEXT_KEY)),
        "url": c.urls.gather(P["url"][src].astype(np.int64) + 1),
        "tag1": c.tags.gather(P["tag1"][src].astype(np.int64) + 1),
        "tag2": c.tags.gather(P["tag2"][src].astype(np.int64) + 1),
        "media": orig & (P["media"][rows] > 0),
        "t": P["t"][rows],
        "plat": A["platform"][acct],
        "lang": pl.Series(LANGS).gather(c.lang[rows]),
        "client": pl.Series(CLIENTS).gather(client),
        "retweets": np.where(orig, c.counts["reshares"][rows], 0),
        "replies": np.where(orig, c.counts["replies"][rows], 0),
        "quotes": np.where(orig, c.counts["quotes"][rows], 0),
        "noise": (h >> np.uint64(40)).astype(np.int64) % 9,
    })
    col = pl.col
    prefix = (pl.when(col("typ") == RESHARE).then(pl.concat_str([pl.lit("RT @"), col("t_handle"), pl.lit(": ")]))
              .when(col("typ") == REPLY).then(pl.concat_str([pl.lit("@"), col("t_handle"), pl.lit(" ")]))
              .otherwise(pl.lit("")))
    text = pl.concat_str(
        [prefix, col("body"), pl.concat_str([pl.lit(" "), col("url")]),
         pl.concat_str([pl.lit(" #"), col("tag1")]), pl.concat_str([pl.lit(" #"), col("tag2")])],
        ignore_nulls=True,
    )
    mentioned = col("typ").is_in([RESHARE, REPLY])
    return fr.with_columns(
        text=text,
        reshare_of=pl.when(col("typ") == RESHARE).then(col("target_id")),
        reply_to=pl.when(col("typ") == REPLY).then(col("target_id")),
        quote_of=pl.when(col("typ") == QUOTE).then(col("target_id")),
        t_user=pl.when(mentioned).then(col("t_account_id")),
        m_handle=pl.when(mentioned).then(col("t_handle")),
        media_url=pl.when(col("media")).then(pl.concat_str([pl.lit("https://media.example.org/"), col("post_id"),
                                                           pl.lit(".jpg")])),
    )


def _generic(fr: pl.DataFrame) -> pl.DataFrame:
    col = pl.col
    return fr.select(
        "post_id", "account_id",
        created_at=pl.from_epoch("t", time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
        text="text",
        urls=_as_list([col("url")], "json"),
        hashtags=_as_list([col("tag1"), col("tag2")], "json"),
        mentions=_as_list([col("m_handle")], "json"),
        media=_as_list([col("media_url")], "json"),
        reshare_of="reshare_of", reply_to="reply_to", quote_of="quote_of",
        platform=pl.Series(PLATFORMS).gather(fr["plat"].to_numpy()),
        lang="lang",
    )


def _tweets(c: Collection, fr: pl.DataFrame) -> pl.DataFrame:
    acct = fr["acct"].to_numpy()
    A = c.accounts
    col = pl.col
    return fr.select(
        tweetid="post_id",
        userid="account_id",
        user_display_name=c.ident["display_name"].gather(acct),
        user_screen_name=c.ident["handle"].gather(acct),
        user_reported_location=c.ident["location"].gather(acct),
        user_profile_description=c.bios.gather(acct),
        user_profile_url=c.ident["profile_url"].gather(acct),
        follower_count=pl.Series(A["followers"][acct]),
        following_count=pl.Series(A["following"][acct]),
        account_creation_date=_epoch(A["created"][acct], "%Y-%m-%d"),
        account_language=pl.Series(LANGS).gather(A["lang"][acct]),
        tweet_language="lang",
        tweet_text="text",
        tweet_time=pl.from_epoch("t", time_unit="s").dt.strftime("%Y-%m-%d %H:%M"),
        tweet_client_name="client",
        in_reply_to_userid=pl.when(col("typ") == REPLY).then(col("t_account_id")),
        in_reply_to_tweetid="reply_to",
        quoted_tweet_tweetid="quote_of",
        is_retweet=pl.when(col("typ") == RESHARE).then(pl.lit("True")).otherwise(pl.lit("False")),
        retweet_userid=pl.when(col("typ") == RESHARE).then(col("t_account_id")),
        retweet_tweetid="reshare_of",
        latitude=pl.lit("absent"),
        longitude=pl.lit("absent"),
        quote_count="quotes",
        reply_count="replies",
        like_count=col("retweets") * 3 + col("replies") + pl.when(col("typ") == RESHARE).then(0)
        .otherwise(col("noise")),
        retweet_count="retweets",
        hashtags=_as_list([col("tag1"), col("tag2")], "python"),
        urls=_as_list([col("url")], "python"),
        user_mentions=_as_list([col("t_user")], "python"),
        poll_choices=pl.lit(None, dtype=pl.String),
    )


def _nulls_for_empty(df: pl.DataFrame) -> pl.DataFrame:
    """Write missing values as empty cells (polars quotes empty strings)."""
    return df.with_columns(pl.col(pl.String).replace("", None))


def accounts_table(c: Collection) -> pl.DataFrame:
    """Every account in the ``accounts.csv`` layout, plus ``kind`` and ``network_id``."""
    A = c.accounts
    n_posts = np.bincount(c.posts["acct"], minlength=len(A["kind"]))
    lifetime = (n_posts * (1.0 + np.exp(mix64(np.arange(len(n_posts), dtype=np.uint64)) % np.uint64(500) / 100.0)))
    return pl.DataFrame({
        "account_id": c.ident["account_id"],
        "handle": c.ident["handle"],
        "display_name": c.ident["display_name"],
        "created_at": _epoch(A["created"], "%Y-%m-%dT%H:%M:%SZ"),
        "followers": A["followers"],
        "following": A["following"],
        "post_count": lifetime.astype(np.int64),
        "description": c.bios,
        "platform": pl.Series(PLATFORMS).gather(A["platform"]),
        "network_id": c.network,
        "kind": pl.Series(KINDS).gather(A["kind"]),
        "n_collected": n_posts,
    })


def write_exports(
    c: Collection, out_dir: Path, layout: str, chunk_rows: int = 250_000, keep: np.ndarray | None = None
) -> dict[str, int]:
    """Write ``posts.csv`` / ``tweets.csv`` / ``accounts.csv``; return rows per file.

    Parameters
    ----------
    c
        The collection.
    out_dir
        Existing, empty directory.
    layout
        ``"mixed"``: X accounts in the archive format, the rest generic;
        ``"generic"``: everything in the generic files.
    chunk_rows
        Posts rendered and written at a time (bounds memory).
    keep
        Which accounts are written (a boolean per account; ``None``: all). Ids,
        counts and references are those of the whole world, as in a collection
        that holds a chosen set of accounts' timelines.

    Returns
    -------
    dict
        File name → data rows written.
    """
    order = np.argsort(c.rank)
    if keep is not None:
        order = order[keep[c.posts["acct"][order]]]
    rows_written = {"posts.csv": 0}
    split_x = layout == "mixed"
    if split_x:
        rows_written["tweets.csv"] = 0
    handles = {name: open(out_dir / name, "wb") for name in rows_written}
    try:
        for lo in range(0, max(len(order), 1), chunk_rows):
            fr = _chunk(c, order[lo: lo + chunk_rows])
            is_x = fr["plat"] == 0
            parts = {"posts.csv": fr.filter(~is_x) if split_x else fr}
            if split_x:
                parts["tweets.csv"] = fr.filter(is_x)
            for name, part in parts.items():
                table = _tweets(c, part) if name == "tweets.csv" else _generic(part)
                _nulls_for_empty(table).write_csv(handles[name], include_header=lo == 0)
                rows_written[name] += part.height
    finally:
        for f in handles.values():
            f.close()
    acc = accounts_table(c)
    if keep is not None:
        acc = acc.filter(pl.Series(keep))
    if split_x:
        acc = acc.filter(pl.col("platform") != "x")
    acc = acc.sort("account_id").select(ACCOUNTS_COLUMNS)
    _nulls_for_empty(acc).write_csv(out_dir / "accounts.csv")
    rows_written["accounts.csv"] = acc.height
    return rows_written
