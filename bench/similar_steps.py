"""``co_similar_text`` alone on a processed collection's posts: the peak memory of each step, and a digest of its tables.

Reads the detector's columns of ``posts.parquet`` (as a large collection's
detection hands them over), runs :func:`cib.detect.similar.similar_text_edges`
with the default parameters (or ``--set``) and prints, as each step begins, the
peak resident memory of the step before it (``step_peaks``' sampler), then the
edges, the evidence rows and one SHA-1 of both tables, so two versions of the
code can be compared for memory and for the same answer.

Run: ``.venv/bin/python bench/similar_steps.py POSTS.parquet [--set NAME=VALUE ...]``
(e.g. on the 10 M collection ``step_peaks.py`` analysed:
``bench/similar_steps.py /tmp/big10/run/p/raw10000000/posts.parquet``).
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

from step_peaks import _Peaks  # sets the command line's allocator settings before Polars loads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("posts", type=Path)
    parser.add_argument("--set", dest="sets", action="append", default=[], help="NAME=VALUE")
    args = parser.parse_args()
    import polars as pl

    from cib.detect.similar import POST_COLUMNS, similar_text_edges
    from cib.pipeline import build_config

    peaks = _Peaks()
    res = similar_text_edges(
        pl.read_parquet(args.posts, columns=list(POST_COLUMNS)), build_config(sets=args.sets), progress=peaks
    )
    peaks(type("End", (), {"stage": "end", "task": "", "step": "end", "finished": True})())
    digest = hashlib.sha1(res.edges.write_ipc(None).getvalue() + res.evidence.write_ipc(None).getvalue()).hexdigest()
    print(f"edges {res.edges.height:,}, evidence {res.evidence.height:,}, sha1 {digest}, "
          f"{time.time() - peaks.start:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
