"""The report's methods table: every signal described, and the window each one used, read from the manifest."""

from __future__ import annotations

from cib import signals
from cib.report import methods


def test_every_signal_has_a_description_and_an_evidence_verb():
    assert set(methods.SIGNALS) == set(signals.ALL)
    assert set(methods.VERBS) == set(signals.ALL)


def test_window_used_is_read_from_the_manifest():
    detect = {
        "windows_s": {"co_reshare": 60.0, "co_link": 60.0, "co_text": None, "co_similar_text": 3600.0},
        "signals": {
            "co_reshare": {"window_setting": 10.0, "widened_from_s": 10.0, "window_s": 60.0},
            "co_link": {"window_setting": "auto", "auto_window": {"objects": 4}, "window_s": 60.0},
            "co_text": {"traces": 0, "window_s": None},
        },
        "co_similar_text": {"window_setting": 3600.0, "window_s": 3600.0},
        "sync": {"grids": ["60s", "60s+half", "600s", "600s+half"]},
    }
    assert methods.window_used("co_reshare", detect, 10.0) == "1 min (widened from 10 s to the data's resolution)"
    assert methods.window_used("co_link", detect, "auto") == "1 min (estimated from the data: auto)"
    assert methods.window_used("co_text", detect, 60.0) == "— (nothing to pair)"
    assert methods.window_used("co_similar_text", detect, 3600.0) == "1 h"
    assert methods.window_used("sync", detect, [60, 600]) == "bins of 1 min, 10 min"
    # nothing recorded (detection has not run): the configured value, said to be so
    assert methods.window_used("co_reply", {}, 1800.0) == "30 min (configured; not run)"
    assert methods.window_used("co_reply", {}, "auto") == "auto (configured; not run)"
    assert methods.window_used("sync", {}, [90]) == "bins of 90 s (configured; not run)"


def test_signal_rows_cover_every_signal_in_order():
    rows = methods.signal_rows(["co_reshare"], {"windows_s": {"co_reshare": 45.0}}, {"co_reshare": 45.0})
    assert [r["key"] for r in rows] == list(signals.ALL)
    assert rows[0]["window"] == "45 s"
    assert all(r["window"] == "not run" for r in rows[1:])
