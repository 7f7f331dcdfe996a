"""Distances and verdicts against an independent geodesic oracle (pyproj.Geod), in UTM zones
north and south of the equator, for point, line and polygon sites, near the buffer edge."""
from __future__ import annotations

import shutil
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, Point, Polygon

from geo import Engine, load_layers
from geo.crs import utm_epsg, utm_scale
from geo.layers import Features, bundled_layers_dir
from zonasi.testing.layers import declare_complete

GEOD = pyproj.Geod(ellps="WGS84")
EDGE = 0.3  # metres inside / outside the buffer edge

# (regency code, lon, lat of a site, expected UTM EPSG of the regency)
PLACES = [
    ("11.72", 95.33, 5.87, 32646),      # Kota Sabang, zone 46N
    ("11.04", 96.85, 4.62, 32647),      # Aceh Tengah, zone 47N
    ("31.71", 106.83, -6.18, 32748),    # Jakarta Pusat, zone 48S
    ("32.12", 108.32, -6.33, 32749),    # Indramayu, zone 49S
    ("32.12", 107.99, -6.41, 32749),    # Indramayu west of 108 E (geographic zone 48S)
    ("64.02", 117.25, -0.65, 32650),    # Kutai Kartanegara, zone 50N, south of the equator
    ("73.71", 119.43, -5.14, 32750),    # Makassar, zone 50S
    ("81.71", 128.18, -3.70, 32752),    # Ambon, zone 52S
    ("94.01", 135.50, -3.37, 32753),    # Nabire, zone 53S
]
RULES = """
[categories.place_of_worship]
label = "Tempat ibadah"
buffer_m = 50
legal_basis = "PKPU 15/2023 Pasal 71 ayat (1)"
[categories.health_facility]
label = "Fasilitas kesehatan"
buffer_m = 30
legal_basis = "PKPU 15/2023 Pasal 71 ayat (1)"
[categories.school]
label = "Tempat pendidikan"
buffer_m = 100
legal_basis = "PKPU 15/2023 Pasal 71 ayat (1)"
[categories.government_office]
label = "Gedung pemerintah"
buffer_m = 25
legal_basis = "PKPU 15/2023 Pasal 71 ayat (1)"
[categories.road]
label = "Jalan protokol"
buffer_m = 10
legal_basis = "PKPU 15/2023 Pasal 70"
[categories.public_facility]
label = "Sarana publik"
buffer_m = 20
legal_basis = "PKPU 15/2023 Pasal 70"
[categories.park]
label = "Taman"
buffer_m = 15
legal_basis = "PKPU 15/2023 Pasal 70"
[periods.pemilu_2024]
start = 2023-11-28
end = 2024-02-10
[regencies."32.10"]
buffer_m = { school = 10 }
"""


def _fwd(lon, lat, azimuth, distance):
    x, y, _ = GEOD.fwd(lon, lat, azimuth, distance)
    return float(x), float(y)


def _square(lon, lat, half):
    """A ~2*half metre square school ground around lon/lat."""
    corners = [_fwd(*_fwd(lon, lat, 0, half), 90, half), _fwd(*_fwd(lon, lat, 0, half), 270, half),
               _fwd(*_fwd(lon, lat, 180, half), 270, half), _fwd(*_fwd(lon, lat, 180, half), 90, half)]
    return Polygon(corners)


def oracle(lon, lat, geom) -> float:
    """Geodesic distance to a geometry densified to 2 cm: independent of any projection."""
    if geom.geom_type == "Polygon" and geom.contains(Point(lon, lat)):
        return 0.0
    line = geom.exterior if geom.geom_type == "Polygon" else geom
    dense = shapely.get_coordinates(shapely.segmentize(line, 2e-7))
    _, _, dist = GEOD.inv(np.full(len(dense), lon), np.full(len(dense), lat), dense[:, 0], dense[:, 1])
    return float(dist.min())


def assert_metres(got: float, truth: float) -> None:
    """Within 1 cm per 100 m of the geodesic truth (plus the 5 mm of rounding to 0.01 m)."""
    assert abs(got - truth) <= 0.01 * truth / 100 + 0.005, (got, truth)


