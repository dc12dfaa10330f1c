"""Which accounts, links and evidence an export holds, and their tables.

A :class:`Scope` chooses the accounts — the flagged ones (the default
exports), every account in a link (``whole``), or one network's members
(``cluster``) — and the links among them: the fused links, or one signal's
links with that signal's own weight (``signal``, which also keeps only the
accounts those links join, and implies every account unless a network is
chosen). :func:`scope_tables` builds the node, link and evidence tables every
export format is written from.

Each account carries the same attributes in every scope (its network, label,
score, degree in the whole graph, colour, size and position), so a scope is a
piece of the whole graph: a flagged account sits where the report's network
view draws it, an account that is not flagged is grey and placed under the
networks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import networkx as nx
import polars as pl

from cib import signals
from cib.errors import CibError
from cib.report.build import account_model
from cib.report.data import UNCLUSTERED, ReportData
from cib.report.layout import GREY, hex_to_rgb, node_size

__all__ = ["POSITION_SCALE", "POST_COLUMNS", "Scope", "ScopeTables", "scope_tables", "evidence_detail"]

#: the posts' columns the exports read (the accounts' post counts, the evidence's posts)
POST_COLUMNS = ("post_id", "account_id", "created_at", "text", "source_file", "source_row")

#: report layout units → Gephi coordinates (so that the report's marker sizes do not overlap)
POSITION_SCALE = 30.0

_PAIR = ["account_a", "account_b"]


@dataclass(frozen=True)
class Scope:
    """What an export holds.

    Parameters
    ----------
    whole
        Every account in a link instead of the flagged accounts.
    signal
        Only this signal's links (with its own weight) and the accounts they join;
        every account unless ``cluster`` is given.
    cluster
        Only this network's members (flagged or not) and the links among them.
    """

    whole: bool = False
    signal: str | None = None
    cluster: int | None = None

    @property
    def name(self) -> str:
        """``flagged``, ``all``, ``signal-co_reshare``, ``cluster-4`` or ``cluster-4-co_reshare``: the folder's name."""
        if self.cluster is not None:
            return f"cluster-{self.cluster}" + (f"-{self.signal}" if self.signal else "")
        if self.signal:
            return f"signal-{self.signal}"
        return "all" if self.whole else "flagged"

    def describe(self) -> str:
        """The scope in words, for the manifest."""
        links = f"{self.signal} links" if self.signal else "links (all signals, fused)"
        if self.cluster is not None:
            return f"the members of network {self.cluster} and the {links} among them, with their evidence"
        if self.signal or self.whole:
            return f"every account in the {links}, with their evidence"
        return f"the flagged accounts and the {links} among them, with their evidence"


@dataclass
class ScopeTables:
    """The tables of one scope.

    Attributes
    ----------
    nodes
        ``id, label, display_name, cluster, cib_label, score, flagged, posts,
        degree, color, x, y, size, r, g, b``, sorted by ``id``.
    edges
        ``source, target, weight, signals, signal_weights, n_pairs, n_objects``,
        sorted by ``source, target`` (``source < target``).
    evidence
        The evidence rows behind ``edges`` with ``cluster_id`` first (null
        when the two accounts are in different networks or in none), sorted
        by network, in the evidence table's order within one.
    """

    scope: Scope
    nodes: pl.DataFrame
    edges: pl.DataFrame
    evidence: pl.DataFrame


def _check(d: ReportData, scope: Scope) -> None:
    """Refuse a signal or network the collection does not have, in one line."""
    if scope.signal is not None:
        present = sorted(set(d.edges.get_column("signal").unique().to_list()))
        if scope.signal not in signals.ALL:
            raise CibError(f"--signal {scope.signal}: not a signal", hint=f"use one of: {', '.join(signals.ALL)}")
        if scope.signal not in present:
            raise CibError(
                f"--signal {scope.signal}: no links of this signal in {d.processed}",
                hint=f"signals with links: {', '.join(present) or 'none'}",
            )
    if scope.cluster is not None:
        known = set(d.scores.get_column("cluster_id").drop_nulls().to_list()) | set(d.clusters.get_column("cluster_id").to_list())
        if scope.cluster not in known:
            span = f"networks {min(known)}–{max(known)}" if known else "no networks"
            raise CibError(f"--cluster {scope.cluster}: no such network in {d.processed}", hint=f"{span} (see clusters.parquet)")


def _links(d: ReportData, scope: Scope, pool: pl.Series | None) -> pl.DataFrame:
    """The links of the scope: fused, or one signal's, among the pool of accounts (all when ``None``)."""
    if scope.signal is None:
        links = d.fused.select("account_a", "account_b", "weight", "signals", "signal_weights", "n_pairs", "n_objects")
    else:
        links = (
            d.edges.filter(pl.col("signal") == scope.signal)
            .select(
                "account_a",
                "account_b",
                pl.col("weight").fill_null(0.0),
                pl.concat_list(pl.col("signal")).alias("signals"),
                pl.concat_list(pl.col("weight")).alias("signal_weights"),
                "n_pairs",
                "n_objects",
            )
            .sort(_PAIR)
        )
    if pool is not None:
        ids = pool.implode()
        links = links.filter(pl.col("account_a").is_in(ids) & pl.col("account_b").is_in(ids))
    return links


