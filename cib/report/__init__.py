"""The report a journalist opens: one offline HTML file per collection.

``build_report(processed, out_dir)`` reads a collection's tables and writes
``out_dir/index.html`` with a headline, a network view, a timeline, a table of
the networks with a dossier per flagged network and its posts as evidence, and
the methods, caveats, parameters and provenance; what it draws and lists is
bounded by the ``report.*`` limits, and so is what it costs. Everything written by the accounts under investigation is
escaped (see :mod:`cib.report.safety`); the page fetches nothing.
``export_all(processed)`` writes the flagged networks for Gephi and
spreadsheets beside the tables, and :func:`cib.report.export.export` the
whole graph, one signal or one network on request (:mod:`cib.report.export`).

The report reads only the tables the earlier stages wrote (and the manifest):
it imports no detector. Modules: :mod:`.data` (loading), :mod:`.links` (the
graph from the fused edges table), :mod:`.layout`, :mod:`.figures`,
:mod:`.network_view`, :mod:`.timeline`, :mod:`.dossier` and
:mod:`.dossier_tables`, :mod:`.narratives`, :mod:`.methods`, :mod:`.page` and ``templates/``
(rendering), :mod:`.safety` (escaping, CSP), :mod:`.build` (the whole page),
:mod:`.scope` (what an export holds), :mod:`.xmlgraph` (GEXF and GraphML) and :mod:`.export`.
"""

from __future__ import annotations

from cib.report.build import build_report
from cib.report.export import export_all

__all__ = ["build_report", "export_all"]
