"""``co_paraphrase``: two accounts posting the same message in other words, or in another language.

Troll offices hand out a talking point and their members post it in their own
words; some translate it. Shingles (``co_similar_text``) see none of that.
This signal compares posts by meaning, with multilingual sentence vectors
(:mod:`cib.detect.embed`), and is off unless ``detect.signals`` names it: the
model embeds some 20–60 short texts a second on one core.

The plan:

1. **Texts.** Original posts (not reshares) with a text; URLs, mentions and
   hashtags are removed (a shared hashtag is ``co_hashtag``'s evidence, not a
   shared meaning) and texts shorter than ``paraphrase.min_chars`` left out.
   With ``paraphrase.scope = "suspects"`` (the default) only the posts of
   accounts already in an edge of another signal are compared, which keeps
   the embedding to what can matter; ``"all"`` compares every account's. At
   most ``paraphrase.max_texts`` distinct texts are embedded: above it, a
   sample chosen by a hash of the text (the same on every run), and the
   manifest records the rate.
2. **Vectors.** One per distinct text, cached by its hash; centred on the mean
   vector of ``paraphrase.background_texts`` texts drawn the same way from the
   whole collection (every account's), so that what all posts of the
   collection share (its languages, its topic) does not count as similarity.
3. **Pairs.** Two posts of two accounts at most ``paraphrase.window`` apart
   whose centred cosine is at least ``paraphrase.threshold``; computed one
   time bucket (of the window's length) against itself and the next, so the
   work grows with the posts of a window, not the collection's square.
4. **Edges.** The object of a pair is the time bucket of its earlier post, so
   ``n_objects`` counts the separate windows in which two accounts echoed
   each other: a shift-work office does it day after day, two strangers on
   one busy evening once. Edges then follow the shared steps of every
   signal: ``detect.weight``, the null model and Benjamini–Hochberg
   (``detect.significance``, ``detect.max_fdr``), ``detect.min_weight``,
   ``detect.evidence_per_edge``. Evidence names the earlier post as the
   object (``para:<post_id>``); ``info["similarity"]`` summarises the cosines.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from cib.detect.edges import name_edges, participation
from cib.detect.embed import Embedder, centred
from cib.detect.evidence import order_pairs
from cib.detect.resolve import resolve_window
from cib.detect.similar import SimilarResult, _edges, _empty, _post_codes
from cib.progress import Progress, Teller
from cib.schema import TIME

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["SIGNAL", "STEPS", "POST_COLUMNS", "clean_texts", "paraphrase_edges", "close_pairs", "run_inputs"]

SIGNAL = "co_paraphrase"
#: the columns of the posts it reads (a large collection's detectors get only theirs)
POST_COLUMNS = ("post_id", "platform", "account_id", "created_at", "source_file", "source_row", "text", "reshare_of")
#: the steps of :func:`paraphrase_edges`, in order (their seconds are in ``info["seconds"]``)
STEPS = ("texts", "embed", "pairs", "edges")
_ROWS = 2048  # rows of one block of the similarity matrix
_STRIP = r"(?i)[a-z][a-z0-9+.\-]*://\S+|www\.\S+|(?:^|[^\w@])@[\w.]*\w|#[\w\-]+"


def clean_texts(text: pl.Expr, min_chars: int) -> pl.Expr:
    """A post's text as compared: URLs, mentions and hashtags removed, spaces collapsed; null when short."""
    out = text.str.replace_all(_STRIP, " ").str.replace_all(r"\s+", " ").str.strip_chars()
    return pl.when(out.str.len_chars() >= min_chars).then(out)


def _by_hash(texts: pl.Series, seed: int, n: int) -> pl.Series:
    """The ``n`` texts of smallest seeded hash (all when there are fewer): a sample the same on every run."""
    if texts.len() <= n:
        return texts.sort()
    return pl.DataFrame({"x": texts}).sort(pl.col("x").hash(seed), "x").head(n).get_column("x").sort()


