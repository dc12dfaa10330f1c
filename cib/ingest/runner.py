"""The ingest runner: every input file of a collection becomes canonical posts, accounts and rejects.

Each file's format is sniffed (or named with ``--format``); every row is
either a post, a reject with a reason, or a documented de-duplication, and
:class:`FileReport` reconciles the counts per file.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.errors import InputError
from cib.ingest.base import Chunk, Format, as_text, count_of, finalise, parse_time
from cib.ingest.count import count_records
from cib.ingest.head import read_head
from cib.ingest.registry import by_name, forced_format, sniff
from cib.ingest.textio import release_arrow_memory
from cib.progress import Progress, Teller
from cib.schema import ACCOUNTS, POSTS, PROFILE_COLUMNS, REJECTS, TIME, empty

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["FileReport", "IngestResult", "Inputs", "ingest", "find_inputs", "list_inputs", "IGNORED_NAMES"]

#: files in a collection folder that are never data (documentation, synth truth)
IGNORED_NAMES = ("readme*", "*.md", "*.txt", "truth.*", "cib.toml", ".*")


@dataclass
class FileReport:
    """What happened to one input file.

    ``rows_in`` is counted apart from the readers, by the format's own record
    rule (:mod:`cib.ingest.count`), plus ``expanded``: the tweets beyond the
    first on a twarc2 page line, each a row of its own. ``reconciled`` says
    that ``rows_in == posts + rejects + duplicates`` (plus ``accounts`` for an
    account file), which holds unless a reader lost a row. ``duplicates``
    counts repeated post ids and, of those, ``merged`` the rows of a long
    table folded into their post.
    """

    path: str
    size: int
    sha256: str
    format: str
    rows_in: int = 0
    posts: int = 0
    accounts: int = 0
    rejects: int = 0
    duplicates: int = 0
    merged: int = 0
    expanded: int = 0
    reconciled: bool = True
    time_resolution_s: float | None = None

    def accounted(self) -> int:
        """The rows the readers gave: posts, rejects, duplicates and account rows."""
        return self.posts + self.rejects + self.duplicates + self.accounts

    def as_dict(self) -> dict:
        """The report as a JSON-ready dict."""
        return asdict(self)


@dataclass
class IngestResult:
    """Canonical tables of a collection and how each file contributed."""

    posts: pl.DataFrame
    accounts: pl.DataFrame
    rejects: pl.DataFrame
    files: list[FileReport] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def time_resolution_s(self) -> float:
        """The coarsest time resolution among the files that gave posts."""
        values = [f.time_resolution_s for f in self.files if f.posts and f.time_resolution_s]
        return max(values) if values else 1.0


def _ignored(path: Path) -> bool:
    return any(path.match(p) for p in IGNORED_NAMES) or any(part.startswith(".") for part in path.parts[-1:])


@dataclass
class Inputs:
    """The files of a collection: data, files skipped as not data, and what could not be read as a file."""

    data: list[Path]
    ignored: list[Path]
    warnings: list[str]


def find_inputs(source: str | Path) -> Inputs:
    """The files under ``source``, links to files and folders followed (each folder once).

    A link that leads nowhere, or to something that is not a file (a pipe, a
    device), is named in ``warnings`` and skipped.

    Raises
    ------
    InputError
        When ``source`` does not exist or holds no data file.
    """
    source = Path(source)
    if not source.exists():
        raise InputError(source, "no such file or folder")
    if not source.is_dir():
        if not source.is_file():
            raise InputError(source, "not a regular file", hint="give a file or a folder of exports")
        return Inputs([source], [], [])
    files: list[Path] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for root, dirs, names in os.walk(source, followlinks=True):
        real = os.path.realpath(root)
        if real in seen:
            # a link back to a folder already read: its files are counted once
            dirs[:] = []
            continue
        seen.add(real)
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in names:
            path = Path(root) / name
            if name.startswith("."):
                continue
            if path.is_file():
                files.append(path)
            elif path.is_symlink() and not path.exists():
                warnings.append(f"{path}: a link to {os.readlink(path)}, which does not exist; skipped")
            else:
                warnings.append(f"{path}: not a regular file (a pipe, socket or device); skipped")
    files.sort()
    data = [p for p in files if not _ignored(p)]
    if not data:
        raise InputError(source, "the folder holds no data file", hint="put exports in it (see `cib formats`)")
    return Inputs(data, [p for p in files if _ignored(p)], warnings)


def list_inputs(source: str | Path) -> tuple[list[Path], list[Path]]:
    """Data files under ``source`` (sorted) and the files skipped as not data (:func:`find_inputs`)."""
    found = find_inputs(source)
    return found.data, found.ignored


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _resolution(times: pl.Series, declared: float) -> float:
    """The time step the data really has: 60 s when every time falls on a minute."""
    times = times.drop_nulls()
    if times.len() >= 2 and (times.dt.second() == 0).all() and (times.dt.microsecond() == 0).all():
        return max(declared, 60.0)
    return declared


def _finalise_accounts(chunk: Chunk, file: str, cfg: Config) -> tuple[pl.DataFrame, pl.DataFrame]:
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
    return _cast_profiles(rows.select(exprs)), pl.concat(rejects)


def _profile_schema() -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {"account_id": pl.String(), "platform": pl.String()}
    for col in PROFILE_COLUMNS:
        schema[col] = ACCOUNTS[col.removeprefix("account_")]
    return schema


def _empty_profiles() -> pl.DataFrame:
    return pl.DataFrame(schema=_profile_schema())


def _cast_profiles(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select([pl.col(c).cast(t) for c, t in _profile_schema().items()])


def _in_order(fn: Callable[[Any], Any], items: Iterable[Any], workers: int = 2) -> Iterator[Any]:
    """``map(fn, items)`` on ``workers`` threads, in order, with at most ``workers`` items in flight.

    Reading the next chunk (Python) overlaps finalising the last (Polars, which
    lets go of the GIL), and memory stays bounded by a few chunks.
    """
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque = deque()
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@dataclass
class _Read:
    """What the reader of one file gave: posts, profile rows, rejects, and the rows merged and expanded."""

    posts: list[pl.DataFrame] = field(default_factory=list)
    profiles: list[pl.DataFrame] = field(default_factory=list)
    rejects: list[pl.DataFrame] = field(default_factory=list)
    merged: int = 0
    expanded: int = 0


def _read_file(path: Path, fmt: Format, cfg: Config, rows_read: Callable[[int], None] | None) -> _Read:
    """Read one file: posts, profile rows and rejects, and how many rows were merged into others.

    ``rows_read`` is told the rows of the file read so far, chunk by chunk.
    """
    label = str(path)
    platform = fmt.platform
    out = _Read()
    done = 0

    def finish(chunk: Chunk) -> tuple[Chunk, pl.DataFrame | None, pl.DataFrame, pl.DataFrame]:
        if fmt.kind == "accounts":
            good, bad = _finalise_accounts(chunk, label, cfg)
            return chunk, None, good, bad
        good, bad = finalise(chunk, label, cfg, platform)
        # Only rows that say something about the account: the posts count every account anyway.
        said = good.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in PROFILE_COLUMNS))
        return chunk, good, _cast_profiles(said.select(["account_id", "platform", *PROFILE_COLUMNS])), bad

    for chunk, good, said, bad in _in_order(finish, fmt.read(path, cfg)):
        out.merged += chunk.merged
        out.expanded += chunk.expanded
        if good is not None:
            out.posts.append(good)
        out.profiles.append(said)
        out.rejects.append(bad)
        done += (good.height if good is not None else said.height) + bad.height + chunk.merged
        if rows_read:
            rows_read(done)
    return out


def _rows_read(stage: Teller, name: str, before: int) -> Callable[[int], None]:
    """What a file's reader tells: its rows as the file's task, and the rows of every file so far as the stage's."""
    task = stage.of(name)

    def read(done: int) -> None:
        task("reading", done, None, "rows")
        stage("", before + done, None, "rows")

    return read


