"""The windowed co-occurrence plan on Apache Spark (``detect.engine = "spark"``).

The same plan as :mod:`cib.detect.window`, :mod:`cib.detect.edges` and
:mod:`cib.detect.evidence`, step for step, as Spark DataFrame plans over the
same integer codes (docs/scale.md describes it once for both engines):

1. bucket every share by ``k = floor(t / window)``; equi-join shares on
   (object, k) and on (object, k) = (object, k' + 1); keep ``|Δt| ≤ window``
   and orient each pair so that ``a < b`` (:func:`co_occurrences`);
2. count the pairs within the window per object, one account's own pairs
   included: the null model's ``P`` (:func:`window_pair_counts`);
3. with ``detect.participation_filter = "coortweet"``, CooRTweet's active
   accounts for its second pass (:func:`active_accounts`; the pass itself keeps
   the edges of an active account, on the driver);
4. aggregate per account pair: ``n_pairs``, ``n_objects``, the distinct
   posts of each side, first and last share, fastest and summed ``Δt``, the
   lowest object, and the sum of the objects' fixed-point ``idf²``
   (:func:`edge_sums`);
5. rank each edge's pairs in the evidence order (``Δt, o, pa, pb``) and keep
   the first ``detect.evidence_per_edge`` (:func:`evidence_candidates`).

Everything quadratic (pairs of shares, their aggregation and ranking) runs
distributed. What comes back to the driver is linear in edges and objects:
the edge sums, the capped evidence, the window pairs per object. The
per-edge statistics are then computed once, by the functions the Polars
engine calls (:func:`cib.detect.edges.edge_figures`,
:func:`cib.detect.significance.tested_edges`,
:func:`cib.detect.edges.keep_edges`). Every sum on the cluster is a sum of
integers, so the tables do not depend on the partitioning.

PySpark is an optional dependency (``pip install 'cib[spark]'``); it is
imported only when the Spark engine runs.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.detect.edges import DAY_US, edge_figures
from cib.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from cib.config import Config

__all__ = [
    "spark_session",
    "master_of",
    "to_spark",
    "co_occurrences",
    "window_pair_counts",
    "active_accounts",
    "edge_sums",
    "evidence_candidates",
    "spark_edges",
    "engine_info",
]

#: settings cib chooses unless ``detect.spark.conf`` says otherwise
_DEFAULTS = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.memory": "2g",
    "spark.sql.session.timeZone": "UTC",
}
#: shuffle partitions on one machine: Spark's 200 are tiny tasks there
_LOCAL_PARTITIONS = "8"


def master_of(cfg: Config) -> str | None:
    """The Spark master: ``detect.spark.master``, else ``$SPARK_MASTER``, else ``local[*]``.

    ``None`` when ``spark-submit`` (or a notebook's cluster) already chose one,
    which then stands.
    """
    master = str(cfg["detect.spark.master"] or os.environ.get("SPARK_MASTER", "")).strip()
    if master:
        return master
    if os.environ.get("PYSPARK_GATEWAY_PORT") or os.environ.get("DATABRICKS_RUNTIME_VERSION"):
        return None
    return "local[*]"


def spark_session(cfg: Config) -> SparkSession:
    """The Spark session detection runs on (an active one is reused as it is).

    Raises
    ------
    ConfigError
        When PySpark is not installed.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(
            "detect.engine = spark: PySpark is not installed",
            hint="pip install 'cib[spark]' (PySpark 4 and Java 17), or use --engine polars",
        ) from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    builder = SparkSession.builder.appName("cib detect")
    master = master_of(cfg)
    conf = dict(_DEFAULTS)
    if master is not None:
        builder = builder.master(master)
        if master.startswith("local"):
            conf["spark.sql.shuffle.partitions"] = _LOCAL_PARTITIONS
    conf.update({str(k): str(v) for k, v in dict(cfg["detect.spark.conf"]).items()})
    for key, value in sorted(conf.items()):
        builder = builder.config(key, value)
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # the JVM did not start: Spark says why in its own words
        raise ConfigError(
            f"detect.engine = spark: Spark did not start at {master or 'the submitted master'}: {str(exc).strip()[:300]}",
            hint="Spark 4 needs a Java 17 runtime (java -version); or use --engine polars",
        ) from exc
    spark.sparkContext.setLogLevel("ERROR")  # its warnings are about itself, not the data
    return spark


def to_spark(spark: SparkSession, frame: pl.DataFrame) -> DataFrame:
    """A Polars frame of integer columns as a Spark DataFrame (64-bit: Spark has no unsigned types)."""
    signed = frame.cast({c: pl.Int64 for c in frame.columns})
    return spark.createDataFrame(signed.to_arrow())


def _to_polars(df: DataFrame, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    table = df.toArrow()
    if table.num_rows == 0:
        return pl.DataFrame(schema=schema)
    return pl.from_arrow(table).select(list(schema)).cast(schema)  # type: ignore[union-attr, arg-type]


def _floor_div(column: str, width: int) -> str:
    """``floor(column / width)`` in Spark SQL integers, as Polars' and numpy's ``//`` give it.

    Spark's ``div`` truncates towards zero (-1 div 10 = 0); ``pmod`` is never
    negative, so subtracting it first makes the quotient the floor for any sign
    (times before 1970 are negative).
    """
    return f"({column} - pmod({column}, {width})) div {width}"


def _buckets(tr: DataFrame, window_us: int) -> DataFrame:
    from pyspark.sql import functions as F

    return tr.select("a", "o", "p", "t", F.expr(_floor_div("t", max(window_us, 1))).alias("k"))


def co_occurrences(tr: DataFrame, window_us: int) -> DataFrame:
    """Every pair of shares of one object at most ``window_us`` apart, by two accounts.

    The plan of :func:`cib.detect.window.co_occurrences`: ``a, b, o, pa, pb, ta, tb``
    with ``a < b``, each unordered pair of shares once.
    """
    from pyspark.sql import functions as F

    base = _buckets(tr, window_us)
    left = base.select("o", "k", F.col("a").alias("a1"), F.col("p").alias("p1"), F.col("t").alias("t1"))
    right = base.select("o", "k", F.col("a").alias("a2"), F.col("p").alias("p2"), F.col("t").alias("t2"))
    within = F.abs(F.col("t1") - F.col("t2")) <= window_us
    same = left.join(right, ["o", "k"]).where((F.col("a1") < F.col("a2")) & within)
    nxt = (
        left.withColumn("k", F.col("k") + 1)
        .join(right, ["o", "k"])
        .where((F.col("a1") != F.col("a2")) & within)
    )
    swap = F.col("a1") > F.col("a2")

    def side(first: str, second: str) -> Any:
        return F.when(swap, F.col(second)).otherwise(F.col(first))

    cols = [
        F.least("a1", "a2").alias("a"),
        F.greatest("a1", "a2").alias("b"),
        F.col("o"),
        side("p1", "p2").alias("pa"),
        side("p2", "p1").alias("pb"),
        side("t1", "t2").alias("ta"),
        side("t2", "t1").alias("tb"),
    ]
    return same.select(cols).unionByName(nxt.select(cols))


def _self_pairs(tr: DataFrame, window_us: int) -> DataFrame:
    """``o, n``: pairs of one account's own shares of an object within the window (:func:`cib.detect.window.self_pairs_per_object`)."""
    from pyspark.sql import functions as F

    base = _buckets(tr, window_us)
    left = base.select("a", "o", "k", F.col("p").alias("p1"), F.col("t").alias("t1"))
    right = base.select("a", "o", "k", F.col("p").alias("p2"), F.col("t").alias("t2"))
    within = F.abs(F.col("t1") - F.col("t2")) <= window_us
    same = left.join(right, ["a", "o", "k"]).where((F.col("p1") < F.col("p2")) & within)
    nxt = left.withColumn("k", F.col("k") + 1).join(right, ["a", "o", "k"]).where(within)
    return same.select("o").unionByName(nxt.select("o")).groupBy("o").agg(F.count(F.lit(1)).alias("n"))


def window_pair_counts(pairs: DataFrame, tr: DataFrame, window_us: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Pairs within the window per object: of two accounts (``pairs``) and of one account's own shares.

    Returns
    -------
    between, own
        ``o, n`` each, sorted by ``o`` (objects without pairs are absent).
    """
    from pyspark.sql import functions as F

    schema = {"own": pl.Boolean(), "o": pl.UInt32(), "n": pl.Int64()}
    between = pairs.groupBy("o").agg(F.count(F.lit(1)).alias("n")).select(F.lit(False).alias("own"), "o", "n")
    own = _self_pairs(tr, window_us).select(F.lit(True).alias("own"), "o", "n")
    both = _to_polars(between.unionByName(own), schema).sort("o")  # one job for both
    return tuple(both.filter(pl.col("own") == kind).drop("own") for kind in (False, True))  # type: ignore[return-value]


def active_accounts(pairs: DataFrame, tr: DataFrame, min_participation: int) -> pl.Series:
    """CooRTweet's active accounts: at least ``min_participation`` traces in a co-occurring pair.

    The second pass (:func:`cib.detect.edges.coortweet_second_pass`) keeps a
    pair when either account is active: a test on the pair's accounts alone,
    so it is applied to the edges, on the driver.
    """
    from pyspark.sql import functions as F

    posts = pairs.select(F.col("pa").alias("p")).unionByName(pairs.select(F.col("pb").alias("p"))).distinct()
    active = (
        tr.join(posts, "p", "left_semi")
        .groupBy("a")
        .agg(F.count(F.lit(1)).alias("n"))
        .where(F.col("n") >= min_participation)
        .select("a")
    )
    return _to_polars(active, {"a": pl.UInt32()}).get_column("a")


def edge_sums(pairs: DataFrame, idf2: DataFrame | None) -> DataFrame:
    """One row per edge ``a < b``: the counts, extremes and sums its figures are made of.

    ``idf2`` (``o, idf2``: fixed-point integers) gives ``dot``, the TF-IDF
    numerator; without it ``dot`` is null.
    """
    from pyspark.sql import functions as F

    if idf2 is not None:
        pairs = pairs.join(F.broadcast(idf2), "o", "left")
    dot = F.sum(F.coalesce(F.col("idf2"), F.lit(0))) if idf2 is not None else F.lit(None).cast("long")
    delta = F.abs(F.col("ta") - F.col("tb"))
    return pairs.groupBy("a", "b").agg(
        F.count(F.lit(1)).alias("n_pairs"),
        F.countDistinct("o").alias("n_objects"),
        F.countDistinct("pa").alias("n_posts_a"),
        F.countDistinct("pb").alias("n_posts_b"),
        F.min(F.least("ta", "tb")).alias("first_us"),
        F.max(F.greatest("ta", "tb")).alias("last_us"),
        F.min(delta).alias("min_delta_us"),
        F.sum(delta).alias("sum_delta_us"),
        F.min("o").alias("min_object"),
        F.countDistinct(F.expr(_floor_div("least(ta, tb)", DAY_US))).alias("n_days"),
        dot.alias("dot"),
    )


def evidence_candidates(pairs: DataFrame, per_edge: int) -> DataFrame:
    """Each edge's first ``per_edge`` pairs in the evidence order ``Δt, o, pa, pb`` (:mod:`cib.detect.evidence`)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    ranked = pairs.withColumn("delta_us", F.abs(F.col("ta") - F.col("tb")))
    order = Window.partitionBy("a", "b").orderBy("delta_us", "o", "pa", "pb")
    return ranked.withColumn("_rank", F.row_number().over(order)).where(F.col("_rank") <= per_edge)


_SUMS = {
    "a": pl.UInt32(),
    "b": pl.UInt32(),
    "n_pairs": pl.Int64(),
    "n_objects": pl.UInt32(),
    "n_posts_a": pl.UInt32(),
    "n_posts_b": pl.UInt32(),
    "first_us": pl.Int64(),
    "last_us": pl.Int64(),
    "min_delta_us": pl.Int64(),
    "sum_delta_us": pl.Int64(),
    "min_object": pl.UInt32(),
    "n_days": pl.UInt32(),
    "dot": pl.Int64(),
}
_EVIDENCE = {
    "a": pl.UInt32(),
    "b": pl.UInt32(),
    "o": pl.UInt32(),
    "pa": pl.UInt32(),
    "pb": pl.UInt32(),
    "delta_us": pl.Int64(),
}


def spark_edges(
    spark: SparkSession,
    thinned: pl.DataFrame,
    kept: pl.DataFrame,
    window_us: int,
    cfg: Config,
    info: dict[str, Any],
    *,
    tfidf: bool,
    population: int,
) -> tuple[pl.DataFrame, pl.DataFrame, tuple[pl.DataFrame, pl.DataFrame] | None]:
    """One signal's edges (as :func:`cib.detect.edges.aggregate` gives them), evidence candidates and window pairs.

    Parameters
    ----------
    spark
        The session.
    thinned
        The traces to pair (``a, o, p, t``), crowds handled.
    kept
        The traces after the participation filter (for the second pass and the idf).
    window_us
        The window in microseconds.
    cfg
        Effective configuration.
    info
        The signal's info; receives ``pairs`` (and the second pass's drops).
    tfidf, population
        As for :func:`cib.detect.edges.aggregate`.

    Returns
    -------
    edges, evidence, window_pairs
        Edges sorted by ``a, b`` (with ``edge``), each edge's first
        ``detect.evidence_per_edge`` pairs in evidence order, and the pairs
        within the window per object (between accounts, own) when
        ``detect.significance`` is on.
    """
    tr = to_spark(spark, thinned.select("a", "o", "p", "t"))
    pairs = co_occurrences(tr, window_us).persist()
    try:
        counts = window_pair_counts(pairs, tr, window_us) if cfg["detect.significance"] else None
        active = None
        if cfg["detect.participation_filter"] == "coortweet":
            min_part = int(cfg["detect.min_participation"])
            active = active_accounts(pairs, to_spark(spark, kept.select("a", "p")), min_part)
        idf2, norms = None, None
        if tfidf:
            from cib.detect.edges import idf_and_norms

            weights, norms = idf_and_norms(kept.lazy(), population)
            objects = pl.DataFrame(
                {"o": range(weights.size), "idf2": weights}, schema={"o": pl.Int64, "idf2": pl.Int64}
            )
            idf2 = spark.createDataFrame(objects.to_arrow())
        sums = _to_polars(edge_sums(pairs, idf2), _SUMS).sort("a", "b")
        per_edge = int(cfg["detect.evidence_per_edge"])
        evidence = (
            _to_polars(evidence_candidates(pairs, per_edge).select(*_EVIDENCE), _EVIDENCE)
            if per_edge > 0 and sums.height
            else pl.DataFrame(schema=_EVIDENCE)
        )
    except BaseException:
        # a job that failed (a heap too small) may have stopped the context, and unpersist then
        # fails too: the job's own error is the one to see
        with contextlib.suppress(Exception):
            pairs.unpersist()
        raise
    pairs.unpersist()
    if active is not None:
        before = int(sums.get_column("n_pairs").sum())
        sums = sums.filter(pl.col("a").is_in(active.implode()) | pl.col("b").is_in(active.implode()))
        info["pairs_dropped_second_pass"] = before - int(sums.get_column("n_pairs").sum())
    info["pairs"] = int(sums.get_column("n_pairs").sum())
    edges = edge_figures(sums, norms)
    return edges, evidence.sort("a", "b", "delta_us", "o", "pa", "pb"), counts


def engine_info(spark: SparkSession, local_signals: list[str]) -> dict[str, Any]:
    """What ran where, for the manifest: the master, the Spark version, and the steps on each side."""
    return {
        "name": "spark",
        "master": spark.sparkContext.master,
        "spark_version": spark.version,
        "shuffle_partitions": spark.conf.get("spark.sql.shuffle.partitions"),
        "on_spark": [
            "pairs of shares within the window per object",
            "window pairs per object (null model's P)",
            "coortweet active accounts (second pass)",
            "edge sums: n_pairs, n_objects, posts per side, times, idf² sums",
            "evidence ranking, capped per edge",
        ],
        "on_driver": [
            "traces and integer codes",
            "participation filter and crowd objects",
            "idf and account norms",
            "coortweet second pass on the edges",
            "null model, p-values, Benjamini-Hochberg, thresholds",
        ],
        "signals_run_locally": local_signals,
    }
