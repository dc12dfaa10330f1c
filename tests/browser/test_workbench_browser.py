"""The report as a workbench in a real browser: search, per-network CSV, print, a phone's width, every burst."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest

from cib.report import build_report
from cib.report.safety import neutralise_cell
from tests.report_fixtures import build_collection

PHONE = 390


@pytest.fixture(scope="module")
def bench(tmp_path_factory) -> Path:
    """The hand-made collection with 216 bursts spread over its whole period (more than 200)."""
    base = tmp_path_factory.mktemp("workbench")
    processed = build_collection(base / "processed")
    first = datetime(2024, 3, 10, 0, 0, tzinfo=UTC)
    starts = [first + timedelta(hours=2 * slot, minutes=5 * k) for slot in range(36) for k in range(6)]
    n = len(starts)
    pl.DataFrame(
        {"cluster_id": [1] * n, "start": starts, "end": [t + timedelta(minutes=3) for t in starts],
         "posts": [30] * n, "peak": [20] * n, "baseline": [1.5] * n, "accounts": [6] * n}
    ).write_parquet(processed / "bursts.parquet")  # fmt: skip
    return build_report(processed, base / "report")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("workbench-hostile")
    return build_report(build_collection(base / "processed", hostile=True), base / "report")


def _assert_clean(seen) -> None:
    assert seen.errors == [], seen.errors
    assert seen.remote == [], seen.remote
    assert seen.dialogs == [], seen.dialogs


def _in_view(page, element_id: str) -> None:
    """Wait until the element is inside the viewport (scrolling is smooth) and no longer moving."""
    page.wait_for_function(
        """id => { const r = document.getElementById(id).getBoundingClientRect();
                   return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight; }""",
        arg=element_id,
        timeout=5_000,
    )


def _search(page, query: str) -> None:
    page.fill("#search", query)
    page.wait_for_function(
        "q => { const box = document.getElementById('search-results');"
        " return !box.hidden && box.getAttribute('data-query') === q && box.querySelector('button.hit'); }",
        arg=query,
        timeout=5_000,
    )


def test_search_finds_an_account_by_handle_and_by_a_word_of_its_post(visit, bench, artifacts):
    seen = visit(bench)
    page = seen.page
    assert not page.locator("#cluster-2").evaluate("d => d.open")
    _search(page, "serik_alm")
    hits = page.locator("#search-results button.hit")
    assert hits.first.locator(".kind").inner_text().lower() == "account"
    assert "serik_almaty" in hits.first.inner_text()
    hits.first.click()
    assert page.locator("#cluster-2").evaluate("d => d.open")
    assert page.evaluate("location.hash") == "#account-305"  # the account's permalink
    _in_view(page, "account-305")
    page.screenshot(path=str(artifacts / "workbench-search-account.png"))
    # a word of one of its posts, with a part of its handle: the post's row comes into view
    page.evaluate("document.getElementById('cluster-2').open = false; window.scrollTo(0, 0)")
    _search(page, "иностранные serik")
    hit = page.locator("#search-results button.hit").first
    assert hit.locator(".kind").inner_text().lower() == "post"
    assert "иностранные" in hit.inner_text()
    page.keyboard.press("Enter")
    place = page.evaluate("location.hash.slice(1)")
    assert place.startswith("cluster-2-ev")
    _in_view(page, place)
    row = page.locator(f"[id='{place}']")
    assert "serik_almaty" in row.inner_text() and "иностранные" in row.inner_text()
    page.screenshot(path=str(artifacts / "workbench-search-post.png"))
    _assert_clean(seen)


def test_an_account_permalink_opens_its_dossier(visit, bench):
    seen = visit(bench, fragment="#account-305")
    page = seen.page
    assert page.locator("#cluster-2").evaluate("d => d.open")
    _in_view(page, "account-305")
    _assert_clean(seen)


def test_a_dossier_downloads_its_members_and_evidence_as_csv(visit, bench, tmp_path):
    seen = visit(bench)
    page = seen.page
    page.locator("#network-table a[href='#cluster-2']").click()
    page.wait_for_function("document.getElementById('cluster-2').open", timeout=5_000)
    tables = {}
    for which in ("members", "posts"):
        with page.expect_download() as info:
            page.click(f"#cluster-2 button.download[data-table='{which}']")
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        tables[which] = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    members, posts = tables["members"], tables["posts"]
    assert {m["handle"] for m in members} == {"aigerim_astana", "bolat.k", "nurlan_1985", "dana_writes", "serik_almaty"}
    assert {m["cluster_id"] for m in members} == {"2"}
    assert all(m["reasons"] and float(m["score"]) > 0 for m in members)
    listed = page.locator("#cluster-2 .evidence tbody tr").count()
    assert len(posts) == listed > 0  # every evidence post the dossier shows
    assert {p["cluster_id"] for p in posts} == {"2"}
    first = posts[0]
    assert first["created_at"].startswith("2024-03-1") and first["created_at"].endswith("Z")
    assert first["text"] and first["source_file"] == "tweets.csv" and first["source_row"].isdigit()
    assert first["post_url"].startswith("https://x.com/i/web/status/")
    assert any("vybory.example.kz" in p["urls"] for p in posts)
    _assert_clean(seen)


def test_downloaded_cells_are_formula_safe(visit, hostile, tmp_path):
    seen = visit(hostile)
    page = seen.page
    page.evaluate("document.getElementById('cluster-1').open = true")
    with page.expect_download() as info:
        page.click("#cluster-1 button.download[data-table='members']")
    path = tmp_path / "members.csv"
    info.value.save_as(path)
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    names = [r["display_name"] for r in rows]
    assert any(n.startswith("'=HYPERLINK(") for n in names), names  # a formula-like cell, neutralised
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values())
    # the page's rule is the exports' rule
    cases = ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", " =1", "\u00a0=1", "\u200b=1", "\ufeff@x", "\u202e=1",
             "\u3000=1", "\uff1d1", "\x1c=1", "plain", "1-2", "a=b", "", "  ", "\u200bplain"]  # fmt: skip
    page_says = page.evaluate(
        "cases => { const re = new RegExp(window.cibReport.data.formula, 'u'); return cases.map(c => re.test(c)); }", cases
    )
    assert page_says == [neutralise_cell(c) != c for c in cases]
    # search shows hostile handles as text, and nothing runs
    _search(page, "pwned")
    assert "<script>window.__pwned=1</script>" in page.locator("#search-results").inner_text()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.locator("#search-results img, #search-results svg, #search-results script").count() == 0
    _assert_clean(seen)


def test_print_shows_every_dossier_with_its_evidence(visit, bench, artifacts):
    seen = visit(bench)
    page = seen.page
    page.emulate_media(media="print")
    shown = page.evaluate(
        """() => Array.from(document.querySelectorAll('details.dossier')).map(d => ({
            evidence: Array.from(d.querySelectorAll('.evidence')).map(e => e.getBoundingClientRect().height > 0),
            members: d.querySelector('table.members').getBoundingClientRect().height > 0,
            pageBreak: getComputedStyle(d).breakBefore,
        }))"""
    )
    assert len(shown) == 2
    for dossier in shown:
        assert dossier["evidence"] and all(dossier["evidence"])
        assert dossier["members"]
        assert dossier["pageBreak"] == "page"
    assert page.locator("#summary").is_visible() and page.locator("#network-table").is_visible()
    assert not page.locator("header.top").is_visible()
    box = page.locator("#cluster-2").bounding_box()
    page.screenshot(path=str(artifacts / "workbench-print.png"), clip={**box, "height": min(box["height"], 1400)},
                    full_page=True)  # fmt: skip
    # the button opens them all on screen too
    page.emulate_media(media="screen")
    page.click("#expand-all")
    assert page.evaluate("Array.from(document.querySelectorAll('details.dossier')).every(d => d.open)")
    _assert_clean(seen)


@pytest.mark.parametrize("which", ["bench", "sample_report"])
def test_a_phone_never_scrolls_sideways(visit, which, request, artifacts):
    seen = visit(request.getfixturevalue(which), width=PHONE, height=844)
    page = seen.page
    page.wait_for_selector("[data-drawn] .main-svg", state="attached", timeout=15_000)
    page.click("#expand-all")
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    page.screenshot(path=str(artifacts / f"workbench-phone-{which}.png"))
    page.evaluate("document.getElementById('networks').scrollIntoView({behavior: 'instant'})")
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / f"workbench-phone-{which}-networks.png"))
    _assert_clean(seen)


def test_the_timeline_draws_bursts_from_the_whole_period(visit, bench, artifacts):
    seen = visit(bench)
    page = seen.page
    page.wait_for_selector("#fig-timeline[data-drawn] .main-svg", state="attached", timeout=10_000)
    caption = page.locator("#timeline .caption").inner_text()
    assert "216 detected bursts" in caption and "merged into 36 bands" in caption
    bands = page.evaluate(
        """() => { const gd = document.getElementById('fig-timeline');
                   return gd.layout.shapes.filter(s => /bursts?$/.test(s.name || '')).map(s => [s.x0, s.x1]); }"""
    )
    assert len(bands) == 36
    assert bands[-1][1] == "2024-03-12 22:28:00"  # the last burst of the period, drawn
    drawn = page.locator("#fig-timeline .shapelayer path").count()
    assert drawn >= 36 + 4  # the bands, the event's line and its three periods
    page.evaluate("document.getElementById('timeline').scrollIntoView({behavior: 'instant'})")
    page.screenshot(path=str(artifacts / "workbench-timeline.png"))
    _assert_clean(seen)


def test_copy_link_puts_the_original_address_on_the_clipboard(visit, bench):
    seen = visit(bench)
    page = seen.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.evaluate("document.getElementById('cluster-2').open = true")
    button = page.locator("#cluster-2 .evidence button.copy").first
    url = button.get_attribute("data-copy")
    assert url.startswith("https://x.com/i/web/status/")
    button.click()
    page.wait_for_function("b => b.textContent === 'copied'", arg=button.element_handle(), timeout=5_000)
    assert page.evaluate("navigator.clipboard.readText()") == url
    _assert_clean(seen)


def test_german_report_on_a_phone(visit, tmp_path_factory, artifacts):
    import cib
    from tests.conftest import real_path

    source = real_path("coortweet-german-elections", "german_elections.parquet")
    base = tmp_path_factory.mktemp("german")
    report = cib.analyse(source, name="de", processed_dir=base / "processed", reports_dir=base / "reports").report
    seen = visit(report, width=PHONE, height=844)
    page = seen.page
    page.wait_for_selector("[data-drawn] .main-svg", state="attached", timeout=20_000)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE
    page.screenshot(path=str(artifacts / "workbench-phone-german.png"))
    _assert_clean(seen)
