"""``co_similar_text`` on synthetic short texts: time, peak memory and recall of planted paraphrases.

The texts are generated here with numpy (seeded) and written to Parquet; each
size runs in a fresh process (``common.measure``: wall seconds from reading the
Parquet to the last edge, and the process's peak RSS).

A month of short posts in a mixed Russian/Kazakh/English-looking vocabulary
of 20,000 words drawn Zipf-like (so common word pairs recur across unrelated
posts, as they do in real text):

- organic posts (99%): one of 2,000 formulaic openings ("I think that …",
  3–6 words) followed by 4–22 words of the post's own; 1 account per 10 posts;
  times uniform over the month;
- planted paraphrase groups (1%): networks of 20 accounts; each network runs
  campaigns, and in each campaign every member posts the campaign's template
  (12–24 words) with 0–3 words substituted, within 30 minutes.

Recall is measured on the planted account pairs that have at least one pair of
posts with Jaccard ≥ ``similar.threshold`` (exact, by brute force over each
campaign) within the window: the share of them found as edges (default
settings, so after the significance filter too).

Run: ``.venv/bin/python bench/bench_similar.py [--texts 100000 1000000]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from itertools import combinations
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from common import measure, save  # noqa: E402

T0 = 1_709_251_200  # 2024-03-01
MONTH = 30 * 86_400
SYLLABLES = (
    "ка ло ри та ме на ды ст ен ов қа ғы ұл ің өз ай ер де ба са "
    "el ec ti on le ad er st ab il it yo ur fu re pe op"
).split()
NET = 20


def _vocab(rng: np.random.Generator, n: int = 20_000) -> pl.Series:
    parts = np.array(SYLLABLES)[rng.integers(0, len(SYLLABLES), (n * 2, 3))]
    words = pl.Series([("".join(p[: 2 + i % 2])) + str(i % 7) for i, p in enumerate(parts)]).unique(
        maintain_order=True
    )
    return words.head(n)


def _zipf_words(rng: np.random.Generator, size: int, n_vocab: int) -> np.ndarray:
    """Word ranks with P(rank r) ∝ 1 / (r + 1) over a finite vocabulary (Zipf's law of text)."""
    p = 1.0 / np.arange(1, n_vocab + 1)
    return rng.choice(n_vocab, size=size, p=p / p.sum())


def _join(vocab: pl.Series, row: np.ndarray, word: np.ndarray) -> pl.Series:
    frame = pl.DataFrame({"row": row, "w": vocab.gather(word)})
    return frame.group_by("row", maintain_order=True).agg(pl.col("w").str.join(" ")).get_column("w")


def synth_texts(n: int, seed: int = 1) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """``n`` posts and the planted account pairs whose posts are near-duplicates within the window."""
    rng = np.random.default_rng(seed)
    vocab = _vocab(rng)
    nv = vocab.len()
    n_planted = max(n // 100 // NET, 1) * NET
    n_org = n - n_planted

    # Organic: an opening from a pool of formulae, then the post's own words.
    openings = [_zipf_words(rng, int(rng.integers(3, 7)), 2000) for _ in range(2000)]
    which = rng.integers(0, 2000, n_org)
    own = rng.integers(4, 23, n_org)
    open_len = np.array([len(o) for o in openings])[which]
    row = np.repeat(np.arange(n_org), open_len + own)
    flat_open = np.concatenate(openings)
    open_off = np.concatenate([[0], np.cumsum([len(o) for o in openings])[:-1]])
    words = np.empty(row.size, dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(open_len + own)[:-1]])
    pos = np.arange(row.size) - np.repeat(start, open_len + own)
    is_open = pos < np.repeat(open_len, open_len + own)
    words[is_open] = flat_open[np.repeat(open_off[which], open_len + own)[is_open] + pos[is_open]]
    words[~is_open] = _zipf_words(rng, int((~is_open).sum()), nv)
    org_text = _join(vocab, row, words)
    org_acct = rng.integers(0, max(n_org // 10, 1), n_org)
    org_t = rng.integers(0, MONTH, n_org)

    # Planted campaigns: every member of a network pastes a variant of the template.
    campaigns = n_planted // NET
    nets = max(campaigns // 10, 1)
    texts, accts, times, truth_pairs = [], [], [], set()
    for c in range(campaigns):
        template = rng.integers(0, nv, int(rng.integers(12, 25)))
        t0 = int(rng.integers(0, MONTH - 3600))
        net = c % nets
        variants = []
        for m in range(NET):
            v = template.copy()
            subs = rng.choice(4, p=[0.3, 0.35, 0.25, 0.1])
            v[rng.integers(0, v.size, subs)] = rng.integers(0, nv, subs)
            variants.append(v)
            accts.append(f"net{net:04d}_{m:02d}")
            times.append(t0 + int(rng.integers(0, 1800)))
            texts.append(v)
        for i, j in combinations(range(NET), 2):
            a, b = (set(zip(x[:-1], x[1:], strict=True)) for x in (variants[i], variants[j]))
            if len(a & b) >= 0.5 * len(a | b):
                truth_pairs.add((f"net{net:04d}_{i:02d}", f"net{net:04d}_{j:02d}"))
    lens = np.array([v.size for v in texts])
    planted_text = _join(vocab, np.repeat(np.arange(len(texts)), lens), np.concatenate(texts))

    frame = pl.DataFrame(
        {
            "account_id": pl.concat([pl.Series([f"org{a}" for a in org_acct]), pl.Series(accts)]),
            "text": pl.concat([org_text, planted_text]),
            "t": np.concatenate([org_t, np.array(times)]) + T0,
        }
    ).with_row_index("i")
    posts = frame.select(
        pl.format("{}", pl.col("i") + 1_700_000_000_000_000_000).alias("post_id"),
        "account_id",
        pl.from_epoch("t").dt.replace_time_zone("UTC").alias("created_at"),
        "text",
        pl.lit(None, pl.String).alias("reshare_of"),
        pl.lit("x").alias("platform"),
    )
    return posts, sorted(truth_pairs)


STEP = """
import json, time
import polars as pl
from cib.config import load_config
from cib.detect.similar import similar_text_edges
posts = pl.read_parquet({path!r})
cfg = load_config()
t = time.perf_counter()
res = similar_text_edges(posts, cfg)
seconds = round(time.perf_counter() - t, 2)
truth = set(map(tuple, json.load(open({truth_path!r}))))
found = set(res.edges.select("account_a", "account_b").iter_rows())
keys = ["posts_considered", "texts", "shingles", "units", "candidate_pairs", "verified_pairs",
        "pairs", "edges_found", "edges_kept", "skipped_buckets", "crowds", "seconds"]
summary = {{
    "similar_seconds": seconds,
    "edges": res.edges.height,
    "planted_account_pairs": len(truth),
    "recall_planted": round(len(found & truth) / max(len(truth), 1), 4),
    "edges_between_organic_accounts": sum(1 for a, b in found if a.startswith("org") and b.startswith("org")),
    **{{k: res.info.get(k) for k in keys}},
}}
open({summary_path!r}, "w").write(json.dumps(summary))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--texts", type=int, nargs="+", default=[100_000, 1_000_000])
    args = parser.parse_args()
    record: dict = {"signal": "co_similar_text", "settings": "defaults"}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.texts:
            posts, truth = synth_texts(n)
            path = Path(tmp) / f"texts_{n}.parquet"
            posts.write_parquet(path)
            truth_path = Path(tmp) / "truth.json"
            truth_path.write_text(json.dumps(truth))
            summary = Path(tmp) / "summary.json"
            fig = measure(STEP.format(path=str(path), truth_path=str(truth_path), summary_path=str(summary)))
            fig["texts"] = n
            fig.update(json.loads(summary.read_text()))
            record[f"{n}"] = fig
            path.unlink()
    save("similar", record)


if __name__ == "__main__":
    main()
