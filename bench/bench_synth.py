"""Synthetic collection generation: 1 million (and with --big, 10 million) posts, time and peak memory.

Target (issue 2): 10 million posts in minutes. Run: ``.venv/bin/python bench/bench_synth.py [--big]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from common import measure, save  # noqa: E402

STEP = """
from cib.synth import synth
res = synth({out!r}, n_posts={n}, seed=1)
print(res.n_posts)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big", action="store_true", help="also 10 million posts (about 4 GB of CSV)")
    args = parser.parse_args()
    sizes = [1_000_000, 10_000_000] if args.big else [1_000_000]
    record: dict = {}
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            fig = measure(STEP.format(out=str(Path(tmp) / "c"), n=n))
            fig["written_mb"] = round(sum(p.stat().st_size for p in (Path(tmp) / "c").iterdir()) / 1e6, 1)
            record[f"posts_{n}"] = fig
    save("synth", record)


if __name__ == "__main__":
    main()
