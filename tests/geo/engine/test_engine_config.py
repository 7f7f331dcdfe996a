"""Loading a layers directory: errors name the file, the key and the line."""
from __future__ import annotations

import shutil

import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo import ConfigError, Engine, load_layers, parse_rules
from geo.layers.directory import bundled_layers_dir


@pytest.fixture()
def layers_copy(tmp_path):
    root = tmp_path / "layers"
    shutil.copytree(bundled_layers_dir(), root, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    return root


def test_bundled_layers(layers):
    assert len(layers.regencies) == 514
    assert len(layers.sites) > 16_000
    assert set(layers.sites.category) == {"school", "health_facility", "government_office",
                                          "place_of_worship", "road"}
    assert layers.sites.site_id.is_unique


def test_rules_override_per_regency(layers):
    rules = layers.rules
    assert rules.buffer_m("63.10", "school") == 10        # Tanah Bumbu, Perbup 43/2018
    assert rules.buffer_m("32.12", "school") == 50
    assert rules.buffer_m("63.10", "health_facility") == 50


def test_unknown_key_names_file_key_and_line(layers_copy):
    rules = layers_copy / "rules.toml"
    text = rules.read_text().replace("buffer_m = 5\n", "buffer_m = 5\nbufer_m = 7\n")
    rules.write_text(text)
    line = text.splitlines().index("bufer_m = 7") + 1
    with pytest.raises(ConfigError) as err:
        load_layers(layers_copy)
    assert f"rules.toml:{line}" in str(err.value)
    assert "categories.road.bufer_m" in str(err.value) and "unknown key 'bufer_m'" in str(err.value)


@pytest.mark.parametrize("snippet,needle", [
    ('[categories.school]\nlabel = "x"\nbuffer_m = -5\nlegal_basis = "y"', "greater than or equal to 0"),
    ('[regencies."32.12".buffer_m]\nschools = 100', "unknown category 'schools'"),
    ('[regencies."3212"]\nname = "x"', "not a Kemendagri code"),
    ('[periods.p]\nstart = 2024-02-10\nend = 2023-11-28', "before start"),
    ('[categories.cemetery]\nlabel = "x"\nbuffer_m = 5\nlegal_basis = "y"', "unknown category 'cemetery'"),
])
def test_bad_values_are_errors(snippet, needle):
    base = (bundled_layers_dir() / "rules.toml").read_text()
    if snippet.startswith("[categories.school]"):
        base = base.replace("[categories.school]", "[categories.unused]", 1)
        base = base.replace("[categories.unused]\nlabel = \"Tempat pendidikan\"", "[unused]\nlabel = \"x\"")
    with pytest.raises(ConfigError, match=needle) as err:
        parse_rules(base + "\n" + snippet + "\n", "rules.toml")
    assert "rules.toml:" in str(err.value)


def test_broken_toml_has_a_line():
    with pytest.raises(ConfigError, match=r"rules.toml:3: not valid TOML"):
        parse_rules('title = "x"\n\nbuffer_m = = 3\n', "rules.toml")


def test_rules_naming_a_missing_regency(layers_copy):
    rules = layers_copy / "rules.toml"
    rules.write_text(rules.read_text() + '\n[regencies."99.99"]\nname = "nowhere"\n')
    with pytest.raises(ConfigError, match=r"regency 99.99 is not in the loaded regencies"):
        load_layers(layers_copy)


def test_site_with_unknown_category(layers_copy):
    gpd.GeoDataFrame([{"name": "Pasar", "category": "market", "geometry": Point(108.3, -6.3)}],
                     crs=4326).to_file(layers_copy / "sites" / "pasar.geojson")
    with pytest.raises(ConfigError, match=r"pasar.geojson: unknown category 'market'"):
        load_layers(layers_copy)


def test_sites_in_another_crs_are_reprojected(layers_copy):
    site = gpd.GeoDataFrame([{"name": "SD Uji", "category": "school", "geometry": Point(108.21, -6.45)}],
                            crs=4326).to_crs(32749)
    site.to_file(layers_copy / "sites" / "utm.gpkg")
    engine = Engine(load_layers(layers_copy))
    verdict = engine.check(108.21, -6.45)
    assert verdict.hits[0].name == "SD Uji" and verdict.hits[0].distance_m < 0.01


@pytest.mark.parametrize("name, write", [
    ("utm_wkb.parquet", lambda frame, path: frame.to_parquet(path)),
    ("utm_geoarrow.parquet", lambda frame, path: frame.to_parquet(path, geometry_encoding="geoarrow")),
    ("utm.geojson", lambda frame, path: frame.to_file(path, driver="GeoJSON")),
])
def test_each_site_format_reads_the_same(layers_copy, name, write):
    """GeoParquet (WKB through pyarrow, GeoArrow through geopandas) and GDAL formats (through
    pyogrio) give the same sites, reprojected to EPSG:4326, whatever the extra columns."""
    site = gpd.GeoDataFrame([{"name": "SD Uji", "category": "school", "npsn": 20212345,
                              "geometry": Point(108.21, -6.45)}], crs=4326).to_crs(32749)
    write(site, layers_copy / "sites" / name)
    layers = load_layers(layers_copy)
    added = layers.sites[layers.sites["layer"] == name.split(".")[0]]
    assert added[["name", "category", "site_id"]].values.tolist() == [["SD Uji", "school", name.split(".")[0] + "-1"]]
    assert int(added["npsn"].iloc[0]) == 20212345 and layers.sites["npsn"].isna().sum() == len(layers.sites) - 1
    assert added.geometry.iloc[0].distance(Point(108.21, -6.45)) < 1e-7
    assert layers.sites.crs.to_epsg() == 4326 and layers.sites.geometry.name == "geometry"
    assert Engine(layers).check(108.21, -6.45).hits[0].name == "SD Uji"


def test_layers_version_changes_with_content(layers_copy, layers):
    assert load_layers(layers_copy).version == layers.version
    gpd.GeoDataFrame([{"name": "SD Baru", "category": "school", "geometry": Point(108.21, -6.45)}],
                     crs=4326).to_file(layers_copy / "sites" / "baru.geojson")
    assert load_layers(layers_copy).version != layers.version


def test_missing_directory():
    with pytest.raises(ConfigError, match="layers directory not found"):
        load_layers("/nonexistent/layers")
