"""RegencyLocator on the real bundled regencies: snapping within border_snap_m (measured in metres
in the point's UTM zone), overlap reporting, and the bundled BIG RBI50K boundaries without gaps."""
from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from geo import load_layers
from geo.engine.locator import Located, RegencyLocator

GEOD = Geod(ellps="WGS84")
JAVA_SEA = (108.40, -6.20)     # off Indramayu's north coast, far from every regency


@pytest.fixture(scope="module")
def regencies():
    features = load_layers().regency_features
    return features.column("code").astype(str), features.geometry, features.table


@pytest.fixture(scope="module")
def locator(regencies):
    return RegencyLocator(regencies[1])


def _index(codes, code):
    return int(np.flatnonzero(codes == code)[0])


def _off_coast(geom, metres):
    """A point ``metres`` (geodesic) out from the point of ``geom`` nearest to JAVA_SEA, heading
    away from the coast towards the sea."""
    near = shapely.shortest_line(geom, shapely.Point(JAVA_SEA)).coords[0]
    azimuth, _, _ = GEOD.inv(near[0], near[1], *JAVA_SEA)
    lon, lat, _ = GEOD.fwd(near[0], near[1], azimuth, metres)
    return np.array([lon]), np.array([lat])


def test_a_point_200_m_off_the_coast_snaps_to_its_regency(regencies, locator):
    codes, geoms, _ = regencies
    indramayu = _index(codes, "32.12")
    lons, lats = _off_coast(geoms[indramayu], 200)
    assert locator(lons, lats)[0] == -1  # in no polygon: __call__ does not snap
    found = locator.locate(lons, lats)
    assert isinstance(found, Located)
    assert found.regency[0] == indramayu and found.snapped[0] and found.other[0] == -1
    assert found.distance_m[0] == pytest.approx(200, abs=0.5)  # metres, not degrees


def test_two_km_out_stays_outside_and_snap_0_disables(regencies, locator):
    codes, geoms, _ = regencies
    indramayu = _index(codes, "32.12")
    far = locator.locate(*_off_coast(geoms[indramayu], 2000))
    assert far.regency[0] == -1 and not far.snapped[0] and np.isnan(far.distance_m[0])
    off = RegencyLocator(geoms, snap_m=0).locate(*_off_coast(geoms[indramayu], 200))
    assert off.regency[0] == -1 and not off.snapped[0]


def test_the_snap_limit_is_in_metres(regencies):
    codes, geoms, _ = regencies
    indramayu = _index(codes, "32.12")
    lons, lats = _off_coast(geoms[indramayu], 300)
    assert RegencyLocator(geoms, snap_m=310).locate(lons, lats).regency[0] == indramayu
    assert RegencyLocator(geoms, snap_m=290).locate(lons, lats).regency[0] == -1
    with pytest.raises(ValueError, match="snap_m"):
        RegencyLocator(geoms, snap_m=-1)


def test_points_inside_are_not_snapped_and_match_call(regencies, locator):
    codes, geoms, _ = regencies
    rng = np.random.default_rng(7)
    lons, lats = rng.uniform(106.5, 108.6, 400), rng.uniform(-7.0, -6.0, 400)
    found = locator.locate(lons, lats)
    plain = locator(lons, lats)
    inside = plain >= 0
    assert inside.any() and (~inside).any()
    assert np.array_equal(found.regency[inside], plain[inside]) and not found.snapped[inside].any()
    assert (found.distance_m[inside] == 0).all()
    assert (found.snapped == ((plain < 0) & (found.regency >= 0))).all()


def test_a_point_in_two_overlapping_polygons_reports_both(regencies):
    codes, geoms, _ = regencies
    # Real polygons that overlap: Indramayu and Subang, Subang moved 1 km east over the border
    indramayu, subang = geoms[_index(codes, "32.12")], geoms[_index(codes, "32.13")]
    moved = shapely.affinity.translate(subang, xoff=0.009)
    overlap = shapely.intersection(indramayu, moved)
    assert shapely.area(overlap) > 0
    spot = shapely.point_on_surface(overlap)
    locator = RegencyLocator(np.array([indramayu, moved]))
    found = locator.locate(np.array([spot.x]), np.array([spot.y]))
    assert found.regency[0] == 0 and found.other[0] == 1 and not found.snapped[0]
    assert locator(np.array([spot.x]), np.array([spot.y]))[0] == 0  # the lowest, as before


