"""Exclusion zones for drawing and export: geometry, export formats, the API, the printed map."""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from matplotlib.image import imread
from pyproj import Geod
from shapely.geometry import Point

from geo import Engine, InputError, NotFound, bundled_layers_dir, load_layers
from geo.bbox import parse_bbox
from geo.zones.exclusion import ExclusionZoneCache, exclusion_zones, select
from zonasi.cli import cli
from zonasi.testing.layers import make_layers_dir

GEOD = Geod(ellps="WGS84")
LON, LAT = 108.3200, -6.3300          # Indramayu town (32.12)


def _engine(tmp_path, sites: gpd.GeoDataFrame, rules: str | None = None) -> Engine:
    directory = make_layers_dir(tmp_path, rules=rules)
    sites.to_parquet(directory / "sites" / "test.parquet")
    return Engine(load_layers(directory))


def _offset(lon, lat, east_m, north_m=0.0):
    lon2, lat2, _ = GEOD.fwd(lon, lat, 90, east_m)
    lon3, lat3, _ = GEOD.fwd(lon2, lat2, 0, north_m)
    return lon3, lat3


@pytest.fixture()
def small(tmp_path):
    sites = gpd.GeoDataFrame({"name": ["SD 1", "SD 2", "Masjid"], "category": ["school", "school", "place_of_worship"]},
                             geometry=[Point(LON, LAT), Point(*_offset(LON, LAT, 60)),
                                       Point(*_offset(LON, LAT, 0, 400))], crs=4326)
    return _engine(tmp_path, sites)


def test_zone_edges_lie_at_the_true_distance_and_overlaps_dissolve(small):
    zones = exclusion_zones(small, "32.12").set_index("category")
    assert list(zones.index) == ["place_of_worship", "school"]
    school = zones.loc["school"]
    assert school["sites"] == 2 and school["buffer_m"] == 50
    assert school.geometry.geom_type == "Polygon"              # two 50 m circles 60 m apart: one zone
    ring = np.asarray(school.geometry.exterior.coords)
    sites = [(LON, LAT), _offset(LON, LAT, 60)]
    nearest = np.min([GEOD.inv(np.full(len(ring), x), np.full(len(ring), y), ring[:, 0], ring[:, 1])[2]
                      for x, y in sites], axis=0)
    # every vertex of the 32-gons lies 50 m from its site, within 1 cm; the two points where the
    # polygons cross lie inside both circles
    assert (np.abs(nearest - 50) < 0.01).sum() == len(ring) - 2
    assert nearest.max() < 50.01
    worship = zones.loc["place_of_worship"]
    area = abs(GEOD.geometry_area_perimeter(worship.geometry)[0])
    assert area == pytest.approx(np.pi * 50 ** 2 * 0.9936, rel=0.002)   # a 32-gon
    assert worship["legal_basis"].startswith("PKPU 15/2023")


def test_regency_override_and_categories_and_bbox(tmp_path):
    rules = (bundled_layers_dir() / "rules.toml").read_text("utf-8")
    rules += '\n[regencies."32.12"]\nbuffer_m = { school = 100 }\n'
    sites = gpd.GeoDataFrame({"name": ["SD"], "category": ["school"]}, geometry=[Point(LON, LAT)], crs=4326)
    engine = _engine(tmp_path, sites, rules)
    zones = exclusion_zones(engine, "32.12", ["school"])
    assert list(zones["buffer_m"]) == [100]
    east = _offset(LON, LAT, 100)[0]
    assert zones.geometry.iloc[0].bounds[2] == pytest.approx(east, abs=1e-6)
    half = select(zones, "school", (LON, LAT - 0.01, LON + 0.01, LAT + 0.01))
    assert half.geometry.iloc[0].bounds[0] == pytest.approx(LON)
    assert select(zones, None, (LON + 0.1, LAT, LON + 0.2, LAT + 0.1)).empty
    with pytest.raises(InputError, match="unknown category 'mosque'"):
        exclusion_zones(engine, "32.12", ["mosque"])
    with pytest.raises(NotFound, match="regency 99.99 is not loaded"):
        exclusion_zones(engine, "99.99")


def test_a_site_across_the_border_gives_a_clipped_zone(tmp_path):
    from tests.geo.layers.test_osm import BORDER, OUT, _lonlat

    sites = gpd.GeoDataFrame({"name": ["SD seberang"], "category": ["school"]},
                             geometry=[Point(_lonlat(BORDER + 30 * OUT))], crs=4326)
    engine = _engine(tmp_path, sites)
    inside = exclusion_zones(engine, "32.12")
    assert inside["sites"].tolist() == [1]
    regency = engine.layers.regencies.set_index("code").geometry["32.12"]
    zone = inside.geometry.iloc[0]
    assert regency.buffer(1e-7).contains(zone)
    assert 0 < abs(GEOD.geometry_area_perimeter(zone)[0]) < np.pi * 50 ** 2 / 2
    assert exclusion_zones(engine, "32.12").equals(ExclusionZoneCache(engine).get("32.12"))


