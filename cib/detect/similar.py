"""``co_similar_text``: near-duplicate texts posted by two accounts within a window.

Two original posts (not reshares) by two different accounts co-occur when
their normalised texts are near-duplicates — the Jaccard similarity of their
sets of word shingles is at least ``similar.threshold`` — and their times
differ by at most ``similar.window`` (inclusive). Identical texts (Jaccard 1)
count too: a paraphrase network mixes copies and variants, and an edge should
see both (``co_text`` reports the copies on their own).

The plan, each step vectorised (no Python loop over posts or texts):

1. **Texts.** The text key of :func:`cib.normalise.text_key` (NFKC, case
   folding, URLs and mentions removed, look-alike letters folded), computed
   once per distinct text (and kept for the collection's next run,
   :func:`cib.detect.memo.text_keys`); keys shorter than ``similar.min_chars``
   are left out. Words are runs of letters and digits (``\\w+``: Cyrillic,
   Kazakh and Latin alike), so punctuation and ``#`` do not matter.
2.–5. **Text pairs** (:mod:`cib.detect.minhash`). Word shingles hashed to
   64 bits, MinHash signatures, LSH band keys within time buckets of
   ``floor(t / window)`` (buckets above ``similar.max_bucket`` texts skipped
   and reported; in a crowded bucket each text meets ``similar.max_neighbours``
   others, drawn afresh for each band, so candidates grow with the texts, not
   their square), then the exact Jaccard of every candidate pair: only pairs
   at least ``similar.threshold`` survive. Nothing unverified ever makes an edge.
   Candidates are searched among the texts of every post with a key, one
   slice of time (at most a day) at a time; only pairs of two texts of posts
   the participation filter keeps go on. A collection's run takes the slices
   of its previous run that hold the same posts (:mod:`cib.detect.similar_memo`).
6. **Post pairs** (:mod:`cib.detect.similar_pairs`). The posts of each
   verified text pair (and of each text with itself) are paired within the
   window: the equi-join on (text, bucket) and (text, neighbouring bucket),
   then ``|Δt| ≤ window``.
7. **Edges.** Verified texts are joined into *groups* (connected components of
   the near-duplicate graph): a group is the signal's object. Its id is
   ``sim:<smallest post_id of the group>``. Edges then follow the windowed
   engine exactly (:func:`cib.detect.edges.aggregate`): ``n_pairs`` verified
   post pairs, ``n_objects`` distinct groups, times, weight
   (``detect.weight``), p-value (``detect.significance``), thresholds
   (``detect.min_weight``, ``detect.max_fdr``), evidence
   (``detect.evidence_per_edge``), participation (``detect.min_participation``)
   and crowd handling (``detect.max_object_shares_per_window``, per distinct
   text).

This module holds steps 1 and 7, the crowd handling and :class:`SimilarResult`;
:mod:`cib.detect.similar_pairs` holds step 6 and the grouping of texts. The
public names of :mod:`cib.detect.minhash` are re-exported here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from cib.detect.edges import (
    EDGE_STATS,
    aggregate,
    keep_edges,
    name_edges,
    participation,
)
from cib.detect.evidence import order_pairs, pick_evidence
from cib.detect.memo import at_least, text_keys, value_ids
from cib.detect.minhash import candidate_probability, shingle_sets, signatures
from cib.detect.resolve import resolve_window
from cib.detect.shards import spill_edges, spilled
from cib.detect.significance import tested_edges
from cib.detect.similar_memo import text_pairs
from cib.detect.similar_pairs import pair_plan, post_pairs, spill_pairs, text_groups
from cib.detect.window import crowds, thin_crowds
from cib.progress import Progress, Teller
from cib.schema import EDGES, EVIDENCE, TIME

if TYPE_CHECKING:
    from cib.config import Config
    from cib.detect.memo import Memo

__all__ = [
    "SIGNAL",
    "POST_COLUMNS",
    "SimilarResult",
    "similar_text_edges",
    "candidate_probability",
    "shingle_sets",
    "signatures",
]

SIGNAL = "co_similar_text"
#: the posts' columns :func:`similar_text_edges` reads (a large collection's detection reads only these)
POST_COLUMNS = ("post_id", "platform", "account_id", "created_at", "source_file", "source_row", "text", "reshare_of")
#: the steps of :func:`similar_text_edges`, in order (their seconds are in ``info["seconds"]``)
STEPS = ("texts", "shingles", "minhash", "candidates_and_verify", "pairs", "edges")


@dataclass
class SimilarResult:
    """What ``co_similar_text`` found.

    Attributes
    ----------
    edges
        The edges table (exactly the ``EDGES`` columns, ``signal = "co_similar_text"``),
        sorted by account_a, account_b.
    evidence
        The ``EVIDENCE`` table: up to ``detect.evidence_per_edge`` post pairs per edge,
        ``object_id = "sim:<smallest post_id of the near-duplicate group>"``,
        ``delta_s = |Δt|``.
    info
        JSON-serialisable account of the run: texts considered, candidate and verified
        pairs, skipped buckets, crowds, warnings and seconds per phase.
    edge_stats
        Per-edge diagnostics in the columns of :data:`cib.detect.EDGE_STATS`, in the
        order of ``edges``.
    """

    edges: pl.DataFrame
    evidence: pl.DataFrame
    info: dict[str, Any] = field(default_factory=dict)
    edge_stats: pl.DataFrame | None = None


def _post_codes(posts: pl.DataFrame) -> tuple[np.ndarray, pl.Series]:
    # As in cib.detect: posts numbered in sorted order of their ids (ties broken by
    # the other columns), so "smallest post" and evidence order ignore row order.
    keys = [
        c
        for c in ("post_id", "platform", "account_id", "created_at", "source_file", "source_row")
        if c in posts.columns
    ]
    ids = posts.get_column("post_id")
    if ids.null_count() == 0 and ids.n_unique() == ids.len():
        # distinct ids (the usual case, ingest drops repeats) order the posts alone: the other keys
        # never break a tie, and a sort of all six encodes every row first (gigabytes at 10 M posts)
        order = ids.arg_sort().to_numpy()
    else:
        order = posts.select(pl.arg_sort_by(keys, nulls_last=True)).to_series().to_numpy()
    code = np.empty(posts.height, dtype=np.uint32)
    code[order] = np.arange(posts.height, dtype=np.uint32)
    return code, posts.get_column("post_id").gather(order)


# --- the signal -------------------------------------------------------------


def _empty(info: dict[str, Any]) -> SimilarResult:
    return SimilarResult(
        pl.DataFrame(schema=EDGES), pl.DataFrame(schema=EVIDENCE), info, pl.DataFrame(schema=EDGE_STATS)
    )


def _start_info(
    posts: pl.DataFrame, cfg: Config, warnings: list[str], timings: dict[str, float]
) -> dict[str, Any]:
    """The run's info with the settings of the text pairs; ``warnings`` and ``timings`` fill in as it goes."""
    threshold = float(cfg["similar.threshold"])
    bands, rows = int(cfg["similar.bands"]), int(cfg["similar.rows"])
    return {
        "signal": SIGNAL,
        "posts": posts.height,
        "shingle_words": int(cfg["similar.shingle_words"]),
        "threshold": threshold,
        "bands": bands,
        "rows": rows,
        "candidate_probability_at_threshold": round(candidate_probability(threshold, bands, rows), 4),
        "warnings": warnings,
        "seconds": timings,
    }