def _degrees(links: pl.DataFrame) -> dict[str, int]:
    """Account → its number of links."""
    ends = pl.concat([links.select(pl.col("account_a").alias("id")), links.select(pl.col("account_b").alias("id"))])
    return dict(ends.group_by("id").len().iter_rows())


def _placed(d: ReportData, node_ids: list[str], scoped: pl.DataFrame, flagged: pl.DataFrame) -> pl.DataFrame:
    """``id, color, x, y, size, r, g, b, degree`` of every node: the report's layout, colours and sizes.

    The layout sees the links inside each network among the flagged accounts
    and the scope's links among the others (the only ones a layout reads)
    and every account's degree in the whole graph, so flagged accounts sit
    exactly where the report draws them whatever the scope.
    """
    whole = _degrees(d.fused)
    keys = flagged.select("account_id", pl.col("cluster_id").fill_null(UNCLUSTERED).alias("key"))
    among_flagged = _links(d, Scope(), flagged.get_column("account_id"))
    inside = among_flagged.join(keys.rename({"account_id": "account_a", "key": "ka"}), on="account_a").join(
        keys.rename({"account_id": "account_b", "key": "kb"}), on="account_b"
    )
    inside = inside.filter(pl.col("ka") == pl.col("kb"))
    flagged_ids = set(keys.get_column("account_id").to_list())
    others = [n for n in node_ids if n not in flagged_ids]
    apart = pl.Series(others, dtype=pl.String).implode()
    rest = scoped.filter(pl.col("account_a").is_in(apart) & pl.col("account_b").is_in(apart))
    graph = nx.Graph()
    for frame in (inside, rest):
        graph.add_edges_from((a, b, {"weight": w}) for a, b, w in frame.select("account_a", "account_b", "weight").iter_rows())
    model = account_model(d, graph, others=others, degree=whole)
    key_of = dict(model.flagged.select("account_id", "cluster_key").iter_rows())
    by_flagged = _degrees(among_flagged)
    max_flagged = max((by_flagged.get(n, 0) for n in key_of), default=0)
    max_all = max(whole.values(), default=0)
    rows = []
    for node in node_ids:
        x, y = model.layout.positions.get(node, (0.0, 0.0))
        if node in key_of:
            colour = model.layout.colours.get(int(key_of[node]), GREY)
            size = node_size(by_flagged.get(node, 0), max_flagged)
        else:
            colour = GREY
            size = round(node_size(whole.get(node, 0), max_all) * 0.6, 2)
        r, g, b = hex_to_rgb(colour)
        rows.append((node, colour, round(x * POSITION_SCALE, 2), round(y * POSITION_SCALE, 2), size, r, g, b, whole.get(node, 0)))
    schema = {"id": pl.String, "color": pl.String, "x": pl.Float64, "y": pl.Float64, "size": pl.Float64,
              "r": pl.Int64, "g": pl.Int64, "b": pl.Int64, "degree": pl.Int64}  # fmt: skip
    return pl.DataFrame(rows, schema=schema, orient="row")


def scope_tables(d: ReportData, scope: Scope) -> ScopeTables:
    """The node, link and evidence tables of ``scope``.

    Parameters
    ----------
    d
        The loaded tables.
    scope
        What to hold.

    Returns
    -------
    ScopeTables

    Raises
    ------
    CibError
        For a signal that is not one, a signal without links, or a network the collection does not have.
    """
    _check(d, scope)
    scores = d.scores.unique("account_id", keep="first").sort("account_id")
    flagged = scores.filter(pl.col("flagged").fill_null(False))
    if scope.cluster is not None:
        pool: pl.Series | None = scores.filter(pl.col("cluster_id") == scope.cluster).get_column("account_id")
    elif scope.whole or scope.signal:
        pool = None
    else:
        pool = flagged.get_column("account_id")
    links = _links(d, scope, pool)
    ends = set(links.get_column("account_a").to_list()) | set(links.get_column("account_b").to_list())
    if scope.signal:
        node_ids = sorted(ends)
    elif pool is None:
        node_ids = sorted(ends | set(scores.get_column("account_id").to_list()))
    else:
        node_ids = sorted(pool.to_list())
    nodes = _nodes(d, node_ids, links, scores, flagged)
    edges = links.rename({"account_a": "source", "account_b": "target"})
    return ScopeTables(scope, nodes, edges, _evidence(d, scope, links, scores))


