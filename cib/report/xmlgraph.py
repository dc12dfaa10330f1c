"""GEXF and GraphML written straight from node and edge tables, a slice at a time.

networkx builds the whole document as an ElementTree before writing it, which
takes about 40 s and gigabytes for 460,000 links; these writers turn each
slice of rows into text with Polars expressions and write it out, with the
structure networkx writes (``networkx.read_gexf`` and ``read_graphml`` read the
files back with the same attributes, which ``tests/test_export.py`` checks).

Every value is XML-escaped: ``& < > "`` become entities, and tab, newline and
carriage return become character references (``&#9;``, ``&#10;``, ``&#13;``)
so a parser gives them back instead of folding them into spaces. Characters
XML 1.0 cannot hold at all (control characters other than those three, U+FFFE
and U+FFFF) become U+FFFD, so the file stays well-formed whatever a handle holds.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cib._version import __version__
from cib.files import replacing

__all__ = ["GraphTables", "xml_escaped", "not_xml_count", "write_gexf", "write_graphml"]

#: rows turned into text at a time: bounds the memory of the text being written
SLICE_ROWS = 50_000

_NOT_XML = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x{FFFE}\x{FFFF}]"
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}


def xml_escaped(value: pl.Expr) -> pl.Expr:
    """``value`` as text that can stand in an XML attribute or element.

    Parameters
    ----------
    value
        An expression of any type (cast to text: booleans as ``true``/``false``).

    Returns
    -------
    polars.Expr
    """
    text = value.cast(pl.String).str.replace_all(_NOT_XML, "\ufffd")
    # one pass for every entity: "&" is never escaped twice
    return text.str.replace_many(list(_ENTITIES), list(_ENTITIES.values()))


def not_xml_count(graph: GraphTables, *, label: bool = True) -> int:
    """How many characters of the graph's text XML 1.0 cannot hold: each is written as U+FFFD.

    Parameters
    ----------
    graph
        The tables and the columns a file carries.
    label
        Count the nodes' ``label`` too (GEXF writes it whether or not it is an attribute).

    Returns
    -------
    int
    """

    def count(frame: pl.DataFrame, columns: Sequence[str]) -> int:
        text = [c for c in dict.fromkeys(columns) if not (frame.schema[c].is_numeric() or frame.schema[c] == pl.Boolean)]
        if not text or not frame.height:
            return 0
        found = frame.select(pl.sum_horizontal(pl.col(c).cast(pl.String).str.count_matches(_NOT_XML).sum() for c in text))
        return int(found.item() or 0)

    nodes = ("id", *(("label",) if label else ()), *graph.node_attributes)
    return count(graph.nodes, nodes) + count(graph.edges, ("source", "target", *graph.edge_attributes))


def _type(dtype: pl.DataType) -> str:
    """The GEXF/GraphML type name of a column (the names networkx writes)."""
    if dtype == pl.Boolean:
        return "boolean"
    if dtype.is_integer():
        return "long"
    if dtype.is_float():
        return "double"
    return "string"


def _slices(frame: pl.DataFrame, line: pl.Expr) -> Iterator[str]:
    """The text of ``line`` over ``frame``, one block of rows at a time."""
    for start in range(0, frame.height, SLICE_ROWS):
        block = frame.slice(start, SLICE_ROWS).select(line.alias("_xml")).get_column("_xml")
        yield "\n".join(block.to_list()) + "\n"


def _pieces(*parts: str | pl.Expr) -> pl.Expr:
    """Literal text and escaped values joined into one line of XML (a null part is left out)."""
    return pl.concat_str([pl.lit(p) if isinstance(p, str) else p for p in parts], ignore_nulls=True)


def _value(column: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Boolean:
        return pl.col(column).cast(pl.String)
    if dtype.is_numeric():
        return pl.col(column).cast(pl.String)
    return xml_escaped(pl.col(column))


def _attvalues(frame: pl.DataFrame, columns: Sequence[str], first_id: int, indent: str) -> pl.Expr:
    """The ``<attvalues>`` block of a GEXF node or edge; a null value writes no ``attvalue``, as networkx does."""
    values = [
        pl.concat_str(
            [pl.lit(f'\n{indent}  <attvalue for="{first_id + i}" value="'), _value(c, frame.schema[c]), pl.lit('" />')]
        )
        for i, c in enumerate(columns)
    ]
    return _pieces(f"\n{indent}<attvalues>", *values, f"\n{indent}</attvalues>")


def _declarations(frame: pl.DataFrame, columns: Sequence[str], first_id: int, kind: str) -> list[str]:
    out = [f'    <attributes mode="static" class="{kind}">']
    out += [f'      <attribute id="{first_id + i}" title="{c}" type="{_type(frame.schema[c])}" />' for i, c in enumerate(columns)]
    return [*out, "    </attributes>"]


@dataclass(frozen=True)
class GraphTables:
    """A graph as a node table and an edge table, and the columns its files carry.

    Attributes
    ----------
    nodes
        One row per node: ``id`` (text) and the attribute columns; GEXF also
        reads ``label``, ``r``, ``g``, ``b`` (0–255), ``size``, ``x`` and ``y`` for its ``viz``.
    edges
        One row per edge: ``source``, ``target`` and the attribute columns; GEXF
        also reads ``weight``. Edge ids are the row numbers.
    node_attributes, edge_attributes
        Columns written as attributes, in this order: numbers as ``long`` or
        ``double``, booleans as ``boolean``, anything else as ``string``.
    """

    nodes: pl.DataFrame
    edges: pl.DataFrame
    node_attributes: tuple[str, ...]
    edge_attributes: tuple[str, ...]


def _write(path: str | Path, blocks: Sequence[str | tuple[pl.DataFrame, pl.Expr]]) -> Path:
    """Write literal text and, for each ``(frame, line)``, the lines of a table a slice at a time (whole or not at all)."""
    path = Path(path)
    with replacing(path) as tmp, tmp.open("w", encoding="utf-8", newline="\n") as fh:
        for block in blocks:
            fh.writelines([block] if isinstance(block, str) else _slices(*block))
    return path


def write_gexf(path: str | Path, graph: GraphTables) -> Path:
    """Write an undirected graph as GEXF 1.2 with ``viz`` colours, sizes and positions.

    The node's ``label`` is its GEXF label and the edge's ``weight`` its GEXF
    weight, as networkx writes them; the ids of the attributes count the
    node attributes first, then the edge attributes.

    Returns
    -------
    pathlib.Path
    """
    nodes, edges, n_node = graph.nodes, graph.edges, len(graph.node_attributes)
    head = [
        "<?xml version='1.0' encoding='utf-8'?>",
        '<gexf xmlns="http://www.gexf.net/1.2draft" xmlns:viz="http://www.gexf.net/1.2draft/viz" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.gexf.net/1.2draft http://www.gexf.net/1.2draft/gexf.xsd" version="1.2">',
        "  <meta>",
        f"    <creator>cib {__version__}</creator>",
        "  </meta>",
        '  <graph defaultedgetype="undirected" mode="static" name="">',
        *_declarations(edges, graph.edge_attributes, n_node, "edge"),
        *_declarations(nodes, graph.node_attributes, 0, "node"),
        "    <nodes>",
    ]
    node = _pieces(
        '      <node id="', xml_escaped(pl.col("id")), '" label="', xml_escaped(pl.col("label")), '">',
        '\n        <viz:color r="', pl.col("r").cast(pl.String), '" g="', pl.col("g").cast(pl.String),
        '" b="', pl.col("b").cast(pl.String), '" a="1.0" />',
        '\n        <viz:size value="', pl.col("size").cast(pl.String), '" />',
        '\n        <viz:position x="', pl.col("x").cast(pl.String), '" y="', pl.col("y").cast(pl.String), '" z="0.0" />',
        _attvalues(nodes, graph.node_attributes, 0, "        "),
        "\n      </node>",
    )  # fmt: skip
    # edge ids count over the whole table, not within a slice
    numbered = edges.with_columns(pl.int_range(pl.len()).alias("_id"))
    edge = _pieces(
        '      <edge source="', xml_escaped(pl.col("source")), '" target="', xml_escaped(pl.col("target")),
        '" id="', pl.col("_id").cast(pl.String), '" weight="', pl.col("weight").cast(pl.String), '">',
        _attvalues(edges, graph.edge_attributes, n_node, "        "),
        "\n      </edge>",
    )  # fmt: skip
    tail = "    </edges>\n  </graph>\n</gexf>\n"
    return _write(path, ["\n".join(head) + "\n", (nodes, node), "    </nodes>\n    <edges>\n", (numbered, edge), tail])


def write_graphml(path: str | Path, graph: GraphTables) -> Path:
    """Write an undirected graph as GraphML, every attribute a ``<data>`` element (keys ``d0``, ``d1``, …).

    Returns
    -------
    pathlib.Path
    """
    nodes, edges = graph.nodes, graph.edges
    keys = [(c, "node", nodes.schema[c]) for c in graph.node_attributes]
    keys += [(c, "edge", edges.schema[c]) for c in graph.edge_attributes]
    head = [
        "<?xml version='1.0' encoding='utf-8'?>",
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
        *(f'  <key id="d{i}" for="{kind}" attr.name="{name}" attr.type="{_type(dtype)}" />' for i, (name, kind, dtype) in enumerate(keys)),
        '  <graph edgedefault="undirected">',
    ]

    def data(frame: pl.DataFrame, columns: Sequence[str], first: int) -> list[pl.Expr]:
        return [
            pl.concat_str([pl.lit(f'\n      <data key="d{first + i}">'), _value(c, frame.schema[c]), pl.lit("</data>")])
            for i, c in enumerate(columns)
        ]

    node = _pieces('    <node id="', xml_escaped(pl.col("id")), '">', *data(nodes, graph.node_attributes, 0), "\n    </node>")
    edge = _pieces(
        '    <edge source="', xml_escaped(pl.col("source")), '" target="', xml_escaped(pl.col("target")), '">',
        *data(edges, graph.edge_attributes, len(graph.node_attributes)),
        "\n    </edge>",
    )  # fmt: skip
    return _write(path, ["\n".join(head) + "\n", (nodes, node), (edges, edge), "  </graph>\n</graphml>\n"])
