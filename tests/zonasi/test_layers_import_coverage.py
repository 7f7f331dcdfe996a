"""zonasi layers import --complete-for / --complete-within: a [[complete]] entry in coverage.toml,
checked before anything is written and rolled back with the import when it cannot be kept (#15)."""
from __future__ import annotations

import datetime as dt
import json
import tomllib

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner

from geo.layers import bundled_layers_dir, content_version, load_coverage
from geo.layers.directory import read_regencies
from geo.layers.versions import read_manifest
from zonasi.cli import cli
from zonasi.testing.layers import make_layers_dir

UTM = 32749


@pytest.fixture()
def layers_dir(tmp_path):
    directory = make_layers_dir(tmp_path)
    (directory / "coverage.toml").unlink(missing_ok=True)   # start with nothing declared
    return directory


def _regencies():
    return gpd.read_parquet(bundled_layers_dir() / "regencies.parquet").set_index("code")


def _schools(path, names=("SD 1", "SD 2")):
    """Points well inside Indramayu (32.12)."""
    inside = _regencies().geometry["32.12"].representative_point()
    points = [shapely.Point(inside.x + 0.001 * i, inside.y) for i in range(len(names))]
    gpd.GeoDataFrame({"name": list(names)}, geometry=points, crs=4326).to_file(path)
    return path


def _run(*args, lang="en"):
    return CliRunner().invoke(cli, ["layers", *map(str, args), "--lang", lang])


def _entries(layers_dir):
    return tomllib.loads((layers_dir / "coverage.toml").read_text("utf-8"))["complete"]


def _coverage(layers_dir):
    regencies = read_regencies(next(layers_dir.glob("regencies.*")))
    return load_coverage(layers_dir, regencies.column("code"), regencies.geometry)


def _snapshot(layers_dir):
    """Every file of the layers directory with its bytes."""
    return {p.relative_to(layers_dir).as_posix(): p.read_bytes() for p in sorted(layers_dir.rglob("*")) if p.is_file()}


def test_complete_for_adds_a_valid_entry_and_records_the_version(tmp_path, layers_dir):
    result = _run("import", _schools(tmp_path / "sd.geojson"), "--category", "school", "--complete-for", "32.12",
                  "--source", "Kemdikbud Dapodik", "--as-of", "2024-06-30", "--layers", layers_dir)
    assert result.exit_code == 0, result.output
    assert _entries(layers_dir) == [{"categories": ["school"], "regencies": ["32.12"], "source": "Kemdikbud Dapodik",
                                     "as_of": dt.date(2024, 6, 30)}]
    coverage = _coverage(layers_dir)
    assert coverage.complete_regencies("school") == {"32.12"}
    assert coverage.complete_regencies("place_of_worship") == set()
    assert "Declared complete" in result.output and "entry 1" in result.output
    assert "delete [[complete]] entry 1" in result.output   # how to withdraw it
    # the version recorded is the one with the coverage file: no "unrecorded change"
    manifest = read_manifest(layers_dir)
    assert manifest["versions"][-1]["version"] == content_version(layers_dir)
    assert "coverage.toml [[complete]] #1" in manifest["versions"][-1]["change"]
    assert manifest["files"]["sites/sd.parquet"]["date"] == "2024-06-30"   # --date defaults to --as-of
    assert (layers_dir / "coverage.toml").stat().st_mode & 0o044 == 0o044  # readable by a server user


