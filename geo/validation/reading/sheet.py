"""Workbooks as offices keep them: .xlsx and .ods read with calamine, a sheet at a time.

:class:`SheetFile` has the face of :class:`~geo.validation.reading.reader.CsvFile` (columns,
chunks of text values with their line numbers, position), so everything after reading (the
coordinates, the dates, duplicates, the output) is the same for a sheet as for a CSV. A row's
line is its row number in the sheet, as Excel shows it. Cells become the text a CSV export
would hold: numbers in full (-6.327, never 6.327E+00 or a decimal comma), dates as ISO
(2024-01-05, with the time when there is one), so the one date parser judges them.

Refused with a clear 400 before any row is read: a damaged file or one that is no workbook, a
workbook protected by a password, an old .xls, a sheet that does not exist (naming those that
do); with a 413 a workbook that unpacks to more than a web upload may hold (a zip bomb).
"""
from __future__ import annotations

import datetime as dt
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo.errors import InputError
from geo.validation.reading.reader import (
    MAX_COLUMNS,
    MAX_HEADER_CHARS,
    Chunk,
    CsvFile,
    TooWide,
    UnreadableFile,
    unique_column_names,
)

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and password-protected .xlsx
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # the stream of an encrypted .xlsx
FORMATS = {"xlsx": "Excel (.xlsx)", "ods": "OpenDocument (.ods)"}
SHEETS_NAMED = 20  # sheets listed in the error of a sheet that does not exist


class UnreadableWorkbook(InputError):
    """A workbook that cannot be opened: damaged, protected by a password, an old .xls, no such sheet."""

    status = 400
    code = "unreadable-workbook"


class WorkbookTooLarge(InputError):
    """A workbook that unpacks to more than a web upload may (HTTP 413)."""

    status = 413
    code = "too-large"


def is_workbook(source: str | Path | bytes | BinaryIO) -> bool:
    """Whether ``source`` starts like a workbook (a zip or an OLE file), not a text file."""
    head = _head(source, len(OLE_MAGIC))
    return head.startswith(ZIP_MAGIC) or head.startswith(OLE_MAGIC)


def open_table(source: str | Path | bytes | BinaryIO, sheet: str | int | None = None, *,
               max_unpacked_bytes: int | None = None) -> CsvFile | SheetFile:
    """A :class:`SheetFile` for a workbook (the first sheet, or ``sheet``: a name or a number
    from 1), a :class:`CsvFile` for anything else (``sheet`` is then not used)."""
    if is_workbook(source):
        return SheetFile(source, sheet, max_unpacked_bytes=max_unpacked_bytes)
    return CsvFile(source)


