"""geo.validation.pipeline: a verdict for every row, in order, every input column kept."""
from __future__ import annotations

import io
import json

import geopandas as gpd
import pytest

from geo.validation import RESULT_COLUMNS, Validator
from geo.validation.reading import CsvFile, UnreadableFile

OK = (-6.327, 108.325)          # 55 m from SD NEGERI MARGADADI III (limit 50 m)
OUTSIDE = (-5.5, 108.0)         # Java Sea: in no regency


@pytest.fixture(scope="module")
def violation_point(layers):
    school = layers.sites[layers.sites["category"] == "school"].iloc[0]
    point = school.geometry.representative_point()
    return point.y, point.x, school["name"]


def run(engine, data: bytes, **options):
    out = io.BytesIO()
    summary = Validator(engine, **options).run(data, out)
    with CsvFile(out.getvalue()) as results:
        rows = [r for chunk in results.chunks(10_000) for r in chunk.table.to_pylist()]
        return summary, results.columns, rows


def test_every_row_in_order_with_every_column(engine, violation_point):
    lat, lon, name = violation_point
    data = (f"No;Nama;Lintang;Bujur\n"
            f"1;ok;{OK[0]};{OK[1]}\n"
            f"2;violation;{lat};{lon}\n"
            f"3;outside;{OUTSIDE[0]};{OUTSIDE[1]}\n"
            f"4;swapped;{OK[1]};{OK[0]}\n").encode()
    summary, columns, rows = run(engine, data)
    assert columns == ["No", "Nama", "Lintang", "Bujur", *RESULT_COLUMNS]
    assert [r["No"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["status"] for r in rows] == ["incomplete", "violation", "outside_area", "invalid"]  # bundled: no complete data
    ok, hit, outside, swapped = rows
    assert ok["regency_code"] == "32.12" and ok["regency"] == "Kabupaten Indramayu"
    assert ok["nearest_site"] == "SD NEGERI MARGADADI III" and ok["nearest_category"] == "school"
    assert float(ok["nearest_distance_m"]) > float(ok["buffer_m"]) == 50
    assert ok["legal_basis"].startswith("PKPU 15/2023")
    assert ok["violations"] == "0" and ok["error"] == "" and ok["duplicate_of"] == ""
    assert hit["nearest_site"] == name and float(hit["nearest_distance_m"]) == 0
    assert int(hit["violations"]) >= 1
    assert outside["regency"] == "" and outside["error"] == ""
    assert swapped["error"] == f"baris 5: lintang/bujur tampak tertukar: {OK[0]} adalah lintang"
    assert swapped["regency"] == swapped["violations"] == ""
    assert summary.rows == 4
    assert dict(summary.counts) == {"incomplete": 1, "violation": 1, "outside_area": 1, "invalid": 1}


@pytest.mark.parametrize("lang, value, expected", [
    ("id", "", "baris 2: lintang kosong"),
    ("en", "", "line 2: latitude is empty"),
    ("en", "abc", "line 2: latitude \"abc\" is not a coordinate: write decimal degrees (-6.327) or "
                  "degrees-minutes-seconds (6°19'37.2\"S)"),
    ("en", "95", "line 2: latitude 95 is outside -90..90"),
    ("en", "6°75'S", "line 2: \"6°75'S\": the minutes must be below 60"),
    ("id", "6°75'S", "baris 2: \"6°75'S\": menit harus kurang dari 60"),
    ("en", "-6.3 N", "line 2: \"-6.3 N\" has a minus sign and the contradicting direction N: use one or the other"),
])
def test_invalid_rows_say_why_in_the_clerks_language(engine, lang, value, expected):
    _, _, rows = run(engine, f'lat,lon\n"{value}",108.3\n'.encode(), lang=lang)
    assert rows[0]["status"] == "invalid"
    assert rows[0]["error"] == expected


def test_error_line_numbers_count_quoted_newlines_and_blank_lines(engine):
    data = b'nama,lat,lon\n"two\nlines",-6.3,108.3\n\n"x",,108.3\n'
    _, _, rows = run(engine, data, lang="en")
    assert rows[1]["error"] == "line 5: latitude is empty"


def test_pair_column_and_dms(engine):
    data = ('koordinat;nama\n"-6,327, 108,325";a\n6°19\'37.2"S 108°19\'30"E;b\n-6.327,108.325;c\n'
            '108.325, -6.327;d\n').encode()
    _, _, rows = run(engine, data, lang="en")
    assert [r["status"] for r in rows] == ["incomplete", "incomplete", "incomplete", "invalid"]
    assert rows[3]["error"] == "line 5: lat/lon look swapped: -6.327 is a latitude"


def test_duplicates_within_two_metres_point_to_the_first_row(engine):
    one_metre = 1 / 111_000
    data = (f"lat,lon\n{OK[0]},{OK[1]}\n{OK[0] + one_metre},{OK[1]}\n{OK[0] + 5 * one_metre},{OK[1]}\n"
            f"{OK[0]},{OK[1]}\n").encode()
    summary, _, rows = run(engine, data, chunk_rows=2)  # across chunk boundaries
    assert [r["duplicate_of"] for r in rows] == ["", "2", "", "2"]
    assert summary.duplicates == 2


def test_duplicates_need_the_same_apk_id_when_there_is_an_id_column(engine):
    data = (f"id_apk,lat,lon\nA1,{OK[0]},{OK[1]}\nB7,{OK[0]},{OK[1]}\na1,{OK[0]},{OK[1]}\n").encode()
    _, _, rows = run(engine, data)
    assert [r["duplicate_of"] for r in rows] == ["", "", "2"]


def test_at_column_outside_the_campaign_period_and_bad_dates(engine):
    data = (f"lat,lon,tanggal\n{OK[0]},{OK[1]},05/01/2024\n{OK[0]},{OK[1]},2025-06-01\n"
            f"{OK[0]},{OK[1]},kemarin\n{OK[0]},{OK[1]},\n").encode()
    _, _, rows = run(engine, data, at_column="Tanggal", lang="en")
    assert [r["status"] for r in rows] == ["incomplete", "outside_period", "invalid", "incomplete"]
    assert rows[2]["error"] == 'line 4: date "kemarin" is not recognised: write YYYY-MM-DD or DD/MM/YYYY'


def test_input_columns_named_like_results_are_kept_under_another_name(engine):
    data = f"status,lat,lon,error\nbaru,{OK[0]},{OK[1]},x\n".encode()
    _, columns, rows = run(engine, data)
    assert columns[:4] == ["input_status", "lat", "lon", "input_error"]
    assert rows[0]["input_status"] == "baru" and rows[0]["status"] == "incomplete"


def test_header_only_file_gives_a_header_only_result(engine):
    summary, columns, rows = run(engine, b"lat,lon,nama\n")
    assert columns == ["lat", "lon", "nama", *RESULT_COLUMNS] and rows == [] and summary.rows == 0


def test_output_keeps_the_input_delimiter_and_bom(engine):
    out = io.BytesIO()
    Validator(engine).run(f"\ufefflat;lon\n{OK[0]};{OK[1]}\n".encode(), out)
    assert out.getvalue().startswith(b'\xef\xbb\xbf"lat";"lon";"line";"status"')


def test_unreadable_file_is_an_error_before_anything_is_written(engine, tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(UnreadableFile, match="no coordinate columns"):
        Validator(engine).run(b"a,b\n1,2\n", target)
    assert not target.exists()


def test_violations_geojson_is_rfc7946(engine, violation_point, tmp_path):
    lat, lon, name = violation_point
    data = f"nama,lat,lon\nA,{lat},{lon}\nB,{OK[0]},{OK[1]}\nC,{lat:.6f},{lon:.6f}\n".encode()
    path = tmp_path / "violations.geojson"
    summary = Validator(engine).run(data, io.BytesIO(), violations=path)
    doc = json.loads(path.read_text("utf-8"))
    assert "crs" not in doc and doc["type"] == "FeatureCollection"
    assert [f["properties"]["nama"] for f in doc["features"]] == ["A", "C"]
    x, y = doc["features"][0]["geometry"]["coordinates"]
    assert (x, y) == (pytest.approx(lon, abs=1e-7), pytest.approx(lat, abs=1e-7))
    assert all(len(repr(v).split(".")[-1]) <= 7 for f in doc["features"] for v in f["geometry"]["coordinates"])
    assert doc["features"][1]["properties"]["duplicate_of"] == 2
    frame = gpd.read_file(path)
    assert len(frame) == summary.violations_written == 2 and frame.crs.to_epsg() == 4326


def test_batch_arrow_matches_table(engine, violation_point):
    lat, lon, _ = violation_point
    batch = engine.check_many([lon, OK[1], OUTSIDE[1]], [lat, OK[0], OUTSIDE[0]])
    frame = batch.table()
    arrow = batch.arrow().to_pylist()
    for i, row in enumerate(arrow):
        for name, value in row.items():
            expected = frame[name].iloc[i]
            if isinstance(expected, str):
                assert (value or "") == expected, name
            elif value is None:
                assert expected != expected, name  # NaN
            else:
                assert value == pytest.approx(expected), name


@pytest.mark.parametrize("with_ids", [True, False])
def test_duplicate_finder_agrees_with_brute_force(with_ids):
    """Chunk after chunk, with and without an id column: identical points within a chunk and
    across chunks (those are folded), clusters a few metres wide, pairs near 2 m."""
    import numpy as np

    from geo.validation.duplicates import DuplicateFinder, distance_m

    rng = np.random.default_rng(3)
    n = 600
    lon = 108.3 + rng.normal(0, 2e-5, n)  # a few metres apart: many pairs near 2 m
    lat = -6.3 + rng.normal(0, 2e-5, n)
    lon[300:] += 0.001                   # a second cluster
    lon[50:60] = lon[10]  # identical points: a later chunk, and inside one chunk
    lat[50:60] = lat[10]
    lon[[400, 420, 590]] = lon[399]
    lat[[400, 420, 590]] = lat[399]
    ids = rng.integers(0, 3, n).astype(str) if with_ids else None
    lines = np.arange(2, n + 2) * 2
    finder = DuplicateFinder(2.0)
    got = np.concatenate([finder.find(lon[i:i + 37], lat[i:i + 37], lines[i:i + 37],
                                      ids=None if ids is None else ids[i:i + 37])
                          for i in range(0, n, 37)])
    expected = np.zeros(n, dtype="int64")
    for j in range(n):
        near = [i for i in range(j) if (ids is None or ids[i] == ids[j])
                and distance_m(lon[i], lat[i], lon[j], lat[j]) <= 2.0]
        expected[j] = lines[near[0]] if near else 0
    assert (got == expected).all()
    assert (expected > 0).sum() > 50


def test_judging_several_chunks_at_once_gives_the_same_results(engine, tmp_path):
    """Two chunks at once, in threads (the CLI's default) or forked processes: the same bytes
    as one at a time, on
    the benchmark's messy export (DMS, decimal commas, quoted line breaks, blank lines, dates,
    repeats), in several chunks."""
    from zonasi.testing.messy_csv import write_messy_export

    source = tmp_path / "laporan.csv"
    write_messy_export(source, 3_000, seed=5)
    outputs = []
    for jobs, processes in ((1, False), (2, False), (2, True)):
        out, violations = tmp_path / f"hasil{jobs}{processes}.csv", tmp_path / f"pelanggaran{jobs}{processes}.geojson"
        summary = Validator(engine, at_column="Tanggal", chunk_rows=700, jobs=jobs, processes=processes).run(
            source, out, violations=violations)
        outputs.append((out.read_bytes(), violations.read_bytes(), summary.to_dict() | {"seconds": 0}))
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0][2]["rows"] == 3_000 and outputs[0][2]["counts"]["violation"] > 0
