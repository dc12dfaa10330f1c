"""The synthetic collection generator: formats, truth, planted behaviour, determinism."""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from cib.errors import CibError
from cib.synth import SynthResult, synth
from cib.synth.careful import TALKING_POINTS, working_days
from cib.synth.generate import _generate
from cib.synth.plan import KNOBS
from cib.synth.render import salts
from cib.synth.timeline import T0

KINDS = {"organic", "bot", "troll", "news_bot", "fan_community", "breaking_news"}
POSTS_HEADER = ("post_id,account_id,created_at,text,urls,hashtags,mentions,media,reshare_of,reply_to,quote_of,"
                "platform,lang")
ACCOUNTS_HEADER = "account_id,handle,display_name,created_at,followers,following,post_count,description,platform"
TWEETS_HEADER = (
    "tweetid,userid,user_display_name,user_screen_name,user_reported_location,user_profile_description,"
    "user_profile_url,follower_count,following_count,account_creation_date,account_language,tweet_language,"
    "tweet_text,tweet_time,tweet_client_name,in_reply_to_userid,in_reply_to_tweetid,quoted_tweet_tweetid,"
    "is_retweet,retweet_userid,retweet_tweetid,latitude,longitude,quote_count,reply_count,like_count,"
    "retweet_count,hashtags,urls,user_mentions,poll_choices"
)


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return synth(tmp_path_factory.mktemp("mixed") / "c", n_posts=50_000, seed=3)


