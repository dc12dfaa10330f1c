"""Account features: when, how and from what profile each account posts.

:func:`account_features` measures each account on its own — share of reshares
and replies, hour-of-day entropy, night, work-hour and weekday shares, gaps
between posts, account age, followers and the shape of the handle — into the
columns of :data:`ACCOUNT_FEATURES`. Times are read on each account's clock:
``score.timezone`` when it names a zone (with its historical offsets, Polars
``convert_time_zone``), otherwise the fixed offset inferred for the account's
network (:mod:`cib.network.zones`), so "work hours" means the clock on the wall
where the accounts post; :func:`timezone`, :func:`hours` and :func:`numbers`
check those settings. :mod:`cib.network.features` re-exports every
public name.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from cib.errors import ConfigError
from cib.schema import TIME

if TYPE_CHECKING:
    from cib.config import Config

__all__ = [
    "ACCOUNT_FEATURES",
    "account_features",
    "handle_template",
    "hours",
    "numbers",
    "timezone",
]

ACCOUNT_FEATURES: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "n_posts": pl.Int64(),
    "reshare_share": pl.Float64(),
    "reply_share": pl.Float64(),
    "hour_entropy": pl.Float64(),
    "night_share": pl.Float64(),
    "work_share": pl.Float64(),
    "weekday_share": pl.Float64(),
    "active_hours": pl.Int64(),
    "gap_cv": pl.Float64(),
    "median_gap_s": pl.Float64(),
    "first_at": TIME,
    "last_at": TIME,
    "created_at": TIME,
    "age_days": pl.Float64(),
    "followers": pl.Int64(),
    "handle": pl.String(),
    "handle_digits": pl.Int64(),
    "handle_template": pl.String(),
}


def numbers(cfg: Config, name: str, n: int) -> tuple[float, ...]:
    """The ``n`` numbers of a list parameter, or a clear configuration error."""
    value = cfg[name]
    try:
        out = tuple(float(x) for x in value)
    except (TypeError, ValueError):
        out = ()
    if len(out) != n:
        raise ConfigError(f"{name} = {value!r}: expected a list of {n} numbers")
    return out


def hours(cfg: Config, name: str) -> tuple[int, int]:
    """Start and end hour of ``score.work_hours`` / ``score.night_hours``, checked."""
    a, b = numbers(cfg, name, 2)
    if not (0 <= a < b <= 24):
        raise ConfigError(f"{name} = {cfg[name]!r}: expected [start, end] hours with 0 <= start < end <= 24")
    return int(a), int(b)


def timezone(cfg: Config) -> str:
    """``score.timezone``, checked against the IANA database (``"auto"``: inferred, see :mod:`cib.network.zones`)."""
    name = str(cfg["score.timezone"])
    if name == "auto":
        return name
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"score.timezone = {name!r} is not an IANA time zone", hint="e.g. auto, UTC, Europe/Berlin, America/New_York"
        ) from None
    return name


def handle_template(expr: pl.Expr) -> pl.Expr:
    """The shape of a handle: letter runs become ``a``, digit runs ``9`` per digit.

    ``aigerim_k84213`` → ``a_a99999``; ``tenir_patriot_42`` → ``a_a_99``.
    """
    return (
        expr.str.to_lowercase()
        .str.replace_all(r"\p{L}+", "a")
        .str.replace_all(r"\p{N}", "9")
    )


def _local(posts: pl.LazyFrame, tz: str, offsets: pl.DataFrame | None = None, default_s: int = 0) -> pl.LazyFrame:
    """Local hour ``_h`` and weekday ``_wd`` of each post: in ``tz``, or shifted by its account's offset.

    With ``tz == "auto"`` each account's clock is ``offsets`` (``account_id, offset_s``),
    ``default_s`` seconds from UTC for accounts it does not list.
    """
    if tz != "auto":
        local = pl.col("created_at").cast(TIME).dt.convert_time_zone(tz)
    else:
        if offsets is not None and offsets.height:
            posts = posts.join(offsets.lazy().select("account_id", pl.col("offset_s").alias("_off")), on="account_id", how="left")
        else:
            posts = posts.with_columns(pl.lit(None, pl.Int64).alias("_off"))
        seconds = pl.col("_off").fill_null(default_s).cast(pl.Int64)
        local = pl.col("created_at").cast(TIME) + pl.duration(seconds=seconds)
    return posts.with_columns(local.dt.hour().alias("_h"), local.dt.weekday().alias("_wd"))


def account_features(
    posts: pl.DataFrame,
    accounts: pl.DataFrame | None,
    cfg: Config,
    account_ids: list[str] | pl.Series | None = None,
    offsets: pl.DataFrame | None = None,
    default_offset_s: int = 0,
) -> pl.DataFrame:
    """Behaviour and profile features of each account.

    Parameters
    ----------
    posts
        Canonical posts.
    accounts
        Canonical accounts (creation date, handle); may be ``None``.
    cfg
        Effective configuration (``score.timezone``, ``score.work_hours``, ``score.night_hours``).
    account_ids
        Only these accounts (all posting accounts when ``None``); accounts with
        no posts get a row with ``n_posts = 0``.
    offsets, default_offset_s
        Without a configured ``score.timezone``: each account's clock
        (``account_id, offset_s``, seconds from UTC, from its network's zone) and
        the clock of the accounts not listed (the collection's).

    Returns
    -------
    polars.DataFrame
        :data:`ACCOUNT_FEATURES` columns, sorted by account id.
    """
    tz = timezone(cfg)
    w0, w1 = hours(cfg, "score.work_hours")
    n0, n1 = hours(cfg, "score.night_hours")
    lf = posts.lazy().filter(pl.col("account_id").is_not_null() & pl.col("created_at").is_not_null())
    if account_ids is not None:
        ids = pl.Series("account_id", list(account_ids), dtype=pl.String).unique().sort()
        lf = lf.join(pl.DataFrame({"account_id": ids}).lazy(), on="account_id", how="semi")
    lf = _local(lf.select("account_id", "created_at", "reshare_of", "reply_to"), tz, offsets, default_offset_s)
    weekday = pl.col("_wd") <= 5
    work = weekday & (pl.col("_h") >= w0) & (pl.col("_h") < w1)
    night = (pl.col("_h") >= n0) & (pl.col("_h") < n1)
    t_s = pl.col("created_at").cast(TIME).dt.epoch("us") / 1e6
    per = (
        lf.sort("account_id", "created_at")
        .group_by("account_id", maintain_order=True)
        .agg(
            pl.len().cast(pl.Int64).alias("n_posts"),
            pl.col("reshare_of").is_not_null().mean().alias("reshare_share"),
            pl.col("reply_to").is_not_null().mean().alias("reply_share"),
            night.mean().alias("night_share"),
            work.mean().alias("work_share"),
            weekday.mean().alias("weekday_share"),
            pl.col("_h").n_unique().cast(pl.Int64).alias("active_hours"),
            pl.col("_h").alias("_hours"),
            t_s.diff().drop_nulls().alias("_gaps"),
            pl.col("created_at").min().alias("first_at"),
            pl.col("created_at").max().alias("last_at"),
        )
        .with_columns(
            (pl.col("_gaps").list.std() / pl.col("_gaps").list.mean()).alias("gap_cv"),
            pl.col("_gaps").list.median().alias("median_gap_s"),
            pl.col("_hours")
            .list.eval(pl.element().value_counts(normalize=True).struct.field("proportion").entropy(normalize=False))
            .list.first()
            .truediv(math.log(24))
            .alias("hour_entropy"),
        )
        .collect()
    )
    if account_ids is not None:
        per = pl.DataFrame({"account_id": ids}).join(per, on="account_id", how="left").with_columns(
            pl.col("n_posts").fill_null(0)
        )
    prof_cols = {"created_at": TIME, "handle": pl.String()}
    if accounts is not None and accounts.height:
        prof = (
            accounts.select("account_id", pl.col("created_at").alias("acc_created"), "handle", "followers")
            .filter(pl.col("account_id").is_not_null())
            .unique("account_id", keep="first", maintain_order=True)
        )
        per = per.join(prof, on="account_id", how="left")
    else:
        per = per.with_columns(
            pl.lit(None, prof_cols["created_at"]).alias("acc_created"),
            pl.lit(None, pl.String).alias("handle"),
            pl.lit(None, pl.Int64).alias("followers"),
        )
    per = per.with_columns(
        pl.col("acc_created").cast(TIME).alias("created_at"),
        ((pl.col("first_at") - pl.col("acc_created").cast(TIME)).dt.total_seconds() / 86400.0).alias("age_days"),
        pl.col("handle").str.extract(r"(\p{N}+)$").str.len_chars().fill_null(0).cast(pl.Int64).alias("handle_digits"),
        handle_template(pl.col("handle")).alias("handle_template"),
    )
    per = per.with_columns(
        pl.when(pl.col("handle").is_null()).then(None).otherwise(pl.col("handle_digits")).alias("handle_digits")
    )
    return per.select([pl.col(c).cast(t) for c, t in ACCOUNT_FEATURES.items()]).sort("account_id")
