"""Seeded synthetic social-media collections with planted coordinated networks.

``synth(out_dir, n_posts, seed, layout, difficulty)`` writes raw export files
(the X information-operations archive format and/or the generic canonical
CSVs), ``truth.parquet`` (which account belongs to which planted network, and
which population it comes from) and a ``README.md`` describing the collection.
Generation is vectorised: ten million posts take minutes, not hours.
"""

from __future__ import annotations

from cib.synth.generate import SynthResult, synth

__all__ = ["SynthResult", "synth"]
