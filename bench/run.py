"""Run every benchmark in this folder (``make bench``); figures land in ``bench/results/``.

``BENCH_ONLY=ingest make bench`` runs one of them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent


def main() -> int:
    only = os.environ.get("BENCH_ONLY")
    scripts = sorted(HERE.glob("bench_*.py"))
    if only:
        scripts = [s for s in scripts if s.stem == f"bench_{only}"]
    for script in scripts:
        print(f"== {script.stem}", flush=True)
        code = subprocess.call([sys.executable, str(script)])
        if code:
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main())
