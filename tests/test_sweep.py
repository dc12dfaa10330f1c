"""`cib sweep`: grid parsing, shared work, equality with single runs, stability, the page."""

from __future__ import annotations

import json
import shlex
import sys
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest

import cib
import cib.detect
from cib.config import load_config, parse_assignment
from cib.errors import ConfigError
from cib.schema import table_metadata
from cib.sweep import build_grid, parse_grid_flag, resolve_name, sweep
from cib.sweep.grid import Axis, Grid, toml_value
from cib.sweep.points import PointOutcome
from cib.sweep.stability import best_match, cluster_stability, point_stability, recommend
from cib.synth import synth

TABLES = ("edges", "evidence", "clusters", "account_scores")
CO_WINDOWS = sorted(f"detect.{s}.window" for s in cib.detect.SIGNALS)


# --------------------------------------------------------------------------- grid


def test_short_names_resolve_to_the_unique_registry_name():
    assert resolve_name("co_reshare.window") == ("detect.co_reshare.window",)
    assert resolve_name("resolution") == ("cluster.resolution",)
    assert resolve_name("detect.max_fdr") == ("detect.max_fdr",)
    assert sorted(resolve_name("window")) == CO_WINDOWS


@pytest.mark.parametrize(
    "name, words",
    [
        ("max_fdr", "ambiguous, it could be detect.max_fdr or score.attach.max_fdr or sync.max_fdr"),
        ("co_nothing.window", "unknown parameter"),
        ("raw_chars", "cannot be swept"),
        ("sweep.max_points", "cannot be swept"),
    ],
)
def test_bad_names_are_config_errors(name, words):
    with pytest.raises(ConfigError, match=words):
        resolve_name(name)


def test_values_are_typed_by_the_registry():
    cfg = load_config()
    grid = build_grid(
        ["co_reshare.window=10,60,auto", "resolution=0.5,1", "detect.weight=tfidf,n_pairs",
         "detect.significance=true,false", "sync.bins=[[60], [60, 600]]", "min_participation=2,3"],
        cfg,
    )  # fmt: skip
    values = {a.name: a.values for a in grid.axes}
    assert values["detect.co_reshare.window"] == (10.0, 60.0, "auto")
    assert values["cluster.resolution"] == (0.5, 1.0)
    assert values["detect.weight"] == ("tfidf", "n_pairs")
    assert values["detect.significance"] == (True, False)
    assert values["sync.bins"] == ([60], [60, 600])
    assert values["detect.min_participation"] == (2, 3)
    assert all(type(v) is int for v in values["detect.min_participation"])
    assert len(grid) == len(grid.points()) == 3 * 2 * 2 * 2 * 2 * 2


def test_window_shorthand_sets_every_co_window():
    grid = build_grid({"window": [30, 120]}, load_config())
    (axis,) = grid.axes
    assert axis.name == "window" and sorted(axis.targets) == CO_WINDOWS
    assert grid.points()[1].overrides == {t: 120.0 for t in axis.targets}


@pytest.mark.parametrize(
    "flags, words",
    [
        (["resolution=abc"], "is not a valid float"),
        (["resolution=1,1.0"], "listed twice"),
        (["window=10,60", "co_reshare.window=5,6"], "already swept by window"),
        (["resolution"], "expected NAME=VALUE"),
        ([], "nothing to sweep"),
        (["resolution=" + ",".join(str(i) for i in range(1, 16)), "min_size=" + ",".join(str(i) for i in range(1, 16))],
         "more than sweep.max_points = 200"),
    ],
)  # fmt: skip
def test_bad_grids_are_config_errors(flags, words):
    with pytest.raises(ConfigError, match=words):
        build_grid(flags, load_config())


def test_grid_from_the_sweep_table_of_cib_toml(tmp_path):
    toml = tmp_path / "cib.toml"
    toml.write_text('[sweep.grid]\n"co_reshare.window" = [10, 60]\ndetect.max_fdr = [0.01, 0.05]\nresolution = [1, 2]\n')
    cfg = load_config(toml)
    grid = build_grid(None, cfg)
    assert [a.name for a in grid.axes] == ["detect.co_reshare.window", "detect.max_fdr", "cluster.resolution"]
    assert len(grid) == 8
    # flags, when given, replace the table
    assert [a.name for a in build_grid(["resolution=1,2"], cfg).axes] == ["cluster.resolution"]
    toml.write_text("[sweep.grid]\nresolution = 1\n")
    with pytest.raises(ConfigError, match="is not a list of values"):
        build_grid(None, load_config(toml))


