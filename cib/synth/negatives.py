"""Hard negatives: synchronised or repetitive behaviour that is not a network.

News bots post on fixed schedules (many at the top of the hour) but each
links its own articles; fan communities post the same hashtags every day at
varied times with varied text; and when news breaks, many unrelated users
react within the same minute or two, sharing the same link. A detector that
flags these as coordinated is wrong.
"""

from __future__ import annotations

import numpy as np

from cib.synth.organic import (
    NEWS_DOMAINS,
    PLATFORM_P,
    PROTEST_TAGS,
    account_langs,
    plain_posts,
    post_langs,
    zipf,
)
from cib.synth.people import NEWS_OUTLETS
from cib.synth.tables import RESHARE, World, first_pairs
from cib.synth.timeline import (
    END,
    EXIT_POLL_EVENT,
    HOURS_ORGANIC,
    N_DAYS,
    PROTEST_EVENT,
    T0,
    local_day,
    sample_times,
)

__all__ = ["news_bots", "fan_community", "breaking_news"]

_FANDOM_TAGS = (("KunBala", "КүнБала", "KB_NeonTun", "StreamSagynysh"), ("FCBeltau", "БелтауЧемпион", "BeltauForever"))


def news_bots(world: World, rng: np.random.Generator, budget: int) -> None:
    """Add scheduled news accounts until about ``budget`` posts are made.

    Parameters
    ----------
    world
        Where to add.
    rng
        Random generator.
    budget
        Posts to add.
    """
    n_bots = max(3, int(round(budget / 450)))
    per_bot = max(budget / n_bots, 20.0)
    for j in range(n_bots):
        awake = 17 if rng.random() < 0.7 else 24  # most outlets sleep at night
        need = awake * 60 * N_DAYS / per_bot  # minutes between posts to hit the budget
        fits = [m for m in (30, 60, 90, 120, 180, 240, 360, 480, 720) if m >= 0.8 * need] or [720]
        interval = int(fits[int(rng.integers(0, min(2, len(fits))))]) * 60
        offset = int(rng.choice([0, 0, 0, 5, 15, 30])) * 60
        slots = T0 + offset + np.arange(0, N_DAYS * 86400, interval, dtype=np.int64)
        if awake < 24:
            hour = ((slots - T0) % 86400) // 3600
            slots = slots[(hour >= 6) & (hour < 23)]
        t = slots + rng.integers(0, 40, len(slots))  # scheduler jitter
        t = t[t < END]
        lang = np.int8(rng.choice(3, p=[0.5, 0.35, 0.15]))
        outlet = j % len(NEWS_OUTLETS)
        domain = NEWS_OUTLETS[outlet][2] if j < len(NEWS_OUTLETS) else f"r{j // len(NEWS_OUTLETS)}.{NEWS_OUTLETS[outlet][2]}"
        acct = world.accounts.add(
            1, kind=3, platform=j % 3, lang=lang, style=3, group=outlet,
            created=T0 - int(rng.integers(400, 4000)) * 86400, followers=int(rng.integers(3000, 250_000)),
            following=int(rng.integers(5, 200)), client=int(rng.choice([5, 6, 7, 8])),
            bio=world.bank.pick(rng, "bio_news", np.array([lang]))[0],
        )
        dom = world.urls.domain(domain)
        world.posts.add(
            len(t), acct=acct[0], t=t, tmpl=world.bank.pick(rng, "news", np.full(len(t), lang)),
            url=world.urls.add(rng, len(t), dom, local_day(t)), media=rng.random(len(t)) < 0.5,
        )


