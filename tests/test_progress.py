"""Progress: the steps a run tells, in order, and results that do not depend on who listens."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from cib.detect.engine import _Clock
from cib.detect.similar import STEPS as SIMILAR_STEPS
from cib.pipeline import STAGES, build_config, prepare, run_stages
from cib.progress import Step, Teller, counting
from tests.conftest import synth_collection

TABLES = ("posts", "accounts", "rejects", "edges", "evidence", "fused_edges", "clusters", "account_scores", "bursts")


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> Path:
    return synth_collection(tmp_path_factory, "progress", 3000, 8)


def _run(raw: Path, out: Path, progress=None, **params):
    cfg = build_config(params=params)
    run = prepare(raw, cfg, name="c", processed_dir=out / "p", reports_dir=out / "r")
    return run_stages(run, progress=progress)


@pytest.fixture(scope="module")
def told(raw, tmp_path_factory):
    """Every step of a whole run (signals one at a time: the order is then fixed), and the run."""
    steps: list[Step] = []
    run = _run(raw, tmp_path_factory.mktemp("told"), steps.append, **{"detect.threads": 1})
    return steps, run


def _of(steps: list[Step], stage: str, task: str = "") -> list[Step]:
    return [s for s in steps if s.stage == stage and s.task == task]


def _named(steps: list[Step]) -> list[str]:
    return [s.step for s in steps if s.step]


def test_stages_are_told_in_order_each_ending_once(told):
    steps, _ = told
    order = list(dict.fromkeys(s.stage for s in steps))
    assert order == list(STAGES)
    for stage in STAGES:
        own = [i for i, s in enumerate(steps) if s.stage == stage]
        ends = [i for i in own if steps[i].finished and not steps[i].task]
        assert ends == [own[-1]], f"{stage}: the stage's end must be its last news, told once"
        later = [s.stage for s in steps[own[-1] + 1 :]]
        assert stage not in later


def test_every_task_ends_once_after_its_steps(told):
    steps, _ = told
    tasks = {(s.stage, s.task) for s in steps if s.task}
    for key in tasks:
        news = [s for s in steps if (s.stage, s.task) == key]
        assert [s.finished for s in news].count(True) == 1, key
        assert news[-1].finished, f"{key}: news after its end"


def test_detection_tells_each_signal_step_in_order_and_counts_the_signals(told):
    steps, run = told
    info = run.manifest.stages["detect"]
    signals = list(run.cfg["detect.signals"])
    assert {s.task for s in _of_stage(steps, "detect") if s.task} == set(signals)
    for sig, sinfo in info["signals"].items():
        _told_as_timed(_named(_of(steps, "detect", sig)), list(sinfo["seconds"]), _Clock.STEPS)
    _told_as_timed(_named(_of(steps, "detect", "co_similar_text")), list(info["co_similar_text"]["seconds"]), SIMILAR_STEPS)
    assert list(info["co_similar_text"]["seconds"]) == list(SIMILAR_STEPS)  # this collection has near-duplicates
    slices = [s for s in _of(steps, "detect", "co_similar_text") if s.unit == "slices"]
    assert slices and slices[-1].done == slices[-1].total and [s.done for s in slices] == sorted(s.done for s in slices)
    grids = info["sync"]["grids"]
    assert _named(_of(steps, "detect", "sync")) == ["activity", *(f"grid {g}" for g in grids), "edges"]
    counts = [(s.done, s.total) for s in _of(steps, "detect") if s.unit == "signals"]
    assert counts == [(i, len(signals)) for i in range(len(signals) + 1)]
    assert _named(_of(steps, "detect")) == ["writing tables"]


def _told_as_timed(told: list[str], timed: list[str], steps: tuple[str, ...]) -> None:
    """The steps told are the steps timed, in the same order; a signal that stops early
    (no traces, no pairs) was told the step that would have come next before it stopped."""
    assert told[: len(timed)] == timed == list(steps[: len(timed)])
    assert told[len(timed) :] == list(steps[len(timed) : len(timed) + 1])


def _of_stage(steps: list[Step], stage: str) -> list[Step]:
    return [s for s in steps if s.stage == stage]


def test_ingest_cluster_and_report_tell_their_steps_and_counts(told):
    steps, run = told
    rows = [s.done for s in _of(steps, "ingest") if s.unit == "rows"]
    assert rows == sorted(rows) and rows[-1] == run.manifest.counts["ingest"]["rows_in"]
    files = {s.task for s in _of_stage(steps, "ingest") if s.task}
    assert files == {Path(f["path"]).name for f in run.manifest.files}
    assert _named(_of(steps, "ingest")) == ["reading", "writing tables"]
    assert _named(_of(steps, "cluster")) == ["fusing signals", "clustering", "scoring", "bursts and events", "writing tables"]
    scoring = next(s for s in _of(steps, "cluster") if s.step == "scoring")
    assert (scoring.done, scoring.unit) == (run.network.scores.clusters.height, "clusters")
    exports = _named(_of(steps, "report", "exports"))
    assert exports == ["tables", "graph.gexf", "graph.graphml", "nodes, edges", "evidence"]
    assert _named(_of(steps, "report", "page")) == ["reading tables", "layout", "dossiers", "network view", "timeline", "writing"]


def test_results_are_byte_identical_with_and_without_progress(raw, tmp_path):
    # a listener on every step, and signals on two threads, against nobody listening
    heard: list[Step] = []
    _run(raw, tmp_path / "told", heard.append)
    _run(raw, tmp_path / "silent")
    assert heard
    for table in TABLES:
        told_bytes = (tmp_path / "told" / "p" / "c" / f"{table}.parquet").read_bytes()
        assert told_bytes == (tmp_path / "silent" / "p" / "c" / f"{table}.parquet").read_bytes(), table


def test_tasks_finishing_on_many_threads_are_counted_in_order():
    heard: list[Step] = []
    lock = threading.Lock()

    def listen(step: Step) -> None:
        with lock:
            heard.append(step)

    counted = counting(Teller(listen, "detect"), 64, "signals")
    threads = [threading.Thread(target=Teller(counted, "detect", f"s{i}").finished) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [s.done for s in heard if s.unit == "signals"] == list(range(65))
    assert sum(s.finished for s in heard) == 64


def test_nobody_listening_is_told_nothing():
    assert counting(Teller(None, "detect"), 3, "signals") is None
