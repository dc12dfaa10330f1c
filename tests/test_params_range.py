"""Every parameter declares what it accepts, and every way of setting it refuses anything else."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from cib.config import load_config, markdown_table, registry
from cib.errors import ConfigError
from cib.params import MAX_DURATION_S, Param
from cib.pipeline import build_config

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "formats"
PARAMS = registry()


def _kind(p: Param) -> str:
    return p.kind.removesuffix("|auto")


def _holds(p: Param, kind: type) -> bool:
    items = list(p.default.values()) if isinstance(p.default, dict) else p.default
    return isinstance(items, list) and bool(items) and all(isinstance(v, kind) and not isinstance(v, bool) for v in items)


NUMERIC = [n for n, p in PARAMS.items() if _kind(p) in ("int", "float", "duration", "durations") or _holds(p, int | float)]
NAMED = [n for n, p in PARAMS.items() if _kind(p) == "list" and _holds(p, str)]


def test_every_numeric_parameter_declares_its_range():
    undeclared = [n for n in NUMERIC if _kind(PARAMS[n]) not in ("duration", "durations") and PARAMS[n].min is None and PARAMS[n].max is None]
    assert not undeclared
    assert {"cluster.resolution", "detect.max_fdr", "ingest.chunk_rows", "run.seed", "score.bot.night_share"} <= set(NUMERIC)
    # lists of names say which names
    assert NAMED == ["detect.signals", "score.weak_signals"]
    assert all(PARAMS[n].choices for n in NAMED)
    zones = [n for n, p in PARAMS.items() if p.name.endswith("timezone")]
    assert zones == ["ingest.default_timezone", "report.timezone", "score.timezone"]
    assert all(PARAMS[n].kind.removesuffix("|auto") == "zone" for n in zones)


def _cases(p: Param) -> list[tuple[int, float, bool]]:
    """(item, number, accepted) around each bound of each item of ``p``, and the non-finite numbers."""
    size = len(p.min) if isinstance(p.min, tuple) else len(p.max) if isinstance(p.max, tuple) else 0
    out = []
    for i in range(size) if size else [None]:
        lo, hi, lo_in, hi_in = p.bounds(i)
        at = i or 0
        out += [(at, math.nan, False), (at, math.inf, False), (at, -math.inf, False)]
        step = 1 if _kind(p) == "int" else 0.5
        # in an increasing list only the first item can reach the lower bound, and the last the upper
        if lo is not None and not (p.ascending and at > 0):
            out += [(at, lo, lo_in), (at, lo - step, False)]
        if hi is not None and not (p.ascending and at < size - 1):
            out += [(at, hi, hi_in), (at, hi + step, False)]
    return out


def _value(p: Param, i: int, number: float) -> object:
    """``p``'s default with ``number`` as its item ``i`` (or its only number)."""
    if _kind(p) == "durations":
        return [number]
    if isinstance(p.default, list):
        return [*p.default[:i], number, *p.default[i + 1 :]]
    if isinstance(p.default, dict):
        return {next(iter(p.default)): number}
    if _kind(p) == "int" and math.isfinite(number):
        return int(number)
    return number


@pytest.mark.parametrize("name", NUMERIC)
def test_each_range_is_enforced(name):
    p = PARAMS[name]
    assert load_config(overrides={name: p.default})[name] is not None
    text = p.range_text()
    assert text and "any" not in text
    for i, number, accepted in _cases(p):
        value = _value(p, i, number)
        if accepted:
            load_config(overrides={name: value})
            continue
        with pytest.raises(ConfigError) as err:
            load_config(overrides={name: value})
        line = err.value.one_line()
        assert line.startswith(f"flag: {name} = "), line
        # a duration that is no duration at all is refused by the one reader of durations
        assert p.accepts() in line or "a duration 0 < x ≤ 36500d" in line, line


@pytest.mark.parametrize(
    "name, value, words",
    [
        ("cluster.resolution", 0, "cluster.resolution = 0 is out of range: a number > 0"),
        ("detect.max_fdr", 1.5, "detect.max_fdr = 1.5 is out of range: a number 0 < x ≤ 1"),
        ("ingest.chunk_rows", -1, "ingest.chunk_rows = -1 is out of range: an integer ≥ 1"),
        ("run.seed", -1, "run.seed = -1 is out of range: an integer 0 ≤ x ≤ 4294967295"),
        ("ingest.chunk_rows", 2**70, "is out of range"),
        ("detect.co_link.window", 1e308, "detect.co_link.window = 1e+308 is out of range: a duration 0 < x ≤ 36500d"),
        ("score.work_hours", [18, 9], "score.work_hours = [18, 9] is out of range: 2 numbers [0 ≤ x ≤ 24, 0 ≤ x ≤ 24], increasing"),
        ("score.coverage", [0.2], "score.coverage = [0.2] is out of range: 2 numbers"),
        ("score.bot.night_share", [0.1, 2.0, 1.0], "is out of range: 3 numbers [0 ≤ x ≤ 1, 0 ≤ x ≤ 1, ≥ 0]"),
        ("score.bot.night_share", ["a", 0.2, 1.0], "is out of range: 3 numbers"),
        ("detect.fusion.weights", {"co_link": -1}, "each ≥ 0"),
        ("detect.fusion.weights", {"co_nope": 1}, "keys among co_reshare"),
        ("detect.signals", ["co_reshare", "co_nope"], "detect.signals = ['co_reshare', 'co_nope'] is out of range: names among"),
        ("score.weak_signals", [3], "is out of range: names among"),
        ("ingest.default_timezone", "Mars/Olympus", "ingest.default_timezone = 'Mars/Olympus' is not a valid zone"),
        ("score.timezone", "localtime", "is not a valid zone (an IANA time zone"),
        ("report.timezone", "posix/UTC", "is not a valid zone"),
        ("report.timezone", "", "is not a valid zone"),
        ("sweep.workers", 0, "sweep.workers = 0 is out of range: an integer 1 ≤ x ≤ 64 or auto"),
    ],
)
def test_refused_values_name_the_parameter_and_what_it_accepts(name, value, words):
    with pytest.raises(ConfigError) as err:
        load_config(overrides={name: value})
    assert words in err.value.one_line()