def _posts(
    posts: pl.DataFrame, cfg: Config, suspects: pl.Series | None, info: dict[str, Any]
) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series, pl.Series]:
    """Step 1: ``p, a, t, text`` of the posts compared, the account codes, post ids and background texts."""
    code, post_ids = _post_codes(posts)
    accounts = posts.select(pl.col("account_id").drop_nulls().unique().sort()).with_row_index("a")
    eligible = (
        posts.lazy()
        .with_columns(pl.Series("p", code))
        .filter(pl.col("reshare_of").is_null() & pl.col("account_id").is_not_null() & pl.col("created_at").is_not_null())
        .select(
            "p", "account_id", pl.col("created_at").cast(TIME).dt.epoch("us").alias("t"),
            clean_texts(pl.col("text"), int(cfg["paraphrase.min_chars"])).alias("text"),
        )
        .filter(pl.col("text").is_not_null())
        .collect()
    )
    seed = int(cfg["run.seed"])
    background = _by_hash(eligible.get_column("text").unique(), seed, int(cfg["paraphrase.background_texts"]))
    scope = str(cfg["paraphrase.scope"])
    if scope == "suspects":
        eligible = eligible.filter(pl.col("account_id").is_in((suspects if suspects is not None else pl.Series([], dtype=pl.String)).implode()))
    traced = eligible.join(accounts, on="account_id").select("p", "a", "t", "text")
    min_part = int(cfg["detect.min_participation"])
    kept, shares = participation(traced.lazy(), min_part)
    traced = kept.collect()
    distinct = traced.get_column("text").unique()
    cap = int(cfg["paraphrase.max_texts"])
    chosen = _by_hash(distinct, seed + 1, cap)
    if chosen.len() < distinct.len():
        traced = traced.filter(pl.col("text").is_in(chosen.implode()))
        info["warnings"].append(
            f"{SIGNAL}: {distinct.len()} distinct texts, above paraphrase.max_texts = {cap}: "
            f"a sample of {chosen.len()} was compared (rate {chosen.len() / distinct.len():.3f})"
        )
    info.update(
        scope=scope,
        accounts_in_scope=int(shares.height),
        posts_compared=traced.height,
        texts_distinct=int(distinct.len()),
        texts_compared=int(chosen.len()),
        sample_rate=round(chosen.len() / distinct.len(), 6) if distinct.len() else 1.0,
        accounts_dropped_min_participation=int(shares.filter(pl.col("k") < min_part).height),
    )
    return traced.sort("t", "p"), accounts, post_ids, background


