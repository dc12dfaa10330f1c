"""Networks keep their ids across runs: matching by shared accounts, and what changed between two runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cib.network.lineage import match_networks
from cib.pipeline import build_config, prepare, run_stages
from cib.report.changes import diff_runs, previous_run
from tests.monitor_fixtures import planted


def _members(groups: dict[int, list[str]], key: str) -> pl.DataFrame:
    rows = [(a, g) for g, accounts in groups.items() for a in accounts]
    return pl.DataFrame(rows, schema={"account_id": pl.String, key: pl.Int64}, orient="row")


def _by_members(matching, current: pl.DataFrame) -> dict[frozenset, tuple]:
    """The matching seen through each cluster's accounts (what must not depend on the clusters' numbers)."""
    accounts = current.group_by("cluster_id").agg("account_id")
    sets = {cid: frozenset(acc) for cid, acc in accounts.iter_rows()}
    return {
        sets[r["cluster_id"]]: (r["network_id"], r["origin"], r["parent_id"])
        for r in matching.networks.iter_rows(named=True)
    }


def test_merge_split_new_and_vanished_on_a_hand_made_pair():
    previous = _members({1: [f"a{i}" for i in range(6)], 2: ["b1", "b2", "b3"], 3: ["c1", "c2", "c3", "c4"],
                         4: ["d1", "d2", "d3"]}, "network_id")  # fmt: skip
    current = _members({10: [f"a{i}" for i in range(6)] + ["b1", "b2", "b3"], 11: ["c1", "c2"], 12: ["c3", "c4"],
                        13: ["e1", "e2", "e3"]}, "cluster_id")  # fmt: skip
    got = match_networks(previous, current, 0.5, next_id=5)
    rows = {
        r["cluster_id"]: (r["network_id"], r["origin"], r["parent_id"])
        for r in got.networks.iter_rows(named=True)
    }
    # 1 and 2 merge into the cluster most like 1; 3 splits in two halves, the one with the smaller account keeps it
    assert rows == {
        10: (1, "continued", 1),
        11: (3, "continued", 3),
        13: (5, "new", None),
        12: (6, "split", 3),
    }
    assert got.merged == {2: 1}
    assert got.vanished == [4]
    assert got.next_id == 7


partitions = st.lists(st.integers(0, 5), min_size=1, max_size=40).map(
    lambda groups: {g: [f"u{i:02d}" for i, x in enumerate(groups) if x == g] for g in set(groups)}
)


@settings(max_examples=60, deadline=None)
@given(
    before=partitions,
    after=partitions,
    labels=st.permutations(list(range(6))),
    threshold=st.sampled_from([0.3, 0.5, 0.8]),
)
def test_renumbering_clusters_changes_no_match(before, after, labels, threshold):
    previous = _members({g + 1: acc for g, acc in before.items()}, "network_id")
    current = _members(after, "cluster_id")
    renumbered = _members({labels[g] * 7 + 100: acc for g, acc in after.items()}, "cluster_id")
    one, two = (
        match_networks(previous, current, threshold, 10),
        match_networks(previous, renumbered, threshold, 10),
    )
    assert _by_members(one, current) == _by_members(two, renumbered)
    assert (one.merged, one.vanished, one.next_id) == (two.merged, two.vanished, two.next_id)


@settings(max_examples=60, deadline=None)
@given(groups=partitions, labels=st.permutations(list(range(6))))
def test_the_same_clusters_again_keep_every_id(groups, labels):
    previous = _members({g + 1: acc for g, acc in groups.items()}, "network_id")
    current = _members({labels[g]: acc for g, acc in groups.items()}, "cluster_id")
    got = match_networks(previous, current, 0.5, next_id=100)
    assert got.networks["origin"].to_list() == ["continued"] * len(groups)
    assert sorted(got.networks.select("cluster_id", "network_id").iter_rows()) == sorted(
        (labels[g], g + 1) for g in groups
    )
    assert (got.merged, got.vanished, got.next_id) == ({}, [], 100)


def _analyse(source: Path, root: Path) -> Path:
    cfg = build_config(None)
    run = prepare(source, cfg, name="c", processed_dir=root / "processed", reports_dir=root / "reports")
    run_stages(run)
    return run.out.processed


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("monitor")
    before, after = planted(root / "raw")
    _analyse(before, root)
    _analyse(after, root)
    return root


def test_diff_reports_the_planted_changes(two_runs):
    folder = two_runs / "processed" / "c"
    before = previous_run(folder)
    assert before is not None and before.parent == folder / "runs"
    changes = diff_runs(before, folder, flagged_only=False)
    told = {c.status: sorted(a[0] for a in (c.joined or c.left)) for c in changes if c.status != "unchanged"}
    # C appears, B is joined by b6-b9, D vanishes; A is as it was; the 30 people form no network
    assert told == {"new": ["c"] * 6, "grown": ["b"] * 4, "vanished": ["d"] * 6}
    grown = next(c for c in changes if c.status == "grown")
    assert (grown.size_a, grown.size_b, grown.joined) == (6, 10, ["b6", "b7", "b8", "b9"])
    assert [c.status for c in changes].count("unchanged") == 1
    nets = pl.read_parquet(folder / "networks.parquet")
    # the new network takes the next id: D's is never given again
    assert sorted(nets["network_id"]) == [1, 2, 4]
    assert nets.filter(pl.col("origin") == "continued")["runs"].to_list() == [2, 2]


def test_the_report_tells_what_changed(two_runs):
    page = (two_runs / "reports" / "c" / "index.html").read_text(encoding="utf-8")
    section = page.split('id="changes"')[1].split("</div>")[0]
    assert "What changed since the previous run" in section
    assert section.count('<tr class="change-') == 3
    for status in ("new", "grown", "vanished"):
        assert f'class="change-{status}"' in section
    assert "b6, b7, b8, b9" in section


def test_cib_diff_names_the_changes_and_their_dossiers(two_runs):
    folder = two_runs / "processed" / "c"
    done = subprocess.run([sys.executable, "-m", "cib", "diff", str(folder), "--all", "--reports-dir", str(two_runs / "reports")],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith("3 change(s)")
    assert [line.split()[2] for line in lines[1:]] == ["new", "grew", "vanished"]
    assert "index.html#cluster-" in lines[1] and "#cluster-" not in lines[3]


def test_cib_diff_without_a_previous_run_is_a_clear_error(tmp_path):
    before, _ = planted(tmp_path / "raw")
    folder = _analyse(before, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "cib", "diff", str(folder)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "no previous run of this collection was kept" in done.stderr


def test_running_the_same_inputs_again_keeps_every_network(two_runs, tmp_path):
    folder = two_runs / "processed" / "c"
    ids = pl.read_parquet(folder / "networks.parquet").select("network_id", "size")
    before = previous_run(folder)
    _analyse(two_runs / "raw" / "after", two_runs)
    # the same run again: its changes are still told against the run before it
    assert previous_run(folder) == before
    assert [c.status for c in diff_runs(before, folder, flagged_only=False)].count("unchanged") == 1
    again = pl.read_parquet(folder / "networks.parquet")
    assert again.select("network_id", "size").equals(ids)
    assert again["origin"].to_list() == ["continued"] * 3
    history = pl.read_parquet(folder / "runs" / "networks_history.parquet")
    assert sorted(set(history["seq"])) == [1, 2]  # the run of the same inputs replaced its own rows


def _run_folder(folder: Path, networks: dict[int, tuple[str, list[str]]]) -> Path:
    """A run's tables by hand: each network (its id also its cluster number + 100) with a label and accounts."""
    from cib.schema import write_table

    rows = [(nid + 100, len(acc), label) for nid, (label, acc) in networks.items()]
    clusters = pl.DataFrame(
        rows, schema={"cluster_id": pl.Int64, "size": pl.Int64, "label": pl.String}, orient="row"
    )
    scores = pl.DataFrame([(a, nid + 100) for nid, (_, acc) in networks.items() for a in acc],
                          schema={"account_id": pl.String, "cluster_id": pl.Int64}, orient="row")  # fmt: skip
    write_table(clusters, folder / "clusters.parquet", "clusters")
    write_table(scores, folder / "account_scores.parquet", "account_scores")
    write_table(
        clusters.with_columns(network_id=pl.col("cluster_id") - 100), folder / "networks.parquet", "networks"
    )
    return folder


