"""Writing files whole or not at all, and failures of the system as one line naming the path.

A file cib writes goes first to a hidden temporary name in its own folder and
is renamed over the real name only once complete (:func:`replacing`): a full
disk, a killed process or a folder that turns read-only half-way leaves the
previous file, or none, never half of a new one. A failure of the operating
system (permission denied, read-only file system, no space left, a file name
too long) becomes a :class:`~cib.errors.CibError` naming the path
(:func:`os_failure`); Polars and Arrow report such failures in their messages
(``… (os error 28)``), and those are read too.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from cib.errors import CibError

__all__ = ["os_errno", "os_failure", "replacing"]

_IN_MESSAGE = re.compile(r"os error (\d+)|\[errno (\d+)\]", re.IGNORECASE)
#: where the message ends with the path Polars could not open: "…(os error 13): /x/y"
_PATH_IN_MESSAGE = re.compile(r"\(os error \d+\): (.+)$")

_ROOM = "free some space, or choose another output folder"
_RIGHTS = "check the permissions, or choose another output folder"
_HINTS = {
    errno.ENOSPC: _ROOM,
    errno.EDQUOT: _ROOM,
    errno.EFBIG: _ROOM,
    errno.EACCES: _RIGHTS,
    errno.EPERM: _RIGHTS,
    errno.EROFS: "the file system is read-only: choose another output folder",
    errno.ENAMETOOLONG: "use a shorter --name or a shorter folder",
    errno.ENOTDIR: "a file stands where a folder is needed: choose another folder",
    errno.EEXIST: "a file stands where a folder is needed: choose another folder",
    errno.EISDIR: "a folder stands where a file is needed: remove it or choose another folder",
}


def os_errno(exc: BaseException) -> int | None:
    """The error number of a failure of the operating system, ``None`` for any other failure.

    Parameters
    ----------
    exc
        An ``OSError``, or a Polars or Arrow error whose message carries ``os error N``.

    Returns
    -------
    int or None
    """
    if isinstance(exc, OSError) and exc.errno:
        return exc.errno
    if not isinstance(exc, OSError) and type(exc).__module__.split(".")[0] not in {"polars", "pyarrow"}:
        return None
    found = _IN_MESSAGE.search(str(exc))
    return int(found.group(1) or found.group(2)) if found else None


def os_failure(exc: BaseException, path: str | Path | None = None) -> CibError | None:
    """``exc`` as one line naming the path and what to do, when the operating system failed; else ``None``.

    Parameters
    ----------
    exc
        The failure.
    path
        The file being written (default: the one the failure names, if any).

    Returns
    -------
    CibError or None
    """
    code = os_errno(exc)
    if code is None:
        return None
    if path is None:
        named = getattr(exc, "filename", None)
        found = _PATH_IN_MESSAGE.search(str(exc).strip())
        path = named if named is not None else found.group(1) if found else None
    why = os.strerror(code)
    where = f"{os.fsdecode(path)}: " if path is not None else ""
    return CibError(f"{where}{why[:1].lower()}{why[1:]}", hint=_HINTS.get(code))


@contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """Write ``path`` whole or not at all: yield a temporary name beside it, then rename it over ``path``.

    The temporary file is removed when the block fails. A failure of the
    operating system becomes a :class:`~cib.errors.CibError` naming ``path``.

    Parameters
    ----------
    path
        The file to write; its folder must exist.

    Yields
    ------
    pathlib.Path
        Where to write (hidden, in the same folder, so the rename is atomic).
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with suppress(OSError):
            tmp.unlink(missing_ok=True)
        failure = os_failure(exc, path)
        if failure is not None:
            raise failure from exc
        raise
