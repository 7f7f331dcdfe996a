"""geo.validation.reading: spreadsheet exports as they really come, with the file's own line numbers."""
from __future__ import annotations

import pytest

from geo.validation.reading import CsvFile, UnreadableFile, detect

DATA = __import__("pathlib").Path(__file__).resolve().parents[2] / "data" / "csv"


def rows(source, chunk_rows=1000):
    with CsvFile(source) as csv:
        out = []
        for chunk in csv.chunks(chunk_rows):
            table = chunk.table.to_pylist()
            out += [(int(line), row, chunk.problems.get(i)) for i, (line, row) in enumerate(zip(chunk.lines, table))]
        return csv, out


def test_comma_utf8():
    csv, out = rows(b"nama,lat,lon\nA,-6.327,108.325\nB,-6.4,108.3\n")
    assert (csv.delimiter, csv.encoding, csv.columns) == (",", "UTF-8", ["nama", "lat", "lon"])
    assert [(line, r["nama"]) for line, r, _ in out] == [(2, "A"), (3, "B")]


def test_semicolon_decimal_comma_with_bom_and_crlf():
    data = "\ufeffNama;Lintang;Bujur\r\nBaliho;-6,327;108,325\r\n".encode("utf-8")
    csv, out = rows(data)
    assert (csv.delimiter, csv.encoding, csv.bom) == (";", "UTF-8 (BOM)", True)
    assert csv.columns == ["Nama", "Lintang", "Bujur"]  # no BOM left in the first name
    assert out[0][1] == {"Nama": "Baliho", "Lintang": "-6,327", "Bujur": "108,325"}


def test_tab_cp1252():
    data = "nama\tlat\tlon\nCaf\u00e9 \u201cMawar\u201d\t-6.3\t108.3\n".encode("cp1252")
    csv, out = rows(data)
    assert (csv.delimiter, csv.encoding) == ("\t", "Windows-1252")
    assert out[0][1]["nama"] == "Caf\u00e9 \u201cMawar\u201d"


@pytest.mark.parametrize("padding, encoding", [(1, "Windows-1252"), (20_000, "UTF-8")])
def test_a_stray_cp1252_byte_in_utf8_loses_nothing(padding, encoding):
    # near the start it decides the encoding; far beyond the sample it is decoded on its own
    data = b"nama,lat,lon\n" + b"Jalan \xe2\x80\x9cSudirman\xe2\x80\x9d,-6.3,108.3\n" * padding \
        + b"Caf\xe9,-6.4,108.4\n"
    csv, out = rows(data, chunk_rows=100_000)
    assert csv.encoding == encoding
    assert out[-1][1]["nama"] == "Caf\u00e9"
    if encoding == "UTF-8":
        assert out[0][1]["nama"] == "Jalan \u201cSudirman\u201d"


def test_utf16_excel_unicode_text():
    data = "nama\tlat\tlon\r\nA\t-6.3\t108.3\r\n".encode("utf-16")
    csv, out = rows(data)
    assert csv.encoding == "UTF-16" and out[0][1] == {"nama": "A", "lat": "-6.3", "lon": "108.3"}


def test_quoted_newlines_and_blank_lines_keep_the_file_line_numbers():
    data = (b'\n'                                   # line 1: blank, header on line 2
            b'nama;lat;lon\n'                       # 2
            b'"Baliho\nbesar\n";-6,3;108,3\n'       # 3-5
            b'\n'                                   # 6
            b';;\n'                                 # 7: only delimiters, not a row
            b'Spanduk;-6,4;108,4\n'                 # 8
            b'"say ""hi""";-6,5;108,5')             # 9, no final newline
    csv, out = rows(data)
    assert csv.header_line == 2
    assert [line for line, _, _ in out] == [3, 8, 9]
    assert out[0][1]["nama"] == "Baliho\nbesar\n"
    assert out[2][1]["nama"] == 'say "hi"'


