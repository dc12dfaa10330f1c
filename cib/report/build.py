"""Build the report: read the tables, compute the figures and dossiers, render one HTML file."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import networkx as nx
import polars as pl

from cib import signals
from cib._version import __version__
from cib.config import Config
from cib.files import replacing
from cib.progress import Progress, Teller
from cib.report import methods
from cib.report.changes import changes_context, diff_runs, previous_run
from cib.report.data import UNCLUSTERED, ReportData, load
from cib.report.dossier import LABEL_ORDER, Networks, build_networks
from cib.report.figures import ClusterInfo
from cib.report.filters import null_result
from cib.report.layout import Layout, Link, arrange, compute_layout
from cib.report.links import degrees, links_among, links_inside, pairs
from cib.report.naming import summary_paragraph
from cib.report.network_view import drawn_accounts, network_view
from cib.report.page import render
from cib.report.safety import safe_json
from cib.report.timeline import timeline_figure
from cib.report.workbench import page_data
from cib.schema import SCHEMA_VERSION

__all__ = ["NOT_FLAGGED", "POST_COLUMNS", "AccountModel", "account_model", "report_context", "build_report"]

_KEY_PARAMS = (
    "detect.signals",
    "detect.min_participation",
    "detect.weight",
    "detect.min_weight",
    "detect.significance",
    "detect.max_fdr",
    "detect.evidence_per_edge",
    "cluster.resolution",
    "cluster.min_size",
    "score.timezone",
    "run.seed",
    "report.timezone",
)


@dataclass
class AccountModel:
    """The flagged accounts as the report draws them (the exports reuse it so Gephi shows the same picture)."""

    flagged: pl.DataFrame
    layout: Layout
    clusters: dict[int, ClusterInfo]


#: layout key of accounts that are not flagged (exports only; the report does not draw them)
NOT_FLAGGED = -2
#: the columns of the posts table the report reads
POST_COLUMNS = ("post_id", "account_id", "created_at", "text", "urls", "hashtags", "platform", "lang", "source_file",
                "source_row")  # fmt: skip


def _flagged(d: ReportData) -> pl.DataFrame:
    """The flagged accounts, one row each: ``account_id, cluster_key, label, score, handle, display_name``."""
    people = d.accounts.select("account_id", "handle", "display_name").unique("account_id", keep="first")
    return (
        d.scores.filter(pl.col("flagged").fill_null(False))
        .unique("account_id", keep="first")
        .select(
            "account_id",
            pl.col("cluster_id").fill_null(UNCLUSTERED).alias("cluster_key"),
            "label",
            "score",
        )
        .join(people, on="account_id", how="left")
        .sort("account_id")
    )


def _groups(flagged: pl.DataFrame) -> dict[int, list[str]]:
    """Cluster key → its flagged accounts (in account order)."""
    groups: dict[int, list[str]] = {}
    for account, key in flagged.select("account_id", "cluster_key").iter_rows():
        groups.setdefault(int(key), []).append(account)
    return groups


def _infos(d: ReportData, groups: Mapping[int, Sequence[str]]) -> dict[int, ClusterInfo]:
    """What the charts say about each network of the clusters table and each group of flagged accounts."""
    infos: dict[int, ClusterInfo] = {}
    for row in d.clusters.iter_rows(named=True):
        cid = int(row["cluster_id"])
        infos[cid] = ClusterInfo(
            key=cid,
            name=f"Network {cid}",
            label=str(row["label"] or ""),
            score=row["score"],
            reason=str((row["reasons"] or [""])[0]) if row["reasons"] else "",
            anchor=f"cluster-{cid}",
        )
    for key in groups:
        if key not in infos:
            infos[key] = ClusterInfo(key, "No network" if key == UNCLUSTERED else f"Network {key}")
    return infos


def account_model(
    d: ReportData, graph: nx.Graph, *, others: Sequence[str] = (), degree: Mapping[str, int] | None = None
) -> AccountModel:
    """Flagged accounts with their network, label, score and names, laid out and coloured.

    Parameters
    ----------
    d
        The loaded tables.
    graph
        The fused account graph.
    others
        Accounts that are not flagged but should be placed too (under the
        networks, in grey, without moving them): the exports place every node.
    degree
        Each account's links in the whole graph, when ``graph`` holds only the
        links inside each network (see :func:`cib.report.layout.compute_layout`).

    Returns
    -------
    AccountModel
    """
    flagged = _flagged(d)
    groups = _groups(flagged)
    flagged_ids = set(flagged["account_id"].to_list())
    rest = sorted({o for o in others if o not in flagged_ids})
    layout = compute_layout(
        groups, graph, seed=int(d.cfg["run.seed"]), below={NOT_FLAGGED: rest} if rest else None, degree=degree
    )
    return AccountModel(flagged, layout, _infos(d, groups))


def _drawn_model(d: ReportData, flagged: pl.DataFrame, links: pl.DataFrame, drawn: Sequence[str]) -> AccountModel:
    """The flagged accounts as :func:`account_model` lays them out, with only the ``drawn`` ones placed.

    ``links`` holds every link (:func:`cib.report.links.pairs`); the graph is read
    from it for the accounts placed, never built whole.
    """
    groups = _groups(flagged)
    ids = flagged["account_id"].implode()
    degree = dict(degrees(links).filter(pl.col("account_id").is_in(ids)).iter_rows())
    keys = flagged.select("account_id", "cluster_key")
    inside = links_inside(links_among(links, drawn), keys, key="cluster_key").select(
        "cluster_key", "account_a", "account_b",
        pl.when(pl.col("weight").fill_null(0.0) == 0).then(1.0).otherwise(pl.col("weight")).alias("weight"),
    )  # fmt: skip
    by_key: dict[int, list[Link]] = {}
    for key, a, b, w in inside.iter_rows():
        by_key.setdefault(int(key), []).append((a, b, w))
    layout = arrange(
        groups, degree, lambda key, _members: by_key.get(key, []), seed=int(d.cfg["run.seed"]), placed=set(drawn)
    )
    return AccountModel(flagged, layout, _infos(d, groups))


def _value(value: Any) -> str:
    """A parameter's value as a reader would write it (``60`` rather than ``60.0``, lists comma-separated)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | tuple) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(_value(v) for v in value) if value else "(none)"
    return json.dumps(value, ensure_ascii=False, default=str)


