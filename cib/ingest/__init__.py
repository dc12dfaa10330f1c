"""Ingest: every input file becomes canonical posts, accounts and rejects.

>>> from cib.ingest import ingest
>>> res = ingest("data/raw/sample", cfg)         # doctest: +SKIP
>>> res.posts, res.accounts, res.rejects, res.files  # doctest: +SKIP

Each file's format is sniffed (or named with ``--format``); every row is
either a post, a reject with a reason, or a documented de-duplication, and
:class:`FileReport` reconciles the counts per file. Modules: :mod:`.runner`
(a collection's files, read and reconciled), :mod:`.registry` (the formats and
their sniffing), :mod:`.base` (staged chunks → canonical rows), :mod:`.textio`
(CSV and JSON lines readers), :mod:`.fields` (small readers the adapters
share), one module per source family (:mod:`.generic`, :mod:`.io_archive`,
:mod:`.twarc`, :mod:`.telegram`, :mod:`.mastodon`, :mod:`.bluesky`,
:mod:`.jetstream`, :mod:`.vk`, :mod:`.zeeschuimer`, :mod:`.fourcat`,
:mod:`.meta_content_library`, :mod:`.crowdtangle`, :mod:`.coortweet`,
:mod:`.cnt`), and what several share (:mod:`.jsondoc` for saved API
responses, :mod:`.markup` for HTML).
"""

from __future__ import annotations

from cib.ingest.registry import FORMATS
from cib.ingest.runner import IGNORED_NAMES, FileReport, IngestResult, ingest, list_inputs

__all__ = ["FORMATS", "FileReport", "IngestResult", "ingest", "list_inputs", "IGNORED_NAMES"]
