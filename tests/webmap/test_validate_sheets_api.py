"""POST /api/validate with .xlsx and .ods (#18), and the template to download."""
from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace

import pytest

from geo.validation.reading.sheet import OLE_MAGIC
from tests.geo.validation.sheets import csv_text, ods_bytes, read_results, rows, verdicts, xlsx_bytes
from webmap import create_app

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def school(layers):
    return layers.sites[layers.sites["category"] == "school"].iloc[0].geometry.representative_point()


def upload(client, data: bytes, name: str, query: str = "", form: dict | None = None):
    return client.post(f"/api/validate{query}", data={"file": (io.BytesIO(data), name), **(form or {})},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("writer,name", [(xlsx_bytes, "laporan.xlsx"), (ods_bytes, "laporan.ods")],
                         ids=["xlsx", "ods"])
def test_a_workbook_gets_the_verdicts_of_the_same_rows_as_csv(client, school, writer, name):
    cells = rows(school)
    sheet = upload(client, writer({"Laporan": cells}), name, "?lang=en")
    text = upload(client, csv_text(cells).encode(), "laporan.csv", "?lang=en")
    assert sheet.status_code == text.status_code == 200
    assert sheet.mimetype == "text/csv" and 'filename="laporan-hasil.csv"' in sheet.headers["Content-Disposition"]
    assert verdicts(sheet.data) == verdicts(text.data)
    summary = json.loads(sheet.headers["X-Zonasi-Summary"])
    assert summary["sheet"] == "Laporan" and summary["delimiter"] == ","
    assert summary["counts"] == json.loads(text.headers["X-Zonasi-Summary"])["counts"]


def test_the_sheet_comes_from_the_form_or_the_query(client, school):
    book = xlsx_bytes({"Januari": rows(school)[:2], "Februari": rows(school)[:4]})
    for query, form in (("?sheet=Februari", None), ("", {"sheet": "2"})):
        response = upload(client, book, "laporan.xlsx", query, form)
        assert response.status_code == 200
        summary = json.loads(response.headers["X-Zonasi-Summary"])
        assert (summary["sheet"], summary["rows"]) == ("Februari", 4)
    first = json.loads(upload(client, book, "laporan.xlsx").headers["X-Zonasi-Summary"])
    assert (first["sheet"], first["rows"]) == ("Januari", 2)


def test_a_missing_sheet_is_a_400_naming_the_sheets_in_the_callers_language(client, school):
    book = xlsx_bytes({"Januari": rows(school)[:2], "Februari": rows(school)[:2]})
    indonesian = upload(client, book, "laporan.xlsx", "?sheet=Maret")
    english = upload(client, book, "laporan.xlsx", "?sheet=Maret&lang=en")
    for response in (indonesian, english):
        assert response.status_code == 400 and response.mimetype == "application/problem+json"
        body = response.get_json()
        assert body["parameter"] == "sheet" and '"Januari", "Februari"' in body["detail"]
    assert 'tidak memuat lembar "Maret"' in indonesian.get_json()["detail"]
    assert 'has no sheet "Maret"' in english.get_json()["detail"]


def test_workbooks_that_are_not_ones_are_400_problems(client, school):
    from msoffcrypto.format.ooxml import OOXMLFile

    good = xlsx_bytes({"Laporan": rows(school)})
    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(good)).encrypt("rahasia", encrypted)
    other_zip = io.BytesIO()
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    cases = {"cut short": (good[:len(good) // 2], "bukan buku kerja Excel"),
             "a zip of something else": (other_zip.getvalue(), "bukan buku kerja Excel"),
             "encrypted": (encrypted.getvalue(), "dilindungi kata sandi"),
             "old xls": (OLE_MAGIC + bytes(2048), "Excel lama (.xls)")}
    for case, (data, words) in cases.items():
        response = upload(client, data, "laporan.xlsx")
        assert response.status_code == 400, case
        assert response.mimetype == "application/problem+json", case
        assert words in response.get_json()["detail"], case
    english = upload(client, cases["encrypted"][0], "laporan.xlsx", "?lang=en")
    assert "protected by a password" in english.get_json()["detail"]


def test_a_sheet_over_the_web_row_limit_is_a_413(settings, engine, school):
    app = create_app(replace(settings, max_web_rows=2), engine=engine)
    response = upload(app.test_client(), xlsx_bytes({"Laporan": rows(school)[:3]}), "laporan.xlsx")
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert response.get_json()["limit"] == 2 and "zonasi validate" in response.get_json()["detail"]


@pytest.mark.parametrize("suffix,mimetype", [("xlsx", XLSX), ("csv", "text/csv")])
def test_the_template_downloads_and_validates_without_an_error(client, suffix, mimetype):
    template = client.get(f"/api/validate/template.{suffix}")
    assert template.status_code == 200 and template.mimetype == mimetype
    assert f'filename="templat-laporan-apk.{suffix}"' in template.headers["Content-Disposition"]
    response = upload(client, template.data, f"templat.{suffix}")
    assert response.status_code == 200
    summary = json.loads(response.headers["X-Zonasi-Summary"])
    assert summary["rows"] == 2 and summary["counts"]["invalid"] == 0 and summary["at_column"] == "tanggal"
    table = read_results(response.data)
    assert table.column_names[:7] == ["id", "lat", "lon", "jenis_apk", "peserta", "tanggal", "keterangan"]
    assert table.column("error").to_pylist() == ["", ""]


def test_the_openapi_document_has_the_sheet_and_the_templates(client):
    doc = client.get("/openapi.json").get_json()
    validate = doc["paths"]["/api/validate"]["post"]
    assert "sheet" in [p["name"] for p in validate["parameters"]]
    assert "400" in validate["responses"]
    assert XLSX in doc["paths"]["/api/validate/template.xlsx"]["get"]["responses"]["200"]["content"]
    assert "text/csv" in doc["paths"]["/api/validate/template.csv"]["get"]["responses"]["200"]["content"]


def test_the_batch_page_takes_workbooks_and_links_the_template(client):
    page = client.get("/batch").get_data(as_text=True)
    assert ".xlsx" in page and ".ods" in page and 'id="batch-sheet"' in page
    assert 'href="/api/validate/template.xlsx"' in page and "Unduh templat" in page