def _nodes(d: ReportData, node_ids: list[str], links: pl.DataFrame, scores: pl.DataFrame, flagged: pl.DataFrame) -> pl.DataFrame:
    """The node table: who each account is, its network and score, its posts, and where it is drawn."""
    ids = pl.DataFrame({"id": node_ids}, schema={"id": pl.String})
    people = d.accounts.select(pl.col("account_id").alias("id"), "handle", "display_name").unique("id", keep="first")
    posts = (
        d.lazy("posts")
        .select(pl.col("account_id").alias("id"))
        .join(ids.lazy(), on="id", how="semi")
        .group_by("id")
        .agg(pl.len().cast(pl.Int64).alias("posts"))
        .collect()
    )
    score = scores.select(pl.col("account_id").alias("id"), "cluster_id", pl.col("label").alias("cib_label"), "score", "flagged")
    table = (
        ids.join(people, on="id", how="left", maintain_order="left")
        .join(score, on="id", how="left", maintain_order="left")
        .join(posts, on="id", how="left", maintain_order="left")
        .join(_placed(d, node_ids, links, flagged), on="id", how="left", maintain_order="left")
    )
    return table.select(
        "id",
        pl.coalesce(pl.col("handle"), pl.col("id")).alias("label"),
        pl.col("display_name").fill_null(""),
        pl.col("cluster_id").cast(pl.String).fill_null("none").alias("cluster"),
        pl.col("cib_label").fill_null(""),
        pl.col("score").round(6).fill_null(0.0),
        pl.col("flagged").fill_null(False),
        pl.col("posts").fill_null(0),
        "degree",
        "color",
        "x",
        "y",
        "size",
        "r",
        "g",
        "b",
    )


def _evidence(d: ReportData, scope: Scope, links: pl.DataFrame, scores: pl.DataFrame) -> pl.DataFrame:
    """The evidence rows behind ``links``, with the network both accounts belong to, sorted by network."""
    # read from the evidence's scan when the table was left on disk: only the scope's rows are held
    rows = d.lazy("evidence")
    if scope.signal is not None:
        rows = rows.filter(pl.col("signal") == scope.signal)
    rows = rows.join(links.lazy().select(_PAIR), on=_PAIR, how="semi", maintain_order="left")
    network = scores.select("account_id", "cluster_id")
    for side in ("a", "b"):
        rows = rows.join(
            network.lazy().rename({"account_id": f"account_{side}", "cluster_id": f"_c{side}"}),
            on=f"account_{side}",
            how="left",
            maintain_order="left",
        )
    rows = rows.select(pl.when(pl.col("_ca") == pl.col("_cb")).then(pl.col("_ca")).alias("cluster_id"), *d.evidence.columns)
    return rows.collect().sort("cluster_id", nulls_last=True, maintain_order=True)


def evidence_detail(d: ReportData, rows: pl.DataFrame, size: int) -> Iterator[pl.DataFrame]:
    """Evidence rows with both accounts' handles and both posts' times, texts and sources, ``size`` rows at a time.

    A post's text is repeated in every pair it is part of, so the whole table
    can be many times the posts table: it is built a slice at a time.

    Parameters
    ----------
    d
        The loaded tables.
    rows
        :attr:`ScopeTables.evidence`.
    size
        Rows per slice (at least 1).

    Yields
    ------
    polars.DataFrame
        ``cluster_id, signal, object_id, delta_s`` and, for ``a`` then ``b``,
        ``account, handle, post, time, text, source`` (``source`` is ``file:row``).
        An empty evidence table gives one empty slice, so the columns are still written.
    """
    who = d.accounts.select("account_id", "handle").unique("account_id", keep="first")
    wanted = pl.concat([rows.select(pl.col("post_a").alias("post_id")), rows.select(pl.col("post_b").alias("post_id"))])
    # read from the posts' scan when the table was left on disk: only the texts of the scope's posts are held
    what = (
        d.lazy("posts")
        .select("post_id", "created_at", "text", "source_file", "source_row")
        .join(wanted.unique().lazy(), on="post_id", how="semi")
        .unique("post_id", keep="first")
        .select(
            "post_id",
            pl.col("created_at").alias("time"),
            "text",
            pl.concat_str(pl.col("source_file").fill_null("?"), pl.col("source_row").cast(pl.String).fill_null("?"),
                          separator=":").alias("source"),
        )
        .collect()
    )  # fmt: skip
    cols = ["cluster_id", "signal", "object_id", "delta_s"] + [
        f"{c}_{side}" for side in ("a", "b") for c in ("account", "handle", "post", "time", "text", "source")
    ]
    for start in range(0, max(rows.height, 1), size):
        out = rows.slice(start, size)
        for side in ("a", "b"):
            out = out.join(who.rename({"account_id": f"account_{side}", "handle": f"handle_{side}"}), on=f"account_{side}",
                           how="left", maintain_order="left")  # fmt: skip
            renamed = what.rename({c: f"post_{side}" if c == "post_id" else f"{c}_{side}" for c in what.columns})
            out = out.join(renamed, on=f"post_{side}", how="left", maintain_order="left")
        yield out.select(cols)
