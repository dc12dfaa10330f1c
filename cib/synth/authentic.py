"""Authentic coordination: real people acting together, which is not an operation.

A newsroom's journalists share each other's articles within minutes every
working day; once a campaign hashtag trends, ordinary users take it up in
their own words and reshare its posts; unrelated small businesses and
bloggers post through scheduling tools, so their posts land on the same round
minutes. Each population has its own ``kind`` in ``truth.parquet`` and no
network: a detector that flags it is wrong.
"""

from __future__ import annotations

import numpy as np

from cib.synth.organic import ELECTION_TAGS, PLATFORM_P, account_langs, plain_posts, post_langs
from cib.synth.people import NEWS_OUTLETS
from cib.synth.tables import RESHARE, World, first_pairs
from cib.synth.timeline import END, HOURS_ORGANIC, N_DAYS, T0, local_day, local_hour, sample_times

__all__ = ["AUTHENTIC_KINDS", "newsroom", "trend_uptake", "scheduled_posters"]

#: kind codes (index into :data:`cib.synth.tables.KINDS`) of the populations here
AUTHENTIC_KINDS = {"newsroom": 6, "trend_uptake": 7, "scheduled": 8}
# scheduling tools' clients (see tables.CLIENTS): Hootsuite, Buffer, TweetDeck
_SCHEDULER_CLIENTS = (7, 8, 4)


