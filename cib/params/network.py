"""Timing graph (sync), clustering, events and bursts."""

from __future__ import annotations

from cib.params.param import Param

__all__ = ["PARAMS"]

PARAMS: tuple[Param, ...] = (
    # --- cluster & score ---
    Param(
        "sync.bins",
        [60, 600],
        "seconds",
        "Sizes of the time bins of the timing graph (sync); each size is one grid, tested separately.",
        kind="durations",
    ),
    Param(
        "sync.half_offset",
        True,
        "-",
        "Also use each grid shifted by half a bin, so that two posts seconds apart across a bin boundary meet.",
        kind="bool",
    ),
    Param(
        "sync.originals_only",
        True,
        "-",
        "Count only original posts in the timing graph: reshares and replies react to someone else's post "
        "(co_reshare and co_reply compare the reactors).",
        kind="bool",
    ),
    Param(
        "sync.min_posts",
        10,
        "posts",
        "Accounts with fewer posts are left out of the timing graph (too little activity to judge).",
        kind="int",
        min=1,
    ),
    Param(
        "sync.min_common_bins",
        3,
        "bins",
        "A pair must share at least this many active bins of one grid to be tested.",
        kind="int",
        min=1,
    ),
    Param(
        "sync.max_fdr",
        0.01,
        "false discovery rate",
        "Benjamini-Hochberg level over all pairs of eligible accounts: sync edges whose adjusted p-value exceeds it are dropped.",
        min=0, max=1, min_inclusive=False,
    ),
    Param(
        "sync.max_bin_accounts",
        1000,
        "accounts",
        "Bins with more active accounts than this (a breaking-news minute) are left out of the timing graph; 0 = no limit.",
        kind="int",
        min=0,
    ),
    Param(
        "cluster.method",
        "auto",
        "-",
        "Community detection: \"louvain\" (cib's step-for-step python-louvain 0.16), \"igraph\" (igraph's "
        "multilevel Louvain, in C), \"auto\" (the first up to cluster.exact_max_edges links, the second above) or "
        "\"leiden\" (needs the optional leidenalg).",
        kind="str",
        choices=("auto", "louvain", "igraph", "leiden"),
    ),
    Param(
        "cluster.exact_max_edges",
        100_000,
        "links",
        "With cluster.method = \"auto\", graphs with at most this many links are clustered by cib's "
        "python-louvain reproduction, larger ones by igraph's multilevel Louvain (the same method in C, "
        "about twenty times faster).",
        kind="int",
        min=0,
    ),
    Param(
        "cluster.resolution",
        1.0,
        "-",
        "Modularity resolution: above 1 gives more, smaller clusters; below 1 fewer, larger ones.",
        min=0, min_inclusive=False,
    ),
    Param(
        "cluster.min_edge_weight",
        0.0,
        "fused weight",
        "Fused edges lighter than this are dropped before clustering.",
        min=0,
    ),
    Param(
        "cluster.min_size",
        3,
        "accounts",
        "Communities with fewer accounts are not clusters (their accounts get no cluster_id).",
        kind="int",
        min=1,
    ),
    Param(
        "cluster.stability_runs",
        10,
        "runs",
        "Extra clustering runs with other seeds used to measure each cluster's stability (0 = not measured).",
        kind="int",
        min=0,
    ),
    Param(
        "cluster.match_min_overlap",
        0.5,
        "share of the smaller network's accounts",
        "A network of this run and one of the previous run of the collection are the same network (it keeps "
        "its id) when at least this share of the smaller one's accounts are in both (the overlap coefficient); "
        "the pairs that qualify are matched one to one, most similar (Jaccard) first.",
        min=0, max=1, min_inclusive=False,
    ),
    Param(
        "events",
        [],
        "-",
        "Events to compare activity around: [[events]] tables with name, time (ISO 8601) and an optional "
        "window (seconds or 12h, 2d); also --event NAME=TIME[,window=2d].",
        kind="list",
    ),
    Param(
        "event.window",
        86400.0,
        "seconds",
        "Length of the before, during and after periods of an event that gives no window of its own.",
        kind="duration",
    ),
    Param(
        "bursts.bin",
        3600.0,
        "seconds",
        "Bin in which a cluster's posts are counted to find bursts.",
        kind="duration",
        min=1,
    ),
    Param(
        "bursts.baseline_bins",
        168,
        "bins",
        "Number of preceding bins whose mean is a bin's baseline (168 one-hour bins = one week).",
        kind="int",
        min=1,
    ),
    Param(
        "bursts.z",
        3.0,
        "-",
        "A bin bursts when its count exceeds baseline + z * sqrt(max(baseline, 1)).",
        min=0,
    ),
    Param(
        "bursts.min_posts",
        10,
        "posts",
        "A bin with fewer posts than this never bursts.",
        kind="int",
        min=0,
    ),
    Param(
        "bursts.max_gap",
        1,
        "bins",
        "Bursting bins at most this many quiet bins apart are merged into one burst.",
        kind="int",
        min=0,
    ),
)
