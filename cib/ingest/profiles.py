"""Accounts from ingested rows: account files' rows, the profile fields posts carry, and the posts' counts.

A file of accounts gives one profile row per record; a file of posts gives
one per post that says something about its account (handle, followers …).
Each field takes its last value in file order, folded one chunk at a time;
the accounts table joins the profiles to each account's posts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from cib.ingest.base import Chunk, as_text, count_of, parse_time
from cib.schema import ACCOUNTS, PROFILE_COLUMNS, PROFILES, REJECTS, TIME

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["finalise_accounts", "cast_profiles", "last_per_account", "accounts_table"]


def finalise_accounts(chunk: Chunk, file: str, cfg: Config) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A chunk of an account file as profile rows, and its rejects (a row without an account id)."""
    rows = chunk.rows
    rejects = [chunk.rejects]
    if "account_id" not in rows.columns:
        return _empty_profiles(), pl.concat(rejects)
    rows = rows.with_columns(as_text(pl.col("account_id"), rows.schema["account_id"]).str.strip_chars().replace("", None))
    missing = rows.filter(pl.col("account_id").is_null())
    if missing.height:
        rejects.append(
            pl.DataFrame(
                {
                    "source_file": [file] * missing.height,
                    "source_row": missing["source_row"],
                    "column": ["account_id"] * missing.height,
                    "reason": ["missing account id"] * missing.height,
                    "raw": [""] * missing.height,
                },
                schema=REJECTS,
            )
        )
    rows = rows.filter(pl.col("account_id").is_not_null())
    tz = cfg["ingest.default_timezone"]
    schema = rows.schema
    exprs = [pl.col("account_id"), as_text(pl.col("platform"), schema["platform"]) if "platform" in rows.columns else pl.lit(None, pl.String).alias("platform")]
    for col in PROFILE_COLUMNS:
        if col not in rows.columns:
            exprs.append(pl.lit(None).alias(col))
        elif col == "account_created_at":
            timed = isinstance(schema[col], pl.Datetime)
            exprs.append(pl.col(col).cast(TIME) if timed else parse_time(as_text(pl.col(col), schema[col]), tz).alias(col))
        elif col.endswith(("followers", "following", "post_count")):
            exprs.append(count_of(pl.col(col), schema[col]).alias(col))
        else:
            exprs.append(as_text(pl.col(col), schema[col]))
    return cast_profiles(rows.select(exprs)), pl.concat(rejects)


def _profile_schema() -> dict[str, pl.DataType]:
    """The profile columns and their types."""
    schema: dict[str, pl.DataType] = {"account_id": pl.String(), "platform": pl.String()}
    for col in PROFILE_COLUMNS:
        schema[col] = ACCOUNTS[col.removeprefix("account_")]
    return schema


def _empty_profiles() -> pl.DataFrame:
    """No profile rows, in the profile columns."""
    return pl.DataFrame(schema=_profile_schema())


def cast_profiles(frame: pl.DataFrame) -> pl.DataFrame:
    """Profile rows in the profile columns and types (``account_id, platform`` and the ``account_*`` fields)."""
    return frame.select([pl.col(c).cast(t) for c, t in _profile_schema().items()])


#: the profile fields that take their last value per account
_FIELDS = [c for c in PROFILES if c not in ("account_id", "source_file")]


def last_per_account(rows: pl.DataFrame) -> pl.DataFrame:
    """One row per account (in order of first appearance), each field's last non-null value.

    Folding chunk by chunk, then the chunks' rows, gives what folding every row does.
    """
    return rows.group_by("account_id", maintain_order=True).agg(pl.col(c).last(ignore_nulls=True) for c in _FIELDS)


def accounts_table(posts: pl.DataFrame, profiles: list[pl.DataFrame]) -> pl.DataFrame:
    """One row per account: profile values from the latest row that has them, post counts from the posts."""
    prof = pl.concat(profiles) if profiles else _empty_profiles()
    fields = ["platform", *PROFILE_COLUMNS]
    # rows keep their input order within a group (the groups' order does not matter: the
    # table is sorted below), so the last non-null value is the latest
    merged = prof.group_by("account_id").agg([pl.col(c).last(ignore_nulls=True) for c in fields])
    counts = posts.group_by("account_id").agg(pl.len().alias("__n"), pl.col("platform").first().alias("__platform"))
    out = merged.join(counts, on="account_id", how="full", coalesce=True)
    out = out.select(
        pl.col("account_id"),
        pl.col("account_handle").alias("handle"),
        pl.col("account_display_name").alias("display_name"),
        pl.col("account_created_at").alias("created_at"),
        pl.col("account_followers").alias("followers"),
        pl.col("account_following").alias("following"),
        pl.coalesce("account_post_count", pl.col("__n").cast(pl.Int64)).alias("post_count"),
        pl.col("account_description").alias("description"),
        pl.coalesce("__platform", "platform").alias("platform"),
    )
    return out.cast(ACCOUNTS).sort("account_id")
