"""The default exports: the flagged networks as GEXF and GraphML read back with their attributes, Gephi CSVs,
the evidence CSV with its network, no formulas, well-formed XML whatever a handle holds."""

from __future__ import annotations

import csv
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import polars as pl
import pytest

from cib.report.build import account_model
from cib.report.data import fused_graph, load
from cib.report.export import POSITION_SCALE, _graph_edges, export, export_all
from cib.report.safety import FORMULA_PREFIXES
from cib.report.scope import Scope, scope_tables
from cib.schema import empty, write_table
from tests.report_fixtures import build_collection

DEFAULT_FILES = ["graph.gexf", "graph.graphml", "nodes.csv", "edges.csv", "evidence.csv"]
BOTS = [f"20{i}" for i in range(1, 7)]
TROLLS = [f"30{i}" for i in range(1, 6)]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    folder = build_collection(tmp_path_factory.mktemp("export") / "processed")
    result = export_all(folder)
    assert [p.name for p in result.files] == DEFAULT_FILES
    assert all(p.parent == folder and p.stat().st_size > 0 for p in result.files)
    return folder


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_default_exports_hold_the_flagged_networks(exported):
    g = nx.read_gexf(exported / "graph.gexf")
    assert sorted(g.nodes) == BOTS + TROLLS  # the organic 401 and 402 are not flagged
    assert g.number_of_edges() == 15 + 10  # every bot pair, every troll pair
    assert {n["Id"] for n in _rows(exported / "nodes.csv")} == set(BOTS + TROLLS)
    assert len(_rows(exported / "edges.csv")) == 25
    entry = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))["exports"]["."]
    assert entry["scope"] == "flagged" and entry["folder"] == "."
    assert entry["rows"] == {"nodes": 11, "edges": 25, "evidence": 250}
    assert entry["files"] == DEFAULT_FILES and entry["notes"] == []


def test_gexf_reads_back_with_attributes(exported):
    g = nx.read_gexf(exported / "graph.gexf")
    bot = g.nodes["201"]
    assert bot["label"] == "patriot_kz_1040"
    assert bot["cluster"] == "1" and isinstance(bot["cluster"], str)
    assert bot["cib_label"] == "bot"
    assert bot["score"] == pytest.approx(0.95)
    assert bot["flagged"] is True
    assert bot["posts"] == 12
    assert bot["degree"] == 5
    assert set(bot["viz"]) == {"color", "size", "position"}
    edge = g.edges["301", "302"]
    assert edge["weight"] == pytest.approx(0.71 + 0.25 * 0.3 + 0.4)  # fused with detect.fusion.weights
    assert edge["signals"] == "co_hashtag; co_link; co_text"
    assert json.loads(edge["by_signal"]) == {"co_hashtag": 0.3, "co_link": 0.4, "co_text": 0.71}
    assert edge["n_pairs"] == 8 + 8 + 1


def test_gexf_viz_matches_the_report(exported):
    g = nx.read_gexf(exported / "graph.gexf")
    d = load(exported)
    model = account_model(d, fused_graph(d))
    assert set(model.layout.positions) == set(g.nodes)
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
    assert g.nodes["301"]["flagged"] is True
    assert {"x", "y", "size", "r", "g", "b"} <= set(g.nodes["301"])
    assert g.edges["201", "202"]["signals"] == "co_reshare"
    assert g.edges["201", "202"]["weight"] == pytest.approx(0.92)


def test_gephi_csvs(exported):
    nodes = _rows(exported / "nodes.csv")
    assert list(nodes[0])[:2] == ["Id", "Label"]
    edges = _rows(exported / "edges.csv")
    assert list(edges[0])[:4] == ["Source", "Target", "Weight", "Type"]
    assert {e["Type"] for e in edges} == {"Undirected"}
    assert (exported / "nodes.csv").read_bytes()[:2] == b"Id"  # no byte-order mark: Gephi reads the header


