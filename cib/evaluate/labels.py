"""Read a labels file of known networks for :mod:`cib.evaluate`.

:func:`read_labels` accepts a CSV, TSV or Parquet file (or a frame) with an
``account_id`` column and a network and/or class column, under any of the
names in :data:`NETWORK_COLUMNS` and :data:`CLASS_COLUMNS`, and returns
``account_id, network, cls`` with the nulls and duplicates sorted out, or a
:class:`~cib.errors.InputError` that says what to fix. :mod:`cib.evaluate`
re-exports every public name.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl

from cib.errors import InputError

__all__ = ["NETWORK_COLUMNS", "CLASS_COLUMNS", "read_labels"]

#: accepted names of the network column, first found wins (case-insensitive)
NETWORK_COLUMNS = ("network_id", "network", "group")
#: accepted names of the class column, first found wins (case-insensitive)
CLASS_COLUMNS = ("kind", "class", "label")

_NULLISH = {"", "null", "none", "na", "n/a", "nan"}
_HINT = (
    "give a CSV or Parquet file with an account_id column and a network_id column "
    "(empty for accounts not in a coordinated network), optionally kind — "
    "the truth.parquet written by `cib synth` works as is"
)


def _norm_name(name: str) -> str:
    return name.replace("\ufeff", "").strip().lower()


def _read_labels_file(path: Path) -> pl.DataFrame:
    if not path.exists():
        raise InputError(path, "labels file not found", hint=_HINT)
    if path.is_dir():
        raise InputError(path, "is a folder, not a labels file", hint=_HINT)
    with path.open("rb") as fh:
        magic = fh.read(4)
    if magic == b"PAR1":
        try:
            return pl.read_parquet(path)
        except Exception as exc:  # polars raises several kinds for a broken file
            raise InputError(path, f"not a readable Parquet file ({type(exc).__name__})", hint=_HINT) from None
    if path.suffix.lower() in (".parquet", ".pq"):
        raise InputError(path, "not a Parquet file (no Parquet header)", hint=_HINT)
    sep = "\t" if path.suffix.lower() in (".tsv", ".tab") else ","
    try:
        return pl.read_csv(path, infer_schema=False, separator=sep, raise_if_empty=False)
    except Exception as exc:
        raise InputError(path, f"not a readable CSV file ({type(exc).__name__})", hint=_HINT) from None


def _pick(names: dict[str, str], candidates: Sequence[str]) -> str | None:
    return next((names[c] for c in candidates if c in names), None)


def _clean_str(col: str) -> pl.Expr:
    s = pl.col(col).cast(pl.String).str.strip_chars()
    return pl.when(s.str.to_lowercase().is_in(list(_NULLISH))).then(None).otherwise(s)


def read_labels(labels: str | Path | pl.DataFrame) -> tuple[pl.DataFrame, str | None, str | None]:
    """Read a labels file into ``account_id, network, cls`` (strings, null where absent).

    Returns the frame and the names of the network and class columns used
    (``None`` when the file has none). Empty strings and ``null``/``none``/
    ``NA``/``nan`` count as null; classes are lower-cased. Raises
    :class:`~cib.errors.InputError` for a missing or unreadable file, no
    ``account_id`` column, no usable label column, an empty account id, or an
    account listed twice with different labels.
    """
    if isinstance(labels, pl.DataFrame):
        source: str | Path = "labels (DataFrame)"
        raw = labels
    else:
        source = Path(labels)
        raw = _read_labels_file(source)
    names: dict[str, str] = {}
    for col in raw.columns:
        names.setdefault(_norm_name(col), col)
    id_col = names.get("account_id")
    if id_col is None:
        raise InputError(source, f"no account_id column (columns: {', '.join(raw.columns) or 'none'})", hint=_HINT)
    net_col = _pick(names, NETWORK_COLUMNS)
    cls_col = _pick(names, CLASS_COLUMNS)
    if net_col is None and cls_col is None:
        raise InputError(
            source,
            f"no label column: looked for {', '.join(NETWORK_COLUMNS + CLASS_COLUMNS)}",
            hint=_HINT,
        )
    frame = raw.select(
        _clean_str(id_col).alias("account_id"),
        (_clean_str(net_col) if net_col else pl.lit(None, dtype=pl.String)).alias("network"),
        (_clean_str(cls_col).str.to_lowercase() if cls_col else pl.lit(None, dtype=pl.String)).alias("cls"),
    ).with_row_index("_row", offset=1)
    blank = frame.filter(pl.col("account_id").is_null())
    if blank.height:
        raise InputError(source, "empty account id", row=int(blank["_row"][0]), column=id_col,
                         hint="fill it in or delete the row")
    frame = frame.unique(subset=["account_id", "network", "cls"], keep="first", maintain_order=True)
    dup = frame.filter(pl.col("account_id").is_duplicated())
    if dup.height:
        first = dup["account_id"][0]
        rows = dup.filter(pl.col("account_id") == first)["_row"].to_list()
        raise InputError(
            source,
            f"account {first!r} is listed {len(rows)} times with different labels (rows {', '.join(map(str, rows))})",
            hint="keep one row per account",
        )
    return frame.drop("_row"), net_col, cls_col