def test_parse_grid_flag_keeps_text_values():
    assert parse_grid_flag("co_reshare.window = 10, auto") == ("co_reshare.window", [10, "auto"])


def test_neighbours_differ_on_one_axis_by_one_step():
    grid = Grid((Axis("a", ("a",), (1, 2, 3)), Axis("b", ("b",), (1, 2, 3))))
    points = grid.points()
    assert grid.neighbours(points[4]) == [1, 3, 5, 7]
    assert grid.neighbours(points[0]) == [1, 3]
    assert grid.neighbours(points[8]) == [5, 7]
    assert points[5].values == {"a": 2, "b": 3}


@pytest.mark.parametrize("value", [60.0, "auto", "tfidf", True, [60, 600], {"co_link": 0.5}, 0.001, "two words"])
def test_toml_values_read_back_through_set(value):
    assert parse_assignment(f"x={toml_value(value)}")[1] == value


# --------------------------------------------------------------------------- stability and recommendation


def _outcome(pid: int, membership: dict[str, int], labels: dict[int, str]) -> PointOutcome:
    return PointOutcome(pid, {}, membership, labels)


def test_identical_points_are_fully_stable_and_a_split_is_measured():
    grid = Grid((Axis("x", ("x",), (1, 2, 3)),))
    same = {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1, "f": 1}
    split = {"a": 0, "b": 0, "c": 2, "d": 1, "e": 1, "f": 1}
    labels = {0: "bot", 1: "troll", 2: "organic"}
    outcomes = {0: _outcome(0, same, labels), 1: _outcome(1, same, labels), 2: _outcome(2, split, labels)}
    table = cluster_stability(grid, grid.points(), outcomes)
    at0 = table.filter(pl.col("point") == 0)
    assert at0["stability"].to_list() == [1.0, 1.0]  # its only neighbour (point 1) is identical
    at1 = table.filter((pl.col("point") == 1) & (pl.col("cluster_id") == 0)).row(0, named=True)
    assert at1["neighbours"] == [0, 2] and at1["jaccard"] == [1.0, round(2 / 3, 6)]
    assert at1["stability"] == round((1 + 2 / 3) / 2, 6) and at1["stability_min"] == round(2 / 3, 6)
    stab = point_stability(table)
    assert stab[0]["stability"] == 1.0
    assert best_match(frozenset("abc"), {"x": 5}, {5: 1}) == (None, 0.0)


def test_recommendation_prefers_f1_then_stability_and_without_labels_stability():
    rows = [
        {"point": 0, "x": 1, "f1": 0.80, "precision": 0.9, "recall": 0.7, "stability": 0.4, "flagged_accounts": 10},
        {"point": 1, "x": 2, "f1": 0.795, "precision": 0.9, "recall": 0.7, "stability": 0.9, "flagged_accounts": 12},
        {"point": 2, "x": 3, "f1": 0.5, "precision": 0.5, "recall": 0.5, "stability": 1.0, "flagged_accounts": 40},
    ]
    best, reasons = recommend(rows, ["x"], labelled=True, tolerance=2.0)
    assert best == 1 and "F1 0.80" in reasons[0] and "within 0.01" in reasons[1]
    best, reasons = recommend(rows, ["x"], labelled=False, tolerance=2.0)
    assert best == 1  # point 2 flags more than twice the median (12) and is set aside
    assert any("set aside" in r for r in reasons)
    none, why = recommend([{**r, "flagged_accounts": 0} for r in rows], ["x"], labelled=False, tolerance=2.0)
    assert none is None and "nothing to recommend" in why[0]


# --------------------------------------------------------------------------- sweeps of a synthetic collection


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sweep") / "raw"
    synth(folder, n_posts=4000, seed=3, layout="generic")
    return folder


