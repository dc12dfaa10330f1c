"""Detection parameters: the windowed co-occurrence signals and co_similar_text."""

from __future__ import annotations

from cib.config import declare

__all__: list[str] = []

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
    "detect.threads",
    2,
    "threads",
    "Windowed signals detected at the same time (the results do not depend on it); 1 takes longer "
    "and lowers peak memory (10 million posts: 76 s and 6.7 GB with 1, 60 s and 7.2 GB with 2).",
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
