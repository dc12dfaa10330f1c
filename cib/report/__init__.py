"""The report a journalist opens: one offline HTML file per collection.

``build_report(processed, out_dir)`` reads a collection's tables and writes
``out_dir/index.html`` with a headline, a network view, a timeline, a dossier
per network with its posts as evidence, and the methods, caveats, parameters
and provenance. Everything written by the accounts under investigation is
escaped (see :mod:`cib.report.safety`); the page fetches nothing.
"""

from __future__ import annotations

from cib.report.build import build_report

__all__ = ["build_report"]
