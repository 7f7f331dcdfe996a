"""The fast path for reading well-formed UTF-8 CSV: pyarrow parses blocks of bytes, the file's
own line numbers are worked out from the bytes and checked.

A block is cut after a line break outside quotes. pyarrow parses it (quoted newlines allowed,
all values as text); each record spans 1 + the line breaks inside its values; blank lines
between records are found in the bytes. The records are then laid over the physical lines:
every record must start on a non-blank line and the last one must end where the block does.
When anything does not fit (invalid UTF-8, a record with another number of fields, odd
quoting, a block without a cut point), the careful path (:mod:`csv`, record by record) takes
over from the start of that block to the end of the file, so the result is the same either way.
"""
from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

if TYPE_CHECKING:
    from geo.validation.reading.reader import CsvFile

BLOCK_BYTES = 16 * 1024 * 1024
FIRST_BLOCK_BYTES = 1024 * 1024  # then doubling up to BLOCK_BYTES: the first rows come out soon
_LINE_BREAK = r"\r\n|\r|\n"
_WHITESPACE = np.zeros(256, dtype=bool)
_WHITESPACE[list(b" \t\r\n\f\v")] = True


class Unusual(Exception):
    """This block needs the careful path."""


def chunks(csv: CsvFile, rows: int, tick: Callable[[], None]) -> Iterator[tuple[list[pa.Array], np.ndarray]]:
    """(values by column, first line of each record) for the records after the header, until
    the file ends or a block needs the careful path; then ``csv.fallback_from`` is set to
    (byte offset, lines before it). ``tick`` is called before each block is read."""
    try:
        offset, line = _after_header(csv)
    except Unusual:
        csv.fallback_from = (None, None)
        return
    pending = b""
    eof = False
    size = min(FIRST_BLOCK_BYTES, BLOCK_BYTES)
    while True:
        tick()
        if not eof:
            raw = csv.read_at(offset + len(pending), size)
            eof = len(raw) < size
            pending += raw
            size = min(2 * size, BLOCK_BYTES)
        if not pending:
            return
        cut = len(pending) if eof else _cut(pending)
        if cut is None:
            csv.fallback_from = (offset, line)
            return
        block, pending = pending[:cut], pending[cut:]
        try:
            arrays, starts, lines_in_block = _parse(block, csv.raw_width, csv.delimiter, line)
        except Unusual:
            csv.fallback_from = (offset, line)
            return
        csv.parsed_to = offset + cut
        for lo in range(0, len(starts), rows):
            yield [a.slice(lo, rows) for a in arrays], starts[lo:lo + rows]
        offset += cut
        line += lines_in_block
        if eof and not pending:
            return


def _after_header(csv: CsvFile) -> tuple[int, int]:
    """Byte offset (after any BOM) just past the header's lines, and the lines consumed."""
    consumed = csv.header_lines
    size = 64 * 1024
    while True:  # the header's lines, in a first look as big as they need
        head = csv.read_at(0, size)
        breaks, _ = _line_ends(head)
        if len(head) == size:  # a \r at the very end may be the first half of \r\n
            breaks = breaks[breaks < len(head) - 1]
        if len(breaks) >= consumed or len(head) < size or size >= BLOCK_BYTES:
            break
        size *= 4
    if len(breaks) < consumed:
        if len(breaks) == consumed - 1 and len(head) < size:
            return len(head), consumed  # the header is the whole file, without a final newline
        raise Unusual
    return int(breaks[consumed - 1]) + 1, consumed


def _line_ends(buffer: bytes) -> tuple[np.ndarray, bool]:
    """Index of the last byte of each line break (\\n, \\r\\n, or a lone \\r), and whether a
    lone \\r is among them."""
    data = np.frombuffer(buffer, dtype=np.uint8)
    lf = np.flatnonzero(data == 10)
    cr = np.flatnonzero(data == 13)
    if not len(cr):
        return lf, False
    after = np.minimum(cr + 1, len(data) - 1)
    lone = cr[(data[after] != 10) | (cr == len(data) - 1)]
    return (np.union1d(lf, lone), True) if len(lone) else (lf, False)


def _cut(buffer: bytes) -> int | None:
    """Length of the longest prefix ending with a \\n outside quotes (even quote count)."""
    end = buffer.rfind(b"\n")
    quotes = buffer.count(b'"', 0, max(end, 0))
    while end >= 0 and quotes % 2:
        before = buffer.rfind(b"\n", 0, end)
        quotes -= buffer.count(b'"', max(before, 0), end)
        end = before
    return end + 1 if end >= 0 else None


