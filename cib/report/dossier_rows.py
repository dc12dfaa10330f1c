"""The rows a dossier shows: members, shared objects, evidence groups and their posts, as plain values.

:mod:`cib.report.dossier` computes the tables once for every described network
(:mod:`cib.report.dossier_tables`) and cuts them per network; this module turns a
network's rows into what the template and the page's script show. Links to the
originals are built only from ids that match their platform's pattern
(:mod:`cib.report.originals`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from cib.printable import printable
from cib.report.methods import evidence_verb, signal_name
from cib.report.originals import post_url, profile_url, short_id
from cib.report.safety import safe_url

__all__ = ["Described", "account_anchor", "duration", "cut", "local", "member_row", "objects", "evidence", "representatives"]

#: account ids that can be part of an element id and a link's fragment as they are
_PLAIN_ID = re.compile(r"[A-Za-z0-9_.:-]{1,80}")

def duration(seconds: float | None) -> str:
    """``4`` → ``"4 s"``, ``135`` → ``"2 min 15 s"``, ``7200`` → ``"2 h"``."""
    if seconds is None:
        return "—"
    s = max(float(seconds), 0.0)
    if s < 10:
        return f"{s:.1f} s".replace(".0 s", " s")
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        m, rest = divmod(round(s), 60)
        return f"{m} min" + (f" {rest} s" if rest else "")
    if s < 86400:
        h, rest = divmod(round(s / 60), 60)
        return f"{h} h" + (f" {rest} min" if rest else "")
    return f"{s / 86400:.1f} days"



def cut(text: str | None, limit: int) -> str:
    if not text:
        return ""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def local(value: Any, tz: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return value.astimezone(tz).strftime(fmt) if value is not None else ""


def _object_text(signal: str, object_id: str, originals: Mapping[str, str]) -> str:
    if signal in {"co_reshare", "co_reply", "co_similar_text", "co_paraphrase"} and object_id in originals:
        return originals[object_id]
    if signal == "co_similar_text":
        return "near-identical texts (none of them listed)"
    if signal == "co_paraphrase":
        return "one message in other words (none of the texts listed)"
    if signal == "co_hashtag":
        return f"#{object_id}"
    if signal == "co_mention":
        return f"@{object_id}"
    return object_id


@dataclass
class Described:
    """The described networks' tables, cut per network (cluster id → rows as dicts)."""

    members: dict[int, list[dict[str, Any]]]
    members_total: dict[int, int]
    groups: dict[int, list[dict[str, Any]]]
    groups_total: dict[int, int]
    posts_total: dict[tuple[int, int], int]
    posts: dict[tuple[int, int], list[dict[str, Any]]]
    activity: dict[int, tuple[int, Any, Any]]
    originals: dict[str, str]
    terms: dict[int, list[tuple[str, int]]]
    hashtags: dict[int, list[tuple[str, int]]]
    domains: dict[int, list[tuple[str, int]]]
    created: dict[int, tuple[dict[str, Any], str]]
    hours: dict[int, dict[str, Any]]
    languages: dict[int, str]



def representatives(shown: list[dict[str, Any]], have: Described) -> dict[str, str]:
    """Object id → a text standing for it: the original of a reshare or reply, a text group's first post."""
    out = dict(have.originals)
    for g in shown:
        if g["signal"] in ("co_similar_text", "co_paraphrase"):
            texts = [p["text"] for p in have.posts.get((g["cluster_id"], g["rank"]), []) if p.get("text")]
            if texts:
                out[g["object_id"]] = texts[0]
    return out


def account_anchor(account_id: str) -> str:
    """The id of an account's row in the page (``account-<id>``; a digest for an id that is not plain)."""
    if _PLAIN_ID.fullmatch(account_id or ""):
        return f"account-{account_id}"
    return "account-h" + hashlib.sha256((account_id or "").encode("utf-8")).hexdigest()[:20]


