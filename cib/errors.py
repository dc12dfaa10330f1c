"""Errors a user can act on.

Library code raises these; the CLI turns each into one line on stderr and exit
code 2. Anything else is a bug and exits 1.
"""

from __future__ import annotations

__all__ = ["CibError", "InputError", "ConfigError", "SchemaError"]


class CibError(Exception):
    """A failure caused by what the user gave cib, not by cib itself.

    Parameters
    ----------
    message
        What is wrong, in plain words.
    hint
        What to do about it.
    """

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def one_line(self) -> str:
        """Return the error as the single line the CLI prints."""
        line = self.message
        if self.hint:
            line = f"{line} — {self.hint}"
        return " ".join(line.split())


class InputError(CibError):
    """An input file that cannot be read at all.

    Parameters
    ----------
    file
        The offending file.
    message
        What is wrong with it.
    row, column
        Where, when that applies (1-based data row, column name).
    hint
        What to do about it.
    """

    def __init__(
        self,
        file: object,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = str(file)
        if row is not None:
            where += f": row {row}"
        if column is not None:
            where += f", column {column}" if row is not None else f": column {column}"
        super().__init__(f"{where}: {message}", hint=hint)
        self.file = str(file)
        self.row = row
        self.column = column


class ConfigError(CibError):
    """A configuration file or flag with a bad name or value."""


class SchemaError(CibError):
    """A table written by another schema version, or not by cib at all."""
