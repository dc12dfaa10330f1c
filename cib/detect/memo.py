"""Work kept from one run of a collection for the next, in ``cache/`` beside its tables.

A collection followed day by day is detected again every day, on the posts of
the days before and a few more. Some of detection's work depends on one value
alone and on a few parameters — the key of a text, the canonical form of a
URL — or on the posts of one slice of time (``co_similar_text``'s verified
near-duplicate pairs, :mod:`cib.detect.similar_memo`). A run keeps that work in
``cache/``; the next run takes what it finds there instead of doing it again,
and does the rest. What it takes is what it would have computed: the tables
come out byte for byte as without the cache (``tests/test_incremental.py``).

Each entry is one Parquet file whose metadata records what its contents
depend on (:meth:`Memo.load`'s ``depends``: the entry's parameters, and the
versions of cib and of the libraries that compute it). An entry recorded
with other dependencies is not read, and ``stages.detect.cache`` in the
manifest says which and why. A value is found by two 64-bit hashes of it
(:func:`value_ids`: Polars' ``hash`` with two seeds), so two values are
taken for one only with a chance of about 2^-128.

Removing ``cache/`` loses nothing but time; ``cib analyse --full`` neither
reads it nor trusts it, and writes it afresh.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from cib._version import __version__
from cib.files import replacing
from cib.normalise import canonical_urls, in_parts, text_key

__all__ = ["FOLDER", "Memo", "value_ids", "keyed", "versions", "text_keys", "at_least", "canonical"]

#: the folder of a collection's outputs that holds the cache
FOLDER = "cache"
#: the seeds of the two hashes that find a value
_SEEDS = (0x243F6A8885A308D3, 0x452821E638D01377)


def versions(*libraries: str) -> dict[str, str]:
    """cib's version and those of the named libraries (what a cached result may depend on besides its parameters)."""
    from importlib.metadata import version

    return {"cib": __version__, **{name: version(name) for name in libraries}}


def value_ids(values: pl.Series | pl.Expr) -> list[pl.Expr]:
    """The two 64-bit hashes that find a value (``h1``, ``h2``), as expressions on ``values``."""
    expr = values if isinstance(values, pl.Expr) else pl.lit(values)
    return [expr.hash(_SEEDS[0]).alias("h1"), expr.hash(_SEEDS[1]).alias("h2")]


@dataclass
class Memo:
    """The cache a run reads (the previous run's) and the one it writes.

    Parameters
    ----------
    read_from
        The previous run's ``cache/`` (``None``: nothing is read: a first run, ``--full``).
    write_to
        This run's ``cache/`` (``None``: nothing is kept).
    why_not
        Why nothing is read, when ``read_from`` is ``None`` (for the manifest).

    Attributes
    ----------
    notes
        Per entry, what was reused and computed, or why the entry was not read:
        ``stages.detect.cache`` in the manifest.
    values
        Per entry of :func:`keyed`: what it depends on, the previous run's
        results, those computed in this run (two detectors keying the same texts
        share them) and the values this run looked up — what :meth:`keep_used`
        writes.
    """

    read_from: Path | None = None
    write_to: Path | None = None
    why_not: str = "no previous run"
    notes: dict[str, dict[str, Any]] = field(default_factory=dict)
    values: dict[str, _Values] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    @classmethod
    def between(cls, previous: str | Path | None, folder: str | Path | None, *, why_not: str = "no previous run") -> Memo:
        """The memo of a run whose previous outputs are ``previous`` (or none) and whose outputs go to ``folder``."""
        read = Path(previous) / FOLDER if previous is not None else None
        return cls(read, Path(folder) / FOLDER if folder is not None else None, why_not)

    def note(self, name: str, **counts: Any) -> None:
        """Add ``counts`` to what the manifest says of entry ``name`` (numbers add up; others are replaced)."""
        with self._lock:
            entry = self.notes.setdefault(name, {})
            for key, value in counts.items():
                if isinstance(value, int) and not isinstance(value, bool) and isinstance(entry.get(key), int):
                    entry[key] += value
                else:
                    entry[key] = value

    def load(self, name: str, depends: Mapping[str, Any]) -> pl.DataFrame | None:
        """The previous run's entry ``name`` when it was made with ``depends``; ``None`` (and a note why) otherwise."""
        if self.read_from is None:
            self.note(name, read=False, reason=self.why_not)
            return None
        path = self.read_from / f"{name}.parquet"
        if not path.is_file():
            self.note(name, read=False, reason="not in the previous run's cache")
            return None
        try:
            recorded = json.loads(pl.read_parquet_metadata(path).get("cib.depends", "null"))
            if recorded != _plain(depends):
                changed = sorted(k for k in {*recorded, *depends} if recorded.get(k) != _plain(depends).get(k))
                self.note(name, read=False, reason=f"made with other {', '.join(changed)}")
                return None
            frame = pl.read_parquet(path)
        except Exception as exc:  # a damaged cache costs time, never a run
            self.note(name, read=False, reason=f"unreadable ({type(exc).__name__})")
            return None
        self.note(name, read=True)
        return frame

    def keep(self, name: str, frame: pl.DataFrame, depends: Mapping[str, Any]) -> None:
        """Write entry ``name`` for the next run (nothing without ``write_to``)."""
        if self.write_to is None:
            return
        self.write_to.mkdir(parents=True, exist_ok=True)
        meta = {"cib.depends": json.dumps(_plain(depends), sort_keys=True)}
        with replacing(self.write_to / f"{name}.parquet") as tmp:
            frame.write_parquet(tmp, compression="zstd", compression_level=1, statistics=False, metadata=meta)


    def keep_used(self) -> None:
        """Write every entry of :func:`keyed` with the results of this run's values (those no longer used are let go)."""
        for name, held in sorted(self.values.items()):
            seen = pl.concat(held.seen).lazy()
            kept = pl.concat([held.loaded, *held.made]).lazy().join(seen, on=["h1", "h2"], how="semi")
            self.keep(name, kept.collect(), held.depends)

    def _values(self, name: str, depends: Mapping[str, Any]) -> _Values:
        """Entry ``name`` of :func:`keyed`, the previous run's results read on first use."""
        with self._lock:
            held = self.values.get(name)
        if held is None:  # two detectors on two threads key different entries: no lock is held while reading
            old = self.load(name, depends)
            held = _Values(dict(depends), old.select("h1", "h2", "out") if old is not None else _results())
            with self._lock:
                held = self.values.setdefault(name, held)
        return held


