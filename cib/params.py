"""Every parameter cib has, declared once.

Each section belongs to one pipeline stage. ``docs/parameters.md`` documents
them all (a test checks it), ``cib params`` prints them, and every output
records their effective values.
"""

from __future__ import annotations

from cib.config import declare

__all__: list[str] = []

# --- run -----------------------------------------------------------------
declare("run.seed", 42, "-", "Seed for everything random (null models, clustering, layouts).", kind="int")

# --- ingest --------------------------------------------------------------
declare(
    "ingest.columns",
    {},
    "-",
    "Column map for generic files: canonical name = header in the file, "
    "e.g. { post_id = \"id\", created_at = \"date\" }.",
    kind="table",
)
declare(
    "ingest.default_timezone",
    "UTC",
    "IANA zone",
    "Zone assumed for times written without an offset (the result is always UTC).",
    kind="str",
)
declare(
    "ingest.raw_chars",
    500,
    "characters",
    "How much of a rejected row's text is kept in rejects.parquet.",
    kind="int",
)
declare(
    "ingest.chunk_rows",
    200_000,
    "rows",
    "Rows parsed at a time from text files (bounds memory on big inputs).",
    kind="int",
)
declare(
    "ingest.dedupe",
    True,
    "-",
    "Drop repeated post ids within a platform, keeping the first in file order "
    "(counted in the manifest).",
    kind="bool",
)

# --- detect --------------------------------------------------------------
#: signals the windowed co-occurrence engine serves (names are a DESIGN contract)
_DETECT_SIGNALS = ("co_reshare", "co_link", "co_text", "co_hashtag", "co_reply", "co_mention", "co_image")
declare(
    "detect.signals",
    [*_DETECT_SIGNALS, "co_similar_text", "sync"],
    "-",
    "Signals to detect; a signal whose traces are empty gives no edges.",
    kind="list",
)
_WINDOW_HELP = {
    "co_reshare": "reshares of one post",
    "co_link": "shares of one canonical URL (originals only)",
    "co_text": "posts with one normalised text",
    "co_hashtag": "uses of one hashtag",
    "co_reply": "replies to one post",
    "co_mention": "mentions of one account",
    "co_image": "shares of one image hash or media id",
}
#: reply swarms gather over minutes after their target, not seconds
_WINDOW_DEFAULT = {"co_reply": 1800.0}
for _sig, _what in _WINDOW_HELP.items():
    declare(
        f"detect.{_sig}.window",
        _WINDOW_DEFAULT.get(_sig, 60.0),
        "seconds",
        f"Largest time between two {_what} by two accounts for them to co-occur "
        "(inclusive); \"auto\" estimates it from the data as CooRnet does.",
        kind="float|auto",
    )
