"""Properties of ingest that must hold for any input, checked with hypothesis."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cib.config import load_config
from cib.ingest import ingest
from cib.schema import read_table, write_table

CFG = load_config()
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# any printable text, Cyrillic, Kazakh and emoji included, no lone surrogates
text = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("әғқңөұүһі\n\"',|"), max_size=40)
ident = st.integers(min_value=0, max_value=2**64).map(str)
token = st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1, max_size=12)
when = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2035, 1, 1)).map(
    lambda d: d.replace(microsecond=0, tzinfo=UTC)
)


@st.composite
def posts(draw):
    n = draw(st.integers(1, 12))
    ids = draw(st.lists(ident, min_size=n, max_size=n, unique=True))
    return pl.DataFrame(
        {
            "post_id": ids,
            "account_id": draw(st.lists(ident, min_size=n, max_size=n)),
            "created_at": draw(st.lists(when, min_size=n, max_size=n)),
            "text": draw(st.lists(text, min_size=n, max_size=n)),
            "hashtags": draw(st.lists(st.lists(token, max_size=3), min_size=n, max_size=n)),
            "urls": draw(st.lists(st.lists(token.map(lambda t: f"https://x.kz/{t}"), max_size=2), min_size=n, max_size=n)),
        },
        schema_overrides={"created_at": pl.Datetime("us", "UTC")},
    )


@SETTINGS
@given(frame=posts(), chunk_rows=st.sampled_from([2, 5, 200_000]))
def test_csv_export_round_trips(tmp_path_factory, frame, chunk_rows):
    # small chunks: several are finalised on two threads and must come back in order
    path = tmp_path_factory.mktemp("rt") / "posts.csv"
    frame.with_columns(pl.col("hashtags", "urls").map_elements(lambda v: __import__("json").dumps(list(v), ensure_ascii=False), return_dtype=pl.String)).write_csv(path)
    got = ingest(path, load_config(overrides={"ingest.chunk_rows": chunk_rows})).posts
    cols = ["post_id", "account_id", "created_at", "hashtags", "urls"]
    assert got.select(cols).equals(frame.select(cols))
    # text is kept as written, but an empty cell reads as null
    assert got["text"].to_list() == [t if t.strip() else None for t in frame["text"].to_list()]


@SETTINGS
@given(frame=posts())
def test_parquet_tables_round_trip(tmp_path_factory, frame):
    path = tmp_path_factory.mktemp("pq") / "posts.parquet"
    write_table(frame, path, "posts", params=CFG.as_dict())
    back = read_table(path, "posts")
    assert back.select(frame.columns).equals(frame)


ROW_KINDS = st.sampled_from(["good", "bad_time", "no_id", "no_account", "ragged", "dupe", "blank"])


@SETTINGS
@given(kinds=st.lists(ROW_KINDS, min_size=0, max_size=30), seed=st.integers(0, 10**6))
def test_every_row_is_a_post_a_reject_or_a_duplicate(tmp_path_factory, kinds, seed):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["post_id", "account_id", "created_at", "text"])
    t0 = datetime(2024, 3, 1, tzinfo=UTC)
    expect = {"good": 0, "reject": 0, "dupe": 0}
    seen: list[str] = []
    for i, kind in enumerate(kinds):
        pid, t = f"{seed}-{i}", (t0 + timedelta(seconds=i)).isoformat()
        if kind == "good":
            w.writerow([pid, "a", t, "ok"])
            seen.append(pid)
            expect["good"] += 1
        elif kind == "dupe" and seen:
            w.writerow([seen[0], "a", t, "again"])
            expect["dupe"] += 1
        elif kind == "blank":
            buf.write("\n")
        elif kind == "ragged":
            w.writerow([pid, "a", t, "x", "extra"])
            expect["reject"] += 1
        elif kind in {"bad_time", "no_id", "no_account"}:
            row = {"bad_time": [pid, "a", "soon", "x"], "no_id": ["", "a", t, "x"], "no_account": [pid, "", t, "x"]}[kind]
            w.writerow(row)
            expect["reject"] += 1
    path = tmp_path_factory.mktemp("mix") / "p.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    res = ingest(path, CFG)
    (f,) = res.files
    assert (f.posts, f.rejects, f.duplicates) == (expect["good"], expect["reject"], expect["dupe"])
    assert f.rows_in == f.posts + f.rejects + f.duplicates
    assert res.posts.height == f.posts and res.rejects.height == f.rejects
