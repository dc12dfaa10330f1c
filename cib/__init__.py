"""cib: find coordinated inauthentic behaviour in social-media collections.

Posts and accounts from platform exports become canonical Polars tables,
co-posting and timing graphs of accounts, clusters labelled bot, troll, mixed
or organic with their reasons, and a report a journalist can open offline.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
