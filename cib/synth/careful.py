"""Careful troll networks: people on shifts who paraphrase the day's talking point.

A careful operation is an office. Its operators work one of two shifts on
weekdays by their own clock (which may differ from the collection's) and take
the public holidays off. Every working day the office hands out one talking
point per narrative, a brief written in the network's main language; members
post it in their own words (another variant of the same claim, with a personal
opener and closer) and some translate the brief into another language. They
build hashtag campaigns over hours, swarm opposition posts with replies within
minutes to hours, reshare each other at human speed and almost never share
links.
"""

from __future__ import annotations

import numpy as np

from cib.synth.organic import ELECTION_TAGS, NEWS_DOMAINS, account_langs, plain_posts, post_langs
from cib.synth.plan import Knobs
from cib.synth.tables import REPLY, RESHARE, Network, World, first_pairs
from cib.synth.timeline import END, N_DAYS, T0, day_weights, local_day

__all__ = ["HOLIDAYS", "SHIFTS", "TALKING_POINTS", "CAREFUL_TAGS", "working_days", "shift_times", "careful_troll_network"]

#: collection days the operators have off besides weekends: a bridge Monday
#: after the spring holiday weekend (10 March) and the spring festival (21 March)
HOLIDAYS = (21, 32)
#: the two shifts, as (start, stop) hours on the operators' clock
SHIFTS = ((8, 14), (14, 20))
#: careful narrative families (see :mod:`cib.synth.texts`), aligned across languages
TALKING_POINTS = ("cp_best", "cp_security", "cp_foreign", "cp_stability")
#: hashtags careful networks campaign with: fresh ones, so their organic uptake can be told apart
CAREFUL_TAGS = ("ТенирВперёд", "TenirForward", "АлғаТеңір", "СпокойныйТенир", "CalmTenir", "ТыныштықЕлі")


def working_days() -> np.ndarray:
    """Collection days the operators work: weekdays that are not :data:`HOLIDAYS`."""
    d = np.arange(N_DAYS)
    return d[(d % 7 < 5) & ~np.isin(d, HOLIDAYS)]


def shift_times(rng: np.random.Generator, shift: np.ndarray, offset: float,
                days: np.ndarray | None = None) -> np.ndarray:
    """Draw one UTC time per row inside that row's shift on a working day.

    Parameters
    ----------
    rng
        Random generator.
    shift
        Shift number (index into :data:`SHIFTS`) per row.
    offset
        Hours the operators' clock is ahead of the collection's local clock.
    days
        Day per row; drawn from :func:`working_days` when omitted.

    Returns
    -------
    numpy.ndarray
        ``int64`` UTC epoch seconds.
    """
    n = len(shift)
    if days is None:
        work = working_days()
        w = day_weights()[work]
        days = rng.choice(work, size=n, p=w / w.sum())
    start = np.array([s for s, _ in SHIFTS], dtype=np.int64)[shift] * 3600
    length = np.array([e - s for s, e in SHIFTS], dtype=np.int64)[shift] * 3600
    s = start + (rng.random(n) * length).astype(np.int64)
    return T0 + np.asarray(days, dtype=np.int64) * 86400 + s - int(round(offset * 3600))


def _on_shift(t: np.ndarray, offset: float) -> np.ndarray:
    """Whether UTC times fall inside either shift on an operators' working day."""
    op = np.asarray(t) - T0 + int(round(offset * 3600))
    day, hour = op // 86400, (op % 86400) // 3600
    return np.isin(day, working_days()) & (hour >= SHIFTS[0][0]) & (hour < SHIFTS[-1][1])


