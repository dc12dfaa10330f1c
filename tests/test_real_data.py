"""The two real datasets in ../shared load as they are, with the counts their READMEs give."""

from __future__ import annotations

import pytest

from cib.config import load_config
from cib.ingest import ingest
from tests.conftest import real_path

CFG = load_config()
RU = "coortweet-russian-coord-tweets"
DE = "coortweet-german-elections"


@pytest.mark.parametrize("name", ["russian_coord_tweets.csv", "russian_coord_tweets.parquet"])
def test_russian_table_loads(name):
    res = ingest(real_path(RU, name), CFG)
    (f,) = res.files
    assert f.format == "coortweet"
    # 35,125 rows: 1 exact duplicate and 39 second references of multi-reference tweets
    assert (f.rows_in, f.posts, f.rejects, f.duplicates) == (35_125, 35_085, 0, 40)
    assert res.accounts.height == 9_509
    t = res.posts["created_at"]
    assert (t.min().isoformat(), t.max().isoformat()) == ("2021-01-17T07:56:33+00:00", "2021-08-30T10:21:00+00:00")


def test_russian_canonical_matches_raw():
    raw = ingest(real_path(RU, "russian_coord_tweets.csv"), CFG).posts
    canon = ingest(real_path(RU, "canonical.csv"), CFG).posts
    cols = ["post_id", "account_id", "created_at", "reshare_of"]
    assert canon.select(cols).sort("post_id").equals(raw.select(cols).sort("post_id"))


@pytest.mark.parametrize("name", ["german_elections.csv", "german_elections.parquet"])
def test_german_long_table_folds_into_posts(name):
    res = ingest(real_path(DE, name), CFG)
    (f,) = res.files
    assert f.format == "coortweet_long"
    # 218,971 rows = 194,323 posts + 3 without post_id + 24,645 rows folded into their post
    assert (f.rows_in, f.posts, f.rejects, f.duplicates) == (218_971, 194_323, 3, 24_645)
    assert set(res.rejects["reason"]) == {"missing post id"}
    assert res.accounts.height == 58_314
    p = res.posts
    assert (p["urls"].list.len() > 0).sum() == 41_100
    assert (p["hashtags"].list.len() > 0).sum() == 36_005
    assert (p["media"].list.len() > 0).sum() == 16_553


def test_german_canonical_loads_and_agrees_with_long_table():
    res = ingest(real_path(DE, "canonical.csv"), CFG)
    (f,) = res.files
    assert f.format == "generic"
    assert (f.rows_in, f.posts, f.rejects, f.duplicates) == (194_323, 194_323, 0, 0)
    long = ingest(real_path(DE, "german_elections.parquet"), CFG).posts
    cols = ["post_id", "account_id", "created_at"]
    assert res.posts.select(cols).sort("post_id").equals(long.select(cols).sort("post_id"))
    # opaque url ids survive as written, space-separated in the file
    both = res.posts.select("post_id", "urls").join(long.select("post_id", "urls"), on="post_id")
    assert (both["urls"].list.sort() == both["urls_right"].list.sort()).all()