class SheetFile:
    """One sheet of an open workbook: header and columns known, rows read on demand by :meth:`chunks`."""

    codec = "utf-8"
    delimiter = ","  # of the results written for it
    bom = True       # the results get a BOM: Excel, where the sheet came from, then reads them as UTF-8

    def __init__(self, source: str | Path | bytes | BinaryIO, sheet: str | int | None = None, *,
                 max_unpacked_bytes: int | None = None):
        data = _read_all(source)
        self.size = len(data)
        self.kind = _kind(data, max_unpacked_bytes)
        from python_calamine import (  # compiled: loaded for workbooks only
            CalamineWorkbook,
            PasswordError,
            SheetTypeEnum,
            SheetVisibleEnum,
        )

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            del data
            names = list(book.sheet_names)
            if not names:
                raise _unreadable()
            # the first sheet a person sees (a visible worksheet) unless one is asked for
            shown = [m.visible == SheetVisibleEnum.Visible and m.typ == SheetTypeEnum.WorkSheet
                     for m in book.sheets_metadata]
            first = shown.index(True) if True in shown else 0
            self.sheet_name = names[_sheet_index(names, sheet, first)]
            found = book.get_sheet_by_name(self.sheet_name)
            start = found.start
            self.height = found.height
            # iter_rows gives the sheet's rows from its first one (those above the first cell used
            # empty), so the n-th row it gives is the sheet's row n
            self._rows = enumerate(found.iter_rows() if start is not None else iter(()), start=1)
        except InputError:
            raise
        except PasswordError as exc:
            raise _encrypted() from exc
        except BaseException as exc:  # the reader's errors, and its panics (a BaseException) on odd files
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise _unreadable() from exc
        self._first_row = start[0] if start else 0  # the sheet's row (from 0) of the first cell used
        self._done = 0
        header = next(((n, row) for n, row in self._rows if any(_filled(v) for v in row)), None)
        if header is None:
            raise UnreadableFile(f"the sheet \"{self.sheet_name}\" is empty: no header and no rows",
                                 message_id="batch.sheet.empty", message_values={"sheet": self.sheet_name})
        self.header_line, raw = header
        texts = [cell_text(v).strip() for v in raw]
        while texts and not texts[-1]:
            texts.pop()
        if sum(map(len, texts)) > MAX_HEADER_CHARS:
            raise TooWide(f"the header (line {self.header_line}) is longer than {MAX_HEADER_CHARS:,} characters: "
                          f"it is no header of a table of reports", message_id="batch.header_too_long",
                          message_values={"limit": f"{MAX_HEADER_CHARS:,}"}, limit=MAX_HEADER_CHARS)
        width = len(raw)  # the columns the sheet uses, named or not
        if width > MAX_COLUMNS:
            raise TooWide(f"the header (line {self.header_line}) has {width:,} columns; a table of "
                          f"reports has at most {MAX_COLUMNS:,}", message_id="batch.too_many_columns",
                          message_values={"line": self.header_line, "count": f"{width:,}",
                                          "limit": f"{MAX_COLUMNS:,}"}, limit=MAX_COLUMNS)
        # every column the sheet uses is kept: a column without a name is column_N (N counted from
        # the first column used), as CSV names one between named columns
        self.columns = unique_column_names([t or f"column_{i}" for i, t in enumerate(texts, start=1)]
                                           + [f"column_{i}" for i in range(len(texts) + 1, width + 1)])

    @property
    def encoding(self) -> str:
        """What the file is, as people know it (``Excel (.xlsx)``), in place of a CSV's encoding."""
        return FORMATS[self.kind]

    def position(self) -> int:
        """About how many bytes of the file the rows read so far stand for (for progress bars)."""
        return self.size * min(self._done, self.height) // max(self.height, 1)

    def chunks(self, rows: int = 100_000, tick: Callable[[], None] | None = None) -> Iterator[Chunk]:
        """The rows after the header, at most ``rows`` at a time, every value as text; rows whose
        cells are all empty are not rows (their row numbers are skipped, as a CSV's blank lines).
        ``tick`` is called before each block of rows is converted."""
        width = len(self.columns)
        while True:
            if tick is not None:
                tick()
            block = list(itertools.islice(self._rows, rows))
            if not block:
                return
            self._done = block[-1][0] - self._first_row
            lines = np.fromiter((n for n, _ in block), dtype="int64", count=len(block))
            cells = [row[:width] + [""] * (width - len(row)) if len(row) != width else row for _, row in block]
            arrays = [column_text(list(values)) for values in zip(*cells)]
            keep = np.zeros(len(block), dtype=bool)
            for array in arrays:
                keep |= _filled_values(array)
            if not keep.any():
                continue
            table = pa.table(dict(zip(self.columns, arrays)))
            if keep.all():
                yield Chunk(table, lines)
            else:
                yield Chunk(table.filter(pa.array(keep)), lines[keep])

    def close(self) -> None:
        """Nothing to close: the workbook was read whole when it was opened."""

    def __enter__(self) -> SheetFile:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def column_text(values: list) -> pa.Array:
    """A column of cells as text: at once when every cell is text, else cell by cell."""
    try:
        return pa.array(values, type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([cell_text(v) for v in values], type=pa.string())


def cell_text(value) -> str:
    """One cell as a CSV export would write it, in a form the readers of coordinates and dates
    take: whole numbers without ``.0``, others in full positional notation, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return np.format_float_positional(value, trim="-")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(timespec="seconds")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def _filled_values(values: pa.Array) -> np.ndarray:
    """Which texts hold more than ASCII whitespace (the rest leave a row blank, as in a CSV)."""
    blank = pc.or_(pc.equal(pc.binary_length(values), 0), pc.ascii_is_space(values))
    return ~np.asarray(pc.fill_null(blank, True), dtype=bool)


def _filled(value) -> bool:
    return value is not None and (not isinstance(value, str) or bool(value.strip()))


def _sheet_index(names: list[str], sheet: str | int | None, first: int = 0) -> int:
    """The index of the sheet asked for: a name (exact, else ignoring case) or a number from 1
    (counting every sheet, hidden ones too); ``first`` when none is asked for."""
    if sheet is None or (isinstance(sheet, str) and not sheet.strip()):
        return first
    wanted = str(sheet).strip()
    if wanted in names:
        return names.index(wanted)
    folded = [i for i, name in enumerate(names) if name.casefold() == wanted.casefold()]
    if len(folded) == 1:
        return folded[0]
    if wanted.isdecimal() and 1 <= int(wanted) <= len(names):
        return int(wanted) - 1
    shown = ", ".join(f'"{n}"' for n in names[:SHEETS_NAMED]) + (", ..." if len(names) > SHEETS_NAMED else "")
    raise UnreadableWorkbook(f"the workbook has no sheet \"{wanted}\"; its sheets are {shown} (or give their "
                             f"number, from 1 to {len(names)})", message_id="batch.sheet.missing",
                             message_values={"sheet": wanted, "sheets": shown, "count": len(names)},
                             parameter="sheet", sheets=names[:SHEETS_NAMED])


def _kind(data: bytes, max_unpacked_bytes: int | None) -> str:
    """``xlsx`` or ``ods`` for a zip that may be a workbook; refuses what cannot be one."""
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_PACKAGE in data:
            raise _encrypted()
        raise UnreadableWorkbook("this is an old Excel workbook (.xls): save it from Excel as .xlsx "
                                 "(Excel Workbook) or as CSV UTF-8", message_id="batch.sheet.xls")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            unpacked = sum(entry.file_size for entry in entries)
            if max_unpacked_bytes is not None and unpacked > max_unpacked_bytes:
                mb = f"{max_unpacked_bytes / 2**20:,.0f}"
                raise WorkbookTooLarge(f"the workbook unpacks to {unpacked / 2**20:,.0f} MB, more than the "
                                       f"{mb} MB a web upload may; check it on the command line: zonasi "
                                       f"validate FILE.xlsx -o RESULTS.csv", message_id="batch.sheet.too_large",
                                       message_values={"size": f"{unpacked / 2**20:,.0f}", "limit": mb},
                                       limit=max_unpacked_bytes)
            names = {entry.filename for entry in entries}
            if "META-INF/manifest.xml" in names:
                if b"encryption-data" in archive.read("META-INF/manifest.xml"):
                    raise _encrypted()  # an .ods saved with a password
                return "ods"
    except zipfile.BadZipFile as exc:
        raise _unreadable() from exc
    return "xlsx"


def _unreadable() -> UnreadableWorkbook:
    return UnreadableWorkbook("this is not a readable Excel (.xlsx) or OpenDocument (.ods) workbook (damaged or "
                              "cut short?): open it in Excel and save it again as .xlsx or as CSV UTF-8",
                              message_id="batch.sheet.unreadable")


def _encrypted() -> UnreadableWorkbook:
    return UnreadableWorkbook("the workbook is protected by a password: open it, remove the password "
                              "(File > Info > Protect Workbook) and upload it again",
                              message_id="batch.sheet.encrypted")


def _head(source: str | Path | bytes | BinaryIO, size: int) -> bytes:
    if isinstance(source, bytes):
        return source[:size]
    if isinstance(source, (str, Path)):
        with open(source, "rb") as file:
            return file.read(size)
    if getattr(source, "seekable", lambda: False)():
        here = source.tell()
        head = source.read(size)
        source.seek(here)
        return head
    peek = getattr(source, "peek", None)  # a buffered stream that cannot seek
    return peek(size)[:size] if peek is not None else b""


def _read_all(source: str | Path | bytes | BinaryIO) -> bytes:
    if isinstance(source, bytes):
        return source
    if isinstance(source, (str, Path)):
        return Path(source).read_bytes()
    return source.read()
