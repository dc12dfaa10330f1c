"""What a cluster's and an account's reasons say, in words a journalist can check.

Each reason names a measured fact and the threshold behind it ("37 accounts
reshared the same 27 posts, median 0 s apart", "59% of accounts were
created on 12 November 2024"); :func:`cib.network.score.score` decides which apply.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from cib.network.features import TIMING_SIGNALS, hours

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["cluster_reasons", "account_reasons", "pct"]

_SIGNAL_VERB = {
    "co_reshare": ("reshared the same {n} posts", "posts"),
    "co_link": ("shared the same {n} links", "links"),
    "co_text": ("posted the same text {n} times", "texts"),
    "co_similar_text": ("posted near-identical texts {n} times", "texts"),
    "co_hashtag": ("pushed the same {n} hashtags", "hashtags"),
    "co_reply": ("replied to the same {n} posts", "posts"),
    "co_mention": ("mentioned the same {n} accounts", "accounts"),
    "co_image": ("posted the same {n} images", "images"),
}


def pct(x: float) -> str:
    """A share as a whole percentage ("59%")."""
    return f"{100 * x:.0f}%"


def _secs(x: float | None) -> str:
    if x is None:
        return "?"
    if x < 90:
        return f"{x:.0f} s"
    if x < 5400:
        return f"{x / 60:.0f} min"
    return f"{x / 3600:.1f} h"


def _day(d: datetime | None) -> str:
    return d.strftime("%-d %B %Y") if d is not None else "?"


def _span(a: datetime | None, b: datetime | None) -> str:
    if a is None or b is None:
        return "?"
    if a.year == b.year and a.month == b.month:
        return f"between {a.day} and {b.day} {b.strftime('%B %Y')}" if a.day != b.day else f"on {_day(a)}"
    return f"between {_day(a)} and {_day(b)}"


def cluster_reasons(
    row: dict[str, Any], values: dict[str, Any], sig: list[dict[str, Any]], cfg: Config, judged: dict[str, Any]
) -> list[str]:
    """A cluster's reasons, its verdict first.

    Parameters
    ----------
    row
        The cluster's features (shares, creation span, handle template, stability).
    values
        The indicator values the verdict was computed from.
    sig
        Per signal: ``signal, accounts, links, objects, delta`` (strongest first).
    cfg
        Effective configuration (thresholds, hours, time zone).
    judged
        The verdict, with ``label``, ``why`` and ``why_not``.
    """
    tz = str(cfg["score.timezone"])
    w0, w1 = hours(cfg, "score.work_hours")
    n0, n1 = hours(cfg, "score.night_hours")
    reasons: list[str] = []
    for s in sig:
        if s["signal"] in TIMING_SIGNALS:
            reasons.append(
                f"{s['accounts']} accounts were active in the same minutes far more often than chance "
                f"({s['links']} linked pairs)"
            )
            continue
        verb, _ = _SIGNAL_VERB.get(s["signal"], (f"co-occurred on {{n}} objects ({s['signal']})", "objects"))
        text = f"{s['accounts']} accounts {verb.format(n=s['objects'])}"
        if s.get("delta") is not None:
            text += f", median {_secs(s['delta'])} apart"
        reasons.append(text)
    if values.get("creation_share") is not None and values["creation_share"] >= float(cfg["score.bot.creation_share"][0]):
        reasons.append(
            f"{pct(row['creation_share'])} of accounts were created {_span(row['creation_from'], row['creation_to'])}"
        )
    if values.get("digit_handle_share") is not None and values["digit_handle_share"] >= float(cfg["score.bot.digit_handles"][0]):
        reasons.append(
            f"{pct(row['digit_handle_share'])} of handles end in {int(cfg['score.handle_digits'])} or more digits"
            + (f" (most look like {row['template']})" if row.get("template") else "")
        )
    if row.get("night_share") is not None and row["night_share"] >= float(cfg["score.bot.night_share"][0]):
        reasons.append(
            f"active around the clock: {pct(row['night_share'])} of posts between {n0:02d}:00 and {n1:02d}:00 ({tz})"
        )
    if row.get("work_share") is not None and row["work_share"] >= float(cfg["score.troll.work_share"][0]):
        reasons.append(f"{pct(row['work_share'])} of posts on weekdays between {w0:02d}:00 and {w1:02d}:00 ({tz}): office hours")
    if row.get("reshare_share") is not None and row["reshare_share"] >= float(cfg["score.bot.reshare_share"][0]):
        reasons.append(f"{pct(row['reshare_share'])} of their posts are reshares")
    if row.get("reply_share") is not None and row["reply_share"] >= float(cfg["score.troll.reply_share"][0]):
        reasons.append(f"{pct(row['reply_share'])} of their posts are replies")
    if row.get("identical_text_share") and row["identical_text_share"] >= float(cfg["score.identical_text_reason"]):
        reasons.append(f"{pct(row['identical_text_share'])} of their own posts repeat a text another member posted")
    reasons.append(
        f"grouped together in {pct(row['stability'])} of {int(cfg['cluster.stability_runs'])} clustering re-runs"
        if int(cfg["cluster.stability_runs"]) > 0
        else "stability not measured"
    )
    if judged["label"] == "organic":
        reasons.insert(0, judged["why_not"])
    else:
        reasons.insert(0, judged["why"])
    return reasons


def account_reasons(r: dict[str, Any], cfg: Config, tz: str, digits: int) -> list[str]:
    """An account's own indicators past their thresholds (posting hours, reshares, handle, creation day).

    Parameters
    ----------
    r
        The account's features.
    cfg
        Effective configuration.
    tz, digits
        ``score.timezone`` and ``score.handle_digits``.
    """
    out = []
    n0, n1 = hours(cfg, "score.night_hours")
    w0, w1 = hours(cfg, "score.work_hours")
    if r.get("n_posts"):
        if r["night_share"] is not None and r["night_share"] >= float(cfg["score.bot.night_share"][0]):
            out.append(f"{pct(r['night_share'])} of its {r['n_posts']} posts between {n0:02d}:00 and {n1:02d}:00 ({tz})")
        if r["work_share"] is not None and r["work_share"] >= float(cfg["score.troll.work_share"][0]):
            out.append(f"{pct(r['work_share'])} of its {r['n_posts']} posts on weekdays {w0:02d}:00-{w1:02d}:00 ({tz})")
        if r["reshare_share"] is not None and r["reshare_share"] >= float(cfg["score.bot.reshare_share"][0]):
            out.append(f"{pct(r['reshare_share'])} of its posts are reshares")
        if r["reply_share"] is not None and r["reply_share"] >= float(cfg["score.troll.reply_share"][0]):
            out.append(f"{pct(r['reply_share'])} of its posts are replies")
    if r.get("handle_digits") is not None and r["handle_digits"] >= digits:
        out.append(f"handle @{r['handle']} ends in {r['handle_digits']} digits")
    if r.get("created_at") is not None:
        out.append(f"account created {_day(r['created_at'])}")
    return out
