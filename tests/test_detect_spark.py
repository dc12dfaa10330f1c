"""The Spark engine gives the Polars engine's tables, row for row.

Every test runs both engines on the same posts and compares every column of
edges, evidence and edge diagnostics (integers and strings exactly, floats
within 1e-9). Skipped only where PySpark is not installed; CI installs it.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import typer
from polars.testing import assert_frame_equal

from cib.cli_base import engine_params
from cib.config import load_config
from cib.detect import detect
from cib.ingest import ingest
from cib.pipeline import build_config
from tests.conftest import real_path, synth_collection
from tests.test_detect_support import RAW, posts_frame

pytest.importorskip("pyspark")

RU = "coortweet-russian-coord-tweets"
DE = "coortweet-german-elections"


@pytest.fixture(scope="session")
def spark():
    """One small local session for every test: two cores, few shuffle partitions, no UI."""
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("cib tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _both(posts: pl.DataFrame, params: dict, preset: str | None = None, resolution: float = 1.0):
    out = []
    for engine in ("polars", "spark"):
        cfg = build_config(preset=preset, params={**params, "detect.engine": engine})
        out.append(detect(posts, cfg, time_resolution_s=resolution))
    return out


def _same(polars_res, spark_res) -> None:
    for table in ("edges", "evidence", "edge_stats"):
        assert_frame_equal(
            getattr(polars_res, table), getattr(spark_res, table), check_exact=False, rel_tol=0, abs_tol=1e-9
        )
    for sig, info in polars_res.info["signals"].items():
        theirs = spark_res.info["signals"][sig]
        for key in ("pairs", "edges_found", "edges_kept", "evidence_kept", "same_account_pairs"):
            assert info.get(key) == theirs.get(key), (sig, key)
    assert spark_res.info["engine"]["name"] == "spark" and polars_res.info["engine"]["name"] == "polars"


#: four accounts with obvious pairs: a, b and c reshare X within a minute; a and b reshare Y
#: half a second apart; e and f straddle a bucket edge; b and c share a link exactly 60 s apart,
#: a and c one 61 s apart (no pair); d reshares X too late
HAND = [
    {"id": "x_a", "acct": "a", "t": 0, "reshare_of": "X"},
    {"id": "x_b", "acct": "b", "t": 10, "reshare_of": "X"},
    {"id": "x_c", "acct": "c", "t": 30, "reshare_of": "X"},
    {"id": "x_d", "acct": "d", "t": 500, "reshare_of": "X"},
    {"id": "y_a", "acct": "a", "t": 100, "reshare_of": "Y"},
    {"id": "y_b", "acct": "b", "t": 100.5, "reshare_of": "Y"},
    {"id": "y_a2", "acct": "a", "t": 200, "reshare_of": "Y"},
    {"id": "z_e", "acct": "e", "t": 59, "reshare_of": "Z"},
    {"id": "z_f", "acct": "f", "t": 61, "reshare_of": "Z"},
    {"id": "u_a", "acct": "a", "t": 1000, "urls": ["https://example.org/u"]},
    {"id": "u_c", "acct": "c", "t": 1061, "urls": ["https://example.org/u"]},
    {"id": "v_b", "acct": "b", "t": 2000, "urls": ["https://example.org/v"]},
    {"id": "v_c", "acct": "c", "t": 2060, "urls": ["https://example.org/v"]},
]


def test_hand_made_pairs_are_found_by_spark_as_by_polars(spark):
    params = {
        **RAW,
        "detect.signals": ["co_reshare", "co_link"],
        "detect.co_reshare.window": 60,
        "detect.co_link.window": 60,
    }
    polars_res, spark_res = _both(posts_frame(HAND), params)
    _same(polars_res, spark_res)
    got = {
        (r["signal"], r["account_a"], r["account_b"]): (r["n_pairs"], r["n_objects"])
        for r in spark_res.edges.iter_rows(named=True)
    }
    assert got == {
        ("co_link", "b", "c"): (1, 1),
        ("co_reshare", "a", "b"): (2, 2),
        ("co_reshare", "a", "c"): (1, 1),
        ("co_reshare", "b", "c"): (1, 1),
        ("co_reshare", "e", "f"): (1, 1),
    }
    ab = spark_res.evidence.filter((pl.col("account_a") == "a") & (pl.col("account_b") == "b"))
    assert ab.select("post_a", "post_b", "delta_s").rows() == [
        ("y_a", "y_b", 0.5),
        ("x_a", "x_b", 10.0),
    ]  # fastest first


def test_evidence_cap_keeps_the_same_fastest_pairs(spark):
    # a and b reshare eight objects, 1..8 seconds apart: a cap of three keeps the three fastest on both engines
    rows = [
        r
        for i in range(8)
        for r in (
            {"acct": "a", "t": 100 * i, "reshare_of": f"O{i}"},
            {"acct": "b", "t": 100 * i + 8 - i, "reshare_of": f"O{i}"},
        )
    ]
    params = {**RAW, "detect.signals": ["co_reshare"], "detect.evidence_per_edge": 3}
    polars_res, spark_res = _both(posts_frame(rows), params)
    _same(polars_res, spark_res)
    assert spark_res.evidence["delta_s"].to_list() == [1.0, 2.0, 3.0]
    assert spark_res.edges["n_pairs"].to_list() == [8]


def test_days_before_1970_are_counted_as_polars_counts_them(spark):
    # a and b reshare X an hour before 1970-01-01 and Y an hour after: two UTC days (-1 and 0), so the edge
    # passes min_days = 2; Spark's `div` truncates towards zero and counted both as day 0, dropping it
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    rows = [
        {"id": "x_a", "acct": "a", "t": 0, "reshare_of": "X"},
        {"id": "x_b", "acct": "b", "t": 10, "reshare_of": "X"},
        {"id": "y_a", "acct": "a", "t": 7200, "reshare_of": "Y"},
        {"id": "y_b", "acct": "b", "t": 7205, "reshare_of": "Y"},
    ]
    posts = posts_frame(rows)
    posts = posts.with_columns(pl.col("created_at") - (posts["created_at"].min() - (epoch - timedelta(hours=1))))
    params = {**RAW, "detect.signals": ["co_reshare"], "detect.co_reshare.min_days": 2}
    polars_res, spark_res = _both(posts, params)
    _same(polars_res, spark_res)
    assert spark_res.edges.select("account_a", "account_b", "n_pairs").rows() == [("a", "b", 2)]


def test_a_failed_job_shows_its_own_error_not_the_stopped_context(spark, monkeypatch):
    # a job that runs out of heap stops the context; cleaning up its cached pairs then fails as well,
    # and that second error used to be the one raised
    from pyspark.sql.classic.dataframe import DataFrame

    import cib.detect.spark as on_spark

    def failed_job(*args, **kwargs):
        raise RuntimeError("java.lang.OutOfMemoryError: Java heap space")

    def stopped_context(self, blocking=False):
        raise RuntimeError("Cannot call methods on a stopped SparkContext")

    monkeypatch.setattr(on_spark, "edge_sums", failed_job)
    monkeypatch.setattr(DataFrame, "unpersist", stopped_context)
    params = {**RAW, "detect.signals": ["co_reshare"], "detect.engine": "spark"}
    with pytest.raises(RuntimeError, match="OutOfMemoryError"):
        detect(posts_frame(HAND), build_config(params=params))


@pytest.fixture(scope="module")
def synthetic_folder(tmp_path_factory):
    return synth_collection(tmp_path_factory, "spark", 6000, 11)


@pytest.fixture(scope="module")
def synthetic(synthetic_folder):
    res = ingest(synthetic_folder, load_config())
    return res.posts, res.time_resolution_s


def test_whole_analysis_same_tables_with_the_default_signals(spark, synthetic_folder, tmp_path):
    # every stage with every default signal: the windowed ones paired on Spark, co_similar_text, sync and
    # amplify on the driver; clusters, scores and networks are made from the same edges
    import cib

    runs = {
        engine: cib.analyse(synthetic_folder, name="x", engine=engine, processed_dir=tmp_path / engine, report=False)
        for engine in ("polars", "spark")
    }
    assert runs["spark"].manifest["stages"]["detect"]["engine"]["name"] == "spark"
    tables = sorted(p.relative_to(tmp_path / "polars") for p in (tmp_path / "polars").rglob("*.parquet"))
    tables = [t for t in tables if "cache" not in t.parts and "runs" not in t.parts]
    names = {t.name for t in tables}
    assert {"edges.parquet", "evidence.parquet", "clusters.parquet", "account_scores.parquet"} <= names
    for table in tables:
        assert pl.read_parquet(tmp_path / "polars" / table).equals(pl.read_parquet(tmp_path / "spark" / table)), table
    edges = pl.read_parquet(tmp_path / "spark" / "x" / "edges.parquet")
    assert set(edges["signal"].unique()) >= {"co_reshare", "co_link", "co_reply", "co_similar_text", "sync"}


@pytest.mark.parametrize(("preset", "partitions"), [(None, "2"), ("coortweet", "5"), ("cnt", "3")])
def test_synthetic_collection_same_tables_whatever_the_partitioning(spark, synthetic, preset, partitions):
    posts, resolution = synthetic
    spark.conf.set("spark.sql.shuffle.partitions", partitions)
    try:
        # tfidf weights and the significance filter (default), n_pairs with CooRTweet's second pass, n_posts
        polars_res, spark_res = _both(posts, {}, preset=preset, resolution=resolution)
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", "2")
    _same(polars_res, spark_res)
    assert spark_res.edges.height > 50  # the planted networks are there to compare
    if preset is None:
        assert spark_res.edges["p_value"].null_count() == 0
        assert spark_res.info["engine"]["signals_run_locally"] == ["co_similar_text", "sync", "amplify"]


@pytest.mark.parametrize("preset", ["coortweet", "cnt"])
@pytest.mark.parametrize(
    ("folder", "name"), [(RU, "russian_coord_tweets.parquet"), (DE, "german_elections.parquet")]
)
def test_real_collections_same_tables(spark, folder, name, preset):
    res = ingest(real_path(folder, name), load_config())
    polars_res, spark_res = _both(res.posts, {}, preset=preset, resolution=res.time_resolution_s)
    _same(polars_res, spark_res)
    assert spark_res.edges.height > 0


def test_engine_options_become_parameters():
    assert engine_params("spark", "local[2]", ["spark.executor.memory=2g", " a.b = c=d "]) == {
        "detect.engine": "spark",
        "detect.spark.master": "local[2]",
        "detect.spark.conf": {"spark.executor.memory": "2g", "a.b": "c=d"},
    }
    assert engine_params(None, None, None) == {}
    with pytest.raises(typer.BadParameter, match="KEY=VALUE"):
        engine_params(None, None, ["spark.executor.memory"])


def test_cli_analyse_with_engine_spark_records_what_ran_where(spark, tmp_path, monkeypatch):
    from cib.cli import main

    rows = posts_frame(HAND).select("post_id", "account_id", "created_at", "reshare_of")
    source = tmp_path / "hand.csv"
    rows.write_csv(source)
    argv = ["cib", "analyse", str(source), "--until", "detect", "--processed-dir", str(tmp_path / "p"), "-q"]
    argv += ["--engine", "spark", "--spark-master", "local[2]", "--set", "detect.min_participation=1"]
    argv += ["--set", "detect.significance=false", "--set", "detect.min_weight=0"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 0
    manifest = json.loads((Path(tmp_path / "p" / "hand" / "manifest.json")).read_text())
    engine = manifest["stages"]["detect"]["engine"]
    assert engine["name"] == "spark" and engine["signals_run_locally"] == ["co_similar_text", "sync", "amplify"]
    assert manifest["parameters"]["detect.engine"] == "spark"
    edges = pl.read_parquet(tmp_path / "p" / "hand" / "edges.parquet").filter(
        pl.col("signal") == "co_reshare"
    )
    assert edges.select("account_a", "account_b").rows() == [("a", "b"), ("a", "c"), ("b", "c"), ("e", "f")]
