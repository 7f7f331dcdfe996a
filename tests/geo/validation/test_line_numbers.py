"""Every result row carries the line it starts on in the file itself (issue #15, "Also found"):
the number a text editor shows, counting blank lines, lines of empty cells and line breaks inside
quoted cells. The same number in the results CSV (``line``), the violations file, the error texts,
``duplicate_of``, the CLI output and the web API."""
from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from geo.validation import RESULT_COLUMNS, Validator
from zonasi.cli import cli

# A spreadsheet export as offices send it: CRLF, a blank line, a cell over two lines, a line of
# empty cells, two blank lines, a quoted quote, a row that cannot be read, and a duplicate.
CSV_TEXT = ("nama,lat,lon\r\n"                      # 1
            "SD A,-6.3275,108.3249\r\n"             # 2
            "\r\n"                                  # 3
            "Masjid B,-6.33,108.32\r\n"             # 4
            '"Toko\r\ndua baris",-6.34,108.33\r\n'  # 5-6
            ",,\r\n"                                # 7
            "SD C,abc,108.34\r\n"                   # 8
            "\r\n"                                  # 9
            "\r\n"                                  # 10
            '"SD ""D""",-6.36,108.35\r\n'           # 11
            "Masjid B lagi,-6.33,108.32\r\n")       # 12
LINES = [2, 4, 5, 8, 11, 12]


def _rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_the_line_column_is_the_files_own_line_number(engine):
    out = io.BytesIO()
    summary = Validator(engine, lang="en").run(CSV_TEXT.encode(), out)
    rows = _rows(out.getvalue())
    assert RESULT_COLUMNS[0] == "line"
    assert [int(r["line"]) for r in rows] == LINES
    assert [r["nama"] for r in rows] == ["SD A", "Masjid B", "Toko\r\ndua baris", "SD C", 'SD "D"', "Masjid B lagi"]
    invalid = rows[3]
    assert invalid["status"] == "invalid" and invalid["error"].startswith("line 8:")
    assert summary.invalid_examples[0][0] == 8
    assert rows[5]["duplicate_of"] == "4"   # the line of the earlier row, as the line column says


def test_an_input_column_named_line_is_kept_apart(engine):
    text = "line,lat,lon\n\n7,-6.33,108.32\n"
    out = io.BytesIO()
    Validator(engine).run(text.encode(), out)
    (row,) = _rows(out.getvalue())
    assert row["input_line"] == "7" and row["line"] == "3"


def test_the_violations_file_carries_the_line(engine, tmp_path):
    violations = tmp_path / "pelanggaran.geojson"
    Validator(engine).run(CSV_TEXT.encode(), io.BytesIO(), violations=violations)
    features = json.loads(violations.read_text())["features"]
    assert {f["properties"]["line"] for f in features} == {4, 12}


def test_the_cli_names_the_same_lines(tmp_path):
    source = tmp_path / "laporan.csv"
    source.write_bytes(CSV_TEXT.encode())
    out = tmp_path / "hasil.csv"
    result = CliRunner().invoke(cli, ["validate", str(source), "-o", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "line 8:" in result.output
    assert [int(r["line"]) for r in _rows(out.read_bytes())] == LINES


def test_the_api_gives_the_same_lines_in_csv_and_geojson(client):
    def post(fmt: str):
        data = {"file": (io.BytesIO(CSV_TEXT.encode()), "laporan.csv")}
        return client.post(f"/api/validate?format={fmt}&lang=en", data=data, content_type="multipart/form-data")

    answer = post("csv")
    assert answer.status_code == 200
    rows = _rows(answer.data)
    assert [int(r["line"]) for r in rows] == LINES
    assert rows[3]["error"].startswith("line 8:")
    features = post("geojson").get_json()["features"]
    assert sorted(f["properties"]["line"] for f in features) == [4, 12]
