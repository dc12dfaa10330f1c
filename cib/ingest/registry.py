"""The input formats cib knows, in the order they are sniffed.

Platform formats come first because their required columns are specific;
the generic table and account files come last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cib.errors import InputError
from cib.ingest.base import Format, Head
from cib.ingest.bluesky import BLUESKY
from cib.ingest.cnt import CNT_CSV
from cib.ingest.coortweet import COORTWEET, COORTWEET_LONG
from cib.ingest.crowdtangle import CROWDTANGLE
from cib.ingest.fourcat import FOURCAT_CSV
from cib.ingest.generic import ACCOUNTS_FILE, GENERIC, POST_ALIASES, resolve_columns
from cib.ingest.io_archive import IO_ARCHIVE
from cib.ingest.jetstream import JETSTREAM
from cib.ingest.mastodon import MASTODON
from cib.ingest.meta_content_library import META_CONTENT_LIBRARY
from cib.ingest.telegram import TELEGRAM
from cib.ingest.twarc import TWARC2_JSONL, TWARC_CSV
from cib.ingest.vk import VK
from cib.ingest.zeeschuimer import ZEESCHUIMER
from cib.schema import REQUIRED

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["FORMATS", "by_name", "sniff", "forced_format", "accepted"]


FORMATS: list[Format] = [
    IO_ARCHIVE,
    TWARC2_JSONL,
    TWARC_CSV,
    TELEGRAM,
    MASTODON,
    BLUESKY,
    JETSTREAM,
    VK,
    ZEESCHUIMER,
    CROWDTANGLE,
    META_CONTENT_LIBRARY,
    COORTWEET,
    COORTWEET_LONG,
    CNT_CSV,
    FOURCAT_CSV,
    GENERIC,
    ACCOUNTS_FILE,
]


def accepted() -> str:
    """The format names, for error messages."""
    return ", ".join(f.name for f in FORMATS)


def by_name(name: str) -> Format:
    """The format called ``name``.

    Raises
    ------
    InputError
        For an unknown name.
    """
    for fmt in FORMATS:
        if fmt.name == name:
            return fmt
    raise InputError("--format", f"unknown format '{name}'", hint=f"use one of: {accepted()}")


def _seen(head: Head) -> str:
    return f"{head.kind}; columns: {', '.join(head.columns[:12]) or 'no recognisable columns'}"


def forced_format(head: Head, fmt: Format, cfg: Config) -> Format:
    """``fmt``, named with ``--format``, when ``head`` has what it needs: a file of another format is refused.

    Raises
    ------
    InputError
        Naming the file, what was seen and what the format needs.
    """
    if fmt.sniff(head, cfg):
        return fmt
    raise InputError(
        head.path,
        f"not a {fmt.name} file ({_seen(head)})",
        hint=f"--format {fmt.name} needs {fmt.needs}; leave --format out to let cib recognise the file (see `cib formats`)",
    )


def sniff(head: Head, cfg: Config) -> Format:
    """The first format whose sniffer accepts ``head``.

    Raises
    ------
    InputError
        When no format fits, naming what was seen and what is accepted.
    """
    for fmt in FORMATS:
        if fmt.sniff(head, cfg):
            return fmt
    found = resolve_columns(head.columns, POST_ALIASES, cfg["ingest.columns"])
    missing = [c for c in REQUIRED if c not in found]
    if head.columns and head.kind != "json" and len(missing) < 3:  # the generic table reads no JSON document
        raise InputError(
            head.path,
            f"required column(s) missing: {', '.join(missing)}",
            hint="rename them or map them with [ingest.columns] in cib.toml, "
            f"or name the format with --format (accepted: {accepted()})",
        )
    raise InputError(
        head.path,
        f"not a format cib knows ({_seen(head)})",
        hint=f"accepted formats: {accepted()}; map other headers with [ingest.columns] in cib.toml "
        "or name the format with --format (see `cib formats`)",
    )
