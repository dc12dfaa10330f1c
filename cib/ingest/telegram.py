"""Placeholder: the telegram adapter is being written."""

from cib.ingest.base import Format

__all__ = ["TELEGRAM"]

TELEGRAM = Format(name="telegram", needs="(not yet)", sniff=lambda head, cfg: False, read=lambda path, cfg: iter(()))