def test_trailing_empty_columns_are_dropped_and_short_rows_padded():
    csv, out = rows(b"lat;lon;nama;;;\n-6,3;108,3;A;;;\n-6,4;108,4\n")
    assert csv.columns == ["lat", "lon", "nama"]
    assert [r for _, r, _ in out] == [{"lat": "-6,3", "lon": "108,3", "nama": "A"},
                                     {"lat": "-6,4", "lon": "108,4", "nama": ""}]
    assert all(p is None for _, _, p in out)


def test_values_beyond_the_header_are_a_row_problem_not_lost():
    _, out = rows(b"nama,lat,lon\nA,-6,327,108,325\n")
    line, row, problem = out[0]
    assert line == 2 and row == {"nama": "A", "lat": "-6", "lon": "327"}
    assert problem.code == "extra_values"
    assert problem.values["values"] == '"108", "325"'


def test_unnamed_and_duplicate_columns_get_unique_names():
    csv, _ = rows(b"lat,,lat,lon\n1,2,3,4\n")
    assert csv.columns == ["lat", "column_2", "lat_2", "lon"]


def test_single_pair_column_without_quotes():
    csv, out = rows(b"koordinat\n-6.327, 108.325\n-6.4,108.4\n")
    assert csv.columns == ["koordinat"]
    assert [r["koordinat"] for _, r, _ in out] == ["-6.327, 108.325", "-6.4,108.4"]


def test_chunks_are_bounded_and_continue_line_numbers():
    data = b"lat,lon\n" + b"".join(b"-6.%d,108.%d\n" % (i, i) for i in range(25))
    with CsvFile(data) as csv:
        chunks = list(csv.chunks(10))
    assert [len(c) for c in chunks] == [10, 10, 5]
    assert chunks[2].lines.tolist() == list(range(22, 27))


def test_committed_fixture_excel_export():
    csv, out = rows(DATA / "excel_id.csv")
    assert (csv.delimiter, csv.encoding) == (";", "UTF-8 (BOM)")
    assert len(out) == 4
    assert out[1][0] == 3 and "\n" in out[1][1]["Keterangan"]
    assert out[3][0] == 7


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"\n\n ;; \n", "empty"),
    (b"PK\x03\x04rest", "Excel workbook"),
    (b"\xd0\xcf\x11\xe0rest", "old Excel"),
])
def test_unreadable_files_say_why(data, message):
    with pytest.raises(UnreadableFile, match=message):
        CsvFile(data)


@pytest.mark.parametrize("columns, lat, lon, pair", [
    (["No", "Lintang", "Bujur"], "Lintang", "Bujur", None),
    (["LATITUDE", "LONGITUDE"], "LATITUDE", "LONGITUDE", None),
    (["Koordinat Y (LS)", "Koordinat X (BT)"], "Koordinat Y (LS)", "Koordinat X (BT)", None),
    (["lat", "lng"], "lat", "lng", None),
    (["y", "x"], "y", "x", None),
    (["Nama", "Koordinat"], None, None, "Koordinat"),
    (["name", "Lat, Lon"], None, None, "Lat, Lon"),
    (["nama", "Lokasi"], None, None, "Lokasi"),
    (["latitude", "nama lokasi"], None, None, None),
])
def test_column_detection(columns, lat, lon, pair):
    if lat is None and pair is None:
        with pytest.raises(UnreadableFile, match="no coordinate columns"):
            detect(columns)
        return
    roles = detect(columns)
    assert (roles.lat, roles.lon, roles.pair) == (lat, lon, pair)


def test_apk_id_and_date_columns():
    roles = detect(["ID APK", "lat", "lon", "Tanggal Pasang"], at_column="tanggal pasang")
    assert (roles.apk_id, roles.at) == ("ID APK", "Tanggal Pasang")
    assert detect(["id", "lat", "lon"]).apk_id is None  # a report id is not a prop's id
    with pytest.raises(UnreadableFile, match='no column named "waktu"'):
        detect(["lat", "lon"], at_column="waktu")


