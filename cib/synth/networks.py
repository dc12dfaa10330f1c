"""Planted coordinated networks: automated (bot) and human-operated (troll).

Bots are registered in bursts with digit-suffixed handles, run round the clock
from one client, reshare their seed posts within seconds of each other and
post copypasta that differs only in emoji and punctuation. Trolls keep office
hours, push campaign hashtags within a window of minutes to hours, repeat a
few narratives in paraphrase (same meaning, different words, three
languages) and swarm opposition posts with replies. Under the ``careful``
knobs bots jitter by minutes, look like people (handles, bios, clients,
registration spread over months) and time their cover like people; careful
trolls are in :mod:`cib.synth.careful`.
"""

from __future__ import annotations

import numpy as np

from cib.synth.organic import ELECTION_TAGS, account_langs, plain_posts, post_langs
from cib.synth.plan import Knobs
from cib.synth.tables import REPLY, RESHARE, Network, World, first_pairs
from cib.synth.timeline import (
    END,
    HOURS_FLAT,
    HOURS_ORGANIC,
    T0,
    day_weights,
    is_work_time,
    local_day,
    sample_times,
    work_times,
)

__all__ = ["NARRATIVES", "bot_network", "troll_network"]

NARRATIVES = ("tr_best", "tr_security", "tr_foreign", "tr_stability")
_BOT_TAGS = ("Тасжанов2025", "ЗаТасжанова", "Taszhanov2025", "Тасжанов_Жеңеді", "ТасжановТаңдауы", "ЕлБірлігі")
_CAMPAIGN_TAGS = ("СтабильностьВажнее", "StabilityFirst", "БіртұтасЕл", "ЗаПорядок", "NoToChaos",
                  "ҚауіпсіздікБірінші", "SecureTenir", "ВместеСильнее", "ТыныштықТаңдау", "StrongTenir")
_PROPAGANDA = ("stability-tenir.info", "truth-tenir.org", "el-birligi.org", "tenir-facts.net")
_BOT_CLIENTS = (2, 4, 5, 6, 7, 8)


def _delays(rng: np.random.Generator, n: int, bounds: tuple[int, int]) -> np.ndarray:
    """Seconds after a trigger: uniform for short ranges, log-uniform for long ones."""
    lo, hi = bounds
    if hi <= 60:
        return rng.integers(lo, hi + 1, n).astype(np.int64)
    return np.exp(rng.uniform(np.log(lo), np.log(hi), n)).astype(np.int64)


def _members(world: World, rng: np.random.Generator, n: int, **cols: object) -> tuple[np.ndarray, np.ndarray]:
    """Add network accounts, returning their indices and languages."""
    main = int(rng.choice(3, p=[0.55, 0.3, 0.15]))
    lang = np.where(rng.random(n) < 0.75, main, account_langs(rng, n)).astype(np.int8)
    return world.accounts.add(n, lang=lang, **cols), lang


def _keep_in_window(*cols: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, ...]:
    ok = t < END
    return tuple(c[ok] for c in cols) + (t[ok],)