def test_repeated_imports_append_and_keep_the_files_comments(tmp_path, layers_dir):
    before = ("# Kami menyatakan hanya yang didukung sumbernya.\n\n[[complete]]\n"
              "categories = [\"road\"]   # jalan nasional\nregencies = [\"32.09\"]\nsource = \"BIG\"\n")
    (layers_dir / "coverage.toml").write_text(before, "utf-8")
    schools = _schools(tmp_path / "sd.geojson")
    first = _run("import", schools, "--category", "school", "--complete-for", "32.12", "--source", "Dapodik",
                 "--layers", layers_dir)
    second = _run("import", schools, "--category", "health_facility", "--output-name", "puskesmas",
                  "--complete-for", "32.12", "--complete-for", "32.09", "--source", "Kemenkes", "--as-of", "2019-12-31",
                  "--layers", layers_dir)
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    text = (layers_dir / "coverage.toml").read_text("utf-8")
    assert text.startswith(before)          # comments and the entry there stay as they were
    entries = _entries(layers_dir)
    assert [e["categories"] for e in entries] == [["road"], ["school"], ["health_facility"]]
    assert entries[2]["regencies"] == ["32.12", "32.09"] and entries[2]["as_of"] == dt.date(2019, 12, 31)
    assert "entry 3" in second.output
    assert _coverage(layers_dir).complete_regencies("health_facility") == {"32.09", "32.12"}
    # the very same declaration again (a re-import with --replace): not added twice
    again = _run("import", schools, "--category", "health_facility", "--output-name", "puskesmas", "--replace",
                 "--complete-for", "32.12", "--complete-for", "32.09", "--source", "Kemenkes", "--as-of",
                 "2019-12-31", "--layers", layers_dir)
    assert again.exit_code == 0, again.output
    assert "Already declared" in again.output and "entry 3" in again.output
    assert len(_entries(layers_dir)) == 3


@pytest.mark.parametrize("lang, words", [("en", "regency 99.99 is not in the regencies layer"),
                                         ("id", "kabupaten/kota 99.99 tidak ada di lapisan")])
def test_an_unknown_regency_code_is_refused_before_anything_is_written(tmp_path, layers_dir, lang, words):
    (layers_dir / "coverage.toml").write_text("# nothing yet\n", "utf-8")
    schools = _schools(tmp_path / "sd.geojson")
    before = _snapshot(layers_dir)
    result = _run("import", schools, "--category", "school", "--complete-for", "32.12", "--complete-for", "99.99",
                  "--source", "Dapodik", "--layers", layers_dir, lang=lang)
    assert result.exit_code == 2
    assert words in result.output
    assert _snapshot(layers_dir) == before       # no sites file, no coverage entry, no version


@pytest.mark.parametrize("args, words", [
    (["--complete-for", "32.12"], "--source is required to declare coverage"),
    (["--as-of", "2024-01-01", "--source", "Dapodik"], "--as-of dates a coverage declaration"),
])
def test_a_declaration_without_source_or_a_date_without_declaration_is_refused(tmp_path, layers_dir, args, words):
    schools = _schools(tmp_path / "sd.geojson")
    before = _snapshot(layers_dir)
    result = _run("import", schools, "--category", "school", *args, "--layers", layers_dir)
    assert result.exit_code == 2
    assert words in result.output
    assert _snapshot(layers_dir) == before


def test_an_entry_that_makes_the_file_invalid_rolls_back_the_whole_import(tmp_path, layers_dir):
    """coverage.toml holding `complete = []` is valid, but a [[complete]] appended to it is not
    TOML: the file, the replaced sites file and the manifest stay as they were."""
    first = _run("import", _schools(tmp_path / "sd.geojson"), "--category", "school", "--layers", layers_dir)
    assert first.exit_code == 0, first.output
    (layers_dir / "coverage.toml").write_text("complete = []\n", "utf-8")
    before = _snapshot(layers_dir)
    other = _schools(tmp_path / "other.geojson", names=("SD 3", "SD 4", "SD 5"))
    result = _run("import", other, "--category", "school", "--output-name", "sd", "--replace",
                  "--complete-for", "32.12", "--source", "Dapodik", "--layers", layers_dir)
    assert result.exit_code == 2
    assert "declaring coverage failed, so nothing was imported" in result.output
    assert _snapshot(layers_dir) == before       # sites/sd.parquet is the first import's again
    assert not list((layers_dir / "sites").glob(".*"))   # no backup or partial file left behind


