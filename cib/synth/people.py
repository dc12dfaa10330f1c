"""Fictional identities: account ids, handles, display names, locations.

Names are common first names and surname stems combined at random, so no
account stands for a real person. Handle styles differ by population because
that is a signal analysts use: bot farms register ``name_k84213``-style
handles in bulk, fans and news outlets have their own conventions.
"""

from __future__ import annotations

import numpy as np
import polars as pl

__all__ = ["STYLES", "NEWS_OUTLETS", "identities"]

STYLES = ("organic", "bot", "troll", "news", "fan", "gov", "opposition")

_FEMALE = [
    ("Айгерим", "aigerim"), ("Асель", "assel"), ("Жанна", "zhanna"), ("Алия", "aliya"), ("Мадина", "madina"),
    ("Динара", "dinara"), ("Гүлнар", "gulnar"), ("Аружан", "aruzhan"), ("Томирис", "tomiris"),
    ("Сабина", "sabina"), ("Камила", "kamila"), ("Арайлым", "arailym"), ("Жансая", "zhansaya"), ("Айым", "aiym"),
    ("Ольга", "olga"), ("Елена", "yelena"), ("Наталья", "natalya"), ("Анна", "anna"), ("Ботагөз", "botagoz"),
    ("Балжан", "balzhan"), ("Индира", "indira"), ("Салтанат", "saltanat"), ("Әсем", "asem"), ("Ұлдана", "uldana"),
]
_MALE = [
    ("Ерлан", "yerlan"), ("Асхат", "askhat"), ("Нурлан", "nurlan"), ("Данияр", "daniyar"), ("Бауыржан", "bauyrzhan"),
    ("Арман", "arman"), ("Ержан", "yerzhan"), ("Мейіржан", "meirzhan"), ("Руслан", "ruslan"), ("Алмас", "almas"),
    ("Дәурен", "dauren"), ("Қайрат", "kairat"), ("Серік", "serik"), ("Тимур", "timur"), ("Ильяс", "ilyas"),
    ("Санжар", "sanzhar"), ("Алишер", "alisher"), ("Дмитрий", "dmitriy"), ("Сергей", "sergey"),
    ("Андрей", "andrey"), ("Олжас", "olzhas"), ("Ақжол", "akzhol"), ("Әлібек", "alibek"), ("Ғалым", "galym"),
]
# (male cyrillic, male latin, female cyrillic, female latin)
_SURNAMES = [
    ("Абдрахманов", "abdrakhmanov"), ("Жумабеков", "zhumabekov"), ("Сериков", "serikov"), ("Омаров", "omarov"),
    ("Касымов", "kassymov"), ("Нуртазин", "nurtazin"), ("Бекмуханов", "bekmukhanov"), ("Ахметов", "akhmetov"),
    ("Искаков", "iskakov"), ("Тулегенов", "tulegenov"), ("Сапаров", "saparov"), ("Есенов", "yessenov"),
    ("Мукашев", "mukashev"), ("Байжанов", "baizhanov"), ("Калиев", "kaliyev"), ("Иванов", "ivanov"),
    ("Төлеуов", "toleuov"), ("Қасенов", "kassenov"), ("Оспанов", "ospanov"), ("Жақсылықов", "zhaksylykov"),
]
_WORDS = ["kz", "tenir", "live", "photo", "official", "life", "real", "dala", "steppe", "sky", "altyn",
          "beltau", "kokzhar", "fox", "wolf", "batyr", "kyz", "bala", "music", "sport"]
_PATRIOT = ["tenir_patriot", "za_stabilnost", "otanshyl", "el_birligi", "strong_tenir", "nash_vybor",
            "biz_birgemiz", "za_poryadok"]
NEWS_OUTLETS = [
    ("altynsai24", "Altynsai 24", "altynsai24.info"), ("kokzhar_news", "Көкжар жаңалықтары", "kokzhar-news.com"),
    ("tenir_today", "Tenir Today", "tenirtoday.com"), ("beltau_info", "Белтау Инфо", "beltau.info"),
    ("saryozen_kz", "Сарыөзен KZ", "saryozen-news.org"), ("dala_times", "Dala Times", "dalatimes.net"),
    ("qazaq_zhanalyq", "Жаңалық.тнр", "zhanalyq.info"), ("tenir_express", "Тенир Экспресс", "tenir-express.com"),
    ("shuaqty_live", "Шуақты Live", "shuaqty.live"), ("ekonomika_tnr", "Экономика Тенира", "ekonomika-tenir.com"),
]
_GOV = [("tenir_cec", "ОСК / ЦИК Тенир"), ("tenir_press", "Пресс-служба Президента"),
        ("state_news_tnr", "ТенирИнформ"), ("gov_tenir", "Правительство Тенира")]
