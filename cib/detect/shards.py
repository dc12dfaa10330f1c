"""A signal's pairs of shares in bounded memory: spilled to disk in shards of account pairs.

Where popularity is heavy-tailed the pairs of shares outgrow the posts (125 M
for ``co_reshare`` on 10 M posts, against 27 M on 3 M), and every pair held at
once, with its sort, outgrows the machine. When the pairs a signal could give
(an upper bound counted from shares per object and window, before any pair is
made) exceed ``detect.max_pairs_in_memory``, the signal runs in three passes:

1. **Spill.** Objects are taken in slices whose pairs fit the budget; each
   slice's pairs are made as usual (:func:`cib.detect.window.co_occurrences`)
   and written to disk split by a hash of the account pair into ``S`` shards.
   Every pair of two accounts lands in one shard, whatever its object.
2. **Edges.** Each shard is read back alone and aggregated exactly as the
   whole signal would be (:func:`cib.detect.edges.aggregate`, with the idf and
   norms of all traces): an edge's figures come from all its pairs, and they
   are all in its shard. With the scaled null an edge on a single object can
   never be significant (:mod:`cib.detect.significance`); such edges are not
   kept, only counted per object (:class:`Singles`), which is all the null
   model's fits and the family of tests read of them.
3. **Evidence.** Once the edges are tested and kept, each shard is read again
   and its kept edges' evidence picked as usual.

Pairs, edges, p-values and evidence are the same as in one pass (the reductions
are integer sums, minima and distinct counts; a test holds them equal).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from cib.detect.edges import Singles, aggregate, choose_weight, idf_and_norms, keep_edges
from cib.detect.evidence import order_pairs, pick_evidence
from cib.detect.paired import per_object, window_pairs
from cib.detect.significance import tested_edges
from cib.detect.window import co_occurrences, object_pairs_bound, self_pairs_per_object

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["pair_budget", "Spill", "spilled", "sharded", "spill_edges"]

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def pair_budget(thinned: pl.LazyFrame, window_us: int, budget: int) -> tuple[int, pl.DataFrame] | None:
    """How many shards and which object slices a signal needs, or ``None`` when its pairs fit the budget.

    Returns
    -------
    shards, slices
        The number of account-pair shards, and ``o, slice`` for every object
        (objects in code order, a slice closing when its pairs would pass the budget).
    """
    if budget <= 0:
        return None
    per = object_pairs_bound(thinned, window_us).select("o", "est_pairs").sort("o").collect()
    total = int(per.get_column("est_pairs").sum() or 0)
    if total <= budget:
        return None
    shards = -(-total // budget)
    slices = per.select("o", (pl.col("est_pairs").cum_sum() // budget).cast(pl.UInt32).alias("slice"))
    return shards, slices


def _shard_of(frame: pl.DataFrame, shards: int) -> np.ndarray:
    key = (frame.get_column("a").to_numpy().astype(np.uint64) << np.uint64(32)) | frame.get_column(
        "b"
    ).to_numpy().astype(np.uint64)
    with np.errstate(over="ignore"):
        mixed = key * _GOLDEN
    return ((mixed >> np.uint64(32)) % np.uint64(shards)).astype(np.uint32)


class Spill:
    """A signal's pairs on disk, by shard; see the module's description.

    Parameters
    ----------
    folder
        An empty folder of its own.
    shards
        The number of account-pair shards.
    """

    def __init__(self, folder: Path, shards: int) -> None:
        self.folder = folder
        self.shards = shards
        self.pairs = 0
        self.per_object: list[pl.DataFrame] = []

    def write(self, thinned: pl.LazyFrame, slices: pl.DataFrame, window_us: int) -> None:
        """Make every slice's pairs and write them by shard; count them per object (the null model's ``P``)."""
        n_slices = int(slices.get_column("slice").max() or 0) + 1
        for i in range(n_slices):
            objects = slices.filter(pl.col("slice") == i).select("o")
            if objects.height == 0:
                continue
            self.add(co_occurrences(thinned.join(objects.lazy(), on="o", how="semi"), window_us).collect(), i)

    def add(self, pairs: pl.DataFrame, part: int) -> None:
        """Write one slice's pairs of two accounts (``a, b, o, pa, pb, ta, tb``) by shard, as part ``part``."""
        if pairs.height == 0:
            return
        self.pairs += pairs.height
        self.per_object.append(per_object(pairs))
        shard = pl.Series("_shard", _shard_of(pairs, self.shards))
        for (s,), piece in pairs.with_columns(shard).partition_by("_shard", as_dict=True, include_key=False).items():
            piece.write_ipc(self.folder / f"s{s:05d}-{part:06d}.arrow")

    def object_pairs(self) -> pl.DataFrame:
        """``o, n``: pairs of shares of different accounts per object."""
        if not self.per_object:
            return pl.DataFrame(schema={"o": pl.UInt32, "n": pl.Int64})
        return pl.concat(self.per_object).group_by("o").agg(pl.col("n").sum())

    def shard(self, s: int) -> pl.DataFrame | None:
        """Shard ``s``'s pairs, or ``None`` when it has none."""
        files = sorted(self.folder.glob(f"s{s:05d}-*.arrow"))
        if not files:
            return None
        return pl.concat([pl.read_ipc(f) for f in files])

    def edges(
        self,
        kept: pl.DataFrame,
        *,
        tfidf: bool,
        population: int,
        weight: str,
        min_weight: float,
        drop_singles: bool,
        n_objects: int,
    ) -> tuple[pl.DataFrame, Singles]:
        """Every shard's edges, as :func:`aggregate` gives them, in ``a, b`` order, with ``shard`` and ``edge`` per shard.

        With ``drop_singles``, edges on one object are counted into the
        returned :class:`Singles` instead. The spill holds pairs (:func:`sharded`
        asks only then), so at least one shard has edges.
        """
        idf = idf_and_norms(kept.lazy(), population) if tfidf else None
        singles = Singles(np.zeros(n_objects, dtype=np.int64))
        parts = []
        for s in range(self.shards):
            pairs = self.shard(s)
            if pairs is None:
                continue
            ordered = order_pairs(pairs, evidence_order=False)
            del pairs
            e = aggregate(ordered, kept.lazy(), tfidf=tfidf, population=population, idf_norms=idf)
            del ordered
            if drop_singles:
                one = e.get_column("n_objects").to_numpy() == 1
                gone = e.filter(pl.Series(one))
                singles.per_object += np.bincount(
                    gone.get_column("min_object").to_numpy().astype(np.int64), minlength=n_objects
                )[:n_objects]
                light = gone.select((choose_weight(gone, weight) < min_weight).sum()).item()
                singles.below_min_weight += int(light or 0)
                e = e.filter(pl.Series(~one))
            parts.append(e.with_columns(pl.lit(s, pl.UInt32).alias("shard")))
        return pl.concat(parts).sort("a", "b"), singles

    def evidence(self, kept_edges: pl.DataFrame, per_edge: int) -> pl.DataFrame:
        """The kept edges' evidence, shard by shard, in the evidence order (:func:`pick_evidence`)."""
        out = []
        for (s,), mine in kept_edges.partition_by("shard", as_dict=True).items():
            pairs = self.shard(int(s))
            if pairs is None:
                continue
            ordered = order_pairs(pairs, evidence_order=False)
            del pairs
            out.append(pick_evidence(ordered, mine, per_edge, evidence_order=False))
        if not out:
            return pick_evidence(
                order_pairs(_no_pairs(), evidence_order=False),
                kept_edges.clear(),
                per_edge,
                evidence_order=False,
            )
        return pl.concat(out).sort("a", "b", "delta_us", "o", "pa", "pb")


