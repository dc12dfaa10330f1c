"""Score a run's flagged accounts, labels and clusters against known networks.

``evaluate(processed, labels)`` reads ``processed/account_scores.parquet`` and a
labels file (the ``truth.parquet`` of ``cib synth`` works as is) and returns an
:class:`Evaluation`: precision, recall and F1 of the flags, recall per network,
label accuracy and confusion, false-positive rate per kind of hard negative,
adjusted Rand index and NMI of clusters vs networks, and ROC AUC of the score.
``format_table`` prints it for a terminal; ``Evaluation.as_dict`` gives JSON.

The metric helpers (:func:`~cib.evaluate.metrics.precision_recall_f1`, ARI, NMI,
:func:`~cib.evaluate.metrics.roc_auc`, …) are small pure functions on arrays in
:mod:`cib.evaluate.metrics`; reading the labels file is :mod:`cib.evaluate.labels`.
:mod:`cib.evaluate` re-exports the public names of all three.
What each metric means, and over which accounts it is computed, is in
``docs/evaluate.md``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from cib.errors import InputError
from cib.evaluate.labels import read_labels

# _cells/_ari/_nmi: the cluster agreement builds one sparse table for both ARI and NMI
from cib.evaluate.metrics import (
    _ari,
    _cells,
    _nmi,
    precision_recall_f1,
    roc_auc,
)
from cib.schema import read_table

__all__ = [
    "POSITIVE_CLASSES",
    "Evaluation",
    "NetworkRecall",
    "HardNegative",
    "evaluate",
    "format_table",
]

#: classes that are coordinated (used when a labels file has a class column but no network column)
POSITIVE_CLASSES = ("bot", "troll")
#: the hard negatives of `cib synth`, listed first in the FPR table
HARD_NEGATIVE_ORDER = ("news_bot", "fan_community", "breaking_news", "organic")

NOT_FLAGGED = "(not flagged)"
NO_LABEL = "(no label)"
UNKNOWN_CLASS = "(unknown)"
NOT_COORDINATED = "(not coordinated)"
NO_KIND = "(no kind)"


# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class NetworkRecall:
    """How much of one planted network was flagged.

    ``clusters`` counts the distinct clusters its members fall in;
    ``top_cluster_share`` is the share of its members in the most common one.
    """

    network: str
    cls: str
    size: int
    flagged: int
    recall: float
    clusters: int
    top_cluster_share: float


@dataclass(frozen=True)
class HardNegative:
    """Flags among accounts of one kind that are in no network."""

    kind: str
    n: int
    flagged: int
    fpr: float


@dataclass
class Evaluation:
    """Every figure of one evaluation (see ``docs/evaluate.md``). ``None`` means undefined."""

    processed: str
    labels: str
    network_column: str | None
    class_column: str | None
    n_labelled: int
    n_positive: int
    n_negative: int
    n_networks: int
    n_scored: int
    unlabelled_scored: int
    unlabelled_flagged: int
    tp: int
    fp: int
    fn: int
    tn: int
    precision: float | None
    recall: float | None
    f1: float | None
    fpr: float | None
    auc: float | None
    label_n: int
    label_correct: int
    label_accuracy: float | None
    ari: float | None
    nmi: float | None
    cluster_universe: int
    n_clusters: int
    networks: list[NetworkRecall] = field(default_factory=list)
    hard_negatives: list[HardNegative] = field(default_factory=list)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: keys sorted, floats rounded to 6 places, lists in table order."""
        return _clean(asdict(self))

    def to_json(self) -> str:
        """The evaluation as a JSON document (see :meth:`as_dict`)."""
        return json.dumps(self.as_dict(), sort_keys=True, ensure_ascii=False, indent=2) + "\n"

    def write_json(self, path: str | Path) -> Path:
        """Write :meth:`to_json` to ``path`` (its folder is created)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")
        return path


def _clean(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _clean(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return None if math.isnan(v) else round(v, 6)
    return value


# --------------------------------------------------------------------------- inputs


def _read_scores(processed: Path) -> tuple[pl.DataFrame, str]:
    path = processed if processed.suffix == ".parquet" else processed / "account_scores.parquet"
    if not path.parent.is_dir():
        raise InputError(processed, "no such folder of processed tables",
                         hint="give data/processed/<collection> after running `cib analyse`")
    scores = read_table(path, "account_scores")
    scores = (
        scores.select(
            pl.col("account_id").cast(pl.String),
            pl.col("cluster_id").cast(pl.Int64),
            pl.col("flagged").cast(pl.Boolean).fill_null(False),
            pl.col("label").cast(pl.String).str.to_lowercase(),
            pl.col("score").cast(pl.Float64).fill_null(0.0).fill_nan(0.0),
        )
        .filter(pl.col("account_id").is_not_null())
        .unique(subset="account_id", keep="first", maintain_order=True)
    )
    return scores, str(path)


# --------------------------------------------------------------------------- evaluation


def _natural(key: str) -> tuple[Any, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", key))


def _per_network(df: pl.DataFrame) -> list[NetworkRecall]:
    """Recall, class and cluster spread of each planted network, in natural order of the ids."""
    networks = []
    for (net,), grp in df.filter(pl.col("pos")).group_by("network"):
        size = grp.height
        flagged = int(grp["flagged"].sum())
        classes = grp["truth_class"].unique().to_list()
        in_clusters = grp["cluster_id"].drop_nulls()
        top = int(in_clusters.value_counts(sort=True)["count"][0]) if in_clusters.len() else 0
        networks.append(NetworkRecall(
            network=str(net), cls=classes[0] if len(classes) == 1 else "mixed", size=size, flagged=flagged,
            recall=flagged / size, clusters=int(in_clusters.n_unique()), top_cluster_share=top / size,
        ))
    return sorted(networks, key=lambda n: _natural(n.network))


def _hard_negatives(df: pl.DataFrame) -> list[HardNegative]:
    """False-positive rate per kind among accounts in no network (synth's hard negatives first)."""
    hard = []
    negatives = df.filter(~pl.col("pos")).with_columns(kind=pl.col("cls").fill_null(NO_KIND))
    for (kind,), grp in negatives.group_by("kind"):
        flagged = int(grp["flagged"].sum())
        hard.append(HardNegative(kind=str(kind), n=grp.height, flagged=flagged, fpr=flagged / grp.height))
    order = {k: i for i, k in enumerate(HARD_NEGATIVE_ORDER)}
    return sorted(hard, key=lambda h: (order.get(h.kind, len(order)), h.kind))


def _cluster_agreement(part: pl.DataFrame) -> tuple[float | None, float | None]:
    """ARI and NMI of clusters vs networks over ``part`` (accounts in a network or a cluster).

    An account in no network is a singleton on the truth side; one in no
    cluster is a singleton on the predicted side.
    """
    if part.height == 0:
        return None, None
    codes = part.select(
        pl.when(pl.col("network").is_not_null()).then(pl.lit("n\x00") + pl.col("network"))
        .otherwise(pl.lit("s\x00") + pl.col("account_id")).rank("dense").alias("truth"),
        pl.when(pl.col("cluster_id").is_not_null()).then(pl.lit("c\x00") + pl.col("cluster_id").cast(pl.String))
        .otherwise(pl.lit("s\x00") + pl.col("account_id")).rank("dense").alias("pred"),
    )
    cells = _cells(codes["truth"].to_numpy(), codes["pred"].to_numpy())
    return _ari(*cells), _nmi(*cells)


def evaluate(processed: str | Path, labels: str | Path | pl.DataFrame) -> Evaluation:
    """Score ``processed/account_scores.parquet`` against a labels file.

    Parameters
    ----------
    processed
        A folder of processed tables (``data/processed/<collection>``), or the
        ``account_scores.parquet`` file itself.
    labels
        A CSV or Parquet file (or a frame) with ``account_id`` and a network
        column (``network_id``, ``network`` or ``group``; null = not
        coordinated) and/or a class column (``kind``, ``class`` or ``label``).

    The universe is the labels file's accounts: one absent from
    ``account_scores`` is not flagged, has score 0 and no cluster. Scored
    accounts missing from the labels are only counted
    (``unlabelled_scored``, ``unlabelled_flagged``).
    """
    processed = Path(processed)
    truth, net_col, cls_col = read_labels(labels)
    scores, scores_path = _read_scores(processed)
    label_name = "labels (DataFrame)" if isinstance(labels, pl.DataFrame) else str(labels)
    notes: list[str] = []
    has_networks = net_col is not None

    unlabelled = scores.join(truth.select("account_id"), on="account_id", how="anti")
    df = truth.join(scores, on="account_id", how="left", maintain_order="left").with_columns(
        pl.col("flagged").fill_null(False), pl.col("score").fill_null(0.0)
    )
    if has_networks:
        positive = pl.col("network").is_not_null()
    else:
        positive = pl.col("cls").is_in(list(POSITIVE_CLASSES)).fill_null(False)
        notes.append(f"no network column: accounts of class {' or '.join(POSITIVE_CLASSES)} count as coordinated, "
                     "one group per class; ARI and NMI need network ids")
        df = df.with_columns(network=pl.when(positive).then(pl.col("cls")))
    prefix = pl.col("network").str.split("_").list.first().str.to_lowercase()
    truth_class = (
        pl.when(pl.col("cls").is_not_null()).then(pl.col("cls"))
        .when(pl.col("network").is_null()).then(pl.lit(NOT_COORDINATED))
        .when(prefix.is_in(list(POSITIVE_CLASSES))).then(prefix)
        .otherwise(pl.lit(UNKNOWN_CLASS))
    )
    predicted = (
        pl.when(~pl.col("flagged")).then(pl.lit(NOT_FLAGGED))
        .otherwise(pl.col("label").fill_null(NO_LABEL))
    )
    df = df.with_columns(pos=positive, truth_class=truth_class, predicted=predicted)
    if cls_col is None:
        notes.append("no class column: a network's class is the part of its id before '_' (bot_1 → bot)")

    pos = df["pos"].to_numpy()
    flag = df["flagged"].to_numpy()
    tp = int(np.sum(pos & flag))
    fp = int(np.sum(~pos & flag))
    fn = int(np.sum(pos & ~flag))
    tn = int(np.sum(~pos & ~flag))
    precision, recall, f1 = precision_recall_f1(tp, fp, fn)

    # labels of correctly flagged accounts whose class is known
    hits = df.filter(pl.col("pos") & pl.col("flagged") & (pl.col("truth_class") != UNKNOWN_CLASS))
    label_correct = int((hits["predicted"] == hits["truth_class"]).sum())
    if tp and hits.height < tp:
        notes.append(f"{tp - hits.height} correctly flagged accounts have no known class and are left out of label accuracy")

    confusion: dict[str, dict[str, int]] = {}
    for row in df.group_by("truth_class", "predicted").len().iter_rows(named=True):
        confusion.setdefault(row["truth_class"], {})[row["predicted"]] = int(row["len"])

    networks = _per_network(df)
    hard = _hard_negatives(df)
    ari = nmi = None
    part = df.filter(pl.col("pos") | pl.col("cluster_id").is_not_null())
    if has_networks:
        ari, nmi = _cluster_agreement(part)

    return Evaluation(
        processed=scores_path,
        labels=label_name,
        network_column=net_col,
        class_column=cls_col,
        n_labelled=df.height,
        n_positive=tp + fn,
        n_negative=fp + tn,
        n_networks=len(networks),
        n_scored=scores.height,
        unlabelled_scored=unlabelled.height,
        unlabelled_flagged=int(unlabelled["flagged"].sum()),
        tp=tp, fp=fp, fn=fn, tn=tn,
        precision=precision, recall=recall, f1=f1,
        fpr=fp / (fp + tn) if fp + tn else None,
        auc=roc_auc(df["score"].to_numpy(), pos),
        label_n=hits.height,
        label_correct=label_correct,
        label_accuracy=label_correct / hits.height if hits.height else None,
        ari=ari, nmi=nmi,
        cluster_universe=part.height if has_networks else 0,
        n_clusters=int(part["cluster_id"].drop_nulls().n_unique()) if has_networks else 0,
        networks=networks,
        hard_negatives=hard,
        confusion=confusion,
        notes=notes,
    )


# --------------------------------------------------------------------------- text table


def _f(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    text = f"{x:.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text  # no "-0.000"


_NUMERIC = re.compile(r"-?[\d,]*\.?\d+|n/a")


def _grid(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[str]:
    cells = [list(map(str, headers))] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    right = [i > 0 and all(_NUMERIC.fullmatch(r[i]) for r in cells[1:]) for i in range(len(headers))]

    def line(r: list[str]) -> str:
        return "  ".join(c.rjust(w) if ra else c.ljust(w) for c, w, ra in zip(r, widths, right, strict=True)).rstrip()

    return [line(cells[0]), "  ".join("-" * w for w in widths)] + [line(r) for r in cells[1:]]


def format_table(ev: Evaluation) -> str:
    """The evaluation as plain-text tables for a terminal."""
    out = [
        f"evaluation of {ev.processed}",
        f"against {ev.labels}",
        f"accounts: {ev.n_labelled:,} labelled — {ev.n_positive:,} in {ev.n_networks:,} networks, "
        f"{ev.n_negative:,} not coordinated; {ev.n_scored:,} scored, of which "
        f"{ev.unlabelled_scored:,} unlabelled ({ev.unlabelled_flagged:,} flagged), left out",
        "",
    ]
    summary = [
        ("precision", _f(ev.precision), f"{ev.tp:,} of {ev.tp + ev.fp:,} flagged are in a network"),
        ("recall", _f(ev.recall), f"{ev.tp:,} of {ev.n_positive:,} network accounts flagged"),
        ("F1", _f(ev.f1), ""),
        ("false-positive rate", _f(ev.fpr), f"{ev.fp:,} of {ev.n_negative:,} others flagged"),
        ("ROC AUC of score", _f(ev.auc), "chance of a network account outscoring another"),
        ("label accuracy", _f(ev.label_accuracy), f"{ev.label_correct:,} of {ev.label_n:,} correctly flagged"),
        ("ARI clusters/networks", _f(ev.ari), f"over {ev.cluster_universe:,} accounts in a network or cluster"),
        ("NMI clusters/networks", _f(ev.nmi), f"{ev.n_clusters:,} clusters vs {ev.n_networks:,} networks"),
    ]
    out += _grid(("metric", "value", "counts"), summary)
    if ev.networks:
        out += ["", "per network"]
        out += _grid(
            ("network", "class", "size", "flagged", "recall", "clusters", "top cluster"),
            [(n.network, n.cls, f"{n.size:,}", f"{n.flagged:,}", _f(n.recall), n.clusters, _f(n.top_cluster_share))
             for n in ev.networks],
        )
    if ev.hard_negatives:
        out += ["", "accounts in no network, by kind"]
        out += _grid(("kind", "accounts", "flagged", "FPR"),
                     [(h.kind, f"{h.n:,}", f"{h.flagged:,}", _f(h.fpr)) for h in ev.hard_negatives])
    if ev.confusion:
        preds = sorted({p for row in ev.confusion.values() for p in row}, key=lambda p: (p.startswith("("), p))
        trues = sorted(ev.confusion, key=lambda t: (t.startswith("("), t))
        out += ["", "labels (rows: truth, columns: predicted label; unflagged accounts in the last column)"]
        out += _grid(["truth"] + preds, [[t] + [f"{ev.confusion[t].get(p, 0):,}" for p in preds] for t in trues])
    for note in ev.notes:
        out.append(f"note: {note}")
    return "\n".join(out) + "\n"
