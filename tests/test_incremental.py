"""A collection that grew since its last run: unchanged files are not read again, and the tables are those of a full run."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from cib.pipeline import build_config, prepare, run_stages
from cib.synth import synth
from cib.synth.grow import span, split_at
from tests.monitor_fixtures import network_rows, noise_rows, write_csv


def _analyse(source: Path, processed: Path, *, full: bool = False, **params) -> dict:
    run = prepare(source, build_config(None, params=params), name="c", processed_dir=processed,
                  reports_dir=processed.parent / f"r-{processed.name}", full=full)  # fmt: skip
    run_stages(run, report=False)
    return json.loads((run.out.processed / "manifest.json").read_text(encoding="utf-8"))


def _tables(folder: Path) -> dict[str, bytes]:
    found = sorted(folder.glob("*.parquet")) + sorted((folder / "runs").glob("*.parquet"))
    return {str(p.relative_to(folder)): p.read_bytes() for p in found}


def _grow(tmp_path: Path, before: Path, after_files: list[Path]) -> tuple[Path, Path]:
    """Run on ``before``, add the new files, and run again twice from the same outputs: incremental and --full."""
    raw = tmp_path / "raw" / "c"
    shutil.copytree(before, raw)
    _analyse(raw, tmp_path / "inc")
    shutil.copytree(tmp_path / "inc", tmp_path / "full")
    for path in after_files:
        shutil.copy(path, raw / path.name)
    return raw, tmp_path


@pytest.fixture(scope="module")
def grown(tmp_path_factory) -> Path:
    """A synthetic collection whose last day arrives as new files."""
    tmp = tmp_path_factory.mktemp("grown")
    synth(tmp / "synth", n_posts=4000, seed=11)
    last = span(tmp / "synth")[1]
    parts = split_at(
        tmp / "synth",
        tmp / "before",
        tmp / "after",
        last.replace(hour=0, minute=0, second=0) - timedelta(days=1),
    )
    assert parts.after and all(p.stat().st_size > 200 for p in parts.after)
    raw, tmp = _grow(tmp, tmp / "before", parts.after)
    _analyse(raw, tmp / "inc")
    _analyse(raw, tmp / "full", full=True)
    _analyse(raw, tmp / "fresh")
    return tmp


def test_unchanged_files_are_taken_from_the_last_run(grown):
    reuse = json.loads((grown / "inc" / "c" / "manifest.json").read_text(encoding="utf-8"))["stages"][
        "ingest"
    ]["reuse"]
    assert sorted(Path(p).name for p in reuse["files_read"]) == ["posts_late.csv", "tweets_late.csv"]
    assert sorted(Path(p).name for p in reuse["files_reused"]) == ["accounts.csv", "posts.csv", "tweets.csv"]
    full = json.loads((grown / "full" / "c" / "manifest.json").read_text(encoding="utf-8"))["stages"][
        "ingest"
    ]
    assert "reuse" not in full


def test_the_tables_are_byte_for_byte_those_of_a_full_run(grown):
    inc, full, fresh = (_tables(grown / name / "c") for name in ("inc", "full", "fresh"))
    assert inc.keys() == full.keys() and "posts.parquet" in inc and "runs/networks_history.parquet" in inc
    assert [name for name in inc if inc[name] != full[name]] == []
    # a first run of the grown collection numbers its networks afresh: only the lineage differs
    assert [name for name in fresh if fresh[name] != inc[name]] in (
        [],
        ["networks.parquet", "runs/networks_history.parquet"],
    )
    assert {k for k in inc if k not in ("networks.parquet", "runs/networks_history.parquet")} <= fresh.keys()


def _hand_made(tmp_path: Path) -> tuple[Path, Path]:
    a = [f"a{i}" for i in range(6)]
    first = network_rows("A", a, range(0, 6)) + noise_rows(range(0, 6))
    for row in first:
        row["handle"] = f"@{row['account_id']}"
    first.append(
        {"post_id": "broken", "account_id": "a0", "created_at": "not a time", "text": "x", "reshare_of": ""}
    )
    day1 = write_csv(tmp_path / "src" / "day1.csv", first)
    # day 2 repeats a post of day 1 (a duplicate) and gives a0 a new handle
    second = network_rows("A", a, range(6, 8)) + noise_rows(range(6, 8)) + [dict(first[0], handle="@renamed")]
    day2 = write_csv(tmp_path / "late" / "day2.csv", second)
    return day1, day2


def test_rejects_profiles_and_duplicates_survive_reuse(tmp_path):
    day1, day2 = _hand_made(tmp_path)
    raw, _ = _grow(tmp_path, day1.parent, [day2])
    man = _analyse(raw, tmp_path / "inc")
    assert man["stages"]["ingest"]["reuse"]["files_reused"] == [str(raw / "day1.csv")]
    assert man["counts"]["ingest"]["rejects"] == 1 and man["counts"]["ingest"]["duplicates_removed"] == 1
    _analyse(raw, tmp_path / "fresh")
    inc, fresh = _tables(tmp_path / "inc" / "c"), _tables(tmp_path / "fresh" / "c")
    assert [n for n in ("posts.parquet", "accounts.parquet", "rejects.parquet", "profiles.parquet", "edges.parquet",
                        "clusters.parquet") if inc[n] != fresh[n]] == []  # fmt: skip


def test_a_changed_file_or_other_ingest_settings_read_everything_again(tmp_path):
    day1, day2 = _hand_made(tmp_path)
    raw, _ = _grow(tmp_path, day1.parent, [day2])
    with (raw / "day1.csv").open("a", encoding="utf-8") as fh:
        fh.write("late-edit,a1,2024-03-02T10:00:00Z,an edit,\n")
    man = _analyse(raw, tmp_path / "inc")
    assert man["stages"]["ingest"]["reuse"]["files_reused"] == []
    assert man["stages"]["ingest"]["reuse"]["reason"] == "a file of the previous run changed or is gone"
    man = _analyse(raw, tmp_path / "inc", **{"ingest.dedupe": False})
    assert man["stages"]["ingest"]["reuse"] == {"files_reused": [], "files_read": [str(raw / "day1.csv"), str(raw / "day2.csv")],
                                                "reason": "the ingest parameters changed"}  # fmt: skip


def test_the_same_posts_with_other_clustering_take_the_last_detection(tmp_path):
    day1, _ = _hand_made(tmp_path)
    raw, _ = _grow(tmp_path, day1.parent, [])
    man = _analyse(raw, tmp_path / "inc", **{"cluster.resolution": 2.0})
    assert (
        man["stages"]["detect"]["reuse"] == "reused" and man["stages"]["ingest"]["reuse"]["files_read"] == []
    )
    _analyse(raw, tmp_path / "full", full=True, **{"cluster.resolution": 2.0})
    inc, full = _tables(tmp_path / "inc" / "c"), _tables(tmp_path / "full" / "c")
    assert "edges.parquet" in inc and [n for n in inc if inc[n] != full[n]] == []
    man = _analyse(raw, tmp_path / "inc", **{"cluster.resolution": 2.0, "detect.min_weight": 0.5})
    assert man["stages"]["detect"]["reuse"] == "the detection parameters changed"
    man = _analyse(raw, tmp_path / "inc", **{"cluster.resolution": 2.0, "detect.min_weight": 0.5, "amplify.window": 120})
    assert man["stages"]["detect"]["reuse"] == "the detection parameters changed"


def test_every_parameter_of_a_detector_is_one_a_reused_detection_must_match():
    from cib.detect.previous import DETECTION_PARAMS
    from cib.params import detect, network

    read = [p.name for p in (*detect.PARAMS, *network.PARAMS) if p.name.startswith("sync.")] + [
        p.name for p in detect.PARAMS
    ]
    assert [n for n in read if not n.startswith(DETECTION_PARAMS)] == []


def test_a_days_run_takes_the_work_kept_from_the_days_before(grown):
    cache = json.loads((grown / "inc" / "c" / "manifest.json").read_text(encoding="utf-8"))["stages"]["detect"]["cache"]
    similar = cache["co_similar_text"]
    assert 1 <= similar["slices_reused"] < similar["slices"] and similar["texts_shingled"] > 0
    for entry in ("text_keys", "canonical_urls"):
        assert cache[entry]["read"] and cache[entry]["rows_from_cache"] > cache[entry]["computed"] > 0, entry
    full = json.loads((grown / "full" / "c" / "manifest.json").read_text(encoding="utf-8"))["stages"]["detect"]["cache"]
    assert full["co_similar_text"]["slices_reused"] == 0 and full["similar_texts"] == {"read": False, "reason": "--full"}
    assert full["text_keys"].get("rows_from_cache", 0) == 0 and full["text_keys"]["reason"] == "--full"
    assert sorted(p.name for p in (grown / "inc" / "c" / "cache").iterdir()) == sorted(
        f"{n}.parquet" for n in ("canonical_urls", "text_keys", "similar_texts", "similar_units", "similar_slices", "similar_pairs")
    )


def test_other_settings_leave_the_kept_work_that_depends_on_them(grown, tmp_path):
    # the same posts with other near-duplicate settings: detection runs again, the slices are not taken
    # (they depend on similar.shingle_words), the text keys are (they do not), and the tables are a full run's
    for name in ("inc", "full"):
        shutil.copytree(grown / name, tmp_path / name)
    raw = grown / "raw" / "c"
    man = _analyse(raw, tmp_path / "inc", **{"similar.shingle_words": 3})
    detect = man["stages"]["detect"]
    assert detect["reuse"] == "the detection parameters changed"
    assert detect["cache"]["similar_texts"] == {"read": False, "reason": "made with other shingle_words"}
    assert detect["cache"]["co_similar_text"]["slices_reused"] == 0
    assert detect["cache"]["text_keys"]["rows_from_cache"] > 0 and detect["cache"]["text_keys"]["computed"] == 0
    _analyse(raw, tmp_path / "full", full=True, **{"similar.shingle_words": 3})
    inc, full = _tables(tmp_path / "inc" / "c"), _tables(tmp_path / "full" / "c")
    assert "edges.parquet" in inc and [n for n in inc if inc[n] != full[n]] == []
    assert inc["edges.parquet"] != _tables(grown / "inc" / "c")["edges.parquet"]  # the setting mattered
