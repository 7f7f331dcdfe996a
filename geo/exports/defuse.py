"""CSV injection: text a spreadsheet would run as a formula is written with a leading apostrophe.

Every CSV zonasi writes goes through here: the violations exports (:mod:`geo.exports.writers`, cell by
cell) and the results of ``zonasi validate`` / ``POST /api/validate`` (:mod:`geo.validation.pipeline`,
vectorised with Arrow). Both ways defuse exactly the same cells (a property test checks it).
"""
from __future__ import annotations

import re

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# A text cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_BYTES = np.zeros(256, dtype=bool)
_FORMULA_BYTES[[ord(c) for c in FORMULA_START]] = True
# ... unless it is a number: -6.33, +108.32, -6,327 (decimal comma), -1.5e-3. The same pattern for
# Python (fullmatch) and for Arrow's RE2 (anchored), so both ways defuse exactly the same cells.
_NUMBER = r"[-+]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"
_NUMBER_RE = re.compile(_NUMBER)


def defuse_formula(value):
    """Text a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``@SUM(...)``) gets a
    leading apostrophe, so it is shown as text; numbers such as ``-6.33`` or ``-6,327`` stay as
    they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER_RE.fullmatch(value):
        return "'" + value
    return value


def defuse_formulas(values: pa.Array) -> pa.Array:
    """:func:`defuse_formula` on every value of a string array, vectorised. The array itself
    comes back when no value needs it (the usual case), so clean output is byte for byte what
    it was. The first byte of every value is looked at in place (numpy); only values starting
    with a formula character (a column of latitudes south of the equator: all) meet the
    number pattern."""
    risky = np.flatnonzero(_starts_like_formula(values))
    if not len(risky):
        return values
    index = pa.array(risky)
    number = pc.match_substring_regex(values.take(index), f"^{_NUMBER}$")
    risky = risky[~np.asarray(pc.fill_null(number, True), dtype=bool)]
    if not len(risky):
        return values
    mask = np.zeros(len(values), dtype=bool)
    mask[risky] = True
    quoted = pc.binary_join_element_wise(pa.scalar("'", values.type), values, pa.scalar("", values.type))
    return pc.if_else(pa.array(mask), quoted, values)


def _starts_like_formula(values: pa.Array) -> np.ndarray:
    """Which values start with one of :data:`FORMULA_START` (all ASCII: the first byte tells)."""
    if not len(values) or values.null_count == len(values):
        return np.zeros(len(values), dtype=bool)
    width: type[np.signedinteger] = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets = np.frombuffer(values.buffers()[1], dtype=width)[values.offset:values.offset + len(values) + 1]
    data = values.buffers()[2]
    if data is None or not len(data):
        return np.zeros(len(values), dtype=bool)
    data = np.frombuffer(data, dtype=np.uint8)
    starts = offsets[:-1]
    found = (offsets[1:] > starts) & _FORMULA_BYTES[data[np.minimum(starts, len(data) - 1)]]
    if values.null_count:
        found &= np.asarray(values.is_valid(), dtype=bool)
    return found


def defuse_table(table: pa.Table) -> pa.Table:
    """Every text column of ``table`` through :func:`defuse_formulas`; the table itself when
    nothing needed it."""
    for i, column in enumerate(table.columns):
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        chunks = [defuse_formulas(chunk) for chunk in column.chunks]
        if any(new is not old for new, old in zip(chunks, column.chunks)):
            table = table.set_column(i, table.field(i), pa.chunked_array(chunks, type=column.type))
    return table