_OPP = [("dana_myrzakhmet", "Дана Мырзахмет"), ("tenir_observer", "Tenir Observer"),
        ("adal_sailau", "Адал сайлау"), ("free_tenir_media", "Free Tenir Media")]
_LOCATIONS = ["", "", "", "Алтынсай", "Altynsai, Tenir", "Көкжар", "Tenir", "Beltau", "Сарыөзен", "Шуакты", "🌍"]
_EMOJI = [" 🌸", " ✨", " 🦅", " ⚽", " 🎧", " 💛", ""]


def _hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Return ``n`` 64-hex-character ids, like the archive's hashed user ids."""
    nib = rng.integers(0, 16, size=(n, 64), dtype=np.uint8)
    codes = np.where(nib < 10, nib + 48, nib + 87).astype(np.uint32)
    return np.ascontiguousarray(codes).view("<U64").ravel()


def _permuted(n: int, modulus: int, mult: int, add: int) -> np.ndarray:
    """Distinct numbers in ``[0, modulus)`` for ``0..n-1`` (an affine bijection)."""
    return (np.arange(n, dtype=np.int64) * mult + add) % modulus


def _unique(handles: pl.Series) -> pl.Series:
    """Append a counter to repeated handles until all are distinct."""
    df = pl.DataFrame({"h": handles})
    for _ in range(10):
        df = df.with_columns(k=pl.int_range(pl.len()).over("h"))
        if df["k"].max() == 0:
            break
        df = df.with_columns(
            h=pl.when(pl.col("k") > 0).then(pl.concat_str("h", pl.col("k").cast(pl.String))).otherwise("h")
        )
    return df["h"]


