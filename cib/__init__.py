"""cib: find coordinated inauthentic behaviour in social-media collections.

Posts and accounts from platform exports become canonical Polars tables,
co-posting and timing graphs of accounts, clusters labelled bot, troll, mixed
or organic with their reasons, and a report a journalist can open offline.

>>> import cib
>>> res = cib.analyse("data/raw/sample")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from cib._version import __version__

__all__ = ["__version__", "analyse", "Analysis", "export"]


def __getattr__(name: str) -> Any:
    # The API pulls in every stage; importing it lazily keeps `import cib` light.
    if name in {"analyse", "Analysis"}:
        from cib import api

        return getattr(api, name)
    if name == "export":
        from cib.report.export import export

        return export
    raise AttributeError(f"module 'cib' has no attribute {name!r}")
