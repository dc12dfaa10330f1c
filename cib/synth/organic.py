"""Ordinary users, officials and the opposition.

Organic users post on a diurnal rhythm with heavy-tailed activity, reshare a
few viral posts over hours (organic popularity, not coordination), share the
day's hot news links, reply and quote. Government and opposition accounts are
organic too; the planted networks amplify the former and swarm the latter.
"""

from __future__ import annotations

import numpy as np

from cib.synth.tables import ORIGINAL, QUOTE, REPLY, RESHARE, World, first_pairs
from cib.synth.timeline import END, HOURS_ORGANIC, N_DAYS, PROTEST_DAY, T0, local_day, sample_times

__all__ = [
    "ELECTION_TAGS",
    "PROTEST_TAGS",
    "NEWS_DOMAINS",
    "PLATFORM_P",
    "account_langs",
    "post_langs",
    "zipf",
    "plain_posts",
    "officials",
    "organic",
]

ELECTION_TAGS = ("Сайлау2025", "Выборы2025", "TenirVotes", "сайлау", "выборы", "TenirElection", "Теңір",
                 "Алтынсай", "дебаты", "погода", "кофе", "жұма")
PROTEST_TAGS = ("митинг", "Алтынсай_митинг", "FreeTenir", "наразылық")
OPPOSITION_TAGS = ("ЧестныеВыборы", "АдалСайлау", "FairVoteTenir", "Myrzakhmet2025")
NEWS_DOMAINS = ("tenirnews.com", "qazaqdala.info", "altynsai24.info", "tenir-today.com", "dalatimes.net")
PLATFORM_P = np.array([0.6, 0.2, 0.2])
_LANG_P = np.array([0.55, 0.3, 0.15])
_ORG_MIX = np.array([0.68, 0.20, 0.09, 0.03])  # original, reshare, reply, quote


def zipf(n: int, a: float = 1.0) -> np.ndarray:
    """Zipf probabilities over ``n`` ranks."""
    w = 1.0 / np.arange(1, n + 1) ** a
    return w / w.sum()


def account_langs(rng: np.random.Generator, n: int) -> np.ndarray:
    """Preferred language per account (ru, kk, en)."""
    return rng.choice(3, size=n, p=_LANG_P).astype(np.int8)


def post_langs(rng: np.random.Generator, account_lang: np.ndarray, stay: float = 0.85) -> np.ndarray:
    """Draw each post's language: mostly the account's, sometimes another (bilingual users).

    Parameters
    ----------
    rng
        Random generator.
    account_lang
        Language code of each post's author.
    stay
        Probability of writing in the account's own language.

    Returns
    -------
    numpy.ndarray
        Language codes, ``int8``.
    """
    other = rng.choice(3, size=len(account_lang), p=_LANG_P)
    return np.where(rng.random(len(account_lang)) < stay, account_lang, other).astype(np.int8)


def _tags(world: World, rng: np.random.Generator, t: np.ndarray, p: float) -> tuple[np.ndarray, np.ndarray]:
    """Popular hashtags for a share ``p`` of posts; protest tags around the protest."""
    n = len(t)
    general = world.tags.ids(ELECTION_TAGS)
    protest = world.tags.ids(PROTEST_TAGS)
    tag1 = general[rng.choice(len(general), size=n, p=zipf(len(general), 1.1))]
    day = local_day(t)
    near = ((day == PROTEST_DAY) | (day == PROTEST_DAY + 1)) & (rng.random(n) < 0.5)
    tag1 = np.where(near, protest[rng.integers(0, len(protest), n)], tag1)
    tag2 = np.where(rng.random(n) < 0.25, general[rng.integers(0, len(general), n)], -1)
    tag2 = np.where(tag2 == tag1, -1, tag2)
    has = rng.random(n) < p
    return np.where(has, tag1, -1).astype(np.int16), np.where(has, tag2, -1).astype(np.int16)