def _parse(block: bytes, width: int, delimiter: str, line: int):
    """Values and first lines of the records of one block that starts on line ``line`` + 1."""
    if not _is_utf8(block):
        raise Unusual
    odd: list = []  # rows with another number of values than the header

    def skip_odd(row) -> str:
        odd.append(row)
        return "skip"

    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(block),
            read_options=pacsv.ReadOptions(column_names=names, block_size=max(len(block) + 1, 1 << 16)),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True,
                                             ignore_empty_lines=True,
                                             invalid_row_handler=skip_odd),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowException):
        raise Unusual from None
    if odd:
        raise Unusual
    arrays = [one_array(table.column(n)) for n in names]
    data = np.frombuffer(block, dtype=np.uint8)
    # without a lone \r in the block, every line break in a value is a \n (\r\n counts once)
    ends, lone_cr = _line_ends(block)
    breaks = [line_breaks(a) if lone_cr else _newlines(a) for a in arrays]
    spans = 1 + np.sum(breaks, axis=0) if breaks else np.ones(table.num_rows, dtype="int64")
    if len(ends) == 0 or ends[-1] != len(data) - 1:
        ends = np.append(ends, len(data) - 1)  # the last line has no break (end of file)
    starts_of_lines = np.concatenate([[0], ends[:-1] + 1])
    blank = _blank(data, starts_of_lines, ends)
    internal = np.zeros(len(spans), dtype="int64")
    multi = np.flatnonzero(spans > 1)
    if len(multi):
        index = pa.array(multi)
        for array, count in zip(arrays, breaks):
            if count[multi].any():
                internal[multi] += _blank_lines_inside(array.take(index))
    first = _lay_out(spans, internal, blank)
    return arrays, line + 1 + first, len(ends)


def one_array(column: pa.ChunkedArray) -> pa.Array:
    """The values of a column as one array: its only chunk as it is (combine_chunks copies
    even that)."""
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _is_utf8(block: bytes) -> bool:
    """Whether ``block`` is valid UTF-8: Arrow checks it in place, ten times faster than
    decoding it into a Python string."""
    offsets = pa.py_buffer(np.array([0, len(block)], dtype=np.int64))
    values = pa.Array.from_buffers(pa.large_binary(), 1, [None, offsets, pa.py_buffer(block)])
    try:
        values.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def _newlines(array: pa.Array) -> np.ndarray:
    """\\n in each value; most columns have none in any value, which their bytes tell at once."""
    if not (_value_bytes(array) == 10).any():
        return np.zeros(len(array), dtype="int64")
    return np.asarray(pc.count_substring(array, "\n"), dtype="int64")


def _blank(data: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Which lines hold nothing but whitespace. Only a line that starts with whitespace (or is
    empty) can be blank; it is when the running count of other bytes does not grow over it
    (vectorised: linear, and cheap however many blank lines there are)."""
    maybe = _WHITESPACE[data[starts]]
    if not maybe.any():
        return maybe
    solid = np.cumsum(~_WHITESPACE[data], dtype=np.int64 if len(data) >= 2**31 else np.int32)
    if maybe.all():  # the byte at a start is whitespace: solid[start] counts the bytes before it
        return solid[ends] == solid[starts]
    blank = np.zeros(len(starts), dtype=bool)
    where = np.flatnonzero(maybe)
    blank[where] = solid[ends[where]] == solid[starts[where]]
    return blank


def line_breaks(array: pa.Array) -> np.ndarray:
    """Line breaks (\\r\\n, \\r or \\n) in each value; a quick scan first, as most columns have none."""
    data = _value_bytes(array)
    if not ((data == 10) | (data == 13)).any():
        return np.zeros(len(array), dtype="int64")
    return np.asarray(pc.count_substring_regex(array, _LINE_BREAK), dtype="int64")


def _value_bytes(array: pa.Array) -> np.ndarray:
    """The bytes of all the values of a string array, one after another (no copy)."""
    data = array.buffers()[2]
    if data is None or not len(array):
        return np.empty(0, dtype=np.uint8)
    width = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(array.buffers()[1], dtype=width)[array.offset:array.offset + len(array) + 1]
    return np.frombuffer(data, dtype=np.uint8)[offsets[0]:offsets[-1]]


def _blank_lines_inside(values: pa.Array) -> np.ndarray:
    """Lines inside each value that hold nothing but whitespace (between two line breaks)."""
    out = np.zeros(len(values), dtype="int64")
    some = np.flatnonzero(np.asarray(pc.fill_null(pc.match_substring_regex(
        values, r"\n[ \t\f\v]*[\r\n]|\r[ \t\f\v]+[\r\n]|\r\r"), False)))  # a break, blanks, a break
    if len(some):
        out[some] = _count_blank_lines(values.take(pa.array(some)))
    return out


def _count_blank_lines(values: pa.Array) -> np.ndarray:
    text = pc.replace_substring_regex(values, r"\r\n|\r", "\n")
    text = pc.replace_substring_regex(text, r"[ \t\f\v]+", "")
    breaks = np.asarray(pc.count_substring(text, "\n"), dtype="int64")
    runs = np.asarray(pc.count_substring_regex(text, r"\n+"), dtype="int64")
    return breaks - runs


def _lay_out(spans: np.ndarray, internal: np.ndarray, blank: np.ndarray) -> np.ndarray:
    """The line index (0-based) each record starts on: records fill the non-blank lines in
    order, each with its own blank lines inside; :class:`Unusual` unless they fit exactly."""
    filled = np.flatnonzero(~blank)
    lines = spans - internal
    if (lines < 1).any() or int(lines.sum()) != len(filled):
        raise Unusual
    first = np.concatenate([[0], np.cumsum(lines)[:-1]]).astype("int64") if len(lines) else lines
    starts = filled[first]
    if len(starts) and not np.array_equal(filled[first + lines - 1], starts + spans - 1):
        raise Unusual
    return starts
