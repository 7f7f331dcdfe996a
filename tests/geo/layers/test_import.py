"""zonasi layers import: every file type, CRS, repairs, missing geometry, versions."""
from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import LineString, Point, Polygon

from geo import InputError, load_layers
from geo.layers.importing.files import ImportOptions, import_file, parse_mapping
from geo.layers.versions import read_manifest
from zonasi.cli import cli
from zonasi.testing.layers import make_layers_dir

# Indramayu town (32.12), real coordinates of the regency's centre.
LON, LAT = 108.3200, -6.3300


@pytest.fixture()
def layers_dir(tmp_path):
    return make_layers_dir(tmp_path)


def _sample() -> gpd.GeoDataFrame:
    bowtie = Polygon([(LON, LAT), (LON + 0.001, LAT + 0.001), (LON + 0.001, LAT), (LON, LAT + 0.001)])
    return gpd.GeoDataFrame({
        "NAMOBJ": ["Masjid Agung", "SDN 1", "Puskesmas", "Jalan", "Kosong"],
        "JENIS": ["Masjid", "SD", "PKM", "Jalan", "SD"],
    }, geometry=[Point(LON, LAT), bowtie, Point(LON + 0.01, LAT), LineString([(LON, LAT), (LON + 0.01, LAT)]),
                 None], crs=4326)


MAP = ("Masjid=place_of_worship", "SD=school", "PKM=health_facility")


def _options(**kw):
    return ImportOptions(category_field="JENIS", mapping=parse_mapping(MAP), name_field="NAMOBJ", **kw)


@pytest.mark.parametrize("suffix,driver", [(".geojson", "GeoJSON"), (".gpkg", "GPKG"), (".fgb", "FlatGeobuf"),
                                           (".parquet", None)])
def test_each_file_type_imports_with_mapping_repair_and_missing_rows(tmp_path, layers_dir, suffix, driver):
    source = tmp_path / f"poi{suffix}"
    frame = _sample()
    if driver is None:
        frame.to_parquet(source)
    else:
        extra = {"SPATIAL_INDEX": "NO"} if driver == "FlatGeobuf" else {}
        frame.to_file(source, driver=driver, engine="pyogrio", **extra)
    report = import_file(source, layers_dir, _options())
    assert report.read == 5
    assert report.written == 3
    assert report.by_category == {"health_facility": 1, "place_of_worship": 1, "school": 1}
    assert report.repaired == 1                  # the bow-tie school ground
    assert report.without_geometry == [5]
    assert report.unmapped == {"Jalan": 1}
    written = gpd.read_parquet(report.output)
    assert written.crs.to_epsg() == 4326
    assert shapely.is_valid(written.geometry.values).all()
    assert set(written["regency_code"]) == {"32.12"}
    assert written.loc[written["category"] == "school"].geometry.iloc[0].geom_type == "MultiPolygon"
    assert list(written["name"]) == ["Masjid Agung", "SDN 1", "Puskesmas"]


def test_shapefile_of_polygons_with_a_null_shape(tmp_path, layers_dir):
    frame = _sample().iloc[[1, 4]]                 # the bow-tie and a row without shape
    frame.to_file(tmp_path / "sekolah.shp", engine="pyogrio")
    report = import_file(tmp_path / "sekolah.shp", layers_dir, _options())
    assert (report.written, report.repaired, report.without_geometry) == (1, 1, [2])
    assert report.by_geometry == {"MultiPolygon": 1}


def test_zipped_shapefile_in_utm_is_reprojected(tmp_path, layers_dir):
    frame = _sample().iloc[[0]].to_crs(32749)     # UTM 49S, as regency GIS staff often deliver
    shp = tmp_path / "shp"
    shp.mkdir()
    frame.to_file(shp / "masjid.shp", engine="pyogrio")
    archive = tmp_path / "masjid.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for part in shp.iterdir():
            z.write(part, f"data/{part.name}")
    report = import_file(archive, layers_dir, ImportOptions(category="place_of_worship"))
    assert report.source_crs == "EPSG:32749"
    point = gpd.read_parquet(report.output).geometry.iloc[0]
    assert point.x == pytest.approx(LON, abs=1e-7) and point.y == pytest.approx(LAT, abs=1e-7)


def test_shapefile_without_prj_needs_crs(tmp_path, layers_dir):
    frame = _sample().iloc[[0]].to_crs(32749)
    frame.to_file(tmp_path / "bare.shp", engine="pyogrio")
    (tmp_path / "bare.prj").unlink()
    with pytest.raises(InputError, match="--crs"):
        import_file(tmp_path / "bare.shp", layers_dir, ImportOptions(category="school"))
    report = import_file(tmp_path / "bare.shp", layers_dir, ImportOptions(category="school", crs="EPSG:32749"))
    assert gpd.read_parquet(report.output).geometry.iloc[0].x == pytest.approx(LON, abs=1e-7)


def test_csv_with_indonesian_columns_and_decimal_commas(tmp_path, layers_dir):
    source = tmp_path / "sekolah.csv"
    source.write_text("nama;bujur;lintang\nSDN 1;108,32;-6,33\nSDN 2;;\nSDN 3;108.33;95\nSDN 4;108.325;-6.331\n",
                      "utf-8")
    report = import_file(source, layers_dir, ImportOptions(category="school"))
    assert report.written == 2
    assert report.without_geometry == [2, 3]     # empty, and a latitude outside -90..90
    assert list(gpd.read_parquet(report.output)["name"]) == ["SDN 1", "SDN 4"]


