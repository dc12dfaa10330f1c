"""The public entry point: :func:`synth` writes one synthetic collection.

Populations are generated in a fixed order from independent random streams
(officials, bots, trolls, each hard negative, then the organic crowd that
fills the remaining budget), so the same arguments always give byte-identical
files, and the layout only changes how posts are written, not which.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from cib.errors import CibError
from cib.synth.authentic import newsroom, scheduled_posters, trend_uptake
from cib.synth.careful import CAREFUL_TAGS, careful_troll_network
from cib.synth.export import Collection, accounts_table, collect, write_exports
from cib.synth.negatives import breaking_news, fan_community, news_bots
from cib.synth.networks import bot_network, troll_network
from cib.synth.organic import officials, organic
from cib.synth.plan import KNOBS, Plan, make_plan
from cib.synth.tables import KINDS, PLATFORMS, World
from cib.synth.timeline import ELECTION_DAY, END, LOCAL, PROTEST_DAY, T0, iso_date

__all__ = ["SynthResult", "synth", "LAYOUTS", "SCOPES", "MIN_POSTS"]

LAYOUTS = ("mixed", "generic")
#: which accounts' posts a collection holds: everyone's; only the planted networks' (an
#: information-operations archive, the timelines of a list of suspects); those plus a sample of others
SCOPES = ("all", "operation", "operation+sample")
#: the share of the other accounts kept by ``operation+sample``
SAMPLE_OTHERS = 0.05
MIN_POSTS = 2_000
# networks are spread over platforms so that about 60% live on X
_PLATFORM_CYCLE = (0, 1, 0, 2, 0)
# kinds listed in the README only when the collection holds them
_AUTHENTIC_ONLY = ("newsroom", "trend_uptake", "scheduled")
#: hours from UTC of the clock the populations are generated on (see :mod:`cib.synth.timeline`)
_GENERATED_OFFSET = LOCAL / 3600


@dataclass
class SynthResult:
    """What :func:`synth` wrote.

    Attributes
    ----------
    out_dir
        The collection folder.
    files
        Every file written, exports first, then ``truth.parquet`` and ``README.md``.
    n_posts
        Exact number of posts written (the request is met within about 10%).
    n_accounts
        Number of accounts (each has at least one post).
    truth
        ``account_id, network_id, kind``, one row per account.
    """

    out_dir: Path
    files: list[Path]
    n_posts: int
    n_accounts: int
    truth: pl.DataFrame


def _check(out_dir: Path, n_posts: int, seed: int, layout: str, difficulty: str, scope: str) -> None:
    if scope not in SCOPES:
        raise CibError(f"unknown scope {scope!r}", hint=f"use one of {', '.join(SCOPES)}")
    if layout not in LAYOUTS:
        raise CibError(f"unknown layout {layout!r}", hint=f"use one of {', '.join(LAYOUTS)}")
    if difficulty not in KNOBS:
        raise CibError(f"unknown difficulty {difficulty!r}", hint=f"use one of {', '.join(KNOBS)}")
    if int(n_posts) < MIN_POSTS:
        raise CibError(f"n_posts must be at least {MIN_POSTS:,} (got {n_posts})",
                       hint="smaller collections cannot hold the planted networks")
    if int(seed) < 0:
        raise CibError(f"seed must be a non-negative integer (got {seed})")
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise CibError(f"{out_dir} already exists and is not empty",
                       hint="choose a new folder; synth never overwrites a collection")


def _generate(n_posts: int, seed: int, difficulty: str) -> tuple[World, Plan, np.random.Generator]:
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(9)]
    plan = make_plan(streams[0], n_posts, difficulty)
    world = World()
    off = officials(world, streams[1], plan.scale, rate=4.0 * float(np.clip(n_posts / 50_000, 0.2, 1.0)))
    for i, (size, budget) in enumerate(zip(plan.bot_sizes, plan.bot_budgets, strict=True)):
        p = _PLATFORM_CYCLE[i % len(_PLATFORM_CYCLE)]
        bot_network(world, streams[2], i + 1, p, size, budget, off["gov"][p], plan.knobs)
    plant_trolls = careful_troll_network if plan.knobs.troll_shifts else troll_network
    for i, (size, budget) in enumerate(zip(plan.troll_sizes, plan.troll_budgets, strict=True)):
        p = _PLATFORM_CYCLE[(i + 2) % len(_PLATFORM_CYCLE)]
        plant_trolls(world, streams[3], i + 1, p, size, budget, off["opp"][p], plan.knobs)
    news_bots(world, streams[4], plan.news_budget)
    fan_community(world, streams[5], plan.fan_budget)
    breaking_news(world, streams[6], plan.breaking_budget)
    if plan.knobs.authentic > 0:
        # streams of their own, so the populations above stay what they are at every difficulty
        extra = [np.random.default_rng(s) for s in np.random.SeedSequence(seed, spawn_key=(10,)).spawn(3)]
        newsroom(world, extra[0], plan.newsroom_budget)
        trend_uptake(world, extra[1], plan.uptake_budget, world.tags.ids(CAREFUL_TAGS))
        scheduled_posters(world, extra[2], plan.scheduled_budget)
    targets = {p: np.concatenate([off["gov"][p], off["opp"][p]]) for p in range(3)}
    organic(world, streams[7], max(n_posts - world.posts.n, n_posts // 4), targets)
    return world, plan, streams[8]


def _kept(col: Collection, seed: int, scope: str) -> np.ndarray | None:
    """Which accounts the collection holds (``None``: all)."""
    if scope == "all":
        return None
    planted = col.accounts["net"] >= 0
    if scope == "operation":
        return planted
    # a stream of its own: the scope never changes what the world holds
    u = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(9,))).random(planted.size)
    return planted | (u < SAMPLE_OTHERS)


def _readme(c: Collection, acc: pl.DataFrame, rows: dict[str, int], seed: int, layout: str,
            difficulty: str, requested: int, utc_offset: float, scope: str) -> str:
    shift = _shift(utc_offset)
    kinds = acc.group_by("kind").agg(accounts=pl.len(), posts=pl.col("n_collected").sum())
    kinds = {r["kind"]: r for r in kinds.iter_rows(named=True)}
    lines = [
        "# Synthetic collection: the 2025 snap presidential election in the Republic of Tenir",
        "",
        "Everything here is fictional and generated by `cib.synth` (no real people, places or posts).",
        "",
        f"- seed: {seed}; requested posts: {requested:,}; layout: {layout}; difficulty: {difficulty}; scope: {scope}",
        f"- posts: {sum(n for f, n in rows.items() if f != 'accounts.csv'):,}; accounts: {acc.height:,}"
        + ("" if scope == "all" else f" (of {c.n_posts:,} posts by {len(c.accounts['net']):,} accounts in the world)"),
        f"- collection window (UTC): {_iso_minute(T0 + shift)} to {_iso_minute(END + shift)} (35 days);"
        f" local time is {_offset_name(utc_offset)}",
        f"- protest day: {iso_date(T0 + PROTEST_DAY * 86400 + 43200)} (breaking news 15:42 local);"
        f" election day: {iso_date(T0 + ELECTION_DAY * 86400 + 43200)} (exit poll 20:00 local)",
        "- languages: Russian, Kazakh, English",
        "",
        "## Populations (`truth.parquet`: account_id, network_id, kind)",
        "",
        "| kind | accounts | posts | what it is |",
        "|---|---:|---:|---|",
    ]
    about = {
        "organic": "ordinary users, officials and opposition: diurnal, viral reshares over hours, hot news links",
        "bot": "planted automated networks: burst-registered, reshares within seconds, copypasta, 24/7",
        "troll": "planted human-operated networks: office hours, hashtag campaigns, paraphrased narratives, "
                 "reply swarms",
        "news_bot": "hard negative: scheduled news accounts, each with its own links",
        "fan_community": "hard negative: fandoms posting the same hashtags daily with varied text",
        "breaking_news": "hard negative: unrelated users reacting to breaking news within minutes",
        "newsroom": "hard negative: journalists sharing their colleagues' articles within minutes on working days",
        "trend_uptake": "hard negative: ordinary users taking up a campaign hashtag once it trends",
        "scheduled": "hard negative: unrelated users whose scheduling tools post at round minutes",
    }
    if difficulty == "careful":
        about["bot"] = "planted automated networks: registered over months, human-looking, minutes of jitter, cover posts"
        about["troll"] = ("planted human-operated networks: two weekday shifts, the day's talking point paraphrased "
                          "and translated, slow campaigns, reply swarms")
    for k in KINDS:
        if k not in kinds and k in _AUTHENTIC_ONLY:
            continue
        r = kinds.get(k, {"accounts": 0, "posts": 0})
        lines.append(f"| {k} | {r['accounts']:,} | {r['posts']:,} | {about[k]} |")
    lines += ["", "## Planted networks", "", "| network_id | platform | accounts | posts |", "|---|---|---:|---:|"]
    nets = (acc.filter(pl.col("network_id").is_not_null())
            .group_by("network_id", "platform").agg(accounts=pl.len(), posts=pl.col("n_collected").sum()))
    nets = nets.with_columns(
        k=pl.col("network_id").str.extract(r"^(\w+?)_"), n=pl.col("network_id").str.extract(r"(\d+)$").cast(pl.Int64)
    ).sort("k", "n")
    for r in nets.iter_rows(named=True):
        lines.append(f"| {r['network_id']} | {r['platform']} | {r['accounts']} | {r['posts']:,} |")
    lines += ["", "## Files", "", "| file | rows | format |", "|---|---:|---|"]
    formats = {
        "tweets.csv": "X/Twitter information-operations archive (31 columns; minute-resolution `tweet_time`, UTC)",
        "posts.csv": "generic posts (ISO-8601 UTC times with `Z`, list columns as JSON arrays)",
        "accounts.csv": "generic accounts (for the accounts in posts.csv)",
    }
    for name, n in rows.items():
        lines.append(f"| {name} | {n:,} | {formats[name]} |")
    lines += ["| truth.parquet | " + f"{acc.height:,} | ground truth, one row per account |", ""]
    platforms = ", ".join(PLATFORMS)
    lines += [f"Platforms: {platforms}. Each planted network lives on one platform.", ""]
    return "\n".join(lines)


def _shift(utc_offset: float) -> int:
    """Seconds added to every generated time so that local life runs at ``utc_offset`` hours."""
    return int(round((_GENERATED_OFFSET - float(utc_offset)) * 3600))


def _offset_name(hours: float) -> str:
    """``UTC+5``, ``UTC-3:30``, ``UTC``."""
    if hours == 0:
        return "UTC"
    sign = "+" if hours > 0 else "-"
    h, m = divmod(round(abs(hours) * 60), 60)
    return f"UTC{sign}{h}" + (f":{m:02d}" if m else "")


def _iso_minute(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%MZ")


def synth(
    out_dir: str | Path,
    n_posts: int = 50_000,
    seed: int = 42,
    layout: str = "mixed",
    difficulty: str = "normal",
    utc_offset: float = 5.0,
    scope: str = "all",
) -> SynthResult:
    """Generate a synthetic collection with planted coordinated networks.

    Parameters
    ----------
    out_dir
        Folder to create; it must not exist or must be empty.
    n_posts
        Approximate number of posts (met within about 10%; at least 2,000).
    seed
        Seed for everything random; same arguments give byte-identical files.
    layout
        ``"mixed"``: X accounts in the information-operations archive format
        (``tweets.csv``), Telegram and Facebook accounts in the generic
        ``posts.csv`` + ``accounts.csv``; ``"generic"``: everything generic.
    difficulty
        ``"easy"``, ``"normal"``, ``"hard"`` (smaller, sparser, slower
        networks with organic cover, and more hard negatives) or ``"careful"``
        (operations that behave like careful real ones, plus authentic
        coordination; see :mod:`cib.synth.plan`).
    utc_offset
        Hours from UTC of the collection's local clock: the whole collection's
        daily life (sleep, office hours, evening peaks, the breaking-news
        moment) is moved so that it happens at those local hours. The same
        seed gives the same collection shifted in time; the default, 5,
        writes the historical collection unchanged.
    scope
        Whose posts are written (:data:`SCOPES`): ``"all"``; ``"operation"``, only
        the planted networks' (a targeted collection: an information-operations
        archive, the timelines of suspected accounts); ``"operation+sample"``,
        those and a seeded sample of :data:`SAMPLE_OTHERS` of the other accounts.
        The world generated is the same: ``n_posts`` counts all of it.

    Returns
    -------
    SynthResult
        The folder, files, exact counts and the ground truth.

    Raises
    ------
    CibError
        On a non-empty ``out_dir`` or an invalid argument.
    """
    out = Path(out_dir)
    _check(out, n_posts, seed, layout, difficulty, scope)
    if not -12.0 <= float(utc_offset) <= 14.0:
        raise CibError(f"utc_offset must be between -12 and 14 hours (got {utc_offset})")
    world, _plan, rng = _generate(int(n_posts), int(seed), difficulty)
    col = collect(world, rng, int(seed))
    shift = _shift(utc_offset)
    if shift:
        # every time moves together, so post ids (built from the time) and the order of posts stay consistent
        col.posts["t"] = col.posts["t"] + shift
        col.accounts["created"] = col.accounts["created"] + shift
    out.mkdir(parents=True, exist_ok=True)
    keep = _kept(col, int(seed), scope)
    rows = write_exports(col, out, layout, keep=keep)
    acc = accounts_table(col)
    if keep is not None:
        acc = acc.filter(pl.Series(keep))
    truth = acc.select("account_id", "network_id", "kind").sort("account_id")
    truth.write_parquet(out / "truth.parquet")
    (out / "README.md").write_text(_readme(col, acc, rows, int(seed), layout, difficulty, int(n_posts), float(utc_offset), scope),
                                   encoding="utf-8")
    files = [out / name for name in rows] + [out / "truth.parquet", out / "README.md"]
    written = sum(n for name, n in rows.items() if name != "accounts.csv")
    return SynthResult(out_dir=out, files=files, n_posts=written, n_accounts=truth.height, truth=truth)
