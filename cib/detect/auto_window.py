"""``window = "auto"``: CooRnet's data-driven coordination interval.

Giglietto et al. (CooRnet, ``estimate_coord_interval``) let the data choose
the window: among objects shared at least twice, measure how long each takes
to go past a fraction ``p`` of its shares (``p = 0.5``: past half of them);
keep the fastest fraction ``q`` of objects (``q = 0.1``); the window is the
median of their times. The value used is always reported.
"""

from __future__ import annotations

import polars as pl

__all__ = ["estimate_window"]


def estimate_window(tr: pl.LazyFrame, *, q: float = 0.1, p: float = 0.5) -> tuple[float | None, dict]:
    """Estimate the coordination interval of one signal.

    Parameters
    ----------
    tr
        Traces with ``o`` (object) and ``t`` (µs) columns.
    q
        Fraction of objects, the fastest, that set the window.
    p
        Fraction of an object's shares whose arrival is timed: the time from the
        first share to the first share whose rank / count exceeds ``p``.

    Returns
    -------
    window_s, details
        The window in seconds (``None`` when no object was shared twice) and the
        numbers behind it.
    """
    ranked = (
        tr.select("o", "t")
        .filter(pl.len().over("o") >= 2)
        .sort(["o", "t"])
        .with_columns(
            (pl.int_range(1, pl.len() + 1).over("o") / pl.len().over("o")).alias("_perc"),
            (pl.col("t") - pl.col("t").min().over("o")).alias("_since"),
        )
    )
    per_object = (
        ranked.filter(pl.col("_perc") > p)
        .group_by("o")
        .agg(pl.col("_since").min().alias("s"))
        .select((pl.col("s") / 1e6).alias("s"))
        .collect()
        .get_column("s")
    )
    details: dict = {"method": "coornet", "q": q, "p": p, "objects": int(per_object.len())}
    if per_object.len() == 0:
        return None, details
    cut = float(per_object.quantile(q, interpolation="linear"))  # type: ignore[arg-type]
    fastest = per_object.filter(per_object <= cut)
    window = float(fastest.median())  # type: ignore[arg-type]
    details.update({"quantile_s": cut, "fastest_objects": int(fastest.len()), "window_s": window})
    return window, details