declare(
    "detect.match_keys",
    "normalised",
    "-",
    "How objects are matched: \"normalised\" (canonical URLs, cib's text key) or \"cnt\" "
    "(coordination-network-toolkit's: URLs as written, text lower-cased without @mentions).",
    kind="str",
    choices=("normalised", "cnt"),
)
declare(
    "detect.min_participation",
    2,
    "shares",
    "Accounts with fewer shares than this in a signal are dropped before pairing (CooRTweet's meaning).",
    kind="int",
)
declare(
    "detect.participation_filter",
    "before",
    "-",
    "\"before\": min_participation drops accounts before pairing; \"coortweet\": also CooRTweet's "
    "second pass, keeping a pair only if one of its accounts has min_participation coordinated shares.",
    kind="str",
    choices=("before", "coortweet"),
)
declare(
    "detect.weight",
    "tfidf",
    "-",
    "Edge weight: \"tfidf\" (IDF-weighted cosine, discounts popular objects and hyperactive accounts), "
    "\"n_pairs\" (CooRTweet), \"n_posts\" (coordination-network-toolkit, larger direction) or \"n_objects\".",
    kind="str",
    choices=("tfidf", "n_pairs", "n_posts", "n_objects"),
)
declare(
    "detect.min_weight",
    0.0,
    "weight",
    "Edges with a weight below this are dropped (in the unit of detect.weight).",
)
declare(
    "detect.significance",
    True,
    "-",
    "Compute a p-value per edge under a null model keeping account activity and object popularity, "
    "and keep only edges passing detect.max_fdr.",
    kind="bool",
)
declare(
    "detect.max_fdr",
    0.05,
    "false discovery rate",
    "Benjamini-Hochberg level per signal: edges whose adjusted p-value exceeds it are dropped.",
)
declare(
    "detect.null.popular_accounts",
    50,
    "accounts",
    "Objects shared by at least this many accounts form the null model's popular stratum "
    "(accounts that mostly share popular things get a higher expectation).",
    kind="int",
)
declare(
    "detect.evidence_per_edge",
    10,
    "pairs",
    "Co-occurring post pairs kept as evidence per surviving edge (fastest first; the full count is n_pairs).",
    kind="int",
)
declare(
    "detect.max_object_shares_per_window",
    2000,
    "shares",
    "An object with more shares than this inside two consecutive windows is a crowd: skipped or "
    "sampled (detect.crowd_policy) to bound memory, and reported; 0 = no limit.",
    kind="int",
)
declare(
    "detect.crowd_policy",
    "skip",
    "-",
    "What to do with a crowd object: \"skip\" it, or \"sample\" its shares down to the limit (seeded).",
    kind="str",
    choices=("skip", "sample"),
)
declare(
    "detect.auto_window.q",
    0.1,
    "fraction",
    "For window = \"auto\": the fastest fraction of objects (by time to reach detect.auto_window.p of their shares) used.",
)
declare(
    "detect.auto_window.p",
    0.5,
    "fraction",
    "For window = \"auto\": the share of an object's shares whose arrival time is measured.",
)
declare(
    "detect.co_text.min_chars",
    25,
    "characters",
    "Normalised texts shorter than this are not co_text objects (\"thank you!\" links strangers).",
    kind="int",
)
declare(
    "detect.fusion.weights",
    {
        "co_reshare": 1.0,
        "co_link": 1.0,
        "co_text": 1.0,
        "co_similar_text": 1.0,
        "co_hashtag": 0.25,
        "co_reply": 0.5,
        "co_mention": 0.25,
        "co_image": 1.0,
        "sync": 0.5,
    },
    "-",
    "Multiplier of each signal's edge weight in the fused account graph (a signal not listed counts 1).",
    kind="table",
)

# --- cluster & score ---
declare(
    "sync.bins",
    [60, 600],
    "seconds",
    "Sizes of the time bins of the timing graph (sync); each size is one grid, tested separately.",
    kind="list",
)
declare(
    "sync.half_offset",
    True,
    "-",
    "Also use each grid shifted by half a bin, so that two posts seconds apart across a bin boundary meet.",
    kind="bool",
)
declare(
    "sync.originals_only",
    True,
    "-",
    "Count only original posts in the timing graph: reshares and replies react to someone else's post "
    "(co_reshare and co_reply compare the reactors).",
    kind="bool",
)
declare(
    "sync.min_posts",
    10,
    "posts",
    "Accounts with fewer posts are left out of the timing graph (too little activity to judge).",
    kind="int",
)
declare(
    "sync.min_common_bins",
    3,
    "bins",
    "A pair must share at least this many active bins of one grid to be tested.",
    kind="int",
)
declare(
    "sync.max_fdr",
    0.01,
    "false discovery rate",
    "Benjamini-Hochberg level over all pairs of eligible accounts: sync edges whose adjusted p-value exceeds it are dropped.",
)
declare(
    "sync.max_bin_accounts",
    1000,
    "accounts",
    "Bins with more active accounts than this (a breaking-news minute) are left out of the timing graph; 0 = no limit.",
    kind="int",
)