def close_pairs(
    t: np.ndarray, x: np.ndarray, vectors: np.ndarray, window: int, threshold: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index pairs ``i < j`` of posts at most ``window`` apart whose texts' vectors reach ``threshold``.

    Parameters
    ----------
    t
        Post times, sorted ascending.
    x
        Each post's text (a row of ``vectors``).
    vectors
        Centred unit vectors of the texts.
    window
        Largest time apart (inclusive, the unit of ``t``).
    threshold
        Smallest cosine.

    Returns
    -------
    i, j, cosine
        The pairs (``t[i] <= t[j]``) and their cosines, in order of ``i`` then ``j``.
    """
    out_i, out_j, out_c = [], [], []
    n = t.size
    for s in range(0, n, _ROWS):
        rows = np.arange(s, min(s + _ROWS, n))
        stop = int(np.searchsorted(t, t[rows[-1]] + window, side="right"))
        cols = np.arange(s, stop)
        sim = vectors[x[rows]] @ vectors[x[cols]].T
        ok = (sim >= threshold) & (cols[None, :] > rows[:, None]) & (t[cols][None, :] - t[rows][:, None] <= window)
        r, c = np.nonzero(ok)
        out_i.append(rows[r])
        out_j.append(cols[c])
        out_c.append(sim[r, c])
    if not out_i:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
    return np.concatenate(out_i), np.concatenate(out_j), np.concatenate(out_c)


def _pairs(traced: pl.DataFrame, vectors: np.ndarray, window_us: int, cfg: Config, info: dict[str, Any]) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Step 3: the pairs of two accounts (``a, b, o, pa, pb, ta, tb``), the traces and each object's pairs."""
    t = traced.get_column("t").to_numpy()
    x = traced.get_column("x").to_numpy()
    a = traced.get_column("a").to_numpy()
    p = traced.get_column("p").to_numpy()
    i, j, cos = close_pairs(t, x, vectors, window_us, float(cfg["paraphrase.threshold"]))
    # near-copies are co_text's and co_similar_text's: this signal counts other words only
    other_words = cos < float(cfg["paraphrase.max_cosine"])
    info["near_copies_left_out"] = int((~other_words).sum())
    i, j, cos = i[other_words], j[other_words], cos[other_words]
    # objects are the windows, numbered from the first: small codes like every signal's
    bucket = (t // max(window_us, 1) - (t[0] // max(window_us, 1) if t.size else 0)).astype(np.uint32)
    same = a[i] == a[j]
    swap = a[i] > a[j]
    first, second = np.where(swap, j, i), np.where(swap, i, j)
    every = pl.DataFrame(
        {"a": a[first], "b": a[second], "o": bucket[i], "pa": p[first], "pb": p[second], "ta": t[first], "tb": t[second]}
    )
    window_pairs = every.group_by("o").agg(pl.len().cast(pl.Int64).alias("n"))
    pairs = every.filter(pl.Series(~same))
    tr = traced.select("a", pl.Series("o", bucket), "p", "t")
    if cos.size:
        c = cos[~same]
        info["similarity"] = {
            "pairs": int(c.size),
            "min": round(float(c.min()), 4) if c.size else None,
            "median": round(float(np.median(c)), 4) if c.size else None,
        }
    info.update(same_account_pairs=int(same.sum()), pairs=pairs.height)
    return pairs, tr, window_pairs


def paraphrase_edges(
    posts: pl.DataFrame,
    cfg: Config,
    *,
    time_resolution_s: float = 1.0,
    progress: Progress | None = None,
    suspects: pl.Series | None = None,
    store: Path | None = None,
    earlier: Path | None = None,
) -> SimilarResult:
    """Edges between accounts that posted the same message in other words within ``paraphrase.window``.

    Parameters
    ----------
    posts
        Canonical posts (``POSTS`` schema); originals (``reshare_of`` null) with a text are used.
    cfg
        Effective configuration: ``paraphrase.*``, ``run.seed`` and the shared ``detect.*`` settings.
    time_resolution_s
        Coarsest time step of the input; a finer window is widened to it (with a warning).
    progress
        Told each step of :data:`STEPS` as it starts, and the texts embedded.
    suspects
        Account ids already in another signal's edges: the accounts compared
        when ``paraphrase.scope = "suspects"``.
    store, earlier
        Where to keep the vectors for the next run, and where an earlier run
        kept them (:class:`cib.detect.embed.Embedder`): a text is embedded once.

    Returns
    -------
    SimilarResult
        ``edges`` (EDGES, sorted by account_a, account_b), ``evidence`` (EVIDENCE), ``info``, ``edge_stats``.

    Examples
    --------
    >>> res = paraphrase_edges(posts, cfg, suspects=edges["account_a"])  # doctest: +SKIP
    """
    tell = Teller(progress, "detect", SIGNAL)
    timings: dict[str, float] = {}
    info: dict[str, Any] = {"signal": SIGNAL, "posts": posts.height, "threshold": float(cfg["paraphrase.threshold"]),
                            "warnings": [], "seconds": timings}
    used = resolve_window(SIGNAL, cfg["paraphrase.window"], time_resolution_s)
    used.record(info)
    info["warnings"].extend(used.warnings)
    window_us = int(round(used.seconds * 1e6))
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        timings[name] = round(time.perf_counter() - clock, 3)
        clock = time.perf_counter()

    tell(STEPS[0])
    if posts.height == 0:
        return _empty(info)
    traced, accounts, post_ids, background = _posts(posts, cfg, suspects, info)
    lap("texts")
    if traced.height < 2:
        info.update(edges_found=0, edges_kept=0, evidence_kept=0)
        return _empty(info)
    tell(STEPS[1])
    texts = traced.get_column("text").unique().sort()
    embed = Embedder(store, earlier)
    vectors = centred(
        embed(texts.to_list(), lambda d, n: tell("", d, n, "texts")),
        embed(background.to_list()),
    )
    embed.save([*texts.to_list(), *background.to_list()])
    info["embedding"] = {
        "texts": texts.len(),
        "background_texts": background.len(),
        "embedded": embed.embedded,
        "cached": embed.cached,
        "seconds": round(embed.seconds, 3),
        "texts_per_s": round(embed.embedded / embed.seconds, 1) if embed.seconds else None,
    }
    lap("embed")
    tell(STEPS[2])
    traced = traced.join(pl.DataFrame({"text": texts}).with_row_index("x"), on="text").sort("t", "p")
    pairs, tr, window_pairs = _pairs(traced, vectors, window_us, cfg, info)
    lap("pairs")
    if pairs.height == 0:
        info.update(edges_found=0, edges_kept=0, evidence_kept=0)
        return _empty(info)
    tell(STEPS[3])
    in_order = not bool(cfg["detect.significance"])
    ordered = order_pairs(pairs, evidence_order=in_order)
    population = max(accounts.height, int(cfg["detect.reference_accounts"]))
    edges, evidence = _edges(ordered, tr, window_pairs, cfg, info, evidence_order=in_order, population=population)
    when = np.zeros(posts.height, dtype=np.int64)
    when[traced.get_column("p").to_numpy()] = traced.get_column("t").to_numpy()
    pa, pb = evidence.get_column("pa").to_numpy(), evidence.get_column("pb").to_numpy()
    earlier = np.where(when[pa] <= when[pb], pa, pb)
    ev = evidence.with_columns(
        ("para:" + post_ids.gather(earlier)).alias("object_id"),
        post_ids.gather(evidence["pa"]).alias("post_a"),
        post_ids.gather(evidence["pb"]).alias("post_b"),
    )
    out = name_edges(SIGNAL, edges, ev, accounts)
    lap("edges")
    info["seconds_total"] = round(sum(timings.values()), 3)
    return SimilarResult(out[0], out[1], info, out[2])


def run_inputs(suspects: pl.Series, processed: Path, previous: Path | None) -> dict[str, Any]:
    """What a run passes :func:`paraphrase_edges`: the suspects, where its vectors go and where they were kept.

    Texts are embedded once over a collection's runs: the vectors are kept in
    ``cache/paraphrase.parquet`` beside its tables.
    """
    vectors = Path("cache", "paraphrase.parquet")
    return {"suspects": suspects, "store": processed / vectors, "earlier": previous / vectors if previous else None}
