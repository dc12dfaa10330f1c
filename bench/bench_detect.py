"""Detection of co_reshare + co_link + co_text on synthetic collections: time and peak memory.

The posts are generated here with numpy (seeded), written to Parquet, and
each size is detected in a fresh process (``common.measure``: wall seconds
from reading the Parquet to the last edge, and the process's peak RSS).

The collection looks like a month of an election campaign: 1 post in 20 is by
one of ``n / 20`` accounts; half the posts are reshares, the other half
originals with a link and a text. Reshared posts, links and texts are drawn
from Zipf-like pools and arrive in bursts after their first appearance
(exponential delays, mean 2 h), so a few objects are viral; planted networks
of 20 accounts reshare, link and paste the same things within 30 s.

Targets (issue 3): 10 M posts through detection in under 3 minutes and under
8 GB peak on the project's 2-core machine.

``detect_cpu_seconds`` (user + system CPU of the process) is reported next to
the wall time because the machine is shared: when other jobs run, wall time
grows while CPU time does not.

Run: ``.venv/bin/python bench/bench_detect.py [--posts 1000000 10000000] [--threads 2]``
(``make bench`` runs every benchmark).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from common import measure, save  # noqa: E402

SIGNALS = ["co_reshare", "co_link", "co_text"]
T0 = 1_709_251_200  # 2024-03-01
MONTH = 30 * 86_400
WORDS = np.array(
    "сайлау президент қазақстан лидер выборы лучший безопасность права народ election leader "
    "security rights stability future әділет ел отан бірлік реформа".split()
)


def _objects(rng: np.random.Generator, n: int, cap: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Object of each of ``n`` shares and its delay after the object appears.

    Object sizes are drawn from a power law (P(size = s) ∝ s^-2, at most
    ``cap`` shares), independent of ``n``: a bigger collection has more
    objects, not bigger ones, so the work per share stays comparable across
    sizes. Shares arrive after the object's first appearance with exponential
    delays (mean 4 h), so big objects come in bursts.
    """
    sizes = np.minimum(rng.zipf(2.0, size=n), cap)
    ends = np.cumsum(sizes)
    k = int(np.searchsorted(ends, n)) + 1
    obj = np.repeat(np.arange(k), sizes[:k])[:n]
    rng.shuffle(obj)
    return obj, rng.exponential(4 * 3600.0, n)


