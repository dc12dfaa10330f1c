"""Placeholder: the crowdtangle adapter is being written."""

from cib.ingest.base import Format

__all__ = ["CROWDTANGLE"]

CROWDTANGLE = Format(name="crowdtangle", needs="(not yet)", sniff=lambda head, cfg: False, read=lambda path, cfg: iter(()))
