"""Account labels: whether an account shares its cluster's flag, its score and its reasons.

An account is flagged when its cluster is flagged and it is attached to it:
at least ``score.min_links`` links inside the cluster carrying at least
``score.min_share_in`` of its fused weight, and it takes part in the
co-sharing (a strong link inside, or ``score.min_account_co_share`` of its
posts repeating another member's). Its label mixes the cluster's bot/troll
scores with its own (``score.account_own_weight``); its score is the cluster's
scaled by the square root of its share of weight inside.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.network.labels import BOT_INDICATORS, TROLL_INDICATORS, account_indicators, weighted
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
    tz: str


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
        tz=str(cfg["score.timezone"]),
    )
    rows = []
    for r in acc.iter_rows(named=True):
        cid = r["cluster_id"]
        j = judged_by_id.get(cid) if cid is not None else None
        rows.append(_account_row(r, j, rules, cfg))
    return conform(pl.DataFrame(rows, schema=ACCOUNT_SCORES), "account_scores").sort("account_id")


def _account_row(r: dict[str, Any], j: dict[str, Any] | None, rules: _AccountRules, cfg: Config) -> dict[str, Any]:
    """One account's flag, label, score and reasons, given its cluster's judgement (``None`` outside clusters)."""
    cid = r["cluster_id"]
    r["_digits"] = rules.digits
    own_bot, _ = weighted(account_indicators(r), cfg, BOT_INDICATORS)
    own_troll, _ = weighted(account_indicators(r), cfg, TROLL_INDICATORS)
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
    attached = degree_in >= rules.min_links and share_in >= rules.min_share
    own_co = float(r["account_co_share"] or 0.0)
    takes_part = int(r["strong_degree_in"] or 0) >= 1 or own_co >= rules.min_co
    flagged = bool(j["flagged"] and attached and takes_part)
    value = float(j["score"]) * math.sqrt(min(1.0, share_in))
    if flagged:
        own_w = rules.own_weight
        bot = (1 - own_w) * j["bot"] + own_w * own_bot
        troll = (1 - own_w) * j["troll"] + own_w * own_troll
        label = "bot" if bot >= troll else "troll"
        reasons.append(f"member of cluster {cid} ({j['label']}, score {j['score']:.2f})")
    else:
        label = "organic" if j["label"] == "organic" else None
        if j["flagged"] and not attached:
            reasons.append(
                f"in cluster {cid} ({j['label']}) but loosely attached: {degree_in} link(s) inside, "
                f"{pct(share_in)} of its weight"
            )
        elif j["flagged"]:
            reasons.append(
                f"in cluster {cid} ({j['label']}) but linked to it only by timing, hashtags or mentions, "
                "and repeating none of its content"
            )
        else:
            reasons.append(f"member of cluster {cid}, judged organic")
    reasons.append(f"linked to {degree_in} accounts of its cluster ({pct(share_in)} of its link weight)")
    if own_co >= rules.min_co:
        reasons.append(f"{pct(own_co)} of its posts repeat a post, link or text another member also posted")
    reasons += account_reasons(r, cfg, rules.tz, rules.digits)
    return {
        "account_id": r["account_id"],
        "cluster_id": cid,
        "flagged": flagged,
        "label": label,
        "score": round(value, 4),
        "reasons": reasons,
    }
