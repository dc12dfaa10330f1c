"""The input formats cib knows, in the order they are sniffed.

Platform formats come first because their required columns are specific;
the generic table and account files come last.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cib.errors import InputError
from cib.ingest.base import Format, Head
from cib.ingest.generic import ACCOUNTS_FILE, GENERIC

if TYPE_CHECKING:
    from cib.config import Config

__all__ = ["FORMATS", "by_name", "sniff", "accepted"]


def _platform_formats() -> list[Format]:
    from cib.ingest import cnt, coortweet, crowdtangle, io_archive, telegram, twarc

    return [
        io_archive.IO_ARCHIVE,
        twarc.TWARC2_JSONL,
        twarc.TWARC_CSV,
        telegram.TELEGRAM,
        crowdtangle.CROWDTANGLE,
        coortweet.COORTWEET,
        coortweet.COORTWEET_LONG,
        cnt.CNT_CSV,
    ]


FORMATS: list[Format] = [*_platform_formats(), GENERIC, ACCOUNTS_FILE]


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
    from cib.ingest.generic import POST_ALIASES, resolve_columns

    found = resolve_columns(head.columns, POST_ALIASES, cfg["ingest.columns"])
    missing = [c for c in ("post_id", "account_id", "created_at") if c not in found]
    if head.columns and len(missing) < 3:
        raise InputError(
            head.path,
            f"required column(s) missing: {', '.join(missing)}",
            hint="rename them or map them with [ingest.columns] in cib.toml, "
            f"or name the format with --format (accepted: {accepted()})",
        )
    seen = ", ".join(head.columns[:12]) or "no recognisable columns"
    raise InputError(
        head.path,
        f"not a format cib knows ({head.kind}; columns: {seen})",
        hint=f"accepted formats: {accepted()}; map other headers with [ingest.columns] in cib.toml "
        "or name the format with --format (see `cib formats`)",
    )
