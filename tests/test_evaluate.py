"""cib.evaluate: metrics on hand-computed tiny cases, labels-file handling, properties."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cib.errors import CibError, InputError
from cib.evaluate import (
    adjusted_rand_index,
    ari_from_contingency,
    contingency_table,
    evaluate,
    format_table,
    midranks,
    nmi_from_contingency,
    normalized_mutual_information,
    precision_recall_f1,
    read_labels,
    roc_auc,
)
from cib.schema import write_table


def _scores(tmp_path: Path, rows: list[tuple]) -> Path:
    """Write account_scores.parquet from (account_id, cluster_id, flagged, label, score) rows."""
    frame = pl.DataFrame(
        rows,
        schema={"account_id": pl.String, "cluster_id": pl.Int64, "flagged": pl.Boolean, "label": pl.String,
                "score": pl.Float64},
        orient="row",
    ).with_columns(reasons=pl.lit([], dtype=pl.List(pl.String)))
    out = tmp_path / "processed"
    write_table(frame, out / "account_scores.parquet", "account_scores")
    return out


# Six labelled accounts, the truth of `cib synth` in shape:
#   a1 a2 a3 in bot_1, t1 in troll_2, n1 a news_bot, o1 organic.
TRUTH = pl.DataFrame({
    "account_id": ["a1", "a2", "a3", "t1", "n1", "o1"],
    "network_id": ["bot_1", "bot_1", "bot_1", "troll_2", None, None],
    "kind": ["bot", "bot", "bot", "troll", "news_bot", "organic"],
})
# Flags: a1 a2 (right, labelled bot and troll), n1 (wrong); a3 unflagged; t1 absent;
# x9 flagged but in no labels file.
SCORES = [
    ("a1", 1, True, "bot", 0.9),
    ("a2", 1, True, "troll", 0.8),
    ("a3", 2, False, "organic", 0.3),
    ("n1", 2, True, "bot", 0.7),
    ("o1", None, False, None, 0.1),
    ("x9", 3, True, "bot", 0.95),
]


@pytest.fixture
def six(tmp_path: Path):
    processed = _scores(tmp_path, SCORES)
    labels = tmp_path / "truth.parquet"
    TRUTH.write_parquet(labels)
    return evaluate(processed, labels)


# --------------------------------------------------------------------------- the tiny run


def test_precision_recall_f1_hand_computed(six):
    # positives a1 a2 a3 t1; flagged a1 a2 n1 (x9 is unlabelled, left out)
    assert (six.tp, six.fp, six.fn, six.tn) == (2, 1, 2, 1)
    assert six.precision == 2 / 3
    assert six.recall == 2 / 4
    assert six.f1 == pytest.approx(2 * 2 / (2 * 2 + 1 + 2))  # 4/7, the harmonic mean of 2/3 and 1/2
    assert six.fpr == 1 / 2


def test_universe_is_the_labels_file(six):
    assert six.n_labelled == 6 and six.n_positive == 4 and six.n_negative == 2
    assert six.n_scored == 6
    assert six.unlabelled_scored == 1 and six.unlabelled_flagged == 1


def test_per_network_recall(six):
    nets = {n.network: n for n in six.networks}
    assert [n.network for n in six.networks] == ["bot_1", "troll_2"]
    assert (nets["bot_1"].size, nets["bot_1"].flagged, nets["bot_1"].recall) == (3, 2, 2 / 3)
    assert (nets["bot_1"].clusters, nets["bot_1"].top_cluster_share) == (2, 2 / 3)
    # t1 is absent from account_scores: not flagged, no cluster
    assert (nets["troll_2"].size, nets["troll_2"].flagged, nets["troll_2"].recall) == (1, 0, 0.0)
    assert nets["troll_2"].clusters == 0 and nets["troll_2"].cls == "troll"


def test_label_accuracy_and_confusion(six):
    # correctly flagged: a1 (bot → bot, right), a2 (bot → troll, wrong)
    assert (six.label_n, six.label_correct, six.label_accuracy) == (2, 1, 0.5)
    assert six.confusion == {
        "bot": {"bot": 1, "troll": 1, "(not flagged)": 1},
        "troll": {"(not flagged)": 1},
        "news_bot": {"bot": 1},
        "organic": {"(not flagged)": 1},
    }


def test_hard_negative_fpr_per_kind(six):
    assert [(h.kind, h.n, h.flagged, h.fpr) for h in six.hard_negatives] == [
        ("news_bot", 1, 1, 1.0),
        ("organic", 1, 0, 0.0),
    ]


def test_ari_nmi_universe(six):
    # accounts in a network or a cluster: a1 a2 a3 t1 (networks) and n1 (cluster 2); o1 is neither.
    # truth: {a1 a2 a3} {t1} {n1};  clusters: {a1 a2} {a3 n1} {t1}   (t1 and n1 singletons on one side)
    # contingency rows bot_1, troll_2, n1 × cols 1, 2, t1: [[2,1,0],[0,0,1],[0,1,0]]
    # index = C(2)=1; rows 3,1,1 → 3; cols 2,2,1 → 2; C(5)=10; expected = 0.6; max = 2.5
    # ARI = 0.4 / 1.9 = 4/19
    assert six.cluster_universe == 5 and six.n_clusters == 2
    assert six.ari == pytest.approx(4 / 19)
    assert six.nmi == pytest.approx(nmi_from_contingency([[2, 1, 0], [0, 0, 1], [0, 1, 0]]))


def test_auc_of_the_tiny_run(six):
    # positives a1 .9, a2 .8, a3 .3, t1 0 (absent); negatives n1 .7, o1 .1
    # pairs won: a1 2, a2 2, a3 1 (beats o1), t1 0 → 5 of 8
    assert six.auc == 5 / 8


def test_as_dict_is_json_ready(six):
    d = six.as_dict()
    assert list(d) == sorted(d)
    assert d["precision"] == 0.666667 and d["ari"] == round(4 / 19, 6)
    assert d["networks"][0] == {"clusters": 2, "cls": "bot", "flagged": 2, "network": "bot_1", "recall": 0.666667,
                                "size": 3, "top_cluster_share": 0.666667}
    assert json.loads(six.to_json()) == d


def test_write_json(six, tmp_path: Path):
    out = six.write_json(tmp_path / "out" / "eval.json")
    assert json.loads(out.read_text())["tp"] == 2


def test_format_table(six):
    text = format_table(six)
    for needle in ("precision", "0.667", "bot_1", "news_bot", "(not flagged)", "1 unlabelled (1 flagged)"):
        assert needle in text
    assert "Traceback" not in text and text.endswith("\n")


# --------------------------------------------------------------------------- labels files


def test_csv_labels_with_other_names_and_nullish_values(tmp_path: Path):
    processed = _scores(tmp_path, SCORES)
    labels = tmp_path / "labels.csv"
    labels.write_text("\ufeffAccount_ID,Network,Class\na1,bot_1,Bot\na2,bot_1,bot\nt1,troll_2,troll\nn1,,news_bot\n"
                      "o1,NA,organic\n007,none,organic\n", encoding="utf-8")
    frame, net, cls = read_labels(labels)
    assert (net, cls) == ("Network", "Class")
    assert frame["account_id"].to_list()[-1] == "007"  # ids stay strings
    assert frame["network"].null_count() == 3 and frame["cls"].to_list()[0] == "bot"
    ev = evaluate(processed, labels)
    assert (ev.tp, ev.fp, ev.fn, ev.tn) == (2, 1, 1, 2)


def test_labels_as_frame_without_kind_use_network_prefix(tmp_path: Path):
    processed = _scores(tmp_path, SCORES)
    ev = evaluate(processed, TRUTH.drop("kind"))
    assert ev.class_column is None
    assert [n.cls for n in ev.networks] == ["bot", "troll"]
    assert ev.label_accuracy == 0.5
    assert [(h.kind, h.n, h.flagged) for h in ev.hard_negatives] == [("(no kind)", 2, 1)]
    assert any("before '_'" in n for n in ev.notes)


def test_class_only_labels(tmp_path: Path):
    processed = _scores(tmp_path, SCORES)
    ev = evaluate(processed, TRUTH.drop("network_id"))
    assert (ev.tp, ev.fp, ev.fn, ev.tn) == (2, 1, 2, 1)
    assert [n.network for n in ev.networks] == ["bot", "troll"]
    assert ev.ari is None and ev.nmi is None
    assert ev.as_dict()["ari"] is None


def test_unknown_network_prefix_is_left_out_of_label_accuracy(tmp_path: Path):
    processed = _scores(tmp_path, [("a", 1, True, "bot", 0.9), ("b", 1, True, "bot", 0.9)])
    ev = evaluate(processed, pl.DataFrame({"account_id": ["a", "b"], "group": ["g1", "bot_1"]}))
    assert ev.tp == 2 and ev.label_n == 1 and ev.label_accuracy == 1.0
    assert ev.auc is None  # no negatives


def test_missing_labels_file(tmp_path: Path):
    processed = _scores(tmp_path, SCORES)
    with pytest.raises(InputError, match="nope.csv: labels file not found") as err:
        evaluate(processed, tmp_path / "nope.csv")
    assert "network_id" in err.value.one_line() and "\n" not in err.value.one_line()


def test_labels_without_account_id(tmp_path: Path):
    path = tmp_path / "l.csv"
    path.write_text("user,network_id\na,bot_1\n")
    with pytest.raises(InputError, match=r"l\.csv: no account_id column \(columns: user, network_id\)"):
        read_labels(path)


def test_labels_without_label_column(tmp_path: Path):
    path = tmp_path / "l.csv"
    path.write_text("account_id,score\na,1\n")
    with pytest.raises(InputError, match=r"l\.csv: no label column: looked for network_id"):
        read_labels(path)


@pytest.mark.parametrize("content", [b"", b"PAR1 not really", b"\x00\x01\x02"])
def test_unreadable_labels(tmp_path: Path, content: bytes):
    path = tmp_path / "truth.parquet"
    path.write_bytes(content)
    with pytest.raises(InputError, match="truth.parquet: not"):
        read_labels(path)


def test_empty_csv_has_no_account_id(tmp_path: Path):
    path = tmp_path / "l.csv"
    path.write_text("")
    with pytest.raises(InputError, match="no account_id column"):
        read_labels(path)


def test_blank_account_id_names_the_row(tmp_path: Path):
    path = tmp_path / "l.csv"
    path.write_text("account_id,network_id\na,bot_1\n ,bot_1\n")
    with pytest.raises(InputError, match=r"l\.csv: row 2, column account_id: empty account id"):
        read_labels(path)


def test_conflicting_duplicates(tmp_path: Path):
    path = tmp_path / "l.csv"
    path.write_text("account_id,network_id\na,bot_1\nb,\na,bot_1\na,troll_1\n")
    with pytest.raises(InputError, match=r"'a' is listed 2 times with different labels \(rows 1, 4\)"):
        read_labels(path)


def test_identical_duplicates_are_merged(tmp_path: Path):
    frame, _, _ = read_labels(pl.DataFrame({"account_id": ["a", "a"], "network_id": ["bot_1", "bot_1"]}))
    assert frame.height == 1


def test_missing_processed_folder(tmp_path: Path):
    with pytest.raises(InputError, match="no such folder"):
        evaluate(tmp_path / "absent", TRUTH)


def test_missing_account_scores(tmp_path: Path):
    (tmp_path / "p").mkdir()
    with pytest.raises(CibError, match="account_scores.parquet: table not found"):
        evaluate(tmp_path / "p", TRUTH)


# --------------------------------------------------------------------------- metric helpers


def test_prf_edge_cases():
    assert precision_recall_f1(0, 0, 0) == (None, None, None)
    assert precision_recall_f1(0, 0, 3) == (None, 0.0, 0.0)
    assert precision_recall_f1(3, 1, 0) == (0.75, 1.0, 6 / 7)


def test_ari_identical_and_relabelled():
    a = [0, 0, 1, 1, 2]
    assert adjusted_rand_index(a, a) == 1.0
    assert adjusted_rand_index(a, ["x", "x", "y", "y", "z"]) == 1.0
    assert adjusted_rand_index([1, 2, 3], [4, 5, 6]) == 1.0  # all singletons on both sides
    assert adjusted_rand_index([], []) is None


def test_ari_known_values():
    # The example of the scikit-learn docs: truth [0,0,0,1,1,1], clusters [0,0,1,1,2,2].
    # Table [[2,1,0],[0,1,2]]: index = 1+1 = 2; rows 3,3 → 3+3 = 6; cols 2,2,2 → 3; C(6)=15;
    # expected = 6·3/15 = 1.2; max = 4.5; ARI = 0.8/3.3 = 8/33.
    assert adjusted_rand_index([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) == pytest.approx(8 / 33)
    # A 3×3 table, n = 10: cells 1,1,0 / 1,2,1 / 0,0,4 → index = 1 + 6 = 7;
    # rows 2,4,4 → 1+6+6 = 13; cols 2,3,5 → 1+3+10 = 14; C(10) = 45;
    # expected = 13·14/45 = 182/45; max = 13.5; ARI = (7 - 182/45)/(13.5 - 182/45) = 133/425.5 = 266/851.
    assert ari_from_contingency([[1, 1, 0], [1, 2, 1], [0, 0, 4]]) == pytest.approx(266 / 851)
    # Independent halves: [[1,1],[1,1]] → index 0, expected 4/6, max 2 → ARI = -0.5 (worse than chance).
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)


def test_contingency_table():
    assert contingency_table(["a", "a", "b"], [1, 2, 2]).tolist() == [[1, 1], [0, 1]]


def test_nmi_identical_and_independent():
    assert normalized_mutual_information([0, 0, 1, 1], ["p", "p", "q", "q"]) == pytest.approx(1.0)
    assert normalized_mutual_information([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(0.0)
    assert normalized_mutual_information([0, 0, 0], [1, 1, 1]) == 1.0
    assert normalized_mutual_information([0, 0, 0], [1, 2, 3]) == 0.0
    # 2×2 with one mixed row: [[2,0],[1,1]], n=4; H(rows)=ln2, H(cols)=H(3/4,1/4), H(cells)=H(1/2,1/4,1/4)
    h = lambda *p: -sum(x * math.log(x) for x in p)  # noqa: E731
    mi = h(0.5, 0.5) + h(0.75, 0.25) - h(0.5, 0.25, 0.25)
    assert nmi_from_contingency([[2, 0], [1, 1]]) == pytest.approx(mi / ((h(0.5, 0.5) + h(0.75, 0.25)) / 2))


def test_midranks():
    assert midranks([0.1, 0.4, 0.4, 0.2]).tolist() == [1.0, 3.5, 3.5, 2.0]


def test_auc_with_ties():
    assert roc_auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1]) == 0.75
    # one tie between a positive and a negative counts a half: (1 + 0.5 + 1 + 1) / 4
    assert roc_auc([0.1, 0.4, 0.4, 0.8], [0, 0, 1, 1]) == 0.875
    assert roc_auc([0.5, 0.5, 0.5], [0, 1, 1]) == 0.5
    assert roc_auc([0.5, 0.6], [1, 1]) is None


# --------------------------------------------------------------------------- properties

labelings = st.integers(1, 25).flatmap(
    lambda n: st.tuples(st.lists(st.integers(0, 4), min_size=n, max_size=n),
                        st.lists(st.integers(0, 4), min_size=n, max_size=n))
)


def _pair_ari(a: list[int], b: list[int]) -> float | None:
    """ARI straight from its definition over pairs of items."""
    pairs = list(itertools.combinations(range(len(a)), 2))
    if not pairs:
        return None
    same_a = np.array([a[i] == a[j] for i, j in pairs])
    same_b = np.array([b[i] == b[j] for i, j in pairs])
    index, na, nb, total = float(np.sum(same_a & same_b)), float(same_a.sum()), float(same_b.sum()), len(pairs)
    expected, maximum = na * nb / total, (na + nb) / 2
    return 1.0 if maximum == expected else (index - expected) / (maximum - expected)


@settings(max_examples=200, deadline=None)
@given(labelings, st.permutations(range(5)))
def test_ari_nmi_symmetric_and_invariant_to_relabelling(ab, perm):
    a, b = ab
    b2 = [f"g{perm[x]}" for x in b]
    for metric in (adjusted_rand_index, normalized_mutual_information):
        v = metric(a, b)
        assert metric(b, a) == pytest.approx(v)
        assert metric(a, b2) == pytest.approx(v)
    assert -1.0 <= adjusted_rand_index(a, b) <= 1.0
    assert 0.0 <= normalized_mutual_information(a, b) <= 1.0
    if len(a) > 1:
        assert adjusted_rand_index(a, b) == pytest.approx(_pair_ari(a, b))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.booleans()), min_size=1, max_size=30))
def test_auc_matches_pair_counting(items):
    scores = [s for s, _ in items]
    y = [p for _, p in items]
    pos = [s for s, p in items if p]
    neg = [s for s, p in items if not p]
    auc = roc_auc(scores, y)
    if not pos or not neg:
        assert auc is None
        return
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    assert auc == pytest.approx(wins / (len(pos) * len(neg)))
    assert roc_auc([-s for s in scores], y) == pytest.approx(1 - auc)


@given(st.integers(1, 20), st.integers(1, 20))
def test_auc_of_a_perfect_ranking_is_one(n_pos, n_neg):
    scores = np.linspace(0, 1, n_pos + n_neg)
    assert roc_auc(scores, [False] * n_neg + [True] * n_pos) == 1.0
