"""Reading text files row by row without losing any: delimited text and JSON lines.

Rows come out in chunks of Polars string frames with their ``source_row``
(the 1-based line on which the record starts, so row 2 is the first data row
under a header, as in a spreadsheet). Rows with the wrong number of fields,
undecodable bytes or broken JSON become rejects with a reason.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
from collections.abc import Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import polars as pl

from cib.errors import InputError
from cib.ingest.base import reject_frame
from cib.ingest.count import is_blank_record
from cib.ingest.head import same_columns

__all__ = [
    "iter_delimited",
    "iter_json_lines",
    "json_text",
    "may_hold_surrogates",
    "safe_json",
    "is_valid_utf8",
    "release_arrow_memory",
]

#: files up to this size are parsed by Arrow in one parallel pass; larger ones block by block
#: (the same rows either way: a memory bound, not a result-changing threshold)
WHOLE_READ_BYTES = 1 << 30
_BOM = codecs.BOM_UTF8
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def is_valid_utf8(path: Path) -> bool:
    """True when the whole file decodes as UTF-8 (checked in blocks, constant memory)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while block := fh.read(1 << 24):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def iter_delimited(
    path: Path,
    *,
    delimiter: str,
    chunk_rows: int,
    raw_chars: int,
    file_label: str,
    keep: Collection[str] | None = None,
) -> Iterator[tuple[list[str], pl.DataFrame, pl.DataFrame]]:
    """Yield ``(header, rows, rejects)`` chunks of a delimited text file.

    ``rows`` has one string column per header name (only those whose
    lower-cased name is in ``keep``, when given) plus ``source_row``. A record
    with more or fewer fields than the header, or with bytes that are not
    UTF-8, is rejected whatever ``keep`` says; an entirely blank line is
    skipped (not a row).
    """
    wanted = None if keep is None else {k.lower() for k in keep}
    fast = _whole_file(path, delimiter, wanted)
    if fast is not None:
        header, frame = fast
        empty = reject_frame(file_label, [], None, "", [], raw_chars)
        for start in range(0, max(frame.height, 1), chunk_rows):
            yield header, frame.slice(start, chunk_rows), empty
        return
    clean = is_valid_utf8(path)
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(path, "the file is empty", hint="remove it or export it again") from None
        except csv.Error as exc:
            raise InputError(path, f"not readable as delimited text ({exc})", row=1) from None
        header = [h.strip() for h in header]
        width = len(header)
        if not clean and not _utf8(header):
            raise InputError(path, "bytes that are not UTF-8 in the header", row=1, hint="save the file as UTF-8")
        same_columns(path, header, row=1)
        cols: list[list[str]] = [[] for _ in range(width)]
        rows: list[int] = []
        bad_rows: list[int] = []
        bad_reason: list[str] = []
        bad_raw: list[str] = []
        line = reader.line_num
        while True:
            start = line + 1
            try:
                rec = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                line = reader.line_num
                bad_rows.append(start)
                bad_reason.append(f"not readable as delimited text: {exc}")
                bad_raw.append("")
                continue
            line = reader.line_num
            if is_blank_record(rec):
                continue
            why = _bad_record(rec, width)
            if why:
                bad_rows.append(start)
                bad_reason.append(why)
                bad_raw.append(_safe(delimiter.join(rec)))
                continue
            if not clean and not _utf8(rec):
                bad_rows.append(start)
                bad_reason.append("bytes that are not UTF-8")
                bad_raw.append(_safe(delimiter.join(rec)))
                continue
            rows.append(start)
            for j, value in enumerate(rec):
                cols[j].append(value)
            if len(rows) >= chunk_rows:
                yield header, _frame(header, cols, rows, wanted), _rejects(file_label, bad_rows, bad_reason, bad_raw, raw_chars)
                cols = [[] for _ in range(width)]
                rows, bad_rows, bad_reason, bad_raw = [], [], [], []
        yield header, _frame(header, cols, rows, wanted), _rejects(file_label, bad_rows, bad_reason, bad_raw, raw_chars)