def test_evidence_csv(exported):
    rows = _rows(exported / "evidence.csv")
    assert (exported / "evidence.csv").read_bytes()[:3] == b"\xef\xbb\xbf"
    assert len(rows) == len(load(exported).evidence) == 250  # every pair is between flagged accounts
    assert list(rows[0])[:2] == ["cluster_id", "signal"]
    # sorted by network: the bots' 15 pairs × 10 reshares, then the trolls' 10 pairs × (8 texts + a hashtag + a link)
    assert [r["cluster_id"] for r in rows] == ["1"] * 150 + ["2"] * 100
    first = rows[0]
    assert first["signal"] == "co_reshare"
    assert first["handle_a"].startswith("patriot_kz_")
    assert first["time_a"].endswith("Z")
    assert first["text_a"].startswith("RT @state_news:")
    assert first["source_a"].startswith("tweets.csv:")


def test_evidence_cluster_id_is_empty_across_networks(tmp_path):
    folder = build_collection(tmp_path / "p")
    scores = pl.read_parquet(folder / "account_scores.parquet")
    # bot 206 moved to the trolls' network: its 5 pairs with the other bots now cross two networks
    moved = scores.with_columns(pl.when(pl.col("account_id") == "206").then(2).otherwise(pl.col("cluster_id")).alias("cluster_id"))
    write_table(moved, folder / "account_scores.parquet", "account_scores")
    export_all(folder)
    counts: dict[str, int] = {}
    for row in _rows(folder / "evidence.csv"):
        counts[row["cluster_id"]] = counts.get(row["cluster_id"], 0) + 1
    assert counts == {"1": 10 * 10, "2": 100, "": 5 * 10}
    assert [r["cluster_id"] for r in _rows(folder / "evidence.csv")][-1] == ""  # no network: last


def test_csv_cells_are_never_formulas(tmp_path):
    folder = build_collection(tmp_path / "p", hostile=True)
    export_all(folder)
    export(folder, whole=True)
    numeric = {"score", "x", "y", "size", "Weight", "delta_s", "posts", "degree", "n_pairs", "n_objects", "cluster_id"}
    seen_neutralised = 0
    for sub in (folder, folder / "exports" / "all"):
        for name in ("nodes.csv", "edges.csv", "evidence.csv"):
            for row in _rows(sub / name):
                for column, cell in row.items():
                    if column in numeric:
                        continue
                    assert not cell.startswith(FORMULA_PREFIXES), (name, column, cell)
                    seen_neutralised += cell.startswith("'=")
    assert seen_neutralised  # the =HYPERLINK payloads were there, and were neutralised
    g = nx.read_gexf(folder / "graph.gexf")
    assert g.nodes["201"]["label"] == "<script>window.__pwned=1</script>"  # XML-escaped, read back intact


def _expected_graph(tables, *, viz: bool) -> nx.Graph:
    """The graph the tables describe, as networkx holds it (what its own writers would be given)."""
    g = nx.Graph()
    for row in tables.nodes.iter_rows(named=True):
        attrs = {k: v for k, v in row.items() if k != "id"}
        if viz:
            attrs = {k: v for k, v in attrs.items() if k not in {"r", "g", "b"}}
            attrs["viz"] = {"color": {"r": row["r"], "g": row["g"], "b": row["b"], "a": 1.0}, "size": row["size"],
                            "position": {"x": row["x"], "y": row["y"], "z": 0.0}}  # fmt: skip
        g.add_node(row["id"], **attrs)
    for row in _graph_edges(tables.edges).iter_rows(named=True):
        g.add_edge(row.pop("source"), row.pop("target"), **row)
    return g


def _same(read: nx.Graph, expected: nx.Graph) -> None:
    assert list(read.nodes) == list(expected.nodes)
    for n, attrs in expected.nodes(data=True):
        assert read.nodes[n] == attrs, n  # floats are written in their shortest exact form
    assert sorted(read.edges) == sorted(expected.edges)
    for a, b, attrs in expected.edges(data=True):
        got = {k: v for k, v in read.edges[a, b].items() if k != "id"}
        assert got == attrs, (a, b)


