"""The label rules: indicators, their ramps, and the judgement of a cluster.

An *automation* score (bot) and a *human-operation* score (troll) are weighted
means of indicators (:data:`BOT_INDICATORS`, :data:`TROLL_INDICATORS`), each a
linear :func:`ramp` between two thresholds declared in :mod:`cib.params`
(``score.bot.*``, ``score.troll.*``: ``[from, to, weight]``); the
:data:`ORGANIC_INDICATORS` measure how far established accounts explain the
coordination, and :func:`publishing` how far established accounts resharing
their own articles (a newsroom) do. :func:`judge` turns a cluster's features and those scores into
its coordination, score, label and the sentence that says why;
:func:`unavailable` says which indicators the data cannot judge (left out,
not counted as zero) and :func:`confidence` how far the label can be trusted.

The stored labels are machine words (``bot``, ``troll``, ``mixed``,
``organic``); :data:`LABEL_WORDS` is what a reader sees. ``mixed`` has one
meaning: flagged coordination whose automation-like and human-operated-like
indicators do not separate, because both show or because neither does.
``docs/labels.md`` states every rule and threshold in plain words.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from cib.network.features import numbers
from cib.network.reasons import pct

if TYPE_CHECKING:
    from cib.config import Config

__all__ = [
    "LABEL_WORDS",
    "LABEL_SHORT",
    "BOT_INDICATORS",
    "TROLL_INDICATORS",
    "ORGANIC_INDICATORS",
    "HUMAN_SIGNALS",
    "ramp",
    "weighted",
    "cluster_indicators",
    "organic_indicators",
    "publishing",
    "account_indicators",
    "judge",
    "unavailable",
    "available_share",
    "confidence",
]

#: what each stored label reads as
LABEL_WORDS: dict[str, str] = {
    "bot": "automation-like coordination",
    "troll": "human-operated-like coordination",
    "mixed": "coordination of unclear kind",
    "organic": "not flagged",
}
#: the short form, on badges, in legends and in the terminal's summary
LABEL_SHORT: dict[str, str] = {
    "bot": "automation-like",
    "troll": "human-operated-like",
    "mixed": "unclear kind",
    "organic": "not flagged",
}

#: automation indicators: (feature, parameter, what it means)
BOT_INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("night_share", "score.bot.night_share", "posts at night"),
    ("reshare_share", "score.bot.reshare_share", "reshares rather than own posts"),
    ("fast", "score.bot.fast_delta_s", "co-actions seconds apart"),
    ("creation_share", "score.bot.creation_share", "accounts created together"),
    ("digit_handle_share", "score.bot.digit_handles", "digit-suffixed handles"),
)
#: human-operation indicators
TROLL_INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("work_share", "score.troll.work_share", "posts in office hours"),
    ("quiet_nights", "score.troll.night_share", "no posts at night"),
    ("reply_share", "score.troll.reply_share", "replies"),
    ("human_signal_share", "score.troll.human_signals", "paraphrase, hashtag campaigns, reply swarms"),
)
#: indicators that popularity or an established outlet explains the coordination
ORGANIC_INDICATORS: tuple[tuple[str, str, str], ...] = (
    ("age_days", "score.organic.account_age_days", "long-established accounts"),
    ("followers", "score.organic.followers", "large audiences"),
)
#: signals typical of human-operated campaigns
HUMAN_SIGNALS = ("co_reply", "co_similar_text", "co_hashtag", "co_paraphrase")


def ramp(value: float | None, lo: float, hi: float) -> float | None:
    """0 at ``lo``, 1 at ``hi``, linear between (``lo > hi`` ramps downwards); ``None`` stays."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if lo == hi:
        return 1.0 if value >= hi else 0.0
    return min(1.0, max(0.0, (value - lo) / (hi - lo)))