def _sites():
    rows = []
    for i, (_code, lon, lat, _) in enumerate(PLACES):
        rows.append({"site_id": f"pt-{i}", "name": f"Masjid {i}", "category": "place_of_worship",
                     "geometry": Point(lon, lat)})
        far = _fwd(lon, lat, 90, 2000)
        rows.append({"site_id": f"sq-{i}", "name": f"SD {i}", "category": "school", "geometry": _square(*far, 60)})
        road_mid = _fwd(lon, lat, 180, 2000)
        rows.append({"site_id": f"rd-{i}", "name": f"Jalan {i}", "category": "road",
                     "geometry": LineString([_fwd(*road_mid, 270, 300), road_mid, _fwd(*road_mid, 90, 300)])})
    return gpd.GeoDataFrame(rows, crs=4326)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("layers")
    shutil.copy(bundled_layers_dir() / "regencies.parquet", root / "regencies.parquet")
    (root / "rules.toml").write_text(RULES)
    (root / "sites").mkdir()
    sites = _sites()
    sites.to_file(root / "sites" / "synthetic.geojson", driver="GeoJSON")
    declare_complete(root)  # these sites are all there is: a spot with none in reach is "ok"
    return Engine(load_layers(root)), sites.set_index("site_id")


@pytest.mark.parametrize("code,lon,lat,epsg", PLACES)
def test_regency_crs_is_its_utm_zone(synthetic, code, lon, lat, epsg):
    engine, _ = synthetic
    verdict = engine.check(lon, lat)
    assert verdict.regency.code == code
    assert verdict.crs == f"EPSG:{epsg}"


def test_utm_epsg_of_points():
    assert list(utm_epsg([95.3, 107.99, 108.01, 117.2, 140.7], [5.8, -6.4, -6.4, 0.1, -2.5])) == \
        [32646, 32748, 32749, 32650, 32754]


def test_scale_factor_matches_pyproj():
    proj = pyproj.Proj(32749)
    lons, lats = np.array([105.0, 108.0, 111.0, 113.9, 116.5]), np.array([-6.3, -1.0, -8.0, 0.5, -3.0])
    x, _ = proj(lons, lats)
    assert np.allclose(utm_scale(x, lats), proj.get_factors(lons, lats).meridional_scale, atol=1e-8)


@pytest.mark.parametrize("index", range(len(PLACES)))
@pytest.mark.parametrize("azimuth", [0, 37, 90, 161, 225, 300])
def test_point_site_edge(synthetic, index, azimuth):
    engine, sites = synthetic
    _, lon, lat, _ = PLACES[index]
    for offset, expect_hit in ((-EDGE, True), (EDGE, False)):
        plon, plat = _fwd(lon, lat, azimuth, 50 + offset)
        verdict = engine.check(plon, plat)
        truth = oracle(plon, plat, sites.loc[f"pt-{index}", "geometry"])
        assert verdict.nearest.site_id == f"pt-{index}"
        assert_metres(verdict.nearest.distance_m, truth)
        assert (verdict.status == "violation") is expect_hit
        assert [h.site_id for h in verdict.hits] == ([f"pt-{index}"] if expect_hit else [])


@pytest.mark.parametrize("index", range(len(PLACES)))
def test_polygon_site_edge_and_inside(synthetic, index):
    engine, sites = synthetic
    _, lon, lat, _ = PLACES[index]
    centre = _fwd(lon, lat, 90, 2000)
    ground = sites.loc[f"sq-{index}", "geometry"]
    inside = engine.check(*centre)
    assert inside.hits[0].site_id == f"sq-{index}" and inside.hits[0].distance_m == 0
    edge_mid = _fwd(*centre, 0, 60)   # middle of the north edge
    for offset, expect_hit in ((-EDGE, True), (EDGE, False)):
        plon, plat = _fwd(*edge_mid, 0, 100 + offset)
        verdict = engine.check(plon, plat)
        truth = oracle(plon, plat, ground)
        assert_metres(verdict.nearest.distance_m, truth)
        assert (verdict.status == "violation") is expect_hit


@pytest.mark.parametrize("index", range(len(PLACES)))
def test_line_site_edge(synthetic, index):
    engine, sites = synthetic
    _, lon, lat, _ = PLACES[index]
    mid = _fwd(lon, lat, 180, 2000)
    road = sites.loc[f"rd-{index}", "geometry"]
    for along in (0, 120, -250):
        anchor = _fwd(*mid, 90, along) if along >= 0 else _fwd(*mid, 270, -along)
        for offset, expect_hit in ((-EDGE, True), (EDGE, False)):
            plon, plat = _fwd(*anchor, 0, 10 + offset)
            verdict = engine.check(plon, plat)
            truth = oracle(plon, plat, road)
            assert_metres(verdict.nearest.distance_m, truth)
            assert (verdict.status == "violation") is expect_hit, (along, offset, verdict.nearest)