declare(
    "cluster.method",
    "louvain",
    "-",
    "Community detection: \"louvain\" (python-louvain) or \"leiden\" (needs the optional leidenalg and igraph).",
    kind="str",
    choices=("louvain", "leiden"),
)
declare(
    "cluster.resolution",
    1.0,
    "-",
    "Modularity resolution: above 1 gives more, smaller clusters; below 1 fewer, larger ones.",
)
declare(
    "cluster.min_edge_weight",
    0.0,
    "fused weight",
    "Fused edges lighter than this are dropped before clustering.",
)
declare(
    "cluster.min_size",
    3,
    "accounts",
    "Communities with fewer accounts are not clusters (their accounts get no cluster_id).",
    kind="int",
)
declare(
    "cluster.stability_runs",
    10,
    "runs",
    "Extra clustering runs with other seeds used to measure each cluster's stability (0 = not measured).",
    kind="int",
)
declare(
    "events",
    [],
    "-",
    "Events to compare activity around: [[events]] tables with name, time (ISO 8601) and an optional "
    "window (seconds or 12h, 2d); also --event NAME=TIME[,window=2d].",
    kind="list",
)
declare(
    "event.window",
    86400.0,
    "seconds",
    "Length of the before, during and after periods of an event that gives no window of its own.",
)
declare(
    "bursts.bin",
    3600.0,
    "seconds",
    "Bin in which a cluster's posts are counted to find bursts.",
)
declare(
    "bursts.baseline_bins",
    168,
    "bins",
    "Number of preceding bins whose mean is a bin's baseline (168 one-hour bins = one week).",
    kind="int",
)
declare(
    "bursts.z",
    3.0,
    "-",
    "A bin bursts when its count exceeds baseline + z * sqrt(max(baseline, 1)).",
)
declare(
    "bursts.min_posts",
    10,
    "posts",
    "A bin with fewer posts than this never bursts.",
    kind="int",
)
declare(
    "bursts.max_gap",
    1,
    "bins",
    "Bursting bins at most this many quiet bins apart are merged into one burst.",
    kind="int",
)
declare(
    "score.timezone",
    "Asia/Almaty",
    "IANA zone",
    "Zone in which hours of day, work hours and weekdays are read (historical offsets respected).",
    kind="str",
)
declare(
    "score.work_hours",
    [9, 18],
    "hours",
    "Start and end (local, end excluded) of office hours, counted on Monday to Friday.",
    kind="list",
)
declare(
    "score.night_hours",
    [1, 6],
    "hours",
    "Start and end (local, end excluded) of the night, when people mostly sleep.",
    kind="list",
)
declare(
    "score.handle_digits",
    5,
    "digits",
    "A handle ending in at least this many digits counts as digit-suffixed (bulk-registered style).",
    kind="int",
)
declare(
    "score.creation_window_days",
    7.0,
    "days",
    "Window for account-creation concentration: the largest share of a cluster created within this many days.",
)
declare(
    "score.weak_signals",
    ["sync", "co_hashtag", "co_mention"],
    "-",
    "Signals that cannot make a cluster coordinated on their own (popular topics, communities and "
    "schedules explain them); their objects do not count towards score.min_objects.",
    kind="list",
)
declare(
    "score.min_objects",
    5,
    "objects",
    "A cluster is flagged only if its members co-shared at least this many distinct objects through "
    "strong signals (fewer looks like a shared reaction to news).",
    kind="int",
)
declare(
    "score.script_weight",
    0.25,
    "-",
    "Each distinct text, link, reshared or replied-to post that two members posted at any time (not "
    "necessarily within a window) counts this much towards a cluster's co-shared objects.",
)
declare(
    "score.objects_scale",
    5.0,
    "objects",
    "Distinct co-shared objects at which coordination reaches 63% of its maximum (1 - exp(-objects/scale)).",
)
declare(
    "score.coverage",
    [0.2, 0.5],
    "[share, share]",
    "Coordination is scaled by the share of a cluster's accounts that take part in the co-sharing "
    "(a strong link inside, or score.min_account_co_share of their posts repeating members' content): "
    "0 below the first value, full from the second.",
    kind="list",
)
declare(
    "score.min_account_co_share",
    0.05,
    "fraction",
    "An account takes part in its cluster's co-sharing with a strong link inside it or when at least this "
    "share of its posts repeat a post, link, text or image another member also posted.",
)
declare(
    "score.min_stability",
    0.5,
    "fraction",
    "A cluster whose members are grouped together in fewer clustering re-runs than this is not flagged.",
)
declare(
    "score.coordination_floor",
    0.5,
    "-",
    "Part of the cluster score given by coordination alone; the rest needs a bot or troll signature "
    "(score = coordination * (floor + (1 - floor) * max(bot, troll))).",
)
declare(
    "score.flag_threshold",
    0.5,
    "score",
    "Clusters with a score at least this (and passing score.min_objects and score.min_stability) are flagged.",
)
declare(
    "score.label_margin",
    0.15,
    "score",
    "A flagged cluster is bot or troll when that score leads the other by this much, mixed otherwise.",
)
declare(
    "score.min_signature",
    0.4,
    "score",
    "A flagged cluster is labelled bot or troll only if that score reaches this; below it for both, mixed.",
)
declare(
    "score.min_known",
    0.5,
    "fraction",
    "Profile indicators (creation dates, handles, followers) are used only when known for at least this "
    "share of a cluster's accounts.",
)
declare(
    "score.identical_text_reason",
    0.2,
    "fraction",
    "A cluster gets the reason \"N% of their own posts repeat a text another member posted\" from this share up.",
)
declare(
    "score.bot.night_share",
    [0.08, 0.16, 2.0],
    "[share, share, weight]",
    "Automation indicator: share of posts in score.night_hours, ramping from the first value to the second; the third is its weight.",
    kind="list",
)
declare(
    "score.bot.reshare_share",
    [0.3, 0.6, 1.0],
    "[share, share, weight]",
    "Automation indicator: share of posts that are reshares (ramp from, to, weight).",
    kind="list",
)
declare(
    "score.bot.fast_delta_s",
    [30.0, 5.0, 1.0],
    "[seconds, seconds, weight]",
    "Automation indicator: median seconds between co-actions of the fastest strong signal, full at the second value (ramp from, to, weight).",
    kind="list",
)
declare(
    "score.bot.creation_share",
    [0.5, 0.8, 1.0],
    "[share, share, weight]",
    "Automation indicator: largest share of accounts created within score.creation_window_days (ramp from, to, weight).",
    kind="list",
)
declare(
    "score.bot.digit_handles",
    [0.3, 0.6, 1.0],
    "[share, share, weight]",
    "Automation indicator: share of handles ending in score.handle_digits or more digits (ramp from, to, weight).",
    kind="list",
)
declare(
    "score.troll.work_share",
    [0.55, 0.8, 2.0],
    "[share, share, weight]",
    "Human-operation indicator: share of posts on weekdays in score.work_hours (ramp from, to, weight).",
    kind="list",
)
declare(
    "score.troll.night_share",
    [0.05, 0.01, 1.0],
    "[share, share, weight]",
    "Human-operation indicator: quiet nights, full when the night share falls to the second value (ramp from, to, weight).",
    kind="list",
)
declare(
    "score.troll.reply_share",
    [0.05, 0.15, 1.0],
    "[share, share, weight]",
    "Human-operation indicator: share of posts that are replies (ramp from, to, weight).",
    kind="list",
)
declare(
    "score.troll.human_signals",
    [0.1, 0.3, 1.0],
    "[share, share, weight]",
    "Human-operation indicator: share of the content weight from co_reply, co_similar_text and co_hashtag (ramp from, to, weight).",
    kind="list",
)
declare(
    "score.organic.account_age_days",
    [365.0, 1460.0, 1.0],
    "[days, days, weight]",
    "Established-account indicator: median age of the accounts when they first post in the data (ramp from, to, weight).",
    kind="list",
)
declare(
    "score.organic.followers",
    [1000.0, 20000.0, 1.0],
    "[followers, followers, weight]",
    "Established-account indicator: median followers of the accounts (ramp from, to, weight).",
    kind="list",
)
declare(
    "score.explained_weight",
    0.6,
    "fraction",
    "How much a cluster's score is discounted when its accounts are long-established with large "
    "audiences (news outlets, public figures): score *= 1 - weight * established.",
)
declare(
    "score.min_links",
    1,
    "links",
    "An account in a flagged cluster is flagged only with at least this many links to other members "
    "(and it must take part in the co-sharing, see score.min_account_co_share).",
    kind="int",
)
declare(
    "score.min_share_in",
    0.5,
    "fraction",
    "An account in a flagged cluster is flagged only if at least this share of its fused link weight stays inside the cluster.",
)
declare(
    "score.account_own_weight",
    0.3,
    "fraction",
    "How much an account's own bot/troll indicators count against its cluster's when labelling it.",
)
declare(
    "score.top_objects",
    10,
    "objects",
    "Co-shared objects listed per cluster in clusters.parquet top_objects.",
    kind="int",
)
declare(
    "narrative.top",
    10,
    "terms",
    "Terms, hashtags, domains, links and reshared posts listed per cluster.",
    kind="int",
)
declare(
    "narrative.min_posts",
    2,
    "posts",
    "A narrative term must occur in at least this many of a cluster's posts.",
    kind="int",
)
declare(
    "narrative.background_posts",
    200_000,
    "posts",
    "At most this many posts of accounts in no cluster (a seeded sample) form the background that "
    "c-TF-IDF compares each cluster's words with; 0 = all.",
    kind="int",
)
declare(
    "narrative.min_chars",
    3,
    "characters",
    "Shortest word counted as a narrative term.",
    kind="int",
)