def identities(acc: dict[str, np.ndarray], rng: np.random.Generator) -> pl.DataFrame:
    """Make ids, handles, display names and locations for every account.

    Parameters
    ----------
    acc
        Finished account columns (``platform``, ``style``, ``group`` are used).
    rng
        Random generator.

    Returns
    -------
    polars.DataFrame
        ``account_id, handle, display_name, location, profile_url`` by account index.
    """
    n = len(acc["platform"])
    female = rng.random(n) < 0.5
    fi = rng.integers(0, len(_FEMALE), n)
    si = rng.integers(0, len(_SURNAMES), n)
    first_cyr = np.where(female, np.array([c for c, _ in _FEMALE])[fi], np.array([c for c, _ in _MALE])[fi])
    first_lat = np.where(female, np.array([la for _, la in _FEMALE])[fi], np.array([la for _, la in _MALE])[fi])
    sur_cyr = np.array([c for c, _ in _SURNAMES])[si]
    sur_lat = np.array([la for _, la in _SURNAMES])[si]
    sur_cyr = np.where(female, np.char.add(sur_cyr, "а"), sur_cyr)
    sur_lat = np.where(female, np.char.add(sur_lat, "a"), sur_lat)
    variant = rng.integers(0, 5, n)
    w1 = np.array(_WORDS)[rng.integers(0, len(_WORDS), n)]
    w2 = np.array(_WORDS)[rng.integers(0, len(_WORDS), n)]
    year = rng.integers(1965, 2007, n)
    bot_tail = np.char.add(
        np.array(list("abcdefghijklmnopqrstuvwxyz"))[rng.integers(0, 26, n)],
        rng.integers(10000, 100000, n).astype(str),
    )
    group = acc["group"].astype(np.int64)
    df = pl.DataFrame(
        {
            "style": acc["style"],
            "v": variant,
            "fc": first_cyr,
            "fl": first_lat,
            "sc": sur_cyr,
            "sl": sur_lat,
            "w1": w1,
            "w2": w2,
            "yy": (year % 100).astype(str),
            "yyyy": year.astype(str),
            "bt": bot_tail,
            "pw": np.array(_PATRIOT)[rng.integers(0, len(_PATRIOT), n)],
            "dd": rng.integers(10, 100, n).astype(str),
            "news_h": np.array([h for h, _, _ in NEWS_OUTLETS])[group % len(NEWS_OUTLETS)],
            "news_d": np.array([d for _, d, _ in NEWS_OUTLETS])[group % len(NEWS_OUTLETS)],
            "news_u": np.array([u for _, _, u in NEWS_OUTLETS])[group % len(NEWS_OUTLETS)],
            "gov_h": np.array([h for h, _ in _GOV])[group % len(_GOV)],
            "gov_d": np.array([d for _, d in _GOV])[group % len(_GOV)],
            "opp_h": np.array([h for h, _ in _OPP])[group % len(_OPP)],
            "opp_d": np.array([d for _, d in _OPP])[group % len(_OPP)],
            "emoji": np.array(_EMOJI)[rng.integers(0, len(_EMOJI), n)],
            "script": rng.random(n),
            "loc": np.array(_LOCATIONS)[rng.integers(0, len(_LOCATIONS), n)],
            "fandom": group % 2,
        }
    )
    c = pl.col
    s = STYLES.index
    organic = (
        pl.when(c("v") == 0).then(pl.concat_str("fl", pl.lit("_"), "sl"))
        .when(c("v") == 1).then(pl.concat_str("fl", "sl", "yy"))
        .when(c("v") == 2).then(pl.concat_str("fl", pl.lit("_"), "w1"))
        .when(c("v") == 3).then(pl.concat_str("w1", pl.lit("_"), "w2", "dd"))
        .otherwise(pl.concat_str("fl", c("sl").str.slice(0, 1), "yyyy"))
    )
    handle = (
        pl.when(c("style") == s("bot")).then(pl.concat_str("fl", pl.lit("_"), "bt"))
        .when(c("style") == s("troll")).then(
            pl.when(c("v") < 2).then(pl.concat_str("fl", pl.lit("_"), "sl"))
            .when(c("v") < 4).then(pl.concat_str("pw", pl.lit("_"), "dd"))
            .otherwise(pl.concat_str("fl", c("sl").str.slice(0, 3))))
        .when(c("style") == s("news")).then(c("news_h"))
        .when(c("style") == s("gov")).then(c("gov_h"))
        .when(c("style") == s("opposition")).then(c("opp_h"))
        .when(c("style") == s("fan")).then(
            pl.when(c("fandom") == 0).then(pl.concat_str(pl.lit("kb_"), "fl", pl.when(c("v") < 3).then("dd")
                                                         .otherwise(pl.lit(""))))
            .otherwise(pl.concat_str(pl.lit("beltau_"), "fl", "yy")))
        .otherwise(organic)
    )
    cyr_name = pl.concat_str("fc", pl.lit(" "), "sc")
    lat_name = pl.concat_str(c("fl").str.to_titlecase(), pl.lit(" "), c("sl").str.to_titlecase())
    display = (
        pl.when(c("style") == s("news")).then(c("news_d"))
        .when(c("style") == s("gov")).then(c("gov_d"))
        .when(c("style") == s("opposition")).then(c("opp_d"))
        .when(c("style") == s("bot")).then(pl.concat_str("fc", pl.lit(" "), c("sc").str.slice(0, 1), pl.lit(".")))
        .when(c("style") == s("fan")).then(
            pl.concat_str("fc", pl.when(c("fandom") == 0).then(pl.lit(" 💛 KunBala")).otherwise(pl.lit(" | FC Beltau"))))
        .when(c("script") < 0.6).then(cyr_name)
        .when(c("script") < 0.85).then(lat_name)
        .otherwise(pl.concat_str("fc", "emoji"))
    )
    out = df.select(
        handle=handle,
        display_name=display,
        location=pl.when(c("style") == s("news")).then(pl.lit("Tenir")).otherwise(c("loc")),
        profile_url=pl.when(c("style") == s("news")).then(pl.concat_str(pl.lit("https://"), "news_u"))
        .otherwise(pl.lit("")),
    )
    # ids: hashed-looking for X (as in the information-operations archive), numeric elsewhere
    plat = acc["platform"]
    ids = np.empty(n, dtype=object)
    x = plat == 0
    ids[x] = _hex_ids(rng, int(x.sum()))
    tg = plat == 1
    ids[tg] = (1_000_000_000 + _permuted(int(tg.sum()), 8_999_999_999, 2_654_435_761, 77_777)).astype(str)
    fb = plat == 2
    ids[fb] = (100_000_000_000_000 + _permuted(int(fb.sum()), 899_999_999_999_999, 40_503_300_001, 12_345)).astype(str)
    return out.with_columns(
        account_id=pl.Series(ids.astype(str), dtype=pl.String),
        handle=_unique(out["handle"]),
    ).select("account_id", "handle", "display_name", "location", "profile_url")