def test_complete_within_copies_the_area_and_coverage_shows_partial_and_complete(tmp_path, layers_dir):
    indramayu = _regencies().to_crs(UTM).geometry["32.12"]
    centre = indramayu.representative_point()
    square = shapely.box(centre.x - 2000, centre.y - 2000, centre.x + 2000, centre.y + 2000)
    area = tmp_path / "desa.gpkg"      # in UTM metres: reprojected into the copy
    gpd.GeoDataFrame({"nama": ["Desa Contoh"]}, geometry=[square], crs=UTM).to_file(area)
    result = _run("import", _schools(tmp_path / "sd.geojson"), "--category", "school", "--complete-within", area,
                  "--complete-for", "32.09", "--source", "Survei lapangan", "--as-of", "2024-07-01",
                  "--layers", layers_dir)
    assert result.exit_code == 0, result.output
    assert _entries(layers_dir)[0]["area"] == "coverage/desa.geojson"
    assert "coverage/desa.geojson" in result.output          # named in the undo advice
    area.unlink()                                             # the entry does not depend on the original
    copied = gpd.read_file(layers_dir / "coverage" / "desa.geojson")
    assert copied.crs.to_epsg() == 4326
    # the same square, within the 1e-7 degrees (~1 cm) the copy is rounded to
    assert copied.to_crs(UTM).area.sum() == pytest.approx(square.area, rel=1e-5)
    shown = CliRunner().invoke(cli, ["layers", "coverage", "--json", "--layers", str(layers_dir)])
    assert shown.exit_code == 0, shown.output
    status = {(r["regency_code"], r["category"]): r["status"] for r in json.loads(shown.output)["regencies"]}
    assert status[("32.12", "school")] == "partial"
    assert status[("32.09", "school")] == "complete"
    assert status[("63.10", "school")] == "none"
    assert status[("32.12", "place_of_worship")] == "none"
    # a second area file of the same name does not overwrite the first entry's
    other = tmp_path / "desa.geojson"
    gpd.GeoDataFrame(geometry=[square.buffer(500)], crs=UTM).to_file(other)
    again = _run("import", _schools(tmp_path / "sd.geojson"), "--category", "health_facility", "--output-name",
                 "pkm", "--complete-within", other, "--source", "Survei lapangan", "--layers", layers_dir)
    assert again.exit_code == 0, again.output
    assert [e["area"] for e in _entries(layers_dir)] == ["coverage/desa.geojson", "coverage/desa_2.geojson"]


def test_complete_within_needs_polygons(tmp_path, layers_dir):
    points = _schools(tmp_path / "points.geojson")
    before = _snapshot(layers_dir)
    result = _run("import", _schools(tmp_path / "sd.geojson"), "--category", "school", "--complete-within", points,
                  "--source", "Survei", "--layers", layers_dir)
    assert result.exit_code == 2
    assert "must hold polygons" in result.output
    assert _snapshot(layers_dir) == before


def test_help_teaches_declaring_coverage():
    text = CliRunner().invoke(cli, ["layers", "import", "--help"]).output
    assert "--complete-for 32.12 --source" in text and "--complete-within" in text
    osm = CliRunner().invoke(cli, ["layers", "import-osm", "--help"]).output
    assert "--no-coverage" in osm and "OpenStreetMap contributors (ODbL)" in osm


def test_the_backup_of_a_killed_run_is_cleaned_by_the_next_import(tmp_path, layers_dir):
    """restoring() keeps the replaced sites file as a locked hard link named like a partial write:
    one a killed run left (unlocked) goes at the next import; the sites file itself stays."""
    from geo.layers.coverage_write import restoring

    first = _run("import", _schools(tmp_path / "sd.geojson"), "--category", "school", "--layers", layers_dir)
    assert first.exit_code == 0, first.output
    sites = layers_dir / "sites" / "sd.parquet"
    with restoring(sites):
        (left,) = (layers_dir / "sites").glob(".sd.parquet.*.undo.partial")
        assert left.stat().st_ino == sites.stat().st_ino
    assert not left.exists()
    left.hardlink_to(sites)            # as a killed run leaves it: not locked
    again = _run("import", _schools(tmp_path / "pkm.geojson"), "--category", "health_facility", "--layers",
                 layers_dir)
    assert again.exit_code == 0, again.output
    assert not left.exists() and sites.exists()