# --- report --------------------------------------------------------------
declare(
    "report.timezone",
    "UTC",
    "IANA zone",
    "Time zone in which the report shows times and draws its hour-of-day and weekday charts.",
    kind="str",
)
declare(
    "report.max_accounts_drawn",
    5000,
    "accounts",
    "Most flagged accounts drawn one by one in the network view (highest degree first); the rest are counted in the caption.",
    kind="int",
)
declare(
    "report.max_edges_drawn",
    20000,
    "links",
    "Most links between accounts drawn in the network view (strongest first).",
    kind="int",
)
declare(
    "report.webgl_above",
    2000,
    "points",
    "The network view is drawn with WebGL (Plotly Scattergl) above this many points.",
    kind="int",
)
declare(
    "report.cluster_view_above",
    1000,
    "accounts",
    "With more flagged accounts than this the network view opens at cluster level (one bubble per network).",
    kind="int",
)
declare(
    "report.evidence_groups",
    10,
    "groups",
    "Groups of coordinated posts shown as evidence in each network's dossier (most accounts first).",
    kind="int",
)
declare(
    "report.evidence_posts",
    25,
    "posts",
    "Posts listed in one evidence group (earliest first).",
    kind="int",
)
declare(
    "report.members_listed",
    1000,
    "accounts",
    "Members listed in a network's table (highest score first).",
    kind="int",
)
declare(
    "report.top_items",
    15,
    "items",
    "Terms, hashtags, domains and shared objects listed per network.",
    kind="int",
)
declare(
    "report.text_chars",
    500,
    "characters",
    "Post texts longer than this are cut in the report (the tables keep the full text).",
    kind="int",
)
declare(
    "report.timeline_clusters",
    8,
    "networks",
    "Networks drawn as their own line in the timeline (largest first); the others are summed.",
    kind="int",
)
# --- sweep ---------------------------------------------------------------
declare(
    "sweep.grid",
    {},
    "-",
    "Grid for `cib sweep`: parameter name (full, or a unique ending such as co_reshare.window, or "
    "window for every co_* window) = list of values, e.g. { \"co_reshare.window\" = [10, 60, 300], "
    "resolution = [0.5, 1, 2] }; --grid flags, when given, replace it.",
    kind="table",
)
declare(
    "sweep.workers",
    "auto",
    "processes",
    "Processes that cluster and score grid points side by side, this one included; \"auto\" uses one "
    "per CPU, up to 4, with 3 CPUs or more and 4 points or more; 1 runs everything in this process "
    "(least memory).",
    kind="int|auto",
)
declare(
    "sweep.max_points",
    200,
    "points",
    "A grid with more points than this is refused (each point clusters and scores the whole graph).",
    kind="int",
)
declare(
    "sweep.flagged_tolerance",
    2.0,
    "times the median",
    "Without labels, the recommended setting is the most stable among those flagging at least one "
    "account and at most this many times the grid's median number of flagged accounts.",
)