def test_parse_bbox_says_what_to_fix():
    assert parse_bbox("108.2,-6.4,108.4,-6.2") == (108.2, -6.4, 108.4, -6.2)
    assert parse_bbox(None) is None
    with pytest.raises(InputError, match="west,south,east,north"):
        parse_bbox("108.2,-6.4")
    with pytest.raises(InputError, match="west < east"):
        parse_bbox("108.4,-6.4,108.2,-6.2", antimeridian=False)


@pytest.mark.parametrize("suffix,driver", [(".geojson", "GeoJSON"), (".gpkg", "GPKG"), (".kml", "KML")])
def test_cli_export_formats(tmp_path, small, suffix, driver):
    layers_dir = small.layers.directory
    out = tmp_path / f"zones{suffix}"
    result = CliRunner().invoke(cli, ["zones", "export", "--regency", "32.12", "-o", str(out), "--layers",
                                      str(layers_dir), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 zones of 32.12" in result.output
    assert pyogrio.read_info(out)["driver"] in (driver, "LIB" + driver)
    frame = gpd.read_file(out, engine="pyogrio")
    assert len(frame) == 2 and frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()
    if driver != "KML":
        assert set(frame["category"]) == {"school", "place_of_worship"}
        assert set(frame["rules_version"]) == {small.rules_version}
    bad = CliRunner().invoke(cli, ["zones", "export", "--regency", "32.12", "-o", str(tmp_path / "z.csv"),
                                   "--layers", str(layers_dir)])
    assert bad.exit_code == 2 and "polygons" in bad.output


def test_api_zones_geojson(app, client):
    response = client.get("/api/zones.geojson?regency=32.12&category=health_facility")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = response.get_json()
    assert [f["properties"]["category"] for f in body["features"]] == ["health_facility"]
    assert body["features"][0]["properties"]["sites"] == 51
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"
    assert body["rules_version"] and body["layers_version"]
    services = app.extensions["zonasi"]
    assert len(services.zones) == 1                                  # cached in this app's services
    again = client.get("/api/zones.geojson?regency=32.12&category=health_facility",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    boxed = client.get("/api/zones.geojson?bbox=108.30,-6.35,108.34,-6.31&category=school").get_json()
    assert boxed["features"] and all(f["properties"]["regency_code"] == "32.12" for f in boxed["features"])
    for x, y in shapely.get_coordinates(shapely.from_geojson(json.dumps(boxed["features"][0]["geometry"]))):
        assert 108.30 - 1e-9 <= x <= 108.34 + 1e-9 and -6.35 - 1e-9 <= y <= -6.31 + 1e-9


@pytest.mark.parametrize("query,status,text", [
    ("", 400, "'regency'"), ("regency=99.99", 404, "99.99"), ("regency=32.12&category=mosque", 400, "mosque"),
    ("bbox=100,-8,110,0", 400, "(paling banyak 6)"), ("regency=32.12&bbox=1,2", 400, "barat,selatan,timur,utara")])
def test_api_zones_errors_are_problems(client, query, status, text):
    response = client.get(f"/api/zones.geojson?{query}")
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert text in response.get_json()["detail"]


def test_map_png_is_a4_and_not_blank(tmp_path, small):
    out = tmp_path / "map.png"
    result = CliRunner().invoke(cli, ["zones", "map", "--regency", "32.12", "-o", str(out), "--dpi", "60",
                                      "--bbox", f"{LON - 0.01},{LAT - 0.01},{LON + 0.01},{LAT + 0.01}",
                                      "--layers", str(small.layers.directory), "--lang", "en"])
    assert result.exit_code == 0, result.output
    image = imread(out)
    assert image.shape[:2] == (round(8.27 * 60), round(11.69 * 60))
    rgb = image[..., :3]
    assert (rgb.min(axis=2) < 0.5).mean() > 0.01                      # text, boundary, arrow
    school = np.array([0xfd, 0xae, 0x61]) / 255
    tinted = np.abs(rgb - (school * 0.45 + 0.55)).max(axis=2) < 0.08   # the school zone over white
    assert tinted.sum() > 50
    assert len(np.unique((rgb * 255).astype(int).reshape(-1, 3), axis=0)) > 20


def test_map_pdf_of_real_regency(tmp_path, engine):
    from geo.zones.printmap import render_map

    out = render_map(engine, "32.12", tmp_path / "indramayu.pdf", dpi=50)
    assert out.read_bytes()[:5] == b"%PDF-" and out.stat().st_size > 20_000
    with pytest.raises(InputError, match="does not touch regency 32.12"):
        render_map(engine, "32.12", tmp_path / "x.png", bbox=(100, 0, 100.1, 0.1))
    with pytest.raises(InputError, match=".png or .pdf"):
        render_map(engine, "32.12", tmp_path / "x.svg")
