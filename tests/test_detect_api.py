"""Presets, flags, fusion and documentation of the detection stage."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pytest

from cib.config import load_config, registry
from cib.detect import SIGNALS, detect
from cib.errors import ConfigError
from cib.network import fuse
from cib.params import PRESETS, parse_duration
from cib.pipeline import build_config
from tests.test_detect_support import cfg, posts_frame

DOCS = Path(__file__).resolve().parents[1] / "docs" / "signals.md"


def test_presets_are_valid_parameter_sets():
    assert set(PRESETS) == {"coortweet", "cnt", "default"}
    for name, values in PRESETS.items():
        c = load_config(preset=values, preset_name=name)
        for key in values:
            assert c.origins[key] == f"preset {name}"
    c = load_config(preset=PRESETS["coortweet"], preset_name="coortweet")
    assert c["detect.weight"] == "n_pairs" and c["detect.significance"] is False
    assert c["detect.co_reshare.window"] == 10.0  # CooRTweet's default time_window


@pytest.mark.parametrize(
    ("flag", "value"),
    [("60", 60.0), ("90s", 90.0), ("2m", 120.0), ("1h", 3600.0), ("12h", 43200.0), ("2d", 172800.0), ("auto", "auto"), (30, 30.0)],
)
def test_window_flag(flag, value):
    assert parse_duration(flag, auto=True) == value
    c = build_config(window=flag)
    assert {s: c[f"detect.{s}.window"] for s in SIGNALS} == dict.fromkeys(SIGNALS, value)
    assert all(c.origins[f"detect.{s}.window"] == "flag" for s in SIGNALS)
    assert c["similar.window"] == registry()["similar.window"].default  # paraphrases keep their own window


@pytest.mark.parametrize("flag", ["soon", "-5", "0", "nan", "inf", "10 parsecs", "2 fortnights"])
def test_bad_window_flag(flag):
    with pytest.raises(ConfigError):
        build_config(window=flag)


@pytest.mark.parametrize("where", ["set", "toml"])
def test_one_duration_reader_for_every_way_of_setting_a_window(where, tmp_path):
    # --set detect.co_reshare.window=2m, a cib.toml saying "2m", and --window 120 give one value
    if where == "set":
        c = build_config(sets=["detect.co_reshare.window=2m"])
    else:
        (tmp_path / "cib.toml").write_text('[detect.co_reshare]\nwindow = "2m"\n', encoding="utf-8")
        c = build_config(tmp_path / "cib.toml")
    assert c["detect.co_reshare.window"] == build_config(window=120)["detect.co_reshare.window"] == 120.0
    assert build_config(sets=["similar.window=1.5h"])["similar.window"] == 5400.0
    assert build_config(sets=['sync.bins=["1m", "10m"]'])["sync.bins"] == [60.0, 600.0]


def test_min_participation_flag():
    assert build_config(min_participation=3)["detect.min_participation"] == 3
    assert build_config()["detect.min_participation"] == registry()["detect.min_participation"].default
    with pytest.raises(ConfigError):
        build_config(min_participation=0)


def test_flags_win_over_preset():
    c = build_config(preset="coortweet", window=60, min_participation=2)
    assert c["detect.co_reshare.window"] == 60.0 and c.origins["detect.co_reshare.window"] == "flag"
    assert c["detect.weight"] == "n_pairs" and c.origins["detect.weight"] == "preset coortweet"
    # --set wins over --window
    assert build_config(window=60, sets=["detect.co_link.window=5"])["detect.co_link.window"] == 5.0
    with pytest.raises(ConfigError, match="unknown preset"):
        build_config(preset="nope")


def test_fuse_keeps_signals_and_weights():
    rows = [
        {"acct": "a", "t": 0, "reshare_of": "X", "text": "x"},
        {"acct": "b", "t": 1, "reshare_of": "X"},
        {"acct": "a", "t": 100, "hashtags": ["Vote"]},
        {"acct": "b", "t": 101, "hashtags": ["vote"]},
        {"acct": "c", "t": 200, "hashtags": ["vote"]},
        {"acct": "b", "t": 205, "hashtags": ["vote"]},
    ]
    c = cfg(detect__signals=["co_reshare", "co_hashtag"])
    res = detect(posts_frame(rows), c)
    g = fuse(res.edges, c)
    assert isinstance(g, nx.Graph) and sorted(g.nodes) == ["a", "b", "c"]
    ab = g.edges["a", "b"]
    assert ab["signals"] == ["co_hashtag", "co_reshare"]
    assert ab["by_signal"] == {"co_hashtag": 1.0, "co_reshare": 1.0}
    assert ab["weight"] == pytest.approx(1.0 * 1.0 + 0.25 * 1.0)  # hashtag counts 0.25 by default
    assert g.edges["b", "c"]["signals"] == ["co_hashtag"]
    assert fuse(res.edges.clear(), c).number_of_nodes() == 0


def test_every_detect_parameter_is_in_signals_doc():
    text = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"`(detect\.[a-z0-9_.]+)`", text))
    declared = {n for n in registry() if n.startswith("detect.")}
    assert declared <= documented, sorted(declared - documented)
    for sig in SIGNALS:
        assert f"### `{sig}`" in text


@pytest.mark.parametrize("signal", ["co_a", "co_m", "co_z", "sync"])
def test_insert_signal_equals_concatenate_and_sort(signal):
    import polars as pl

    from cib.detect import insert_signal
    from cib.schema import EDGES

    def edges(rows):
        return pl.DataFrame(
            [{"account_a": a, "account_b": b, "signal": s, "weight": 1.0, "n_objects": 1, "n_pairs": 1} for s, a, b in rows]
        ).select(pl.col(c).cast(t) if c in {"account_a", "account_b", "signal", "weight", "n_objects", "n_pairs"} else pl.lit(None, t).alias(c) for c, t in EDGES.items())

    base = edges([("co_b", "1", "2"), ("co_b", "1", "3"), ("co_n", "0", "9"), ("co_x", "5", "6")])
    more = edges([(signal, "4", "5"), (signal, "1", "7"), (signal, "1", "2")])  # not in order
    got = insert_signal(base, more)
    assert got.equals(pl.concat([base, more]).sort(["signal", "account_a", "account_b"]))