def _news_urls(world: World, rng: np.random.Generator, t: np.ndarray, p: float) -> np.ndarray:
    """News links for a share ``p`` of posts: most point at the day's few hot stories."""
    n = len(t)
    doms = np.array([world.urls.domain(d) for d in NEWS_DOMAINS])
    per_day = 6
    if world.hot_urls is None:
        days = np.repeat(np.arange(N_DAYS), per_day)
        world.hot_urls = world.urls.add(rng, len(days), doms[rng.integers(0, len(doms), len(days))], days)
    hot = world.hot_urls
    day = np.clip(local_day(t), 0, N_DAYS - 1)
    out = np.full(n, -1, dtype=np.int64)
    has = rng.random(n) < p
    is_hot = has & (rng.random(n) < 0.55)
    pick = rng.choice(per_day, size=int(is_hot.sum()), p=zipf(per_day, 1.2))
    out[is_hot] = hot[day[is_hot] * per_day + pick]
    tail = has & ~is_hot
    k = int(tail.sum())
    out[tail] = world.urls.add(rng, k, doms[rng.integers(0, len(doms), k)], day[tail])
    return out.astype(np.int32)


def plain_posts(
    world: World, rng: np.random.Generator, acct: np.ndarray, t: np.ndarray, lang: np.ndarray,
    tag_p: float = 0.2, url_p: float = 0.08,
) -> np.ndarray:
    """Add everyday original posts (the cover every population can produce).

    Parameters
    ----------
    world
        Where to add.
    rng
        Random generator.
    acct, t, lang
        Author, UTC time and account language per post.
    tag_p, url_p
        Shares of posts with hashtags and with a news link.

    Returns
    -------
    numpy.ndarray
        The new post indices.
    """
    pl_ = post_langs(rng, lang)
    tag1, tag2 = _tags(world, rng, t, tag_p)
    return world.posts.add(
        len(acct), acct=acct, t=t, tmpl=world.bank.pick(rng, "org", pl_), tag1=tag1, tag2=tag2,
        url=_news_urls(world, rng, t, url_p), media=rng.random(len(acct)) < 0.15,
    )


def officials(world: World, rng: np.random.Generator, scale: float, rate: float) -> dict[str, dict[int, np.ndarray]]:
    """Create government and opposition accounts on every platform, with their posts.

    Parameters
    ----------
    world
        Where to add.
    rng
        Random generator.
    scale
        How many more actors than at the reference size.
    rate
        Posts per account per day.

    Returns
    -------
    dict
        ``{"gov": {platform: post indices}, "opp": {...}}``.
    """
    out: dict[str, dict[int, np.ndarray]] = {"gov": {}, "opp": {}}
    n = max(2, int(round(2 * scale)))
    gov_tags = world.tags.ids(ELECTION_TAGS[:3])
    opp_tags = world.tags.ids(OPPOSITION_TAGS)
    gov_dom, opp_dom = world.urls.domain("tenirinform.gov.example"), world.urls.domain("tenir-observer.org")
    for platform in range(3):
        for role, style, fam, dom, tags, fol in (
            ("gov", 5, "gov", gov_dom, gov_tags, (60_000, 600_000)),
            ("opp", 6, "opp", opp_dom, opp_tags, (4_000, 90_000)),
        ):
            lang = np.where(np.arange(n) % 2 == 0, 0, 1).astype(np.int8)
            acct = world.accounts.add(
                n, kind=0, platform=platform, lang=lang, style=style, group=np.arange(n),
                created=T0 - rng.integers(700, 4000, n) * 86400, followers=rng.integers(*fol, n),
                following=rng.integers(20, 600, n), client=rng.choice([2, 7], n),
                bio=world.bank.pick(rng, f"bio_{role}", lang),
            )
            k = rng.poisson(rate * N_DAYS, n) + 3
            a = np.repeat(acct, k)
            t = sample_times(rng, len(a), HOURS_ORGANIC ** 0.5)
            plang = post_langs(rng, np.repeat(lang, k), 0.7)
            has = rng.random(len(a)) < 0.45
            url = np.full(len(a), -1, dtype=np.int64)
            linked = rng.random(len(a)) < 0.3
            url[linked] = world.urls.add(rng, int(linked.sum()), dom, local_day(t[linked]))
            out[role][platform] = world.posts.add(
                len(a), acct=a, t=t, tmpl=world.bank.pick(rng, fam, plang),
                tag1=np.where(has, tags[rng.integers(0, len(tags), len(a))], -1), url=url,
                media=rng.random(len(a)) < 0.3,
            )
    return out


