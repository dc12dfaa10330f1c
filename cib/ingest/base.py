"""What every input format shares: the staging contract, sniffing, parsing helpers.

An adapter turns one file into :class:`Chunk` objects: *staged* rows (canonical
post columns, values still as the source wrote them, plus ``account_*``
profile columns) and the rows it could not read at all (``rejects``). The
common :func:`finalise` then parses times and lists, checks required values
and splits the staged rows into posts, profile rows and rejects, so every
format obeys the same rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from cib.schema import LIST_COLUMNS, POSTS, PROFILE_COLUMNS, REJECTS, STAGING, TIME

if TYPE_CHECKING:
    from cib.config import Config

__all__ = [
    "Chunk",
    "Format",
    "Head",
    "IDS",
    "as_text",
    "as_text_list",
    "count_of",
    "finalise",
    "parse_list",
    "parse_time",
    "reject_frame",
]

@dataclass
class Head:
    """The start of a file, read once and shared by every format's sniffer.

    Parameters
    ----------
    path
        The file.
    raw
        Its first bytes.
    columns
        Header names for delimited text, keys of the first object for JSON
        lines (and of a JSON array's first object, when it ends within the
        head), top-level keys of a JSON object, column names for Parquet;
        empty when unknown.
    kind
        ``"csv"``, ``"tsv"``, ``"jsonl"``, ``"json"``, ``"parquet"`` or ``"unknown"``.
    """

    path: Path
    raw: bytes
    columns: list[str] = field(default_factory=list)
    kind: str = "unknown"

    @property
    def lower(self) -> set[str]:
        """Column names case-folded and stripped."""
        return {c.strip().lower() for c in self.columns}


@dataclass
class Chunk:
    """A batch of rows read from one file.

    Parameters
    ----------
    rows
        Staged rows (columns from :data:`cib.schema.STAGING`, ``source_row`` always present).
    rejects
        Rows that could not be read at all, in the rejects schema.
    merged
        Input rows folded into another row of the same post (a long table
        with one row per post and object); counted with the duplicates.
    expanded
        Rows beyond the first that one counted record gave (the tweets of a
        twarc2 page line after its first).
    """

    rows: pl.DataFrame
    rejects: pl.DataFrame
    merged: int = 0
    expanded: int = 0


@dataclass(frozen=True)
class Format:
    """An input format.

    Parameters
    ----------
    name
        What ``--format`` takes.
    needs
        What the format needs, as ``cib formats`` prints it.
    sniff
        True when a :class:`Head` looks like this format (the configuration
        is passed for column maps).
    read
        Yields chunks for a file.
    kind
        ``"posts"`` or ``"accounts"`` (account files fill the accounts table).
    time_resolution_s
        Finest time step the source writes, in seconds.
    platform
        Platform recorded for rows that do not name one.
    """

    name: str
    needs: str
    sniff: Callable[[Head, Config], bool]
    read: Callable[[Path, Config], Iterator[Chunk]]
    kind: str = "posts"
    time_resolution_s: float = 1.0
    platform: str = "unknown"


def reject_frame(
    file: str, rows: list[int], column: str | None, reason: str, raw: list[str], limit: int
) -> pl.DataFrame:
    """Build rejects for ``rows`` of ``file`` sharing one reason."""
    return pl.DataFrame(
        {
            "source_file": [file] * len(rows),
            "source_row": rows,
            "column": [column] * len(rows),
            "reason": [reason] * len(rows),
            "raw": [r[:limit] for r in raw],
        },
        schema=REJECTS,
    )


#: the staged columns that hold ids
IDS = ("post_id", "account_id", "reshare_of", "reply_to", "quote_of")
#: the largest integer a float holds exactly: beyond it an id read as a float has lost digits
_EXACT = 2**53


def _json_texts(values: pl.Series) -> pl.Series:
    """Each value written as JSON (lists and structs of any depth; rare, so done in Python)."""
    return pl.Series(values.name, [None if v is None else json.dumps(v, ensure_ascii=False, default=str) for v in values.to_list()], dtype=pl.String)


def as_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A column of any type as text, for a column that holds one value per row.

    A float that is a whole number (up to 2^53, where floats stop being
    exact) is written without its ``.0``, so ``123.0`` read from a nullable
    integer column stays ``123``; a larger one keeps its exponent (``1.9e18``),
    which :func:`finalise` refuses in an id. NaN is no value. Lists and
    structs are written as JSON.
    """
    if isinstance(dtype, pl.List | pl.Array | pl.Struct):
        return expr.map_batches(_json_texts, return_dtype=pl.String)
    if dtype.is_float():
        whole = (expr == expr.round(0)) & (expr.abs() <= _EXACT)
        return pl.when(expr.is_nan()).then(None).when(whole).then(expr.cast(pl.Int64).cast(pl.String)).otherwise(expr.cast(pl.String))
    return expr.cast(pl.String)