def test_diff_tells_merges_splits_and_label_changes_by_shared_accounts(tmp_path):
    evil = "<script>x</script>\x1b[31m"
    a = _run_folder(tmp_path / "a", {1: ("bot", ["a1", "a2", "a3", "a4"]), 2: ("troll", ["b1", "b2"]),
                                     3: ("bot", ["c1", "c2", "c3", "c4"]), 4: ("organic", ["o1", "o2", "o3"]),
                                     5: ("organic", ["p1", "p2", "p3"])})  # fmt: skip
    b = _run_folder(tmp_path / "b", {1: ("bot", ["a1", "a2", "a3", "a4", "b1", "b2"]), 3: ("bot", ["c1", "c2"]),
                                     7: ("bot", ["c3", "c4", evil]), 4: ("troll", ["o1", "o2", "o3"]),
                                     5: ("organic", ["p1", "p2", "p3"])})  # fmt: skip
    got = {c.network_id: (c.status, c.related) for c in diff_runs(a, b)}
    # 2 merged into 1, 7 split from 3, 4 became flagged; 5 was never flagged and is left out
    assert got == {
        1: ("grown", None),
        2: ("merged", 1),
        3: ("shrunk", None),
        7: ("split", 3),
        4: ("relabelled", None),
    }
    assert {c.network_id for c in diff_runs(a, b, flagged_only=False)} == {1, 2, 3, 4, 5, 7}
    done = subprocess.run(
        [sys.executable, "-m", "cib", "diff", str(a), str(b)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "\\x1b[31m" in done.stdout  # shown escaped, never obeyed
    assert "network 7 split from network 3 (3 accounts, bot); joined: <script>x</script>" in done.stdout
    assert "network 4 read differently (3 → 3 accounts, organic → troll)" in done.stdout
    assert "network 2 merged into network 1 (2 accounts, troll)" in done.stdout
