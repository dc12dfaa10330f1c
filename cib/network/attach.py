"""Accounts attached to a flagged network by their co-actions with its members, pooled.

The significance tests of detection judge one pair of accounts at a time. A
member of a careful operation who joins a few reply swarms and reshares a few
colleagues on different days co-acts with many members once or twice each: no
pair passes, the account is in no edge and cannot be flagged. Taken together,
its co-actions with one network are far beyond chance.

For every flagged network and every account in no cluster, this module counts
the account's *co-actions with the network*: its replies to a post a flagged
member replied to within ``detect.co_reply.window`` (each post once), and its
reshares, within ``amplify.window``, of a flagged member's own post (each post
once). Chance is what the other accounts in no cluster do: the share of their
replies that meet the network, times the account's replies, plus the same for
reshares. The p-value is the Poisson chance of at least the observed count; the
Benjamini–Hochberg procedure runs over every such account times every flagged
network, at ``score.attach.max_fdr``. The co-actions must fall on at least
``score.attach.min_days`` distinct days (UTC): one busy evening is not a habit.
An account that passes is flagged as a member of the network with the smallest
p-value, labelled as the network reads, with the reasons saying so. Members are
compared with the network's flagged accounts only; no cluster changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.network.labels import LABEL_WORDS
from cib.schema import ACCOUNT_SCORES, conform
from cib.stats import benjamini_hochberg, poisson_pvalues

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["pooled_coactions", "attach_accounts"]

_DAY_S = 86_400


def _seconds(value: Any) -> float | None:
    """A window in seconds, or ``None`` when it is not a number (``"auto"``)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _events(posts: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Replies ``(account_id, target, ts)`` and reshares of another account's post ``(account_id, target, ts, author, t0)``."""
    ts = pl.col("created_at").dt.epoch("s")
    replies = posts.filter(pl.col("reply_to").is_not_null()).select(
        "account_id", pl.col("reply_to").alias("target"), ts.alias("ts"))
    originals = posts.select(pl.col("post_id").alias("target"), pl.col("account_id").alias("author"), ts.alias("t0"))
    reshares = (
        posts.filter(pl.col("reshare_of").is_not_null())
        .select("account_id", pl.col("reshare_of").alias("target"), ts.alias("ts"))
        .join(originals, on="target", how="inner")
        .filter(pl.col("account_id") != pl.col("author"))
    )
    return replies, reshares


def pooled_coactions(
    posts: pl.DataFrame, members: pl.DataFrame, outside: pl.Series, reply_window: float | None,
    amplify_window: float | None,
) -> tuple[pl.DataFrame, int]:
    """Each outside account's co-actions with each network, and what chance gives.

    Parameters
    ----------
    posts
        Canonical posts (``post_id, account_id, created_at, reply_to, reshare_of``).
    members
        ``account_id, cluster_id``: the flagged members of each flagged network.
    outside
        The accounts that may be attached (those in no cluster).
    reply_window, amplify_window
        Largest seconds between a member's reply and the account's to the same
        post, and from a member's post to the account's reshare of it; ``None``
        leaves that kind of co-action out.

    Returns
    -------
    tuple[polars.DataFrame, int]
        ``account_id, cluster_id, replies, reshares, days, expected`` for every
        outside account with at least one co-action with a network, sorted; and
        the number of tests (outside accounts with a reply or a reshare, times
        the networks).
    """
    replies, reshares = _events(posts)
    out = outside.unique().implode()
    mine_r = replies.filter(pl.col("account_id").is_in(out))
    mine_s = reshares.filter(pl.col("account_id").is_in(out))
    hits = []
    if reply_window is not None:
        theirs = replies.join(members, on="account_id").select("target", "cluster_id", pl.col("ts").alias("mt"))
        hits.append(
            mine_r.join(theirs, on="target")
            .filter((pl.col("ts") - pl.col("mt")).abs() <= reply_window)
            .group_by("account_id", "cluster_id", "target").agg(pl.col("ts").min())
            .select("account_id", "cluster_id", "ts", pl.lit("reply").alias("kind"))
        )
    if amplify_window is not None:
        hits.append(
            mine_s.join(members.rename({"account_id": "author"}), on="author")
            .filter((pl.col("ts") - pl.col("t0")).is_between(0, amplify_window))
            .group_by("account_id", "cluster_id", "target").agg(pl.col("ts").min())
            .select("account_id", "cluster_id", "ts", pl.lit("reshare").alias("kind"))
        )
    networks = members.get_column("cluster_id").n_unique()
    tests = pl.concat([mine_r.get_column("account_id"), mine_s.get_column("account_id")]).n_unique() * networks
    schema = {"account_id": pl.String, "cluster_id": pl.Int64, "replies": pl.Int64, "reshares": pl.Int64,
              "days": pl.Int64, "expected": pl.Float64}
    if not hits:
        return pl.DataFrame(schema=schema), tests
    found = pl.concat(hits)
    # chance: the share of the outside accounts' replies (reshares) that meet each network
    rates = found.group_by("cluster_id").agg(
        ((pl.col("kind") == "reply").sum() / max(mine_r.height, 1)).alias("rate_r"),
        ((pl.col("kind") == "reshare").sum() / max(mine_s.height, 1)).alias("rate_s"),
    )
    made = (
        pl.concat([mine_r.select("account_id", pl.lit(1).alias("r"), pl.lit(0).alias("s")),
                   mine_s.select("account_id", pl.lit(0).alias("r"), pl.lit(1).alias("s"))])
        .group_by("account_id").agg(pl.col("r").sum().alias("n_r"), pl.col("s").sum().alias("n_s"))
    )
    per = (
        found.group_by("account_id", "cluster_id").agg(
            (pl.col("kind") == "reply").sum().cast(pl.Int64).alias("replies"),
            (pl.col("kind") == "reshare").sum().cast(pl.Int64).alias("reshares"),
            (pl.col("ts") // _DAY_S).n_unique().cast(pl.Int64).alias("days"),
        )
        .join(rates, on="cluster_id")
        .join(made, on="account_id", how="left")
        .with_columns((pl.col("n_r") * pl.col("rate_r") + pl.col("n_s") * pl.col("rate_s")).alias("expected"))
    )
    return per.select(list(schema)).cast(schema).sort("account_id", "cluster_id"), tests


def _label(j: Mapping[str, Any]) -> str:
    """The account label of an attached member: its network's, or the leading signature's for a ``mixed`` one."""
    if j["label"] in ("bot", "troll"):
        return str(j["label"])
    return "bot" if float(j.get("bot", 0.0)) >= float(j.get("troll", 0.0)) else "troll"


def _reasons(r: Mapping[str, Any], j: Mapping[str, Any], label: str, value: float) -> list[str]:
    """An attached member's reasons, in sentences."""
    cid = int(r["cluster_id"])
    words = LABEL_WORDS.get(str(j["label"]), str(j["label"]))
    acts = []
    if r["replies"]:
        acts.append(f"replied to {r['replies']} post(s) its flagged members replied to")
    if r["reshares"]:
        acts.append(f"reshared {r['reshares']} of their own posts")
    return [
        f"attached to network {cid} ({words}, {j.get('confidence') or 'low'} confidence, network score "
        f"{float(j['score']):.2f}); its own score {value:.2f}; it reads as {LABEL_WORDS[label]}",
        "no link of its own passed the tests, but together its co-actions with the network do: it "
        + " and ".join(acts)
        + f", on {r['days']} separate days ({r['expected']:.2f} expected by chance; p = {r['p']:.1e}, "
        f"{r['q']:.1e} after testing every account outside the clusters against every flagged network)",
    ]


def attach_accounts(
    posts: pl.DataFrame, table: pl.DataFrame, judged_by_id: Mapping[int, Mapping[str, Any]], cfg: Config
) -> pl.DataFrame:
    """Flag the accounts in no cluster whose pooled co-actions tie them to a flagged network.

    Parameters
    ----------
    posts
        Canonical posts.
    table
        The ``ACCOUNT_SCORES`` table (:func:`cib.network.account_scores.account_scores`).
    judged_by_id
        Each cluster's judgement (``label``, ``score``, ``bot``, ``troll``, ``confidence``), by cluster id.
    cfg
        Effective configuration (``score.attach.*``, ``detect.co_reply.window``, ``amplify.window``).

    Returns
    -------
    polars.DataFrame
        The table with the attached accounts' rows replaced or added (an attached
        account may have been in no edge at all), sorted by account id.
    """
    level = float(cfg["score.attach.max_fdr"])
    members = table.filter(pl.col("flagged") & pl.col("cluster_id").is_not_null()).select("account_id", "cluster_id")
    if level <= 0 or members.is_empty() or posts.is_empty():
        return table
    clustered = table.filter(pl.col("cluster_id").is_not_null()).get_column("account_id").implode()
    outside = posts.select(pl.col("account_id").unique()).filter(~pl.col("account_id").is_in(clustered)).get_column("account_id")
    per, tests = pooled_coactions(posts, members, outside, _seconds(cfg["detect.co_reply.window"]),
                                  _seconds(cfg["amplify.window"]))
    if per.is_empty():
        return table
    p = poisson_pvalues((per["replies"] + per["reshares"]).to_numpy(), per["expected"].to_numpy())
    per = per.with_columns(pl.Series("p", p), pl.Series("q", benjamini_hochberg(p, tests)))
    chosen = (
        per.filter((pl.col("q") <= level) & (pl.col("days") >= int(cfg["score.attach.min_days"])))
        .sort("p", "cluster_id").unique("account_id", keep="first", maintain_order=True)
        .sort("account_id")
    )
    if chosen.is_empty():
        return table
    rows = []
    for r in chosen.iter_rows(named=True):
        j = judged_by_id[int(r["cluster_id"])]
        label = _label(j)
        # the account score with no link inside: the network's, times the lowest part in its co-sharing
        value = round(0.5 * float(j["score"]), 4)
        rows.append({"account_id": r["account_id"], "cluster_id": int(r["cluster_id"]), "flagged": True,
                     "label": label, "score": value, "reasons": _reasons(r, j, label, value)})
    added = conform(pl.DataFrame(rows, schema=ACCOUNT_SCORES), "account_scores")
    kept = table.filter(~pl.col("account_id").is_in(added.get_column("account_id").implode()))
    return pl.concat([kept, added]).sort("account_id")
