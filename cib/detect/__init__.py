"""Detection: traces → windowed co-occurrences → edges per signal, with evidence.

>>> from cib.detect import detect
>>> res = detect(posts, cfg, time_resolution_s=1.0)        # doctest: +SKIP
>>> res.edges, res.evidence, res.edge_stats, res.info        # doctest: +SKIP

Modules: :mod:`.engine` (every windowed signal), :mod:`.codes` (integer codes
of accounts, objects and posts), :mod:`.traces` (posts → ``account, object,
time, post`` per signal), :mod:`.window` (the windowed self-join and crowd objects), :mod:`.edges` (pairs → edges), :mod:`.evidence`
(the pairs kept as each edge's evidence), :mod:`.significance` (the null model,
p-values, FDR), :mod:`.resolve` (the window used: configured, CooRnet's estimate,
widened to the data), :mod:`.reuse` (work shared between the detections of a
sweep), :mod:`.spark` (the pairing, aggregation and evidence on Apache Spark with
``detect.engine = "spark"``), :mod:`.paired` (a signal's pairs in memory), :mod:`.shards`
(a signal's pairs spilled to disk in shards when they pass the memory budget), and the
detectors that are not windowed joins: :mod:`.similar` (``co_similar_text``), :mod:`.sync`
(``sync``) and :mod:`.amplify` (``amplify``).
The network stage (:mod:`cib.network`) fuses the signals into one graph.
"""

from __future__ import annotations

from cib.detect.edges import EDGE_STATS
from cib.detect.engine import DetectResult, detect, insert_signal
from cib.detect.reuse import PairCache
from cib.detect.traces import SIGNALS, build_traces

__all__ = ["detect", "DetectResult", "EDGE_STATS", "SIGNALS", "PairCache", "build_traces", "insert_signal"]