def fan_community(world: World, rng: np.random.Generator, budget: int) -> None:
    """Add a pop-group and a football fandom posting their hashtags daily.

    Parameters
    ----------
    world
        Where to add.
    rng
        Random generator.
    budget
        Posts to add.
    """
    n = max(20, int(budget / 25))
    fandom = (rng.random(n) < 0.3).astype(np.int16)
    lang = account_langs(rng, n)
    platform = rng.choice(3, size=n, p=[0.7, 0.15, 0.15]).astype(np.int8)
    acct = world.accounts.add(
        n, kind=4, platform=platform, lang=lang, style=4, group=fandom,
        created=T0 - rng.integers(30, 2500, n) * 86400, followers=np.exp(rng.normal(5.5, 1.2, n)).astype(np.int64),
        following=rng.integers(100, 3000, n), client=rng.choice(4, size=n, p=[0.5, 0.35, 0.1, 0.05]),
        bio=world.bank.pick(rng, "bio_fan", lang),
    )
    w = rng.lognormal(0.0, 0.7, n)
    counts = 1 + rng.poisson(budget / w.sum() * w * 0.9)
    ai = np.repeat(np.arange(n), counts)
    m = len(ai)
    t = sample_times(rng, m, HOURS_ORGANIC ** 2)  # evenings, every day
    plang = post_langs(rng, lang[ai])
    tmpl = np.where(fandom[ai] == 0, world.bank.pick(rng, "fan_kb", plang), world.bank.pick(rng, "fan_fc", plang))
    tag1 = np.zeros(m, dtype=np.int16)
    tag2 = np.full(m, -1, dtype=np.int16)
    for f, names in enumerate(_FANDOM_TAGS):
        ids = world.tags.ids(names)
        sel = fandom[ai] == f
        k = int(sel.sum())
        tag1[sel] = ids[rng.choice(len(ids), k, p=zipf(len(ids), 0.8))]
        second = ids[rng.integers(0, len(ids), k)]
        tag2[sel] = np.where((rng.random(k) < 0.5) & (second != tag1[sel]), second, -1)
    posts = world.posts.add(m, acct=acct[ai], t=t, tmpl=tmpl, tag1=tag1, tag2=tag2, media=rng.random(m) < 0.35)

    # fans reshare popular fan posts from their platform and fandom, hours later
    k = int(0.1 * m)
    who = rng.integers(0, n, k)
    group = fandom.astype(np.int64) * 3 + platform
    tgt = np.full(k, -1, dtype=np.int64)
    for g in np.unique(group[who]):
        pool = posts[group[ai] == g]
        sel = group[who] == g
        if len(pool):
            tgt[sel] = pool[rng.integers(0, len(pool), int(sel.sum()))]
    ok = tgt >= 0
    tt = world.posts.column("t")[np.maximum(tgt, 0)] + (3600 * rng.lognormal(0.0, 1.0, k)).astype(np.int64) + 120
    ok &= (tt < END) & (acct[who] != world.posts.column("acct")[np.maximum(tgt, 0)])
    ok &= first_pairs(who, tgt)
    world.posts.add(int(ok.sum()), acct=acct[who[ok]], t=tt[ok], typ=RESHARE, target=tgt[ok])


def breaking_news(world: World, rng: np.random.Generator, budget: int) -> None:
    """Add users who react to breaking news within a minute or two of each other.

    Parameters
    ----------
    world
        Where to add.
    rng
        Random generator.
    budget
        Posts to add (reactions plus their everyday posts).
    """
    n = max(20, int(budget / 6))
    lang = account_langs(rng, n)
    acct = world.accounts.add(
        n, kind=5, platform=rng.choice(3, size=n, p=PLATFORM_P), lang=lang, style=0,
        created=T0 - rng.integers(60, 4000, n) * 86400, followers=np.exp(rng.normal(4.5, 1.5, n)).astype(np.int64),
        following=np.exp(rng.normal(5.0, 1.0, n)).astype(np.int64), client=rng.choice(4, size=n, p=[0.45, 0.3, 0.2, 0.05]),
        bio=world.bank.pick(rng, "bio_org", lang),
    )
    dom = world.urls.domain(NEWS_DOMAINS[0])
    tags = world.tags.ids(PROTEST_TAGS[:2])
    for event, family, share, p_url in ((PROTEST_EVENT, "brk_protest", 0.85, 0.6),
                                        (EXIT_POLL_EVENT, "brk_exitpoll", 0.5, 0.5)):
        url = world.urls.add(rng, 1, dom, local_day(np.array([event])))[0]
        who = np.flatnonzero(rng.random(n) < share)
        k = len(who)
        t = event + 15 + np.minimum(rng.exponential(80.0, k), 900).astype(np.int64)
        world.posts.add(
            k, acct=acct[who], t=t, tmpl=world.bank.pick(rng, family, post_langs(rng, lang[who])),
            url=np.where(rng.random(k) < p_url, url, -1),
            tag1=np.where((rng.random(k) < 0.4) & (family == "brk_protest"), tags[rng.integers(0, 2, k)], -1),
        )
    counts = rng.poisson(max(budget / n - 1.35, 0.5), n) + 1
    ai = np.repeat(np.arange(n), counts)
    plain_posts(world, rng, acct[ai], sample_times(rng, len(ai)), lang[ai])