def _utf8(rec: list[str]) -> bool:
    """Whether every value of a record read with ``surrogateescape`` was UTF-8."""
    try:
        "\x1f".join(rec).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad_record(rec: list[str], width: int) -> str | None:
    """Why a record read by ``csv`` cannot be a row (``None`` when it can)."""
    if len(rec) != width:
        return f"{len(rec)} fields where the header has {width}"
    if any("\x00" in value for value in rec):
        return "a NUL byte in the row (binary data, not text)"
    return None


def _count_lines(path: Path) -> tuple[int, int, bytes]:
    """Line breaks (``\\n``) in the file, its carriage returns not followed by ``\\n`` (and its NUL
    bytes, which Arrow would keep), and its last byte."""
    import numpy as np

    breaks, lone, last = 0, 0, b""
    with path.open("rb") as fh:
        while block := fh.read(1 << 24):
            # numpy counts one byte value about 2.5x faster than bytes.count
            view = np.frombuffer(block, dtype=np.uint8)
            breaks += int(np.count_nonzero(view == 10))
            if returns := int(np.count_nonzero(view == 13)):
                lone += returns - block.count(b"\r\n")  # most files have none: no second count
            if block.find(b"\x00") >= 0:
                lone += 1  # the row-by-row reader rejects the row that holds it
            if last == b"\r" and block[:1] == b"\n":
                lone -= 1  # a CRLF split between two blocks
            last = block[-1:]
    return breaks, lone, last


