"""Scoring a run against known networks: precision, recall, label accuracy, cluster agreement.

>>> from cib.evaluate import evaluate, format_table
>>> ev = evaluate("data/processed/sample", "data/raw/sample/truth.parquet")  # doctest: +SKIP
>>> print(format_table(ev))                                                   # doctest: +SKIP

Modules: :mod:`.scoring` (the evaluation of one run), :mod:`.labels` (reading a
labels file), :mod:`.metrics` (pure metric helpers on arrays). See
``docs/evaluate.md``.
"""

from __future__ import annotations

from cib.evaluate.labels import CLASS_COLUMNS, NETWORK_COLUMNS, read_labels
from cib.evaluate.metrics import (
    adjusted_rand_index,
    ari_from_contingency,
    contingency_table,
    midranks,
    nmi_from_contingency,
    normalized_mutual_information,
    precision_recall_f1,
    roc_auc,
)
from cib.evaluate.scoring import (
    POSITIVE_CLASSES,
    Evaluation,
    HardNegative,
    NetworkRecall,
    evaluate,
    format_table,
)

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
