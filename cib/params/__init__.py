"""Every parameter cib has, declared once, one module per pipeline stage.

``docs/parameters.md`` documents them all (a test checks it), ``cib params``
prints them, and every output records their effective values. Importing this
package declares them all.
"""

from __future__ import annotations

from cib.params import detect, ingest, network, report, score, sweep  # noqa: F401  (declarations)

__all__: list[str] = []
