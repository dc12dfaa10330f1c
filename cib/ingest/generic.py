"""Generic exports: CSV, TSV, JSON lines and Parquet with canonical (or mapped) columns.

Columns are found by name, never by position; a missing optional column is
simply empty. Other headers are mapped with ``[ingest.columns]`` in
``cib.toml`` (canonical name = header in the file). A file with account
columns but no ``post_id`` is an account file and fills the accounts table.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from cib.errors import InputError
from cib.ingest.base import Chunk, Format, Head, as_text, reject_frame
from cib.ingest.head import read_head, same_columns
from cib.ingest.textio import iter_delimited, iter_json_lines
from cib.schema import REQUIRED

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["GENERIC", "ACCOUNTS_FILE", "POST_ALIASES", "ACCOUNT_ALIASES", "resolve_columns", "read_rows", "renaming_format"]

#: staged column -> header names accepted for it, most specific first
POST_ALIASES: dict[str, tuple[str, ...]] = {
    "post_id": ("post_id", "id"),
    "account_id": ("account_id", "author_id", "user_id"),
    "created_at": ("created_at", "timestamp", "date"),
    "text": ("text", "content", "message"),
    "urls": ("urls", "url"),
    "hashtags": ("hashtags", "hashtag"),
    "mentions": ("mentions",),
    "media": ("media", "image_hash"),
    "reshare_of": ("reshare_of", "retweet_of", "forwarded_from"),
    "reply_to": ("reply_to", "in_reply_to"),
    "quote_of": ("quote_of",),
    "platform": ("platform",),
    "lang": ("lang", "language"),
    "client": ("client", "source"),
    "account_handle": ("handle", "account_name", "screen_name", "username"),
    "account_display_name": ("display_name",),
}

ACCOUNT_ALIASES: dict[str, tuple[str, ...]] = {
    "account_id": ("account_id", "user_id", "id"),
    "account_handle": ("handle", "account_name", "screen_name", "username"),
    "account_display_name": ("display_name", "name"),
    "account_created_at": ("created_at", "account_created_at"),
    "account_followers": ("followers", "followers_count"),
    "account_following": ("following", "following_count", "friends_count"),
    "account_post_count": ("post_count", "statuses_count", "tweet_count"),
    "account_description": ("description", "bio"),
    "platform": ("platform",),
}

_PROFILE_ONLY = ("handle", "display_name", "followers", "following", "post_count", "description")


def resolve_columns(
    columns: list[str], aliases: Mapping[str, tuple[str, ...]], mapping: Mapping[str, str]
) -> dict[str, str]:
    """Map staged column names to the file's headers.

    Parameters
    ----------
    columns
        Headers in the file.
    aliases
        Accepted header names for each staged column.
    mapping
        ``[ingest.columns]``: canonical name -> header, which wins over aliases.

    Returns
    -------
    dict
        staged name -> header in the file, for the columns found.
    """
    by_lower = {c.strip().lower(): c for c in columns}
    found: dict[str, str] = {}
    for staged, names in aliases.items():
        canonical = staged.removeprefix("account_") if staged.startswith("account_") and staged != "account_id" else staged
        wanted = mapping.get(staged) or mapping.get(canonical)
        if wanted is not None:
            if wanted.strip().lower() in by_lower:
                found[staged] = by_lower[wanted.strip().lower()]
            continue
        for name in names:
            if name in by_lower:
                found[staged] = by_lower[name]
                break
    return found


def _is_posts(head: Head, mapping: Mapping[str, str]) -> bool:
    if head.kind not in {"csv", "tsv", "jsonl", "parquet"}:
        return False
    found = resolve_columns(head.columns, POST_ALIASES, mapping)
    return all(k in found for k in REQUIRED)


def _is_accounts(head: Head, mapping: Mapping[str, str]) -> bool:
    if head.kind not in {"csv", "tsv", "jsonl", "parquet"} or _is_posts(head, mapping):
        return False
    lower = head.lower
    return "account_id" in lower and any(c in lower for c in _PROFILE_ONLY) and "post_id" not in lower


def read_rows(path: Path, cfg: Config, label: str) -> Iterator[tuple[pl.DataFrame, pl.DataFrame]]:
    """Yield ``(rows, rejects)`` of any tabular file as frames with ``source_row``.

    Delimited text and JSON lines come as strings; Parquet keeps its types
    (ids are cast to strings by the caller).
    """
    head = read_head(path)
    chunk_rows = cfg["ingest.chunk_rows"]
    limit = cfg["ingest.raw_chars"]
    if head.kind in {"csv", "tsv"}:
        sep = "\t" if head.kind == "tsv" else ","
        for _, rows, rejects in iter_delimited(path, delimiter=sep, chunk_rows=chunk_rows, raw_chars=limit, file_label=label):
            yield rows, rejects
    elif head.kind == "jsonl":
        for records, rejects in iter_json_lines(path, chunk_rows=chunk_rows, raw_chars=limit, file_label=label):
            frame, bad = _json_frame(path, records, label, limit)
            yield frame, pl.concat([rejects, bad])
    elif head.kind == "parquet":
        try:
            frame = pl.read_parquet(path)
        except Exception:
            raise InputError(path, "a Parquet file that cannot be read (truncated or damaged)", hint="export it again") from None
        frame = frame.with_row_index("source_row", offset=1).with_columns(pl.col("source_row").cast(pl.Int64))
        frame, bad = _decoded(frame, label, limit)
        for start in range(0, max(frame.height, 1), chunk_rows):
            yield frame.slice(start, chunk_rows), bad if start == 0 else reject_frame(label, [], None, "", [], limit)
    else:
        raise InputError(path, f"a {head.kind} file is not a table of rows", hint="see `cib formats`")


def _json_frame(path: Path, records: list[tuple[int, object]], label: str, limit: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """JSON lines records as a frame of strings (and lists of strings), and the records that are not rows.

    A key that holds lists in some records and single values in others is
    kept as text, its lists written as JSON arrays, so that every cell is read
    by the same rule (:func:`cib.ingest.base.parse_list`): a string is never
    taken apart into its characters.
    """
    rows: list[dict[str, object]] = []
    numbers: list[int] = []
    bad: list[tuple[int, str]] = []
    for number, record in records:
        if not isinstance(record, dict):
            bad.append((number, "a JSON line that is not an object"))
            continue
        try:
            rows.append({k: _cell(v) for k, v in record.items()})
        except RecursionError:
            bad.append((number, "JSON nested too deeply to read"))
            continue
        numbers.append(number)
    keys = sorted({k for r in rows for k in r})
    same_columns(path, keys)
    data: dict[str, pl.Series] = {}
    for key in keys:
        values = [r.get(key) for r in rows]
        lists = sum(isinstance(v, list) for v in values)
        if lists and lists < sum(v is not None for v in values):
            values = [json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v for v in values]
            lists = 0
        data[key] = pl.Series(key, values, dtype=pl.List(pl.String) if lists else pl.String)
    frame = pl.DataFrame(data).with_columns(pl.Series("source_row", numbers, dtype=pl.Int64))
    rejects = [reject_frame(label, [n], None, why, [""], limit) for n, why in bad]
    return frame, pl.concat(rejects) if rejects else reject_frame(label, [], None, "", [], limit)


def _decoded(frame: pl.DataFrame, label: str, limit: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Binary columns of a Parquet file as text; a row whose bytes are not UTF-8 is a reject naming the column."""
    rejects = [reject_frame(label, [], None, "", [], limit)]
    for name, dtype in frame.schema.items():
        if dtype != pl.Binary:
            continue
        try:
            frame = frame.with_columns(pl.col(name).cast(pl.String))
            continue
        except pl.exceptions.PolarsError:
            pass
        texts: list[str | None] = []
        for value in frame[name].to_list():
            try:
                texts.append(None if value is None else value.decode("utf-8"))
            except UnicodeDecodeError:
                texts.append("\x00bad")  # a NUL never starts a decoded value: marks the row
        frame = frame.with_columns(pl.Series(name, texts, dtype=pl.String))
        broken = frame.filter(pl.col(name) == "\x00bad")
        rows = broken["source_row"].to_list()
        rejects.append(reject_frame(label, rows, name, "bytes that are not UTF-8", [""] * len(rows), limit))
        frame = frame.filter((pl.col(name) != "\x00bad") | pl.col(name).is_null())
    return frame, pl.concat(rejects)


