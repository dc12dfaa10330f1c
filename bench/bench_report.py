"""Report for a collection with 5,000 flagged accounts: build time, file size, and time to the load event.

Targets (issue 5): the report stays under 20 MB and reaches its load event in under 5 s in
headless Chromium. The tables are synthesised: ``--flagged`` accounts in networks of 8 to 200
accounts (each member linked to about 8 others of its network by co_reshare and co_text), as many
organic accounts, 20 posts per account, 3 evidence pairs per link.
Run: ``.venv/bin/python bench/bench_report.py [--flagged N]`` (``make bench`` runs every benchmark).
The load is measured with Debian's Chromium (``/usr/bin/chromium`` or ``$CIB_CHROMIUM``) through
Playwright; without them only build time and size are reported.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from common import measure, save  # noqa: E402

from cib.config import Config  # noqa: E402
from cib.manifest import Manifest  # noqa: E402
from cib.schema import write_table  # noqa: E402

T0 = int(datetime(2024, 3, 1, tzinfo=UTC).timestamp())
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
WORDS = ("лидер", "стабильность", "қауіпсіздік", "сайлау", "народ", "порядок", "агенттер", "Президент", "выборы",
         "тұрақтылық", "security", "leader", "future", "budget", "energy", "school", "қала", "жол", "price")  # fmt: skip


def synthesise(folder: Path, flagged: int, seed: int = 7) -> dict:
    """Write a collection's tables with ``flagged`` accounts in networks; returns its counts."""
    rng = np.random.default_rng(seed)
    sizes = []
    while sum(sizes) < flagged:
        sizes.append(int(min(max(rng.lognormal(3.2, 0.9), 8), 200)))
    sizes[-1] -= sum(sizes) - flagged
    if sizes[-1] < 3:
        sizes[-2] += sizes.pop()
    cluster_of = np.repeat(np.arange(1, len(sizes) + 1), sizes)
    n_acc = flagged * 2
    ids = np.array([str(10_000_000 + i) for i in range(n_acc)])
    per = 20
    owner = np.repeat(np.arange(n_acc), per)
    n_posts = owner.size
    times = T0 + rng.integers(0, 30 * 86_400, n_posts)
    words = rng.integers(0, len(WORDS), (n_posts, 3))
    texts = [f"{WORDS[a]} {WORDS[b]} {WORDS[c]} #тег{a}" for a, b, c in words]
    post_ids = np.array([str(1_770_000_000_000_000_000 + i) for i in range(n_posts)])
    posts = pl.DataFrame(
        {
            "post_id": post_ids,
            "account_id": ids[owner],
            "created_at": pl.Series(times * 1_000_000).cast(pl.Datetime("us", "UTC")),
            "text": texts,
            "urls": [[f"https://news{a}.example.kz/{b}"] for a, b, _ in words],
            "hashtags": [[f"тег{a}"] for a, _, _ in words],
            "platform": "x",
            "source_file": "posts.csv",
            "source_row": np.arange(n_posts) + 2,
        }
    )
    accounts = pl.DataFrame(
        {
            "account_id": ids,
            "handle": [f"user_{i}" for i in range(n_acc)],
            "display_name": [f"Пайдаланушы {i}" for i in range(n_acc)],
            "created_at": pl.Series((T0 - rng.integers(0, 3 * 365 * 86_400, n_acc)) * 1_000_000).cast(
                pl.Datetime("us", "UTC")
            ),
            "followers": rng.integers(0, 5000, n_acc),
            "platform": "x",
        }
    )
    # links inside each network: every member to ~8 others
    a_list, b_list = [], []
    start = 0
    for size in sizes:
        members = np.arange(start, start + size)
        for i in members:
            for j in rng.choice(members, size=min(8, size - 1), replace=False):
                if i != j:
                    a_list.append(min(i, j))
                    b_list.append(max(i, j))
        start += size
    pairs = np.unique(np.stack([a_list, b_list], axis=1), axis=0)
    n_links = len(pairs)
    edges = pl.concat(
        [
            pl.DataFrame({"account_a": ids[pairs[:, 0]], "account_b": ids[pairs[:, 1]], "signal": signal,
                          "weight": rng.random(n_links), "n_objects": rng.integers(2, 20, n_links),
                          "n_pairs": rng.integers(3, 40, n_links), "min_delta_s": rng.random(n_links) * 30})
            for signal in ("co_reshare", "co_text")
        ]
    )  # fmt: skip
    # 3 evidence pairs per link: posts of the two accounts
    k = 3
    rep = np.repeat(np.arange(n_links), k)
    slot = np.tile(np.arange(k), n_links)
    pa = pairs[rep, 0] * per + slot
    pb = pairs[rep, 1] * per + slot
    evidence = pl.DataFrame(
        {
            "signal": "co_reshare",
            "object_id": post_ids[(rep * 7 + slot) % n_posts],
            "account_a": ids[pairs[rep, 0]],
            "account_b": ids[pairs[rep, 1]],
            "post_a": post_ids[pa],
            "post_b": post_ids[pb],
            "delta_s": rng.random(rep.size) * 20,
        }
    )
    labels = np.array(["bot", "troll", "mixed"])[rng.integers(0, 3, len(sizes))]
    clusters = pl.DataFrame(
        {
            "cluster_id": np.arange(1, len(sizes) + 1),
            "size": sizes,
            "label": labels,
            "score": rng.random(len(sizes)),
            "reasons": [[f"{s} accounts reshared the same {s * 2} posts, median 4 s apart",
                         "82% of accounts were created between 1 and 5 September"] for s in sizes],
            "signals": [["co_reshare", "co_text"]] * len(sizes),
        }
    )  # fmt: skip
    scores = pl.DataFrame(
        {
            "account_id": ids[:flagged],
            "cluster_id": cluster_of,
            "flagged": True,
            "label": labels[cluster_of - 1],
            "score": rng.random(flagged),
            "reasons": [["reshares within 5 s of 8 other accounts"]] * flagged,
        }
    )
    for name, frame in (("posts", posts), ("accounts", accounts), ("edges", edges), ("evidence", evidence),
                        ("clusters", clusters), ("account_scores", scores)):  # fmt: skip
        write_table(frame, folder / f"{name}.parquet", name)
    Manifest("bench-5000", Config.defaults()).write(folder)
    return {"networks": len(sizes), "flagged": flagged, "accounts": n_acc, "posts": n_posts, "links": n_links,
            "evidence": evidence.height}  # fmt: skip


