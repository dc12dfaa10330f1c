"""The plain-language texts of the report: what each signal and label means, the windows used, the caveats."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cib import signals

__all__ = ["SIGNALS", "LABELS", "CAVEATS", "VERBS", "signal_name", "evidence_verb", "window_used", "signal_rows"]

#: signal → (short name, what it means, when it misleads)
SIGNALS: dict[str, tuple[str, str, str]] = {
    "co_reshare": (
        "Co-reshare",
        "Two accounts reshared (retweeted, reposted, forwarded) the same post within the time window.",
        "Popular posts are reshared by many unrelated people in the first minutes; the weighting discounts "
        "popular posts, but a fan community can still look coordinated.",
    ),
    "co_link": (
        "Co-link",
        "Two accounts posted the same web address (tracking parameters removed) within the time window.",
        "Breaking news links spread fast on their own; news aggregators and share buttons post links automatically.",
    ),
    "co_text": (
        "Co-text (copypasta)",
        "Two accounts posted the same text (ignoring case, links and mentions) within the time window.",
        "Short stock phrases, quotes, song lyrics and share-button texts are identical without coordination.",
    ),
    "co_similar_text": (
        "Near-identical text",
        "Two accounts posted texts that are almost the same (a template with a few words changed) within the window.",
        "Formulaic genres (greetings, weather, sports results) look alike without coordination.",
    ),
    "co_paraphrase": (
        "Same message, other words",
        "Two accounts posted texts that say the same thing in other words or in another language (compared by "
        "a multilingual sentence model) within the window, again and again on separate occasions.",
        "People who discuss one event in one hour say similar things; only repetition beyond chance counts, "
        "and the model can take a shared topic for a shared message.",
    ),
    "co_hashtag": (
        "Co-hashtag",
        "Two accounts used the same hashtag within the time window.",
        "A weak signal alone: trending tags are used by thousands; it is down-weighted and counts mostly "
        "together with other signals.",
    ),
    "co_reply": (
        "Reply swarm",
        "Two accounts replied to the same post within the time window.",
        "Posts of celebrities and politicians draw many quick replies from unrelated people.",
    ),
    "co_mention": (
        "Co-mention",
        "Two accounts mentioned the same account within the time window.",
        "News about a person makes many people mention them at once; down-weighted.",
    ),
    "co_image": (
        "Co-image",
        "Two accounts posted the same image (same hash or media id) within the time window.",
        "Memes and news photos circulate widely.",
    ),
    "sync": (
        "Synchronised activity",
        "Two accounts were active in the same short time bins far more often than their activity levels predict.",
        "People in one time zone with the same routine overlap; only overlap far beyond chance counts.",
    ),
    "amplify": (
        "Amplification",
        "One account reshared the other's own posts, again and again on separate days, within the time window "
        "after they appeared, far more often than the other's popularity predicts.",
        "Colleagues reshare each other's articles and fans their favourite accounts; popularity is discounted "
        "and a newsroom resharing its own articles is judged organic, but a close circle of friends can look the same.",
    ),
}

#: label → what it means
LABELS: dict[str, str] = {
    "bot": "Automation-like coordination: near-instant, round-the-clock actions, reshares, accounts created together "
           "or with digit-suffixed handles lead the indicators.",
    "troll": "Human-operated-like coordination: office hours, quiet nights, replies, paraphrased talking points, "
             "hashtag campaigns and reply swarms lead the indicators.",
    "mixed": "Coordination of unclear kind: neither the automation-like nor the human-operated-like indicators "
             "lead (both show, or both are weak).",
    "organic": "Not flagged: the links are explained by popularity, news or established accounts rather than coordination.",
}

#: what every reader should keep in mind
CAVEATS: tuple[str, ...] = (
    "Coordination is evidence to examine, not proof of inauthenticity: activists, fan groups, newsrooms and "
    "campaign volunteers coordinate openly and legitimately.",
    "Labels (bot, troll, mixed) summarise patterns in timing and content; they are not findings about who runs "
    "an account. Read the reasons and the posts before drawing conclusions.",
    "Only the collection given to cib is analysed: accounts and posts outside it are invisible, so networks may "
    "be larger than shown and some links may be missed.",
    "Evidence lists the fastest co-occurring post pairs kept per link (see the parameters); the full count of "
    "pairs is in the edges table.",
    "Times come from the platforms' exports; a source with minute resolution cannot show second-level timing.",
)

#: signal → how "N accounts … within T" is phrased
VERBS: dict[str, str] = {
    "co_reshare": "reshared this post",
    "co_link": "shared this link",
    "co_text": "posted this text",
    "co_similar_text": "posted near-identical text",
    "co_hashtag": "used this hashtag",
    "co_reply": "replied to this post",
    "co_mention": "mentioned this account",
    "co_image": "posted this image",
    "sync": "were active in this time bin",
    "amplify": "reshared the other's post",
    "co_paraphrase": "posted this message in their own words",
}


def signal_name(signal: str) -> str:
    """Readable name of a signal (the signal itself when unknown)."""
    return SIGNALS.get(signal, (signal,))[0]


def evidence_verb(signal: str) -> str:
    """The verb phrase of an evidence sentence for ``signal``."""
    return VERBS.get(signal, f"co-occurred on this object ({signal})")


def _seconds(value: float) -> str:
    value = float(value)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if value >= size and value % size == 0:
            return f"{value / size:g} {unit}"
    return f"{value:g} s"


def window_used(signal: str, detect_info: Mapping[str, Any], configured: Any) -> str:
    """The window a signal used, as the manifest recorded it, in words.

    Parameters
    ----------
    signal
        A signal name.
    detect_info
        The manifest's ``stages.detect`` (empty when detection has not run).
    configured
        The configured window (seconds or ``"auto"``; ``sync``: its bin sizes).

    Returns
    -------
    str
        ``"60 s"``, ``"25 s (estimated from the data: auto)"``, ``"1 min (widened
        from 10 s to the data's resolution)"``, ``"bins of 1 min, 10 min"``; the
        configured value with ``"(configured; not run)"`` when nothing was recorded.
    """
    info = (detect_info.get("signals") or {}).get(signal) or detect_info.get(signal) or {}
    used = (detect_info.get("windows_s") or {}).get(signal, info.get("window_s"))
    if signal == "sync":
        grids = info.get("grids") or used
        if grids:
            sizes = sorted({float(g.split("s")[0]) for g in grids if isinstance(g, str) and g[:1].isdigit()})
            return "bins of " + ", ".join(_seconds(v) for v in sizes)
        sizes = configured if isinstance(configured, list | tuple) else [configured]
        return "bins of " + ", ".join(_seconds(v) for v in sizes) + " (configured; not run)"
    if used is None:
        written = configured if configured == "auto" else _seconds(configured)
        return f"{written} (configured; not run)" if not info else "— (nothing to pair)"
    text = _seconds(used)
    if info.get("window_setting") == "auto":
        text += " (estimated from the data: auto)"
    if info.get("widened_from_s") is not None:
        text += f" (widened from {_seconds(info['widened_from_s'])} to the data's resolution)"
    return text


def signal_rows(run: list[str], detect_info: Mapping[str, Any], configured: Mapping[str, Any]) -> list[dict[str, str]]:
    """The methods table: every signal, what it means, when it misleads, and the window it used.

    Parameters
    ----------
    run
        The signals the run asked for (``detect.signals``).
    detect_info
        The manifest's ``stages.detect``.
    configured
        Signal → configured window (``sync``: its bin sizes).
    """
    rows = []
    for sig in signals.ALL:
        name, what, caveat = SIGNALS[sig]
        window = window_used(sig, detect_info, configured.get(sig)) if sig in run else "not run"
        rows.append({"key": sig, "name": name, "what": what, "caveat": caveat, "window": window})
    return rows
