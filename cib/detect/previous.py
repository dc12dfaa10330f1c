"""The previous run's detection, taken over when it would come out the same.

Detection is a function of the posts and of the parameters whose names start
with :data:`DETECTION_PARAMS` (every signal's, and ``run.*``), and of nothing else. A run whose posts
are those of the collection's previous run (the same run id: the same files,
read the same way, by the same version) and whose detection parameters are
unchanged — a run again with other clustering, scoring or report settings —
takes that run's edges and evidence instead of detecting again.

A collection that grew is detected whole: edge weights count the
collection's accounts, the null model is scaled to all pairs, crowds are
counted over the whole collection and an ``auto`` window is estimated from
all of it, so edges between old posts change with the new ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cib.detect.engine import DetectResult
from cib.errors import CibError
from cib.manifest import check_run
from cib.schema import read_table

__all__ = ["DETECTION_PARAMS", "previous_detection"]

#: the parameters detection reads (by the start of their names)
DETECTION_PARAMS = ("detect.", "similar.", "sync.", "amplify.", "paraphrase.", "run.")


def _detection(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k.startswith(DETECTION_PARAMS)}


def previous_detection(
    folder: str | Path | None, run_id: str | None, params: dict[str, Any]
) -> tuple[DetectResult | None, dict[str, Any], str]:
    """The previous run's edges and evidence when this run would detect the same, with its manifest and why (not).

    Parameters
    ----------
    folder
        The collection's outputs before this run.
    run_id
        This run's id (:func:`cib.manifest.run_id_of`).
    params
        This run's effective parameters.

    Returns
    -------
    (DetectResult or None, dict, str)
        The detection (``info`` as its manifest recorded it) or ``None``, the
        previous manifest (empty when there is none) and the reason.
    """
    if folder is None or not (Path(folder) / "manifest.json").is_file():
        return None, {}, "no previous run"
    folder = Path(folder)
    old = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    if old.get("run_id") != run_id:
        return None, old, "the posts changed"
    if _detection(old.get("parameters", {})) != _detection(params):
        return None, old, "the detection parameters changed"
    if "detect" not in old.get("counts", {}) or not all(
        (folder / f"{t}.parquet").is_file() for t in ("edges", "evidence")
    ):
        return None, old, "the previous run did not detect"
    try:
        check_run(folder)
    except CibError:
        return None, old, "the previous outputs mix two runs"
    edges = read_table(folder / "edges.parquet", "edges")
    evidence = read_table(folder / "evidence.parquet", "evidence")
    return DetectResult(edges, evidence, info=dict(old.get("stages", {}).get("detect", {}))), old, "reused"