@pytest.fixture(scope="module")
def swept(raw, tmp_path_factory):
    out = tmp_path_factory.mktemp("sweep-out")
    calls: list[list[str]] = []
    original = cib.detect.detect

    def counting(posts, cfg, **kw):
        calls.append(list(cfg["detect.signals"]))
        return original(posts, cfg, **kw)

    mp = pytest.MonkeyPatch()
    mp.setattr(cib.detect, "detect", counting)
    try:
        cfg = load_config(overrides={"sweep.workers": 1})
        res = sweep(raw, ["co_reshare.window=10,60", "resolution=0.5,1"], cfg, labels=raw / "truth.parquet",
                    name="s", processed_dir=out / "processed", reports_dir=out / "reports")  # fmt: skip
    finally:
        mp.undo()
    return res, calls, out


def test_one_row_per_point_with_parameters_and_figures(swept):
    res, _, _ = swept
    t = res.table
    assert t.height == 4
    assert t["detect.co_reshare.window"].to_list() == [10.0, 10.0, 60.0, 60.0]
    assert t["cluster.resolution"].to_list() == [0.5, 1.0, 0.5, 1.0]
    for col in ("edges", "flagged_accounts", "clusters", "stability", "precision", "recall", "f1", "label_accuracy",
                "ari", "fpr_news_bot", "recommended"):  # fmt: skip
        assert col in t.columns, col
    assert t["recommended"].sum() == 1 and res.recommended is not None
    assert (t["f1"].drop_nulls() <= 1).all()
    assert pl.read_parquet(res.processed / "sweep.parquet").equals(t)
    stab = pl.read_parquet(res.processed / "clusters_stability.parquet")
    assert stab.equals(res.stability) and stab.height == t["clusters"].sum()


def test_detection_runs_once_per_distinct_detection_setting(swept):
    res, calls, _ = swept
    # two windows x two resolutions: the resolution is not read by detection
    assert len(calls) == res.info["detection_runs"] == 2
    assert res.table["detection"].to_list() == [0, 0, 1, 1]
    stages = [json.loads((res.folder(p.id) / "manifest.json").read_text())["stages"]["sweep"] for p in res.points]
    assert [s["detection_from_point"] for s in stages] == [0, 0, 2, 2]
    assert res.info["network_runs"] == 4
    # the engines beside the windowed signals read no window: the second detection reuses them
    assert res.info["engine_runs"] == {"co_similar_text": 1, "sync": 1, "amplify": 1}


def test_point_tables_record_their_parameters(swept):
    res, _, _ = swept
    for p in res.points:
        folder = res.folder(p.id)
        for table in TABLES:
            params = json.loads(table_metadata(folder / f"{table}.parquet")["cib.params"])
            for name, value in p.overrides.items():
                assert params[name] == value
        man = json.loads((folder / "manifest.json").read_text())
        assert man["parameters"]["detect.co_reshare.window"] == p.values["detect.co_reshare.window"]
        assert man["stages"]["sweep"]["grid"] == p.values
        assert "cluster" in man["counts"] and "detect" in man["counts"]
        ev = json.loads((folder / "evaluation.json").read_text())
        assert ev["f1"] == pytest.approx(res.table["f1"][p.id], abs=1e-6)


@pytest.mark.parametrize("point", [1, 2])
def test_a_sweep_point_equals_a_single_run_with_its_parameters(swept, raw, point):
    res, _, out = swept
    single = cib.analyse(raw, name=f"single-{point}", params={"sweep.workers": 1, **res.params(point)},
                         processed_dir=out / "single", report=False)  # fmt: skip
    for table in TABLES:
        a, b = res.folder(point) / f"{table}.parquet", single.processed / f"{table}.parquet"
        assert pl.read_parquet(a).equals(pl.read_parquet(b)), table
        assert a.read_bytes() == b.read_bytes(), table


def test_the_reproduce_command_gives_the_point_parameters(swept):
    res, _, _ = swept
    man = json.loads((res.folder(3) / "manifest.json").read_text())
    words = shlex.split(man["stages"]["sweep"]["reproduce"])
    assert words[:2] == ["cib", "analyse"]
    sets = dict(parse_assignment(words[i + 1]) for i, w in enumerate(words) if w == "--set")
    cfg = load_config(overrides=sets)
    assert cfg.as_dict() == man["parameters"]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.external: list[str] = []
        self.scripts_with_src = 0

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in {"src", "href", "action", "data"} and value and not value.startswith("#"):
                self.external.append(f"{tag} {key}={value}")
        if tag == "script" and any(k == "src" for k, _ in attrs):
            self.scripts_with_src += 1