@pytest.fixture(scope="module")
def generic(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return synth(tmp_path_factory.mktemp("generic") / "c", n_posts=20_000, seed=5, layout="generic")


def _all_posts(res: SynthResult) -> pl.DataFrame:
    """Posts of every file, as (post_id, account_id, time, text, reshare_of, reply_to)."""
    frames = []
    posts = res.out_dir / "posts.csv"
    if posts.exists():
        p = _read(posts)
        frames.append(p.select(
            "post_id", "account_id", "text", "reshare_of", "reply_to",
            t=pl.col("created_at").str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC"),
        ))
    tweets = res.out_dir / "tweets.csv"
    if tweets.exists():
        t = _read(tweets)
        frames.append(t.select(
            post_id="tweetid", account_id="userid", text="tweet_text", reshare_of="retweet_tweetid",
            reply_to="in_reply_to_tweetid",
            t=pl.col("tweet_time").str.to_datetime("%Y-%m-%d %H:%M", time_zone="UTC"),
        ))
    return pl.concat(frames)


def test_same_arguments_give_byte_identical_files(tmp_path: Path) -> None:
    a = synth(tmp_path / "a", n_posts=4_000, seed=11)
    b = synth(tmp_path / "b", n_posts=4_000, seed=11)
    assert [f.name for f in a.files] == [f.name for f in b.files]
    for fa, fb in zip(a.files, b.files, strict=True):
        assert fa.read_bytes() == fb.read_bytes(), fa.name
    c = synth(tmp_path / "c", n_posts=4_000, seed=12)
    assert (a.out_dir / "tweets.csv").read_bytes() != (c.out_dir / "tweets.csv").read_bytes()


def test_files_and_headers(mixed: SynthResult, generic: SynthResult) -> None:
    assert {f.name for f in mixed.files} == {"tweets.csv", "posts.csv", "accounts.csv", "truth.parquet", "README.md"}
    assert {f.name for f in generic.files} == {"posts.csv", "accounts.csv", "truth.parquet", "README.md"}
    assert all(f.exists() for f in mixed.files + generic.files)
    for res in (mixed, generic):
        lines = {f.name: f.read_text(encoding="utf-8").split("\n", 1)[0] for f in res.files if f.suffix == ".csv"}
        assert lines["posts.csv"] == POSTS_HEADER
        assert lines["accounts.csv"] == ACCOUNTS_HEADER
    assert (mixed.out_dir / "tweets.csv").read_text(encoding="utf-8").split("\n", 1)[0] == TWEETS_HEADER
    readme = (mixed.out_dir / "README.md").read_text(encoding="utf-8")
    assert "seed: 3" in readme and "bot_1" in readme and "troll_1" in readme


def test_post_count_is_close_to_the_request_and_exact_in_the_result(mixed: SynthResult) -> None:
    posts = _all_posts(mixed)
    assert posts.height == mixed.n_posts
    assert abs(mixed.n_posts - 50_000) <= 5_000
    assert posts["post_id"].n_unique() == posts.height


def test_truth_covers_exactly_the_accounts_in_the_files(mixed: SynthResult, generic: SynthResult) -> None:
    for res in (mixed, generic):
        truth = pl.read_parquet(res.out_dir / "truth.parquet")
        assert truth.columns == ["account_id", "network_id", "kind"]
        assert truth.schema["network_id"] == pl.String and truth.schema["account_id"] == pl.String
        assert truth["account_id"].n_unique() == truth.height == res.n_accounts
        assert truth.equals(res.truth)
        in_files = set(_all_posts(res)["account_id"]) | set(_read(res.out_dir / "accounts.csv")["account_id"])
        assert in_files == set(truth["account_id"])
        assert set(truth["kind"]) == KINDS


def test_mixed_layout_splits_by_platform(mixed: SynthResult) -> None:
    posts = _read(mixed.out_dir / "posts.csv")
    accounts = _read(mixed.out_dir / "accounts.csv")
    assert set(posts["platform"]) == {"telegram", "facebook"}
    assert set(accounts["platform"]) == {"telegram", "facebook"}
    assert set(posts["account_id"]) <= set(accounts["account_id"])
    tweets = _read(mixed.out_dir / "tweets.csv")
    share = tweets.height / mixed.n_posts
    assert 0.45 < share < 0.75


def test_network_ids_sizes_and_hard_negatives(mixed: SynthResult) -> None:
    truth = mixed.truth
    nets = truth.filter(pl.col("network_id").is_not_null()).group_by("network_id", "kind").len()
    bots = nets.filter(pl.col("kind") == "bot")
    trolls = nets.filter(pl.col("kind") == "troll")
    assert 2 <= bots.height <= 5 and 2 <= trolls.height <= 5
    assert all(n.startswith("bot_") for n in bots["network_id"])
    assert all(n.startswith("troll_") for n in trolls["network_id"])
    assert nets["len"].min() >= 10 and nets["len"].max() <= 60
    assert nets["network_id"].n_unique() == nets.height  # one kind per network
    negatives = truth.filter(pl.col("kind").is_in(["news_bot", "fan_community", "breaking_news", "organic"]))
    assert negatives["network_id"].null_count() == negatives.height
    planted = truth.filter(pl.col("kind").is_in(["bot", "troll"]))
    assert planted["network_id"].null_count() == 0
    # planted networks make a tenth to a fifth of all posts
    posts = _all_posts(mixed).join(truth, on="account_id")
    share = posts.filter(pl.col("network_id").is_not_null()).height / posts.height
    assert 0.10 <= share <= 0.20


def test_each_network_lives_on_one_platform(generic: SynthResult) -> None:
    posts = _read(generic.out_dir / "posts.csv").join(generic.truth, on="account_id")
    per_net = posts.filter(pl.col("network_id").is_not_null()).group_by("network_id").agg(pl.col("platform").n_unique())
    assert per_net["platform"].max() == 1


def test_bot_reshares_follow_within_seconds(generic: SynthResult) -> None:
    posts = _all_posts(generic)
    kinds = generic.truth.select("account_id", "kind")
    originals = posts.select(reshare_of="post_id", t0="t")
    reshares = posts.filter(pl.col("reshare_of").is_not_null()).join(originals, on="reshare_of").join(kinds, on="account_id")
    delay = reshares.with_columns(d=(pl.col("t") - pl.col("t0")).dt.total_seconds())
    bot = delay.filter(pl.col("kind") == "bot")["d"]
    assert bot.len() > 100
    assert bot.min() >= 1 and bot.max() <= 30
    organic = delay.filter(pl.col("kind") == "organic")["d"]
    assert organic.median() > 600  # organic popularity unfolds over hours
    # every reshare and reply points at a post in the collection
    targets = pl.concat([posts["reshare_of"], posts["reply_to"]]).drop_nulls()
    assert targets.is_in(posts["post_id"].implode()).all()


def test_reshare_text_and_lists(generic: SynthResult) -> None:
    posts = _read(generic.out_dir / "posts.csv")
    rs = posts.filter(pl.col("reshare_of").is_not_null())
    assert rs["text"].str.starts_with("RT @").all()
    assert posts["created_at"].str.contains(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()
    for col in ("urls", "hashtags", "mentions", "media"):
        values = [json.loads(v) for v in posts[col].to_list()]
        assert all(isinstance(v, list) for v in values)
    tags = [t for v in posts["hashtags"].to_list() for t in json.loads(v)]
    assert tags and not any(t.startswith("#") for t in tags)
    assert posts["text"].str.contains("\n").any()  # multi-line posts survive the CSV round trip


def test_archive_ids_and_fields(mixed: SynthResult) -> None:
    tweets = _read(mixed.out_dir / "tweets.csv")
    ids = tweets["tweetid"]
    assert ids.str.contains(r"^\d{18,19}$").all()
    assert (ids.cast(pl.UInt64) > 2**53).all()
    assert ids.cast(pl.UInt64).cast(pl.String).equals(ids)  # exact, not rounded through floats
    assert tweets["userid"].str.contains(r"^[0-9a-f]{64}$").all()
    assert set(tweets["is_retweet"]) == {"True", "False"}
    assert tweets["tweet_time"].str.contains(r"^\d{4}-\d\d-\d\d \d\d:\d\d$").all()
    assert tweets["account_creation_date"].str.contains(r"^\d{4}-\d\d-\d\d$").all()
    assert set(tweets["latitude"]) == {"absent"} and tweets["poll_choices"].null_count() == tweets.height
    for col in ("hashtags", "urls", "user_mentions"):
        assert all(isinstance(ast.literal_eval(v), list) for v in tweets[col].to_list())
    rt = tweets.filter(pl.col("is_retweet") == "True")
    assert rt["retweet_tweetid"].is_in(ids.implode()).all()
    assert rt["retweet_userid"].is_in(tweets["userid"].implode()).all()
    # each bot network tweets mostly from a single client
    bots = tweets.join(mixed.truth, left_on="userid", right_on="account_id").filter(pl.col("kind") == "bot")
    top = bots.group_by("network_id", "tweet_client_name").len().group_by("network_id").agg(
        share=pl.col("len").max() / pl.col("len").sum())
    assert top["share"].min() > 0.9


def test_trolls_keep_office_hours_and_breaking_news_is_bursty(mixed: SynthResult) -> None:
    posts = _all_posts(mixed).join(mixed.truth, on="account_id")
    local = posts.with_columns(lt=pl.col("t").dt.offset_by("5h"))
    trolls = local.filter((pl.col("kind") == "troll") & pl.col("reply_to").is_null())
    office = (trolls["lt"].dt.hour().is_between(9, 20)) & (trolls["lt"].dt.weekday() <= 5)
    assert office.mean() > 0.95
    breaking = local.filter((pl.col("kind") == "breaking_news") & (pl.col("lt").dt.date() == pl.date(2025, 2, 27)))
    minutes = breaking.group_by(pl.col("lt").dt.truncate("1m")).len()["len"]
    assert minutes.max() >= 20  # many unrelated users within the same minute


def test_texts_are_multilingual(mixed: SynthResult) -> None:
    text = pl.concat([_read(mixed.out_dir / "posts.csv")["text"], _read(mixed.out_dir / "tweets.csv")["tweet_text"]])
    for letter in "әғқңөұүһі":
        assert text.str.contains(letter, literal=True).any(), letter
    assert text.str.contains("[А-Яа-я]").mean() > 0.5
    assert text.str.contains(r"\b(the|and|is)\b").any()


def test_hard_difficulty_is_sparser_and_has_more_negatives(tmp_path: Path) -> None:
    easy = synth(tmp_path / "e", n_posts=20_000, seed=2, difficulty="easy").truth
    hard = synth(tmp_path / "h", n_posts=20_000, seed=2, difficulty="hard").truth

    def count(t: pl.DataFrame, kinds: list[str]) -> int:
        return t.filter(pl.col("kind").is_in(kinds)).height

    assert count(hard, ["bot", "troll"]) < count(easy, ["bot", "troll"])
    assert count(hard, ["fan_community", "breaking_news"]) > count(easy, ["fan_community", "breaking_news"])


def test_refuses_a_non_empty_folder_and_bad_arguments(tmp_path: Path) -> None:
    full = tmp_path / "full"
    full.mkdir()
    (full / "keep.txt").write_text("mine")
    with pytest.raises(CibError, match="not empty"):
        synth(full, n_posts=4_000)
    assert [p.name for p in full.iterdir()] == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert synth(empty, n_posts=3_000).n_posts > 0
    for kwargs in ({"layout": "xml"}, {"difficulty": "brutal"}, {"n_posts": 10}, {"scope": "suspects"}):
        with pytest.raises(CibError):
            synth(tmp_path / "bad", **kwargs)
    assert not (tmp_path / "bad").exists()


def test_targeted_scopes_hold_the_operation_as_the_whole_world_has_it(tmp_path: Path) -> None:
    whole = synth(tmp_path / "all", n_posts=6_000, seed=4, layout="generic")
    operation = synth(tmp_path / "op", n_posts=6_000, seed=4, layout="generic", scope="operation")
    sample = synth(tmp_path / "sample", n_posts=6_000, seed=4, layout="generic", scope="operation+sample")
    planted = whole.truth.filter(pl.col("network_id").is_not_null())
    assert operation.truth.equals(planted)
    posts = {name: _all_posts(res) for name, res in (("all", whole), ("op", operation), ("sample", sample))}
    # the same posts, ids and references as in the whole collection: only other accounts' posts are left out
    assert posts["op"].sort("post_id").equals(
        posts["all"].join(planted.select("account_id"), on="account_id", how="semi").sort("post_id")
    )
    assert operation.n_posts == posts["op"].height < whole.n_posts
    assert set(_read(operation.out_dir / "accounts.csv")["account_id"]) == set(planted["account_id"])
    others = sample.truth.filter(pl.col("network_id").is_null())
    n_others = whole.truth.height - planted.height
    assert sample.truth.filter(pl.col("network_id").is_not_null()).equals(planted)
    assert 0.02 * n_others < others.height < 0.1 * n_others
    assert set(posts["sample"]["account_id"]) == set(sample.truth["account_id"])


# sha256 of the CSV files (name, then bytes, in file order) of synth(n_posts=3_000, seed=5) at each
# difficulty, computed before the careful difficulty existed: it pins easy, normal and hard byte for byte
PINNED = {
    "easy": "439eefdb8b16ee18b979142d2ff74ba989dd308c3a3a05aace88c306b1eaaf7f",
    "normal": "b2b46be42a123b367965168d9ef8cd160978289c657bf64536e218f48751280f",
    "hard": "4e09d90a731380552965e4a25f3bc9692785b598ce9fdce13a9dd544e22c51d7",
}


@pytest.mark.parametrize("difficulty", sorted(PINNED))
def test_existing_difficulties_are_unchanged(tmp_path: Path, difficulty: str) -> None:
    res = synth(tmp_path / "c", n_posts=3_000, seed=5, difficulty=difficulty)
    h = hashlib.sha256()
    for f in res.files:
        if f.suffix == ".csv":
            h.update(f.name.encode())
            h.update(f.read_bytes())
    assert h.hexdigest() == PINNED[difficulty]
    readme = (res.out_dir / "README.md").read_text(encoding="utf-8")
    assert "newsroom" not in readme and set(res.truth["kind"]) == KINDS


@pytest.fixture(scope="module")
def careful(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return synth(tmp_path_factory.mktemp("careful") / "c", n_posts=30_000, seed=21, difficulty="careful")


def test_careful_holds_every_kind_of_authentic_coordination(careful: SynthResult) -> None:
    kinds = careful.truth.group_by("kind").agg(n=pl.len(), nets=pl.col("network_id").drop_nulls().n_unique())
    n = dict(zip(kinds["kind"], kinds["n"], strict=True))
    assert set(n) == KINDS | {"newsroom", "trend_uptake", "scheduled"}
    assert all(v >= 3 for v in n.values()), n
    assert kinds.filter(~pl.col("kind").is_in(["bot", "troll"]))["nets"].sum() == 0
    posts = _all_posts(careful).join(careful.truth, on="account_id")
    # schedulers land on round minutes; journalists share colleagues' articles within the hour
    sched = posts.filter(pl.col("kind") == "scheduled")
    assert (sched["t"].dt.minute() % 15 == 0).mean() > 0.95
    rs = posts.filter((pl.col("kind") == "newsroom") & pl.col("reshare_of").is_not_null())
    orig = posts.select(reshare_of="post_id", t0="t", by="account_id")
    rs = rs.join(orig, on="reshare_of")
    assert rs.height > 100 and (rs["by"] != rs["account_id"]).all()
    assert ((rs["t"] - rs["t0"]).dt.total_minutes() < 60).mean() > 0.9
    # careful bots look like people: no digit-tailed handles, registered over months
    acc = pl.concat([
        _read(careful.out_dir / "accounts.csv").select("account_id", "handle", "created_at"),
        _read(careful.out_dir / "tweets.csv").select(account_id="userid", handle="user_screen_name",
                                                     created_at="account_creation_date").unique(),
    ], how="vertical_relaxed").join(careful.truth.filter(pl.col("kind") == "bot"), on="account_id")
    assert not acc["handle"].str.contains(r"_[a-z]\d{5}$").any()
    assert acc["created_at"].str.slice(0, 7).n_unique() >= 6


def test_careful_trolls_paraphrase_and_translate_the_days_talking_point() -> None:
    world, _plan, _ = _generate(30_000, 21, "careful")
    bank = world.bank
    which = {}  # template id -> (talking point, language)
    for f, name in enumerate(TALKING_POINTS):
        for li in range(3):
            for tid in bank.family(name, li):
                which[int(tid)] = (f, li)
    p = world.posts.finish()
    a = world.accounts.finish()
    tp = np.array([int(x) in which for x in p["tmpl"]]) & (a["kind"][p["acct"]] == 2)
    assert tp.sum() > 500
    df = pl.DataFrame({
        "net": a["net"][p["acct"][tp]], "own": a["lang"][p["acct"][tp]], "t": p["t"][tp], "tmpl": p["tmpl"][tp],
        "point": [which[int(x)][0] for x in p["tmpl"][tp]], "lang": [which[int(x)][1] for x in p["tmpl"][tp]],
    }).with_columns(day=(pl.col("t") - T0 - int(3600 * KNOBS["careful"].operator_offset)) // 86400)
    # everyone works shifts on working days, so nothing is posted on a weekend or holiday
    assert df["day"].is_in(working_days().tolist()).all()
    # most of a day's posts push that day's talking point ...
    share = df.group_by("net", "day", "point").len().group_by("net", "day").agg(top=pl.col("len").max() / pl.col("len").sum())
    assert share["top"].mean() > 0.7
    groups = df.group_by("net", "day", "point").agg(langs=pl.col("lang").n_unique(), variants=pl.col("tmpl").n_unique(),
                                                    n=pl.len()).filter(pl.col("n") >= 5)
    # ... in different wordings, and some groups hold a translation into another language
    assert (groups["variants"] >= 2).mean() > 0.9
    assert (groups["langs"] >= 2).mean() > 0.5
    # translations of the brief: bilingual members alone write under a tenth outside their own language
    assert (df["lang"] != df["own"]).mean() > 0.15
    # rendered, the texts rarely repeat exactly
    texts = bank.render(p["tmpl"][tp], salts(np.flatnonzero(tp), 99))
    assert texts.n_unique() / texts.len() > 0.8