def as_text_list(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A list column of any inner type as ``list[str]`` (nested items written as JSON)."""
    inner = dtype.inner if isinstance(dtype, pl.List | pl.Array) else None
    if isinstance(inner, pl.List | pl.Array | pl.Struct):
        return expr.map_batches(
            lambda s: pl.Series(s.name, [None if v is None else [json.dumps(x, default=str) for x in v] for v in s.to_list()], dtype=pl.List(pl.String)),
            return_dtype=pl.List(pl.String),
        )
    return expr.cast(pl.List(pl.String))


_ZONED = ("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z", "%a %b %d %H:%M:%S %z %Y")
_NAIVE = ("%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def _time_parsers(default_timezone: str) -> list:
    """One parser per accepted form, most common first; each returns UTC times or null."""
    zoned = [
        (lambda s, f=f: s.str.to_datetime(f, strict=False, time_unit="us").dt.convert_time_zone("UTC"))
        for f in _ZONED
    ]
    naive = [
        (
            lambda s, f=f: s.str.to_datetime(f, strict=False, time_unit="us")
            .dt.replace_time_zone(default_timezone, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC")
        )
        for f in _NAIVE
    ]

    def epoch(s: pl.Series) -> pl.Series:
        digits = s.str.contains(r"^\d{9,13}(\.\d+)?$")
        number = s.cast(pl.Float64, strict=False)
        frame = pl.DataFrame({"d": digits, "n": number})
        return frame.select(
            pl.when(pl.col("d") & (pl.col("n") < 1e11))
            .then((pl.col("n") * 1e6).cast(pl.Int64))
            .when(pl.col("d"))
            .then((pl.col("n") * 1e3).cast(pl.Int64))
            .otherwise(None)
            .cast(pl.Datetime("us"))
            .dt.replace_time_zone("UTC")
        ).to_series()

    return [*zoned, *naive, epoch]


def _first_fit(values: pl.Series, parsers: list, dtype: pl.DataType) -> pl.Series:
    """Each value through the parsers until one gives a non-null (``coalesce``, lazily).

    A column nearly always has one form, so after the first parser few rows
    are left, and the other parsers run on those rows only. The parser that
    fits the first value goes first: the parsers accept disjoint forms (each
    demands its exact layout), so the order changes the cost, not the answer,
    and a column of epoch seconds is not first tried against eight layouts.
    """
    todo = values.is_not_null()
    first = values.filter(todo).head(1)
    if first.len():
        fits = [i for i, parse in enumerate(parsers) if parse(first).is_not_null().any()]
        if fits:
            parsers = [parsers[fits[0]], *(p for i, p in enumerate(parsers) if i != fits[0])]
    # The first parser sees the whole column (a null stays null); the others only what is left.
    out = parsers[0](values).cast(dtype).alias(values.name)
    todo = todo & out.is_null()
    for parse in parsers[1:]:
        index = todo.arg_true()
        if index.len() == 0:
            break
        parsed = parse(values.gather(index)).cast(dtype)
        found = parsed.is_not_null()
        out = out.scatter(index.filter(found), parsed.filter(found))
        todo = todo.scatter(index.filter(found), False)
    return out


def parse_time(expr: pl.Expr, default_timezone: str = "UTC") -> pl.Expr:
    """Parse the time formats exports use into UTC microseconds; null when none fits.

    Accepts ISO 8601 with or without offset (``Z``, ``+03:00``, ``+0300``), a
    space instead of ``T``, minute resolution, bare dates, X API v1 ``created_at``, and
    Unix epoch seconds or milliseconds. Times without an offset are read in
    ``default_timezone``.
    """
    parsers = _time_parsers(default_timezone)
    return (
        expr.cast(pl.String)
        .str.strip_chars()
        .map_batches(lambda s: _first_fit(s, parsers, TIME), return_dtype=TIME)
    )


# A quoted item may hold commas ("a, b"); unquoted lists are split on commas.
_QUOTED = r"\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'"


def _list_items(s: pl.Series) -> pl.Series:
    """Raw items of list cells, each form parsed only on the cells written in it.

    Cheap tests (no new strings) sort the cells first; only bracketed cells have
    their inside cut out, as most cells of a column are empty or in one plain form.
    """
    frame = pl.DataFrame({"s": s.fill_null("")}).with_row_index("_i")
    col = pl.col("s")
    frame = frame.with_columns(
        pl.when(col == "")
        .then(0)
        .when(col.str.starts_with("[") & col.str.ends_with("]"))
        .then(1)
        .when(col.str.contains("|", literal=True))
        .then(2)
        .otherwise(3)
        .alias("_form")
    )
    inner = col.str.strip_prefix("[").str.strip_suffix("]").str.strip_chars()
    bracketed = frame.filter(pl.col("_form") == 1).with_columns(inner.alias("s"))
    quoted = col.str.starts_with('"') | col.str.starts_with("'")
    parts = [
        frame.filter(pl.col("_form") == 0).select("_i", pl.lit([], dtype=pl.List(pl.String)).alias("items")),
        bracketed.filter(col == "").select("_i", pl.lit([], dtype=pl.List(pl.String)).alias("items")),
        bracketed.filter((col != "") & quoted).select("_i", col.str.extract_all(_QUOTED).alias("items")),
        bracketed.filter((col != "") & ~quoted).select("_i", col.str.split(",").alias("items")),
        frame.filter(pl.col("_form") == 2).select("_i", col.str.split("|").alias("items")),
        frame.filter(pl.col("_form") == 3).select("_i", col.str.replace_all(r"\s+", " ").str.split(" ").alias("items")),
    ]
    parts = [part.with_columns(pl.col("items").cast(pl.List(pl.String))) for part in parts if part.height]
    if not parts:
        return pl.Series(s.name, [], dtype=pl.List(pl.String))
    return pl.concat(parts).sort("_i").get_column("items").alias(s.name)


def parse_list(expr: pl.Expr) -> pl.Expr:
    """Parse a list written as text into ``list[str]``.

    Accepts JSON arrays (``["a", "b"]``), Python list literals (``['a', 'b']``,
    ``[a, b]``), and ``|``- or whitespace-separated values. Empty items are
    dropped; an empty or null cell gives an empty list.
    """
    items = expr.cast(pl.String).str.strip_chars().map_batches(_list_items, return_dtype=pl.List(pl.String))
    cleaned = items.list.eval(
        pl.element()
        .str.strip_chars()
        .str.strip_chars("\"'")
        .str.replace_all(r"\\(.)", "$1")
        .str.strip_chars()
    )
    return cleaned.list.filter(pl.element().str.len_chars() > 0).cast(pl.List(pl.String))


def _as_time(frame: pl.DataFrame, column: str, tz: str) -> pl.Expr:
    dtype = frame.schema[column]
    if isinstance(dtype, pl.Datetime):
        col = pl.col(column)
        if dtype.time_zone is None:
            col = col.dt.replace_time_zone(tz)
        return col.dt.convert_time_zone("UTC").cast(TIME)
    return parse_time(as_text(pl.col(column), dtype), tz)


def count_of(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """A count (followers, posts) as an integer, null when it is not a number."""
    return as_text(expr, dtype).str.strip_chars().cast(pl.Float64, strict=False).cast(pl.Int64, strict=False)


#: an id that went through a float (a spreadsheet writes ``1.9E+18``): its last digits are gone
_FLOAT_ID = r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$"


def _bad_id(col: str) -> pl.Expr:
    """Why the id in ``col`` cannot be used, as ``column|reason``; null when it can."""
    value = pl.col(col)
    return (
        pl.when(value.str.contains(_FLOAT_ID) & (value.str.len_chars() < 32))
        .then(pl.lit(f"{col}|an id in floating-point notation (") + value + pl.lit("), which has lost its digits: export ids as text"))
        .when(value.str.starts_with("[") | value.str.starts_with("{"))
        .then(pl.lit(f"{col}|a list or object where one id is expected"))
    )


def finalise(chunk: Chunk, file: str, cfg: Config, platform: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Turn a staged chunk into canonical post rows (plus ``account_*`` columns) and rejects.

    Parameters
    ----------
    chunk
        What an adapter read.
    file
        The file's name as recorded in ``source_file``.
    cfg
        Effective configuration (time zone, reject text length).
    platform
        Platform to record where the rows do not name one.

    Returns
    -------
    posts, rejects
        Posts in canonical column order followed by the ``account_*`` columns,
        and every rejected row (the chunk's own rejects first).
    """
    tz = cfg["ingest.default_timezone"]
    limit = cfg["ingest.raw_chars"]
    rows = chunk.rows
    rejects = [chunk.rejects]
    if rows.height == 0:
        return _empty_staged(), pl.concat(rejects)
    have = set(rows.columns)
    exprs: list[pl.Expr] = []
    for col in STAGING:
        if col == "source_row":
            exprs.append(pl.col(col).cast(pl.Int64))
        elif col not in have:
            dtype = pl.List(pl.String) if col in LIST_COLUMNS else pl.String
            exprs.append(pl.lit(None, dtype=dtype).alias(col))
        elif col in ("created_at", "account_created_at"):
            timed = isinstance(rows.schema[col], pl.Datetime)
            exprs.append(pl.lit(None, pl.String).alias(f"{col}__raw") if timed else as_text(pl.col(col), rows.schema[col]).alias(f"{col}__raw"))
            exprs.append(_as_time(rows, col, tz).alias(col))
        elif col in LIST_COLUMNS:
            dtype = rows.schema[col]
            exprs.append((as_text_list(pl.col(col), dtype) if isinstance(dtype, pl.List | pl.Array) else parse_list(as_text(pl.col(col), dtype))).alias(col))
        elif col in ("account_followers", "account_following", "account_post_count"):
            exprs.append(count_of(pl.col(col), rows.schema[col]).alias(col))
        else:
            value = as_text(pl.col(col), rows.schema[col])
            if col == "text":
                # text stays as written; a blank one is no text (found without a stripped copy of every text)
                exprs.append(pl.when(value.str.contains(r"\S")).then(value).alias(col))
            else:
                # ids are compared, so stray spaces must go
                exprs.append(value.str.strip_chars().replace("", None).alias(col))
    staged = rows.select(exprs)
    if "hashtags" in have:
        staged = staged.with_columns(pl.col("hashtags").list.eval(pl.element().str.strip_prefix("#")))
    if "mentions" in have:
        staged = staged.with_columns(pl.col("mentions").list.eval(pl.element().str.strip_prefix("@")))
    staged = staged.with_columns(
        [pl.col(c).fill_null(pl.lit([], dtype=pl.List(pl.String))) for c in LIST_COLUMNS]
        + [pl.col("platform").fill_null(platform)]
    )
    raw_created = pl.col("created_at__raw")
    reason = pl.coalesce(
        pl.when(pl.col("post_id").is_null()).then(pl.lit("post_id|missing post id")),
        _bad_id("post_id"),
        pl.when(pl.col("account_id").is_null()).then(pl.lit("account_id|missing account id")),
        _bad_id("account_id"),
        pl.when(pl.col("created_at").is_null() & (raw_created.is_null() | (raw_created.str.strip_chars() == "")))
        .then(pl.lit("created_at|missing time"))
        .when(pl.col("created_at").is_null())
        .then(pl.lit("created_at|unparseable time: ") + raw_created.str.slice(0, 60)),
        *(_bad_id(c) for c in IDS[2:]),
    )
    staged = staged.with_columns(reason.alias("__reason"))
    bad = staged.filter(pl.col("__reason").is_not_null())
    if bad.height:
        parts = bad["__reason"].str.split_exact("|", 1)
        raw = bad.select(
            pl.concat_str(
                [pl.col(c).cast(pl.String).fill_null("") for c in ("post_id", "account_id", "created_at__raw", "text")],
                separator=",",
            )
        ).to_series()
        rejects.append(
            pl.DataFrame(
                {
                    "source_file": [file] * bad.height,
                    "source_row": bad["source_row"],
                    "column": parts.struct.field("field_0"),
                    "reason": parts.struct.field("field_1"),
                    "raw": raw.str.slice(0, limit),
                },
                schema=REJECTS,
            )
        )
    good = staged.filter(pl.col("__reason").is_null()).drop(["__reason", "created_at__raw", "account_created_at__raw"], strict=False)
    good = good.with_columns(pl.lit(file).alias("source_file"))
    return _order(good), pl.concat(rejects)


def _staged_schema() -> dict[str, pl.DataType]:
    schema = dict(POSTS)
    for col in PROFILE_COLUMNS:
        schema[col] = pl.Int64() if col.endswith(("followers", "following", "post_count")) else pl.String()
    schema["account_created_at"] = TIME
    return schema


def _order(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select([pl.col(c).cast(t) for c, t in _staged_schema().items()])


def _empty_staged() -> pl.DataFrame:
    return pl.DataFrame(schema=_staged_schema())