def bot_network(
    world: World, rng: np.random.Generator, number: int, platform: int, size: int, budget: int,
    external: np.ndarray, knobs: Knobs,
) -> None:
    """Plant one bot network of ``size`` accounts making about ``budget`` posts.

    Parameters
    ----------
    world
        Where to add.
    rng
        Random generator.
    number
        1-based network number (``bot_<number>``).
    platform
        Platform code; the whole network lives there.
    size, budget
        Members and posts.
    external
        Posts by government accounts on that platform the bots may amplify.
    knobs
        Difficulty parameters.
    """
    net = len(world.networks)
    if knobs.bot_age_days is None:
        # registered in one or two bursts a few weeks before the campaign
        bursts = T0 - rng.integers(15, 120, size=int(rng.integers(1, 3))) * 86400
        created = bursts[rng.integers(0, len(bursts), size)] + rng.integers(0, 5 * 3600, size)
    else:
        # careful farms register a few at a time, over months
        created = T0 - rng.integers(*knobs.bot_age_days, size) * 86400 - rng.integers(0, 86400, size)
    client = 0 if knobs.cover > 0.2 else int(rng.choice(_BOT_CLIENTS))
    if knobs.human_handles:
        client = rng.choice(4, size=size, p=[0.45, 0.3, 0.2, 0.05])
    members, lang = _members(
        world, rng, size, kind=1, net=net, platform=platform, style=0 if knobs.human_handles else 1, created=created,
        followers=rng.integers(2, 150, size), following=rng.integers(150, 1500, size), client=client,
    )
    world.accounts.column("bio")[members] = world.bank.pick(rng, "bio_org" if knobs.human_handles else "bio_bot", lang)
    world.networks.append(Network(f"bot_{number}", 1, platform, members))
    main_lang = np.bincount(lang, minlength=3).argmax()
    q = rng.uniform(*knobs.bot_part)
    tags = world.tags.ids(_BOT_TAGS)
    tag = tags[number % len(tags)]
    dom = world.urls.domain(_PROPAGANDA[number % len(_PROPAGANDA)])
    cover = int(budget * knobs.cover)
    per_event = max(1.0, (size - 1) * q)
    events = max(2, int(round((budget - cover) / per_event)))
    n_copy = max(1, int(round(0.2 * events)))
    n_seed = max(1, events - n_copy)

    # seed posts: the leader's own, plus government posts when there are any
    n_ext = min(len(external), int(round(0.4 * n_seed)))
    ext = rng.choice(external, size=n_ext, replace=False) if n_ext else np.empty(0, dtype=np.int64)
    n_lead = n_seed - n_ext
    lead_t = np.minimum(sample_times(rng, n_lead, HOURS_FLAT, day_weights(2.0)), END - 3600)
    seed_lang = np.where(rng.random(n_lead) < 0.8, main_lang, lang[0]).astype(np.int8)
    lead = world.posts.add(
        n_lead, acct=members[0], t=lead_t, tmpl=world.bank.pick(rng, "bot_seed", seed_lang),
        tag1=np.where(rng.random(n_lead) < 0.6, tag, -1),
        url=np.where(rng.random(n_lead) < 0.3, world.urls.add(rng, n_lead, dom, local_day(lead_t)), -1),
        media=rng.random(n_lead) < 0.4,
    )
    seeds = np.concatenate([lead, ext])
    seed_t = world.posts.column("t")[seeds]
    seed_by = world.posts.column("acct")[seeds]
    join = rng.random((len(seeds), size)) < q
    join &= members[None, :] != seed_by[:, None]
    si, mi = np.nonzero(join)
    acct, target, t = _keep_in_window(members[mi], seeds[si], t=seed_t[si] + _delays(rng, len(si), knobs.bot_delay))
    world.posts.add(len(acct), acct=acct, t=t, typ=RESHARE, target=target)

    # copypasta: a few frozen texts, posted by many members in a short burst
    texts = np.array([world.bank.freeze(int(world.bank.pick(rng, "bot_copy", np.array([lg]))[0]), rng)
                      for lg in [main_lang] * 2 + list(rng.choice(3, size=int(rng.integers(1, 3))))])
    ev_t = sample_times(rng, n_copy, HOURS_FLAT, day_weights(2.0))
    ev_text = texts[rng.integers(0, len(texts), n_copy)]
    ev_url = np.where(rng.random(n_copy) < 0.5, world.urls.add(rng, n_copy, dom, local_day(ev_t)), -1)
    ev_tag = np.where(rng.random(n_copy) < 0.7, tag, -1)
    ei, mi = np.nonzero(rng.random((n_copy, size)) < q)
    acct, e, t = _keep_in_window(members[mi], ei, t=ev_t[ei] + _delays(rng, len(ei), knobs.copy_spread))
    world.posts.add(len(acct), acct=acct, t=t, tmpl=ev_text[e], url=ev_url[e], tag1=ev_tag[e])

    if cover:
        who = rng.integers(0, size, cover)
        # careful bots fill the gaps between campaigns with posts timed like people's
        hours = HOURS_ORGANIC if knobs.human_handles else HOURS_FLAT
        plain_posts(world, rng, members[who], sample_times(rng, cover, hours), lang[who])