def _cell(value: object) -> object:
    """A JSON value as staged text: strings as they are, numbers as written, lists item by item, objects as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return [None if v is None else v if isinstance(v, str) else _scalar(v) for v in value]
    return _scalar(value)


def _scalar(value: object) -> str:
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) <= 2**53 else repr(value)
    return str(value)


def _ids_as_strings(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    exprs = [as_text(pl.col(c), frame.schema[c]).alias(c) for c in columns if not isinstance(frame.schema[c], pl.List | pl.Datetime)]
    return frame.with_columns(exprs) if exprs else frame


def _read_mapped(path: Path, cfg: Config, aliases: Mapping[str, tuple[str, ...]]) -> Iterator[Chunk]:
    label = str(path)
    mapping = cfg["ingest.columns"]
    required = REQUIRED if aliases is POST_ALIASES else ("account_id",)
    for rows, rejects in read_rows(path, cfg, label):
        found = resolve_columns([c for c in rows.columns if c != "source_row"], aliases, mapping)
        missing = [c for c in required if c not in found]
        if missing and rows.height:
            raise InputError(
                path,
                f"required column(s) missing: {', '.join(missing)}",
                hint="rename them or map them with [ingest.columns] in cib.toml",
            )
        staged = rows.select([pl.col(src).alias(dst) for dst, src in found.items()] + [pl.col("source_row")])
        yield Chunk(_ids_as_strings(staged, [c for c in staged.columns if c != "source_row"]), rejects)


def _read_posts(path: Path, cfg: Config) -> Iterator[Chunk]:
    yield from _read_mapped(path, cfg, POST_ALIASES)


def _read_accounts(path: Path, cfg: Config) -> Iterator[Chunk]:
    yield from _read_mapped(path, cfg, ACCOUNT_ALIASES)


GENERIC = Format(
    name="generic",
    needs="CSV, TSV, JSON lines or Parquet with columns post_id, account_id, created_at "
    "(other headers through [ingest.columns]); optional text, urls, hashtags, mentions, media, "
    "reshare_of, reply_to, quote_of, platform, lang, client (or source), handle, display_name",
    sniff=lambda head, cfg: _is_posts(head, cfg["ingest.columns"]),
    read=_read_posts,
)

ACCOUNTS_FILE = Format(
    name="accounts",
    needs="CSV, TSV, JSON lines or Parquet with account_id and profile columns "
    "(handle, display_name, created_at, followers, following, post_count, description) and no post_id",
    sniff=lambda head, cfg: _is_accounts(head, cfg["ingest.columns"]),
    read=_read_accounts,
    kind="accounts",
)


def renaming_format(
    name: str, needs: str, columns: Mapping[str, str], required: tuple[str, ...], kinds: frozenset[str]
) -> Format:
    """A format whose columns are a peer tool's fixed names for canonical ones.

    Parameters
    ----------
    name, needs
        The format's name and its one-line description of what it needs.
    columns
        Their column (any case) → cib's staged column; absent ones are left out.
    required
        Their columns that must all be present (lower case) for the format to fit.
    kinds
        File kinds it may come in (``csv``, ``tsv``, ``parquet``, ``jsonl``).
    """

    def sniff(head: Head, cfg: Config) -> bool:
        return head.kind in kinds and all(c in head.lower for c in required)

    def read(path: Path, cfg: Config) -> Iterator[Chunk]:
        for rows, rejects in read_rows(path, cfg, str(path)):
            by_lower = {c.lower(): c for c in rows.columns}
            staged = rows.select(
                *(
                    as_text(pl.col(by_lower[theirs]), rows.schema[by_lower[theirs]]).alias(ours)
                    for theirs, ours in columns.items()
                    if theirs in by_lower
                ),
                pl.col("source_row"),
            )
            yield Chunk(staged, rejects)

    return Format(name=name, needs=needs, sniff=sniff, read=read)