def weighted(
    values: dict[str, float | None], cfg: Config, table: tuple[tuple[str, str, str], ...]
) -> tuple[float, dict[str, float]]:
    """Weighted mean of the measurable indicators, and each indicator's value.

    Parameters
    ----------
    values
        Indicator values by feature name; ``None`` (or NaN) is not measurable.
    cfg
        Effective configuration (the ``[from, to, weight]`` of each indicator).
    table
        The indicators: :data:`BOT_INDICATORS`, :data:`TROLL_INDICATORS` or
        :data:`ORGANIC_INDICATORS`.

    Returns
    -------
    tuple of float and dict
        The weighted mean of the ramps (0 when none is measurable), and each
        measured indicator's ramp.
    """
    total = weight = 0.0
    parts: dict[str, float] = {}
    for name, param, _ in table:
        lo, hi, w = numbers(cfg, param, 3)
        r = ramp(values.get(name), lo, hi)
        if r is None or w <= 0:
            continue
        parts[name] = r
        total += w * r
        weight += w
    return (total / weight if weight else 0.0), parts


def cluster_indicators(
    row: dict[str, Any], fast: float | None, shares: dict[str, float], known: float
) -> dict[str, float | None]:
    """A cluster's bot and troll indicator values.

    Parameters
    ----------
    row
        The cluster's features (:data:`cib.network.features.CLUSTER_FEATURES`).
    fast
        Median seconds between co-actions of its fastest strong signal (``None`` when unknown).
    shares
        Share of the cluster's fused weight by signal.
    known
        ``score.min_known``: creation dates and handles count only when at
        least this share of the members has them.

    Returns
    -------
    dict
        Values by indicator name, ``None`` where not measurable.
    """
    return {
        "night_share": row["night_share"],
        "reshare_share": row["reshare_share"],
        "fast": fast,
        "creation_share": row["creation_share"] if (row["creation_known"] or 0) >= known else None,
        "digit_handle_share": row["digit_handle_share"] if (row["handle_known"] or 0) >= known else None,
        "work_share": row["work_share"],
        "quiet_nights": row["night_share"],
        "reply_share": row["reply_share"],
        "human_signal_share": sum(v for k, v in shares.items() if k in HUMAN_SIGNALS) / max(row["content_share"] or 0.0, 1e-9)
        if row["content_share"]
        else 0.0,
    }


def organic_indicators(row: dict[str, Any], known: float) -> dict[str, float | None]:
    """A cluster's established-account indicator values (``None`` where too few members are known).

    Parameters
    ----------
    row
        The cluster's features.
    known
        ``score.min_known``.

    Returns
    -------
    dict
        Values by indicator name of :data:`ORGANIC_INDICATORS`.
    """
    return {
        "age_days": row["age_days"] if (row["creation_known"] or 0) >= known else None,
        "followers": row["followers"] if (row["followers_known"] or 0) >= known else None,
    }


def publishing(row: dict[str, Any], cfg: Config) -> float:
    """How far a cluster is established accounts resharing their own articles, 0–1.

    A newsroom coordinates in public: its journalists reshare each other's
    articles, which link to their outlet. The share of the members' reshares
    that are a member's link post to the cluster's one domain ramps over
    ``score.organic.own_articles``, times the account-age ramp of
    ``score.organic.account_age_days``: an operation can run a website, but
    new accounts resharing it are not a newsroom. Unknown ages give 0.

    Parameters
    ----------
    row
        The cluster's features (``own_articles``, ``age_days``, ``creation_known``).
    cfg
        Effective configuration.
    """
    own = ramp(row.get("own_articles"), *numbers(cfg, "score.organic.own_articles", 2))
    if not own or (row.get("creation_known") or 0) < float(cfg["score.min_known"]):
        return 0.0
    lo, hi, _ = numbers(cfg, "score.organic.account_age_days", 3)
    return own * (ramp(row.get("age_days"), lo, hi) or 0.0)


def account_indicators(row: dict[str, Any]) -> dict[str, float | None]:
    """An account's own bot and troll indicator values.

    Parameters
    ----------
    row
        The account's features, with ``_digits`` set to ``score.handle_digits``.

    Returns
    -------
    dict
        Values by indicator name; indicators measured only on clusters are absent.
    """
    return {
        "night_share": row.get("night_share"),
        "reshare_share": row.get("reshare_share"),
        "work_share": row.get("work_share"),
        "quiet_nights": row.get("night_share"),
        "reply_share": row.get("reply_share"),
        "digit_handle_share": None if row.get("handle_digits") is None else float(row["handle_digits"] >= row["_digits"]),
    }