def troll_network(
    world: World, rng: np.random.Generator, number: int, platform: int, size: int, budget: int,
    opposition: np.ndarray, knobs: Knobs,
) -> None:
    """Plant one troll network of ``size`` accounts making about ``budget`` posts.

    Parameters
    ----------
    world
        Where to add.
    rng
        Random generator.
    number
        1-based network number (``troll_<number>``).
    platform
        Platform code; the whole network lives there.
    size, budget
        Members and posts.
    opposition
        Posts by opposition accounts on that platform, targets of reply swarms.
    knobs
        Difficulty parameters.
    """
    net = len(world.networks)
    batches = T0 - rng.choice([300, 210, 150, 90], size=2, replace=False) * 86400
    created = batches[rng.integers(0, 2, size)] + rng.integers(0, 20 * 86400, size)
    members, lang = _members(
        world, rng, size, kind=2, net=net, platform=platform, style=2, created=created,
        followers=np.exp(rng.normal(5.0, 0.9, size)).astype(np.int64),
        following=rng.integers(100, 1500, size), client=rng.choice([0, 2, 2, 2], size),
    )
    world.accounts.column("bio")[members] = world.bank.pick(rng, "bio_troll", lang)
    world.networks.append(Network(f"troll_{number}", 2, platform, members))
    q = rng.uniform(*knobs.troll_part)
    own_tags = world.tags.ids([_CAMPAIGN_TAGS[(2 * number + i) % len(_CAMPAIGN_TAGS)] for i in range(2)])
    general = world.tags.ids(ELECTION_TAGS[:3])
    narratives = rng.choice(len(NARRATIVES), size=int(rng.integers(2, 4)), replace=False)
    cover = int(budget * knobs.cover)
    work = budget - cover

    def narrative_posts(acct_i: np.ndarray, t: np.ndarray, narr: np.ndarray, tag1: np.ndarray) -> np.ndarray:
        plang = post_langs(rng, lang[acct_i], 0.8)
        tmpl = np.zeros(len(acct_i), dtype=np.int32)
        for f in np.unique(narr):
            m = narr == f
            tmpl[m] = world.bank.pick(rng, NARRATIVES[f], plang[m])
        tag2 = np.where(rng.random(len(t)) < 0.3, general[rng.integers(0, len(general), len(t))], -1)
        return world.posts.add(len(t), acct=members[acct_i], t=t, tmpl=tmpl, tag1=tag1, tag2=tag2,
                               media=rng.random(len(t)) < 0.2)

    # hashtag campaigns: many members within minutes to a couple of hours of the start
    per_campaign = max(1.0, size * q * 1.4)
    n_camp = max(2, int(round(0.45 * work / per_campaign)))
    start = work_times(rng, n_camp, 9, 16)
    window = rng.uniform(*knobs.campaign_minutes, n_camp) * 60
    ci, mi = np.nonzero(rng.random((n_camp, size)) < q)
    reps = 1 + (rng.random(len(ci)) < 0.4)
    ci, mi = np.repeat(ci, reps), np.repeat(mi, reps)
    t = start[ci] + (window[ci] * rng.beta(1.2, 2.5, len(ci))).astype(np.int64)
    camp_narr = narratives[rng.integers(0, len(narratives), n_camp)]
    camp_tag = own_tags[rng.integers(0, len(own_tags), n_camp)]
    campaign = narrative_posts(mi, t, camp_narr[ci], camp_tag[ci])

    # the daily grind: narratives in paraphrase through office hours
    n_daily = max(size, int(0.30 * work))
    who = rng.integers(0, size, n_daily)
    narrative_posts(who, work_times(rng, n_daily), narratives[rng.integers(0, len(narratives), n_daily)],
                    np.where(rng.random(n_daily) < 0.3, own_tags[0], -1).astype(np.int16))

    # reply swarms on opposition posts made during office hours
    if len(opposition):
        o_t = world.posts.column("t")[opposition]
        office = opposition[is_work_time(o_t, 9, 17)]
        pool = office if len(office) else opposition
        n_sw = max(1, int(round(0.20 * work / max(1.0, size * q))))
        targets = rng.choice(pool, size=n_sw, replace=n_sw > len(pool))
        si, mi = np.nonzero(rng.random((n_sw, size)) < q)
        delay = 20 + (knobs.swarm_median * rng.lognormal(0.0, 0.7, len(si))).astype(np.int64)
        delay = np.minimum(delay, int(knobs.swarm_median * 8))
        acct_i, tgt, t = _keep_in_window(mi, targets[si], t=world.posts.column("t")[targets[si]] + delay)
        world.posts.add(len(t), acct=members[acct_i], t=t, typ=REPLY, target=tgt,
                        tmpl=world.bank.pick(rng, "tr_reply", post_langs(rng, lang[acct_i], 0.8)))

    # amplification: members reshare each other's campaign posts, at human speed
    n_amp = int(0.05 * work)
    if n_amp and len(campaign):
        tgt = campaign[rng.integers(0, len(campaign), n_amp)]
        who = rng.integers(0, size, n_amp)
        ok = first_pairs(who, tgt) & (members[who] != world.posts.column("acct")[tgt])
        t = world.posts.column("t")[tgt] + (1200 * rng.lognormal(0.0, 1.0, n_amp)).astype(np.int64) + 60
        who, tgt, t = _keep_in_window(who[ok], tgt[ok], t=t[ok])
        world.posts.add(len(t), acct=members[who], t=t, typ=RESHARE, target=tgt)

    if cover:
        who = rng.integers(0, size, cover)
        plain_posts(world, rng, members[who], work_times(rng, cover, 8, 20), lang[who])
