"""The window a detector uses: the configured one, CooRnet's estimate for ``auto``, never finer than the data.

:func:`resolve_window` is the one path from a configured window (or bin) to the
one used, shared by the windowed signals, ``co_similar_text`` and ``sync``:
``"auto"`` is estimated from the data (:func:`estimate_window`), and a window
finer than the source's time resolution (minute-resolution archives) is
widened to it with a warning. The manifest records both, and the report shows
the window used.

``window = "auto"`` is CooRnet's data-driven coordination interval. Giglietto et al. (CooRnet, ``estimate_coord_interval``) let the data choose
the window: among objects shared at least twice, measure how long each takes
to go past a fraction ``p`` of its shares (``p = 0.5``: past half of them);
keep the fastest fraction ``q`` of objects (``q = 0.1``); the window is the
median of their times. The value used is always reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

__all__ = ["Window", "resolve_window", "estimate_window"]

#: the window used when ``auto`` finds nothing to estimate from (no object shared twice)
AUTO_FALLBACK_S = 60.0


@dataclass(frozen=True)
class Window:
    """A configured window and the one used.

    Attributes
    ----------
    setting
        As configured: seconds or ``"auto"``.
    seconds
        The window used.
    widened_from_s
        The window before it was widened to the data's resolution (``None`` when not).
    estimate
        CooRnet's figures behind an ``auto`` window (``None`` otherwise).
    warnings
        What a reader of the manifest should know (an estimate that fell back, a widening).
    """

    setting: float | str
    seconds: float
    widened_from_s: float | None = None
    estimate: dict[str, Any] | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def record(self, info: dict[str, Any]) -> None:
        """Write the window into a detector's ``info`` (``window_setting``, ``window_s`` and the rest)."""
        info["window_setting"] = self.setting
        if self.estimate is not None:
            info["auto_window"] = self.estimate
        if self.widened_from_s is not None:
            info["widened_from_s"] = self.widened_from_s
        info["window_s"] = self.seconds


def resolve_window(
    what: str,
    setting: float | str,
    resolution_s: float | None,
    estimate: Callable[[], tuple[float | None, dict[str, Any]]] | None = None,
) -> Window:
    """The window a detector uses.

    Parameters
    ----------
    what
        What the window is of (a signal's name, ``"sync bin"``), for the warnings.
    setting
        Seconds, or ``"auto"`` when ``estimate`` is given.
    resolution_s
        The coarsest time step of the input (``None`` or 0 when unknown): a finer
        window is widened to it.
    estimate
        Called for ``"auto"``: ``(seconds or None, details)`` (:func:`estimate_window`
        on the signal's traces).

    Returns
    -------
    Window
    """
    warnings: list[str] = []
    details = None
    if setting == "auto":
        if estimate is None:
            raise ValueError(f"{what}: window = auto is not available here")
        seconds, details = estimate()
        if seconds is None:
            seconds = AUTO_FALLBACK_S
            warnings.append(f"{what}: window = auto but no object was shared twice; used {AUTO_FALLBACK_S:g} s")
    else:
        seconds = float(setting)
    widened = None
    if resolution_s and seconds < resolution_s:
        warnings.append(
            f"{what}: window {seconds:g} s is finer than the data's time resolution ({resolution_s:g} s); "
            f"widened to {resolution_s:g} s"
        )
        widened, seconds = seconds, float(resolution_s)
    return Window(setting, seconds, widened, details, tuple(warnings))


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
