"""Reading a CSV export record by record, with the file's own line numbers, in bounded chunks.

Records come from Python's ``csv`` module (RFC 4180 quoting, quoted newlines, lenient about
stray quotes; it never gives up on a file). Each record keeps the line it starts on (the header
is line 1 when it is the first line); blank lines and lines of empty fields are not rows, but
they still count for the line numbers.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo.errors import InputError
from geo.validation.coords import Problem
from geo.validation.reading import dates, fast
from geo.validation.reading.sniff import FALLBACK, detect_delimiter, detect_encoding, encoding_label

SNIFF_BYTES = 256 * 1024
FIELD_LIMIT = 64 * 1024 * 1024
MAX_COLUMNS = 1_000           # a report export has tens; more is no table of reports
MAX_HEADER_CHARS = 64 * 1024  # 1,000 names of 64 characters
EXTRA_VALUES_SHOWN = 5        # values named in the problem of a row with too many
BLANK = " \t\r\n\f\v"
LINE_BREAK = r"\r\n|\r|\n"
LINE_BREAK_RE = re.compile(LINE_BREAK)


class UnreadableFile(InputError):
    """The file cannot be read as a table at all (not: some rows are bad)."""

    status = 422
    code = "unreadable-file"


class TooWide(UnreadableFile):
    """The header has more columns, or more characters, than any table of reports."""

    status = 413
    code = "too-large"


@dataclass
class Chunk:
    """Consecutive rows: every column as text, the line each row starts on, and the problems
    found while reading (a row with more values than the header)."""

    table: pa.Table
    lines: np.ndarray
    problems: dict[int, Problem] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.lines)

    def column(self, name: str) -> pa.Array:
        """One column's values as one array (no copy)."""
        return fast.one_array(self.table.column(name))