def load_time(path: Path, runs: int = 3) -> dict | None:
    """Median time to the load event (and to the network chart drawn) in headless Chromium."""
    exe = os.environ.get("CIB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("playwright not installed: load time not measured")
        return None
    if not Path(exe).is_file():
        print(f"no Chromium at {exe}: load time not measured")
        return None
    loads, drawn, errors = [], [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        for _ in range(runs):
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            start = time.perf_counter()
            page.goto(path.resolve().as_uri(), wait_until="load")
            loads.append(time.perf_counter() - start)
            page.wait_for_selector("[data-drawn] .main-svg", state="attached", timeout=60_000)
            drawn.append(time.perf_counter() - start)
            nav = json.loads(page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])"))
            page.close()
        browser.close()
    return {
        "load_event_s": round(float(np.median(loads)), 2),
        "load_event_browser_s": round(nav["loadEventEnd"] / 1000, 2),
        "first_chart_drawn_s": round(float(np.median(drawn)), 2),
        "console_errors": errors[:5],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flagged", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        processed, out = Path(tmp) / "processed", Path(tmp) / "report"
        counts = synthesise(processed, args.flagged)
        built = measure(f"from cib.report import build_report; build_report({str(processed)!r}, {str(out)!r})")
        path = out / "index.html"
        size_mb = path.stat().st_size / 1e6
        browser = load_time(path)
    record = {
        "collection": counts,
        "build_seconds": built["seconds"],
        "build_peak_mb": built["peak_mb"],
        "size_mb": round(size_mb, 2),
        "size_target_mb": 20,
        "load": browser,
        "load_target_s": 5,
    }
    save("report", record)
    ok = size_mb < 20 and (browser is None or browser["load_event_s"] < 5)
    print("within targets" if ok else "OUTSIDE TARGETS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
