"""The ingest runner: every input file of a collection becomes canonical posts, accounts and rejects.

Each file's format is sniffed (or named with ``--format``); every row is
either a post, a reject with a reason, or a documented de-duplication, and
:class:`FileReport` reconciles the counts per file.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from cib.errors import InputError
from cib.ingest.base import Chunk, Format, finalise
from cib.ingest.count import count_records
from cib.ingest.head import read_head
from cib.ingest.parts import PostParts
from cib.ingest.profiles import accounts_table, cast_profiles, finalise_accounts, last_per_account
from cib.ingest.registry import by_name, forced_format, sniff
from cib.ingest.textio import release_arrow_memory
from cib.progress import Progress, Teller
from cib.schema import PROFILE_COLUMNS, PROFILES, REJECTS, empty

if TYPE_CHECKING:
    from cib.config import Config
    from cib.ingest.reuse import Reused

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


class IngestResult:
    """Canonical tables of a collection and how each file contributed.

    The posts are held by :class:`~cib.ingest.parts.PostParts`: in memory, or
    staged on disk beyond ``run.max_posts_in_memory`` and read back from
    ``posts.parquet`` once :meth:`write_posts` has written it.
    """

    def __init__(
        self,
        parts: PostParts,
        accounts: pl.DataFrame,
        rejects: pl.DataFrame,
        files: list[FileReport] | None = None,
        ignored: list[str] | None = None,
        warnings: list[str] | None = None,
        profiles: pl.DataFrame | None = None,
        reused: list[str] | None = None,
    ) -> None:
        self.parts = parts
        self.accounts = accounts
        self.rejects = rejects
        self.files = files or []
        self.ignored = ignored or []
        self.warnings = warnings or []
        self.profiles = profiles
        self.reused = reused or []

    @property
    def posts(self) -> pl.DataFrame:
        """Every post, in file order (read from ``posts.parquet`` when the posts were staged on disk)."""
        return self.parts.frame()

    @property
    def n_posts(self) -> int:
        """How many posts, without reading them."""
        return self.parts.rows

    def post_columns(self, names: list[str]) -> pl.DataFrame:
        """The posts in these columns only."""
        return self.parts.columns(names)

    def write_posts(self, path: str | Path, *, params: dict[str, Any], run_id: str | None) -> None:
        """Write ``posts.parquet`` (streamed from the staged parts, which are then removed)."""
        self.parts.write(path, params=params, run_id=run_id)

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


def _on_minute(times: pl.Series) -> tuple[int, bool]:
    """How many times a chunk has, and whether every one falls on a minute."""
    times = times.drop_nulls()
    return times.len(), bool(((times.dt.second() == 0) & (times.dt.microsecond() == 0)).all())


def _resolution(n_times: int, on_minute: bool, declared: float) -> float:
    """The time step the data really has: 60 s when every time (two or more) falls on a minute."""
    return max(declared, 60.0) if n_times >= 2 and on_minute else declared


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
    """What the reader of one file gave besides its posts (which go to the parts as they come).

    Profile rows are folded to one row per account as each chunk comes
    (:func:`_last_per_account`); ``account_rows`` counts them before.
    """

    posts: int = 0
    n_times: int = 0
    on_minute: bool = True
    profiles: list[pl.DataFrame] = field(default_factory=list)
    account_rows: int = 0
    rejects: list[pl.DataFrame] = field(default_factory=list)
    merged: int = 0
    expanded: int = 0


@dataclass
class _Collected:
    """The rows of every file so far, in file order: posts in parts, rejects canonical, profiles one row per account and file."""

    parts: PostParts
    profiles: list[pl.DataFrame] = field(default_factory=list)
    rejects: list[pl.DataFrame] = field(default_factory=list)

    def add(self, profiles: list[pl.DataFrame], rejects: list[pl.DataFrame], file: str) -> None:
        """Add one file's profile rows (as the last value of each field per account) and rejects."""
        self.rejects += [r.cast(REJECTS) for r in rejects]
        if not profiles:
            return
        # the accounts table takes each field's last value in file order: one row per account and file says as much
        last = last_per_account(pl.concat([p.select(list(PROFILES)[:-1]) for p in profiles]))
        self.profiles.append(last.with_columns(pl.lit(file, pl.String).alias("source_file")).cast(PROFILES))


