"""Work shared between detections of the same posts with different windows (a sweep).

A grid over ``detect.<signal>.window`` asks for the same signal's pairs at
several windows. The traces (normalised matching keys: the costly part of
``co_text`` and ``co_link``) do not depend on the window, and the pairs
within a narrower window are exactly the pairs within the widest one whose
``|Δt|`` is at most the narrower window. :class:`PairCache` keeps both: the
first detection computes a signal's pairs at the widest window the caller
announced, later ones filter them.

The filter is exact only when no object was set aside as a crowd at either
window (crowds are found per window: an object crowded at the widest window
may not be at a narrower one). When a crowd appears, the pairs are computed
at the window asked for, as without a cache. Every result is therefore the
one a detection without the cache gives.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

__all__ = ["PairCache"]


@dataclass
class PairCache:
    """Traces and widest-window pairs per signal, for detections of one set of posts.

    Parameters
    ----------
    widest
        Signal → the widest window (seconds) the caller will ask for; pairs are
        computed at that window once and filtered for the others.

    Attributes
    ----------
    traces
        :func:`cib.detect.traces.traces_key` → what the traces step produced.
    pairs
        (traces key, participation and crowd settings) → (window µs, pairs).
    reused
        How many times each kind of result served a later detection.
    """

    widest: dict[str, float] = field(default_factory=dict)
    traces: dict[tuple, Any] = field(default_factory=dict)
    pairs: dict[tuple, tuple[int, pl.DataFrame]] = field(default_factory=dict)
    reused: dict[str, int] = field(default_factory=lambda: {"traces": 0, "pairs": 0})
    # signals are detected on two threads: each has its own keys, but the counters are shared
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def _count(self, kind: str) -> None:
        with self._lock:
            self.reused[kind] += 1

    def get_traces(self, key: tuple, compute: Callable[[], Any]) -> Any:
        """The traces for ``key``, computed on first use."""
        if key in self.traces:
            self._count("traces")
            return self.traces[key]
        self.traces[key] = out = compute()
        return out

    def get_pairs(
        self,
        key: tuple,
        window_us: int,
        widest_us: int,
        crowd_free: Callable[[int], bool],
        compute: Callable[[int], pl.DataFrame],
    ) -> pl.DataFrame:
        """The pairs within ``window_us``, from the widest window's when that is exact.

        Parameters
        ----------
        key
            What the pairs depend on besides the window.
        window_us, widest_us
            The window asked for, and the widest one announced (µs).
        crowd_free
            Whether no object is a crowd at a given window (µs).
        compute
            The pairs at a given window (µs), without the cache.
        """
        held = self.pairs.get(key)
        if held is not None and held[0] >= window_us and crowd_free(held[0]) and crowd_free(window_us):
            self._count("pairs")
            return _within(held[1], window_us)
        if widest_us > window_us and crowd_free(widest_us) and crowd_free(window_us):
            wide = compute(widest_us)
            self.pairs[key] = (widest_us, wide)
            return _within(wide, window_us)
        out = compute(window_us)
        if held is None or held[0] < window_us:
            self.pairs[key] = (window_us, out)
        return out


def _within(pairs: pl.DataFrame, window_us: int) -> pl.DataFrame:
    return pairs.filter((pl.col("ta") - pl.col("tb")).abs() <= window_us)
