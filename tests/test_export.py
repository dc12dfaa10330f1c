"""Exports: GEXF and GraphML read back with their attributes, Gephi CSVs, evidence CSV, no formulas."""

from __future__ import annotations

import csv
from pathlib import Path

import networkx as nx
import pytest

from cib.report.build import account_model
from cib.report.data import fused_graph, load
from cib.report.export import POSITION_SCALE, export_all
from cib.report.safety import FORMULA_PREFIXES
from cib.schema import empty, write_table
from tests.report_fixtures import build_collection


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    folder = build_collection(tmp_path_factory.mktemp("export") / "processed")
    paths = export_all(folder)
    assert [p.name for p in paths] == ["graph.gexf", "graph.graphml", "nodes.csv", "edges.csv", "evidence.csv"]
    assert all(p.parent == folder and p.stat().st_size > 0 for p in paths)
    return folder


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_gexf_reads_back_with_attributes(exported):
    g = nx.read_gexf(exported / "graph.gexf")
    assert g.number_of_nodes() == 13  # 6 bots, 5 trolls, 2 organic accounts with a weak link
    assert g.number_of_edges() == 15 + 10 + 1
    bot = g.nodes["201"]
    assert bot["label"] == "patriot_kz_1040"
    assert bot["cluster"] == "1" and isinstance(bot["cluster"], str)
    assert bot["cib_label"] == "bot"
    assert bot["score"] == pytest.approx(0.95)
    assert bot["flagged"] is True
    assert bot["posts"] == 12
    assert bot["degree"] == 5
    assert set(bot["viz"]) == {"color", "size", "position"}
    organic = g.nodes["401"]
    assert organic["cluster"] == "none" and organic["flagged"] is False
    edge = g.edges["301", "302"]
    assert edge["weight"] == pytest.approx(0.71 + 0.25 * 0.3 + 0.4)  # fused with detect.fusion.weights
    assert edge["signals"] == "co_hashtag; co_link; co_text"
    assert edge["n_pairs"] == 8 + 8 + 1


def test_gexf_viz_matches_the_report(exported):
    g = nx.read_gexf(exported / "graph.gexf")
    d = load(exported)
    model = account_model(d, fused_graph(d))
    for account, (x, y) in model.layout.positions.items():
        pos = g.nodes[account]["viz"]["position"]
        assert pos["x"] == pytest.approx(x * POSITION_SCALE, abs=0.01)
        assert pos["y"] == pytest.approx(y * POSITION_SCALE, abs=0.01)
    colour = g.nodes["201"]["viz"]["color"]
    assert "#{:02x}{:02x}{:02x}".format(colour["r"], colour["g"], colour["b"]) == model.layout.colours[1]
    assert g.nodes["301"]["viz"]["color"] != g.nodes["201"]["viz"]["color"]


def test_graphml_reads_back(exported):
    g = nx.read_graphml(exported / "graph.graphml")
    assert g.nodes["301"]["cluster"] == "2"
    assert {"x", "y", "size", "r", "g", "b"} <= set(g.nodes["301"])
    assert g.edges["201", "202"]["signals"] == "co_reshare"


def test_gephi_csvs(exported):
    nodes = _rows(exported / "nodes.csv")
    assert list(nodes[0])[:2] == ["Id", "Label"]
    assert {n["Id"] for n in nodes} >= {"201", "301", "401"}
    edges = _rows(exported / "edges.csv")
    assert list(edges[0])[:4] == ["Source", "Target", "Weight", "Type"]
    assert {e["Type"] for e in edges} == {"Undirected"}
    assert (exported / "nodes.csv").read_bytes()[:2] == b"Id"  # no byte-order mark: Gephi reads the header


def test_evidence_csv(exported):
    rows = _rows(exported / "evidence.csv")
    assert (exported / "evidence.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert len(rows) == len(load(exported).evidence)
    first = rows[0]
    assert first["signal"] == "co_reshare"
    assert first["handle_a"].startswith("patriot_kz_")
    assert first["time_a"].endswith("Z")
    assert first["text_a"].startswith("RT @state_news:")
    assert first["source_a"].startswith("tweets.csv:")


def test_csv_cells_are_never_formulas(tmp_path):
    folder = build_collection(tmp_path / "p", hostile=True)
    export_all(folder)
    numeric = {"score", "x", "y", "size", "Weight", "delta_s", "posts", "degree", "n_pairs", "n_objects"}
    seen_neutralised = 0
    for name in ("nodes.csv", "edges.csv", "evidence.csv"):
        for row in _rows(folder / name):
            for column, cell in row.items():
                if column in numeric:
                    continue
                assert not cell.startswith(FORMULA_PREFIXES), (name, column, cell)
                seen_neutralised += cell.startswith("'=")
    assert seen_neutralised  # the =HYPERLINK payloads were there, and were neutralised
    g = nx.read_gexf(folder / "graph.gexf")
    assert g.nodes["201"]["label"] == "<script>window.__pwned=1</script>"  # XML-escaped, read back intact


def test_given_graph_and_missing_tables(tmp_path):
    folder = tmp_path / "p"
    src = build_collection(tmp_path / "src")
    for name in ("posts.parquet", "accounts.parquet", "manifest.json"):
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_bytes((src / name).read_bytes())
    write_table(empty("evidence"), folder / "evidence.parquet", "evidence")
    graph = nx.Graph()
    graph.add_edge("201", "202", weight=2.0, signals=["co_reshare", "co_text"], extra={"a": 1}, note=None)
    paths = export_all(folder, graph)
    g = nx.read_gexf(paths[0])
    assert g.edges["201", "202"]["signals"] == "co_reshare; co_text"
    assert g.edges["201", "202"]["weight"] == 2.0
    assert g.nodes["201"]["cluster"] == "none"
    assert _rows(folder / "evidence.csv") == []
