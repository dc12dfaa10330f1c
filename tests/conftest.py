"""Shared fixtures: where the real datasets are, when they are there."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("CIB_SHARED", ROOT.parent / "shared")) / "data" / "real"


def real_path(*parts: str) -> Path:
    """A file under ../shared/data/real, or a skip saying why it is absent."""
    path = REAL.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real data not present: {path} (set CIB_SHARED to the folder holding data/real)")
    return path


def synth_collection(factory: pytest.TempPathFactory, name: str, n_posts: int, seed: int) -> Path:
    """A small synthetic collection (generic CSV) in a fresh temporary folder, for tests of whole runs."""
    from cib.synth import synth

    folder = factory.mktemp(name) / "raw"
    synth(folder, n_posts=n_posts, seed=seed, layout="generic")
    return folder
