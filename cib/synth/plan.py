"""How big everything is: budgets per population and knobs per difficulty.

Sizes scale with the requested number of posts: the number of planted networks
grows with its square root and their sizes with its 0.3 power, so a 50,000-post
sample has about three bot and three troll networks of 10-60 accounts while a
ten-million-post collection has dozens of larger ones, and the share of
coordinated posts stays the same.

Difficulties: ``easy``, ``normal`` and ``hard`` shrink, slow and thin the
planted networks; ``careful`` plays careful operations. Its trolls work two
shifts on weekdays in their own time zone with holidays off, post the day's
talking point in paraphrase and in translation, build hashtag campaigns over
hours, swarm opposition posts and reshare each other within minutes to hours,
with almost no links; its bots jitter by minutes, post cover between
campaigns, look human and were registered over months. It also adds the
authentic coordination a detector must leave alone: a newsroom sharing its
own articles, ordinary users taking up a trending campaign hashtag and
unrelated users posting through scheduling tools at round minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Knobs", "KNOBS", "Plan", "make_plan"]


@dataclass(frozen=True)
class Knobs:
    """Behaviour parameters that make detection easier or harder.

    Attributes
    ----------
    coord_share
        Fraction of all posts made by planted networks.
    negatives
        Multiplier on the hard-negative populations' post budgets.
    bot_size, troll_size
        Network size range at the 50,000-post reference scale.
    bot_part, troll_part
        Range of the probability that a member joins a given action.
    bot_delay
        Reshare delay range after a seed post, seconds.
    copy_spread
        How long a copypasta burst lasts, seconds.
    cover
        Fraction of network members' posts that look organic.
    campaign_minutes
        Range of hashtag-campaign window lengths.
    swarm_median
        Median delay of a troll reply after the opposition post, seconds.
    troll_shifts
        Trolls work two shifts on their own clock (see :mod:`cib.synth.careful`):
        weekdays only, holidays off, the day's talking point in paraphrase.
    operator_offset
        Hours the operators' clock is ahead of the collection's local clock.
    translate
        Share of talking-point posts that translate the day's brief into another language.
    troll_links
        Share of troll posts carrying a (news) link.
    bot_age_days
        Range of bot registration ages in days before the collection starts,
        drawn evenly; ``None``: registered in one or two bursts.
    human_handles
        Bots get ordinary users' handles, bios and clients.
    authentic
        Multiplier on the authentic-coordination populations (newsroom, trend
        uptake, scheduling tools); 0 leaves them out.
    """

    coord_share: float
    negatives: float
    bot_size: tuple[int, int]
    troll_size: tuple[int, int]
    bot_part: tuple[float, float]
    troll_part: tuple[float, float]
    bot_delay: tuple[int, int]
    copy_spread: tuple[int, int]
    cover: float
    campaign_minutes: tuple[int, int]
    swarm_median: float
    troll_shifts: bool = False
    operator_offset: float = 0.0
    translate: float = 0.0
    troll_links: float = 0.0
    bot_age_days: tuple[int, int] | None = None
    human_handles: bool = False
    authentic: float = 0.0


KNOBS: dict[str, Knobs] = {
    "easy": Knobs(0.20, 0.6, (20, 60), (15, 40), (0.85, 1.0), (0.75, 0.95), (1, 10), (1, 60), 0.0, (10, 30), 180.0),
    "normal": Knobs(0.15, 1.0, (15, 60), (10, 40), (0.6, 0.9), (0.55, 0.85), (1, 30), (1, 600), 0.05, (20, 120), 360.0),
    "hard": Knobs(0.12, 1.8, (10, 30), (10, 25), (0.35, 0.6), (0.35, 0.6), (5, 900), (60, 3600), 0.35, (60, 240), 900.0),
    "careful": Knobs(0.12, 1.8, (10, 30), (10, 25), (0.35, 0.6), (0.4, 0.65), (120, 2400), (900, 7200), 0.4,
                     (180, 480), 2400.0, troll_shifts=True, operator_offset=-2.0, translate=0.2, troll_links=0.01,
                     bot_age_days=(20, 420), human_handles=True, authentic=1.0),
}

# post budgets of the hard negatives, as fractions of all posts at negatives == 1
_NEWS, _FAN, _BREAKING = 0.025, 0.025, 0.015
# ... and of the authentic-coordination populations at authentic == 1
_NEWSROOM, _UPTAKE, _SCHEDULED = 0.02, 0.015, 0.015


@dataclass(frozen=True)
class Plan:
    """Sizes and budgets for one collection.

    Attributes
    ----------
    n_posts
        Requested posts.
    scale
        ``sqrt(n_posts / 50_000)``: how many more actors than the reference.
    bot_sizes, troll_sizes
        Planned members per network.
    bot_budgets, troll_budgets
        Planned posts per network.
    news_budget, fan_budget, breaking_budget
        Planned posts of each hard-negative population.
    newsroom_budget, uptake_budget, scheduled_budget
        Planned posts of the authentic-coordination populations.
    knobs
        The difficulty's behaviour parameters.
    """

    n_posts: int
    scale: float
    bot_sizes: list[int]
    troll_sizes: list[int]
    bot_budgets: list[int]
    troll_budgets: list[int]
    news_budget: int
    fan_budget: int
    breaking_budget: int
    knobs: Knobs
    newsroom_budget: int = 0
    uptake_budget: int = 0
    scheduled_budget: int = 0


def _sizes(rng: np.random.Generator, count: int, bounds: tuple[int, int], factor: float) -> list[int]:
    lo = max(10, int(round(bounds[0] * factor)))
    hi = max(lo + 1, int(round(bounds[1] * factor)))
    return [int(v) for v in rng.integers(lo, hi + 1, size=count)]


def make_plan(rng: np.random.Generator, n_posts: int, difficulty: str) -> Plan:
    """Decide network counts, sizes and post budgets.

    Parameters
    ----------
    rng
        Random generator.
    n_posts
        Requested number of posts.
    difficulty
        Key of :data:`KNOBS`.

    Returns
    -------
    Plan
        The plan.
    """
    k = KNOBS[difficulty]
    ratio = n_posts / 50_000
    scale = float(np.sqrt(ratio))
    count = max(2, int(round(3 * scale)))
    factor = float(np.clip(ratio**0.3, 0.6, 4.0))
    bots = _sizes(rng, count, k.bot_size, factor)
    trolls = _sizes(rng, count, k.troll_size, factor)
    coord = k.coord_share * n_posts
    bot_total, troll_total = 0.55 * coord, 0.45 * coord
    return Plan(
        n_posts=n_posts,
        scale=scale,
        bot_sizes=bots,
        troll_sizes=trolls,
        bot_budgets=[int(bot_total * s / sum(bots)) for s in bots],
        troll_budgets=[int(troll_total * s / sum(trolls)) for s in trolls],
        news_budget=int(_NEWS * k.negatives * n_posts),
        fan_budget=int(_FAN * k.negatives * n_posts),
        breaking_budget=int(_BREAKING * k.negatives * n_posts),
        knobs=k,
        newsroom_budget=int(_NEWSROOM * k.authentic * n_posts),
        uptake_budget=int(_UPTAKE * k.authentic * n_posts),
        scheduled_budget=int(_SCHEDULED * k.authentic * n_posts),
    )