class CsvFile:
    """An open CSV file: dialect, header and columns known, rows read on demand by :meth:`chunks`."""

    def __init__(self, source: str | Path | bytes | BinaryIO):
        self._owned = isinstance(source, (str, Path))
        if isinstance(source, (str, Path)):
            binary: BinaryIO = open(source, "rb")
        elif isinstance(source, bytes):
            binary = io.BytesIO(source)
        else:
            binary = source
        self.binary = binary
        try:
            self.size = _size(self.binary)
            self._start = self.binary.tell()
            head = self.binary.read(SNIFF_BYTES)
            self.binary.seek(self._start)
            _refuse_binary(head)
            self.codec, errors = detect_encoding(head)
            sample = head.decode(self.codec, errors=errors)
            _refuse_long_header(sample, full=len(head) == SNIFF_BYTES)
            self.delimiter = detect_delimiter(sample)
            self.text = io.TextIOWrapper(self.binary, encoding=self.codec, errors=errors, newline="")
            self._reader = _Records(self.text, self.delimiter)
            header = next(self._reader, None)
        except BaseException:
            self.close()
            raise
        if header is None:
            self.close()
            raise UnreadableFile("the file is empty: no header and no rows", message_id="batch.file_empty")
        self.header_line, raw_header = header
        if raw_header is None or sum(map(len, raw_header)) > MAX_HEADER_CHARS:
            self.close()
            raise _header_too_long(self.header_line)
        if len(raw_header) > MAX_COLUMNS:
            self.close()
            raise TooWide(f"the header (line {self.header_line}) has {len(raw_header):,} columns; a table of "
                          f"reports has at most {MAX_COLUMNS:,}", message_id="batch.too_many_columns",
                          message_values={"line": self.header_line, "count": f"{len(raw_header):,}",
                                          "limit": f"{MAX_COLUMNS:,}"}, limit=MAX_COLUMNS)
        self.columns = unique_column_names(raw_header)
        if not self.columns:
            self.close()
            raise UnreadableFile(f"the header (line {self.header_line}) has no column names",
                                 message_id="batch.no_column_names",
                                 message_values={"line": self.header_line})
        self.raw_width = len(raw_header)
        self.header_lines = self._reader.done
        self._bom_bytes = 3 if self.codec == "utf-8-sig" else 0
        # set by fast.chunks where the careful path takes over: (byte offset, lines before it),
        # (None, None) when it must read the whole file
        self.fallback_from: tuple[int | None, int | None] | None = None
        self.parsed_to = 0  # bytes after the BOM the fast path has parsed (it reads with read_at)

    @property
    def encoding(self) -> str:
        """The file's encoding as people know it (e.g. ``Windows-1252``)."""
        return encoding_label(self.codec)

    @property
    def bom(self) -> bool:
        """Whether the file starts with a byte order mark."""
        return self.codec in ("utf-8-sig", "utf-16")

    def position(self) -> int:
        """Bytes read so far (for progress bars)."""
        try:
            return max(self.binary.tell() - self._start, self._bom_bytes + self.parsed_to)
        except (OSError, ValueError):
            return 0

    def chunks(self, rows: int = 100_000, tick: Callable[[], None] | None = None) -> Iterator[Chunk]:
        """The rows after the header, at most ``rows`` at a time.

        Well-formed UTF-8 goes through pyarrow (:mod:`.fast`); anything else, and the rest of a
        file from the first block that looks unusual, through the csv module record by record.
        ``tick`` is called before each block of bytes or records is parsed, also when they turn
        out to hold no rows (blank lines): a time budget raises from there.
        """
        tick = tick or _nothing
        if self.codec in ("utf-8", "utf-8-sig") and self._seekable:
            self.fallback_from = None
            for arrays, lines in fast.chunks(self, rows, tick):
                chunk = self._finish(arrays, lines, {}, {})
                if chunk is not None:
                    yield chunk
            if self.fallback_from is None:
                return
            offset, line = self.fallback_from
            if offset is not None:
                self._restart(offset, line)
        yield from self._careful_chunks(rows, tick)

    def _careful_chunks(self, rows: int, tick: Callable[[], None]) -> Iterator[Chunk]:
        """Records parsed in bulk by the csv module; the line each starts on is counted from the
        line breaks inside its values (quoted newlines), checked against the reader's own count.
        Blank lines (empty records) only count lines: they never become arrays."""
        width = len(self.columns)
        reader = self._reader.reader
        while True:
            tick()
            records: list = []
            try:
                records.extend(itertools.islice(reader, rows))
            except csv.Error:  # a value beyond the field limit: the row stays, as a problem
                records.append(None)
            if not records:
                return
            filled = [i for i, r in enumerate(records) if r != []]  # [] is a blank line: one line
            spans = np.ones(len(records), dtype="int64")
            if filled:
                records = records if len(filled) == len(records) else [records[i] for i in filled]
                records, cut, problems = _regularise(records, max(width, self.raw_width))
                arrays = [pa.array(col, type=pa.string()) for col in zip(*records)]
                span = np.ones(len(records), dtype="int64")
                for array in arrays:
                    span += fast.line_breaks(array)
                for i, values in cut.items():
                    span[i] += sum(len(LINE_BREAK_RE.findall(v)) for v in values)
                spans[filled] = span
            lines = (self._reader.done + np.cumsum(spans) - spans + 1)[filled]
            self._reader.done += int(spans.sum())
            if self._reader.done != self._reader.base + reader.line_num:  # cannot happen; but
                self._reader.done = self._reader.base + reader.line_num    # keep later lines right
            if not filled:
                continue
            chunk = self._finish(arrays, lines, cut, problems)
            if chunk is not None:
                yield chunk

    def _finish(self, arrays: list, lines: np.ndarray, cut: dict, problems: dict) -> Chunk | None:
        """The chunk of the non-blank records: values beyond the header's columns become a
        problem of their row; rows of empty values are not rows."""
        width = len(self.columns)
        candidates = np.arange(len(lines))  # rows that may be blank: narrowed column by column
        for array in arrays:
            if not len(candidates):
                break
            values = array if len(candidates) == len(array) else array.take(pa.array(candidates))
            candidates = candidates[_blank_values(values)]
        blank = np.zeros(len(lines), dtype=bool)
        blank[candidates] = True
        extra = np.zeros(len(lines), dtype=bool)
        for array in arrays[width:]:
            extra |= ~_blank_values(array)
        for i, values in cut.items():
            extra[i] |= any(v.strip(BLANK) for v in values)
        for i in np.flatnonzero(extra).tolist():
            values = [a[i].as_py() for a in arrays[width:]] + cut.get(i, [])
            shown = [v for v in values if v.strip(BLANK)]
            named = ", ".join(f'"{dates.shown(v)}"' for v in shown[:EXTRA_VALUES_SHOWN])
            problems[i] = Problem("extra_values", {
                "count": len(shown), "values": named + (", ..." if len(shown) > EXTRA_VALUES_SHOWN else ""),
                "delimiter": "tab" if self.delimiter == "\t" else self.delimiter})
        keep = ~blank
        keep[list(problems)] = True  # a row with a problem has content somewhere
        if not keep.any():
            return None
        table = pa.table(dict(zip(self.columns, arrays[:width])))
        lines = np.asarray(lines, dtype="int64")
        if keep.all():  # the usual case: a filter would copy every value
            return Chunk(table, lines, problems)
        renumber = np.cumsum(keep) - 1
        return Chunk(table.filter(pa.array(keep)), lines[keep], {int(renumber[i]): p for i, p in problems.items()})

    # -- raw access for the fast path ------------------------------------------------------------

    @property
    def _seekable(self) -> bool:
        try:
            return self.binary.seekable()
        except (AttributeError, ValueError, OSError):
            return False

    def read_at(self, offset: int, size: int) -> bytes:
        """Raw bytes at ``offset`` after the BOM, leaving the file position as it was."""
        here = self.binary.tell()
        try:
            self.binary.seek(self._start + self._bom_bytes + offset)
            return self.binary.read(size)
        finally:
            self.binary.seek(here)

    def _restart(self, offset: int, line: int) -> None:
        """The careful path from ``offset`` (a record boundary after ``line`` lines) on."""
        self.text.detach()
        self.binary.seek(self._start + self._bom_bytes + offset)
        self.text = io.TextIOWrapper(self.binary, encoding="utf-8", errors=FALLBACK, newline="")
        self._reader = _Records(self.text, self.delimiter)
        self._reader.done = self._reader.base = line

    def close(self) -> None:
        """Detach the text layer and close the file if this object opened it."""
        text = getattr(self, "text", None)
        if text is not None:
            text.detach()
            del self.text  # closed: nothing to detach again
        if self._owned:
            self.binary.close()

    def __enter__(self) -> CsvFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Records:
    """(first line, fields) of each non-blank record; never raises on the content."""

    def __init__(self, text, delimiter: str):
        if csv.field_size_limit() < FIELD_LIMIT:
            csv.field_size_limit(FIELD_LIMIT)
        self.reader = csv.reader(text, delimiter=delimiter, strict=False)
        self.done = 0  # lines consumed so far
        self.base = 0  # lines before the text this reader started on

    def __iter__(self) -> _Records:
        return self

    def __next__(self) -> tuple[int, list[str] | None]:
        reader = self.reader
        while True:
            start = self.done + 1
            try:
                record = next(reader)
            except csv.Error:  # a value over FIELD_LIMIT: the row stays, as a problem
                self.done = self.base + reader.line_num
                return start, None
            self.done = self.base + reader.line_num
            if any(v.strip(BLANK) for v in record):
                return start, record


