"""The detection engine: every windowed signal, from traces to edges and evidence.

For each signal in ``detect.signals``: build traces (:mod:`.traces`), choose
the window (configured, or estimated with ``"auto"`` by :mod:`.resolve`;
widened to the data's time resolution when finer), drop accounts below
``detect.min_participation``, set crowd objects aside (:mod:`.window`), pair
shares within the window, aggregate edges (:mod:`.edges`), test them against
the null model (:mod:`.significance`), threshold, and keep a capped sample of
evidence for the edges that survive.

Internally accounts, objects and posts are integer codes (:mod:`.codes`), so
the pair frames stay small and the result does not depend on row order.

With ``detect.engine = "spark"`` the pairing, the edge sums and the evidence
ranking run on Apache Spark (:mod:`.spark`) and the rest here, by the same
functions: the same tables either way (docs/scale.md).
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from cib.detect.codes import POST_KEYS, PostIds, account_codes, encode_objects, post_codes
from cib.detect.edges import (
    EDGE_STATS,
    keep_edges,
    name_edges,
    participation,
)
from cib.detect.paired import in_memory, window_pairs
from cib.detect.resolve import estimate_window, resolve_window
from cib.detect.reuse import PairCache
from cib.detect.shards import pair_budget, sharded
from cib.detect.significance import tested_edges
from cib.detect.traces import SIGNALS, signal_traces, traces_key
from cib.detect.window import crowds, thin_crowds
from cib.errors import ConfigError
from cib.progress import Progress, Teller
from cib.schema import EDGES, EVIDENCE
from cib.signals import ALL, ENGINES

if TYPE_CHECKING:
    from cib.config import Config
    from cib.detect.memo import Memo

__all__ = ["detect", "DetectResult", "insert_signal"]


_SORT = ["signal", "account_a", "account_b"]
_NO_CODES = np.zeros(0, dtype=np.uint32)


@dataclass
class DetectResult:
    """What detection found.

    Attributes
    ----------
    edges
        The edges table (exactly the ``EDGES`` columns), sorted by signal, account_a, account_b.
    evidence
        The ``EVIDENCE`` table: up to ``detect.evidence_per_edge`` co-occurring post
        pairs per edge (``post_a`` is ``account_a``'s post; ``delta_s`` = ``|Δt|``).
    info
        JSON-ready account of what was done: windows used, widened windows, crowd
        objects, participation drops, evidence kept versus total, warnings.
    edge_stats
        Per-edge diagnostics (:data:`EDGE_STATS`), in the order of ``edges``;
        empty when :func:`detect` was asked not to keep them.
    """

    edges: pl.DataFrame
    evidence: pl.DataFrame
    info: dict[str, Any] = field(default_factory=dict)
    edge_stats: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=EDGE_STATS))


class _Clock:
    """Seconds spent in each step of a signal, into ``info["seconds"]`` (for the manifest's timings).

    Each step of :attr:`STEPS` is told as it starts: the first at once, the next
    when the clock is read at the end of one.
    """

    STEPS = ("traces", "filters", "pairs", "edges", "significance", "evidence")

    def __init__(self, info: dict, tell: Teller) -> None:
        self.info = info.setdefault("seconds", {})
        self.tell = tell
        tell(self.STEPS[0])
        self.last = time.perf_counter()

    def __call__(self, step: str) -> None:
        now = time.perf_counter()
        self.info[step] = round(now - self.last, 3)
        following = self.STEPS.index(step) + 1
        if following < len(self.STEPS):
            self.tell(self.STEPS[following])
        self.last = time.perf_counter()


def _signals(cfg: Config) -> tuple[list[str], list[str]]:
    wanted = [str(s) for s in cfg["detect.signals"]]
    unknown = [s for s in wanted if s not in SIGNALS and s not in ENGINES]
    if unknown:
        raise ConfigError(
            f"detect.signals: unknown signal {', '.join(unknown)}",
            hint=f"choose among {', '.join(ALL)}",
        )
    run = [s for s in SIGNALS if s in wanted]
    return run, [s for s in wanted if s in ENGINES]


def _empty_parts() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    return pl.DataFrame(schema=EDGES), pl.DataFrame(schema=EVIDENCE), pl.DataFrame(schema=EDGE_STATS)


def _window(sig: str, tr: pl.DataFrame, cfg: Config, resolution: float, info: dict, warnings: list[str]) -> float:
    def estimate() -> tuple[float | None, dict]:
        return estimate_window(tr.lazy(), q=cfg["detect.auto_window.q"], p=cfg["detect.auto_window.p"])

    used = resolve_window(sig, cfg[f"detect.{sig}.window"], resolution, estimate)
    used.record(info)
    warnings.extend(used.warnings)
    return used.seconds


def _traces(
    sig: str, posts: pl.LazyFrame, cfg: Config, cache: PairCache | None, memo: Memo | None = None
) -> tuple[int, pl.DataFrame | None, pl.DataFrame | None]:
    """How many traces the signal has, its traces ``a, o, p, t`` and its objects (``None`` without traces)."""

    def traced() -> tuple[int, pl.DataFrame | None, pl.DataFrame | None]:
        raw = signal_traces(posts, sig, cfg, memo).collect()
        return (raw.height, *encode_objects(raw)) if raw.height else (0, None, None)

    return cache.get_traces(traces_key(sig, cfg), traced) if cache else traced()


def _participants(tr: pl.DataFrame, objects: pl.DataFrame, cfg: Config, info: dict) -> pl.DataFrame:
    """The traces of accounts with at least ``detect.min_participation`` traces; drops go into ``info``."""
    min_part = int(cfg["detect.min_participation"])
    kept_lf, shares = participation(tr.lazy(), min_part)
    kept = kept_lf.collect()
    dropped = shares.filter(pl.col("k") < min_part)
    info.update(
        accounts=shares.height,
        objects=objects.height,
        min_participation=min_part,
        accounts_dropped_min_participation=dropped.height,
        traces_dropped_min_participation=int(dropped["k"].sum()),
    )
    return kept


def _set_crowds_aside(
    sig: str,
    kept: pl.DataFrame,
    objects: pl.DataFrame,
    window_us: int,
    cfg: Config,
    info: dict,
    warnings: list[str],
) -> tuple[pl.DataFrame, pl.LazyFrame]:
    """The crowd objects (above ``detect.max_object_shares_per_window``) and the traces once they are handled.

    The crowds, with the densest ten as examples, go into ``info`` and a warning.
    """
    limit = int(cfg["detect.max_object_shares_per_window"])
    policy = cfg["detect.crowd_policy"]
    crowd = crowds(kept.lazy(), window_us, limit)
    if crowd.height:
        top = crowd.sort(["densest", "o"], descending=[True, False]).head(10).join(objects, on="o", maintain_order="left")
        warnings.append(f"{sig}: {crowd.height} crowd object(s) above {limit} shares per window were {policy}ped")
    info["crowds"] = {
        "limit": limit,
        "policy": policy,
        "objects": crowd.height,
        "shares": int(kept.join(crowd.select("o"), on="o", how="semi").height) if crowd.height else 0,
        "pairs_upper_bound": int(crowd["est_pairs"].sum()) if crowd.height else 0,
        "examples": [
            {"object_id": o, "densest_window_shares": int(d)} for o, d in top.select("object_id", "densest").iter_rows()
        ]
        if crowd.height
        else [],
    }
    return crowd, thin_crowds(kept.lazy(), crowd, limit, policy, int(cfg["run.seed"]))


def _run_signal(
    sig: str,
    posts: pl.LazyFrame,
    post_ids: PostIds,
    accounts: pl.DataFrame,
    cfg: Config,
    resolution: float,
    warnings: list[str],
    cache: PairCache | None,
    stats: bool,
    tell: Teller,
    spark: Any = None,
    memo: Memo | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame, dict, np.ndarray]:
    """One signal's edges, evidence, edge stats and info, and the account codes in its kept edges.

    With a Spark session the pairs are made, aggregated and ranked on Spark (:func:`_on_spark`).
    """
    info: dict[str, Any] = {"min_days": int(cfg[f"detect.{sig}.min_days"])}  # read by keep_edges
    clock = _Clock(info, tell)
    n_traces, tr, objects = _traces(sig, posts, cfg, cache, memo)
    clock("traces")
    info["traces"] = n_traces
    if tr is None or objects is None:
        info["window_s"] = None
        return (*_empty_parts(), info, _NO_CODES)
    window = _window(sig, tr, cfg, resolution, info, warnings)
    window_us = int(round(window * 1e6))
    kept = _participants(tr, objects, cfg, info)
    crowd, thinned = _set_crowds_aside(sig, kept, objects, window_us, cfg, info, warnings)
    clock("filters")
    population = max(accounts.height, int(cfg["detect.reference_accounts"]))
    tfidf = stats or cfg["detect.weight"] == "tfidf"
    plan = None
    if spark is None and cache is None and not stats and cfg["detect.participation_filter"] != "coortweet":
        plan = pair_budget(thinned, window_us, int(cfg["detect.max_pairs_in_memory"]))
    if spark is not None:
        found = _on_spark(spark, kept, thinned.collect(), crowd, window_us, cfg, info, clock, tfidf, population)
    elif plan is None:
        found = in_memory(sig, kept, crowd, thinned, window, cfg, cache, info, clock, tfidf, population)
    else:
        found = sharded(kept, thinned, objects.height, window_us, plan, cfg, info, clock, tfidf, population, crowd)
    if found is None:
        info.update(edges_found=0, edges_kept=0, evidence_kept=0, evidence_pairs_total=0)
        return (*_empty_parts(), info, _NO_CODES)
    edges, evidence = found
    info["evidence_kept"] = evidence.height
    info["evidence_pairs_total"] = int(edges["n_pairs"].sum())
    out = _decode(sig, edges, evidence, accounts, objects, post_ids, stats=stats)
    clock("evidence")
    # the account codes in kept edges: the manifest's count of accounts without a pass over their ids
    return (*out, info, np.concatenate([edges.get_column("a").to_numpy(), edges.get_column("b").to_numpy()]))


def _on_spark(
    spark: Any,
    kept: pl.DataFrame,
    thinned: pl.DataFrame,
    crowd: pl.DataFrame,
    window_us: int,
    cfg: Config,
    info: dict[str, Any],
    clock: _Clock,
    tfidf: bool,
    population: int,
) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """A signal's kept edges and evidence (in codes), the pairs made, summed and ranked on Spark; ``None`` without pairs.

    The per-edge statistics, the null model and the thresholds are the Polars
    engine's own functions, run on the edges Spark returns (:mod:`cib.detect.spark`).
    """
    from cib.detect.spark import spark_edges

    edges, candidates, counts = spark_edges(spark, thinned, kept, window_us, cfg, info, tfidf=tfidf, population=population)
    null_pairs = window_pairs(*counts, crowd, info) if counts is not None else None
    clock("pairs")  # one Spark job makes the pairs and aggregates them
    if info["pairs"] == 0:
        return None
    clock("edges")
    edges = keep_edges(tested_edges(edges, kept, null_pairs, cfg, info), cfg, info)
    clock("significance")
    evidence = candidates.join(edges.select("a", "b"), on=["a", "b"], how="semi").sort(
        "a", "b", "delta_us", "o", "pa", "pb"
    )
    return edges, evidence


def _decode(
    sig: str,
    edges: pl.DataFrame,
    evidence: pl.DataFrame,
    accounts: pl.DataFrame,
    objects: pl.DataFrame,
    post_ids: PostIds,
    *,
    stats: bool,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    # Series from the evidence itself, before any join, so they line up with its rows.
    # Codes index their lookups (objects are numbered 0..n-1): gathers keep the evidence's order.
    ev = evidence.with_columns(
        post_ids.of(evidence["pa"]).alias("post_a"),
        post_ids.of(evidence["pb"]).alias("post_b"),
        objects.sort("o").get_column("object_id").gather(evidence["o"]).alias("object_id"),
    )
    return name_edges(sig, edges, ev, accounts, stats=stats)


def _with_codes(posts: pl.DataFrame | pl.LazyFrame, post: np.ndarray, account: pl.Series) -> pl.LazyFrame:
    """The posts (lazy) with each one's post code ``_p`` and account code ``_a`` beside it."""
    if isinstance(posts, pl.DataFrame):
        return posts.lazy().with_columns(pl.Series("_p", post), account.alias("_a"))
    # a scan: the codes are gathered by row number, so a filter is never pushed beneath them
    row = pl.col("__row")
    return (
        posts.with_row_index("__row")
        .with_columns(pl.lit(pl.Series("_p", post)).gather(row).alias("_p"), pl.lit(account).gather(row).alias("_a"))
        .drop("__row")
    )


def detect(
    posts: pl.DataFrame | pl.LazyFrame,
    cfg: Config,
    *,
    time_resolution_s: float = 1.0,
    cache: PairCache | None = None,
    edge_stats: bool = True,
    progress: Progress | None = None,
    memo: Memo | None = None,
) -> DetectResult:
    """Find coordination edges between accounts, signal by signal.

    Parameters
    ----------
    posts
        Canonical posts (``POSTS`` schema), or a scan of them (``posts.parquet``):
        then the posts are never all in memory, each signal reads its columns.
    cfg
        Effective configuration (``detect.*``, ``run.seed``).
    time_resolution_s
        The coarsest time step of the input (60 for minute-resolution sources);
        windows finer than it are widened, with a warning in ``info``.
    cache
        Traces and pairs shared with other detections of the same ``posts``
        (:class:`~cib.detect.reuse.PairCache`, a sweep's); the result is the
        same with or without it.
    edge_stats
        Keep the per-edge diagnostics (``DetectResult.edge_stats``). The
        pipeline writes none of them: without them a run holds one table of
        every edge fewer (ten columns, three of them strings).
    progress
        Told each signal's steps as it starts them, and when it is done
        (:mod:`cib.progress`; from the threads the signals run on).
    memo
        A collection's cache (:class:`~cib.detect.memo.Memo`): the text keys and
        canonical URLs of its previous run are taken from it, and this run's
        kept; the result is the same with or without it.

    Returns
    -------
    DetectResult

    Raises
    ------
    ConfigError
        For an unknown signal name.
    """
    run, elsewhere = _signals(cfg)
    scan = posts if isinstance(posts, pl.LazyFrame) else None
    base = posts if scan is None else scan.select(c for c in POST_KEYS if c in scan.collect_schema().names()).collect()
    n_posts = base.height
    warnings: list[str] = []
    info: dict[str, Any] = {
        "posts": n_posts,
        "time_resolution_s": float(time_resolution_s),
        "signals_run": run,
        "signals": {},
        "windows_s": {},
        "warnings": warnings,
    }
    if elsewhere:
        info["signals_not_in_this_stage"] = elsewhere
    spark = None
    if cfg["detect.engine"] == "spark" and n_posts and run:
        from cib.detect.spark import engine_info, spark_session

        spark = spark_session(cfg)
        info["engine"] = engine_info(spark, elsewhere)
    else:
        info["engine"] = {"name": "polars"}
    edges, evidence, stats = [], [], []
    in_edges = 0
    if n_posts:
        # Post codes and account codes are independent: one on a thread beside the other.
        with ThreadPoolExecutor(max_workers=1) as side:
            numbered = side.submit(post_codes, base, scan)
            accounts, codes = account_codes(base)
            pcodes, post_ids = numbered.result()
        lf = _with_codes(posts, pcodes, codes)
        del codes, pcodes, base

        def one(sig: str) -> tuple:
            said: list[str] = []
            tell = Teller(progress, "detect", sig)
            out = _run_signal(
                sig, lf, post_ids, accounts, cfg, float(time_resolution_s), said, cache, edge_stats, tell, spark, memo
            )
            tell.finished()
            return (*out, said)

        # Signals are independent, and Polars and numpy let go of the GIL: two at a time keep
        # both cores busy through each one's single-threaded steps. Results are taken in
        # signal order, so nothing depends on which finishes first.
        with ThreadPoolExecutor(max_workers=max(1, int(cfg["detect.threads"]))) as pool:
            results = list(pool.map(one, run))
        used = np.zeros(accounts.height, dtype=bool)
        for sig, (e, ev, st, sinfo, codes_used, said) in zip(run, results, strict=True):
            used[codes_used] = True
            edges.append(e)
            evidence.append(ev)
            stats.append(st)
            warnings.extend(said)
            info["signals"][sig] = sinfo
            info["windows_s"][sig] = sinfo.get("window_s")
        in_edges = int(used.sum())
    e0, ev0, st0 = _empty_parts()
    # Each signal's rows are in (account_a, account_b) order already: concatenated in
    # signal-name order they are sorted by _SORT without a sort of millions of strings.
    by_name = sorted(range(len(edges)), key=lambda i: run[i])
    out_edges = pl.concat([e0, *(edges[i] for i in by_name)])
    out_stats = pl.concat([st0, *(stats[i] for i in by_name)])
    out_evidence = pl.concat([ev0, *evidence])
    info["edges"] = out_edges.height
    info["accounts_in_edges"] = in_edges
    info["evidence_kept"] = out_evidence.height
    info["evidence_pairs_total"] = int(out_edges["n_pairs"].sum())
    info["evidence_per_edge"] = int(cfg["detect.evidence_per_edge"])
    return DetectResult(out_edges, out_evidence, info, out_stats)


def insert_signal(edges: pl.DataFrame, more: pl.DataFrame) -> pl.DataFrame:
    """``edges`` (sorted by signal, account_a, account_b) with one more signal's edges in their place.

    Equal to concatenating and sorting again, without a sort of millions of strings.
    """
    if more.height == 0:
        return edges
    more = more.cast(edges.schema).sort(["account_a", "account_b"])  # type: ignore[arg-type]
    signals = more.get_column("signal").unique()
    if signals.len() != 1:
        return pl.concat([edges, more]).sort(_SORT)
    cut = edges.get_column("signal").search_sorted(signals[0], side="left")
    return pl.concat([edges.slice(0, int(cut)), more, edges.slice(int(cut))])  # type: ignore[arg-type]