def test_a_value_beyond_the_field_limit_keeps_its_row_and_the_line_numbers():
    import csv as csvmodule

    # (Windows-1252, so the csv module reads it: pyarrow has no field limit)
    data = b"lat,lon,note\n-6.3,108.3,caf\xe9\n-6.4,108.4," + b"x" * 300 + b"\n-6.5,108.5,c\n"
    with CsvFile(data) as reader:
        previous = csvmodule.field_size_limit(100)
        try:
            chunks = list(reader.chunks(10))
        finally:
            csvmodule.field_size_limit(previous)
    lines = [int(line) for c in chunks for line in c.lines]
    problems = [p.code for c in chunks for p in c.problems.values()]
    assert "too_long" in problems
    assert lines[0] == 2 and lines[-1] == 4 and len(lines) == 3


MESSY = ("\ufeffNo;Nama;Lintang;Bujur;;\r\n"
         "1;\"Baliho\r\n\r\n  \r\nbesar\";-6,3;108,3;;\r\n"   # blank lines inside a value
         "\r\n\r\n"                                                 # blank lines between records
         "2;\"say \"\"hi\"\"\";6°19'37.2\"S;108,4;;\r\n"        # a stray quote in a value
         ";;;;;\r\n"                                                # empty values only: not a row
         "3;x;-6,5;108,5;;extra\r\n"                                 # a value beyond the header
         "4;\"\nlead\";-6,6;108,6\r\n"                              # short row, leading newline
         "5;y;-6,7;108,7;;")                                           # no final line break


def _read(data, careful, monkeypatch):
    if careful:
        def give_up(csv, rows, tick):
            csv.fallback_from = (None, None)
            return iter(())
        monkeypatch.setattr("geo.validation.reading.reader.fast.chunks", give_up)
    with CsvFile(data) as reader:
        return [(int(line), row, chunk.problems.get(i)) for chunk in reader.chunks(2)
                for i, (line, row) in enumerate(zip(chunk.lines, chunk.table.to_pylist()))]


@pytest.mark.parametrize("careful", [False, True])
def test_fast_and_careful_paths_read_the_same(monkeypatch, careful):
    out = _read(MESSY.encode("utf-8"), careful, monkeypatch)
    assert [line for line, _, _ in out] == [2, 8, 10, 11, 13]
    assert out[0][1]["Nama"] == "Baliho\r\n\r\n  \r\nbesar"
    assert out[1][1]["Lintang"] == "6°19'37.2\"S"
    assert out[2][2].code == "extra_values" and out[2][2].values["values"] == '"extra"'
    assert out[3][1]["Nama"] == "\nlead" and out[4][1]["Bujur"] == "108,7"


def test_fast_path_hands_over_to_the_careful_one_mid_file(monkeypatch):
    import geo.validation.reading.fast as fast

    monkeypatch.setattr(fast, "BLOCK_BYTES", 64)
    monkeypatch.setattr("geo.validation.reading.reader.SNIFF_BYTES", 100)  # the odd byte lies beyond the sample
    good = "".join(f"{i};n{i};-6,{i};108,{i}\r\n" for i in range(1, 30))
    data = ("No;Nama;Lintang;Bujur\r\n" + good).encode() + b"99;caf\xe9;-6,9;108,9\r\n" + good.encode()
    with CsvFile(data) as reader:
        assert reader.encoding == "UTF-8"
        rows = [(int(line), r["Nama"]) for c in reader.chunks(7) for line, r in zip(c.lines, c.table.to_pylist())]
    assert rows[29] == (31, "caf\u00e9")
    assert [line for line, _ in rows] == list(range(2, 61))


def test_position_follows_the_blocks_read_for_progress_bars():
    data = ("No;Lintang;Bujur\r\n" + "".join(f"{i};-6,{i:06d};108,{i:06d}\r\n" for i in range(60_000))).encode()
    with CsvFile(data) as csv:
        positions = [csv.position() for _ in csv.chunks(10_000)]
    assert positions == sorted(positions) and positions[-1] == len(data) and len(set(positions)) > 1