def _nothing() -> None:
    pass


def _header_too_long(line: int | None) -> TooWide:
    where = f" (line {line})" if line else ""
    return TooWide(f"the header{where} is longer than {MAX_HEADER_CHARS:,} characters: it is no header of a "
                   f"table of reports", message_id="batch.header_too_long",
                   message_values={"limit": f"{MAX_HEADER_CHARS:,}"}, limit=MAX_HEADER_CHARS)


def _refuse_long_header(sample: str, full: bool) -> None:
    """Refuse a file whose first line (after blank lines) is longer than any header, before it
    is parsed: ``sample`` is the file's beginning, ``full`` when the file goes on after it."""
    text = sample.lstrip(BLANK)
    if not text:
        return  # blank lines only so far: the header, once read, is measured
    end = min((i for i in (text.find("\n"), text.find("\r")) if i >= 0), default=-1)
    if end > MAX_HEADER_CHARS or (end < 0 and (full or len(text) > MAX_HEADER_CHARS)):
        raise _header_too_long(None)


def _blank_values(values: pa.Array) -> np.ndarray:
    """Which values are empty or ASCII whitespace only (:data:`BLANK`)."""
    blank = pc.or_(pc.equal(pc.binary_length(values), 0), pc.ascii_is_space(values))
    return np.asarray(pc.fill_null(blank, True), dtype=bool)


