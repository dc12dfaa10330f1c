"""Why few edges survived: what each filter of detection removed, and what to run to see them.

Detection finds candidate edges and then filters them: accounts with too few
shares are dropped before pairing (``detect.min_participation``), crowd objects
are set aside (``detect.max_object_shares_per_window``), and edges below
``detect.min_weight`` or above ``detect.max_fdr`` after the significance test
are removed. The manifest's ``stages.detect`` records each count per signal;
:func:`filter_account` gathers them, and :func:`null_result` says, when few
edges or no network survive, which filter removed the most and the command
that would show what it removed.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["FILTERS", "filter_account", "null_result"]

#: filter → what it is, in words
FILTERS: dict[str, str] = {
    "significance": "not more frequent than chance (false discovery rate above detect.max_fdr)",
    "weight": "weight below detect.min_weight",
    "days": "co-occurring on fewer distinct days than detect.<signal>.min_days",
    "participation": "accounts with fewer shares than detect.min_participation, dropped before pairing",
    "crowds": "crowd objects above detect.max_object_shares_per_window, set aside",
}


def _signal_row(signal: str, info: Mapping[str, Any]) -> dict[str, Any]:
    crowds = info.get("crowds") or {}
    return {
        "signal": signal,
        "found": int(info.get("edges_found") or 0),
        "significance": int(info.get("edges_dropped_fdr") or 0),
        "weight": int(info.get("edges_dropped_min_weight") or 0),
        "days": int(info.get("edges_dropped_min_days") or 0),
        "kept": int(info.get("edges_kept") or 0),
        "participation": int(info.get("accounts_dropped_min_participation") or 0),
        "crowds": int(crowds.get("objects") or 0),
        "untestable": bool((info.get("null_model") or {}).get("untestable")),
    }


def filter_account(detect_info: Mapping[str, Any]) -> dict[str, Any]:
    """Candidate edges found, removed by each filter and kept, per signal and overall.

    Parameters
    ----------
    detect_info
        The manifest's ``stages.detect`` (:attr:`cib.detect.DetectResult.info`
        plus the ``co_similar_text`` and ``sync`` records).

    Returns
    -------
    dict
        ``signals``: one row per signal that had traces (``signal, found,
        significance, weight, days, kept`` in edges; ``participation`` in accounts;
        ``crowds`` in objects; ``untestable``), in the order run; ``total``:
        their sums.
    """
    rows = [
        _signal_row(sig, info)
        for sig, info in (detect_info.get("signals") or {}).items()
        if isinstance(info, Mapping) and info.get("traces")
    ]
    similar = detect_info.get("co_similar_text")
    if isinstance(similar, Mapping) and similar.get("posts_with_text_key"):
        rows.append(_signal_row("co_similar_text", similar))
    amplify = detect_info.get("amplify")
    if isinstance(amplify, Mapping) and amplify.get("events"):
        rows.append(_signal_row("amplify", amplify))
    sync = detect_info.get("sync")
    if isinstance(sync, Mapping) and sync.get("pairs_tested"):
        below = int(sync.get("pairs_below_fdr_level") or 0)
        kept = int(sync.get("edges") or 0)
        row = _signal_row("sync", {"edges_found": below, "edges_kept": kept, "edges_dropped_fdr": 0})
        row["weight"] = below - kept  # below sync.max_fdr yet not above the timing graph's weight threshold
        rows.append(row)
    keys = ("found", "significance", "weight", "days", "kept", "participation", "crowds")
    return {"signals": rows, "total": {k: sum(r[k] for r in rows) for k in keys}}


def _command(source: str, option: str) -> str:
    return f"cib analyse {shlex.quote(source)} {option}"


def null_result(
    detect_info: Mapping[str, Any],
    *,
    source: str,
    clusters: int,
    few_edges: int,
    signals_run: Sequence[str] = (),
) -> dict[str, Any] | None:
    """What the filters removed and what to try, when fewer than ``few_edges`` edges or no network survive.

    Parameters
    ----------
    detect_info
        The manifest's ``stages.detect``.
    source
        The input the run read (a file or folder), for the commands.
    clusters
        Networks found.
    few_edges
        ``report.few_edges``.
    signals_run
        The signals asked for (named when none of them had anything to pair).

    Returns
    -------
    dict or None
        ``None`` when enough edges and at least one network survive; else
        ``kept``, ``clusters``, ``account`` (:func:`filter_account`), ``lines``
        (the counts in words, one per filter that removed something) and
        ``tries`` (``[{"text", "command"}]``: the filter that removed most edges first).
    """
    account = filter_account(detect_info)
    total = account["total"]
    if total["kept"] >= few_edges and clusters > 0:
        return None
    lines = [f"{total['found']:,} candidate edges found, {total['kept']:,} kept"]
    removed = [
        (total["significance"], "significance", f"{total['significance']:,} removed as {FILTERS['significance']}"),
        (total["weight"], "weight", f"{total['weight']:,} removed with {FILTERS['weight']}"),
        (total["days"], "days", f"{total['days']:,} removed as {FILTERS['days']}"),
        (total["participation"], "participation", f"{total['participation']:,} {FILTERS['participation']}"),
        (total["crowds"], "crowds", f"{total['crowds']:,} {FILTERS['crowds']}"),
    ]
    lines += [text for n, _, text in removed if n]
    tries = []
    # edges removed come first, most first; then accounts and objects set aside before pairing
    for n, name, _ in sorted(removed, key=lambda t: (t[1] in ("participation", "crowds"), -t[0])):
        if not n:
            continue
        if name == "significance":
            tries.append({"text": f"keep the {n:,} edges the significance test removed (weigh them by the evidence)",
                          "command": _command(source, "--set detect.significance=false")})
            tries.append({"text": "use CooRTweet's semantics (no significance test, 10 s windows, weight = co-shares)",
                          "command": _command(source, "--preset coortweet")})
        elif name == "weight":
            tries.append({"text": f"keep the {n:,} edges below the weight threshold",
                          "command": _command(source, "--set detect.min_weight=0")})
        elif name == "days":
            short = ",".join(r["signal"] for r in account["signals"] if r["days"])
            tries.append({"text": f"keep the {n:,} edges whose co-occurrences fell on too few days ({short})",
                          "command": _command(source, " ".join(f"--set detect.{s}.min_days=1" for s in short.split(",")))})
        elif name == "participation":
            tries.append({"text": f"pair the {n:,} accounts with a single share too",
                          "command": _command(source, "--min-participation 1")})
        else:
            tries.append({"text": f"sample the {n:,} crowd objects instead of skipping them",
                          "command": _command(source, "--set detect.crowd_policy=sample")})
    if not account["signals"]:
        asked = ", ".join(signals_run) or "none"
        lines.append(f"no signal had anything to pair (signals asked for: {asked})")
    return {"kept": total["kept"], "clusters": clusters, "account": account, "lines": lines, "tries": tries}
