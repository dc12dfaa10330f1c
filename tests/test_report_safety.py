"""Escaping helpers: hostile text stays text in HTML, in Plotly labels, in <script> JSON and in CSV."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import polars as pl
import pytest

from cib.report.safety import CSP, hover_text, neutralise_cell, neutralise_frame, safe_json, safe_url
from tests.report_fixtures import PAYLOADS


@pytest.mark.parametrize("payload", [*PAYLOADS, "a\u2028b\u2029c", "<!-- x", "]]>", "{\"a\": 1}"])
def test_safe_json_cannot_leave_a_script_element(payload):
    text = safe_json({"k": [payload, {"nested": payload}]})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"k": [payload, {"nested": payload}]}


def test_safe_json_turns_nan_into_null():
    assert json.loads(safe_json({"a": [1.5, float("nan"), float("inf")]})) == {"a": [1.5, None, None]}


def test_safe_json_keeps_cyrillic_readable():
    assert "Қазақстан" in safe_json(["Қазақстан", "Россия"])


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.kz/a?b=1", True),
        ("http://example.com", True),
        ("HTTPS://EXAMPLE.COM/x", True),
        ("javascript:window.__pwned=1", False),
        ("JaVaScRiPt:alert(1)", False),
        (" javascript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox", False),
        ("file:///etc/passwd", False),
        ("//evil.example/x", False),
        ("example.com/path", False),
        ("https://", False),
        ("https://exa mple.com", False),
        (None, False),
        (42, False),
    ],
)
def test_safe_url_allows_only_absolute_http(url, ok):
    assert (safe_url(url) is not None) is ok


def test_hover_text_escapes_plotly_pseudo_html():
    out = hover_text('<a href="javascript:x">x</a><br><img src=x onerror=y>&amp;')
    assert "<" not in out and ">" not in out and '"' not in out
    assert out.startswith("&lt;a href=&#34;javascript:x&#34;&gt;")
    assert "&amp;amp;" in out
    assert hover_text(None) == ""
    assert hover_text("x" * 500, limit=10) == "x" * 9 + "…"
    assert hover_text("line\nbreak") == "line break"


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r", "＝"])
def test_formula_cells_are_neutralised(prefix):
    assert neutralise_cell(f"{prefix}SUM(A1:A9)") == f"'{prefix}SUM(A1:A9)"


def test_plain_cells_and_numbers_are_untouched():
    assert neutralise_cell("Привет") == "Привет"
    assert neutralise_cell(-3) == -3
    assert neutralise_cell(None) is None


def test_neutralise_frame():
    frame = pl.DataFrame(
        {
            "text": ["=1+1", "ok", None, "@cmd"],
            "tags": [["=x", "y"], [], None, ["-z"]],
            "n": [-1, 2, 3, 4],
            "at": [datetime(2024, 3, 1, 12, 0, 1, tzinfo=UTC)] * 4,
        }
    )
    out = neutralise_frame(frame)
    assert out["text"].to_list() == ["'=1+1", "ok", None, "'@cmd"]
    assert out["tags"].to_list() == ["'=x; y", "", None, "'-z"]
    assert out["n"].to_list() == [-1, 2, 3, 4]
    assert out["at"][0] == "2024-03-01T12:00:01Z"


def test_csp_forbids_network_loads():
    assert "default-src 'none'" in CSP
    assert "connect-src 'none'" in CSP
    assert "http" not in CSP
