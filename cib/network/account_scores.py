"""Account labels: whether an account shares its cluster's flag, its score and its reasons.

An account is flagged when its cluster is flagged and it is attached to it:
at least ``score.min_links`` links inside the cluster carrying at least
``score.min_share_in`` of its fused weight, and it takes part in the
co-sharing (a strong link inside, or ``score.min_account_co_share`` of its
posts repeating another member's), unless it reads as the audience of a bot
network (its label would be ``bot`` but it shows no automation of its own and is
linked to few members: ``score.audience.*``). Its label mixes the cluster's bot/troll
scores with its own (``score.account_own_weight``); its score is its own: the
cluster's, scaled by the square root of its share of weight inside and by its
part in the co-sharing (``0.5 + 0.5 ×`` its co-shared objects over those of the
cluster's most active member). Its reasons are its own too: its links inside,
its part in the co-shared objects, its own indicators on its network's clock.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.network.labels import BOT_INDICATORS, LABEL_WORDS, TROLL_INDICATORS, account_indicators, weighted
from cib.network.reasons import account_reasons, pct
from cib.schema import ACCOUNT_SCORES, conform

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["account_scores"]


@dataclass(frozen=True)
class _AccountRules:
    """The settings that attach an account to its cluster and mix its own scores in."""

    own_weight: float
    min_links: int
    min_share: float
    min_co: float
    digits: int
    audience_own: float
    audience_links: float


def account_scores(acc: pl.DataFrame, judged_by_id: Mapping[int, dict[str, Any]], cfg: Config) -> pl.DataFrame:
    """Flag, label, score and reasons of every account.

    Parameters
    ----------
    acc
        One row per account: its features (:func:`cib.network.features.account_features`),
        attachment (:func:`cib.network.features.attachment`, ``cluster_id`` dropped),
        ``account_co_share`` and ``cluster_id`` (null outside clusters).
    judged_by_id
        Each cluster's judgement (:func:`cib.network.labels.judge`, with its
        ``bot`` and ``troll`` scores), by cluster id.
    cfg
        Effective configuration.

    Returns
    -------
    polars.DataFrame
        The ``ACCOUNT_SCORES`` table, sorted by account id.
    """
    rules = _AccountRules(
        own_weight=float(cfg["score.account_own_weight"]),
        min_links=int(cfg["score.min_links"]),
        min_share=float(cfg["score.min_share_in"]),
        min_co=float(cfg["score.min_account_co_share"]),
        digits=int(cfg["score.handle_digits"]),
        audience_own=float(cfg["score.audience.max_own_automation"]),
        audience_links=float(cfg["score.audience.max_linked_share"]),
    )
    rows = []
    for r in acc.iter_rows(named=True):
        cid = r["cluster_id"]
        j = judged_by_id.get(cid) if cid is not None else None
        rows.append(_account_row(r, j, rules, cfg))
    return conform(pl.DataFrame(rows, schema=ACCOUNT_SCORES), "account_scores").sort("account_id")


def _audience(own_bot: float, degree_in: int, others: int, rules: _AccountRules) -> bool:
    """A member of an automation-like network that behaves like none of its bots and touches few of them.

    Automated accounts carry automation in their own conduct (night posting, reshares,
    co-actions seconds apart, accounts made together, digit handles); an ordinary
    account that reshares and links what a bot network seeds is tied to a few of
    its members by that content alone. Such an account is the network's audience,
    not one of its accounts.
    """
    return own_bot <= rules.audience_own and degree_in < rules.audience_links * others


def _account_row(r: dict[str, Any], j: dict[str, Any] | None, rules: _AccountRules, cfg: Config) -> dict[str, Any]:
    """One account's flag, label, score and reasons, given its cluster's judgement (``None`` outside clusters)."""
    cid = r["cluster_id"]
    r["_digits"] = rules.digits
    degree_in = int(r["degree_in"] or 0)
    share_in = float(r["share_in"] or 0.0)
    reasons: list[str] = []
    if j is None:
        return {
            "account_id": r["account_id"],
            "cluster_id": cid,
            "flagged": False,
            "label": None,
            "score": 0.0,
            "reasons": ["linked to other accounts, but in no cluster of at least "
                        f"{int(cfg['cluster.min_size'])} accounts"],
        }
    missing: dict[str, str] = j.get("unavailable") or {}
    own = {k: (None if k in missing else v) for k, v in account_indicators(r).items()}
    own_bot, _ = weighted(own, cfg, BOT_INDICATORS)
    own_troll, _ = weighted(own, cfg, TROLL_INDICATORS)
    attached = degree_in >= rules.min_links and share_in >= rules.min_share
    own_co = float(r["account_co_share"] or 0.0)
    takes_part = int(r["strong_degree_in"] or 0) >= 1 or own_co >= rules.min_co
    flagged = bool(j["flagged"] and attached and takes_part)
    objects, top = int(r.get("own_objects") or 0), int(r.get("top_objects_in_cluster") or 0)
    part = objects / top if top else 0.0
    value = float(j["score"]) * math.sqrt(min(1.0, share_in)) * (0.5 + 0.5 * part)
    words = LABEL_WORDS.get(j["label"], j["label"])
    others = max(int(j.get("size") or 0) - 1, 0)
    own_w = rules.own_weight
    bot = (1 - own_w) * j["bot"] + own_w * own_bot
    troll = (1 - own_w) * j["troll"] + own_w * own_troll
    audience = flagged and bot >= troll and _audience(own_bot, degree_in, others, rules)
    flagged = flagged and not audience
    if flagged:
        label = "bot" if bot >= troll else "troll"
        reasons.append(
            f"in network {cid} ({words}, {j.get('confidence') or 'low'} confidence, network score {j['score']:.2f}); "
            f"its own score {value:.2f}"
        )
        reasons.append(
            f"its own indicators: automation-like {own_bot:.2f}, human-operated-like {own_troll:.2f}; with its "
            f"network's, it reads as {LABEL_WORDS[label]}"
        )
    else:
        label = "organic" if j["label"] == "organic" else None
        if audience:
            reasons.append(
                f"in network {cid} ({words}) but reads as its audience: no automation of its own "
                f"(automation-like {own_bot:.2f}) and linked to {degree_in} of its {others} other accounts"
            )
        elif j["flagged"] and not attached:
            reasons.append(
                f"in network {cid} ({words}) but loosely attached: {degree_in} link(s) inside, "
                f"{pct(share_in)} of its weight"
            )
        elif j["flagged"]:
            reasons.append(
                f"in network {cid} ({words}) but linked to it only by timing, hashtags or mentions, "
                "and repeating none of its content"
            )
        else:
            reasons.append(f"member of network {cid}, not flagged")
    reasons.append(f"linked to {degree_in} of the network's {others} other accounts ({pct(share_in)} of its link weight inside)")
    if j.get("strong_objects"):
        reasons.append(
            f"co-shared {objects} of the network's {j['strong_objects']} co-shared objects in the evidence kept "
            f"(the most active member: {top})"
        )
    if own_co >= rules.min_co:
        reasons.append(f"{pct(own_co)} of its posts repeat a post, link or text another member also posted")
    reasons += account_reasons(r, cfg, j["zone"], rules.digits, missing)
    return {
        "account_id": r["account_id"],
        "cluster_id": cid,
        "flagged": flagged,
        "label": label,
        "score": round(value, 4),
        "reasons": reasons,
    }