def newsroom(world: World, rng: np.random.Generator, budget: int) -> None:
    """Add newsrooms whose journalists post and share each other's articles.

    Parameters
    ----------
    world
        Where to add.
    rng
        Random generator.
    budget
        Posts to add, about.
    """
    n = max(8, int(round(budget / 140)))
    outlets = max(2, n // 7)
    outlet = np.arange(n) % outlets
    lang = account_langs(rng, n)
    platform = rng.choice(3, size=n, p=PLATFORM_P).astype(np.int8)
    acct = world.accounts.add(
        n, kind=AUTHENTIC_KINDS["newsroom"], platform=platform, lang=lang, style=0,
        created=T0 - rng.integers(300, 4000, n) * 86400, followers=np.exp(rng.normal(7.0, 1.0, n)).astype(np.int64),
        following=np.exp(rng.normal(6.0, 0.8, n)).astype(np.int64), client=rng.choice([1, 2, 4], n),
        bio=world.bank.pick(rng, "bio_press", lang),
    )
    weekdays = np.flatnonzero(np.arange(N_DAYS) % 7 < 5)
    per_day = 1.4
    k = rng.poisson(per_day * len(weekdays), n) + 1
    ai = np.repeat(np.arange(n), k)
    day = rng.choice(weekdays, size=len(ai))
    t = T0 + day.astype(np.int64) * 86400 + rng.integers(9 * 3600, 19 * 3600, len(ai))
    doms = np.array([world.urls.domain(NEWS_OUTLETS[o % len(NEWS_OUTLETS)][2]) for o in range(outlets)])
    url = world.urls.add(rng, len(ai), doms[outlet[ai]], local_day(t))
    own = world.posts.add(len(ai), acct=acct[ai], t=t, tmpl=world.bank.pick(rng, "news", post_langs(rng, lang[ai], 0.9)),
                          url=url, media=rng.random(len(ai)) < 0.4)
    # colleagues share the article within minutes, every working day
    src, mate = np.nonzero((outlet[ai][:, None] == outlet[None, :]) & (rng.random((len(ai), n)) < 0.45))
    ok = mate != ai[src]
    src, mate = src[ok], mate[ok]
    tt = t[src] + 60 + (420 * rng.lognormal(0.0, 0.8, len(src))).astype(np.int64)
    ok = tt < END
    world.posts.add(int(ok.sum()), acct=acct[mate[ok]], t=tt[ok], typ=RESHARE, target=own[src[ok]])


def trend_uptake(world: World, rng: np.random.Generator, budget: int, tags: np.ndarray) -> None:
    """Add ordinary users who pick up campaign hashtags once they trend.

    Parameters
    ----------
    world
        Where to add; the campaigns must already be in it.
    rng
        Random generator.
    budget
        Posts to add, about (uptake plus everyday posts).
    tags
        The campaign hashtags that may trend.
    """
    tag1 = world.posts.column("tag1")
    post_t = world.posts.column("t")
    trending = []
    for tag in tags:
        used = np.flatnonzero(tag1 == tag)
        if len(used) >= 20:
            # a hashtag trends once it has been used twenty times
            trending.append((int(tag), used, int(np.sort(post_t[used])[19])))
    if not trending:
        return
    n = max(20, int(budget / 4))
    lang = account_langs(rng, n)
    acct = world.accounts.add(
        n, kind=AUTHENTIC_KINDS["trend_uptake"], platform=rng.choice(3, size=n, p=PLATFORM_P), lang=lang, style=0,
        created=T0 - rng.integers(60, 4000, n) * 86400, followers=np.exp(rng.normal(4.5, 1.5, n)).astype(np.int64),
        following=np.exp(rng.normal(5.0, 1.0, n)).astype(np.int64), client=rng.choice(4, size=n, p=[0.45, 0.3, 0.2, 0.05]),
        bio=world.bank.pick(rng, "bio_org", lang),
    )
    m = int(budget * 0.5)
    pick = rng.integers(0, len(trending), m)
    who = rng.integers(0, n, m)
    since = np.array([s for _, _, s in trending], dtype=np.int64)[pick]
    # people join over the following hours and days, awake hours only
    t = since + (4 * 3600 * rng.lognormal(0.0, 1.0, m)).astype(np.int64)
    ok = (t < END) & (HOURS_ORGANIC[local_hour(t)] > 0.3)
    tags_arr = np.array([g for g, _, _ in trending], dtype=np.int16)[pick]
    reshare = rng.random(m) < 0.3
    orig = ok & ~reshare
    posts = plain_posts(world, rng, acct[who[orig]], t[orig], lang[who[orig]], tag_p=0.0, url_p=0.05)
    world.posts.column("tag1")[posts] = tags_arr[orig]
    # resharing a campaign post that carries the tag, posted before the user saw it
    rs = np.flatnonzero(ok & reshare)
    tgt = np.array([trending[pick[i]][1][rng.integers(0, len(trending[pick[i]][1]))] for i in rs], dtype=np.int64)
    if len(rs):
        good = (post_t[tgt] < t[rs]) & first_pairs(who[rs], tgt)
        world.posts.add(int(good.sum()), acct=acct[who[rs][good]], t=t[rs][good], typ=RESHARE, target=tgt[good])
    counts = rng.poisson(max(budget / n - 2.0, 0.5), n) + 1
    ai = np.repeat(np.arange(n), counts)
    plain_posts(world, rng, acct[ai], sample_times(rng, len(ai)), lang[ai])


def scheduled_posters(world: World, rng: np.random.Generator, budget: int) -> None:
    """Add unrelated users whose scheduling tools post at round minutes.

    Parameters
    ----------
    world
        Where to add.
    rng
        Random generator.
    budget
        Posts to add, about.
    """
    n = max(10, int(round(budget / 60)))
    lang = account_langs(rng, n)
    acct = world.accounts.add(
        n, kind=AUTHENTIC_KINDS["scheduled"], platform=rng.choice(3, size=n, p=PLATFORM_P), lang=lang, style=0,
        created=T0 - rng.integers(100, 3000, n) * 86400, followers=np.exp(rng.normal(6.0, 1.2, n)).astype(np.int64),
        following=np.exp(rng.normal(5.5, 1.0, n)).astype(np.int64),
        client=np.array(_SCHEDULER_CLIENTS)[rng.integers(0, len(_SCHEDULER_CLIENTS), n)],
        bio=world.bank.pick(rng, "bio_org", lang),
    )
    counts = rng.poisson(budget / n, n) + 1
    ai = np.repeat(np.arange(n), counts)
    m = len(ai)
    day = rng.integers(0, N_DAYS, m)
    hour = rng.choice(24, size=m, p=HOURS_ORGANIC / HOURS_ORGANIC.sum())
    # the tools' menus offer quarter hours, and most people keep the top of the hour
    minute = rng.choice([0, 15, 30, 45], size=m, p=[0.6, 0.1, 0.2, 0.1])
    t = T0 + day.astype(np.int64) * 86400 + hour * 3600 + minute * 60 + rng.integers(0, 20, m)
    ok = t < END
    ai, t = ai[ok], t[ok]
    # each account links its own site, so nothing but the clock is shared
    doms = np.array([world.urls.domain(f"shop{j}.tenir-biz.example") for j in range(n)])
    posts = plain_posts(world, rng, acct[ai], t, lang[ai], tag_p=0.3, url_p=0.0)
    linked = rng.random(len(ai)) < 0.5
    world.posts.column("url")[posts[linked]] = world.urls.add(rng, int(linked.sum()), doms[ai[linked]],
                                                              local_day(t[linked]))
    general = world.tags.ids(ELECTION_TAGS[-4:])
    second = general[rng.integers(0, len(general), len(ai))]
    tag2 = np.where((rng.random(len(ai)) < 0.2) & (second != world.posts.column("tag1")[posts]), second, -1)
    world.posts.column("tag2")[posts] = tag2
