"""Features, labels and narratives."""

from __future__ import annotations

from cib.params.param import Param
from cib.signals import ALL

__all__ = ["PARAMS"]

PARAMS: tuple[Param, ...] = (
    # --- score ---
    Param(
        "score.timezone",
        "auto",
        "IANA zone | auto",
        "Zone in which hours of day, work hours and weekdays are read (historical offsets respected); "
        "auto: each network's clock is inferred from its own daily low, checked against the collection's.",
        kind="zone|auto",
    ),
    Param(
        "score.zone.max_night_ratio",
        0.5,
        "fraction",
        "A daily low counts (and a zone is inferred from it) when the quietest score.night_hours-long stretch "
        "of the day holds at most this fraction of what a flat day puts there.",
        min=0, max=1, min_inclusive=False,
    ),
    Param(
        "score.zone.tie",
        0.02,
        "fraction",
        "Clocks whose night holds at most this share of posts more than the quietest are as quiet; the "
        "collection's clock is kept for a network when it is one of them.",
        min=0, max=1,
    ),
    Param(
        "score.zone.min_posts",
        50,
        "posts",
        "A network's clock is inferred from its own rhythm only from this many posts; with fewer it is read "
        "on the collection's clock.",
        kind="int",
        min=1,
    ),
    Param(
        "score.coarse_time_share",
        0.9,
        "fraction",
        "When at least this share of a network's posts are timed on a whole minute, its times have minute "
        "resolution and the seconds-apart indicator is left out.",
        min=0, max=1, min_inclusive=False,
    ),
    Param(
        "score.min_type_share",
        0.05,
        "fraction",
        "The reshare (reply) indicator is judged only when at least this share of the collection's posts are "
        "reshares (replies) and this share are not: a collection of reshares only says nothing about them.",
        min=0, max=0.5,
    ),
    Param(
        "score.confidence.objects",
        15,
        "objects",
        "A label's confidence counts the evidence as large from this many co-shared objects (and "
        "3 x cluster.min_size accounts).",
        min=0,
    ),
    Param(
        "score.confidence.available",
        0.75,
        "fraction",
        "A label's confidence counts the indicators as available when at least this share of the leading "
        "signature's indicator weight could be measured.",
        min=0, max=1,
    ),
    Param(
        "score.confidence.lead",
        0.3,
        "score",
        "A bot or troll label's confidence counts it as decisive when its signature leads the other by this much.",
        min=0, max=1,
    ),
    Param(
        "score.work_hours",
        [9, 18],
        "hours",
        "Start and end (local, end excluded) of office hours, counted on Monday to Friday.",
        kind="list",
        min=(0, 0),
        max=(24, 24),
        ascending=True,
    ),
    Param(
        "score.night_hours",
        [1, 6],
        "hours",
        "Start and end (local, end excluded) of the night, when people mostly sleep.",
        kind="list",
        min=(0, 0),
        max=(24, 24),
        ascending=True,
    ),
    Param(
        "score.handle_digits",
        5,
        "digits",
        "A handle ending in at least this many digits counts as digit-suffixed (bulk-registered style).",
        kind="int",
        min=1,
    ),
    Param(
        "score.creation_window_days",
        7.0,
        "days",
        "Window for account-creation concentration: the largest share of a cluster created within this many days.",
        min=0, min_inclusive=False,
    ),
    Param(
        "score.weak_signals",
        ["sync", "co_hashtag", "co_mention"],
        "-",
        "Signals that cannot make a cluster coordinated on their own (popular topics, communities and "
        "schedules explain them); their objects do not count towards score.min_objects.",
        kind="list",
        choices=ALL,
    ),
    Param(
        "score.min_objects",
        5,
        "objects",
        "A cluster is flagged only if its members co-shared at least this many distinct objects through "
        "strong signals (fewer looks like a shared reaction to news).",
        kind="int",
        min=0,
    ),
    Param(
        "score.script_weight",
        0.25,
        "-",
        "Each distinct text, link, reshared or replied-to post that two members posted at any time (not "
        "necessarily within a window) counts this much towards a cluster's co-shared objects.",
        min=0,
    ),
    Param(
        "score.objects_scale",
        5.0,
        "objects",
        "Distinct co-shared objects at which coordination reaches 63% of its maximum (1 - exp(-objects/scale)).",
        min=0, min_inclusive=False,
    ),
    Param(
        "score.coverage",
        [0.2, 0.5],
        "[share, share]",
        "Coordination is scaled by the share of a cluster's accounts that take part in the co-sharing "
        "(a strong link inside, or score.min_account_co_share of their posts repeating members' content): "
        "0 below the first value, full from the second.",
        kind="list",
        min=(0, 0), max=(1, 1),
    ),
    Param(
        "score.audience.max_own_automation",
        0.1,
        "indicator score",
        "A member of a network read as automation-like is its audience, not flagged, when its own "
        "automation-like indicators score at most this and it is linked to under "
        "score.audience.max_linked_share of the other members: an ordinary account taking up what bots seed.",
        min=0, max=1,
    ),
    Param(
        "score.audience.max_linked_share",
        0.25,
        "fraction",
        "See score.audience.max_own_automation: the share of a network's other members an account must be "
        "linked to, at least, to be flagged with no automation of its own; 0 turns the rule off.",
        min=0, max=1,
    ),
    Param(
        "score.min_account_co_share",
        0.05,
        "fraction",
        "An account takes part in its cluster's co-sharing with a strong link inside it or when at least this "
        "share of its posts repeat a post, link, text or image another member also posted.",
        min=0, max=1,
    ),
    Param(
        "score.min_stability",
        0.5,
        "fraction",
        "A cluster whose members are grouped together in fewer clustering re-runs than this is not flagged.",
        min=0, max=1,
    ),
    Param(
        "score.coordination_floor",
        0.5,
        "-",
        "Part of the cluster score given by coordination alone; the rest needs a bot or troll signature "
        "(score = coordination * (floor + (1 - floor) * max(bot, troll))).",
        min=0, max=1,
    ),
    Param(
        "score.flag_threshold",
        0.5,
        "score",
        "Clusters with a score at least this (and passing score.min_objects and score.min_stability) are flagged.",
        min=0, max=1,
    ),
    Param(
        "score.label_margin",
        0.15,
        "score",
        "A flagged cluster is bot or troll when that score leads the other by this much, mixed otherwise.",
        min=0, max=1,
    ),
    Param(
        "score.min_signature",
        0.4,
        "score",
        "A flagged cluster is labelled bot or troll only if that score reaches this; below it for both, mixed.",
        min=0, max=1,
    ),
    Param(
        "score.min_known",
        0.5,
        "fraction",
        "Profile indicators (creation dates, handles, followers) are used only when known for at least this "
        "share of a cluster's accounts.",
        min=0, max=1,
    ),
    Param(
        "score.identical_text_reason",
        0.2,
        "fraction",
        "A cluster gets the reason \"N% of their own posts repeat a text another member posted\" from this share up.",
        min=0, max=1,
    ),
    Param(
        "score.client_reason",
        0.8,
        "fraction",
        "A cluster gets the reason \"N% of their posts were sent from the app X\" when one posting app sent at least "
        "this share of its posts whose app is known (and that app is rare elsewhere: score.client_rare). "
        "A reason only: it does not move labels or scores.",
        min=0, max=1, min_inclusive=False,
    ),
    Param(
        "score.client_rare",
        0.05,
        "fraction",
        "The app a cluster shares counts as uncommon when it sent at most this share of the posts (app known) of "
        "accounts outside the cluster: an app everybody uses, like the official one, says nothing.",
        min=0, max=1,
    ),
    Param(
        "score.bot.night_share",
        [0.08, 0.16, 2.0],
        "[share, share, weight]",
        "Automation indicator: share of posts in score.night_hours, ramping from the first value to the second; the third is its weight.",
        kind="list",
        min=0, max=(1, 1, None),
    ),
    Param(
        "score.bot.reshare_share",
        [0.3, 0.6, 1.0],
        "[share, share, weight]",
        "Automation indicator: share of posts that are reshares (ramp from, to, weight).",
        kind="list",
        min=0, max=(1, 1, None),
    ),
    Param(
        "score.bot.fast_delta_s",
        [120.0, 5.0, 1.0],
        "[seconds, seconds, weight]",
        "Automation indicator: median seconds between co-actions of the fastest strong signal, full at the second value "
        "(ramp from, to, weight). People on shifts co-act minutes to hours apart; software that adds jitter still "
        "co-acts within a minute or two, again and again.",
        kind="list",
        min=(0, 0, 0),
    ),
    Param(
        "score.bot.creation_share",
        [0.5, 0.8, 1.0],
        "[share, share, weight]",
        "Automation indicator: largest share of accounts created within score.creation_window_days (ramp from, to, weight).",
        kind="list",
        min=0, max=(1, 1, None),
    ),
    Param(
        "score.bot.digit_handles",
        [0.3, 0.6, 1.0],
        "[share, share, weight]",
        "Automation indicator: share of handles ending in score.handle_digits or more digits (ramp from, to, weight).",
        kind="list",
        min=0, max=(1, 1, None),
    ),
    Param(
        "score.troll.work_share",
        [0.55, 0.8, 2.0],
        "[share, share, weight]",
        "Human-operation indicator: share of posts on weekdays in score.work_hours (ramp from, to, weight).",
        kind="list",
        min=0, max=(1, 1, None),
    ),
    Param(
        "score.troll.night_share",
        [0.05, 0.01, 1.0],
        "[share, share, weight]",
        "Human-operation indicator: quiet nights, full when the night share falls to the second value (ramp from, to, weight).",
        kind="list",
        min=0, max=(1, 1, None),
    ),
    Param(
        "score.troll.reply_share",
        [0.05, 0.15, 1.0],
        "[share, share, weight]",
        "Human-operation indicator: share of posts that are replies (ramp from, to, weight).",
        kind="list",
        min=0, max=(1, 1, None),
    ),
    Param(
        "score.troll.human_signals",
        [0.1, 0.3, 1.0],
        "[share, share, weight]",
        "Human-operation indicator: share of the content weight from co_reply, co_similar_text, co_hashtag and co_paraphrase (ramp from, to, weight).",
        kind="list",
        min=0, max=(1, 1, None),
    ),
    Param(
        "score.organic.account_age_days",
        [365.0, 1460.0, 1.0],
        "[days, days, weight]",
        "Established-account indicator: median age of the accounts when they first post in the data (ramp from, to, weight).",
        kind="list",
        min=(0, 0, 0),
    ),
    Param(
        "score.organic.followers",
        [1000.0, 20000.0, 1.0],
        "[followers, followers, weight]",
        "Established-account indicator: median followers of the accounts (ramp from, to, weight).",
        kind="list",
        min=(0, 0, 0),
    ),
    Param(
        "score.organic.own_articles",
        [0.5, 0.8],
        "[share, share]",
        "Authentic-coordination indicator: share of the members' reshares that reshare a member's own post linking "
        "to the cluster's one domain, as a newsroom's journalists share their colleagues' articles (ramp from, to); "
        "it explains the coordination as far as the accounts are long-established (score.organic.account_age_days).",
        kind="list",
        min=(0, 0), max=(1, 1),
    ),
    Param(
        "score.explained_weight",
        0.6,
        "fraction",
        "How much a cluster's score is discounted when its accounts are long-established with large "
        "audiences (news outlets, public figures): score *= 1 - weight * established.",
        min=0, max=1,
    ),
    Param(
        "score.min_links",
        1,
        "links",
        "An account in a flagged cluster is flagged only with at least this many links to other members "
        "(and it must take part in the co-sharing, see score.min_account_co_share).",
        kind="int",
        min=0,
    ),
    Param(
        "score.min_share_in",
        0.5,
        "fraction",
        "An account in a flagged cluster is flagged only if at least this share of its fused link weight stays inside the cluster.",
        min=0, max=1,
    ),
    Param(
        "score.attach.max_fdr",
        0.01,
        "false discovery rate",
        "An account in no cluster is flagged as a member of a flagged network when its replies to the posts the "
        "network's flagged members replied to and its reshares of their own posts, pooled, are beyond chance at "
        "this Benjamini-Hochberg level over every such account and network (0 = never).",
        min=0, max=1,
    ),
    Param(
        "score.attach.min_days",
        2,
        "days",
        "Fewest distinct days (UTC) an account's pooled co-actions with a network must fall on for it to be "
        "attached (score.attach.max_fdr): one busy evening is not a habit.",
        kind="int",
        min=1,
    ),
    Param(
        "score.account_own_weight",
        0.3,
        "fraction",
        "How much an account's own bot/troll indicators count against its cluster's when labelling it.",
        min=0, max=1,
    ),
    Param(
        "score.top_objects",
        10,
        "objects",
        "Co-shared objects listed per cluster in clusters.parquet top_objects.",
        kind="int",
        min=0,
    ),
    Param(
        "narrative.top",
        10,
        "terms",
        "Terms, hashtags, domains, links and reshared posts listed per cluster.",
        kind="int",
        min=0,
    ),
    Param(
        "narrative.min_posts",
        2,
        "posts",
        "A narrative term must occur in at least this many of a cluster's posts.",
        kind="int",
        min=1,
    ),
    Param(
        "narrative.background_posts",
        200_000,
        "posts",
        "At most this many posts of accounts in no cluster (a seeded sample) form the background that "
        "c-TF-IDF compares each cluster's words with; 0 = all.",
        kind="int",
        min=0,
    ),
    Param(
        "narrative.min_chars",
        3,
        "characters",
        "Shortest word counted as a narrative term.",
        kind="int",
        min=1,
    ),
)
