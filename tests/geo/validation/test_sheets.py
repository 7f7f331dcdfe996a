"""Workbooks as they come (#18): .xlsx and .ods through the same validation as CSV.

Real files written here (openpyxl, pandas' odf writer); verdicts compared with the same rows as CSV."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from geo.validation import Validator
from geo.validation.reading.reader import UnreadableFile
from geo.validation.reading.sheet import (
    OLE_MAGIC,
    SheetFile,
    UnreadableWorkbook,
    WorkbookTooLarge,
    cell_text,
    open_table,
)
from geo.validation.template import template_csv, template_xlsx

from .sheets import HEADER, csv_text, ods_bytes, read_results, rows, verdicts, xlsx_bytes

NOW = dt.datetime(2024, 11, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def school(layers):
    return layers.sites[layers.sites["category"] == "school"].iloc[0].geometry.representative_point()


def run(engine, data: bytes, **options) -> tuple[bytes, object]:
    out = io.BytesIO()
    summary = Validator(engine, lang="en", now=NOW, **options).run(data, out)
    return out.getvalue(), summary


@pytest.mark.parametrize("writer", [xlsx_bytes, ods_bytes], ids=["xlsx", "ods"])
def test_a_sheet_gets_the_verdicts_lines_and_errors_of_the_same_rows_as_csv(engine, school, writer):
    cells = rows(school)
    sheet, sheet_summary = run(engine, writer({"Laporan": cells}))
    text, csv_summary = run(engine, csv_text(cells).encode())
    assert verdicts(sheet) == verdicts(text)
    assert read_results(sheet).column_names == read_results(text).column_names
    assert sheet_summary.counts == csv_summary.counts and sheet_summary.rows == len(cells) - 1  # less the blank
    assert sheet_summary.sheet == "Laporan" and csv_summary.sheet == ""
    lines = [int(v["line"]) for v in verdicts(sheet)]
    assert lines == [2, 3, 4, 5, 6, 8, 9, 10, 11, 12]  # the sheet's row numbers: row 7 is blank
    by_id = {r["id"]: r for r in read_results(sheet).to_pylist()}
    assert by_id["A1"]["status"] == "violation" and by_id["A9"]["duplicate_of"] == "2"
    assert "line 8" in by_id["A6"]["error"] and "swapped" in by_id["A6"]["error"]
    assert "line 9: latitude is empty" in by_id["A7"]["error"]
    assert "31/02/2024" in by_id["A8"]["error"]


def test_excel_dates_are_judged_on_their_own_day(engine):
    # the last evening of the Pemilu 2024 campaign (to 10 February) and a quarter past midnight after it
    cells = [["B1", -6.327, 108.325, dt.datetime(2024, 2, 10, 23, 30), ""],
             ["B2", -6.327, 108.3251, dt.datetime(2024, 2, 11, 0, 15), ""],
             ["B3", -6.327, 108.3252, 45333, "Excel's serial day 45333 = 11 February 2024"]]
    data, summary = run(engine, xlsx_bytes({"Sheet1": cells}))
    table = read_results(data)
    assert table.column("tanggal").to_pylist() == ["2024-02-10T23:30:00", "2024-02-11T00:15:00", "45333"]
    status = table.column("status").to_pylist()
    assert status[0] != "outside_period" and status[1:] == ["outside_period", "outside_period"]
    assert summary.at_column == "tanggal"


def test_the_sheet_is_chosen_by_name_or_number(engine, school):
    book = xlsx_bytes({"Januari": rows(school)[:2], "Februari": rows(school)[:3]})
    first = run(engine, book)[1]
    by_name = run(engine, book, sheet="Februari")[1]
    by_number = run(engine, book, sheet="2")[1]
    by_case = run(engine, book, sheet="februari")[1]
    assert (first.sheet, first.rows) == ("Januari", 2)
    assert (by_name.sheet, by_name.rows) == (by_number.sheet, by_number.rows) == (by_case.sheet, by_case.rows) \
        == ("Februari", 3)


def test_the_default_is_the_first_sheet_a_person_sees(engine, school):
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(xlsx_bytes({"Rumus": [["x", 1, 2, None, ""]], "Laporan": rows(school)[:3]})))
    book["Rumus"].sheet_state = "hidden"  # a hidden sheet of lookups before the reports
    out = io.BytesIO()
    book.save(out)
    summary = run(engine, out.getvalue())[1]
    assert (summary.sheet, summary.rows) == ("Laporan", 3)
    assert run(engine, out.getvalue(), sheet="1")[1].sheet == "Rumus"  # numbers count every sheet


def test_a_sheet_that_is_not_there_is_refused_naming_the_sheets(engine, school):
    book = xlsx_bytes({"Januari": rows(school)[:2], "Februari": rows(school)[:2]})
    for wanted in ("Maret", "3", "0"):
        with pytest.raises(UnreadableWorkbook) as caught:
            run(engine, book, sheet=wanted)
        assert caught.value.status == 400 and caught.value.details["parameter"] == "sheet"
        assert '"Januari", "Februari"' in caught.value.message and f'"{wanted}"' in caught.value.message


def test_workbooks_that_cannot_be_read_are_refused_clearly(school):
    good = xlsx_bytes({"Laporan": rows(school)})
    with pytest.raises(UnreadableWorkbook, match="damaged or cut short"):
        open_table(good[:len(good) // 2])  # cut short: no central directory
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("readme.txt", "not a workbook")
    with pytest.raises(UnreadableWorkbook, match="damaged or cut short"):
        open_table(archive.getvalue())
    with pytest.raises(UnreadableWorkbook, match=r"old Excel workbook \(\.xls\)"):
        open_table(OLE_MAGIC + bytes(4096))


def test_a_password_protected_workbook_is_refused(school):
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(xlsx_bytes({"Laporan": rows(school)}))).encrypt("rahasia", encrypted)
    with pytest.raises(UnreadableWorkbook, match="protected by a password") as caught:
        open_table(encrypted.getvalue())
    assert caught.value.status == 400


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused_before_it_is_parsed(school):
    book = xlsx_bytes({"Laporan": rows(school)})
    unpacked = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(book)).infolist())
    with pytest.raises(WorkbookTooLarge) as caught:
        open_table(book, max_unpacked_bytes=unpacked - 1)
    assert caught.value.status == 413
    assert open_table(book, max_unpacked_bytes=unpacked).columns == HEADER


def test_an_empty_sheet_and_one_without_coordinates(engine):
    with pytest.raises(UnreadableFile, match='sheet "Kosong" is empty'):
        open_table(xlsx_bytes({"Kosong": []}, header=[]))
    with pytest.raises(UnreadableFile, match="no coordinate columns"):
        run(engine, xlsx_bytes({"Catatan": [["a", "b"]]}, header=["nama", "alamat"]))


def test_rows_above_the_header_and_unnamed_columns():
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet["B3"], sheet["C3"], sheet["E3"] = "lat", "lon", "catatan"
    sheet["B4"], sheet["C4"], sheet["D4"] = -6.327, 108.325, "no header above me"
    out = io.BytesIO()
    book.save(out)
    table = open_table(out.getvalue())
    assert isinstance(table, SheetFile) and table.header_line == 3
    assert table.columns == ["lat", "lon", "column_3", "catatan"]
    chunk = next(table.chunks())
    assert chunk.lines.tolist() == [4]
    assert chunk.table.to_pylist() == [{"lat": "-6.327", "lon": "108.325", "column_3": "no header above me",
                                        "catatan": ""}]


def test_cells_become_the_text_a_csv_export_holds():
    assert [cell_text(v) for v in (None, "", " x ", True, 12, 12.0, -6.327, 0.00005, 1e20, 1.5e-10)] == \
        ["", "", " x ", "TRUE", "12", "12", "-6.327", "0.00005", "100000000000000000000", "0.00000000015"]
    assert cell_text(dt.datetime(2024, 1, 5)) == "2024-01-05"
    assert cell_text(dt.datetime(2024, 1, 5, 7, 30)) == "2024-01-05T07:30:00"
    assert cell_text(dt.date(2024, 1, 5)) == "2024-01-05" and cell_text(dt.time(7, 30)) == "07:30:00"


def test_the_template_validates_without_an_error_either_way(engine):
    xlsx, xlsx_summary = run(engine, template_xlsx())
    csv, csv_summary = run(engine, template_csv())
    assert xlsx_summary.rows == csv_summary.rows == 2
    assert xlsx_summary.counts["invalid"] == csv_summary.counts["invalid"] == 0
    assert xlsx_summary.at_column == csv_summary.at_column == "tanggal"
    assert verdicts(xlsx) == verdicts(csv)
    assert read_results(xlsx).column("tanggal").to_pylist() == ["2024-10-14", "2024-11-02"]  # Excel dates