def synth_posts(n: int, seed: int = 1) -> pl.DataFrame:
    """A synthetic collection of ``n`` posts in the canonical columns detection reads."""
    rng = np.random.default_rng(seed)
    n_accounts = max(n // 20, 10)
    is_reshare = rng.random(n) < 0.5
    acct = rng.integers(0, n_accounts, n)
    obj, delay = _objects(rng, n)
    obj_start = rng.integers(0, MONTH, int(obj.max()) + 1)
    t = (obj_start[obj] + delay).astype(np.int64) % MONTH
    rows = np.arange(n)

    # Planted networks: 20 accounts each, every member shares each of the
    # network's objects within 30 s of the first.
    n_nets = max(n // 50_000, 1)
    planted = rng.choice(rows, size=min(n_nets * 20 * 25, n // 10), replace=False)
    k = planted.size // 20
    planted = planted[: k * 20].reshape(k, 20)
    net_of = np.arange(k) % n_nets
    top = int(obj.max())
    for j in range(k):
        members = net_of[j] * 20 + np.arange(20)
        acct[planted[j]] = n_accounts - 1 - members % n_accounts
        obj[planted[j]] = top + 1 + j  # an obscure object of its own
        t[planted[j]] = rng.integers(0, MONTH) + rng.integers(0, 30, 20)

    words = WORDS[rng.integers(0, WORDS.size, (n, 3))]
    frame = pl.DataFrame(
        {
            "i": rows,
            "acct": acct,
            "obj": obj,
            "t": T0 + t,
            "rt": is_reshare,
            "w": [" ".join(r) for r in words[:, :3]],
        }
    )
    return frame.select(
        pl.format("{}", pl.col("i") + 1_700_000_000_000_000_000).alias("post_id"),
        pl.format("acct{}", pl.col("acct")).alias("account_id"),
        pl.from_epoch("t").dt.replace_time_zone("UTC").alias("created_at"),
        # Originals: a copypasta line chosen by the object (texts repeat as
        # objects do), or the post's own words.
        pl.when(~pl.col("rt"))
        .then(
            pl.when(pl.col("i") % 3 == 0)
            .then(pl.format("Қазір ең жақсы көшбасшы — the incumbent is the best leader, нөмір {}", pl.col("obj")))
            .otherwise(pl.format("{} пост {} {}", pl.col("w"), pl.col("i"), pl.col("acct")))
        )
        .alias("text"),
        pl.when(~pl.col("rt"))
        .then(pl.concat_list(pl.format("https://www.news{}.kz/article/{}?utm_source=tw&id={}", pl.col("obj") % 97, pl.col("obj"), pl.col("obj") % 5)))
        .otherwise(pl.lit([], dtype=pl.List(pl.String)))
        .alias("urls"),
        pl.lit([], dtype=pl.List(pl.String)).alias("hashtags"),
        pl.lit([], dtype=pl.List(pl.String)).alias("mentions"),
        pl.lit([], dtype=pl.List(pl.String)).alias("media"),
        pl.when(pl.col("rt")).then(pl.format("{}", pl.col("obj") + 1_600_000_000_000_000_000)).alias("reshare_of"),
        pl.lit(None, pl.String).alias("reply_to"),
        pl.lit(None, pl.String).alias("quote_of"),
        pl.lit("x").alias("platform"),
        pl.lit(None, pl.String).alias("lang"),
        pl.lit("synthetic").alias("source_file"),
        pl.col("i").alias("source_row"),
    )


STEP = """
import json, resource, time
import polars as pl
from cib.config import load_config
from cib.detect import detect
posts = pl.read_parquet({path!r})
cfg = load_config(overrides={{"detect.signals": {signals!r}, "detect.threads": {threads!r}}})
t = time.perf_counter()
r0 = resource.getrusage(resource.RUSAGE_SELF)
res = detect(posts, cfg)
r1 = resource.getrusage(resource.RUSAGE_SELF)
summary = {{
    "detect_seconds": round(time.perf_counter() - t, 2),
    "detect_cpu_seconds": round(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime, 2),
    "seconds_per_step": {{s: v.get("seconds") for s, v in res.info["signals"].items()}},
    "edges": res.edges.height,
    "evidence": res.evidence.height,
    "pairs": {{s: v.get("pairs") for s, v in res.info["signals"].items()}},
    "edges_found": {{s: v.get("edges_found") for s, v in res.info["signals"].items()}},
    "crowds": {{s: v["crowds"]["objects"] for s, v in res.info["signals"].items() if "crowds" in v}},
}}
open({summary_path!r}, "w").write(json.dumps(summary))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, nargs="+", default=[1_000_000])
    parser.add_argument("--threads", type=int, default=2, help="detect.threads: signals detected at once")
    args = parser.parse_args()
    record: dict = {"signals": SIGNALS, "threads": args.threads}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.posts:
            path = Path(tmp) / f"posts_{n}.parquet"
            synth_posts(n).write_parquet(path)
            summary = Path(tmp) / "summary.json"
            fig = measure(STEP.format(path=str(path), signals=SIGNALS, threads=args.threads, summary_path=str(summary)))
            fig["posts"] = n
            fig.update(json.loads(summary.read_text()))
            record[f"{n}"] = fig
            path.unlink()
    save("detect" if args.threads == 2 else f"detect_threads{args.threads}", record)


if __name__ == "__main__":
    main()
