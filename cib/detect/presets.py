"""Presets that reproduce published tools, and the ``--window``/``--min-participation`` flags.

``coortweet``
    CooRTweet 2.1 (Righetti & Balluff): ``detect_groups`` then
    ``generate_coordinated_network``. Accounts with fewer than
    ``min_participation`` shares are dropped first, pairs are counted with
    ``|Δt| ≤ time_window``, CooRTweet's second participation pass is applied,
    the weight is the number of co-share pairs, and there is no significance
    filter. Its default window is 10 s.
``cnt``
    coordination-network-toolkit 1.5.2 (QUT Digital Observatory): no
    participation filter, ``|Δt| ≤ time_window`` (default 60 s), weight = distinct
    posts of one account matched by the other (the larger direction on our
    undirected edges; both directions are in ``edge_stats``), ``min_edge_weight``
    1, no significance filter.
``default``
    cib's own settings.
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from cib.detect.traces import SIGNALS
from cib.errors import ConfigError

__all__ = ["PRESETS", "cli_overrides", "parse_window", "cnt_directed"]

_RAW = {
    "detect.significance": False,
    "detect.min_weight": 0.0,
}

PRESETS: dict[str, dict[str, Any]] = {
    "coortweet": {
        **_RAW,
        # CooRTweet has no notion of signal: it pairs whatever objects it is
        # given. These are the objects its examples use; a signal without traces
        # gives nothing.
        "detect.signals": ["co_reshare", "co_link", "co_hashtag", "co_image"],
        **{f"detect.{s}.window": 10.0 for s in SIGNALS},
        "detect.min_participation": 2,
        "detect.participation_filter": "coortweet",
        "detect.max_object_shares_per_window": 0,
        "detect.weight": "n_pairs",
    },
    "cnt": {
        **_RAW,
        # co_retweet, co_link, co_tweet and co_reply of the toolkit.
        "detect.signals": ["co_reshare", "co_link", "co_text", "co_reply"],
        **{f"detect.{s}.window": 60.0 for s in SIGNALS},
        "detect.min_participation": 1,
        "detect.participation_filter": "before",
        "detect.weight": "n_posts",
        "detect.min_weight": 1.0,
        "detect.match_keys": "cnt",
        "detect.max_object_shares_per_window": 0,
    },
    "default": {},
}

_UNITS = {"": 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def parse_window(text: str | float | int) -> float | str:
    """A window flag in seconds: ``"60"``, ``"90s"``, ``"2m"``, ``"1h"`` or ``"auto"``.

    Raises
    ------
    ConfigError
        When the value is neither a non-negative duration nor ``auto``.
    """
    if isinstance(text, int | float) and not isinstance(text, bool):
        value = float(text)
    else:
        raw = str(text).strip().lower()
        if raw == "auto":
            return "auto"
        match = re.fullmatch(r"(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)", raw)
        if not match or match.group(2) not in _UNITS:
            raise ConfigError(
                f"--window {text}: not a duration",
                hint="give seconds (60), a unit (90s, 2m, 1h) or auto",
            )
        value = float(match.group(1)) * _UNITS[match.group(2)]
    if value < 0:
        raise ConfigError(f"--window {text}: a window cannot be negative")
    return value


def cli_overrides(window: str | None, min_participation: int | None) -> dict[str, Any]:
    """Parameter values for the ``--window`` and ``--min-participation`` flags.

    Parameters
    ----------
    window
        Applies to every signal's window; ``None`` leaves them alone.
    min_participation
        ``detect.min_participation``; ``None`` leaves it alone.

    Returns
    -------
    dict
        Parameter name → value, for :func:`cib.config.load_config` ``overrides``.
    """
    out: dict[str, Any] = {}
    if window is not None:
        value = parse_window(window)
        out.update({f"detect.{s}.window": value for s in SIGNALS})
    if min_participation is not None:
        if int(min_participation) < 1:
            raise ConfigError(f"--min-participation {min_participation}: must be at least 1")
        out["detect.min_participation"] = int(min_participation)
    return out


def cnt_directed(edge_stats: pl.DataFrame, signal: str | None = None) -> pl.DataFrame:
    """coordination-network-toolkit's directed rows from ``edge_stats``.

    Returns
    -------
    pl.DataFrame
        ``signal, source, target, weight`` where weight = distinct posts of
        ``source`` with a co-occurring post by ``target``; sorted.
    """
    es = edge_stats if signal is None else edge_stats.filter(pl.col("signal") == signal)
    forward = es.select("signal", pl.col("account_a").alias("source"), pl.col("account_b").alias("target"), pl.col("n_posts_a").alias("weight"))
    backward = es.select("signal", pl.col("account_b").alias("source"), pl.col("account_a").alias("target"), pl.col("n_posts_b").alias("weight"))
    return pl.concat([forward, backward]).sort(["signal", "source", "target"])