def _regularise(records: list, width: int) -> tuple[list, dict, dict]:
    """Records of one width: the header's, or more when most records have more (Excel's
    trailing delimiters), so that only unusual records take the slow path. Returns the records,
    the values cut from records longer than that, and the problems (a value over the limit)."""
    widths = np.fromiter((-1 if r is None else len(r) for r in records), dtype="int64", count=len(records))
    common = int(np.bincount(widths[widths >= 0]).argmax()) if (widths >= 0).any() else width
    target = max(width, common)
    cut: dict[int, list[str]] = {}
    problems: dict = {}
    for i in np.flatnonzero(widths != target).tolist():
        record = records[i]
        if record is None:
            problems[i] = Problem("too_long", {"limit": FIELD_LIMIT})
            records[i] = [""] * target
        elif len(record) > target:
            cut[i] = record[target:]
            records[i] = record[:target]
        else:
            records[i] = record + [""] * (target - len(record))
    return records, cut, problems


def unique_column_names(header: list[str]) -> list[str]:
    """Unique, non-empty names; unnamed columns at the end (Excel's trailing delimiters) go."""
    names = [unicodedata.normalize("NFC", h.strip().lstrip("\ufeff")) for h in header]
    while names and not names[-1]:
        names.pop()
    out: list[str] = []
    seen: set[str] = set()
    tried: dict[str, int] = {}  # the suffix to try next for a repeated name (names taken stay taken)
    for i, name in enumerate(names, start=1):
        name = name or f"column_{i}"
        unique, n = name, tried.get(name.lower(), 2)
        if unique.lower() in seen:
            unique = f"{name}_{n}"
            while unique.lower() in seen:
                n += 1
                unique = f"{name}_{n}"
            tried[name.lower()] = n + 1
        seen.add(unique.lower())
        out.append(unique)
    return out


def _refuse_binary(head: bytes) -> None:
    if head.startswith(b"PK\x03\x04"):
        raise UnreadableFile("this is an Excel workbook (.xlsx) or another zip file, not CSV: "
                             "save it from Excel as \"CSV UTF-8\"", message_id="batch.zip_not_csv")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile("this is an old Excel workbook (.xls), not CSV: save it from Excel as \"CSV UTF-8\"",
                             message_id="batch.xls_not_csv")
    if head.startswith(b"%PDF"):
        raise UnreadableFile("this is a PDF, not CSV", message_id="batch.pdf_not_csv")


def _size(binary: BinaryIO) -> int | None:
    try:
        here = binary.tell()
        end = binary.seek(0, io.SEEK_END)
        binary.seek(here)
        return end - here
    except (OSError, ValueError, AttributeError):
        return None

