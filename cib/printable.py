"""Text shown as it is: characters that show nothing, or change what is shown around them, written as escapes.

Handles, file names and post texts come from the accounts under investigation.
A terminal obeys the escape sequences in them (colours, a new window title, a
cleared screen), bidirectional controls reorder what follows, and zero-width
characters make two different handles look the same. :func:`printable` writes
each such character as its Python escape (``\\x1b``, ``\\u202e``,
``\\u200b``), so a line shows exactly what the data holds and nothing else.
:data:`INVISIBLE_REGEX` finds the same characters in a Polars column.
"""

from __future__ import annotations

import unicodedata

__all__ = ["INVISIBLE_CATEGORIES", "INVISIBLE_REGEX", "is_invisible", "printable"]

#: Unicode categories of the characters escaped: controls (C0, DEL, C1), format characters
#: (zero-width spaces and joiners, bidirectional controls, the byte-order mark, tags),
#: surrogates, and the line and paragraph separators
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
#: the same characters for Polars' regular expressions (Rust strings hold no surrogates)
INVISIBLE_REGEX = r"[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]"


def is_invisible(ch: str) -> bool:
    """Whether the character ``ch`` is one :func:`printable` escapes."""
    return unicodedata.category(ch) in INVISIBLE_CATEGORIES


def printable(text: str) -> str:
    """``text`` with every control, format, surrogate and separator character written as its escape.

    Parameters
    ----------
    text
        Any text (a line to print, a handle to show).

    Returns
    -------
    str
        The same text when it holds none; ``"a\\x1b[31mb"`` for ``"a<ESC>[31mb"``,
        ``"name\\u200b"`` for a handle ending in a zero-width space.
    """
    if text.isprintable():
        return text
    return "".join(ch.encode("unicode_escape", "backslashreplace").decode("ascii") if is_invisible(ch) else ch for ch in text)