def _count(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return _value(value)


def _counts(manifest: dict[str, Any]) -> list[tuple[str, str]]:
    """The manifest's row counts per stage, one readable line each."""
    out = []
    for stage, what in (manifest.get("counts") or {}).items():
        if isinstance(what, dict):
            out.append((str(stage), ", ".join(f"{str(k).replace('_', ' ')} {_count(v)}" for k, v in what.items())))
        else:
            out.append((str(stage), _value(what)))
    return out


def report_context(d: ReportData, *, progress: Progress | None = None) -> dict[str, Any]:
    """Everything the template shows, as plain values (the template escapes them).

    The account graph is read from ``d.fused`` for the accounts the page draws
    and describes; what it costs follows the ``report.*`` limits.

    Parameters
    ----------
    d
        The loaded tables.
    progress
        Told each part as it starts (:mod:`cib.progress`).

    Returns
    -------
    dict
    """
    tell = Teller(progress, "report", "page")
    cfg = d.cfg
    tell("layout")
    links = pairs(d.fused)
    flagged = _flagged(d)
    among = links_among(links, flagged["account_id"])
    drawn = drawn_accounts(flagged, among, int(cfg["report.max_accounts_drawn"]))
    model = _drawn_model(d, flagged, links, drawn[1])
    tell("dossiers", d.clusters.height, None, "networks")
    networks = _networks(d, links, model)
    # A dot or bubble opens its network's dossier: those of networks without one open nothing.
    with_dossier = {x.cluster_id: x for x in networks.dossiers}
    model.clusters = {
        k: replace(c, name=_titled(c.name, with_dossier[k].topic)) if k in with_dossier else replace(c, anchor="")
        for k, c in model.clusters.items()
    }
    tell("network view")
    view = network_view(
        model.flagged,
        among,
        drawn,
        model.layout,
        model.clusters,
        max_links=int(cfg["report.max_edges_drawn"]),
        webgl_above=int(cfg["report.webgl_above"]),
        cluster_view_above=int(cfg["report.cluster_view_above"]),
    )
    figures: dict[str, Any] = dict(view.figures)
    tell("timeline")
    timeline, unit = _timeline(d, model)
    if timeline is not None:
        figures["timeline"] = timeline
    figures.update(networks.figures)
    times = d.posts["created_at"].drop_nulls()
    fmt = "%Y-%m-%d %H:%M"
    first = times.min().astimezone(d.tz).strftime(fmt) if times.len() else None  # type: ignore[union-attr]
    last = times.max().astimezone(d.tz).strftime(fmt) if times.len() else None  # type: ignore[union-attr]
    networks_by_label = _networks_by_label(d.clusters)
    key_params, signal_rows = _parameters(d)
    return {
        "collection": d.collection,
        "tz": d.tz.key,
        "first_post": first,
        "last_post": last,
        "summary": summary_paragraph(networks, n_posts=d.posts.height, first=first, last=last, tz=d.tz.key,
                                     chars=int(cfg["report.name_chars"])),
        "n_posts": d.posts.height,
        "n_accounts": d.accounts.height,
        "n_flagged": model.flagged.height,
        "n_flagged_networks": sum(n for _, n in networks_by_label),
        "networks_by_label": networks_by_label,
        "n_links": links.height,
        "notes": d.notes,
        "null_result": _null_result(d),
        "changes": None,  # set by build_report when the collection's previous run was kept
        "key_params": key_params,
        "network": view,
        "has_timeline": timeline is not None,
        "timeline_unit": unit,
        "events": [{"time": e.time.astimezone(d.tz).strftime(fmt), "name": e.name} for e in d.events],
        "n_bursts": 0 if d.bursts is None else d.bursts.height,
        "burst_bands": (timeline or {}).get("layout", {}).get("meta", {}).get("bands", 0),
        "networks": networks,
        "signals": signal_rows,
        "labels": methods.LABELS,
        "caveats": methods.CAVEATS,
        **_provenance(d),
        "data_json": safe_json({"figures": figures, **page_data(networks.dossiers, max_hits=int(cfg["report.search_hits"]))}),
    }


def _titled(name: str, topic: str) -> str:
    """A network's name in the charts: its number and what it is about (``Network 3 · #tag · ru``)."""
    return f"{name} · {topic}" if topic else name


def _timeline(d: ReportData, model: AccountModel) -> tuple[dict[str, Any] | None, str]:
    """The timeline chart (``None`` without posts) and its bin's name."""
    return timeline_figure(
        d.posts,
        model.flagged.select("account_id", "cluster_key"),
        model.clusters,
        model.layout.colours,
        d.tz,
        top=int(d.cfg["report.timeline_clusters"]),
        events=d.events,
        bursts=d.bursts,
    )


def _networks(d: ReportData, links: pl.DataFrame, model: AccountModel) -> Networks:
    """The networks' table and dossiers within the ``report.*`` limits."""
    cfg = d.cfg
    return build_networks(
        d.clusters,
        d.scores,
        d.accounts,
        d.posts,
        d.lazy("evidence"),
        links,
        model.layout.colours,
        d.tz,
        {
            "networks": int(cfg["report.networks_listed"]),
            "dossiers": int(cfg["report.max_dossiers"]),
            "members": int(cfg["report.members_listed"]),
            "evidence_groups": int(cfg["report.evidence_groups"]),
            "evidence_posts": int(cfg["report.evidence_posts"]),
            "top_items": int(cfg["report.top_items"]),
            "name_chars": int(cfg["report.name_chars"]),
            "text_chars": int(cfg["report.text_chars"]),
            "background": int(cfg["report.term_background_posts"]),
        },
        strength={str(k): float(v) for k, v in dict(cfg.values.get("detect.fusion.weights") or {}).items()},
        windows={r["key"]: r["window"].removesuffix(" (configured; not run)") for r in _parameters(d)[1]},
    )


def _networks_by_label(clusters: pl.DataFrame) -> list[tuple[str, int]]:
    """``(label, networks)`` of every label but organic, the most concerning first."""
    by_label = (
        clusters.filter(pl.col("label").fill_null("") != "organic")
        .group_by(pl.col("label").fill_null("unlabelled"))
        .agg(pl.len().alias("n"))
        .iter_rows()
    )
    return sorted(by_label, key=lambda t: (LABEL_ORDER.get(t[0], 9), t[0]))


def _parameters(d: ReportData) -> tuple[list[tuple[str, str, str]], list[dict[str, str]]]:
    """The key parameters with where each was set (and the windows the signals ran with), and the signals' rows."""
    cfg = d.cfg
    key_params = [(n, _value(cfg[n]), cfg.origins.get(n, "default")) for n in _KEY_PARAMS if n in cfg.values]
    run = [str(s) for s in cfg.values.get("detect.signals") or []]
    window_params = {s: signals.window_param(s) or "sync.bins" for s in signals.ALL}
    configured = {s: cfg.values.get(p) for s, p in window_params.items()}
    signal_rows = methods.signal_rows(run, (d.manifest.get("stages") or {}).get("detect") or {}, configured)
    used = [r for r in signal_rows if r["key"] in run]
    if used:
        set_by = sorted({cfg.origins.get(window_params[r["key"]], "default") for r in used} - {"default"})
        text = " · ".join(f"{r['key']} {r['window']}" for r in used)
        key_params.insert(1, ("windows used", text, ", ".join(set_by) or "default"))
    return key_params, signal_rows


def _null_result(d: ReportData) -> dict[str, Any] | None:
    """What each filter removed and the commands to try, when few edges or no network survived."""
    inputs = [str(i) for i in d.manifest.get("inputs") or []]
    return null_result(
        (d.manifest.get("stages") or {}).get("detect") or {},
        source=inputs[0] if len(inputs) == 1 else str(d.processed),
        clusters=d.clusters.height,
        few_edges=int(d.cfg["report.few_edges"]),
        signals_run=[str(s) for s in d.cfg.values.get("detect.signals") or []],
    )


def _provenance(d: ReportData) -> dict[str, Any]:
    """Versions, the run's machine, input files, row counts, timings, warnings and every parameter."""
    cfg = d.cfg
    manifest = d.manifest
    return {
        "version": __version__,
        "manifest_version": manifest.get("version"),
        "schema_version": manifest.get("schema_version", SCHEMA_VERSION),
        "processed": str(d.processed),
        "started_at": manifest.get("started_at"),
        "python": manifest.get("python"),
        "platform": manifest.get("platform"),
        "seed": manifest.get("seed", cfg.values.get("run.seed")),
        "files": [
            {k: f.get(k) for k in ("path", "format", "size", "rows_in", "posts", "rejects", "sha256")}
            for f in (manifest.get("files") or [])
            if isinstance(f, dict)
        ],
        "counts": _counts(manifest),
        "timings": [(str(k), v) for k, v in (manifest.get("timings_s") or {}).items()],
        "warnings": [str(w) for w in (manifest.get("warnings") or [])],
        "params": [(n, _value(v), cfg.origins.get(n, "default")) for n, v in cfg.as_dict().items()],
    }


def _changes(processed: Path, cfg: Config) -> dict[str, Any] | None:
    """The "What changed" section: this run against the collection's previous one, when it was kept."""
    before = previous_run(processed)
    if before is None:
        return None
    changes = diff_runs(before, processed, min_overlap=float(cfg["cluster.match_min_overlap"]))
    info = before / "run.json"
    run = json.loads(info.read_text(encoding="utf-8")) if info.is_file() else {}
    return changes_context(changes, {"run_id": run.get("run_id", before.name), "as_of": run.get("as_of")})


def build_report(
    processed: str | Path, out_dir: str | Path, *, cfg: Config | None = None, progress: Progress | None = None
) -> Path:
    """Write a collection's report.

    Parameters
    ----------
    processed
        The collection's processed folder (``posts``, ``accounts``, ``edges``,
        ``evidence``, ``clusters``, ``account_scores`` Parquet tables and
        ``manifest.json``; all but posts and accounts may be missing or empty).
    out_dir
        Folder of the report (created).
    cfg
        Configuration; by default the parameters recorded in the manifest.
    progress
        Told each part of the page as it starts, as task ``page`` (:mod:`cib.progress`).

    Returns
    -------
    pathlib.Path
        ``out_dir/index.html``: one self-contained file that opens offline.
    """
    tell = Teller(progress, "report", "page")
    tell("reading tables")
    d = load(processed, cfg, post_columns=POST_COLUMNS, scan=("edges", "evidence"))
    context = report_context(d, progress=progress)
    context["changes"] = _changes(Path(processed), d.cfg)
    tell("writing")
    html = render(context)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "index.html"
    with replacing(path) as tmp:
        tmp.write_text(html, encoding="utf-8")
    tell.finished()
    return path