def _texts(
    posts: pl.DataFrame, cfg: Config, info: dict[str, Any], memo: Memo | None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series, pl.DataFrame, pl.Series]:
    """Step 1: each eligible post's text key, before and after the participation filter.

    The keys are :func:`cib.detect.memo.text_keys`: taken from the collection's
    previous run where it keyed the same text, and shared with ``co_text``.

    Returns
    -------
    traced_all, traced, texts, accounts, post_ids
        ``p, a, tid, t`` per post with a key, before and after the participation
        filter (``tid`` the key's row in ``texts``); the distinct keys with their
        two hashes (``h1, h2, key``, sorted by the hashes); ``account_id, a``; the
        post id of each post code.
    """
    code, post_ids = _post_codes(posts)
    accounts = posts.select(pl.col("account_id").drop_nulls().unique().sort()).with_row_index("a")
    eligible = (
        posts.lazy()
        .with_columns(pl.Series("p", code))
        .filter(
            pl.col("reshare_of").is_null()
            & pl.col("text").is_not_null()
            & pl.col("account_id").is_not_null()
            & pl.col("created_at").is_not_null()
        )
        .select("p", "account_id", "text", pl.col("created_at").cast(TIME).dt.epoch("us").alias("t"))
        .collect()
    )
    keys = text_keys(eligible.get_column("text"), memo).alias("key")
    traced = (
        eligible.lazy()
        .select("p", "account_id", "t", at_least(pl.lit(keys), int(cfg["similar.min_chars"])).alias("key"))
        .filter(pl.col("key").is_not_null())
        .with_columns(*value_ids(pl.col("key")))
        .join(accounts.lazy(), on="account_id")
        .collect()
    )
    # texts are numbered in the order of their keys' hashes (an order of their own, as the keys' is, and
    # a sort of numbers, not of strings); every join below is on these numbers
    texts = traced.select("h1", "h2", "key").unique(["h1", "h2"], keep="first").sort("h1", "h2").with_row_index("tid")
    traced_all = traced.join(texts.select("h1", "h2", "tid"), on=["h1", "h2"]).select("p", "a", "tid", "t")
    min_part = int(cfg["detect.min_participation"])
    kept_lf, shares = participation(traced_all.lazy(), min_part)
    info["posts_with_text_key"] = int(shares.get_column("k").sum()) if shares.height else 0
    info["accounts_dropped_min_participation"] = int(shares.filter(pl.col("k") < min_part).height)
    return traced_all, kept_lf.collect(), texts.drop("tid"), accounts, post_ids


