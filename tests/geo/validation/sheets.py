"""Real workbooks for the tests of #18, written with openpyxl (.xlsx) and pandas + odfpy (.ods), and
the same rows as a CSV: typed cells (numbers, Excel dates) on one side, text on the other."""
from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from geo.validation import RESULT_COLUMNS

HEADER = ["id", "lat", "lon", "tanggal", "keterangan"]
VERDICT_COLUMNS = list(RESULT_COLUMNS)


def rows(school) -> list[list]:
    """Report rows as typed cells: numbers, Excel dates with and without a time, text that needs
    the parsers (decimal comma, DMS, a month name), mistakes, a blank row and a duplicate.
    ``school``: a shapely point of a school in the layers (a violation)."""
    return [
        ["A1", school.y, school.x, dt.datetime(2024, 11, 10), "by a school"],
        ["A2", -6.327, 108.325, dt.datetime(2024, 2, 10, 23, 30), "last evening of the campaign"],
        ["A3", -6.327, 108.325, dt.datetime(2024, 2, 11, 0, 15), "just after it: outside the period"],
        ["A4", "-6,3301", "108,3212", "5 Januari 2024", "decimal comma as text"],
        ["A5", "6°19'37.2\"S", "108°19'30\"E", dt.date(2024, 10, 1), "DMS"],
        [None, None, None, None, None],  # a blank row: its number is skipped, as a CSV's blank line
        ["A6", 108.325, -6.327, dt.datetime(2024, 11, 1), "swapped"],
        ["A7", None, 108.3, dt.datetime(2024, 11, 1), "no latitude"],
        ["A8", -6.327, 108.325, "31/02/2024", "no such day"],
        ["A9", school.y, school.x, dt.datetime(2024, 11, 12), "the same place as A1"],
        [10, 0.00005, 108.325, 45296, "an Excel serial day, a tiny number"],
    ]


def csv_text(cells: list[list]) -> str:
    """The same rows as a CSV export would hold them (dates DD/MM/YYYY hh:mm, numbers in full)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for row in cells:
        writer.writerow([_as_csv(v) for v in row])
    return out.getvalue()


def _as_csv(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y %H:%M") if value.time() != dt.time() else value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float):
        return np.format_float_positional(value, trim="-")  # as Excel's CSV export: never 5E-05
    return str(value)


def xlsx_bytes(sheets: dict[str, list[list]], *, header=HEADER, date_format="DD/MM/YYYY hh:mm") -> bytes:
    """A workbook with one sheet per item (name: rows under ``header``), cells typed as given."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, cells in sheets.items():
        sheet = book.create_sheet(name)
        sheet.append(header)
        for row in cells:
            sheet.append(row)
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, (dt.date, dt.datetime)):
                    cell.number_format = date_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def ods_bytes(sheets: dict[str, list[list]], *, header=HEADER) -> bytes:
    """The same as an OpenDocument spreadsheet (pandas' odf writer, odfpy)."""
    import pandas as pd

    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="odf") as writer:
        for name, cells in sheets.items():
            pd.DataFrame(cells, columns=header, dtype=object).to_excel(writer, sheet_name=name, index=False)
    return out.getvalue()


def read_results(data: bytes) -> pa.Table:
    """A results CSV as a table of text."""
    text = data.decode("utf-8-sig").encode()
    header = next(csv.reader(io.StringIO(text.decode())))
    return pacsv.read_csv(io.BytesIO(text), convert_options=pacsv.ConvertOptions(
        column_types={c: pa.string() for c in header}, strings_can_be_null=False))


def verdicts(data: bytes) -> list[dict]:
    """The result columns of every row of a results CSV."""
    table = read_results(data)
    return table.select(VERDICT_COLUMNS).to_pylist()