def judge(
    row: dict[str, Any], bot: float, troll: float, explained: float, cfg: Config, published: float = 0.0
) -> dict[str, Any]:
    """A cluster's coordination, score, label and why.

    Parameters
    ----------
    row
        The cluster's features, with ``strong_objects``.
    bot, troll, explained
        Its automation, human-operation and established-account scores (:func:`weighted`).
    cfg
        Effective configuration.
    published
        :func:`publishing`: the discount uses the larger of it and ``explained``.

    Returns
    -------
    dict
        ``coordination``, ``score``, ``objects``, ``label``, ``flagged``, and
        ``why`` (flagged) or ``why_not`` (organic).
    """
    strong = int(row.get("strong_objects") or 0)
    script = int(row.get("script_objects") or 0)
    objects = strong + float(cfg["score.script_weight"]) * script
    stab = float(row.get("stability") if row.get("stability") is not None else 1.0)
    cov_lo, cov_hi = numbers(cfg, "score.coverage", 2)
    coverage = float(row.get("coverage") if row.get("coverage") is not None else 1.0)
    coverage_factor = ramp(coverage, cov_lo, cov_hi) or 0.0
    coordination = (1.0 - math.exp(-objects / max(float(cfg["score.objects_scale"]), 1e-9))) * stab * coverage_factor
    floor = float(cfg["score.coordination_floor"])
    discount = 1.0 - float(cfg["score.explained_weight"]) * max(explained, published)
    value = coordination * (floor + (1.0 - floor) * max(bot, troll)) * discount
    out: dict[str, Any] = {"coordination": coordination, "score": value, "objects": objects}
    threshold = float(cfg["score.flag_threshold"])
    why_not = None
    if objects < float(cfg["score.min_objects"]):
        if objects == 0:
            why_not = "organic: held together only by timing, hashtags or mentions, which popular topics and schedules explain"
        else:
            why_not = (
                f"organic: they co-shared only {strong} distinct object{'s' if strong != 1 else ''} "
                f"(fewer than {int(cfg['score.min_objects'])}), consistent with a shared reaction to news or popular posts"
            )
    elif stab < float(cfg["score.min_stability"]):
        why_not = f"organic: the grouping is unstable (together in {pct(stab)} of re-runs)"
    elif coverage_factor == 0.0:
        why_not = (
            f"organic: only {pct(coverage)} of the accounts take part in the co-sharing; the rest are linked "
            "by timing, hashtags or mentions alone"
        )
    elif int(row.get("edges") or 0) >= 2 and float(row.get("hub_share") or 0.0) >= 1.0:
        why_not = (
            f"organic: every link runs through one of its {int(row.get('size') or 0)} accounts, and none, not even "
            "timing, links the others: one account and part of its audience resharing or echoing it, not a group "
            "acting together"
        )
    elif value < threshold and published > 0 and published >= explained and value / max(discount, 1e-9) >= threshold:
        why_not = (
            f"organic: coordinated in public, as a newsroom is: established accounts resharing each other's articles "
            f"({pct(float(row.get('own_articles') or 0.0))} of their reshares are members' posts linking to "
            f"{row.get('own_domain') or 'one domain'}; score {value:.2f} < {threshold:.2f} after the discount)"
        )
    elif value < threshold and explained > 0 and value / max(discount, 1e-9) >= threshold:
        why_not = (
            f"organic: coordinated, but explained by established accounts with large audiences "
            f"(score {value:.2f} < {threshold:.2f} after the discount for {pct(explained)} established)"
        )
    elif value < threshold:
        why_not = (
            f"organic: coordination without a clear bot or troll signature "
            f"(score {value:.2f} < {threshold:.2f}; automation {bot:.2f}, human operation {troll:.2f})"
        )
    if why_not:
        out.update(label="organic", flagged=False, why_not=why_not)
        return out
    margin = float(cfg["score.label_margin"])
    least = float(cfg["score.min_signature"])
    if bot >= least and bot - troll >= margin:
        label, why = "bot", f"{LABEL_WORDS['bot']}: automation-like indicators lead ({bot:.2f} vs human-operated-like {troll:.2f})"
    elif troll >= least and troll - bot >= margin:
        label, why = "troll", (
            f"{LABEL_WORDS['troll']}: human-operated-like indicators lead ({troll:.2f} vs automation-like {bot:.2f})"
        )
    else:
        detail = "both are weak" if max(bot, troll) < least else "both show"
        label, why = "mixed", (
            f"{LABEL_WORDS['mixed']}: neither automation-like ({bot:.2f}) nor human-operated-like ({troll:.2f}) "
            f"indicators lead ({detail})"
        )
    out.update(label=label, flagged=True, why=why)
    return out