# --- co_similar_text ---
declare(
    "similar.window",
    3600.0,
    "seconds",
    "Largest time between two near-duplicate posts by two accounts for them to co-occur (inclusive); "
    "paraphrase campaigns are posted by hand over minutes to hours.",
)
declare(
    "similar.min_chars",
    40,
    "characters",
    "Normalised texts shorter than this are left out of co_similar_text (too few words to tell a "
    "paraphrase from a stock phrase).",
    kind="int",
)
declare(
    "similar.shingle_words",
    2,
    "words",
    "Words per shingle: texts are compared as sets of runs of this many consecutive words.",
    kind="int",
)
declare(
    "similar.threshold",
    0.5,
    "Jaccard",
    "Two texts are near-duplicates when the Jaccard similarity of their shingle sets is at least this.",
)
declare(
    "similar.bands",
    40,
    "bands",
    "MinHash LSH bands: texts sharing all signature values of one band become candidates (more bands, "
    "more recall and more candidates).",
    kind="int",
)
declare(
    "similar.rows",
    3,
    "hashes",
    "MinHash values per LSH band; the signature has bands x rows values (more rows, fewer candidates).",
    kind="int",
)
declare(
    "similar.max_bucket",
    2000,
    "texts",
    "LSH buckets (band, key, time bucket) holding more distinct texts than this are skipped and "
    "reported, to bound the candidate pairs; 0 = no limit.",
    kind="int",
)
