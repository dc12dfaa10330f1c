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
    from cib.network.zones import Zone

__all__ = ["cluster_reasons", "account_reasons", "pct", "clock_hours"]

#: what each indicator is called when it is left out
_INDICATOR_WORDS = {
    "reshare_share": "share of reshares",
    "reply_share": "share of replies",
    "fast": "seconds between co-actions",
    "work_share": "office hours",
    "quiet_nights": "quiet nights",
    "creation_share": "accounts created together",
    "digit_handle_share": "digit-suffixed handles",
}

_SIGNAL_VERB = {
    "co_reshare": ("reshared the same {n} posts", "posts"),
    "co_link": ("shared the same {n} links", "links"),
    "co_text": ("posted the same text {n} times", "texts"),
    "co_similar_text": ("posted near-identical texts {n} times", "texts"),
    "co_hashtag": ("pushed the same {n} hashtags", "hashtags"),
    "co_reply": ("replied to the same {n} posts", "posts"),
    "co_mention": ("mentioned the same {n} accounts", "accounts"),
    "co_image": ("posted the same {n} images", "images"),
    "amplify": ("reshared one another's own posts ({n} posts)", "posts"),
    "co_paraphrase": ("posted the same message in other words on {n} occasions", "occasions"),
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


def clock_hours(start: int, end: int, zone: Zone) -> str:
    """``01:00-06:00 (UTC+5)``, with the same hours in UTC when the clock is another fixed offset."""
    text = f"{start:02d}:00-{end:02d}:00 ({zone.name})"
    if zone.offset_s:
        shift = zone.offset_s // 3600
        text += f", {(start - shift) % 24:02d}:00-{(end - shift) % 24:02d}:00 UTC"
    return text


def cluster_reasons(
    row: dict[str, Any],
    values: dict[str, Any],
    sig: list[dict[str, Any]],
    cfg: Config,
    judged: dict[str, Any],
    collection: Zone | None = None,
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
        The verdict, with ``label``, ``why`` and ``why_not``, ``confidence``, the
        cluster's ``zone`` and the indicators left out (``unavailable``).
    collection
        The collection's clock, which the cluster's is compared with.
    """
    zone = judged["zone"]
    missing: dict[str, str] = judged.get("unavailable") or {}
    w0, w1 = hours(cfg, "score.work_hours")
    n0, n1 = hours(cfg, "score.night_hours")
    reasons: list[str] = []
    for s in sig:
        if s["signal"] in TIMING_SIGNALS:
            reasons.append(
                f"{s['accounts']} accounts were active in the same minutes far more often than chance "
                f"({s['links']} linked pair{'' if s['links'] == 1 else 's'})"
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
        reasons.append(f"active around the clock: {pct(row['night_share'])} of posts at night, {clock_hours(n0, n1, zone)}")
    if "work_share" not in missing and row.get("work_share") is not None and row["work_share"] >= float(cfg["score.troll.work_share"][0]):
        reasons.append(f"{pct(row['work_share'])} of posts on weekdays {clock_hours(w0, w1, zone)}: office hours")
    if "reshare_share" not in missing and row.get("reshare_share") is not None and row["reshare_share"] >= float(cfg["score.bot.reshare_share"][0]):
        reasons.append(f"{pct(row['reshare_share'])} of their posts are reshares")
    if "reply_share" not in missing and row.get("reply_share") is not None and row["reply_share"] >= float(cfg["score.troll.reply_share"][0]):
        reasons.append(f"{pct(row['reply_share'])} of their posts are replies")
    if row.get("identical_text_share") and row["identical_text_share"] >= float(cfg["score.identical_text_reason"]):
        reasons.append(f"{pct(row['identical_text_share'])} of their own posts repeat a text another member posted")
    if _client_stands_out(row, cfg):
        reasons.append(
            f"{pct(row['client_share'])} of their posts were sent from the app \"{str(row['client'])[:60]}\", "
            f"used by {pct(row['client_members'])} of them and behind {pct(row['client_elsewhere'])} of other accounts' posts"
        )
    reasons.append(
        f"grouped together in {pct(row['stability'])} of {int(cfg['cluster.stability_runs'])} clustering re-runs"
        if int(cfg["cluster.stability_runs"]) > 0
        else "stability not measured"
    )
    reasons.append(zone.said(collection))
    if missing:
        reasons.append("not judged: " + "; ".join(f"{_INDICATOR_WORDS.get(k, k)} ({v})" for k, v in sorted(missing.items())))
    if judged["label"] == "organic":
        reasons.insert(0, judged["why_not"])
    else:
        reasons.insert(0, f"{judged['why']}; {judged['confidence']} confidence")
    return reasons


def _client_stands_out(row: dict[str, Any], cfg: Config) -> bool:
    """Whether one uncommon posting app sent most of the cluster's posts, known for enough of them to say so."""
    if row.get("client") is None or row.get("client_share") is None or row.get("client_elsewhere") is None:
        return False
    return (
        row["client_share"] >= float(cfg["score.client_reason"])
        and row["client_elsewhere"] <= float(cfg["score.client_rare"])
        and (row.get("client_known") or 0.0) >= float(cfg["score.min_known"])
    )


def account_reasons(
    r: dict[str, Any], cfg: Config, zone: Zone, digits: int, missing: dict[str, str] | None = None
) -> list[str]:
    """An account's own indicators past their thresholds (posting hours, reshares, handle, creation day).

    Parameters
    ----------
    r
        The account's features.
    cfg
        Effective configuration.
    zone
        The clock its hours are read on (its network's).
    digits
        ``score.handle_digits``.
    missing
        Indicators its network's data cannot judge (left unsaid).
    """
    out = []
    missing = missing or {}
    n0, n1 = hours(cfg, "score.night_hours")
    w0, w1 = hours(cfg, "score.work_hours")
    if r.get("n_posts"):
        if r["night_share"] is not None and r["night_share"] >= float(cfg["score.bot.night_share"][0]):
            out.append(f"{pct(r['night_share'])} of its {r['n_posts']} posts at night, {clock_hours(n0, n1, zone)}")
        if "work_share" not in missing and r["work_share"] is not None and r["work_share"] >= float(cfg["score.troll.work_share"][0]):
            out.append(f"{pct(r['work_share'])} of its {r['n_posts']} posts on weekdays {clock_hours(w0, w1, zone)}")
        if "reshare_share" not in missing and r["reshare_share"] is not None and r["reshare_share"] >= float(cfg["score.bot.reshare_share"][0]):
            out.append(f"{pct(r['reshare_share'])} of its posts are reshares")
        if "reply_share" not in missing and r["reply_share"] is not None and r["reply_share"] >= float(cfg["score.troll.reply_share"][0]):
            out.append(f"{pct(r['reply_share'])} of its posts are replies")
    if r.get("handle_digits") is not None and r["handle_digits"] >= digits:
        out.append(f"handle @{r['handle']} ends in {r['handle_digits']} digits")
    if r.get("created_at") is not None:
        out.append(f"account created {_day(r['created_at'])}")
    return out