def _read_file(path: Path, fmt: Format, cfg: Config, rows_read: Callable[[int], None] | None, parts: PostParts) -> _Read:
    """Read one file: its posts into ``parts`` chunk by chunk; its profile rows, rejects, and rows merged.

    ``rows_read`` is told the rows of the file read so far, chunk by chunk.
    """
    label = str(path)
    platform = fmt.platform
    out = _Read()
    done = 0

    def finish(chunk: Chunk) -> tuple[Chunk, pl.DataFrame | None, pl.DataFrame, pl.DataFrame]:
        if fmt.kind == "accounts":
            good, bad = finalise_accounts(chunk, label, cfg)
            return chunk, None, good, bad
        good, bad = finalise(chunk, label, cfg, platform)
        # Only rows that say something about the account: the posts count every account anyway.
        said = good.filter(pl.any_horizontal(pl.col(c).is_not_null() for c in PROFILE_COLUMNS))
        return chunk, good, cast_profiles(said.select(["account_id", "platform", *PROFILE_COLUMNS])), bad

    for chunk, good, said, bad in _in_order(finish, fmt.read(path, cfg)):
        out.merged += chunk.merged
        out.expanded += chunk.expanded
        if good is not None:
            n, minute = _on_minute(good.get_column("created_at"))
            out.n_times += n
            out.on_minute &= minute
            out.posts += good.height
            parts.add(good, label)
        out.account_rows += said.height
        out.profiles.append(last_per_account(said) if said.height else said)
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
    reuse: Callable[[dict[str, str]], Mapping[str, Reused]] | None = None,
    parts: str | Path | None = None,
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
    reuse
        Given each file's sha256 by path, the files not to read again, with
        their rows as the previous run read them (:mod:`cib.ingest.reuse`); a
        file whose format is sniffed otherwise now is read all the same.
    parts
        A folder where the posts are staged on disk once more than
        ``run.max_posts_in_memory`` have been read (:mod:`cib.ingest.parts`);
        :meth:`IngestResult.write_posts` then streams ``posts.parquet`` from
        them. Without it every post is held in memory. The tables are the same.

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
    reused: list[str] = []
    read = _Collected(PostParts(parts, int(cfg["run.max_posts_in_memory"]), dedupe=bool(cfg["ingest.dedupe"])))
    stage = Teller(progress, "ingest")
    stage("reading", 0, None, "rows")
    rows_before = 0
    # The checksums and the counts are taken beside the reading: hashlib and numpy let go of the GIL.
    hashing = ThreadPoolExecutor(max_workers=1)
    counting = ThreadPoolExecutor(max_workers=1)
    try:
        digests = [hashing.submit(_sha256, path) for path in found.data]
        # files the previous run read, unchanged: every checksum first, reuse holds only if all old files are here
        kept_rows = reuse({str(p): d.result() for p, d in zip(found.data, digests, strict=True)}) if reuse else {}
        for path, digest in zip(found.data, digests, strict=True):
            head = read_head(path)
            chosen = forced_format(head, forced, cfg) if forced else sniff(head, cfg)
            old = kept_rows.get(str(path))
            if old is not None and old.report["format"] == chosen.name:
                reports.append(FileReport(**old.report))
                rows_before += reports[-1].rows_in
                read.parts.add(old.posts, str(path))
                read.add([old.profiles], [old.rejects], str(path))
                reused.append(str(path))
                continue
            counted = counting.submit(count_records, path, head.kind, chosen.name)
            if chosen.name == "telegram" or head.kind == "json":
                counted.result()  # a JSON document is parsed whole: never twice at once
            told = _rows_read(stage, path.name, rows_before) if progress else None
            one = _read_file(path, chosen, cfg, told, read.parts)
            stage.of(path.name).finished()
            release_arrow_memory()  # the file's raw columns, replaced by the canonical ones
            report = _report(path, digest.result(), chosen, one, counted.result())
            reports.append(report)
            rows_before += report.rows_in
            read.add(one.profiles, one.rejects, str(path))
    finally:
        hashing.shutdown(wait=False, cancel_futures=True)
        counting.shutdown(wait=False, cancel_futures=True)
    repeats = read.parts.find_repeats()
    kept = read.parts.kept_per_file()
    warnings = list(found.warnings)
    for report in reports:
        report.duplicates += repeats.get(report.path, 0)
        if report.format != "accounts":
            report.posts = kept.get(report.path, 0)
        report.reconciled = report.accounted() == report.rows_in
        if not report.reconciled:
            warnings.append(
                f"{report.path}: {report.rows_in:,} rows counted but {report.accounted():,} read "
                "(posts, rejects, duplicates): rows were lost, a bug in cib"
            )
    rejects = pl.concat(read.rejects).cast(REJECTS) if read.rejects else empty("rejects")
    accounts = accounts_table(read.parts.columns(["account_id", "platform"]), read.profiles)
    profiles = pl.concat(read.profiles) if read.profiles else empty("profiles")
    return IngestResult(read.parts, accounts, rejects, reports, [str(p) for p in found.ignored], warnings, profiles, reused)


def _report(path: Path, digest: str, fmt: Format, read: _Read, counted: int) -> FileReport:
    """The report of one file read: its counts (posts are set after de-duplication)."""
    report = FileReport(str(path), path.stat().st_size, digest, fmt.name)
    report.rejects = sum(r.height for r in read.rejects)
    report.merged = report.duplicates = read.merged
    report.expanded = read.expanded
    report.rows_in = counted + read.expanded
    if fmt.kind == "accounts":
        report.accounts = read.account_rows
    if read.posts:
        report.time_resolution_s = _resolution(read.n_times, read.on_minute, fmt.time_resolution_s)
    return report
