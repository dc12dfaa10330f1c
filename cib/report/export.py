"""Exports for Gephi, spreadsheets and notebooks, written next to the tables.

``export_all(processed)`` writes into the collection's processed folder:

``graph.gexf``
    For Gephi: every account in a coordination link, with ``label`` (handle),
    ``cluster`` (a string, so Gephi treats it as a partition), ``cib_label``,
    ``score``, ``flagged``, ``posts``, ``degree``, ``display_name`` and
    ``viz`` colour, size and position matching the report's network view
    (positions × :data:`POSITION_SCALE`); edges with the fused ``weight``,
    the supporting ``signals``, ``n_pairs`` and ``n_objects``.
``graph.graphml``
    The same graph; ``x``, ``y``, ``size``, ``r``, ``g``, ``b`` and ``color``
    as plain attributes (GraphML has no ``viz``).
``nodes.csv``, ``edges.csv``
    Gephi's spreadsheet import format (``Id, Label, …`` and
    ``Source, Target, Weight, Type, …``).
``evidence.csv``
    The co-occurring post pairs with both accounts' handles, the posts'
    times, texts and sources (UTF-8 with a byte-order mark, so spreadsheets
    read Cyrillic correctly).

Every text cell of every CSV is neutralised against formula injection
(:func:`cib.report.safety.neutralise_frame`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import polars as pl

from cib.config import Config
from cib.progress import Progress, Teller
from cib.report.build import account_model
from cib.report.data import ReportData, fused_graph, load
from cib.report.layout import GREY, hex_to_rgb, node_size
from cib.report.safety import neutralise_frame

__all__ = ["POSITION_SCALE", "export_all", "export_graph", "gephi_tables", "evidence_table"]

#: report layout units → Gephi coordinates (so that the report's marker sizes do not overlap)
POSITION_SCALE = 30.0


def _plain(value: Any) -> Any:
    """A value GEXF/GraphML can store: lists joined, mappings as JSON, numpy scalars as Python."""
    if isinstance(value, list | tuple | set):
        return "; ".join(str(v) for v in (sorted(value) if isinstance(value, set) else value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


def export_graph(d: ReportData, graph: nx.Graph | None = None) -> nx.Graph:
    """The account graph with the attributes the exports carry.

    Parameters
    ----------
    d
        The loaded tables.
    graph
        A fused account graph (for example from the graph stage); built from
        the edges table when not given.

    Returns
    -------
    networkx.Graph
        A new graph; nodes are account ids in sorted order, every node and edge
        has every attribute (no ``None``), and each node has a ``viz`` dict.
    """
    source = fused_graph(d) if graph is None else graph
    nodes = sorted(set(map(str, source.nodes)) | set(d.scores["account_id"].to_list()))
    model = account_model(d, source, others=nodes)
    flagged = {r["account_id"]: r for r in model.flagged.iter_rows(named=True)}
    scores = {r["account_id"]: r for r in d.scores.unique("account_id", keep="first").iter_rows(named=True)}
    people = {r["account_id"]: r for r in d.accounts.unique("account_id", keep="first").iter_rows(named=True)}
    posts = dict(d.posts.group_by("account_id").agg(pl.len()).iter_rows())
    # Sizes follow the report: degree among flagged accounts for flagged ones.
    flagged_sub = source.subgraph(list(flagged))
    max_flagged = max((flagged_sub.degree(n) for n in flagged_sub), default=0)
    max_all = max((deg for _, deg in source.degree()), default=0)

    out = nx.Graph()
    for node in nodes:
        score = scores.get(node, {})
        person = people.get(node, {})
        cluster = score.get("cluster_id")
        x, y = model.layout.positions.get(node, (0.0, 0.0))
        x, y = round(x * POSITION_SCALE, 2), round(y * POSITION_SCALE, 2)
        if node in flagged:
            key = int(flagged[node]["cluster_key"])
            colour = model.layout.colours.get(key, GREY)
            size = node_size(flagged_sub.degree(node), max_flagged)
        else:
            colour = GREY
            size = round(node_size(source.degree(node) if node in source else 0, max_all) * 0.6, 2)
        r, g, b = hex_to_rgb(colour)
        own = source.nodes[node] if node in source else {}
        attrs = {
            **{str(k): _plain(v) for k, v in own.items() if v is not None and k != "viz"},
            "label": person.get("handle") or node,
            "display_name": person.get("display_name") or "",
            "cluster": str(cluster) if cluster is not None else "none",
            "cib_label": score.get("label") or "",
            "score": round(float(score["score"]), 6) if score.get("score") is not None else 0.0,
            "flagged": bool(score.get("flagged") or False),
            "posts": int(posts.get(node, 0)),
            "degree": int(source.degree(node)) if node in source else 0,
            "color": colour,
            "x": x,
            "y": y,
            "size": size,
            "viz": {
                "color": {"r": r, "g": g, "b": b, "a": 1.0},
                "size": size,
                "position": {"x": x, "y": y, "z": 0.0},
            },
        }
        out.add_node(node, **attrs)
    for a, b, data in sorted(source.edges(data=True), key=lambda e: (min(e[0], e[1]), max(e[0], e[1]))):
        attrs = {str(k): _plain(v) for k, v in data.items() if v is not None}
        attrs["weight"] = float(data.get("weight", 1.0) or 0.0)
        attrs["signals"] = _plain(data.get("signals") or "")
        attrs["n_pairs"] = int(data.get("n_pairs") or 0)
        attrs["n_objects"] = int(data.get("n_objects") or 0)
        out.add_edge(str(a), str(b), **attrs)
    return out


def gephi_tables(graph: nx.Graph) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Gephi's spreadsheet format: ``nodes`` (``Id, Label, …``) and ``edges`` (``Source, Target, Weight, Type, …``)."""
    nodes = pl.DataFrame(
        [
            {
                "Id": n,
                "Label": a["label"],
                "cluster": a["cluster"],
                "cib_label": a["cib_label"],
                "score": a["score"],
                "flagged": a["flagged"],
                "posts": a["posts"],
                "degree": a["degree"],
                "display_name": a["display_name"],
                "x": a["x"],
                "y": a["y"],
                "size": a["size"],
                "color": a["color"],
            }
            for n, a in graph.nodes(data=True)
        ],
        schema={"Id": pl.String, "Label": pl.String, "cluster": pl.String, "cib_label": pl.String,
                "score": pl.Float64, "flagged": pl.Boolean, "posts": pl.Int64, "degree": pl.Int64,
                "display_name": pl.String, "x": pl.Float64, "y": pl.Float64, "size": pl.Float64,
                "color": pl.String},
    )  # fmt: skip
    edges = pl.DataFrame(
        [
            {"Source": a, "Target": b, "Weight": d["weight"], "Type": "Undirected", "signals": d["signals"],
             "n_pairs": d["n_pairs"], "n_objects": d["n_objects"]}
            for a, b, d in graph.edges(data=True)
        ],
        schema={"Source": pl.String, "Target": pl.String, "Weight": pl.Float64, "Type": pl.String,
                "signals": pl.String, "n_pairs": pl.Int64, "n_objects": pl.Int64},
    )  # fmt: skip
    return nodes, edges


