"""Run-wide and ingest parameters."""

from __future__ import annotations

from cib.params.param import Param

__all__ = ["PARAMS"]

PARAMS: tuple[Param, ...] = (
    # --- run -----------------------------------------------------------------
    Param(
        "run.seed", 42, "-", "Seed for everything random (null models, clustering, layouts).", kind="int", min=0, max=2**32 - 1
    ),
    Param(
        "run.max_posts_in_memory",
        2_000_000,
        "posts",
        "Above this many posts a run keeps its large tables on disk between steps: ingest stages the "
        "posts in parts beside the outputs and streams posts.parquet from them, detection reads from "
        "posts.parquet only the columns each detector needs and writes each signal's edges and "
        "evidence as it finishes. The same tables either way: a memory bound, not a result-changing threshold.",
        kind="int",
        min=0,
    ),
    # --- ingest --------------------------------------------------------------
    Param(
        "ingest.columns",
        {},
        "-",
        "Column map for generic files: canonical name = header in the file, "
        "e.g. { post_id = \"id\", created_at = \"date\" }.",
        kind="table",
    ),
    Param(
        "ingest.default_timezone",
        "UTC",
        "IANA zone",
        "Zone assumed for times written without an offset (the result is always UTC).",
        kind="zone",
    ),
    Param(
        "ingest.raw_chars",
        500,
        "characters",
        "How much of a rejected row's text is kept in rejects.parquet.",
        kind="int",
        min=0,
    ),
    Param(
        "ingest.chunk_rows",
        200_000,
        "rows",
        "Rows handed on at a time from text files; files read row by row (those with bad records) hold only this many in Python at once.",
        kind="int",
        min=1,
    ),
    Param(
        "ingest.dedupe",
        True,
        "-",
        "Drop repeated post ids within a platform, keeping the first in file order "
        "(counted in the manifest).",
        kind="bool",
    ),
)