def test_the_bundled_fallback_overlap_names_both(regencies, locator):
    """96.01 Sorong (cahyadsn/wilayah_boundaries) overlaps BIG's 96.04 Tambrauw: both are named."""
    codes, geoms, _ = regencies
    sorong, tambrauw = _index(codes, "96.01"), _index(codes, "96.04")
    spot = shapely.point_on_surface(shapely.intersection(geoms[sorong], geoms[tambrauw]))
    found = locator.locate(np.array([spot.x]), np.array([spot.y]))
    assert sorted([found.regency[0], found.other[0]]) == sorted([sorong, tambrauw])


def test_the_bundled_layer_keeps_every_code_and_names_each_boundary_source(regencies):
    codes, _, table = regencies
    import pyarrow.parquet as pq

    from geo import bundled_layers_dir

    assert len(codes) == 514 and len(set(codes)) == 514
    source = table.column("boundary_source").to_pylist()
    assert None not in source and set(source) == {"BIG RBI50K 2023", "cahyadsn/wilayah_boundaries"}
    assert source.count("BIG RBI50K 2023") == 488
    fallback = {c for c, s in zip(codes, source) if s != "BIG RBI50K 2023"}
    assert {"32.02", "64.02", "96.01", "21.71"} <= fallback and "32.12" not in fallback
    assert {"code", "name", "name_short", "regency_type", "province", "province_code"} <= set(
        pq.read_schema(bundled_layers_dir() / "regencies.parquet").names)


def test_big_neighbours_share_their_border_without_a_gap(regencies, locator):
    codes, geoms, _ = regencies
    indramayu, subang = _index(codes, "32.12"), _index(codes, "32.13")
    border = shapely.intersection(shapely.boundary(geoms[indramayu]), shapely.boundary(geoms[subang]))
    assert shapely.length(border) > 0.1  # degrees: tens of km of a shared edge
    samples = shapely.get_coordinates(shapely.segmentize(border, 0.001))
    # every point on the border is in one of the two
    lons, lats = samples[:, 0], samples[:, 1]
    here = locator(lons, lats)
    assert (here >= 0).all()
    assert np.isin(here, [indramayu, subang]).mean() > 0.99  # the ends may be triple points (Sumedang)
    # 1 m off the border either way lies in some regency too, but near the coast where it ends
    ends = shapely.boundary(shapely.line_merge(border))
    inland = shapely.distance(shapely.points(lons, lats), ends) > 0.005
    assert inland.mean() > 0.9
    lons, lats = lons[inland], lats[inland]
    for azimuth in (0, 90, 180, 270):
        lon1, lat1, _ = GEOD.fwd(lons, lats, np.full(len(lons), azimuth), np.ones(len(lons)))
        assert (locator(lon1, lat1) >= 0).all()
    assert (locator.locate(lons, lats).snapped == False).all()  # noqa: E712


@pytest.mark.parametrize("metres", [300.0, 480.0, 700.0, 5000.0])
def test_sea_cells_far_from_every_regency_skip_the_polygons_and_near_ones_still_snap(regencies, metres):
    """Cells at sea with no regency within snap_m are remembered as far (points there cost a grid
    lookup); a cell near the coast is not, whatever order the points come in."""
    codes, geoms, _ = regencies
    indramayu = geoms[_index(codes, "32.12")]
    lon, lat = _off_coast(indramayu, metres)
    fresh = RegencyLocator(geoms)
    sea = fresh.locate(np.array([JAVA_SEA[0]]), np.array([JAVA_SEA[1]]))   # classifies the far cell first
    assert sea.regency[0] == -1 and not sea.snapped[0]
    i = int(np.floor((JAVA_SEA[0] - fresh._origin[0]) / fresh._cell))
    j = int(np.floor((JAVA_SEA[1] - fresh._origin[1]) / fresh._cell))
    assert fresh._grid[i, j] == RegencyLocator.FAR
    for locator in (fresh, RegencyLocator(geoms)):
        found = locator.locate(lon, lat)
        if metres <= 480.0:
            assert found.snapped[0] and codes[found.regency[0]] == "32.12"
            assert found.distance_m[0] == pytest.approx(metres, abs=1.0)
        else:
            assert found.regency[0] == -1 and not found.snapped[0]
