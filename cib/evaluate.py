"""Score a run's flagged accounts, labels and clusters against known networks.

``evaluate(processed, labels)`` reads ``processed/account_scores.parquet`` and a
labels file (the ``truth.parquet`` of ``cib synth`` works as is) and returns an
:class:`Evaluation`: precision, recall and F1 of the flags, recall per network,
label accuracy and confusion, false-positive rate per kind of hard negative,
adjusted Rand index and NMI of clusters vs networks, and ROC AUC of the score.
``format_table`` prints it for a terminal; ``Evaluation.as_dict`` gives JSON.

The metric helpers (:func:`precision_recall_f1`, :func:`adjusted_rand_index`,
:func:`normalized_mutual_information`, :func:`roc_auc`, …) are small pure
functions on arrays. What each metric means, and over which accounts it is
computed, is in ``docs/evaluate.md``.
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
from cib.schema import read_table

__all__ = [
    "NETWORK_COLUMNS",
    "CLASS_COLUMNS",
    "POSITIVE_CLASSES",
    "Evaluation",
    "NetworkRecall",
    "HardNegative",
    "evaluate",
    "format_table",
    "read_labels",
    "precision_recall_f1",
    "contingency_table",
    "ari_from_contingency",
    "nmi_from_contingency",
    "adjusted_rand_index",
    "normalized_mutual_information",
    "midranks",
    "roc_auc",
]

#: accepted names of the network column, first found wins (case-insensitive)
NETWORK_COLUMNS = ("network_id", "network", "group")
#: accepted names of the class column, first found wins (case-insensitive)
CLASS_COLUMNS = ("kind", "class", "label")
#: classes that are coordinated (used when a labels file has a class column but no network column)
POSITIVE_CLASSES = ("bot", "troll")
#: the hard negatives of `cib synth`, listed first in the FPR table
HARD_NEGATIVE_ORDER = ("news_bot", "fan_community", "breaking_news", "organic")

_NULLISH = {"", "null", "none", "na", "n/a", "nan"}
_HINT = (
    "give a CSV or Parquet file with an account_id column and a network_id column "
    "(empty for accounts not in a coordinated network), optionally kind — "
    "the truth.parquet written by `cib synth` works as is"
)
NOT_FLAGGED = "(not flagged)"
NO_LABEL = "(no label)"
UNKNOWN_CLASS = "(unknown)"
NOT_COORDINATED = "(not coordinated)"
NO_KIND = "(no kind)"


# --------------------------------------------------------------------------- metrics


def precision_recall_f1(tp: int, fp: int, fn: int) -> tuple[float | None, float | None, float | None]:
    """Precision, recall and F1 from counts.

    ``precision = tp / (tp + fp)``, ``recall = tp / (tp + fn)`` and
    ``F1 = 2 tp / (2 tp + fp + fn)`` (the harmonic mean of the two, also defined
    when one of them is not). A ratio whose denominator is 0 is ``None``.
    """
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = 2 * tp / (2 * tp + fp + fn) if 2 * tp + fp + fn else None
    return precision, recall, f1


def _codes(labels: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Integer codes 0..k-1 of labels: numbers or strings via numpy, anything hashable otherwise."""
    arr = np.asarray(labels) if not isinstance(labels, np.ndarray) else labels
    if arr.ndim == 1 and arr.dtype.kind in "biufUS":
        return np.unique(arr, return_inverse=True)[1].ravel().astype(np.int64)
    index: dict[Any, int] = {}
    return np.fromiter((index.setdefault(x, len(index)) for x in labels), dtype=np.int64, count=len(labels))


