"""The batch results in a CSV dialect (geo.validation.dialect): excel-id is read back with Python's
csv module, pandas and pyarrow as Indonesian Excel would read it (';', decimal commas, a BOM,
Indonesian headers and labels); machine stays what it was; both are written chunk by chunk."""
from __future__ import annotations

import csv
import io

import pandas as pd
import pyarrow.csv as pacsv
import pytest

from geo.errors import InputError
from geo.exports import DIALECTS
from geo.i18n import Catalog
from geo.validation import RESULT_COLUMNS, Validator

OK = (-6.327, 108.325)          # 55 m from SD NEGERI MARGADADI III (limit 50 m): incomplete data there
BOM = b"\xef\xbb\xbf"
ID = Catalog().table("id")


@pytest.fixture(scope="module")
def violation_point(layers):
    school = layers.sites[layers.sites["category"] == "school"].iloc[0]
    point = school.geometry.representative_point()
    return round(point.y, 6), round(point.x, 6)


def results(engine, data: bytes, dialect=None, **options) -> bytes:
    out = io.BytesIO()
    Validator(engine, dialect=dialect, **options).run(data, out)
    return out.getvalue()


def header(column: str) -> str:
    return ID[f"export.column.{column}"]


def reports(violation_point) -> bytes:
    lat, lon = violation_point
    return (f"No,Nama,Lintang,Bujur\n"
            f"1,sekolah,{lat},{lon}\n"
            f"2,dekat,{OK[0]},{OK[1]}\n"
            f"3,salah,abc,{OK[1]}\n").encode()


def test_excel_id_is_what_indonesian_excel_reads(engine, violation_point):
    body = results(engine, reports(violation_point), "excel-id")
    assert body.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0])[:4] == ["No", "Nama", "Lintang", "Bujur"]          # the input's own columns
    assert list(rows[0])[4:] == [header(c) for c in RESULT_COLUMNS]          # Indonesian headers
    assert [header(c) for c in RESULT_COLUMNS][:3] == ["Baris", "Status", "Kode kabupaten/kota"]
    hit, near, bad = rows
    assert [r["Status"] for r in rows] == ["Terlarang", "Belum dapat dipastikan", "Tidak valid"]
    assert hit[header("nearest_category")] == "Tempat pendidikan"            # the rules' label, not "school"
    assert "Tempat pendidikan" in near[header("missing_categories")]
    assert "school" not in near[header("missing_categories")]
    assert near[header("buffer_m")] == "50"
    distance = near[header("nearest_distance_m")]
    assert "," in distance and "." not in distance                           # a decimal comma
    assert 50 < float(distance.replace(",", ".")) < 60
    assert near["Lintang"] == "-6,327" and near["Bujur"] == "108,325"        # the coordinates too
    assert bad["Lintang"] == "abc" and bad[header("line")] == "4"
    assert bad[header("error")].startswith("baris 4")


def test_excel_id_reads_into_numbers_with_pandas_and_pyarrow(engine, violation_point):
    body = results(engine, reports(violation_point), "excel-id")
    machine = pd.read_csv(io.BytesIO(results(engine, reports(violation_point))))
    frame = pd.read_csv(io.BytesIO(body), sep=";", decimal=",", encoding="utf-8-sig")
    assert list(frame.columns) == ["No", "Nama", "Lintang", "Bujur", *(header(c) for c in RESULT_COLUMNS)]
    distance = frame[header("nearest_distance_m")]
    assert distance.dtype == "float64"
    assert distance.tolist()[:2] == pytest.approx(machine["nearest_distance_m"].tolist()[:2])
    assert frame[header("buffer_m")].tolist()[:2] == machine["buffer_m"].tolist()[:2]
    table = pacsv.read_csv(io.BytesIO(body), parse_options=pacsv.ParseOptions(delimiter=";"),
                           convert_options=pacsv.ConvertOptions(decimal_point=","))
    assert table.column_names[4:] == [header(c) for c in RESULT_COLUMNS]     # the BOM is no part of a name
    assert str(table.schema.field(header("nearest_distance_m")).type) == "double"
    assert table.column(header("nearest_distance_m")).to_pylist()[:2] == pytest.approx(
        machine["nearest_distance_m"].tolist()[:2])


def test_machine_is_the_default_and_unchanged(engine, violation_point):
    data = reports(violation_point)
    default = results(engine, data)
    assert default == results(engine, data, "machine") == results(engine, data, DIALECTS["machine"])
    assert not default.startswith(BOM)
    rows = list(csv.DictReader(io.StringIO(default.decode())))
    assert list(rows[0])[4:] == list(RESULT_COLUMNS)
    assert rows[0]["status"] == "violation" and rows[1]["nearest_category"] == "school"
    assert rows[1]["Lintang"] == str(OK[0]) and "." in rows[1]["nearest_distance_m"]


def test_an_input_column_named_as_a_header_is_renamed(engine):
    data = f"Status,Baris,lat,lon\nbaru,7,{OK[0]},{OK[1]}\n".encode()
    text = results(engine, data, "excel-id").decode("utf-8-sig")
    names = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(names) == len(set(n.lower() for n in names))                  # one column per name
    assert names[:2] == ["input_Status", "input_Baris"] and "Status" in names and "Baris" in names
    [row] = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert row["input_Status"] == "baru" and row["Status"] == "Belum dapat dipastikan"


def test_a_header_without_rows_has_the_dialects_headers(engine):
    body = results(engine, b"lat;lon\n", "excel-id")
    assert body.startswith(BOM)
    assert body.decode("utf-8-sig").strip().split(";") == ['"lat"', '"lon"', *(f'"{header(c)}"' for c in RESULT_COLUMNS)]


def test_an_unknown_dialect_is_an_input_error(engine):
    with pytest.raises(InputError) as caught:
        Validator(engine, dialect="excel-fr")
    assert caught.value.details.get("parameter") == "dialect" and "excel-id" in caught.value.message


class Recorder(io.BytesIO):
    """The output stream, with what had been written each time a chunk was reported done."""

    def __init__(self):
        super().__init__()
        self.seen: list[int] = []

    def progress(self, position: int, rows: int) -> None:
        self.seen.append(self.getvalue().count(b"\n"))


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_every_dialect_streams_chunk_by_chunk(engine, dialect):
    rows, chunk = 1_000, 100
    data = "lat,lon\n" + "".join(f"{OK[0] + i * 1e-5:.6f},{OK[1]}\n" for i in range(rows))
    out = Recorder()
    Validator(engine, dialect=dialect, chunk_rows=chunk).run(data.encode(), out, progress=out.progress)
    # each chunk was in the output when it was reported: header + its rows, the rest not yet
    assert out.seen == [1 + chunk * (i + 1) for i in range(rows // chunk)]
    assert out.getvalue().count(b"\n") == 1 + rows


def test_a_workbooks_numbers_take_the_decimal_comma(engine):
    from tests.geo.validation.sheets import xlsx_bytes

    data = xlsx_bytes({"Laporan": [["A1", -6.327, 108.325, None, "angka"], ["A2", "-6,3301", "108,3212", None, "teks"]]})
    body = results(engine, data, "excel-id")
    assert body.startswith(BOM)
    typed, text = csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
    assert typed["lat"] == "-6,327" and typed["lon"] == "108,325"          # typed cells, written for Excel
    assert text["lat"] == "-6,3301" and text["Baris"] == "3"               # already with a comma: as it was