@pytest.mark.parametrize("site_lon,azimuth", [(107.9998, 90), (108.0002, 270)])
def test_across_108_east_in_indramayu(synthetic, site_lon, azimuth):
    """Site and prop on either side of 108 E (UTM 48S / 49S): one metric CRS, exact distance."""
    engine, _ = synthetic
    site = Point(site_lon, -6.41)
    with_site = _engine_with_extra_site(engine, site)
    near = _fwd(site_lon, -6.41, azimuth, 100 - EDGE)
    far = _fwd(site_lon, -6.41, azimuth, 100 + EDGE)
    assert (near[0] - 108) * (site_lon - 108) < 0  # the prop is across the line
    verdict = with_site.check(*near)
    assert verdict.regency.code == "32.12"
    assert [h.site_id for h in verdict.hits] == ["x-0"]
    assert abs(verdict.hits[0].distance_m - oracle(*near, site)) < 0.005
    assert with_site.check(*far).status == "ok"


def _engine_with_extra_site(engine, geom, category="school"):
    layers = engine.layers
    extra = gpd.GeoDataFrame([{"site_id": "x-0", "name": "SD Perbatasan", "category": category,
                               "layer": "x", "geometry": geom}], crs=4326)
    sites = gpd.GeoDataFrame(__import__("pandas").concat([layers.sites, extra], ignore_index=True), crs=4326)
    return Engine(replace(layers, site_features=Features.from_frame(sites)))


def _border_pair(engine, inside_code, outside_code):
    """Two points ~30-60 m apart on either side of the border between two regencies."""
    regencies = engine.layers.regencies.set_index("code")
    border = regencies.loc[inside_code].geometry.boundary.intersection(
        regencies.loc[outside_code].geometry.buffer(0.002))
    for lon, lat in shapely.get_coordinates(border)[::7]:
        for azimuth in range(0, 360, 30):
            a = _fwd(lon, lat, azimuth, 20)
            b = _fwd(lon, lat, azimuth + 180, 20)
            codes = [v.regency.code if v.regency else None for v in (engine.check(*a), engine.check(*b))]
            if codes == [inside_code, outside_code]:
                return a, b
    raise AssertionError("no border pair found")


def test_rule_of_the_regency_where_the_prop_stands(synthetic):
    """Sites across the border count; the distance is that of the prop's regency."""
    engine, _ = synthetic
    # Majalengka (32.10) allows schools at 10 m; Indramayu (32.12) keeps the default 100 m.
    in_indramayu, in_majalengka = _border_pair(engine, "32.12", "32.10")
    site_in_majalengka = _engine_with_extra_site(engine, Point(in_majalengka))
    verdict = site_in_majalengka.check(*in_indramayu)
    assert verdict.regency.code == "32.12"
    assert [h.site_id for h in verdict.hits] == ["x-0"] and verdict.hits[0].buffer_m == 100
    site_in_indramayu = _engine_with_extra_site(engine, Point(in_indramayu))
    verdict = site_in_indramayu.check(*in_majalengka)
    assert verdict.regency.code == "32.10" and verdict.status == "ok"
    assert verdict.nearest.site_id == "x-0" and verdict.nearest.buffer_m == 10
    assert abs(verdict.nearest.distance_m - 40) < 0.01


@pytest.mark.parametrize("index", [2, 5, 8])
def test_nearest_line_and_polygon_beyond_reach(synthetic, index):
    """Far from every zone, the nearest site is still exact for lines and polygons."""
    engine, sites = synthetic
    _, lon, lat, _ = PLACES[index]
    road_mid = _fwd(lon, lat, 180, 2000)
    south = _fwd(*_fwd(*road_mid, 90, 137), 180, 700)
    verdict = engine.check(*south)
    assert verdict.status == "ok" and verdict.nearest.site_id == f"rd-{index}"
    truth = oracle(*south, sites.loc[f"rd-{index}", "geometry"])
    assert abs(verdict.nearest.distance_m - truth) <= 0.01 * truth / 100
    ground_centre = _fwd(lon, lat, 90, 2000)
    east = _fwd(*ground_centre, 90, 60 + 400)
    verdict = engine.check(*east)
    assert verdict.nearest.site_id == f"sq-{index}"
    assert abs(verdict.nearest.distance_m - oracle(*east, sites.loc[f"sq-{index}", "geometry"])) <= 0.04