def _whole_file(path: Path, delimiter: str, wanted: set[str] | None = None) -> tuple[list[str], pl.DataFrame] | None:
    """The file parsed at once by Arrow's CSV reader, when that loses nothing; else ``None``.

    The row-by-row reader below is exact about bad records but runs in Python.
    Most exports are clean, and for them Arrow's multi-threaded reader gives the
    same rows several times faster. Its answer is taken only when it provably
    matches: Arrow refuses bytes that are not UTF-8 and records with too many
    or too few fields; no field may hold a lone carriage return; and the file's
    line breaks must be exactly one per record, one for the header and those
    inside fields (so there are no blank lines, which the row-by-row reader
    skips and Arrow would too). ``source_row`` is then the header's line plus
    the lines of the records before. Anything else goes to the row-by-row reader.
    """
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    try:
        header = next(csv.reader(io.StringIO(_first_line(path)), delimiter=delimiter))
    except (csv.Error, StopIteration, UnicodeDecodeError):
        return None
    header = [h.strip() for h in header]
    if not header or len(set(header)) != len(header):
        return None  # the row-by-row reader names the problem
    names = [f"c{i}" for i in range(len(header))]  # Arrow's own names could clash before stripping
    # Arrow still checks every field of every record; it only skips converting the unwanted ones.
    kept = [n for n, h in zip(names, header, strict=True) if wanted is None or h.lower() in wanted]
    if not kept:
        return None  # Arrow reads an empty selection as "every column"
    read_options = pa_csv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 24)
    parse_options = pa_csv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    convert_options = pa_csv.ConvertOptions(
        column_types=dict.fromkeys(names, pa.string()),
        include_columns=kept,
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    # The line count runs beside the parse: both let go of the GIL.
    counting = ThreadPoolExecutor(max_workers=1)
    lines_counted = counting.submit(_count_lines, path)
    counting.shutdown(wait=False)
    try:
        if path.stat().st_size <= WHOLE_READ_BYTES:
            # The parallel reader parses blocks on all cores at once (measured 1.7x the streaming reader),
            # here straight from the page cache: a memory map spares it copying the file into
            # fresh memory first (7 % less CPU for the whole ingest of a 274 MB file).
            with pa.memory_map(str(path)) as source:
                table = pa_csv.read_csv(source, read_options=read_options, parse_options=parse_options, convert_options=convert_options)
            # Column by column, each Arrow column let go once converted: the file is never held twice.
            columns = []
            for name in table.column_names:
                columns.append(_from_arrow(table.column(name)).alias(name))
                table = table.drop_columns([name])
            blocks = [pl.DataFrame(columns)]
            del table, columns
            release_arrow_memory()
        else:
            # Block by block into Polars, so the Arrow copy of a big file is never whole in memory.
            reader = pa_csv.open_csv(path, read_options=read_options, parse_options=parse_options, convert_options=convert_options)
            blocks = [pl.DataFrame(_Stream(batch)) for batch in reader]
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    frame = pl.concat(blocks, rechunk=False) if blocks else pl.DataFrame(schema=dict.fromkeys(kept, pl.String))
    del blocks
    frame.columns = [header[int(n[1:])] for n in kept]
    if frame.width != len(kept) or any(frame.null_count().row(0)):
        return None
    breaks, lone, last = lines_counted.result()
    if lone:
        return None
    lines = breaks + (1 if last not in (b"\n", b"") else 0)
    if lines == frame.height + 1:  # one line per record: the usual case, nothing to count
        return header, frame.with_columns(pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("source_row"))
    within = frame.select(
        pl.sum_horizontal(pl.col(c).str.count_matches("\n", literal=True) for c in frame.columns).cast(pl.Int64)
    ).to_series()
    if lines != frame.height + 1 + int(within.sum()):
        return None
    if _may_hold_last_break(frame, header[-1]):
        # A blank line (skipped by both readers, but it moves the rows after it) can balance the
        # count above against a last record whose line break an unclosed quote took into its
        # field. Outside quoted fields two line breaks in a row are only ever a blank line.
        in_fields = sum(
            int(frame.select(pl.sum_horizontal(pl.col(c).str.count_matches(m, literal=True) for c in frame.columns).sum()).item())
            for m in _BLANK_LINE
        )
        if _count_in_file(path, _BLANK_LINE) != in_fields:
            return None
    return header, frame.with_columns(((within + 1).cum_sum() - within + 1).alias("source_row"))


def _may_hold_last_break(frame: pl.DataFrame, last_column: str) -> bool:
    """Whether the file's last line break may lie inside a field (an unclosed quote in the last record).

    Arrow refuses a record with too few fields, so a quote left open at the end
    of the file can only be in the last column, whose last value then ends with
    that line break. Without the column there is no telling.
    """
    if last_column not in frame.columns or frame.height == 0:
        return True
    value = frame[last_column][-1]
    return value is None or value.endswith("\n")


#: the bytes of a line break followed by an empty line (``\n`` or ``\r\n`` endings)
_BLANK_LINE = ("\n\n", "\n\r\n")


def _count_in_file(path: Path, patterns: Collection[str]) -> int:
    """Non-overlapping occurrences of each pattern in the file, summed (as ``count_matches`` counts them).

    A run of line breaks across two blocks may count once more, never less: the
    caller then only steps aside for a file it could have read.
    """
    wanted = [m.encode() for m in patterns]
    keep = max(len(m) for m in wanted) - 1
    total = 0
    tail = b""
    with path.open("rb") as fh:  # one pass for every pattern
        while block := fh.read(1 << 24):
            # a match across two blocks is found in the last bytes of one joined to the next
            data = tail + block
            total += sum(data.count(m) - tail.count(m) for m in wanted)
            tail = data[-keep:] if keep else b""
    return total


def release_arrow_memory() -> None:
    """Give the memory Arrow has freed back to the system, where Polars can take it.

    Arrow's allocator keeps what it frees (the parser's scratch, the columns
    Polars has copied) for Arrow's next use, which does not come: Polars would
    otherwise take fresh pages, and on a virtual machine a fresh page can cost
    many times more to touch than one just given back.
    """
    pa = sys.modules.get("pyarrow")
    if pa is not None:
        pa.default_memory_pool().release_unused()


class _Stream:
    """An Arrow object seen only through the Arrow C stream interface.

    Polars reads such an object without ``pyarrow.compute``, which its
    pyarrow path imports: an import measured at 0.2-0.5 s, more than the
    conversion itself.
    """

    def __init__(self, arrow: Any) -> None:
        self.arrow = arrow

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self.arrow.__arrow_c_stream__(requested_schema)


def _from_arrow(column: Any) -> pl.Series:
    """A Polars Series of an Arrow column, in one chunk."""
    return pl.Series(_Stream(column)).rechunk()


def _first_line(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        return fh.readline()


def _safe(text: str) -> str:
    return text.encode("utf-8", errors="replace").decode("utf-8")


def _frame(header: list[str], cols: list[list[str]], rows: list[int], wanted: set[str] | None) -> pl.DataFrame:
    data = {
        name: pl.Series(name, col, dtype=pl.String)
        for name, col in zip(header, cols, strict=True)
        if wanted is None or name.lower() in wanted
    }
    data["source_row"] = pl.Series("source_row", rows, dtype=pl.Int64)
    return pl.DataFrame(data)


def _rejects(file: str, rows: list[int], reasons: list[str], raw: list[str], limit: int) -> pl.DataFrame:
    frames = [reject_frame(file, [r], None, why, [text], limit) for r, why, text in zip(rows, reasons, raw, strict=True)]
    return pl.concat(frames) if frames else reject_frame(file, [], None, "", [], limit)


def iter_json_lines(
    path: Path, *, chunk_rows: int, raw_chars: int, file_label: str
) -> Iterator[tuple[list[tuple[int, object]], pl.DataFrame]]:
    """Yield ``(records, rejects)``: parsed JSON values with their line numbers.

    A line that is not valid JSON, or not UTF-8, is a reject; blank lines are
    skipped.
    """
    records: list[tuple[int, object]] = []
    bad_rows: list[int] = []
    bad_reason: list[str] = []
    bad_raw: list[str] = []
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            if number == 1:
                line = line.removeprefix(_BOM)
            if not line.strip():
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                bad_rows.append(number)
                bad_reason.append("bytes that are not UTF-8")
                bad_raw.append(line.decode("utf-8", errors="replace"))
                continue
            value, why = _parse_line(text)
            if why is not None:
                bad_rows.append(number)
                bad_reason.append(why)
                bad_raw.append(_safe(text))
                continue
            records.append((number, value))
            if len(records) >= chunk_rows:
                yield records, _rejects(file_label, bad_rows, bad_reason, bad_raw, raw_chars)
                records, bad_rows, bad_reason, bad_raw = [], [], [], []
    yield records, _rejects(file_label, bad_rows, bad_reason, bad_raw, raw_chars)


_SURROGATE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _parse_line(text: str) -> tuple[Any, str | None]:
    """One JSON line parsed, or why it cannot be a record."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"broken JSON: {exc.msg} (character {exc.pos + 1})"
    except RecursionError:
        return None, "JSON nested too deeply to read"
    return value, json_text(value, text)


def safe_json(value: Any) -> str:
    """``value`` as JSON for a reject's ``raw``; empty when it cannot be written (too deep, not text)."""
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8").decode("utf-8")
    except (RecursionError, ValueError, UnicodeEncodeError):
        return ""


def may_hold_surrogates(text: str) -> bool:
    """Whether JSON ``text`` escapes a surrogate anywhere (then :func:`json_text` checks each value)."""
    return _SURROGATE.search(text) is not None


def json_text(value: Any, text: str | None = None) -> str | None:
    """Why a parsed JSON value (written as ``text``, when known) cannot be kept, or ``None``.

    An escaped lone surrogate (``\\ud800``) is not text, and a value nested
    nearly as deep as Python parses cannot be handled as data: neither can be stored.
    """
    if text is not None and not may_hold_surrogates(text):
        return None
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return "a lone surrogate escape (such as \\ud800), which is not text"
    except RecursionError:
        return "JSON nested too deeply to read"
    return None
