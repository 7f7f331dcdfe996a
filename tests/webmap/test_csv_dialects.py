"""CSV for Indonesian Excel (?dialect=excel-id) beside the machine form, read back with Python's
csv module: ';' between values, decimal commas, a BOM, Indonesian headers and labels, local times."""
from __future__ import annotations

import csv
import io

import pytest

from geo.exports import DIALECTS, dialect_names, excel_csv, get_dialect
from geo.i18n import Catalog
from zonasi.testing.reports import report


def _violation(client, tokens, **extra):
    r = client.post("/api/reports", json=report(accuracy_m=12.5, **extra),
                    headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert r.status_code == 201, r.text
    return r.get_json()


def _get(client, tokens, **params):
    return client.get("/api/violations.csv", query_string=params,
                      headers={"Authorization": f"Bearer {tokens['satpolpp']}"})


def test_excel_id_is_what_indonesian_excel_reads(reports_app):
    client, tokens, _ = reports_app
    stored = _violation(client, tokens, participant="=HYPERLINK(\"x\")")
    r = _get(client, tokens, dialect="excel-id")
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.data.startswith(b"\xef\xbb\xbf")                         # UTF-8 BOM
    rows = list(csv.DictReader(io.StringIO(r.data.decode("utf-8-sig")), delimiter=";"))
    [row] = rows
    assert row["ID laporan"] == stored["id"]
    assert row["Akurasi GPS (m)"] == "12,5"                             # decimal comma
    assert row["Bujur"] == "108,32" and row["Lintang"] == "-6,33"
    assert row["Status"] == "Dilaporkan" and row["Putusan saat dilaporkan"] == "Terlarang"
    assert row["Jenis APK"] == "Baliho" and row["Kategori lokasi"] == "Tempat pendidikan"
    assert row["Waktu dilaporkan"] == "10/01/2024 09:00 WIB"            # 02:00 UTC, local in Indramayu
    assert row["Lewat batas waktu"] == "tidak"
    assert row["Peserta"].startswith("'=")                              # a formula stays text
    assert float(row["Jarak (m)"].replace(",", ".")) == pytest.approx(stored["distance_m"], abs=1e-6)


def test_machine_is_the_default_and_unchanged(reports_app):
    client, tokens, _ = reports_app
    _violation(client, tokens)
    default = _get(client, tokens)
    assert default.data == _get(client, tokens, dialect="machine").data
    assert not default.data.startswith(b"\xef\xbb\xbf")
    [row] = list(csv.DictReader(io.StringIO(default.data.decode())))
    assert row["accuracy_m"] == "12.5" and row["status"] == "reported" and row["reported_at"].endswith("Z")


def test_an_unknown_dialect_is_a_400_naming_the_known_ones(reports_app):
    client, tokens, _ = reports_app
    r = _get(client, tokens, dialect="excel-fr")
    assert r.status_code == 400 and r.mimetype == "application/problem+json"
    assert r.get_json()["parameter"] == "dialect" and "excel-id" in r.get_json()["detail"]


def test_times_take_the_zone_of_their_regency():
    rows = [{"regency_code": code, "reported_at": "2024-01-10T02:00:00Z", "n": 1.0, "big": 1e20, "ok": True}
            for code in ("32.12", "64.72", "94.71")]
    text = excel_csv(rows, Catalog()).decode("utf-8-sig")
    read = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert [r["Waktu dilaporkan"] for r in read] == ["10/01/2024 09:00 WIB", "10/01/2024 10:00 WITA",
                                                      "10/01/2024 11:00 WIT"]
    assert [r["n"] for r in read] == ["1"] * 3 and read[0]["big"] == "100000000000000000000"
    assert read[0]["ok"] == "ya"


def test_the_one_list_of_dialects():
    assert dialect_names() == ["machine", "excel-id"] and get_dialect(None) is DIALECTS["machine"]
    assert get_dialect(" EXCEL-ID ").delimiter == ";"