class _Office:
    """One network's members, briefs and text choices."""

    def __init__(self, world: World, rng: np.random.Generator, members: np.ndarray, lang: np.ndarray,
                 knobs: Knobs) -> None:
        self.world, self.rng, self.members, self.lang, self.knobs = world, rng, members, lang, knobs
        self.size = len(members)
        self.shift = (rng.random(self.size) < 0.5).astype(np.int64)
        self.brief_lang = int(np.bincount(lang, minlength=3).argmax())
        self.narratives = rng.choice(len(TALKING_POINTS), size=int(rng.integers(2, 4)), replace=False)
        # the day's talking point: a narrative and the variant the brief words it in
        self.day_narr = self.narratives[rng.integers(0, len(self.narratives), N_DAYS)]
        self.day_variant = rng.integers(0, 1 << 30, N_DAYS)

    def texts(self, who: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Templates for talking-point posts by members ``who`` at times ``t``."""
        rng, bank = self.rng, self.world.bank
        n = len(who)
        day = np.clip(local_day(t + int(round(self.knobs.operator_offset * 3600))), 0, N_DAYS - 1)
        narr = np.where(rng.random(n) < 0.8, self.day_narr[day], self.narratives[rng.integers(0, len(self.narratives), n)])
        trans = rng.random(n) < self.knobs.translate
        other = (self.brief_lang + 1 + rng.integers(0, 2, n)) % 3
        plang = np.where(trans, other, post_langs(rng, self.lang[who], 0.85))
        out = np.empty(n, dtype=np.int32)
        for f in np.unique(narr):
            for li in range(3):
                m = (narr == f) & (plang == li)
                k = int(m.sum())
                if not k:
                    continue
                ids = bank.family(TALKING_POINTS[f], li)
                brief = self.day_variant[day[m]] % len(ids)
                # a translation keeps the brief's wording; a paraphrase takes another variant
                other_v = (brief + 1 + rng.integers(0, len(ids) - 1, k)) % len(ids)
                out[m] = ids[np.where(trans[m], brief, other_v)]
        return out

    def post(self, who: np.ndarray, t: np.ndarray, tag1: np.ndarray) -> np.ndarray:
        """Add talking-point posts, returning their indices."""
        rng, world = self.rng, self.world
        who, t, tag1 = who[t < END], t[t < END], tag1[t < END]
        n = len(t)
        linked = rng.random(n) < self.knobs.troll_links
        url = np.full(n, -1, dtype=np.int64)
        doms = np.array([world.urls.domain(d) for d in NEWS_DOMAINS])
        url[linked] = world.urls.add(rng, int(linked.sum()), doms[rng.integers(0, len(doms), int(linked.sum()))],
                                     local_day(t[linked]))
        general = world.tags.ids(ELECTION_TAGS[:3])
        tag2 = np.where(rng.random(n) < 0.15, general[rng.integers(0, len(general), n)], -1)
        return world.posts.add(n, acct=self.members[who], t=t, tmpl=self.texts(who, t), tag1=tag1, tag2=tag2,
                               url=url, media=rng.random(n) < 0.2)


def careful_troll_network(
    world: World, rng: np.random.Generator, number: int, platform: int, size: int, budget: int,
    opposition: np.ndarray, knobs: Knobs,
) -> None:
    """Plant one careful troll network of ``size`` accounts making about ``budget`` posts.

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
    # real people's accounts, opened over years, not a registration batch
    created = T0 - rng.integers(60, 2500, size) * 86400 - rng.integers(0, 86400, size)
    main = int(rng.choice(3, p=[0.55, 0.3, 0.15]))
    lang = np.where(rng.random(size) < 0.6, main, account_langs(rng, size)).astype(np.int8)
    members = world.accounts.add(
        size, kind=2, net=net, platform=platform, lang=lang, style=0, created=created,
        followers=np.exp(rng.normal(5.0, 1.1, size)).astype(np.int64),
        following=np.exp(rng.normal(5.0, 1.0, size)).astype(np.int64),
        client=rng.choice(4, size=size, p=[0.45, 0.3, 0.2, 0.05]), bio=world.bank.pick(rng, "bio_org", lang),
    )
    world.networks.append(Network(f"troll_{number}", 2, platform, members))
    office = _Office(world, rng, members, lang, knobs)
    q = rng.uniform(*knobs.troll_part)
    tags = world.tags.ids([CAREFUL_TAGS[(2 * number + i) % len(CAREFUL_TAGS)] for i in range(2)])
    cover = int(budget * knobs.cover)
    work = budget - cover

    # hashtag campaigns: announced in the morning shift, joined over hours (density grows with time)
    per_campaign = max(1.0, size * q * 1.3)
    n_camp = max(2, int(round(0.35 * work / per_campaign)))
    start = shift_times(rng, np.zeros(n_camp, dtype=np.int64), knobs.operator_offset)
    window = rng.uniform(*knobs.campaign_minutes, n_camp) * 60
    ci, mi = np.nonzero(rng.random((n_camp, size)) < q)
    reps = 1 + (rng.random(len(ci)) < 0.3)
    ci, mi = np.repeat(ci, reps), np.repeat(mi, reps)
    t = start[ci] + (window[ci] * np.sqrt(rng.random(len(ci)))).astype(np.int64)
    campaign = office.post(mi, t, tags[rng.integers(0, len(tags), n_camp)][ci])

    # the daily grind: each member on their own shift, on the day's talking point
    n_daily = max(size, int(0.35 * work))
    who = rng.integers(0, size, n_daily)
    daily = office.post(who, shift_times(rng, office.shift[who], knobs.operator_offset),
                        np.where(rng.random(n_daily) < 0.15, tags[0], -1).astype(np.int16))

    # reply swarms under opposition posts made while the office is open
    if len(opposition):
        o_t = world.posts.column("t")[opposition]
        open_ = opposition[_on_shift(o_t, knobs.operator_offset)]
        pool = open_ if len(open_) else opposition
        n_sw = max(1, int(round(0.18 * work / max(1.0, size * q))))
        targets = rng.choice(pool, size=n_sw, replace=n_sw > len(pool))
        si, mi = np.nonzero(rng.random((n_sw, size)) < q * 0.8)
        delay = 60 + (knobs.swarm_median * rng.lognormal(0.0, 0.9, len(si))).astype(np.int64)
        t = world.posts.column("t")[targets[si]] + np.minimum(delay, int(knobs.swarm_median * 10))
        ok = t < END
        world.posts.add(int(ok.sum()), acct=members[mi[ok]], t=t[ok], typ=REPLY, target=targets[si][ok],
                        tmpl=world.bank.pick(rng, "cp_reply", post_langs(rng, lang[mi[ok]], 0.85)))

    # members reshare each other within minutes to hours
    mine = np.concatenate([campaign, daily])
    n_amp = int(0.12 * work)
    if n_amp and len(mine):
        tgt = mine[rng.integers(0, len(mine), n_amp)]
        who = rng.integers(0, size, n_amp)
        ok = first_pairs(who, tgt) & (members[who] != world.posts.column("acct")[tgt])
        t = world.posts.column("t")[tgt] + (600 * rng.lognormal(0.0, 1.3, n_amp)).astype(np.int64) + 60
        ok &= t < END
        world.posts.add(int(ok.sum()), acct=members[who[ok]], t=t[ok], typ=RESHARE, target=tgt[ok])

    # their own lives, posted from the office and in the evening
    if cover:
        who = rng.integers(0, size, cover)
        t = shift_times(rng, office.shift[who], knobs.operator_offset) + rng.integers(0, 3 * 3600, cover)
        ok = t < END
        plain_posts(world, rng, members[who[ok]], t[ok], lang[who[ok]])
