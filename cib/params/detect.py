"""Detection parameters: the windowed co-occurrence signals, co_similar_text and co_paraphrase."""

from __future__ import annotations

from cib.params.param import Param
from cib.signals import ALL, DEFAULT, OBJECTS, WINDOWED

__all__ = ["PARAMS"]

#: reply swarms gather over minutes to hours after their target, not seconds: people on shifts
#: answer an opponent's post when they get to it (docs/signals.md, careful operations)
_WINDOW_DEFAULT = {"co_reply": 10800.0}
#: at a window of hours, two repliers meet under one viral post by chance; a swarm returns day after day
_MIN_DAYS_DEFAULT = {"co_reply": 2}

PARAMS: tuple[Param, ...] = (
    # --- detect --------------------------------------------------------------
    Param(
        "detect.signals",
        list(DEFAULT),
        "-",
        "Signals to detect; a signal whose traces are empty gives no edges. co_paraphrase (a language model, "
        "pip install 'cib[paraphrase]') runs only when listed.",
        kind="list",
        choices=ALL,
    ),
    *(
        Param(
            f"detect.{sig}.window",
            _WINDOW_DEFAULT.get(sig, 60.0),
            "seconds",
            f"Largest time between two {OBJECTS[sig]} by two accounts for them to co-occur "
            "(inclusive; 90s, 2m, 12h and 2d are read too); \"auto\" estimates it from the data as CooRnet does.",
            kind="duration|auto",
        )
        for sig in WINDOWED
    ),
    *(
        Param(
            f"detect.{sig}.min_days",
            _MIN_DAYS_DEFAULT.get(sig, 1),
            "days",
            f"Fewest distinct days (UTC, of each pair's earlier post) on which two accounts' {OBJECTS[sig]} "
            "co-occurred for their edge to be kept: co-action across separate days is a habit, one busy "
            "evening is not.",
            kind="int",
            min=1,
        )
        for sig in WINDOWED
    ),
    Param(
        "detect.match_keys",
        "normalised",
        "-",
        "How objects are matched: \"normalised\" (canonical URLs, cib's text key) or \"cnt\" "
        "(coordination-network-toolkit's: URLs as written, text lower-cased without @mentions).",
        kind="str",
        choices=("normalised", "cnt"),
    ),
    Param(
        "detect.min_participation",
        2,
        "shares",
        "Accounts with fewer shares than this in a signal are dropped before pairing (CooRTweet's meaning).",
        kind="int",
        min=1,
    ),
    Param(
        "detect.participation_filter",
        "before",
        "-",
        "\"before\": min_participation drops accounts before pairing; \"coortweet\": also CooRTweet's "
        "second pass, keeping a pair only if one of its accounts has min_participation coordinated shares.",
        kind="str",
        choices=("before", "coortweet"),
    ),
    Param(
        "detect.weight",
        "tfidf",
        "-",
        "Edge weight: \"tfidf\" (IDF-weighted cosine, discounts popular objects and hyperactive accounts), "
        "\"n_pairs\" (CooRTweet), \"n_posts\" (coordination-network-toolkit, larger direction) or \"n_objects\".",
        kind="str",
        choices=("tfidf", "n_pairs", "n_posts", "n_objects"),
    ),
    Param(
        "detect.min_weight",
        0.0,
        "weight",
        "Edges with a weight below this are dropped (in the unit of detect.weight).",
        min=0,
    ),
    Param(
        "detect.significance",
        True,
        "-",
        "Compute a p-value per edge under a null model keeping account activity and object popularity, "
        "and keep only edges passing detect.max_fdr.",
        kind="bool",
    ),
    Param(
        "detect.max_fdr",
        0.05,
        "false discovery rate",
        "Benjamini-Hochberg level per signal: edges whose adjusted p-value exceeds it are dropped.",
        min=0, max=1, min_inclusive=False,
    ),
    Param(
        "detect.null.popular_accounts",
        50,
        "accounts",
        "Objects shared by at least this many accounts form the null model's popular stratum "
        "(accounts that mostly share popular things get a higher expectation).",
        kind="int",
        min=1,
    ),
    Param(
        "detect.null.scaled",
        True,
        "-",
        "Scale the null model's pairs within the window down to those chance made: no more account pairs "
        "co-occurring than observed, and on ordinary objects no more meeting exactly once (coordination "
        "repeats, chance seldom does); an edge on one object is then never significant. Without it, a "
        "network that is most of the data sets its own expectation (a targeted collection finds nothing).",
        kind="bool",
    ),
    Param(
        "detect.null.time_of_week",
        True,
        "-",
        "In sync's and amplify's null models, expect accounts active in the same hours of the week to meet "
        "more often (each account keeps its own week, shrunk towards everyone's by detect.null.week_prior): "
        "a shared working day is explained, a shared minute within it again and again is not.",
        kind="bool",
    ),
    Param(
        "detect.null.week_prior",
        24.0,
        "activities",
        "Weight of everyone's week in an account's profile over the 168 hours of the week, as if the account "
        "had this many more activities spread like everyone's: an account seen a few times gets mostly "
        "everyone's week, one seen hundreds of times mostly its own.",
        min=0,
    ),
    Param(
        "detect.reference_accounts",
        0,
        "accounts",
        "Accounts of the population the collection was drawn from, for the idf of tfidf weights; the "
        "collection's accounts when larger (0). Set it for a collection of one network's posts.",
        kind="int",
        min=0,
    ),
    Param(
        "detect.threads",
        2,
        "threads",
        "Windowed signals detected at the same time (the results do not depend on it); 1 takes longer "
        "and lowers peak memory (10 million posts: 76 s and 6.7 GB with 1, 60 s and 7.2 GB with 2).",
        kind="int",
        min=1, max=64,
    ),
    Param(
        "detect.engine",
        "polars",
        "-",
        'Where the windowed signals are paired and aggregated: "polars" (this machine) or "spark" '
        "(Apache Spark, pip install 'cib[spark]'; the same tables, see docs/scale.md). co_similar_text, sync, "
        "amplify and co_paraphrase run on this machine either way.",
        kind="str",
        choices=("polars", "spark"),
    ),
    Param(
        "detect.spark.master",
        "",
        "-",
        "Spark master URL for detect.engine = spark (local[2], spark://host:7077, yarn); empty: "
        "$SPARK_MASTER, else the one spark-submit chose, else local[*].",
        kind="str",
    ),
    Param(
        "detect.spark.conf",
        {},
        "-",
        'Spark settings for detect.engine = spark, as a table of strings (spark.driver.memory = "4g"); '
        "recorded with the run, so keep credentials in spark-defaults.conf instead.",
        kind="table",
    ),
    Param(
        "detect.evidence_per_edge",
        10,
        "pairs",
        "Co-occurring post pairs kept as evidence per surviving edge (fastest first; the full count is n_pairs).",
        kind="int",
        min=0,
    ),
    Param(
        "detect.max_object_shares_per_window",
        2000,
        "shares",
        "An object with more shares than this inside two consecutive windows is a crowd: skipped or "
        "sampled (detect.crowd_policy) to bound memory, and reported; 0 = no limit.",
        kind="int",
        min=0,
    ),
    Param(
        "detect.max_pairs_in_memory",
        20_000_000,
        "pairs",
        "A signal whose pairs of shares could pass this many (counted from shares per object and window; for "
        "co_similar_text, posts per text and time bucket) makes them slice by slice and aggregates them from disk "
        "in shards of account pairs: the same edges in bounded memory; 0 = always in memory.",
        kind="int",
        min=0,
    ),
    Param(
        "detect.crowd_policy",
        "skip",
        "-",
        "What to do with a crowd object: \"skip\" it, or \"sample\" its shares down to the limit (seeded).",
        kind="str",
        choices=("skip", "sample"),
    ),
    Param(
        "detect.auto_window.q",
        0.1,
        "fraction",
        "For window = \"auto\": the fastest fraction of objects (by time to reach detect.auto_window.p of their shares) used.",
        min=0, max=1, min_inclusive=False,
    ),
    Param(
        "detect.auto_window.p",
        0.5,
        "fraction",
        "For window = \"auto\": the share of an object's shares whose arrival time is measured.",
        min=0, max=1, min_inclusive=False,
    ),
    Param(
        "detect.co_text.min_chars",
        25,
        "characters",
        "Normalised texts shorter than this are not co_text objects (\"thank you!\" links strangers).",
        kind="int",
        min=0,
    ),
    Param(
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
            "amplify": 1.0,
            "co_paraphrase": 1.0,
        },
        "-",
        "Multiplier of each signal's edge weight in the fused account graph (a signal not listed counts 1).",
        kind="table",
        choices=ALL, min=0,
    ),
    # --- amplify ---
    Param(
        "amplify.window",
        3600.0,
        "seconds",
        "Largest time from a post to another account's reshare (or quote) of it for the reshare to count as "
        "amplification (inclusive): operations reshare each other within minutes; a community resharing its "
        "members hours later looks the same beyond an hour.",
        kind="duration",
    ),
    Param(
        "amplify.quotes",
        False,
        "-",
        "Count quotes of another account's post as amplification, besides reshares (replies never count): "
        "off, as a quote comments as often as it amplifies, and quoting many accounts widens the tests.",
        kind="bool",
    ),
    Param(
        "amplify.min_objects",
        2,
        "posts",
        "Fewest distinct posts two accounts must have amplified between them (both directions) for an edge.",
        kind="int",
        min=1,
    ),
    Param(
        "amplify.min_days",
        2,
        "days",
        "Fewest distinct days (UTC) those amplifications must fall on: one busy hour is not a habit.",
        kind="int",
        min=1,
    ),
    # --- co_similar_text ---
    Param(
        "similar.window",
        3600.0,
        "seconds",
        "Largest time between two near-duplicate posts by two accounts for them to co-occur (inclusive); "
        "paraphrase campaigns are posted by hand over minutes to hours.",
        kind="duration",
    ),
    Param(
        "similar.min_chars",
        40,
        "characters",
        "Normalised texts shorter than this are left out of co_similar_text (too few words to tell a "
        "paraphrase from a stock phrase).",
        kind="int",
        min=0,
    ),
    Param(
        "similar.shingle_words",
        2,
        "words",
        "Words per shingle: texts are compared as sets of runs of this many consecutive words.",
        kind="int",
        min=1, max=20,
    ),
    Param(
        "similar.threshold",
        0.5,
        "Jaccard",
        "Two texts are near-duplicates when the Jaccard similarity of their shingle sets is at least this.",
        min=0, max=1, min_inclusive=False,
    ),
    Param(
        "similar.bands",
        40,
        "bands",
        "MinHash LSH bands: texts sharing all signature values of one band become candidates (more bands, "
        "more recall and more candidates).",
        kind="int",
        min=1, max=1000,
    ),
    Param(
        "similar.rows",
        3,
        "hashes",
        "MinHash values per LSH band; the signature has bands x rows values (more rows, fewer candidates).",
        kind="int",
        min=1, max=100,
    ),
    Param(
        "similar.max_bucket",
        2000,
        "texts",
        "An LSH bucket (band, key, time bucket) that holds, with the next time bucket's of the same key, "
        "more distinct texts than this is skipped and reported; 0 = no limit.",
        kind="int",
        min=0,
    ),
    Param(
        "similar.max_neighbours",
        24,
        "texts",
        "In an LSH bucket (band, key, time bucket) of more texts than this plus one, each text is paired "
        "with this many others, the next in an order drawn afresh for each band: a crowded bucket of n "
        "texts gives at most n x this candidate pairs instead of n(n-1)/2 (counted in the manifest); "
        "0 = every pair.",
        kind="int",
        min=0,
    ),
    # --- co_paraphrase ---
    Param(
        "paraphrase.window",
        10800.0,
        "seconds",
        "Largest time between two posts of one message in other words (or another language) by two accounts "
        "for them to co-occur (inclusive); offices post the day's talking point over hours.",
        kind="duration",
    ),
    Param(
        "paraphrase.threshold",
        0.45,
        "cosine",
        "Two texts say the same when the cosine of their sentence vectors, centred on the collection's mean "
        "vector, is at least this (unrelated posts centre near 0, paraphrases near 0.45, same-wording near 0.8).",
        min=-1, max=1,
    ),
    Param(
        "paraphrase.max_cosine",
        0.8,
        "cosine",
        "Pairs at or above this centred cosine are near-copies, left to co_text and co_similar_text: "
        "co_paraphrase counts other words only (1.01: keep every pair).",
        min=-1, max=1.01,
    ),
    Param(
        "paraphrase.min_chars",
        30,
        "characters",
        "Texts shorter than this, once URLs, mentions and hashtags are removed, are not compared by meaning.",
        kind="int",
        min=0,
    ),
    Param(
        "paraphrase.scope",
        "suspects",
        "-",
        "Whose posts co_paraphrase compares: \"suspects\" (accounts already in an edge of another signal) "
        "or \"all\" (every account; slow: the model embeds some 20-60 texts a second).",
        kind="str",
        choices=("suspects", "all"),
    ),
    Param(
        "paraphrase.max_texts",
        20000,
        "texts",
        "Most distinct texts co_paraphrase embeds; above it, a sample chosen by a hash of the text, its rate "
        "in the manifest.",
        kind="int",
        min=2,
    ),
    Param(
        "paraphrase.background_texts",
        500,
        "texts",
        "Texts of the whole collection, chosen by a hash of the text, whose mean vector is taken from every "
        "vector before comparing (0: no centring).",
        kind="int",
        min=0,
    ),
)
