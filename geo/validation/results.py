"""The result table of batch validation: its columns and their types, the row statuses, the
summary of a run, and the names the input's own columns keep beside the result columns."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from geo.engine.verdict import VERDICT_STATUSES
from geo.exports.defuse import defuse_formula

RESULT_COLUMNS = ("line", "status", "regency_code", "regency", "violations", "nearest_site", "nearest_category",
                  "nearest_distance_m", "buffer_m", "legal_basis", "missing_categories", "error", "duplicate_of")
ROW_STATUSES = (*VERDICT_STATUSES, "invalid")
RESULT_SCHEMA = pa.schema([
    ("line", pa.int64()), ("status", pa.string()), ("regency_code", pa.string()), ("regency", pa.string()),
    ("violations", pa.int64()), ("nearest_site", pa.string()), ("nearest_category", pa.string()),
    ("nearest_distance_m", pa.float64()), ("buffer_m", pa.float64()), ("legal_basis", pa.string()),
    ("missing_categories", pa.string()), ("error", pa.string()), ("duplicate_of", pa.int64()),
])
# The columns the engine's verdicts give (the others are the validator's own).
VERDICT_SCHEMA = pa.schema([f for f in RESULT_SCHEMA if f.name not in ("line", "error", "duplicate_of")])


@dataclass
class Summary:
    """What a run read and found."""

    rows: int = 0
    counts: Counter = field(default_factory=Counter)
    duplicates: int = 0
    violations_written: int = 0
    invalid_examples: list[tuple[int, str]] = field(default_factory=list)
    encoding: str = ""
    delimiter: str = ""
    coordinate_columns: str = ""
    seconds: float = 0.0
    at_column: str = ""           # the date column used ("" none: judged as of the validator's now)
    sheet: str = ""               # the sheet read, of a workbook ("" a CSV)

    def to_dict(self) -> dict:
        """The summary as JSON: row counts by status, duplicates, how the file was read, time taken."""
        return {"rows": self.rows, "counts": {s: self.counts.get(s, 0) for s in ROW_STATUSES},
                "duplicates": self.duplicates, "encoding": self.encoding, "delimiter": self.delimiter,
                "coordinate_columns": self.coordinate_columns, "seconds": round(self.seconds, 3),
                "at_column": self.at_column, "sheet": self.sheet}


@dataclass
class Results:
    """The output of one chunk: the table as written, and the coordinates of its rows."""

    table: pa.Table
    lon: np.ndarray
    lat: np.ndarray
    status: pa.Array              # of ROW_STATUSES


def rows_with(status, value: str) -> np.ndarray:
    """The rows whose status is ``value``."""
    return np.flatnonzero(np.asarray(pc.equal(status, value), dtype=bool))


def count_valid(column) -> int:
    """The number of non-null values in an Arrow ``column``."""
    return len(column) - column.null_count


def output_names(columns: list[str], reserved: set[str] | frozenset[str] = frozenset(RESULT_COLUMNS)) -> list[str]:
    """Input columns keep their names, except those that clash with a result column's header
    (``reserved``, lower case) and those a spreadsheet would run as a formula (they get an
    apostrophe, see :mod:`geo.exports.defuse`)."""
    taken = {c.lower() for c in columns} | set(reserved)
    out = []
    for name in columns:
        safe = defuse_formula(name)
        if safe != name:
            new, n = safe, 2
            while new.lower() in taken:
                new, n = f"{safe}_{n}", n + 1
            taken.add(new.lower())
            name = new
        if name.lower() in reserved:
            new, n = f"input_{name}", 2
            while new.lower() in taken:
                new, n = f"input_{name}_{n}", n + 1
            taken.add(new.lower())
            name = new
        out.append(name)
    return out


def empty_results(columns: list[str], reserved: set[str]) -> pa.Table:
    """The result table of a file with ``columns`` and no rows."""
    names = output_names(columns, reserved)
    fields = [pa.field(n, pa.string()) for n in names] + list(RESULT_SCHEMA)
    return pa.Table.from_pylist([], schema=pa.schema(fields))