@dataclass
class _Values:
    """One entry of :func:`keyed` in a run: what it depends on, the results known, the values looked up."""

    depends: dict[str, Any]
    loaded: pl.DataFrame
    made: list[pl.DataFrame] = field(default_factory=list)
    seen: list[pl.DataFrame] = field(default_factory=list)


def _results() -> pl.DataFrame:
    return pl.DataFrame(schema={"h1": pl.UInt64, "h2": pl.UInt64, "out": pl.String})


def _plain(depends: Mapping[str, Any]) -> dict[str, Any]:
    """``depends`` as JSON reads it back (tuples become lists)."""
    return json.loads(json.dumps(dict(depends), sort_keys=True, default=str))


def keyed(
    values: pl.Series,
    name: str,
    compute: Callable[[pl.Series], pl.Series],
    depends: Mapping[str, Any],
    memo: Memo | None,
) -> pl.Series:
    """``compute`` of each of ``values`` (nulls stay null), each distinct value computed once, across runs too.

    ``compute`` maps a column of distinct values to their results, in order; it
    must depend on nothing but each value and ``depends``. The results are found
    first among the previous run's (its cache), then among those computed
    earlier in this run, and the rest are computed; this run's values are kept
    for the next run when the detection ends (:meth:`Memo.keep_used`).

    Parameters
    ----------
    values
        Strings, in any order, with repeats and nulls.
    name
        The cache entry (one per function).
    compute
        The function, on a column of distinct non-null values.
    depends
        What ``compute`` depends on besides the value (parameters, versions).
    memo
        The run's cache; ``None``: ``compute`` over the distinct values, nothing kept.
    """
    rows = pl.DataFrame({"v": values.cast(pl.String)}).with_columns(*value_ids(pl.col("v")))
    out = pl.Series("out", [None] * rows.height, dtype=pl.String)
    held = memo._values(name, depends) if memo is not None else None
    told: dict[str, int] = {}
    if held is not None:
        with memo._lock:
            known = [("rows_from_cache", held.loaded), ("rows_shared", pl.concat([_results(), *held.made]))]
        for what, table in known:
            todo = (out.is_null() & rows.get_column("v").is_not_null()).arg_true()
            if todo.len() == 0 or table.height == 0:
                continue
            found = rows.select("h1", "h2").gather(todo).join(table, on=["h1", "h2"], how="left", maintain_order="left")
            out = out.scatter(todo, found.get_column("out"))
            told[what] = int(found.get_column("out").is_not_null().sum())
    todo = (out.is_null() & rows.get_column("v").is_not_null()).arg_true()
    fresh = rows.gather(todo).unique(["h1", "h2"], keep="first", maintain_order=True)
    made = fresh.select("h1", "h2", compute(fresh.get_column("v")).cast(pl.String).alias("out"))
    if todo.len():
        found = rows.select("h1", "h2").gather(todo).join(made, on=["h1", "h2"], how="left", maintain_order="left")
        out = out.scatter(todo, found.get_column("out"))
    if held is not None:
        memo.note(name, rows=rows.height, **told, computed=made.height)
        with memo._lock:
            held.made.append(made)
            held.seen.append(rows.select("h1", "h2"))
    return out.alias(values.name)


def text_keys(texts: pl.Series, memo: Memo | None) -> pl.Series:
    """:func:`cib.normalise.text_key` of each text with no minimum length (:func:`at_least` sets one), kept across runs.

    The key of a text depends on the text alone (and on the Unicode tables of
    Polars and Arrow): it is the costly part of ``co_text`` and ``co_similar_text``,
    which share it within a run.
    """

    def compute(values: pl.Series) -> pl.Series:
        return in_parts(values.to_frame("t"), text_key(pl.col("t")).alias("k")).get_column("k")

    return keyed(texts, "text_keys", compute, {"function": "text_key", **versions("polars", "pyarrow")}, memo)


def at_least(keys: pl.Expr, min_chars: int) -> pl.Expr:
    """Keys of at least ``min_chars`` characters, null otherwise: ``text_key(…, min_chars=min_chars)`` of :func:`text_keys`."""
    return pl.when(keys.str.len_chars() >= max(int(min_chars), 1)).then(keys)


def canonical(urls: pl.Series, memo: Memo | None) -> pl.Series:
    """:func:`cib.normalise.canonical_urls`, each distinct URL canonicalised once, across runs too (ural is pure Python)."""
    return keyed(urls, "canonical_urls", canonical_urls, {"function": "canonical_url", **versions("ural")}, memo)