def test_csv_with_wkt_and_a_projected_crs(tmp_path, layers_dir):
    x, y = gpd.GeoSeries([Point(LON, LAT)], crs=4326).to_crs(32749).iloc[0].coords[0]
    source = tmp_path / "jalan.csv"
    source.write_text(f'name,wkt\nJl. Raya,"LINESTRING ({x} {y}, {x + 500} {y})"\n', "utf-8")
    report = import_file(source, layers_dir, ImportOptions(category="road", crs="EPSG:32749"))
    line = gpd.read_parquet(report.output).geometry.iloc[0]
    assert line.coords[0] == pytest.approx((LON, LAT), abs=1e-7)


def test_geopackage_with_several_layers_needs_layer(tmp_path, layers_dir):
    source = tmp_path / "multi.gpkg"
    _sample().iloc[[0]].to_file(source, layer="ibadah", engine="pyogrio")
    _sample().iloc[[1]].to_file(source, layer="sekolah", engine="pyogrio")
    with pytest.raises(InputError, match="ibadah, sekolah|sekolah, ibadah"):
        import_file(source, layers_dir, ImportOptions(category="school"))
    report = import_file(source, layers_dir, ImportOptions(category="school", layer="sekolah"))
    assert report.written == 1


def test_reimport_bumps_the_version_and_the_engine_sees_the_sites(tmp_path, layers_dir):
    source = tmp_path / "ibadah.geojson"
    _sample().iloc[[0]].to_file(source, engine="pyogrio")
    first = import_file(source, layers_dir, ImportOptions(category="place_of_worship", licence="CC-BY-4.0"))
    assert first.previous_version is None
    with pytest.raises(InputError, match="--replace"):
        import_file(source, layers_dir, ImportOptions(category="place_of_worship"))
    moved = _sample().iloc[[0]]
    moved["geometry"] = [Point(LON + 0.002, LAT)]
    moved.to_file(source, engine="pyogrio")
    second = import_file(source, layers_dir, ImportOptions(category="place_of_worship", replace=True))
    assert second.previous_version == first.version
    assert second.version != first.version
    manifest = read_manifest(layers_dir)
    assert [v["version"] for v in manifest["versions"]] == [first.version, second.version]
    assert manifest["files"]["sites/ibadah.parquet"]["features"] == 1
    layers = load_layers(layers_dir)
    assert layers.version == second.version
    assert list(layers.sites["site_id"]) == ["ibadah-1"]


def test_nothing_to_import_says_why(tmp_path, layers_dir):
    source = tmp_path / "x.geojson"
    _sample().to_file(source, engine="pyogrio")
    with pytest.raises(InputError, match="not mapped.*--map"):
        import_file(source, layers_dir, ImportOptions(category_field="JENIS", mapping={"Pasar": "park"}))
    with pytest.raises(InputError, match="unknown category 'mosque'"):
        import_file(source, layers_dir, ImportOptions(category="mosque"))
    with pytest.raises(InputError, match="no field 'KIND'"):
        import_file(source, layers_dir, ImportOptions(category_field="KIND"))
    assert not any((layers_dir / "sites").iterdir())


def test_cli_import_and_list(tmp_path, layers_dir):
    source = tmp_path / "poi.gpkg"
    _sample().to_file(source, engine="pyogrio")
    runner = CliRunner()
    result = runner.invoke(cli, ["layers", "import", str(source), "--category-field", "JENIS", *sum(
        (["--map", m] for m in MAP), []), "--name-field", "NAMOBJ", "--layers", str(layers_dir),
        "--licence", "CC-BY-4.0", "--source", "Dinas Kominfo", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Imported 3 of 5 features" in result.output
    assert "1 rows without geometry were skipped: rows 5" in result.output
    assert "1 invalid geometries repaired" in result.output
    assert "Jalan 1" in result.output
    listed = runner.invoke(cli, ["layers", "list", "--layers", str(layers_dir), "--json"])
    assert listed.exit_code == 0, listed.output
    info = json.loads(listed.output)
    assert {(r["category"], r["regency_code"], r["sites"]) for r in info["counts"]} == {
        ("place_of_worship", "32.12", 1), ("school", "32.12", 1), ("health_facility", "32.12", 1)}
    assert info["files"] == [{"file": "sites/poi.parquet", "features": 3, "source": "Dinas Kominfo",
                              "licence": "CC-BY-4.0", "date": None,
                              "imported_at": info["files"][0]["imported_at"]}]
    assert info["layers_version"] == info["recorded"]["version"]
    text = runner.invoke(cli, ["layers", "list", "--layers", str(layers_dir), "--lang", "en"])
    assert "32.12 Kabupaten Indramayu" in text.output and "CC-BY-4.0" in text.output
    assert "Regency boundaries (3) by source" in text.output  # make_layers_dir declares its regencies complete
    bad = runner.invoke(cli, ["layers", "import", str(source), "--map", "x", "--category-field", "JENIS",
                              "--layers", str(layers_dir)])
    assert bad.exit_code == 2 and "NILAI=KUNCI" in bad.output  # the CLI speaks Indonesian by default (#18)


def test_bundled_layers_list_names_source_and_licence():
    assert "coverage.toml" not in CliRunner().invoke(cli, ["layers", "list", "--lang", "en"]).output  # declared
    result = CliRunner().invoke(cli, ["layers", "list", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    files = {f["file"]: f for f in info["files"]}
    assert files["sites/indramayu.parquet"]["licence"].startswith("MIT")
    assert files["sites/indramayu.parquet"]["features"] == 1318
    assert "suryavip/daftar-sekolah-indonesia" in files["sites/indramayu.parquet"]["source"]
    assert sum(r["sites"] for r in info["counts"]) == sum(f["features"] for f in info["files"])
    assert any(r["regency_code"] == "32.12" and r["category"] == "school"
                                     and r["sites"] >= 1260 for r in info["counts"])
