"""Exports on request (`cib export`): the whole graph, one signal, one network, Parquet, CSVs in parts,
what the manifest records, one-line errors, and tables that never change."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import polars as pl
import pytest

from cib.config import Config
from cib.errors import CibError
from cib.report.build import account_model
from cib.report.data import fused_graph, load
from cib.report.export import POSITION_SCALE, export, export_all
from tests.report_fixtures import build_collection


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    return build_collection(tmp_path_factory.mktemp("scopes") / "processed", hostile=True)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cib", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(
    ("kwargs", "name", "rows"),
    [
        ({"whole": True}, "all", {"nodes": 13, "edges": 26, "evidence": 250}),
        ({"signal": "co_text"}, "signal-co_text", {"nodes": 5, "edges": 10, "evidence": 10 * 8}),
        ({"signal": "co_reshare"}, "signal-co_reshare", {"nodes": 6, "edges": 15, "evidence": 15 * 10}),
        ({"cluster": 2}, "cluster-2", {"nodes": 5, "edges": 10, "evidence": 10 * 10}),
        ({"cluster": 2, "signal": "co_link"}, "cluster-2-co_link", {"nodes": 5, "edges": 10, "evidence": 10}),
    ],
)
def test_scopes(folder, kwargs, name, rows):
    result = export(folder, **kwargs)
    assert result.folder == folder / "exports" / name
    assert result.rows == rows
    g = nx.read_gexf(result.folder / "graph.gexf")
    assert (g.number_of_nodes(), g.number_of_edges()) == (rows["nodes"], rows["edges"])
    assert len(_rows(result.folder / "evidence.csv")) == rows["evidence"]
    signal = kwargs.get("signal")
    if signal:
        assert {r["signal"] for r in _rows(result.folder / "evidence.csv")} == {signal}
        assert {e["signals"] for e in _rows(result.folder / "edges.csv")} == {signal}
    entry = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["exports"][f"exports/{name}"]
    assert entry["scope"] == name and entry["rows"] == rows


def test_a_signal_keeps_its_own_weight(folder):
    g = nx.read_gexf(export(folder, signal="co_text").folder / "graph.gexf")
    assert g.edges["301", "302"]["weight"] == pytest.approx(0.71)  # not the fused 1.185
    whole = nx.read_gexf(export(folder, whole=True).folder / "graph.gexf")
    assert whole.edges["301", "302"]["weight"] == pytest.approx(0.71 + 0.25 * 0.3 + 0.4)
    organic = whole.nodes["401"]
    assert organic["cluster"] == "none" and organic["flagged"] is False
    assert "#{:02x}{:02x}{:02x}".format(*(organic["viz"]["color"][c] for c in "rgb")) == "#9aa0a6"


def test_flagged_accounts_sit_where_the_report_draws_them_in_every_scope(folder):
    d = load(folder)
    positions = account_model(d, fused_graph(d)).layout.positions
    for kwargs in ({"whole": True}, {"signal": "co_link"}, {"cluster": 1}):
        g = nx.read_gexf(export(folder, **kwargs).folder / "graph.gexf")
        flagged = [n for n, a in g.nodes(data=True) if a["flagged"]]
        assert flagged
        for account in flagged:
            x, y = positions[account]
            assert g.nodes[account]["viz"]["position"]["x"] == pytest.approx(x * POSITION_SCALE, abs=0.01)
            assert g.nodes[account]["viz"]["position"]["y"] == pytest.approx(y * POSITION_SCALE, abs=0.01)


def test_parquet_is_typed_and_not_neutralised(folder, tmp_path):
    result = export(folder, whole=True, formats="parquet", out=tmp_path / "pq")
    assert [p.name for p in result.files] == ["nodes.parquet", "edges.parquet", "evidence.parquet"]
    edges = pl.read_parquet(tmp_path / "pq" / "edges.parquet")
    assert edges.height == 26 and edges.schema["signals"] == pl.List(pl.String)
    evidence = pl.read_parquet(tmp_path / "pq" / "evidence.parquet")
    assert evidence.height == 250 and evidence.schema["time_a"] == pl.Datetime("us", "UTC")
    assert evidence.filter(pl.col("handle_b").str.starts_with("=HYPERLINK")).height == 5 * 10  # bot 206, raw: no spreadsheet reads Parquet


def _split_config(rows: int) -> Config:
    return Config.defaults().update({"report.csv_max_rows": rows}, "test")


def test_a_long_csv_is_written_in_parts_and_said(folder, tmp_path):
    out = tmp_path / "split"
    export(folder, out=out)
    single = _rows(out / "evidence.csv")
    result = export(folder, out=out, cfg=_split_config(101))  # 100 rows a file
    names = [p.name for p in result.files]
    assert names == ["graph.gexf", "graph.graphml", "nodes.csv", "edges.csv", "evidence-001.csv", "evidence-002.csv", "evidence-003.csv"]
    assert not (out / "evidence.csv").exists()  # the earlier single file is gone, so no part is mistaken for it
    parts = [_rows(out / f"evidence-00{i}.csv") for i in (1, 2, 3)]
    assert [len(p) for p in parts] == [100, 100, 50]
    assert all((out / f"evidence-00{i}.csv").read_bytes()[:3] == b"\xef\xbb\xbf" for i in (1, 2, 3))
    assert [r for p in parts for r in p] == single
    assert result.notes == [
        "evidence: 250 rows, more than one CSV holds (101 lines with the header, report.csv_max_rows): "
        "written in 3 parts, evidence-001.csv … evidence-003.csv, each with the header, sorted by network"
    ]
    entry = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["exports"][str(out.resolve())]
    assert entry["notes"] == result.notes
    back = export(folder, out=out)
    assert [p.name for p in back.files][-1] == "evidence.csv" and not list(out.glob("evidence-*.csv"))


@pytest.mark.parametrize(("lines", "files"), [(251, ["evidence.csv"]), (250, ["evidence-001.csv", "evidence-002.csv"])])
def test_the_limit_counts_the_header(folder, tmp_path, lines, files):
    result = export(folder, out=tmp_path / "x", cfg=_split_config(lines), formats="csv")
    assert [p.name for p in result.files if p.name.startswith("evidence")] == files
    assert sum(len(_rows(p)) for p in result.files if p.name.startswith("evidence")) == 250


def test_nodes_and_edges_are_split_too(folder, tmp_path):
    result = export(folder, whole=True, out=tmp_path / "x", cfg=_split_config(11), formats="csv")
    assert [p.name for p in result.files if not p.name.startswith("evidence")] == [
        "nodes-001.csv", "nodes-002.csv", "edges-001.csv", "edges-002.csv", "edges-003.csv",
    ]  # fmt: skip
    assert [n.split(":")[0] for n in result.notes] == ["nodes", "edges", "evidence"]


def test_same_input_same_bytes(folder, tmp_path):
    one = export(folder, whole=True, formats="csv,gexf,graphml,parquet", out=tmp_path / "one")
    two = export(folder, whole=True, formats="csv,gexf,graphml,parquet", out=tmp_path / "two")
    for a, b in zip(one.files, two.files, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_exports_never_change_the_tables(tmp_path):
    folder = build_collection(tmp_path / "p")
    before = {p.name: p.read_bytes() for p in folder.glob("*.parquet")}
    export_all(folder)
    export(folder, whole=True, formats="csv,gexf,graphml")
    export(folder, cluster=1, formats="parquet")
    assert {p.name: p.read_bytes() for p in folder.glob("*.parquet")} == before


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"cluster": 9}, "--cluster 9: no such network in"),
        ({"signal": "co_nothing"}, "--signal co_nothing: not a signal"),
        ({"signal": "sync"}, "--signal sync: no links of this signal in"),
        ({"formats": "csv,xlsx"}, "--format xlsx: not a format cib writes"),
        ({"whole": True, "cluster": 1}, "--all and --cluster: choose one"),
        ({"formats": "parquet", "out": "."}, "--format parquet would overwrite the collection's"),
    ],
)
def test_errors_name_what_is_wrong(folder, kwargs, words):
    if kwargs.get("out") == ".":
        kwargs = {**kwargs, "out": folder}
    with pytest.raises(CibError) as err:
        export(folder, **kwargs)
    assert words in err.value.message


def test_cli_export_and_its_errors(folder, tmp_path):
    ok = _cli("export", str(folder), "--cluster", "1", "--format", "csv,parquet", "--out", str(tmp_path / "c1"))
    assert ok.returncode == 0, ok.stderr
    assert ok.stderr.strip() == f"exports (cluster-1): 6 accounts, 15 links, 150 evidence pairs in {tmp_path / 'c1'}/"
    assert sorted(p.name for p in (tmp_path / "c1").iterdir()) == [
        "edges.csv", "edges.parquet", "evidence.csv", "evidence.parquet", "nodes.csv", "nodes.parquet",
    ]  # fmt: skip
    split = _cli("export", str(folder), "--set", "report.csv_max_rows=201", "--out", str(tmp_path / "s"))
    assert split.returncode == 0, split.stderr
    assert split.stderr.splitlines()[1].startswith("note: evidence: 250 rows, more than one CSV holds")
    for args, words in (
        (("--cluster", "9"), "--cluster 9: no such network"),
        (("--signal", "co_nothing"), "--signal co_nothing: not a signal"),
    ):
        bad = _cli("export", str(folder), *args)
        assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
        assert bad.stderr.startswith(f"error: {words}")
    missing = _cli("export", str(tmp_path / "nowhere"))
    assert missing.returncode == 2 and missing.stderr.strip() == f"error: {tmp_path / 'nowhere'}: no such folder — run `cib ingest` or `cib analyse` first"
