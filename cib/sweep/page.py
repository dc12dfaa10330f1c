"""``reports/<name>/sweep.html``: the sweep on one offline page.

Plotly charts (each metric against each parameter, stability over the grid,
how the recommended point's clusters survive at every point), the recommended
setting with its reasons, and every point's figures. plotly.js is inlined once;
the page loads nothing from the network (its Content-Security-Policy forbids
it) and every value is escaped by Jinja2's autoescaping or
:func:`cib.report.safety.safe_json`.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
import polars as pl

from cib._version import __version__
from cib.files import replacing
from cib.report.page import plotly_js, template_environment
from cib.report.safety import CSP, hover_text, safe_json
from cib.sweep.grid import value_text
from cib.sweep.stability import best_match, cluster_members

if TYPE_CHECKING:
    from cib.sweep.result import SweepResult

__all__ = ["write_page", "render", "METRIC_LABELS"]

#: metric column → label on the page, in the order offered
METRIC_LABELS = {
    "f1": "F1 (vs labels)",
    "precision": "precision (vs labels)",
    "recall": "recall (vs labels)",
    "label_accuracy": "label accuracy (vs labels)",
    "ari": "adjusted Rand index (clusters vs networks)",
    "fpr": "false-positive rate (vs labels)",
    "flagged_accounts": "flagged accounts",
    "flagged_clusters": "flagged clusters",
    "clusters": "clusters",
    "edges": "edges (account pairs per signal)",
    "accounts_in_edges": "accounts in edges",
    "stability": "stability of flagged clusters",
}
_MAX_SURVIVAL_ROWS = 30


def _num(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


@cache
def _environment() -> jinja2.Environment:
    env = template_environment("cib.sweep")
    env.filters.update(num=_num, value=value_text)
    return env


def _tick(value: Any) -> str:
    return hover_text(value_text(value), limit=60)


def _point_label(row: dict[str, Any], axes: list[str]) -> str:
    return f"point {row['point']}: " + ", ".join(f"{a}={value_text(row[a])}" for a in axes)


def _metric_figures(rows: list[dict[str, Any]], axes: list[str], metrics: list[str]) -> list[dict[str, Any]]:
    """One figure per axis: x = its values, one line per setting of the other axes, a menu of metrics."""
    figures = []
    for axis in axes:
        others = [a for a in axes if a != axis]
        lines: dict[tuple, list[dict[str, Any]]] = {}
        for r in rows:
            lines.setdefault(tuple(value_text(r[a]) for a in others), []).append(r)
        traces = []
        for key, members in lines.items():
            label = ", ".join(f"{a}={v}" for a, v in zip(others, key, strict=True)) or "all points"
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": hover_text(label),
                    "x": [_tick(r[axis]) for r in members],
                    "y": [r.get(metrics[0]) for r in members],
                    "text": [hover_text(_point_label(r, axes)) for r in members],
                    "hovertemplate": "%{text}<br>%{y}<extra></extra>",
                }
            )
        buttons = [
            {
                "label": METRIC_LABELS[m],
                "method": "update",
                "args": [
                    {"y": [[r.get(m) for r in members] for members in lines.values()]},
                    {"yaxis.title.text": METRIC_LABELS[m]},
                ],
            }
            for m in metrics
        ]
        layout = {
            "height": 380,
            "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
            "xaxis": {"title": {"text": hover_text(axis)}, "type": "category"},
            "yaxis": {"title": {"text": METRIC_LABELS[metrics[0]]}, "rangemode": "tozero"},
            "legend": {"title": {"text": hover_text(", ".join(others))}} if others else {},
            "showlegend": bool(others),
            "updatemenus": [{"buttons": buttons, "x": 0, "xanchor": "left", "y": 1.18, "yanchor": "top", "direction": "down"}],
        }
        figures.append({"id": f"metric-{len(figures)}", "axis": axis, "data": traces, "layout": layout})
    return figures


def _stability_grid(rows: list[dict[str, Any]], result: SweepResult) -> dict[str, Any] | None:
    """Point stability over the first two axes (the others held at the recommended point's values)."""
    axes = result.grid.axes
    if not axes:
        return None
    ref = result.recommended if result.recommended is not None else 0
    held = {a.name: result.points[ref].values[a.name] for a in axes[2:]}
    x_axis = axes[0]
    y_axis = axes[1] if len(axes) > 1 else None
    by_index = {p.index: rows[p.id] for p in result.points}
    ref_index = result.points[ref].index
    z, text = [], []
    for j in range(len(y_axis.values) if y_axis else 1):
        zr, tr = [], []
        for i in range(len(x_axis.values)):
            index = (i, j, *ref_index[2:]) if y_axis else (i,)
            r = by_index[index]
            zr.append(r.get("stability"))
            tr.append(hover_text(_point_label(r, [a.name for a in axes])) + f"<br>flagged accounts {r['flagged_accounts']}")
        z.append(zr)
        text.append(tr)
    data = [
        {
            "type": "heatmap",
            "x": [_tick(v) for v in x_axis.values],
            "y": [_tick(v) for v in y_axis.values] if y_axis else [""],
            "z": z,
            "text": text,
            "zmin": 0,
            "zmax": 1,
            "colorscale": "Viridis",
            "colorbar": {"title": {"text": "stability"}},
            "texttemplate": "%{z:.2f}",
            "hovertemplate": "%{text}<br>stability %{z:.2f}<extra></extra>",
        }
    ]
    layout = {
        "height": 160 + 40 * (len(y_axis.values) if y_axis else 1),
        "margin": {"l": 80, "r": 20, "t": 20, "b": 50},
        "xaxis": {"title": {"text": hover_text(x_axis.name)}, "type": "category"},
        "yaxis": {"title": {"text": hover_text(y_axis.name) if y_axis else ""}, "type": "category"},
    }
    return {"id": "stability-grid", "data": data, "layout": layout, "held": {k: value_text(v) for k, v in held.items()}}


def _survival(result: SweepResult, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The recommended point's clusters (rows) matched at every point (columns)."""
    ref = result.recommended
    if ref is None:
        return None
    scores = {}
    for p in result.points:
        path = result.folder(p.id) / "account_scores.parquet"
        frame = pl.read_parquet(path, columns=["account_id", "cluster_id"]).filter(pl.col("cluster_id").is_not_null())
        scores[p.id] = dict(frame.iter_rows())
    ref_clusters = result.stability.filter(pl.col("point") == ref).sort(["flagged", "size", "cluster_id"], descending=[True, True, False])
    ref_clusters = ref_clusters.head(_MAX_SURVIVAL_ROWS)
    if ref_clusters.height == 0:
        return None
    members = cluster_members(scores[ref])
    sizes = {pid: {c: len(m) for c, m in cluster_members(s).items()} for pid, s in scores.items()}
    axes = [a.name for a in result.grid.axes]
    ylabels, z, text = [], [], []
    for row in ref_clusters.iter_rows(named=True):
        cid = row["cluster_id"]
        ylabels.append(f"cluster {cid} ({row['label']}, {row['size']})")
        zr, tr = [], []
        for p in result.points:
            match, jac = best_match(members[cid], scores[p.id], sizes[p.id])
            zr.append(round(jac, 3))
            where = f"cluster {match}" if match is not None else "no cluster"
            tr.append(hover_text(_point_label(rows[p.id], axes)) + f"<br>best match: {where}")
        z.append(zr)
        text.append(tr)
    data = [
        {
            "type": "heatmap",
            "x": [f"point {p.id}" for p in result.points],
            "y": [hover_text(y) for y in ylabels],
            "z": z,
            "text": text,
            "zmin": 0,
            "zmax": 1,
            "colorscale": "Viridis",
            "colorbar": {"title": {"text": "Jaccard"}},
            "hovertemplate": "%{y}<br>%{text}<br>Jaccard %{z:.2f}<extra></extra>",
        }
    ]
    layout = {
        "height": 140 + 26 * len(ylabels),
        "margin": {"l": 170, "r": 20, "t": 20, "b": 60},
        "xaxis": {"type": "category", "tickangle": -45},
        "yaxis": {"type": "category", "autorange": "reversed"},
    }
    return {"id": "survival", "data": data, "layout": layout, "shown": len(ylabels), "total": int((result.stability["point"] == ref).sum())}


def render(result: SweepResult, *, collection: str, source: str) -> str:
    """The page's HTML."""
    table = result.table
    rows = table.to_dicts()
    axes = [a.name for a in result.grid.axes]
    metrics = [m for m in METRIC_LABELS if m in table.columns and table[m].null_count() < table.height]
    shown_cols = [c for c in table.columns if c not in {"folder", "recommended"}]
    best = rows[result.recommended] if result.recommended is not None else None
    figures = _metric_figures(rows, axes, metrics) if metrics else []
    grid_fig = _stability_grid(rows, result)
    survival = _survival(result, rows)
    plots = [*figures, *(f for f in (grid_fig, survival) if f)]
    info = result.info
    context = {
        "csp": CSP,
        "version": __version__,
        "plotlyjs": plotly_js(),
        "collection": collection,
        "source": source,
        "axes": [{"name": a.name, "vals": [value_text(v) for v in a.values], "targets": a.targets} for a in result.grid.axes],
        "n_points": len(rows),
        "info": info,
        "best": best,
        "best_params": result.params(result.recommended) if result.recommended is not None else {},
        "best_folder": str(result.folder(result.recommended)) if result.recommended is not None else None,
        "reasons": result.reasons,
        "figures": figures,
        "grid_fig": grid_fig,
        "survival": survival,
        "columns": shown_cols,
        "rows": rows,
        "labelled": bool(info.get("labels")),
        "plots_json": safe_json([{"id": f["id"], "data": f["data"], "layout": f["layout"]} for f in plots]),
    }
    return _environment().get_template("sweep.html.j2").render(**context)


def write_page(result: SweepResult, path: str | Path, *, collection: str, source: str) -> Path:
    """Write the page to ``path`` (its folder is created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as tmp:
        tmp.write_text(render(result, collection=collection, source=source), encoding="utf-8")
    return path