def _no_pairs() -> pl.DataFrame:
    cols = {
        "a": pl.UInt32,
        "b": pl.UInt32,
        "o": pl.UInt32,
        "pa": pl.UInt32,
        "pb": pl.UInt32,
        "ta": pl.Int64,
        "tb": pl.Int64,
    }
    return pl.DataFrame(schema=cols)


@contextmanager
def spilled(shards: int, where: str | None = None) -> Iterator[Spill]:
    """A :class:`Spill` in a temporary folder (under ``where``, or the system's), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="cib-pairs-", dir=where))
    try:
        yield Spill(folder, shards)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sharded(
    kept: pl.DataFrame,
    thinned: pl.LazyFrame,
    n_objects: int,
    window_us: int,
    plan: tuple[int, pl.DataFrame],
    cfg: Config,
    info: dict,
    clock: Callable[[str], None],
    tfidf: bool,
    population: int,
    crowd: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame] | None:
    """A signal's kept edges and their evidence (in codes), its pairs spilled in shards; ``None`` without pairs.

    Parameters
    ----------
    kept, thinned
        The signal's traces after the participation filter, and once crowds are handled.
    n_objects
        The signal's objects (codes ``0 … n_objects - 1``).
    window_us, plan
        The window, and :func:`pair_budget`'s shards and slices.
    cfg, info
        Effective configuration; the signal's info (receives ``pairs``, ``pair_shards``, the null model's figures).
    clock
        Told when the pairs, edges and significance steps end.
    tfidf, population
        As for :func:`cib.detect.edges.aggregate`.
    crowd
        The crowd objects (:func:`cib.detect.window.crowds`), which the null model counts by their bound.
    """
    shards, slices = plan
    significance = bool(cfg["detect.significance"])
    with spilled(shards) as spill:
        spill.write(thinned, slices, window_us)
        own = self_pairs_per_object(thinned, window_us) if significance else None
        null_pairs = window_pairs(spill.object_pairs(), own, crowd, info) if own is not None else None
        info.update(pairs=spill.pairs, pair_shards=shards)
        clock("pairs")
        if spill.pairs == 0:
            return None
        return spill_edges(spill, kept, n_objects, null_pairs, cfg, info, clock, tfidf, population)


def spill_edges(
    spill: Spill,
    kept: pl.DataFrame,
    n_objects: int,
    null_pairs: pl.DataFrame | None,
    cfg: Config,
    info: dict,
    clock: Callable[[str], None],
    tfidf: bool,
    population: int,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The kept edges and their evidence (in codes) of a signal whose pairs are in ``spill`` (at least one).

    Parameters
    ----------
    spill
        The signal's pairs of two accounts, by shard.
    kept
        The signal's traces after the participation filter (``a, o, p, t``).
    n_objects
        The signal's objects (codes ``0 … n_objects - 1``).
    null_pairs
        The null model's pairs per object (``o, n``), or ``None`` without the significance test.
    cfg, info, clock, tfidf, population
        As for :func:`sharded`.
    """
    # with the scaled null an edge on one object is never significant: counted, not listed
    drop = null_pairs is not None and bool(cfg["detect.null.scaled"])

    def edges_of(drop_singles: bool) -> tuple[pl.DataFrame, Singles]:
        return spill.edges(
            kept, tfidf=tfidf, population=population, weight=str(cfg["detect.weight"]),
            min_weight=float(cfg["detect.min_weight"]), drop_singles=drop_singles, n_objects=n_objects,
        )  # fmt: skip

    edges, singles = edges_of(drop)
    n_acc = kept.get_column("a").n_unique()
    if drop and edges.height + singles.total >= n_acc * (n_acc - 1) // 2:
        # every pair of accounts co-occurs: the test cannot speak and single-object edges may stand
        edges, singles = edges_of(False)
    clock("edges")
    edges = keep_edges(tested_edges(edges, kept, null_pairs, cfg, info, singles), cfg, info, singles)
    clock("significance")
    return edges, spill.evidence(edges, int(cfg["detect.evidence_per_edge"]))