def _cells(a: Sequence[Any] | np.ndarray, b: Sequence[Any] | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The non-zero cells, row sums and column sums of the contingency table of two labelings.

    Kept sparse: with many singleton groups a dense table would be n × n.
    """
    if len(a) != len(b):
        raise ValueError(f"labelings differ in length: {len(a)} and {len(b)}")
    ca, cb = _codes(a), _codes(b)
    if ca.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    pairs = ca * (int(cb.max()) + 1) + cb
    _, cells = np.unique(pairs, return_counts=True)
    return cells, np.bincount(ca), np.bincount(cb)


def contingency_table(a: Sequence[Any] | np.ndarray, b: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Dense contingency table: entry ``[i, j]`` counts items in group i of ``a`` and group j of ``b``.

    Groups are numbered in sorted order of their labels. Meant for small inputs and tests;
    the metrics themselves use a sparse form.
    """
    ua, ia = np.unique(np.asarray(a), return_inverse=True)
    ub, ib = np.unique(np.asarray(b), return_inverse=True)
    table = np.zeros((ua.size, ub.size), dtype=np.int64)
    np.add.at(table, (ia.ravel(), ib.ravel()), 1)
    return table


def _comb2(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    return float(np.sum(x * (x - 1.0) / 2.0))


def _ari(cells: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> float | None:
    n = float(np.sum(rows))
    if n == 0:
        return None
    index, sum_a, sum_b = _comb2(cells), _comb2(rows), _comb2(cols)
    total = n * (n - 1.0) / 2.0
    expected = sum_a * sum_b / total if total else 0.0
    maximum = (sum_a + sum_b) / 2.0
    if maximum == expected:  # both all-singletons or both one group: identical partitions
        return 1.0
    return (index - expected) / (maximum - expected)


def _nmi(cells: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> float | None:
    n = float(np.sum(rows))
    if n == 0:
        return None

    def entropy(counts: np.ndarray) -> float:
        p = np.asarray(counts, dtype=np.float64)
        p = p[p > 0] / n
        return float(-np.sum(p * np.log(p)))

    h_a, h_b = entropy(rows), entropy(cols)
    if h_a == 0.0 and h_b == 0.0:  # both one group: identical
        return 1.0
    # I(A;B) = H(A) + H(B) - H(A,B): needs only the non-zero cells
    mutual = max(h_a + h_b - entropy(cells), 0.0)
    return min(mutual / ((h_a + h_b) / 2.0), 1.0)


def ari_from_contingency(table: np.ndarray | Sequence[Sequence[int]]) -> float | None:
    """Adjusted Rand index (Hubert & Arabie 1985) of a contingency table.

    With ``n_ij`` the cells, ``a_i`` the row sums, ``b_j`` the column sums and
    ``C(x) = x (x - 1) / 2`` the number of pairs::

        index    = Σ C(n_ij)
        expected = Σ C(a_i) · Σ C(b_j) / C(n)
        maximum  = (Σ C(a_i) + Σ C(b_j)) / 2
        ARI      = (index - expected) / (maximum - expected)

    1 for identical partitions, about 0 for independent ones, negative when
    they agree less than chance. Two identical trivial partitions (all
    singletons, or one group) give 1; an empty table gives ``None``.
    """
    t = np.asarray(table, dtype=np.int64)
    return _ari(t[t > 0], t.sum(axis=1), t.sum(axis=0))


def nmi_from_contingency(table: np.ndarray | Sequence[Sequence[int]]) -> float | None:
    """Normalised mutual information of a contingency table, arithmetic-mean normalisation.

    ``NMI = I(A; B) / ((H(A) + H(B)) / 2)``, with entropies in nats from the
    row sums, column sums and cells. 1 for identical partitions, 0 for
    independent ones. Two one-group partitions give 1; an empty table ``None``.
    """
    t = np.asarray(table, dtype=np.int64)
    return _nmi(t[t > 0], t.sum(axis=1), t.sum(axis=0))


def adjusted_rand_index(a: Sequence[Any] | np.ndarray, b: Sequence[Any] | np.ndarray) -> float | None:
    """Adjusted Rand index of two labelings of the same items (see :func:`ari_from_contingency`)."""
    return _ari(*_cells(a, b))


def normalized_mutual_information(a: Sequence[Any] | np.ndarray, b: Sequence[Any] | np.ndarray) -> float | None:
    """Normalised mutual information of two labelings of the same items (see :func:`nmi_from_contingency`)."""
    return _nmi(*_cells(a, b))


def midranks(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Ranks 1..n of the values, tied values sharing the mean of their ranks."""
    x = np.asarray(values, dtype=np.float64)
    _, inverse, counts = np.unique(x, return_inverse=True, return_counts=True)
    start = np.cumsum(counts) - counts  # ranks before each distinct value
    return (start + (counts + 1) / 2.0)[inverse.ravel()]


def roc_auc(scores: Sequence[float] | np.ndarray, positive: Sequence[bool] | np.ndarray) -> float | None:
    """Area under the ROC curve by the Mann–Whitney rank formula.

    ``AUC = (R₊ - n₊ (n₊ + 1) / 2) / (n₊ n₋)`` where ``R₊`` is the sum of the
    positives' mid-ranks: the probability that a random positive scores above
    a random negative, ties counting one half. ``None`` when either class is empty.
    """
    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(positive, dtype=bool)
    if s.shape != y.shape:
        raise ValueError(f"scores and labels differ in shape: {s.shape} and {y.shape}")
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    r_pos = float(midranks(s)[y].sum())
    return (r_pos - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


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


def _norm_name(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def _read_labels_file(path: Path) -> pl.DataFrame:
    if not path.exists():
        raise InputError(path, "labels file not found", hint=_HINT)
    if path.is_dir():
        raise InputError(path, "is a folder, not a labels file", hint=_HINT)
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PAR1":
        try:
            return pl.read_parquet(path)
        except Exception as exc:  # polars raises several kinds for a broken file
            raise InputError(path, f"not a readable Parquet file ({type(exc).__name__})", hint=_HINT) from None
    if path.suffix.lower() in (".parquet", ".pq"):
        raise InputError(path, "not a Parquet file (no Parquet header)", hint=_HINT)
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    try:
        return pl.read_csv(path, infer_schema=False, separator=sep, raise_if_empty=False)
    except Exception as exc:
        raise InputError(path, f"not a readable CSV file ({type(exc).__name__})", hint=_HINT) from None


def _pick(names: dict[str, str], candidates: Sequence[str]) -> str | None:
    return next((names[c] for c in candidates if c in names), None)


def _clean_str(col: str) -> pl.Expr:
    s = pl.col(col).cast(pl.String).str.strip_chars()
    return pl.when(s.str.to_lowercase().is_in(list(_NULLISH))).then(None).otherwise(s)


def read_labels(labels: str | Path | pl.DataFrame) -> tuple[pl.DataFrame, str | None, str | None]:
    """Read a labels file into ``account_id, network, cls`` (strings, null where absent).

    Returns the frame and the names of the network and class columns used
    (``None`` when the file has none). Empty strings and ``null``/``none``/
    ``NA``/``nan`` count as null; classes are lower-cased. Raises
    :class:`~cib.errors.InputError` for a missing or unreadable file, no
    ``account_id`` column, no usable label column, an empty account id, or an
    account listed twice with different labels.
    """
    if isinstance(labels, pl.DataFrame):
        source: str | Path = "labels (DataFrame)"
        raw = labels
    else:
        source = Path(labels)
        raw = _read_labels_file(source)
    names: dict[str, str] = {}
    for col in raw.columns:
        names.setdefault(_norm_name(col), col)
    id_col = names.get("account_id")
    if id_col is None:
        raise InputError(source, f"no account_id column (columns: {', '.join(raw.columns) or 'none'})", hint=_HINT)
    net_col = _pick(names, NETWORK_COLUMNS)
    cls_col = _pick(names, CLASS_COLUMNS)
    if net_col is None and cls_col is None:
        raise InputError(
            source,
            f"no label column: looked for {', '.join(NETWORK_COLUMNS + CLASS_COLUMNS)}",
            hint=_HINT,
        )
    frame = raw.select(
        _clean_str(id_col).alias("account_id"),
        (_clean_str(net_col) if net_col else pl.lit(None, dtype=pl.String)).alias("network"),
        (_clean_str(cls_col).str.to_lowercase() if cls_col else pl.lit(None, dtype=pl.String)).alias("cls"),
    ).with_row_index("_row", offset=1)
    blank = frame.filter(pl.col("account_id").is_null())
    if blank.height:
        raise InputError(source, "empty account id", row=int(blank["_row"][0]), column=id_col,
                         hint="fill it in or delete the row")
    frame = frame.unique(subset=["account_id", "network", "cls"], keep="first", maintain_order=True)
    dup = frame.filter(pl.col("account_id").is_duplicated())
    if dup.height:
        first = dup["account_id"][0]
        rows = dup.filter(pl.col("account_id") == first)["_row"].to_list()
        raise InputError(
            source,
            f"account {first!r} is listed {len(rows)} times with different labels (rows {', '.join(map(str, rows))})",
            hint="keep one row per account",
        )
    return frame.drop("_row"), net_col, cls_col


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
