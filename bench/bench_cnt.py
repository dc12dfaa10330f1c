"""cib against coordination-network-toolkit 1.5.2 on the same input: time, memory, and edge parity.

The script installs CNT from PyPI into ``bench/.cnt-venv`` (once), writes one synthetic
collection in CNT's CSV layout, runs CNT's ``co_retweet``, ``co_link`` and ``co_tweet``
networks (window 60 s, minimum edge weight 1) and cib's ``co_reshare``, ``co_link`` and
``co_text`` with ``--preset cnt``, then compares the undirected account pairs and weights.
With ``--similar`` it also times CNT's ``co_similar_tweet`` against cib's ``co_similar_text``.

Run: ``.venv/bin/python bench/bench_cnt.py [--posts 1000000] [--similar-posts 100000]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from common import measure, save  # noqa: E402

HERE = Path(__file__).parent
CNT_VENV = HERE / ".cnt-venv"
CNT_NETWORKS = {"co_reshare": "co_retweet", "co_link": "co_link", "co_text": "co_tweet"}


def cnt_python() -> Path:
    """CNT 1.5.2 in a venv of its own (its pinned dependencies must not touch cib's).

    Its CSV layout is positional: message_id, user_id, username, repost_id, reply_id,
    message, timestamp, urls.
    """
    exe = CNT_VENV / "bin" / "compute_networks"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(CNT_VENV)], check=True)
        subprocess.run([str(CNT_VENV / "bin" / "pip"), "install", "-q", "coordination-network-toolkit==1.5.2"], check=True)
    return exe


def _cnt_rows(posts: pl.DataFrame) -> pl.DataFrame:
    """Posts in CNT's positional CSV layout."""
    return posts.select(
        pl.col("post_id").alias("message_id"),
        pl.col("account_id").alias("user_id"),
        pl.col("account_id").alias("username"),
        pl.col("reshare_of").fill_null("").alias("repost_id"),
        pl.col("reply_to").fill_null("").alias("reply_id"),
        pl.col("text").fill_null("").alias("message"),
        pl.col("created_at").dt.epoch("s").alias("timestamp"),
        pl.col("urls").list.join(" ").alias("urls"),
    )


def make_input(folder: Path, n_posts: int, seed: int) -> tuple[Path, Path]:
    """A synthetic collection ingested by cib, and the same posts in CNT's CSV layout."""
    from cib.config import load_config
    from cib.ingest import ingest
    from cib.schema import write_table
    from cib.synth import synth

    raw = folder / "raw"
    synth(raw, n_posts=n_posts, seed=seed, layout="generic")
    posts = ingest(raw, load_config()).posts
    posts_path = write_table(posts, folder / "posts.parquet", "posts")
    cnt_csv = folder / "cnt.csv"
    _cnt_rows(posts).write_csv(cnt_csv)
    # CNT 1.5.2 splits an empty urls cell into [""], so every post without a link "shares" the
    # empty URL with every other: its co_link runs on the posts that have links instead.
    _cnt_rows(posts.filter(pl.col("urls").list.len() > 0)).write_csv(folder / "cnt_links.csv")
    return posts_path, cnt_csv


CIB_STEP = """
import polars as pl
from cib.config import load_config
from cib.detect import detect
from cib.detect.presets import PRESETS
from cib.schema import read_table
cfg = load_config(preset=PRESETS["cnt"], preset_name="cnt", overrides={{"detect.signals": {signals!r}, **{extra!r}}})
posts = read_table({posts!r}, "posts")
if {signals!r} == ["co_similar_text"]:
    from cib.detect.similar import similar_text_edges
    res = similar_text_edges(posts, cfg)
else:
    res = detect(posts, cfg)
res.edges.write_parquet({out!r})
import json
open({out!r} + ".info.json", "w").write(json.dumps(res.info, default=str))
"""


def run_cnt(exe: Path, csv: Path, folder: Path, networks: list[str], extra: list[str], db_name: str = "cnt.db") -> dict:
    db = folder / db_name
    db.unlink(missing_ok=True)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    subprocess.run([str(exe), str(db), "preprocess", "--format", "csv", str(csv)], check=True, capture_output=True)
    timings["preprocess"] = round(time.perf_counter() - start, 2)
    for net in networks:
        start = time.perf_counter()
        out = folder / f"cnt_{net}.csv"
        subprocess.run(
            [str(exe), str(db), "compute", net, "--time_window", "60", "--min_edge_weight", "1", "--n_cpus", "2", *extra],
            check=True,
            capture_output=True,
        )
        timings[net] = round(time.perf_counter() - start, 2)
        # 1.5.2's --output_file passes an argument its CSV writer does not take; call the writer directly
        code = f"from coordination_network_toolkit.output import output_gephi_csv; output_gephi_csv({str(db)!r}, {net!r}, {str(out)!r})"
        subprocess.run([str(exe.parent / "python"), "-c", code], check=True, capture_output=True)
    timings["total"] = round(sum(timings.values()), 2)
    return timings


def _pairs(frame: pl.DataFrame, a: str, b: str) -> pl.DataFrame:
    return frame.select(pl.min_horizontal(a, b).alias("a"), pl.max_horizontal(a, b).alias("b")).unique()


def compare(cib_edges: pl.DataFrame, folder: Path) -> dict:
    """Undirected pair sets per signal: how many agree, and how many each side has alone."""
    out: dict = {}
    for sig, net in CNT_NETWORKS.items():
        path = folder / f"cnt_{net}.csv"
        theirs = _pairs(pl.read_csv(path, infer_schema=False), "source", "target") if path.exists() else pl.DataFrame(schema={"a": pl.String, "b": pl.String})
        ours = _pairs(cib_edges.filter(pl.col("signal") == sig), "account_a", "account_b")
        both = ours.join(theirs, on=["a", "b"], how="inner").height
        out[sig] = {"cib": ours.height, "cnt": theirs.height, "both": both, "identical": ours.height == theirs.height == both}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--similar-posts", type=int, default=0, help="also co-similarity on this many posts (e.g. 100000)")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    exe = cnt_python()
    record: dict = {"posts": args.posts}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        posts_path, cnt_csv = make_input(folder, args.posts, args.seed)
        record["posts_ingested"] = pl.read_parquet(posts_path).height
        cib_out = folder / "cib_edges.parquet"
        record["cib"] = measure(CIB_STEP.format(signals=list(CNT_NETWORKS), posts=str(posts_path), out=str(cib_out), extra={}))
        record["cnt"] = run_cnt(exe, cnt_csv, folder, ["co_retweet", "co_tweet"], [])
        links = run_cnt(exe, folder / "cnt_links.csv", folder, ["co_link"], [], "cnt_links.db")
        record["cnt"]["co_link"] = links["co_link"]
        record["cnt"]["preprocess_links_only"] = links["preprocess"]
        # CNT's total: one preprocess of every post and the three networks (the links-only
        # preprocess works around its bug and is not counted)
        record["cnt"]["total"] = round(record["cnt"]["preprocess"] + sum(record["cnt"][n] for n in CNT_NETWORKS.values()), 2)
        record["parity"] = compare(pl.read_parquet(cib_out), folder)
        info = json.loads(Path(str(cib_out) + ".info.json").read_text())
        record["cib"]["seconds_per_step"] = {k: v.get("seconds") for k, v in info.get("signals", {}).items() if isinstance(v, dict)}
        record["speedup"] = round(record["cnt"]["total"] / record["cib"]["seconds"], 1)
    if args.similar_posts:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            posts_path, cnt_csv = make_input(folder, args.similar_posts, args.seed)
            sim: dict = {"posts": args.similar_posts}
            # the same Jaccard threshold as CNT's run, on its word sets (1-word shingles)
            sim_params = {"similar.threshold": 0.6, "similar.shingle_words": 1, "similar.min_chars": 0, "similar.window": 60.0}
            sim["cib"] = measure(CIB_STEP.format(signals=["co_similar_text"], posts=str(posts_path), out=str(folder / "s.parquet"), extra=sim_params))
            sim["cnt"] = run_cnt(exe, cnt_csv, folder, ["co_similar_tweet"], ["--similarity_threshold", "0.6"])
            sim["speedup"] = round(sim["cnt"]["total"] / sim["cib"]["seconds"], 1)
            record["co_similar"] = sim
    save("cnt", record)


if __name__ == "__main__":
    main()
