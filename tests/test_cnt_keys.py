"""The cnt preset matches objects as coordination-network-toolkit does; cib's own keys differ on purpose."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl

from cib.config import load_config
from cib.detect import detect
from cib.normalise import cnt_text_key
from cib.params import PRESETS
from cib.schema import POSTS, conform

T0 = datetime(2024, 3, 1, tzinfo=UTC)


def _posts(rows: list[tuple[str, str, int, str, list[str]]]) -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "post_id": [r[0] for r in rows],
            "account_id": [r[1] for r in rows],
            "created_at": [T0 + timedelta(seconds=r[2]) for r in rows],
            "text": [r[3] for r in rows],
            "urls": [r[4] for r in rows],
        },
        schema_overrides={"created_at": POSTS["created_at"]},
    )
    return conform(frame, "posts").with_columns(pl.col("hashtags", "mentions", "media").fill_null([]))


def test_cnt_text_key_is_lowercase_without_mentions():
    got = pl.select(cnt_text_key(pl.lit(pl.Series(["@a Vote  NOW!", "vote now! @b", "@only", "Сайлау ҚАЗІР"])))).to_series()
    assert got.to_list() == ["vote now!", "vote now!", None, "сайлау қазір"]


def test_presets_pair_different_objects():
    posts = _posts(
        [
            ("1", "a", 0, "Vote now for the best leader https://t.co/a1", ["https://www.news.kz/x?utm_source=tw"]),
            ("2", "b", 10, "vote now for the best leader https://t.co/b2", ["https://news.kz/x"]),
        ]
    )
    signals = {"detect.signals": ["co_text", "co_link"]}
    cnt = detect(posts, load_config(preset=PRESETS["cnt"], preset_name="cnt", overrides=signals)).edges
    own = detect(posts, load_config(overrides={**signals, "detect.significance": False, "detect.min_participation": 1})).edges
    # CNT: different t.co links make different texts, and URLs are compared as written
    assert cnt.height == 0
    # cib: one text once URLs are stripped, one canonical URL once tracking and www are gone
    assert sorted(own["signal"].to_list()) == ["co_link", "co_text"]
