"""Text from the data is shown, never obeyed: in spreadsheets, in tables of handles, on the terminal."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from cib.display import Display, _Live
from cib.printable import printable
from cib.progress import Step
from cib.report.build import build_report
from cib.report.export import export_all
from cib.report.safety import neutralise_cell, neutralise_frame
from cib.schema import write_table
from tests.report_fixtures import build_collection

ROOT = Path(__file__).resolve().parents[1]

#: what a spreadsheet may pass over, or a reader not see, before a formula
LEADS = [" ", "\u00a0", "\u3000", "\ufeff", "\u200b", "\u200c", "\u200d", "\u2060", "\u200e", "\u200f",
         "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "  \u200b\u202e "]  # fmt: skip


@pytest.mark.parametrize("lead", LEADS, ids=[f"U+{ord(s[0]):04X}x{len(s)}" for s in LEADS])
@pytest.mark.parametrize("formula", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_formulas_behind_spaces_and_invisible_characters_are_neutralised(lead, formula):
    cell = lead + formula
    assert neutralise_cell(cell) == "'" + cell
    assert neutralise_frame(pl.DataFrame({"t": [cell]}))["t"].to_list() == ["'" + cell]


@pytest.mark.parametrize("cell", [" plain", "\u200bname", "\u00a0text = 1", "a=1", "1-2"])
def test_text_that_is_no_formula_stays_as_written(cell):
    assert neutralise_cell(cell) == cell
    assert neutralise_frame(pl.DataFrame({"t": [cell]}))["t"].to_list() == [cell]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_handles_differing_only_by_invisible_characters_do_not_look_the_same(tmp_path):
    folder = build_collection(tmp_path / "p")
    twins = {"201": "twin", "202": "twin\u200b", "203": "\u202etwin", "204": "tw\u2060in"}
    accounts = pl.read_parquet(folder / "accounts.parquet").with_columns(
        pl.col("account_id").replace_strict(twins, default=pl.col("handle")).alias("handle")
    )
    write_table(accounts, folder / "accounts.parquet", "accounts")
    export_all(folder)
    labels = {r["Id"]: r["Label"] for r in _rows(folder / "nodes.csv")}
    assert {k: labels[k] for k in twins} == {"201": "twin", "202": "twin\\u200b", "203": "\\u202etwin", "204": "tw\\u2060in"}
    evidence = _rows(folder / "evidence.csv")
    shown = {r["account_a"]: r["handle_a"] for r in evidence} | {r["account_b"]: r["handle_b"] for r in evidence}
    assert shown["202"] == "twin\\u200b" and shown["201"] == "twin"
    page = build_report(folder, tmp_path / "r").read_text(encoding="utf-8")
    for escaped in ("twin\\u200b", "\\u202etwin", "tw\\u2060in"):
        assert escaped in page
    assert "\u200b" not in page and "\u202e" not in page and "\u2060" not in page


@pytest.mark.parametrize(
    "text, shown",
    [
        ("plain", "plain"),
        ("a\x1b[31mred", "a\\x1b[31mred"),
        ("a\x1b]0;title\x07b", "a\\x1b]0;title\\x07b"),
        ("a\x9b2Jb", "a\\x9b2Jb"),
        ("name\u200b", "name\\u200b"),
        ("a\u202eb", "a\\u202eb"),
        ("line\nbreak\ttab", "line\\nbreak\\ttab"),
        ("x\ud800y", "x\\ud800y"),
        ("выборы 2024 🙂", "выборы 2024 🙂"),
    ],
)
def test_printable_writes_what_a_terminal_would_obey_as_escapes(text, shown):
    assert printable(text) == shown


def test_summaries_and_live_rows_show_hostile_names(monkeypatch):
    lines = []
    monkeypatch.setattr("typer.echo", lambda text, err=False: lines.append(text))
    Display().say("ingest: evil\x1b[2J.csv")
    Display(quiet=True).warn("co_link: object \u202egnp.exe")
    assert lines == ["ingest: evil\\x1b[2J.csv", "warning: co_link: object \\u202egnp.exe"]

    from rich.console import Console
    from rich.progress import Progress as Bar
    from rich.progress import TextColumn

    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=200)
    with Bar(TextColumn("{task.description}", markup=False), console=console) as bar:
        live = _Live(bar)
        # a markup closing tag in a file name used to stop the run (rich.errors.MarkupError)
        live(Step("ingest", "evil[/x]\x1b]0;pwned\x07.csv", "reading", 10, None, "rows"))
        bar.refresh()
    drawn = screen.getvalue()
    assert "evil[/x]\\x1b]0;pwned\\x07.csv · reading" in drawn
    assert "\x1b]0;" not in drawn and "\x07" not in drawn


def test_errors_naming_a_hostile_file_are_one_plain_line(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "evil\x1b[31m\u202e.csv").write_text("a,b\n1,2\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run(
        [sys.executable, "-m", "cib", "ingest", str(raw), "--processed-dir", str(tmp_path / "p")],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1
    assert "evil\\x1b[31m\\u202e.csv: not a format cib knows" in proc.stderr
    assert "\x1b" not in proc.stderr and "\u202e" not in proc.stderr