def member_row(m: Mapping[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    """A row of the members table, with the account's links and every reason."""
    reasons = [str(r) for r in m["reasons"] or []]
    return {
        "account_id": m["account_id"],
        "anchor": account_anchor(m["account_id"]),
        "short_id": short_id(m["account_id"]),
        "handle": printable(m["handle"] or ""),
        "display_name": m["display_name"] or "",
        "profile": profile_url(m.get("platform"), m["account_id"], m["handle"]),
        "platform": m.get("platform") or "",
        "label": m["label"] or "",
        "score": m["score"],
        "flagged": bool(m["flagged"]),
        "degree": m["degree"],
        "posts": m["posts_here"] or 0,
        "followers": m["followers"],
        "created": m["account_created"].astimezone(tz).strftime("%Y-%m-%d") if m["account_created"] else "",
        "reason": reasons[0] if reasons else "",
        "reasons": reasons,
    }


def objects(
    top: list[dict[str, Any]], shown: list[dict[str, Any]], anchor: str, originals: Mapping[str, str]
) -> list[dict[str, Any]]:
    """What the network shares most (its largest evidence groups), each linked to its evidence when shown."""
    shown_keys = {(g["signal"], g["object_id"]): i for i, g in enumerate(shown)}
    return [
        {
            "signal": signal_name(g["signal"]),
            "text": cut(_object_text(g["signal"], g["object_id"], originals), 200),
            "url": safe_url(g["object_id"]),
            "accounts": g["n_accounts"],
            "pairs": g["n_pairs"],
            "span": duration(g["span_s"]),
            "evidence": f"{anchor}-ev{shown_keys[(g['signal'], g['object_id'])]}"
            if (g["signal"], g["object_id"]) in shown_keys
            else "",
        }
        for g in top
    ]


def _headline(g: Mapping[str, Any], window: str | None) -> str:
    """An evidence group's headline: who did what, the window, the real spread of its pairs and of its posts."""
    lo, hi = g.get("min_delta_s"), g.get("max_delta_s")
    spread = (f"{duration(lo)}" if lo == hi else f"{duration(lo)} to {duration(hi)}") if lo is not None else "?"
    text = f"{g['n_accounts']} accounts {evidence_verb(g['signal'])}"
    if g["signal"] == "sync":
        return f"{text}: the {g['n_pairs']} closest pairs kept {spread} apart"
    text += f", two at a time within the {window} window" if window else ", two at a time within the window"
    text += f": the {g['n_pairs']} pair{'s' if g['n_pairs'] != 1 else ''} kept {spread} apart"
    if g.get("span_s") is not None:
        text += f"; first to last post {duration(g['span_s'])}"
    return text


def evidence(
    shown: list[dict[str, Any]], have: Described, anchor: str, tz: ZoneInfo, text_chars: int,
    windows: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The shown evidence groups: a headline, the object (a representative text for near-duplicates), the posts."""
    out = []
    texts = representatives(shown, have)
    for i, g in enumerate(shown):
        key = (g["cluster_id"], g["rank"])
        out.append(
            {
                "anchor": f"{anchor}-ev{i}",
                "sentence": _headline(g, (windows or {}).get(g["signal"])),
                "signal": signal_name(g["signal"]),
                "signal_key": g["signal"],
                "object": cut(_object_text(g["signal"], g["object_id"], texts), text_chars),
                "object_url": safe_url(g["object_id"]),
                "pairs": g["n_pairs"],
                "posts_total": have.posts_total.get(key, 0),
                "object_id": g["object_id"],
                "posts": _evidence_posts(have.posts.get(key, []), tz, text_chars, f"{anchor}-ev{i}"),
            }
        )
    return out


def _evidence_posts(listed: list[dict[str, Any]], tz: ZoneInfo, text_chars: int, anchor: str) -> list[dict[str, Any]]:
    """An evidence group's posts, each with its time after the first, its links and its place in the page."""
    first = min((p["created_at"] for p in listed if p["created_at"] is not None), default=None)
    items = []
    for k, p in enumerate(listed):
        offset = (p["created_at"] - first).total_seconds() if first is not None and p["created_at"] else None
        items.append(
            {
                "anchor": f"{anchor}-p{k}",
                "time": local(p["created_at"], tz),
                "created_at": p["created_at"].isoformat().replace("+00:00", "Z") if p["created_at"] else "",
                "offset": "first" if k == 0 else "+" + duration(offset),
                "handle": printable(p["handle"] or ""),
                "account_id": p["account_id"],
                "short_id": short_id(p["account_id"]),
                "text": cut(p["text"], text_chars),
                "post_id": p["post_id"],
                "link": post_url(p["platform"], p["post_id"], p["handle"]),
                "profile": profile_url(p["platform"], p["account_id"], p["handle"]),
                "source_file": p["source_file"] or "",
                "source_row": p["source_row"],
                "source": f"{p['source_file'] or '?'}:{p['source_row'] if p['source_row'] is not None else '?'}",
                "all_urls": [str(u) for u in p["urls"] or []],
                "hashtags": [str(h) for h in p.get("hashtags") or []],
                "urls": [(u, safe_url(u)) for u in (p["urls"] or [])[:5]],
            }
        )
    return items