def ingest(
    source: str | Path | Iterable[str | Path],
    cfg: Config,
    *,
    fmt: str | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Read a file, a folder or several of them into canonical tables.

    Parameters
    ----------
    source
        A file, a folder (every data file in it, recursively), or a list of them.
    cfg
        Effective configuration.
    fmt
        Format name for every file, instead of sniffing.
    progress
        Told each file as a task of stage ``ingest``, with its rows read so
        far, and the rows read in all (:mod:`cib.progress`).

    Returns
    -------
    IngestResult

    Raises
    ------
    InputError
        When a file cannot be read at all.
    """
    sources = [source] if isinstance(source, str | Path) else list(source)
    found = Inputs([], [], [])
    for src in sources:
        more = find_inputs(src)
        found = Inputs(found.data + more.data, found.ignored + more.ignored, found.warnings + more.warnings)
    forced = by_name(fmt) if fmt else None
    reports: list[FileReport] = []
    read = _Read()
    stage = Teller(progress, "ingest")
    stage("reading", 0, None, "rows")
    rows_before = 0
    # The checksums and the counts are taken beside the reading: hashlib and numpy let go of the GIL.
    hashing = ThreadPoolExecutor(max_workers=1)
    counting = ThreadPoolExecutor(max_workers=1)
    try:
        digests = [hashing.submit(_sha256, path) for path in found.data]
        for path, digest in zip(found.data, digests, strict=True):
            head = read_head(path)
            chosen = forced_format(head, forced, cfg) if forced else sniff(head, cfg)
            counted = counting.submit(count_records, path, head.kind, chosen.name)
            if chosen.name == "telegram" or head.kind == "json":
                counted.result()  # a JSON document is parsed whole: never twice at once
            told = _rows_read(stage, path.name, rows_before) if progress else None
            one = _read_file(path, chosen, cfg, told)
            stage.of(path.name).finished()
            release_arrow_memory()  # the file's raw columns, replaced by the canonical ones
            report = _report(path, digest.result(), chosen, one, counted.result())
            reports.append(report)
            rows_before += report.rows_in
            read.posts += one.posts
            read.profiles += one.profiles
            read.rejects += one.rejects
    finally:
        hashing.shutdown(wait=False, cancel_futures=True)
        counting.shutdown(wait=False, cancel_futures=True)
    staged = pl.concat(read.posts) if read.posts else pl.DataFrame(schema={**POSTS})
    posts = _dedupe(staged.select(list(POSTS)).cast(POSTS), reports, cfg)
    kept = dict(posts.group_by("source_file").len().iter_rows()) if posts.height else {}
    warnings = list(found.warnings)
    for report in reports:
        if report.format != "accounts":
            report.posts = kept.get(report.path, 0)
        report.reconciled = report.accounted() == report.rows_in
        if not report.reconciled:
            warnings.append(
                f"{report.path}: {report.rows_in:,} rows counted but {report.accounted():,} read "
                "(posts, rejects, duplicates): rows were lost, a bug in cib"
            )
    rejects = pl.concat(read.rejects).cast(REJECTS) if read.rejects else empty("rejects")
    accounts = _accounts(posts, read.profiles)
    return IngestResult(posts, accounts, rejects, reports, [str(p) for p in found.ignored], warnings)


def _report(path: Path, digest: str, fmt: Format, read: _Read, counted: int) -> FileReport:
    """The report of one file read: its counts (posts are set after de-duplication)."""
    report = FileReport(str(path), path.stat().st_size, digest, fmt.name)
    report.rejects = sum(r.height for r in read.rejects)
    report.merged = report.duplicates = read.merged
    report.expanded = read.expanded
    report.rows_in = counted + read.expanded
    if fmt.kind == "accounts":
        report.accounts = sum(p.height for p in read.profiles)
    if read.posts:
        times = pl.concat([p.select("created_at") for p in read.posts]).to_series()
        report.time_resolution_s = _resolution(times, fmt.time_resolution_s)
    return report


def _dedupe(posts: pl.DataFrame, reports: list[FileReport], cfg: Config) -> pl.DataFrame:
    """Drop repeated ``(platform, post_id)`` (the first in file order is kept), counted per file."""
    if not (cfg["ingest.dedupe"] and posts.height and _may_repeat(posts)):
        return posts
    first = posts.select(pl.struct("platform", "post_id").is_first_distinct()).to_series()
    if first.all():
        return posts  # no duplicates, the usual case: no filtered copy of every post
    per_file = dict(posts.filter(~first).group_by("source_file").len().iter_rows())
    for report in reports:
        report.duplicates += per_file.get(report.path, 0)
    return posts.filter(first)


def _may_repeat(posts: pl.DataFrame) -> bool:
    """Whether two posts may share ``(platform, post_id)``: false when their 64-bit hashes all differ.

    Marking first occurrences of a struct column encodes every row (170 MB and
    0.1 s for a million posts); distinct hashes prove there is nothing to mark.
    """
    hashed = posts.select(pl.struct("platform", "post_id").hash(0x5EED)).to_series()
    return hashed.n_unique() != hashed.len()


def _accounts(posts: pl.DataFrame, profiles: list[pl.DataFrame]) -> pl.DataFrame:
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
