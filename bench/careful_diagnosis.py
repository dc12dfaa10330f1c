"""Which signals see the troll networks of a ``careful`` collection, and where their edges are lost.

Synthesises one ``careful`` collection, ingests it and runs every signal's
detection through the library with the significance filter opened
(``detect.max_fdr = 1``), so that each signal's edges are all there before the
filters; an edge is *kept* when its adjusted p-value passes the default
``detect.max_fdr`` and its weight ``detect.min_weight`` (what a default run
keeps; ``sync`` is run with its defaults and shows kept edges only).

Printed per troll network, for each signal at its default setting and at
longer settings (``co_reshare`` 10 min and 1 h, ``co_reply`` 1 h and 3 h,
``co_hashtag`` 1 h, ``co_similar_text`` at ``similar.threshold`` 0.3):
``found/kept`` edges among the network's members and, in brackets, the members
in a kept edge among them. The last columns are the cost: the accounts of the
``newsroom``, ``trend_uptake`` and ``organic`` populations in kept edges of that
signal and setting.

Run: ``PYTHONPATH=. .venv/bin/python bench/careful_diagnosis.py --seed 201 --posts 100000``.
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from cib.detect import detect
from cib.detect.similar import similar_text_edges
from cib.detect.sync import sync_detect
from cib.ingest.runner import ingest
from cib.pipeline import build_config
from cib.synth import synth

__all__ = ["Variant", "VARIANTS", "COST_KINDS", "pair_table", "main"]

#: populations whose accounts in edges are the cost of a setting
COST_KINDS = ("newsroom", "trend_uptake", "organic")


@dataclass(frozen=True)
class Variant:
    """One signal at one setting."""

    label: str
    signal: str
    params: dict[str, Any]


#: the default settings first, then the longer ones
VARIANTS: tuple[Variant, ...] = (
    Variant("co_reshare 60s", "co_reshare", {}),
    Variant("co_link 60s", "co_link", {}),
    Variant("co_text 60s", "co_text", {}),
    Variant("co_hashtag 60s", "co_hashtag", {}),
    Variant("co_mention 60s", "co_mention", {}),
    Variant("co_reply 30m", "co_reply", {}),
    Variant("co_similar_text 0.5", "co_similar_text", {}),
    Variant("sync", "sync", {}),
    Variant("co_reshare 10m", "co_reshare", {"detect.co_reshare.window": 600.0}),
    Variant("co_reshare 1h", "co_reshare", {"detect.co_reshare.window": 3600.0}),
    Variant("co_reply 1h", "co_reply", {"detect.co_reply.window": 3600.0}),
    Variant("co_reply 3h", "co_reply", {"detect.co_reply.window": 10800.0}),
    Variant("co_hashtag 1h", "co_hashtag", {"detect.co_hashtag.window": 3600.0}),
    Variant("co_similar_text 0.3", "co_similar_text", {"similar.threshold": 0.3}),
)


def pair_table(posts: pl.DataFrame, variant: Variant, resolution: float) -> pl.DataFrame:
    """Every edge of one signal at one setting, with whether a default filter keeps it.

    Parameters
    ----------
    posts
        Ingested posts.
    variant
        The signal and its parameters.
    resolution
        Ingest's time resolution.

    Returns
    -------
    pl.DataFrame
        ``account_a, account_b, kept``.
    """
    params: dict[str, Any] = {"detect.signals": [variant.signal], **variant.params}
    if variant.signal == "sync":
        res = sync_detect(posts, build_config(params=params), time_resolution_s=resolution)
        return res.edges.select("account_a", "account_b", pl.lit(True).alias("kept"))
    default = build_config(params=params)
    max_fdr, min_weight = float(default["detect.max_fdr"]), float(default["detect.min_weight"])
    cfg = build_config(params={**params, "detect.max_fdr": 1.0})
    if variant.signal == "co_similar_text":
        res = similar_text_edges(posts, cfg, time_resolution_s=resolution)
        edges = res.edges
        stats = res.edge_stats if res.edge_stats is not None else None
    else:
        det = detect(posts, cfg, time_resolution_s=resolution, edge_stats=True)
        edges, stats = det.edges, det.edge_stats
    edges = edges.select("account_a", "account_b", "weight")
    if stats is not None and stats.height == edges.height and "q_value" in stats.columns:
        edges = edges.join(stats.select("account_a", "account_b", "q_value"), on=["account_a", "account_b"], how="left")
    else:
        edges = edges.with_columns(pl.lit(None, dtype=pl.Float64).alias("q_value"))
    # a null q-value: the signal's test could not speak (every pair co-occurs), the edge stands on its weight
    kept = (pl.col("weight") >= min_weight) & (pl.col("q_value").is_null() | (pl.col("q_value") <= max_fdr))
    return edges.select("account_a", "account_b", kept.alias("kept"))


def _summaries(edges: pl.DataFrame, truth: pl.DataFrame, networks: list[str]) -> dict[str, str]:
    """``found/kept (members)`` per troll network and the cost per population, as cells."""
    kind_net = truth.select("account_id", "network_id", "kind")
    e = edges.join(kind_net.rename({"account_id": "account_a", "network_id": "na", "kind": "ka"}), on="account_a",
                   how="left").join(kind_net.rename({"account_id": "account_b", "network_id": "nb", "kind": "kb"}),
                                    on="account_b", how="left")
    cells: dict[str, str] = {}
    for net in networks:
        inside = e.filter((pl.col("na") == net) & (pl.col("nb") == net))
        kept = inside.filter(pl.col("kept"))
        members = pl.concat([kept["account_a"], kept["account_b"]]).n_unique() if kept.height else 0
        cells[net] = f"{inside.height}/{kept.height} ({members})"
    kept_all = e.filter(pl.col("kept"))
    ids = pl.concat([kept_all.select(pl.col("account_a").alias("id"), pl.col("ka").alias("k")),
                     kept_all.select(pl.col("account_b").alias("id"), pl.col("kb").alias("k"))]).unique()
    for kind in COST_KINDS:
        cells[kind] = str(ids.filter(pl.col("k") == kind).height)
    return cells


def main() -> None:
    """Synthesise, detect every variant and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=201)
    parser.add_argument("--posts", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / f"careful{args.seed}"
        synth(raw, n_posts=args.posts, seed=args.seed, difficulty="careful")
        truth = pl.read_parquet(raw / "truth.parquet")
        ingested = ingest(raw, build_config())
    posts, resolution = ingested.posts, float(ingested.time_resolution_s)
    trolls = truth.filter(pl.col("kind") == "troll")
    sizes = dict(trolls.group_by("network_id").len().iter_rows())
    networks = sorted(sizes, key=lambda n: (-sizes[n], n))
    rows = [(v.label, _summaries(pair_table(posts, v, resolution), truth, networks)) for v in VARIANTS]
    population = dict(truth.group_by("kind").len().iter_rows())
    print(f"careful seed {args.seed}, {posts.height:,} posts: edges among a troll network's members, "
          "found before the filters / kept after (members in kept edges)")
    head = [f"{n} ({sizes[n]})" for n in networks] + [f"{k} ({population.get(k, 0)})" for k in COST_KINDS]
    width = max(14, *(len(h) for h in head))
    print(f"{'signal, setting':<21}" + "".join(f"{h:>{width + 1}}" for h in head))
    for label, cells in rows:
        print(f"{label:<21}" + "".join(f"{cells[k]:>{width + 1}}" for k in [*networks, *COST_KINDS]))


if __name__ == "__main__":
    main()