def test_the_page_is_offline_and_recommends_a_setting(swept):
    res, _, _ = swept
    html = res.page.read_text(encoding="utf-8")
    links = _Links()
    links.feed(html)
    assert links.external == [] and links.scripts_with_src == 0
    assert "default-src 'none'" in unescape(html[:1000])  # the CSP forbids any network load
    assert html.count("<script>") == 2  # plotly.js inlined once, then the charts
    assert "Recommended setting" in html and f"Point {res.recommended}" in html
    assert "cib analyse" in html and "detect.co_reshare.window" in html


def test_equivalent_points_share_the_network_stage_and_are_fully_stable(raw, tmp_path):
    # detect.auto_window.q is read only for window = "auto": both points detect the same edges,
    # and the network stage reads nothing that differs, so the second point reuses the first.
    cfg = load_config(overrides={"sweep.workers": 1})
    res = sweep(raw, {"detect.auto_window.q": [0.1, 0.2]}, cfg, name="q", processed_dir=tmp_path / "p", page=False)
    assert res.info["detection_runs"] == 1 and res.info["network_runs"] == 1
    assert res.table["detection"].to_list() == [0, 0] and res.table["reused_from"].to_list() == [None, 0]
    man = json.loads((res.folder(1) / "manifest.json").read_text())
    assert man["stages"]["sweep"]["network_reused_from"] == 0
    assert res.stability.height and (res.stability["stability"] == 1.0).all()
    single = cib.analyse(raw, name="q1", params={"sweep.workers": 1, **res.params(1)}, processed_dir=tmp_path / "s",
                         report=False)  # fmt: skip
    for table in TABLES:
        assert (res.folder(1) / f"{table}.parquet").read_bytes() == (single.processed / f"{table}.parquet").read_bytes()


@pytest.mark.slow
def test_worker_processes_give_the_same_tables(raw, swept, tmp_path):
    res1, _, _ = swept
    cfg = load_config(overrides={"sweep.workers": 2})
    res2 = sweep(raw, ["co_reshare.window=10,60", "resolution=0.5,1"], cfg, labels=raw / "truth.parquet",
                 name="s", processed_dir=tmp_path, page=False)  # fmt: skip
    assert res2.info["workers"] == 2
    assert res2.table.drop("seconds").equals(res1.table.drop("seconds"))
    for p in res1.points:
        for table in ("clusters", "account_scores"):
            a = pl.read_parquet(res1.folder(p.id) / f"{table}.parquet")
            assert a.equals(pl.read_parquet(res2.folder(p.id) / f"{table}.parquet"))


# --------------------------------------------------------------------------- the command


def _run_cli(monkeypatch, args: list[str]) -> int:
    from cib import cli

    monkeypatch.setattr(sys, "argv", ["cib", "sweep", *args])
    with pytest.raises(SystemExit) as exc:
        cli.main()
        raise SystemExit(0)
    return exc.value.code


def test_cli_ambiguous_name_is_one_line_and_exit_2(monkeypatch, capsys, raw, tmp_path):
    code = _run_cli(monkeypatch, [str(raw), "--grid", "max_fdr=0.01,0.05", "--processed-dir", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1 and "ambiguous" in err and "sync.max_fdr" in err


def test_cli_sweep_writes_tables_and_page(monkeypatch, capsys, raw, tmp_path):
    code = _run_cli(monkeypatch, [str(raw), "--grid", "resolution=0.5,1", "--name", "c", "--set", "sweep.workers=1",
                                  "--processed-dir", str(tmp_path / "p"), "--reports-dir", str(tmp_path / "r")])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    assert "2 points, 1 detection run(s), 2 clustering" in err and "recommended" in err
    assert (tmp_path / "p" / "c" / "sweep.parquet").is_file()
    assert (tmp_path / "p" / "c" / "sweep" / "point-01" / "account_scores.parquet").is_file()
    assert (tmp_path / "r" / "c" / "sweep.html").is_file()
