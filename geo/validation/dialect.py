"""The results CSV in a dialect of :mod:`geo.exports.dialects`, one chunk at a time.

``machine`` leaves every chunk as it is (the input's separator, decimal points, codes). A localised
dialect (``excel-id``) turns each chunk's Arrow table into what Excel set to Indonesian reads: the
result columns' headers and their codes in Indonesian (statuses, site categories), the decimal
numbers with a decimal comma (the distances, and the input's own coordinate columns where they
are plain decimals), written with its separator and a BOM. Every step is an Arrow compute over
the chunk (codes are looked up once per distinct value), so a file of millions of rows streams
exactly as the plain CSV does.

    results = ResultsDialect(get_dialect("excel-id"), catalog, category_label=label)
    table = results.table(chunk, RESULT_COLUMNS)          # once per chunk, as it is written
    writer = pacsv.CSVWriter(out, table.schema, write_options=results.write_options(","))
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from geo.exports.dialects import CsvDialect, get_dialect
from geo.i18n import Catalog

# the language of a localised dialect's headers and labels (excel-id: Indonesian, as the violations export)
DIALECT_LANGUAGE = "id"
HEADER_KEY = "export.column.{}"
STATUS_KEY = "status.{}"
DECIMAL_COLUMNS = ("nearest_distance_m", "buffer_m")
# a plain decimal as programs write it ("-6.327"), the only form whose mark is changed in an input column
PLAIN_DECIMAL = r"^(\s*[-+]?\d+)\.(\d+\s*)$"
BOM = b"\xef\xbb\xbf"


class ResultsDialect:
    """How the results of a run are written in ``dialect`` (see the module's docstring)."""

    def __init__(self, dialect: CsvDialect | str | None, catalog: Catalog | None = None, *,
                 category_label: Callable[[str], str] | None = None, decimal_columns: Sequence[str] = ()):
        """``category_label``: a site category's name (the rules' label), for ``nearest_category``
        and ``missing_categories``; ``decimal_columns``: input columns holding decimal numbers
        (the coordinates the validator read), whose plain decimals take the dialect's mark."""
        self.dialect = dialect if isinstance(dialect, CsvDialect) else get_dialect(dialect)
        self.catalog = catalog or Catalog()
        self.category_label = category_label or (lambda key: key)
        self.decimal_columns = tuple(decimal_columns)
        self.messages = self.catalog.table(DIALECT_LANGUAGE)

    @property
    def localised(self) -> bool:
        """Whether chunks are changed at all (``machine``: they are written as they are)."""
        return self.dialect.localised

    def bom(self, input_had_one: bool) -> bytes:
        """The byte-order mark the output starts with: always for a dialect with one, else as
        the input (a BOM or Windows-1252 input gets one, so that Excel reads the UTF-8 output)."""
        return BOM if self.dialect.bom or input_had_one else b""

    def write_options(self, input_delimiter: str) -> pacsv.WriteOptions:
        """Arrow's CSV options: the dialect's separator (``machine``: the input's, when usable)."""
        if self.localised:
            delimiter = self.dialect.delimiter
        else:
            delimiter = input_delimiter if input_delimiter in ",;\t|" else self.dialect.delimiter
        return pacsv.WriteOptions(include_header=True, delimiter=delimiter, quoting_style="needed")

    def header(self, result_column: str) -> str:
        """A result column's header in the dialect (``machine``: its name)."""
        if not self.localised:
            return result_column
        return self.messages.get(HEADER_KEY.format(result_column), result_column)

    def table(self, table: pa.Table, result_columns: Sequence[str]) -> pa.Table:
        """One chunk of results (input columns, then ``result_columns``) in the dialect."""
        if not self.localised:
            return table
        names = table.column_names
        columns = []
        for i, name in enumerate(names):
            column = table.column(i)
            if i >= len(names) - len(result_columns):
                column = self._result_cell(name, column)
            elif name in self.decimal_columns and (pa.types.is_string(column.type)
                                                   or pa.types.is_large_string(column.type)):
                column = pc.replace_substring_regex(column, PLAIN_DECIMAL, r"\1" + self.dialect.decimal + r"\2")
            columns.append(column)
        headers = [*names[:len(names) - len(result_columns)], *(self.header(n) for n in result_columns)]
        return pa.table(columns, names=headers)

    def _result_cell(self, name: str, column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
        if name == "status":
            return _relabel(column, lambda code: self.messages.get(STATUS_KEY.format(code), code))
        if name == "nearest_category":
            return _relabel(column, self.category_label)
        if name == "missing_categories":
            return _relabel(column, lambda codes: ", ".join(self.category_label(c) for c in codes.split(";") if c))
        if name in DECIMAL_COLUMNS:
            text = pc.cast(column, pa.string())
            return text if self.dialect.decimal == "." else pc.replace_substring(text, ".", self.dialect.decimal)
        return column


def _relabel(column: pa.ChunkedArray, label: Callable[[str], str]) -> pa.Array:
    """A string column with every code replaced by its label, looked up once per distinct code."""
    codes = pc.unique(column).drop_null()
    labels = pa.array([label(code) for code in codes.to_pylist()], type=pa.string())
    return pc.take(labels, pc.index_in(column, value_set=codes))
