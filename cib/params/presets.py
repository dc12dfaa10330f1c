"""Presets that reproduce published tools: parameter values, applied before ``cib.toml`` and flags.

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

from typing import Any

from cib.signals import WINDOWED, windowed_values

__all__ = ["PRESETS"]

_RAW = {
    "detect.significance": False,
    "detect.min_weight": 0.0,
    # the peers keep an edge on one day
    **{f"detect.{s}.min_days": 1 for s in WINDOWED},
}

PRESETS: dict[str, dict[str, Any]] = {
    "coortweet": {
        **_RAW,
        # CooRTweet has no notion of signal: it pairs whatever objects it is
        # given. These are the objects its examples use; a signal without traces
        # gives nothing.
        "detect.signals": ["co_reshare", "co_link", "co_hashtag", "co_image"],
        **windowed_values(10.0),
        "detect.min_participation": 2,
        "detect.participation_filter": "coortweet",
        "detect.max_object_shares_per_window": 0,
        "detect.weight": "n_pairs",
    },
    "cnt": {
        **_RAW,
        # co_retweet, co_link, co_tweet and co_reply of the toolkit.
        "detect.signals": ["co_reshare", "co_link", "co_text", "co_reply"],
        **windowed_values(60.0),
        "detect.min_participation": 1,
        "detect.participation_filter": "before",
        "detect.weight": "n_posts",
        "detect.min_weight": 1.0,
        "detect.match_keys": "cnt",
        "detect.max_object_shares_per_window": 0,
    },
    "default": {},
}