def organic(world: World, rng: np.random.Generator, budget: int, extra_targets: dict[int, np.ndarray]) -> None:
    """Add the organic crowd: about ``budget`` posts by heavy-tailed ordinary users.

    Parameters
    ----------
    world
        Where to add.
    rng
        Random generator.
    budget
        Posts to add.
    extra_targets
        Per platform, posts by officials that may also go viral or get replies.
    """
    n_acc = max(30, budget // 7)
    w = rng.lognormal(0.0, 1.1, n_acc)
    counts = 1 + rng.poisson(max(budget - n_acc, 0) / w.sum() * w)
    platform = rng.choice(3, size=n_acc, p=PLATFORM_P).astype(np.int8)
    lang = account_langs(rng, n_acc)
    followers = (np.exp(rng.normal(4.5, 1.6, n_acc)) * w**0.5).astype(np.int64)
    acct = world.accounts.add(
        n_acc, kind=0, platform=platform, lang=lang, style=0,
        created=T0 - (np.minimum(rng.gamma(2.0, 700.0, n_acc), 5800) + 20).astype(np.int64) * 86400
        - rng.integers(0, 86400, n_acc),
        followers=followers, following=np.exp(rng.normal(5.0, 1.0, n_acc)).astype(np.int64),
        client=rng.choice(4, size=n_acc, p=[0.45, 0.3, 0.2, 0.05]), bio=world.bank.pick(rng, "bio_org", lang),
    )
    a = np.repeat(acct, counts)
    ai = np.repeat(np.arange(n_acc), counts)
    n = len(a)
    t = sample_times(rng, n)
    typ = rng.choice(4, size=n, p=_ORG_MIX).astype(np.int8)

    # originals first, so replies and reshares can point at them
    orig = typ == ORIGINAL
    first = plain_posts(world, rng, a[orig], t[orig], lang[ai[orig]], tag_p=0.22, url_p=0.12)
    o_plat = platform[ai[orig]]
    o_fol = followers[ai[orig]].astype(np.float64)
    post_t = world.posts.column("t")
    rest = np.flatnonzero(~orig)
    r_acct, r_typ, r_t, r_target = a[rest], typ[rest], t[rest].copy(), np.full(len(rest), -1, dtype=np.int64)
    r_plat = platform[ai[rest]]
    for p in range(3):
        own = first[o_plat == p]
        extra = extra_targets.get(p, np.empty(0, dtype=np.int64))
        if len(own) + len(extra) == 0:
            continue
        # viral pool: the most-followed authors' posts are likelier to take off (Gumbel top-k)
        v = max(5, int(0.004 * len(own)))
        key = 0.7 * np.log(o_fol[o_plat == p] + 1) + rng.gumbel(size=len(own))
        viral = np.concatenate([own[np.argsort(-key, kind="stable")[:v]], extra])
        viral = viral[rng.permutation(len(viral))]
        pool = np.concatenate([own, extra])
        m = r_plat == p
        k = int(m.sum())
        to_viral = (r_typ[m] == RESHARE) | (rng.random(k) < 0.4)
        tgt = np.where(
            to_viral,
            viral[rng.choice(len(viral), size=k, p=zipf(len(viral), 1.0))],
            pool[rng.integers(0, len(pool), k)],
        )
        median = np.where(r_typ[m] == RESHARE, 2700.0, 1200.0)
        delay = (median * rng.lognormal(0.0, 1.2, k)).astype(np.int64) + 20
        r_target[m] = tgt
        r_t[m] = post_t[tgt] + delay
    # a reshare too late, of oneself, or of a post already reshared becomes an original instead
    r_author = np.where(r_target >= 0, world.posts.column("acct")[np.maximum(r_target, 0)], -1)
    bad = (r_target < 0) | (r_t >= END) | ((r_typ == RESHARE) & (r_author == r_acct))
    bad |= ~first_pairs(r_acct, np.where(r_typ == RESHARE, r_target, -1 - np.arange(len(rest))))
    plain_posts(world, rng, r_acct[bad], t[rest][bad], lang[ai[rest][bad]], tag_p=0.22, url_p=0.12)
    ok = ~bad
    o_typ = r_typ[ok]
    o_lang = post_langs(rng, lang[ai[rest][ok]])
    tmpl = np.where(o_typ == REPLY, world.bank.pick(rng, "org_reply", o_lang), -1)
    tmpl = np.where(o_typ == QUOTE, world.bank.pick(rng, "org", o_lang), tmpl)
    world.posts.add(
        int(ok.sum()), acct=r_acct[ok], t=r_t[ok], typ=o_typ, target=r_target[ok], tmpl=tmpl,
        media=(o_typ != RESHARE) & (rng.random(int(ok.sum())) < 0.05),
    )