def _verified(
    x1: np.ndarray, jac: np.ndarray, found: dict[str, Any], cfg: Config, info: dict[str, Any], warnings: list[str]
) -> None:
    """What steps 4 and 5 found, into ``info`` and ``warnings``: counts, skipped and crowded buckets, Jaccard."""
    cap = int(cfg["similar.max_bucket"])
    skipped = found["skipped_buckets"]
    info.update(**found, verified_pairs=int(x1.size))
    if skipped["buckets"]:
        warnings.append(
            f"{SIGNAL}: {skipped['buckets']} LSH bucket(s) above {cap} texts were skipped "
            f"({skipped['texts']} text slots)"
        )
    crowded = found["crowded_buckets"]
    if crowded["groups"]:
        warnings.append(
            f"{SIGNAL}: {crowded['groups']} crowded LSH bucket(s) (band, time bucket) of more than "
            f"{crowded['limit'] + 1} texts paired each text with {crowded['limit']} others only "
            f"({crowded['rows']} text slots; similar.max_neighbours)"
        )
    if x1.size:
        info["verified_jaccard"] = {
            "min": round(float(jac.min()), 4),
            "median": round(float(np.median(jac)), 4),
            "mean": round(float(jac.mean()), 4),
        }


def _thinned(
    P: pl.DataFrame, window_us: int, bucket_us: int, cfg: Config, info: dict[str, Any], warnings: list[str]
) -> tuple[pl.LazyFrame, pl.DataFrame]:
    """Crowd handling per distinct text: the posts left (``a, x, p, t, k``) and the crowd texts."""
    limit = int(cfg["detect.max_object_shares_per_window"])
    policy = str(cfg["detect.crowd_policy"])
    per_text = P.lazy().select("a", pl.col("x").alias("o"), "p", "t")
    crowd = crowds(per_text, window_us, limit)
    thinned = thin_crowds(per_text, crowd, limit, policy, int(cfg["run.seed"])).rename({"o": "x"})
    thinned = thinned.with_columns((pl.col("t") // bucket_us).alias("k"))
    info["crowds"] = {
        "limit": limit,
        "policy": policy,
        "texts": crowd.height,
        "pairs_upper_bound": int(crowd["est_pairs"].sum()) if crowd.height else 0,
    }
    if crowd.height:
        warnings.append(f"{SIGNAL}: {crowd.height} text(s) above {limit} posts per window were {policy}ped")
    return thinned, crowd


def _edges(
    ordered: pl.DataFrame,
    tr: pl.DataFrame,
    window_pairs: pl.DataFrame,
    cfg: Config,
    info: dict[str, Any],
    *,
    evidence_order: bool,
    population: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Step 7: the kept edges (in codes), tested against the null model when asked, and their evidence.

    ``population`` is the idf's number of accounts (:func:`cib.detect.edges.aggregate`).
    """
    edges = aggregate(ordered, tr.lazy(), population=population)
    edges = tested_edges(edges, tr, window_pairs if bool(cfg["detect.significance"]) else None, cfg, info)
    edges = keep_edges(edges, cfg, info)
    per_edge = int(cfg["detect.evidence_per_edge"])
    evidence = pick_evidence(ordered, edges, per_edge, evidence_order=evidence_order)
    info["evidence_kept"] = evidence.height
    info["evidence_pairs_total"] = int(edges["n_pairs"].sum())
    return edges, evidence


def similar_text_edges(
    posts: pl.DataFrame,
    cfg: Config,
    *,
    time_resolution_s: float = 1.0,
    progress: Progress | None = None,
    memo: Memo | None = None,
) -> SimilarResult:
    """Edges between accounts that posted near-duplicate texts within ``similar.window``.

    Parameters
    ----------
    posts
        Canonical posts (``POSTS`` schema); originals (``reshare_of`` null) with a text are used.
    cfg
        Effective configuration: ``similar.*``, ``run.seed`` and the shared ``detect.*``
        settings (weight, significance, thresholds, participation, crowds, evidence).
    time_resolution_s
        Coarsest time step of the input; a finer window is widened to it (with a warning).
    progress
        Told each step of :data:`STEPS` as it starts, with the slices of time
        whose candidates are verified counted (:mod:`cib.progress`).
    memo
        A collection's cache (:class:`cib.detect.memo.Memo`): the text keys and
        the slices of time of its previous run that hold the same posts are
        taken from it (:mod:`cib.detect.similar_memo`); the same result.

    Returns
    -------
    SimilarResult
        ``edges`` (EDGES, sorted by account_a, account_b), ``evidence`` (EVIDENCE),
        ``info`` and ``edge_stats``.

    Examples
    --------
    >>> res = similar_text_edges(posts, cfg)  # doctest: +SKIP
    >>> res.edges.filter(pl.col("n_objects") >= 3)  # doctest: +SKIP
    """
    clock = time.perf_counter()
    timings: dict[str, float] = {}

    tell = Teller(progress, "detect", SIGNAL)
    tell(STEPS[0])

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        following = STEPS.index(name) + 1
        if following < len(STEPS):
            tell(STEPS[following])  # the step starting now
        clock = time.perf_counter()

    warnings: list[str] = []
    info = _start_info(posts, cfg, warnings, timings)
    used = resolve_window(SIGNAL, cfg["similar.window"], time_resolution_s)
    used.record(info)
    warnings.extend(used.warnings)
    window_us = int(round(used.seconds * 1e6))
    bucket_us = max(window_us, 1)

    # 1. texts ---------------------------------------------------------------
    if posts.height == 0:
        return _empty(info)
    traced_all, traced, texts, accounts, post_ids = _texts(posts, cfg, info, memo)
    del posts  # a caller that handed over the only reference lets the posts go for the steps below
    lap("texts")

    # 2-5. shingles, MinHash, LSH candidates and their verification, slice of time by slice ----------
    P, x1, x2, found, n_texts = text_pairs(traced_all, traced, texts, cfg, bucket_us, info, tell, lap, memo)
    del traced_all, traced
    if n_texts == 0:
        return _empty(info)
    _verified(x1, found.pop("jaccard"), found, cfg, info, warnings)
    lap("candidates_and_verify")

    # 6. groups, crowds, post pairs ---------------------------------------------
    obj = text_groups(x1, x2, n_texts, P, info)
    thinned, crowd = _thinned(P, window_us, bucket_us, cfg, info, warnings)
    population = max(accounts.height, int(cfg["detect.reference_accounts"]))
    plan = pair_plan(x1, x2, obj, thinned, int(cfg["detect.max_pairs_in_memory"]))
    if plan is not None:
        # 6-7 with the pairs on disk in shards of account pairs (cib.detect.shards): the same edges
        with spilled(plan[0]) as spill:
            window_pairs, lookup = spill_pairs(spill, x1, x2, obj, thinned, crowd, window_us, plan[1], info)
            info["pair_shards"] = plan[0]
            lap("pairs")
            if spill.pairs == 0:
                info.update(edges_found=0, edges_kept=0, evidence_kept=0)
                return _empty(info)
            tr = P.select("a", pl.col("x"), "p", "t").join(lookup.collect(), on="x").drop("x")
            null = window_pairs if bool(cfg["detect.significance"]) else None
            edges, evidence = spill_edges(spill, tr, len(post_ids), null, cfg, info, lambda _: None, True, population)
        info["evidence_kept"] = evidence.height
        info["evidence_pairs_total"] = int(edges["n_pairs"].sum())
    else:
        pairs, window_pairs, lookup = post_pairs(x1, x2, obj, thinned, crowd, window_us, info)
        lap("pairs")
        if pairs.height == 0:
            info.update(edges_found=0, edges_kept=0, evidence_kept=0)
            return _empty(info)

        # 7. edges -----------------------------------------------------------------
        tr = P.select("a", pl.col("x"), "p", "t").join(lookup.collect(), on="x").drop("x")
        # With the significance filter few edges survive: their evidence is ordered then, not every pair now.
        in_order = not bool(cfg["detect.significance"])
        ordered = order_pairs(pairs, evidence_order=in_order)
        del pairs
        edges, evidence = _edges(ordered, tr, window_pairs, cfg, info, evidence_order=in_order, population=population)
    out = _decode(edges, evidence, accounts, post_ids)
    lap("edges")
    info["seconds_total"] = round(sum(timings.values()), 3)
    return SimilarResult(*out[:2], info, out[2])


def _decode(
    edges: pl.DataFrame, evidence: pl.DataFrame, accounts: pl.DataFrame, post_ids: pl.Series
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    ev = evidence.with_columns(
        ("sim:" + post_ids.gather(evidence["o"])).alias("object_id"),
        post_ids.gather(evidence["pa"]).alias("post_a"),
        post_ids.gather(evidence["pb"]).alias("post_b"),
    )
    return name_edges(SIGNAL, edges, ev, accounts)