def evidence_table(d: ReportData) -> pl.DataFrame:
    """The evidence pairs with both accounts' handles and both posts' times, texts and sources."""
    who = d.accounts.select("account_id", "handle").unique("account_id", keep="first")
    what = d.posts.select(
        "post_id",
        pl.col("created_at").alias("time"),
        "text",
        pl.concat_str(pl.col("source_file").fill_null("?"), pl.col("source_row").cast(pl.String).fill_null("?"),
                      separator=":").alias("source"),
    ).unique("post_id", keep="first")  # fmt: skip
    out = d.evidence
    for side in ("a", "b"):
        out = out.join(who.rename({"account_id": f"account_{side}", "handle": f"handle_{side}"}), on=f"account_{side}",
                       how="left")  # fmt: skip
        renamed = what.rename({c: f"post_{side}" if c == "post_id" else f"{c}_{side}" for c in what.columns})
        out = out.join(renamed, on=f"post_{side}", how="left")
    cols = ["signal", "object_id", "delta_s"] + [
        f"{c}_{side}" for side in ("a", "b") for c in ("account", "handle", "post", "time", "text", "source")
    ]
    return out.select(cols)


def export_all(
    processed: str | Path, graph: nx.Graph | None = None, *, cfg: Config | None = None, progress: Progress | None = None
) -> list[Path]:
    """Write the GEXF, GraphML, Gephi CSV and evidence CSV exports into ``processed``.

    Parameters
    ----------
    processed
        The collection's processed folder (tables as for :func:`cib.report.build_report`).
    graph
        The fused account graph, when the caller has it; built from ``edges.parquet`` otherwise.
    cfg
        Configuration; by default the parameters recorded in the manifest.
    progress
        Told each file as it is written, as task ``exports`` (:mod:`cib.progress`).

    Returns
    -------
    list of pathlib.Path
        ``graph.gexf``, ``graph.graphml``, ``nodes.csv``, ``edges.csv``, ``evidence.csv``.
    """
    tell = Teller(progress, "report", "exports")
    tell("graph")
    processed = Path(processed)
    d = load(processed, cfg)
    g = export_graph(d, graph)
    paths = []
    tell("graph.gexf", 0, 5, "files")
    gexf = processed / "graph.gexf"
    nx.write_gexf(g, gexf, version="1.2draft")
    paths.append(gexf)
    plain = nx.Graph()
    plain.add_nodes_from((n, {k: v for k, v in a.items() if k != "viz"} | _rgb(a)) for n, a in g.nodes(data=True))
    plain.add_edges_from(g.edges(data=True))
    tell("graph.graphml", 1, 5, "files")
    graphml = processed / "graph.graphml"
    nx.write_graphml(plain, graphml)
    paths.append(graphml)
    tell("nodes.csv, edges.csv", 2, 5, "files")
    nodes, edges = gephi_tables(g)
    for name, frame in (("nodes.csv", nodes), ("edges.csv", edges)):
        path = processed / name
        neutralise_frame(frame).write_csv(path)
        paths.append(path)
    tell("evidence.csv", 4, 5, "files")
    path = processed / "evidence.csv"
    neutralise_frame(evidence_table(d)).write_csv(path, include_bom=True)
    paths.append(path)
    tell.finished()
    return paths


def _rgb(attrs: dict[str, Any]) -> dict[str, int]:
    colour = attrs["viz"]["color"]
    return {"r": int(colour["r"]), "g": int(colour["g"]), "b": int(colour["b"])}

