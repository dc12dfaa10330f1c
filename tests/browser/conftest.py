"""Headless Chromium (Debian's, not a Playwright download) driven by Playwright's sync API.

The browser tests skip, saying why, when the ``playwright`` package or a Chromium
binary is missing; CI installs both (``.ci/run`` installs Debian's chromium, the
``test`` extra installs playwright). ``CIB_CHROMIUM`` names another binary.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: the analysed sample collection (``make analyse``); ``CIB_SAMPLE`` names another processed folder
SAMPLE = Path(os.environ.get("CIB_SAMPLE", ROOT / "data" / "processed" / "sample"))
#: screenshots for people to look at (git-ignored)
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: what a report may load: itself, and data: / blob: URLs it makes (Plotly's images)
LOCAL = re.compile(r"^(file|data|blob|about):", re.I)


def chromium_path() -> str | None:
    """Debian's Chromium, or ``$CIB_CHROMIUM``."""
    for candidate in (os.environ.get("CIB_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                      "/usr/bin/chromium"):  # fmt: skip
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'"
    )
    exe = chromium_path()
    if exe is None:
        pytest.skip("Chromium not found: apt-get install -y chromium (or set CIB_CHROMIUM)")
    with sync_api.sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@dataclass
class Visit:
    """A page opened on a report, with everything it logged and requested."""

    page: Any
    errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    @property
    def remote(self) -> list[str]:
        """Requests that would leave the file system."""
        return [url for url in self.requests if not LOCAL.match(url)]


@pytest.fixture
def visit(browser) -> Iterator[Callable[..., Visit]]:
    contexts = []

    def open_report(path: Path, *, width: int = 1300, height: int = 900, fragment: str = "") -> Visit:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        # Anything remote is recorded (the "request" event fires first) and then refused.
        context.route(re.compile(r"^(https?|wss?|ftp)://"), lambda route: route.abort())
        page = context.new_page()
        seen = Visit(page)
        page.on("console", lambda msg: seen.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: seen.errors.append(f"uncaught: {exc}"))
        page.on("request", lambda req: seen.requests.append(req.url))

        def on_dialog(dialog: Any) -> None:
            seen.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.goto(Path(path).resolve().as_uri() + fragment, wait_until="load")
        return seen

    yield open_report
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def sample_report(tmp_path_factory) -> Path:
    """The analysed sample when `make analyse` wrote it, else a smaller synthetic collection analysed now."""
    if (SAMPLE / "clusters.parquet").is_file():
        from cib.report import build_report

        return build_report(SAMPLE, tmp_path_factory.mktemp("sample-report"))
    import cib
    from cib.synth import synth

    base = tmp_path_factory.mktemp("sample")
    synth(base / "raw", n_posts=20_000, seed=42)
    res = cib.analyse(base / "raw", name="sample", processed_dir=base / "processed", reports_dir=base / "reports")
    assert res.clusters.height > 0
    return res.report
