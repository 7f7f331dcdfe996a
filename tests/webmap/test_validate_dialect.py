"""POST /api/validate?dialect=excel-id: the results CSV for Indonesian Excel (';', decimal commas,
a BOM, Indonesian headers and labels); an unknown dialect is a 400 naming the known ones."""
from __future__ import annotations

import csv
import io

import pandas as pd

from geo.validation import RESULT_COLUMNS

CSV = b"nama,lat,lon\nA,-6.327,108.325\nB,108.325,-6.327\n"


def upload(client, query="", **form):
    return client.post(f"/api/validate{query}", data={"file": (io.BytesIO(CSV), "laporan.csv"), **form},
                       content_type="multipart/form-data")


def test_excel_id_results(client):
    response = upload(client, "?dialect=excel-id")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="laporan-hasil-excel.csv"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"\xef\xbb\xbf")
    ok, swapped = csv.DictReader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";")
    assert ok["Status"] == "Belum dapat dipastikan" and swapped["Status"] == "Tidak valid"
    assert ok["lat"] == "-6,327" and ok["Kategori lokasi terdekat"] == "Tempat pendidikan"
    frame = pd.read_csv(io.BytesIO(response.data), sep=";", decimal=",", encoding="utf-8-sig")
    assert frame["Jarak ke lokasi terdekat (m)"].dtype == "float64" and frame["lat"].dtype == "float64"


def test_the_dialect_may_come_in_the_form(client):
    assert upload(client, dialect="excel-id").data == upload(client, "?dialect=excel-id").data


def test_machine_is_the_default(client):
    default = upload(client)
    assert default.data == upload(client, "?dialect=machine").data
    assert default.data.decode().splitlines()[0] == ",".join(f'"{c}"' for c in ["nama", "lat", "lon", *RESULT_COLUMNS])
    assert 'filename="laporan-hasil.csv"' in default.headers["Content-Disposition"]


def test_an_unknown_dialect_is_a_400(client):
    response = upload(client, "?dialect=excel-fr&lang=en")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["parameter"] == "dialect" and "excel-id" in response.get_json()["detail"]


def test_openapi_documents_the_dialect_from_the_one_list(client):
    from geo.exports import dialect_names

    operation = client.get("/openapi.json").get_json()["paths"]["/api/validate"]["post"]
    [dialect] = [p for p in operation["parameters"] if p["name"] == "dialect"]
    assert dialect["schema"]["enum"] == dialect_names() and dialect["schema"]["default"] == "machine"
    form = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["properties"]
    assert form["dialect"]["enum"] == dialect_names()