def test_accepted_edges_and_zones():
    cfg = load_config(
        overrides={
            "ingest.default_timezone": "Europe/Berlin",
            "score.work_hours": [0, 24],
            "detect.max_fdr": 1,
            "run.seed": 2**32 - 1,
            "sweep.workers": "auto",
            "detect.co_reshare.window": "36500d",
            "detect.fusion.weights": {"co_link": 0},
        }
    )
    assert cfg["ingest.default_timezone"] == "Europe/Berlin"
    assert cfg["detect.co_reshare.window"] == MAX_DURATION_S


def test_every_layer_is_checked(tmp_path):
    toml = tmp_path / "cib.toml"
    toml.write_text("[cluster]\nresolution = nan\n")
    with pytest.raises(ConfigError, match=re.escape(f"{toml}: cluster.resolution = nan is out of range")):
        load_config(toml)
    with pytest.raises(ConfigError, match=re.escape("preset bad: detect.max_fdr = 0 is out of range")):
        load_config(preset={"detect.max_fdr": 0}, preset_name="bad")
    with pytest.raises(ConfigError, match=re.escape("flag: ingest.chunk_rows = 0 is out of range")):
        build_config(sets=["ingest.chunk_rows=0"])
    with pytest.raises(ConfigError, match=re.escape("flag: cluster.resolution = nan is out of range")):
        build_config(params={"cluster.resolution": float("nan")})
    with pytest.raises(ConfigError, match="events"):
        build_config(sets=['events=[{name = "e"}]'])  # an event without a time stops the run before it starts


def test_params_and_its_page_show_what_each_accepts():
    proc = subprocess.run([sys.executable, "-m", "cib", "params"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    lines = {line.split(" = ")[0]: line for line in proc.stdout.splitlines()}
    assert "  (> 0)  " in lines["cluster.resolution"]
    assert "  (0 < x ≤ 1)  " in lines["detect.max_fdr"]
    assert "  (IANA time zone)  " in lines["ingest.default_timezone"]
    page = (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")
    assert page == markdown_table()
    assert "| `ingest.chunk_rows` | `200000` | rows | ≥ 1 |" in page


def _cib(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cib", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.mark.parametrize(
    "flags, words",
    [
        (["--set", "cluster.resolution=nan"], "error: flag: cluster.resolution = nan is out of range: a number > 0"),
        (["--set", "detect.max_fdr=0"], "error: flag: detect.max_fdr = 0 is out of range: a number 0 < x ≤ 1"),
        (["--set", "detect.min_weight=inf"], "error: flag: detect.min_weight = inf is out of range: a number ≥ 0"),
        (["--set", "ingest.chunk_rows=0"], "error: flag: ingest.chunk_rows = 0 is out of range: an integer ≥ 1"),
        (["--set", "ingest.default_timezone=Mars/Olympus"], "error: flag: ingest.default_timezone = 'Mars/Olympus' is not a valid zone"),
        (["--set", "run.seed=-1"], "error: flag: run.seed = -1 is out of range: an integer 0 ≤ x ≤ 4294967295"),
        (["--set", "detect.co_link.window=1e308"], "error: flag: detect.co_link.window = 1e+308 is out of range"),
        (["--window", "inf"], "error: flag: detect.co_reshare.window = 'inf': expected seconds"),
    ],
)
def test_the_command_line_refuses_a_bad_value_in_one_line_before_reading_anything(tmp_path, flags, words):
    out = tmp_path / "out"
    proc = _cib("analyse", str(DATA / "generic_nasty.csv"), "--processed-dir", str(out), "--reports-dir", str(out), *flags, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith(words), proc.stderr
    assert not out.exists()


def test_a_list_led_by_a_plus_adds_to_the_default():
    default = PARAMS["detect.signals"].default
    assert "co_paraphrase" not in default
    cfg = load_config(overrides={"detect.signals": "+co_paraphrase"})
    assert cfg["detect.signals"] == [*default, "co_paraphrase"]
    assert load_config(overrides={"detect.signals": "+sync"})["detect.signals"] == default
    with pytest.raises(ConfigError, match="detect.signals"):
        load_config(overrides={"detect.signals": "+co_nothing"})
