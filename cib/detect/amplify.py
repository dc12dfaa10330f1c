"""Directed amplification (``amplify``): one account resharing another's own posts, again and again.

Careful operations amplify each other: a member reshares a fellow member's
post minutes to hours after it appeared, and a post is seldom reshared by more
than one member, so there is no *shared* object for ``co_reshare`` to pair.
This detector looks at the reshare itself: account *a* reshares (or, with
``amplify.quotes``, quotes) a post written by account *b* at most
``amplify.window`` after it. Replies are not amplification (a reply swarm under
an opponent's post is ``co_reply``'s), and a reshare of one's own post is left
out.

The plan is relational, one step per function, so it maps onto SQL:

1. :func:`amplify_events` — join the reshares to the posts they reshare
   (equi-join on the post id), keep ``a ≠ b`` and ``0 ≤ Δt ≤ window``, one
   event per resharer and post.
2. :func:`directed_counts` — group by ``(a, b)``: the distinct posts of *b*
   that *a* amplified, and by resharer and by author the events made
   (``r_a``) and received (``s_b``).
3. :func:`pair_tests` — group the directed pairs by unordered pair, join the
   activity of both accounts, compute the null expectations and p-values.
4. :func:`kept_pairs` — filter by ``amplify.min_objects`` and
   ``amplify.min_days`` and by Benjamini–Hochberg at ``detect.max_fdr``.

Null model
    An account that reshares ``r_a`` times picks its authors in proportion to
    how much everyone reshares them: ``λ_ab = r_a s_b / R`` (``R`` all events),
    so a popular account reshared by thousands is expected to be reshared by
    each of its fans. For the unordered pair the p-value is the smaller of
    two tests, Bonferroni-corrected: *volume*, ``P(X ≥ x_ab + x_ba)`` for
    ``X ~ Poisson(λ_ab + λ_ba)``, and, when both directions occur,
    *reciprocity*, ``P(X_ab ≥ x_ab) · P(X_ba ≥ x_ba)``. Two accounts that
    amplify each other inside a closed group are far less likely by chance
    than a fan resharing a star, and the second test says so. The family of
    tests is every (resharer, author) pair. With ``detect.null.time_of_week``
    the expectation also knows the hours of the week in which each account
    reshares and is reshared: ``λ_ab = (r_a s_b / R) F_ab`` (:mod:`cib.detect.week`).

Caveat
    Newsrooms reshare their colleagues' articles every working day, and that
    is reciprocal amplification too: the scores discount established accounts
    resharing their own outlet's articles (``score.organic.own_articles``).

Output columns follow ``EDGES``: ``weight`` is ``x / √(k_a k_b)`` with ``x``
the distinct posts amplified between the two (both directions) and ``k`` an
account's events made plus received; ``n_objects`` is ``x``, ``n_pairs`` the
events, ``first_at`` the first original and ``last_at`` the last reshare,
``min_delta_s`` the fastest reshare, ``p_value`` the raw p-value. Evidence rows
are (original, reshare) pairs: ``object_id`` the original post, ``post_a`` the
post of ``account_a`` (the original or the reshare), fastest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from cib.detect.resolve import resolve_window
from cib.detect.significance import benjamini_hochberg, poisson_pvalues
from cib.detect.week import HOURS, hour_of_week, week_profiles
from cib.progress import Progress, Teller
from cib.schema import TIME, conform, empty

if TYPE_CHECKING:
    from cib.config import Config

__all__ = [
    "POST_COLUMNS",
    "AmplifyResult",
    "amplify_detect",
    "amplify_events",
    "directed_counts",
    "pair_tests",
    "kept_pairs",
]

SIGNAL = "amplify"
#: the posts' columns :func:`amplify_detect` reads (a large collection's detection reads only these)
POST_COLUMNS = ("post_id", "account_id", "created_at", "reshare_of", "quote_of")
_US = 1_000_000


@dataclass
class AmplifyResult:
    """What :func:`amplify_detect` found.

    Attributes
    ----------
    edges
        ``EDGES`` rows, ``signal = "amplify"``.
    evidence
        ``EVIDENCE`` rows behind the edges.
    info
        Window used, events, pairs tested and kept.
    """

    edges: pl.DataFrame
    evidence: pl.DataFrame
    info: dict[str, Any] = field(default_factory=dict)


def amplify_events(posts: pl.LazyFrame, window_s: float, *, quotes: bool) -> pl.LazyFrame:
    """Every amplification: an account resharing another's post within the window.

    Parameters
    ----------
    posts
        Canonical posts (``post_id, account_id, created_at, reshare_of``, and
        ``quote_of`` when ``quotes``).
    window_s
        Largest time from the original to the reshare.
    quotes
        Count quotes as amplification too.

    Returns
    -------
    polars.LazyFrame
        ``a`` (resharer), ``b`` (author), ``o`` (the original's id), ``p`` (the
        reshare's id), ``t_o``, ``t`` (µs since the epoch) and ``delta_s``; one
        row per resharer and original (its first reshare of it).
    """
    have = posts.collect_schema().names()
    base = posts.filter(pl.col("account_id").is_not_null() & pl.col("created_at").is_not_null()).select(
        "post_id",
        "account_id",
        pl.col("created_at").cast(TIME).dt.epoch("us").alias("t"),
        *(c for c in ("reshare_of", "quote_of") if c in have),
    )
    refs = [c for c in ("reshare_of", "quote_of") if c in have and (c == "reshare_of" or quotes)]
    if not refs:
        return pl.LazyFrame(
            schema={
                "a": pl.String,
                "b": pl.String,
                "o": pl.String,
                "p": pl.String,
                "t_o": pl.Int64,
                "t": pl.Int64,
                "delta_s": pl.Float64,
            }
        )
    # a reshare is no original of its author's; a quote is (its author's own words)
    originals = base
    if "reshare_of" in have:
        originals = originals.filter(pl.col("reshare_of").is_null())
    originals = originals.select(
        pl.col("post_id").alias("o"), pl.col("account_id").alias("b"), pl.col("t").alias("t_o")
    )
    acts = pl.concat(
        [
            base.filter(pl.col(c).is_not_null()).select(
                pl.col("account_id").alias("a"), pl.col(c).alias("o"), pl.col("post_id").alias("p"), "t"
            )
            for c in refs
        ]
    )
    window_us = int(round(window_s * _US))
    return (
        acts.join(originals, on="o", how="inner")
        .filter(
            (pl.col("a") != pl.col("b"))
            & (pl.col("t") >= pl.col("t_o"))
            & (pl.col("t") - pl.col("t_o") <= window_us)
        )
        .sort(["a", "o", "t", "p"])
        .group_by(["a", "o"], maintain_order=True)
        .first()
        .with_columns(((pl.col("t") - pl.col("t_o")).cast(pl.Float64) / _US).alias("delta_s"))
    )


def directed_counts(events: pl.LazyFrame) -> tuple[pl.LazyFrame, pl.LazyFrame, pl.LazyFrame]:
    """Per directed pair the posts amplified; per account the events made and received.

    Parameters
    ----------
    events
        :func:`amplify_events`.

    Returns
    -------
    directed, made, received
        ``a, b, x`` (distinct originals of ``b`` amplified by ``a``); ``a, r``
        (events made); ``b, s`` (events received).
    """
    directed = events.group_by(["a", "b"]).agg(pl.len().cast(pl.Int64).alias("x"))
    made = events.group_by("a").agg(pl.len().cast(pl.Int64).alias("r"))
    received = events.group_by("b").agg(pl.len().cast(pl.Int64).alias("s"))
    return directed, made, received


def _poisson_tail(observed: pl.Expr, expected: pl.Expr) -> pl.Expr:
    """``P(X ≥ observed)`` for ``X ~ Poisson(expected)`` (1 when nothing is observed), as a column."""

    def tail(s: pl.Series) -> pl.Series:
        k = s.struct.field("k").cast(pl.Float64).to_numpy()
        return pl.Series(poisson_pvalues(k, s.struct.field("lam").cast(pl.Float64).to_numpy()))

    return pl.struct(observed.alias("k"), expected.alias("lam")).map_batches(tail, return_dtype=pl.Float64)


def pair_tests(events: pl.LazyFrame, week_prior: float | None = None) -> tuple[pl.DataFrame, int]:
    """Every unordered pair linked by amplification, with its counts, days and p-value.

    Parameters
    ----------
    events
        :func:`amplify_events`.
    week_prior
        With a value, the null model knows the hours of the week in which each
        account reshares and is reshared (:func:`_week_factors`), with this
        ``detect.null.week_prior``; without, every account's week is everyone's.

    Returns
    -------
    pairs, tests
        ``u < v`` with ``x_uv, x_vu`` (posts of ``v`` amplified by ``u`` and the
        reverse), ``x``, ``days`` (distinct UTC days of the events), ``k_u, k_v``,
        ``lam_uv, lam_vu`` and ``p``; and the size of the family of tests
        (resharers × authors, less each account paired with itself).
    """
    directed, made, received = directed_counts(events)
    made_df, received_df = made.collect(), received.collect()
    total = float(made_df.get_column("r").sum() or 0)
    both = made_df.join(received_df.rename({"b": "a"}), on="a", how="inner").height
    tests = made_df.height * received_df.height - both
    activity = (
        made_df.join(received_df.rename({"b": "a"}), on="a", how="full", coalesce=True)
        .with_columns(pl.col("r").fill_null(0), pl.col("s").fill_null(0))
        .rename({"a": "acc"})
        .sort("acc")
        .with_row_index("row")
    )
    u, v = pl.min_horizontal("a", "b"), pl.max_horizontal("a", "b")
    days = (
        events.select(u.alias("u"), v.alias("v"), (pl.col("t") // (86400 * _US)).alias("day"))
        .group_by(["u", "v"])
        .agg(pl.col("day").n_unique().cast(pl.Int64).alias("days"))
    )
    forward = pl.col("a") < pl.col("b")
    pairs = (
        directed.group_by(u.alias("u"), v.alias("v"))
        .agg(
            pl.col("x").filter(forward).sum().alias("x_uv"),
            pl.col("x").filter(~forward).sum().alias("x_vu"),
        )
        .join(days, on=["u", "v"])
        .collect()
    )
    pairs = (
        pairs.join(activity.rename({"acc": "u", "r": "r_u", "s": "s_u", "row": "row_u"}), on="u", how="left")
        .join(activity.rename({"acc": "v", "r": "r_v", "s": "s_v", "row": "row_v"}), on="v", how="left")
    )
    f_uv, f_vu = _week_factors(events, activity, pairs, week_prior)
    pairs = (
        pairs.with_columns(
            (pl.col("x_uv") + pl.col("x_vu")).alias("x"),
            (pl.col("r_u") + pl.col("s_u")).alias("k_u"),
            (pl.col("r_v") + pl.col("s_v")).alias("k_v"),
            (pl.col("r_u").cast(pl.Float64) * pl.col("s_v") / max(total, 1.0) * f_uv).alias("lam_uv"),
            (pl.col("r_v").cast(pl.Float64) * pl.col("s_u") / max(total, 1.0) * f_vu).alias("lam_vu"),
        )
        .drop("row_u", "row_v")
        .with_columns(
            _poisson_tail(pl.col("x"), pl.col("lam_uv") + pl.col("lam_vu")).alias("p_volume"),
            (
                _poisson_tail(pl.col("x_uv"), pl.col("lam_uv"))
                * _poisson_tail(pl.col("x_vu"), pl.col("lam_vu"))
            ).alias("p_both"),
        )
        .with_columns(
            # Bonferroni over the two tests; one-way pairs have only the first
            pl.when((pl.col("x_uv") > 0) & (pl.col("x_vu") > 0))
            .then(2.0 * pl.min_horizontal("p_volume", "p_both"))
            .otherwise(pl.col("p_volume"))
            .clip(upper_bound=1.0)
            .alias("p")
        )
        .sort(["u", "v"])
    )
    return pairs, max(tests, pairs.height)


def _week_factors(
    events: pl.LazyFrame, activity: pl.DataFrame, pairs: pl.DataFrame, prior: float | None
) -> tuple[pl.Series | float, pl.Series | float]:
    """``F_uv`` and ``F_vu`` of :mod:`cib.detect.week` per pair (1 without ``prior``).

    An event in hour ``h`` has its resharer drawn by how much each account reshares
    in ``h`` and its author by how much each is reshared in ``h``, so
    ``λ_uv = (r_u s_v / R) Σ_h ρ_u(h) σ_v(h) / W_h``; everyone's week gives ``F = 1``.
    """
    if prior is None or pairs.height == 0:
        return 1.0, 1.0
    rows = activity.select("acc", "row")
    timed = (
        events.select("a", "b", hour_of_week(pl.col("t")).alias("h"))
        .join(rows.lazy().rename({"acc": "a", "row": "ra"}), on="a")
        .join(rows.lazy().rename({"acc": "b", "row": "rb"}), on="b")
        .select("ra", "rb", "h")
        .collect()
    )
    hours = timed.get_column("h").to_numpy()
    per_hour = np.bincount(hours, minlength=HOURS).astype(np.float64)
    share = per_hour / per_hour.sum()
    weight = np.divide(1.0, share, out=np.zeros(HOURS), where=share > 0)
    made = week_profiles(timed.get_column("ra").to_numpy(), hours, activity.height, weight, prior, share)
    received = week_profiles(timed.get_column("rb").to_numpy(), hours, activity.height, weight, prior, share)
    u = pairs.get_column("row_u").to_numpy().astype(np.int64)
    v = pairs.get_column("row_v").to_numpy().astype(np.int64)
    return pl.Series(made.factor(u, v, received)), pl.Series(made.factor(v, u, received))


def kept_pairs(pairs: pl.DataFrame, tests: int, cfg: Config, info: dict[str, Any]) -> pl.DataFrame:
    """The pairs that pass ``amplify.min_objects``, ``amplify.min_days`` and (with ``detect.significance``) the FDR level.

    Parameters
    ----------
    pairs, tests
        :func:`pair_tests`.
    cfg
        Effective configuration.
    info
        Receives the counts found, dropped and kept.

    Returns
    -------
    polars.DataFrame
        The kept pairs with ``q`` (null without the significance filter).
    """
    enough = pairs.filter(
        (pl.col("x") >= int(cfg["amplify.min_objects"])) & (pl.col("days") >= int(cfg["amplify.min_days"]))
    )
    info.update(edges_found=pairs.height, edges_dropped_min_objects=pairs.height - enough.height)
    if not cfg["detect.significance"]:
        info.update(edges_dropped_fdr=0, edges_kept=enough.height)
        return enough.with_columns(pl.lit(None, pl.Float64).alias("q"))
    q = benjamini_hochberg(enough.get_column("p").to_numpy(), tests)
    out = enough.with_columns(pl.Series("q", q)).filter(pl.col("q") <= float(cfg["detect.max_fdr"]))
    info.update(edges_dropped_fdr=enough.height - out.height, edges_kept=out.height)
    return out


def _describe(kept: pl.DataFrame, events: pl.DataFrame, keep: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Edges and evidence of the kept pairs from their events."""
    u, v = pl.min_horizontal("a", "b"), pl.max_horizontal("a", "b")
    ev = events.with_columns(u.alias("u"), v.alias("v")).join(
        kept.select("u", "v"), on=["u", "v"], how="semi"
    )
    stats = ev.group_by(["u", "v"]).agg(
        pl.len().cast(pl.Int64).alias("n_pairs"),
        pl.col("t_o").min().alias("first_us"),
        pl.col("t").max().alias("last_us"),
        pl.col("delta_s").min().alias("min_delta_s"),
    )
    edges = conform(
        kept.join(stats, on=["u", "v"], how="left")
        .with_columns(
            pl.col("u").alias("account_a"),
            pl.col("v").alias("account_b"),
            pl.lit(SIGNAL).alias("signal"),
            (pl.col("x") / (pl.col("k_u").cast(pl.Float64) * pl.col("k_v")).sqrt()).alias("weight"),
            pl.col("x").alias("n_objects"),
            pl.col("first_us").cast(TIME).alias("first_at"),
            pl.col("last_us").cast(TIME).alias("last_at"),
            pl.col("p").alias("p_value"),
        )
        .sort(["account_a", "account_b"]),
        "edges",
    )
    resharer_first = pl.col("a") == pl.col("u")
    evidence = conform(
        ev.sort(["u", "v", "delta_s", "o", "p"])
        .group_by(["u", "v"], maintain_order=True)
        .head(max(keep, 0))
        .select(
            pl.lit(SIGNAL).alias("signal"),
            pl.col("o").alias("object_id"),
            pl.col("u").alias("account_a"),
            pl.col("v").alias("account_b"),
            pl.when(resharer_first).then(pl.col("p")).otherwise(pl.col("o")).alias("post_a"),
            pl.when(resharer_first).then(pl.col("o")).otherwise(pl.col("p")).alias("post_b"),
            "delta_s",
        ),
        "evidence",
    )
    return edges, evidence


def amplify_detect(
    posts: pl.DataFrame,
    cfg: Config,
    *,
    time_resolution_s: float | None = None,
    progress: Progress | None = None,
) -> AmplifyResult:
    """Find ``amplify`` edges and their evidence.

    Parameters
    ----------
    posts
        Canonical posts (``POSTS`` schema).
    cfg
        Effective configuration (``amplify.*``, ``detect.significance``,
        ``detect.max_fdr``, ``detect.evidence_per_edge``).
    time_resolution_s
        The timestamps' resolution; a finer window is widened to it with a warning.
    progress
        Told ``events``, ``tests`` and ``edges`` as they start (:mod:`cib.progress`).

    Returns
    -------
    AmplifyResult
    """
    tell = Teller(progress, "detect", SIGNAL)
    tell("events")
    info: dict[str, Any] = {"signal": SIGNAL}
    window = resolve_window(SIGNAL, cfg["amplify.window"], time_resolution_s)
    window.record(info)
    info.setdefault("warnings", []).extend(window.warnings)
    events = amplify_events(posts.lazy(), window.seconds, quotes=bool(cfg["amplify.quotes"])).collect()
    del posts  # a caller that handed over the only reference lets the posts go for the steps below
    info["events"] = events.height
    if events.height == 0:
        info.update(edges_found=0, edges_kept=0, tests=0)
        return AmplifyResult(empty("edges"), empty("evidence"), info)
    tell("tests")
    prior = float(cfg["detect.null.week_prior"]) if cfg["detect.null.time_of_week"] else None
    pairs, tests = pair_tests(events.lazy(), prior)
    info["tests"] = tests
    tell("edges")
    kept = kept_pairs(pairs, tests, cfg, info)
    if kept.height == 0:
        return AmplifyResult(empty("edges"), empty("evidence"), info)
    edges, evidence = _describe(kept, events, int(cfg["detect.evidence_per_edge"]))
    info["evidence_kept"] = evidence.height
    return AmplifyResult(edges, evidence, info)