@pytest.mark.parametrize("scope", [Scope(), Scope(whole=True)], ids=["flagged", "all"])
def test_own_writers_read_back_as_networkx_own_files(tmp_path, scope):
    folder = build_collection(tmp_path / "p", hostile=True)
    result = export(folder, whole=scope.whole, out=tmp_path / "out")
    tables = scope_tables(load(folder), scope)
    for name, read, write, viz in (
        ("graph.gexf", nx.read_gexf, nx.write_gexf, True),
        ("graph.graphml", nx.read_graphml, nx.write_graphml, False),
    ):
        ours = read(result.folder / name)
        _same(ours, _expected_graph(tables, viz=viz))
        write(_expected_graph(tables, viz=viz), tmp_path / name)
        theirs = read(tmp_path / name)
        assert dict(ours.nodes(data=True)) == dict(theirs.nodes(data=True)), name
        assert list(ours.edges(data=True)) == list(theirs.edges(data=True)), name


def test_xml_stays_well_formed_for_any_handle(tmp_path):
    folder = build_collection(tmp_path / "p")
    nasty = "a\x00b\x1bc\r\nd\te]]>&amp;<!--\ufffe\U0001f600"
    accounts = pl.read_parquet(folder / "accounts.parquet").with_columns(
        pl.when(pl.col("account_id") == "201").then(pl.lit(nasty)).otherwise(pl.col("handle")).alias("handle"),
        pl.when(pl.col("account_id") == "202").then(pl.lit('"\'\x7f\x0c')).otherwise(pl.col("display_name")).alias("display_name"),
    )
    write_table(accounts, folder / "accounts.parquet", "accounts")
    result = export_all(folder)
    # \x00 \x1b \ufffe in the handle, \x0c in the display name; nothing else in the file is refused
    assert result.replaced == {"graph.gexf": 4, "graph.graphml": 4}
    entry = json.loads((folder / "manifest.json").read_text())["exports"]["."]
    assert entry["xml_characters_replaced"] == {"graph.gexf": 4, "graph.graphml": 4}
    assert entry["notes"] == ["characters XML cannot hold (control characters) written as U+FFFD: graph.gexf 4, graph.graphml 4"]
    kept = "a\ufffdb\ufffdc\r\nd\te]]>&amp;<!--\ufffd\U0001f600"  # what XML 1.0 cannot hold becomes U+FFFD
    for name in ("graph.gexf", "graph.graphml"):
        ET.parse(folder / name)  # well-formed
    assert nx.read_gexf(folder / "graph.gexf").nodes["201"]["label"] == kept
    assert nx.read_graphml(folder / "graph.graphml").nodes["201"]["label"] == kept
    assert nx.read_gexf(folder / "graph.gexf").nodes["202"]["display_name"] == "\"'\x7f\ufffd"


def test_missing_scores_and_evidence(tmp_path):
    folder = tmp_path / "p"
    src = build_collection(tmp_path / "src")
    folder.mkdir()
    for name in ("posts.parquet", "accounts.parquet", "edges.parquet", "manifest.json"):
        (folder / name).write_bytes((src / name).read_bytes())
    write_table(empty("evidence"), folder / "evidence.parquet", "evidence")
    result = export_all(folder)
    assert result.rows == {"nodes": 0, "edges": 0, "evidence": 0}  # nothing is flagged without scores
    assert _rows(folder / "nodes.csv") == [] and _rows(folder / "evidence.csv") == []
    assert nx.read_gexf(folder / "graph.gexf").number_of_nodes() == 0
    whole = export(folder, whole=True)
    g = nx.read_gexf(whole.folder / "graph.gexf")
    assert g.number_of_nodes() == 13 and g.number_of_edges() == 26
    assert {a["cluster"] for _, a in g.nodes(data=True)} == {"none"}
    assert g.edges["401", "402"]["weight"] == pytest.approx(0.25 * 0.05)
