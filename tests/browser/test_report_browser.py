"""The report in a real browser: offline, no console errors, dossiers open, and hostile text never runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from cib.config import Config
from cib.report import build_report
from tests.report_fixtures import PAYLOADS, build_collection


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("browser")
    return build_report(build_collection(base / "processed"), base / "report")


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("hostile")
    return build_report(build_collection(base / "processed", hostile=True), base / "report")


def _wait_drawn(page, fig: str) -> None:
    page.wait_for_selector(f"#fig-{fig}[data-drawn] .main-svg", state="attached", timeout=10_000)


def _point_position(page, fig: str, index: int = 0) -> tuple[float, float]:
    """Screen position of a marker of an SVG scatter trace (scrolled into view)."""
    page.evaluate(f"document.getElementById('fig-{fig}').scrollIntoView({{block: 'center', behavior: 'instant'}})")
    box = page.locator(f"#fig-{fig} .scatterlayer path.point").nth(index).bounding_box()
    assert box, "no marker drawn"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _assert_clean(seen) -> None:
    assert seen.errors == [], seen.errors
    assert seen.remote == [], seen.remote
    assert seen.dialogs == [], seen.dialogs


def test_overview_loads_offline(visit, report, artifacts):
    seen = visit(report)
    page = seen.page
    _wait_drawn(page, "network")
    _wait_drawn(page, "timeline")
    assert page.locator("h1").inner_text().startswith("Coordinated behaviour in")
    assert page.locator("#network-table tbody tr").count() == 2
    assert page.locator("#fig-network .scatterlayer path.point").count() == 11
    assert page.locator("#fig-timeline .shapelayer path").count() >= 1  # the event marker
    assert "Қазақстан" in page.locator("#dossiers").text_content()
    # Cyrillic glyphs are drawn with a real font, not tofu: the same word in two scripts has similar width.
    widths = page.evaluate(
        """() => ['Қазақстан', 'Kazakhstan'].map(t => {
            const s = document.createElement('span'); s.textContent = t; document.body.appendChild(s);
            const w = s.getBoundingClientRect().width; s.remove(); return w; })"""
    )
    assert 0.6 < widths[0] / widths[1] < 1.6
    page.screenshot(path=str(artifacts / "report-overview.png"))
    page.screenshot(path=str(artifacts / "report-overview-full.png"), full_page=True)
    _assert_clean(seen)


def test_dossier_opens_from_the_network_and_sorts(visit, report, artifacts):
    seen = visit(report)
    page = seen.page
    _wait_drawn(page, "network")
    assert not page.locator("#cluster-1").evaluate("d => d.open")
    x, y = _point_position(page, "network", 0)
    page.mouse.move(x, y)
    page.wait_for_selector("#fig-network .hoverlayer .hovertext", timeout=5_000)
    page.mouse.click(x, y)
    page.wait_for_function("location.hash.startsWith('#cluster-')", timeout=5_000)
    anchor = page.evaluate("location.hash.slice(1)")
    assert page.locator(f"#{anchor}").evaluate("d => d.open")
    # the troll network by its link in the table
    page.locator("#network-table a[href='#cluster-2']").click()
    page.wait_for_function("document.getElementById('cluster-2').open", timeout=5_000)
    _wait_drawn(page, "c2-hours")
    _wait_drawn(page, "c2-created")
    dossier = page.locator("#cluster-2")
    assert "5 accounts posted this text, two at a time within the" in dossier.inner_text()
    assert dossier.locator(".evidence").count() >= 1
    # sortable members table: by handle, ascending then descending
    handles = dossier.locator("table.members tbody tr td:first-child")
    header = dossier.locator("table.members thead button", has_text="Handle")
    header.click()
    first = handles.all_inner_texts()
    header.click()
    assert handles.all_inner_texts() == first[::-1]
    assert first == sorted(first)
    page.evaluate("document.getElementById('cluster-2').scrollIntoView({behavior: 'instant'})")
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "report-dossier.png"))
    page.evaluate("document.querySelector('#cluster-2 .evidence').scrollIntoView({behavior: 'instant'})")
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "report-evidence.png"))
    _assert_clean(seen)


def test_cluster_view_first_then_webgl_accounts(visit, report, tmp_path, artifacts):
    processed = report.parent.parent / "processed"
    cfg = Config.defaults().update({"report.cluster_view_above": 3, "report.webgl_above": 3}, "test")
    seen = visit(build_report(processed, tmp_path, cfg=cfg))
    page = seen.page
    _wait_drawn(page, "network-clusters")
    assert page.locator("#net-accounts").is_hidden()
    page.click("#show-accounts")
    _wait_drawn(page, "network")
    assert page.locator("#fig-network canvas").count() >= 1  # WebGL
    page.evaluate("document.getElementById('network').scrollIntoView({behavior: 'instant'})")
    page.screenshot(path=str(artifacts / "report-webgl.png"))
    _assert_clean(seen)


def test_injection_payloads_never_execute(visit, hostile_report, artifacts):
    seen = visit(hostile_report)
    page = seen.page
    _wait_drawn(page, "network")
    _wait_drawn(page, "timeline")
    # hover every network marker (Plotly renders some HTML in hover labels)
    markers = page.locator("#fig-network .scatterlayer path.point")
    labels = []
    for i in range(markers.count()):
        x, y = _point_position(page, "network", i)
        page.mouse.move(x, y)
        page.wait_for_selector("#fig-network .hoverlayer .hovertext", timeout=5_000)
        labels.append(page.locator("#fig-network .hoverlayer").text_content())
    assert any("<script>window.__pwned=1</script>" in text for text in labels)  # shown as text
    page.screenshot(path=str(artifacts / "report-injection-hover.png"))
    # open every dossier so that all evidence, tables and charts are in the live DOM
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    _wait_drawn(page, "c1-hours")
    page.mouse.move(5, 5)
    page.wait_for_timeout(300)
    result = page.evaluate(
        """() => {
            const live = Array.from(document.scripts).filter(s => !s.type || /javascript|module/i.test(s.type));
            const onAttrs = Array.from(document.querySelectorAll('*')).filter(
                el => Array.from(el.attributes).some(a => a.name.toLowerCase().startsWith('on')));
            const hrefs = Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'));
            return {
                pwned: typeof window.__pwned,
                imgX: document.querySelectorAll('img[src="x"], img').length,
                svgOnload: document.querySelectorAll('svg[onload]').length,
                iframes: document.querySelectorAll('iframe').length,
                scripts: live.filter(s => s.textContent.includes('__pwned')).length,
                liveScripts: live.length,
                onAttrs: onAttrs.map(el => el.outerHTML.slice(0, 80)),
                badLinks: hrefs.filter(h => !/^(https?:\\/\\/|#)/i.test(h)),
                text: document.body.innerText,
            };
        }"""
    )
    assert result["pwned"] == "undefined"
    assert result["imgX"] == 0
    assert result["svgOnload"] == 0
    assert result["iframes"] == 0
    assert result["scripts"] == 0
    assert result["liveScripts"] == 2  # plotly.js and the report's own script
    assert result["onAttrs"] == []
    assert result["badLinks"] == []
    for payload in ("<script>window.__pwned=1</script>", '"><svg onload=window.__pwned=1>', "javascript:window.__pwned=1"):
        assert payload in result["text"]  # visible, as text
    assert PAYLOADS[0] in page.title()
    page.evaluate("document.getElementById('cluster-1').scrollIntoView({behavior: 'instant'})")
    page.wait_for_timeout(200)
    page.screenshot(path=str(artifacts / "report-injection.png"))
    _assert_clean(seen)


def test_sample_report(visit, sample_report, artifacts):
    seen = visit(sample_report)
    page = seen.page
    page.wait_for_selector("[data-drawn] .main-svg", state="attached", timeout=15_000)
    assert page.locator("section#networks").count() == 1
    page.screenshot(path=str(artifacts / "report-sample.png"))
    first = page.locator("details.dossier").first
    if first.count():
        first.locator("summary").click()
        page.wait_for_timeout(500)
        page.screenshot(path=str(artifacts / "report-sample-dossier.png"))
    _assert_clean(seen)


@pytest.fixture(scope="module")
def russian_report(tmp_path_factory) -> Path:
    """The real Russian co-retweet data analysed with the defaults: almost every candidate link is chance."""
    from tests.conftest import real_path

    source = real_path("coortweet-russian-coord-tweets", "russian_coord_tweets.csv")
    import cib

    base = tmp_path_factory.mktemp("russian")
    return cib.analyse(source, processed_dir=base / "processed", reports_dir=base / "reports").report


def test_a_null_result_says_what_each_filter_removed_and_what_to_run(visit, russian_report, artifacts):
    seen = visit(russian_report)
    page = seen.page
    box = page.locator("#null-result")
    box.wait_for(state="visible", timeout=10_000)
    text = box.inner_text()
    assert "Why so little was found" in text
    assert "4,023 candidate edges found" in text
    row = page.locator("#null-result table.filters tbody tr").filter(has_text="co_reshare")
    cells = [c.strip() for c in row.locator("td").all_inner_texts()]
    assert cells[1] == "4,023"  # candidate links
    assert int(cells[2].replace(",", "")) > 4_000  # removed by the significance test
    commands = page.locator("#null-result ul.tries code").all_inner_texts()
    assert commands[0].startswith("cib analyse ") and commands[0].endswith("russian_coord_tweets.csv --set detect.significance=false")
    assert any(c.endswith(" --preset coortweet") for c in commands)
    box.scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / "report-null-result.png"))
    _assert_clean(seen)
