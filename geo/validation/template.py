"""The template of a spreadsheet of reports, to download and fill in: the column names the
reader recognises (Indonesian), two example rows, as .xlsx (numbers as numbers, dates as Excel
dates) or as CSV (UTF-8 with a BOM, so that Excel opens it as UTF-8)."""
from __future__ import annotations

import csv
import datetime as dt
import io

COLUMNS = ("id", "lat", "lon", "jenis_apk", "peserta", "tanggal", "keterangan")
# Two props in Indramayu during the 2024 Pilkada campaign (layers/rules.toml: pilkada_2024)
EXAMPLES = (
    ("APK-001", -6.327, 108.325, "baliho", "Paslon 1", dt.date(2024, 10, 14), "depan pasar"),
    ("APK-002", -6.3301, 108.3212, "spanduk", "Paslon 2", dt.date(2024, 11, 2), "tiang listrik"),
)
SHEET = "Laporan"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DATE_FORMAT = "DD/MM/YYYY"  # as offices write dates; the cell holds an Excel date all the same


def template_csv() -> bytes:
    """The template as CSV: comma-separated, decimal points, dates DD/MM/YYYY, with a BOM."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in EXAMPLES:
        writer.writerow([v.strftime("%d/%m/%Y") if isinstance(v, dt.date) else v for v in row])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """The template as an Excel workbook (openpyxl): one sheet, a bold header, numbers and dates typed."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(COLUMNS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in EXAMPLES:
        sheet.append(row)
        sheet.cell(row=sheet.max_row, column=COLUMNS.index("tanggal") + 1).number_format = DATE_FORMAT
    for letter, width in zip("ABCDEFG", (10, 11, 11, 12, 12, 12, 24)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