def unavailable(
    row: dict[str, Any], collection: dict[str, float], wall_clock: bool, coarse: bool, cfg: Config
) -> dict[str, str]:
    """The indicators this cluster's data cannot judge, each with why.

    Parameters
    ----------
    row
        The cluster's features.
    collection
        ``reshare_share`` and ``reply_share`` of the whole collection.
    wall_clock
        Whether the cluster's clock is known (:attr:`cib.network.zones.Zone.wall_clock`).
    coarse
        Whether its times have minute resolution.
    cfg
        Effective configuration (``score.min_type_share``, ``score.min_known``).

    Returns
    -------
    dict
        Indicator name → the reason it is left out.
    """
    out: dict[str, str] = {}
    least = float(cfg["score.min_type_share"])
    for name, kind in (("reshare_share", "reshares"), ("reply_share", "replies")):
        share = float(collection.get(name) or 0.0)
        if share < least:
            out[name] = f"the collection holds almost no {kind} ({100 * share:.0f}%)"
        elif share > 1.0 - least:
            out[name] = f"the collection holds {kind} only ({100 * share:.0f}%)"
    if coarse:
        out["fast"] = "the times have minute resolution"
    if not wall_clock:
        out["work_share"] = out["quiet_nights"] = "no daily rhythm shows which clock the accounts live by"
    known = float(cfg["score.min_known"])
    if (row.get("creation_known") or 0) < known:
        out["creation_share"] = "creation dates are unknown"
    if (row.get("handle_known") or 0) < known:
        out["digit_handle_share"] = "handles are unknown"
    return out


def available_share(cfg: Config, table: tuple[tuple[str, str, str], ...], parts: dict[str, float]) -> float:
    """Share of a signature's indicator weight that could be measured (``parts`` from :func:`weighted`)."""
    total = sum(max(numbers(cfg, param, 3)[2], 0.0) for _, param, _ in table)
    have = sum(max(numbers(cfg, param, 3)[2], 0.0) for name, param, _ in table if name in parts)
    return have / total if total else 0.0


def confidence(judged: dict[str, Any], size: int, available: float, cfg: Config) -> str | None:
    """How far a flagged cluster's label can be trusted: ``"high"``, ``"medium"`` or ``"low"``.

    One point each for large evidence (``score.confidence.objects`` co-shared
    objects and three times ``cluster.min_size`` accounts), for indicators
    available (``score.confidence.available`` of the leading signature's weight
    measured) and, for ``bot`` and ``troll``, a decisive lead
    (``score.confidence.lead``); ``mixed`` is at most medium. Three points are
    high, two medium, fewer low; an unflagged cluster has none (``None``).

    Parameters
    ----------
    judged
        :func:`judge`'s verdict with ``bot`` and ``troll``.
    size
        Accounts in the cluster.
    available
        :func:`available_share` of the leading signature.
    cfg
        Effective configuration.
    """
    if not judged["flagged"]:
        return None
    points = int(
        judged["objects"] >= float(cfg["score.confidence.objects"]) and size >= 3 * int(cfg["cluster.min_size"])
    )
    points += int(available >= float(cfg["score.confidence.available"]))
    if judged["label"] in ("bot", "troll"):
        points += int(abs(judged["bot"] - judged["troll"]) >= float(cfg["score.confidence.lead"]))
    else:
        points = min(points, 2)
    return {3: "high", 2: "medium"}.get(points, "low")
