"""The plain-language texts of the report: what each signal and label means, and the caveats."""

from __future__ import annotations

__all__ = ["SIGNALS", "LABELS", "CAVEATS", "VERBS", "signal_name", "evidence_verb"]

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
}

#: label → what it means
LABELS: dict[str, str] = {
    "bot": "Automation dominates: near-instant, regular, round-the-clock actions, often freshly created accounts.",
    "troll": "Human-operated coordination: office hours, paraphrased talking points, hashtag campaigns, reply swarms.",
    "mixed": "Both automated and human-operated patterns are present.",
    "organic": "The links are explained by popularity or news rather than coordination.",
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
}


def signal_name(signal: str) -> str:
    """Readable name of a signal (the signal itself when unknown)."""
    return SIGNALS.get(signal, (signal,))[0]


def evidence_verb(signal: str) -> str:
    """The verb phrase of an evidence sentence for ``signal``."""
    return VERBS.get(signal, f"co-occurred on this object ({signal})")
