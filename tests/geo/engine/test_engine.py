"""Verdicts on the bundled real data: statuses, batch == single, nearest, periods, accuracy."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from geo import InputError

SINDANG = (108.32, -6.33)  # 11 m from SMAN 1 SINDANG, Indramayu


def test_violation_names_the_site_rule_and_basis(engine):
    verdict = engine.check(*SINDANG)
    assert verdict.status == "violation"
    assert verdict.regency.code == "32.12" and verdict.regency.name == "Kabupaten Indramayu"
    hit = verdict.hits[0]
    assert hit.name == "SMAN 1 SINDANG" and hit.category == "school"
    assert 10 < hit.distance_m < 12 and hit.buffer_m == 50
    assert "PKPU 15/2023 Pasal 71" in hit.legal_basis
    assert verdict.nearest == hit
    assert verdict.rules_version == engine.rules_version and len(verdict.layers_version) == 12


def test_hits_sorted_by_distance_and_all_within_limit(engine):
    lon, lat = engine.layers.sites.query("layer == 'dki_jakarta'").geometry.iloc[0].coords[0]
    verdict = engine.check(lon + 0.0001, lat)
    distances = [h.distance_m for h in verdict.hits]
    assert distances == sorted(distances) and distances
    assert all(h.distance_m <= h.buffer_m for h in verdict.hits)


def test_no_site_in_reach_reports_nearest_site(engine):
    # the bundled Indramayu has schools and health facilities but no complete data: not "ok"
    verdict = engine.check(108.20, -6.45)
    assert verdict.status == "incomplete" and not verdict.hits
    assert verdict.nearest is not None and verdict.nearest.distance_m > verdict.nearest.buffer_m


def test_outside_area_at_sea_and_abroad(engine):
    assert engine.check(107.5, -5.5).status == "outside_area"   # Java Sea
    assert engine.check(151.2, -33.9).status == "outside_area"  # Sydney
    assert engine.check(151.2, -33.9).regency is None


def test_outside_period_still_lists_hits(engine):
    inside = engine.check(*SINDANG, at=dt.date(2024, 1, 5))
    assert inside.status == "violation" and inside.period == "pemilu_2024"
    after = engine.check(*SINDANG, at=dt.date(2024, 2, 12))  # masa tenang
    assert after.status == "outside_period" and after.hits and after.period is None
    assert engine.check(108.20, -6.45, at="2024-11-23").status == "incomplete"  # last day of Pilkada campaign
    assert engine.check(108.20, -6.45, at="2024-11-24").status == "outside_period"


def test_accuracy_makes_near_edge_verdict_uncertain(engine):
    certain = engine.check(*SINDANG, accuracy_m=5)
    assert not certain.uncertain and certain.margin_m == pytest.approx(50 - certain.hits[0].distance_m, abs=0.01)
    assert engine.check(*SINDANG, accuracy_m=45).uncertain


def test_check_many_equals_check(engine):
    rng = np.random.default_rng(7)
    sites = engine.layers.sites.geometry.representative_point()
    pick = rng.integers(0, len(sites), 300)
    lons = sites.x.to_numpy()[pick] + rng.normal(0, 0.0006, 300)
    lats = sites.y.to_numpy()[pick] + rng.normal(0, 0.0006, 300)
    lons[:5], lats[:5] = 107.5, -5.5
    batch = engine.check_many(lons, lats)
    statuses = batch.status
    assert {"violation", "ok", "outside_area"} <= set(statuses)
    for i in range(0, 300, 7):
        one = engine.check(lons[i], lats[i])
        many = batch.verdict(i)
        assert one == many
        assert statuses[i] == one.status
    table = batch.table()
    assert len(table) == 300 and (table["violations"].to_numpy() == batch.hit_count).all()
    hit_rows = table[table.status == "violation"]
    assert (hit_rows.nearest_distance_m <= hit_rows.buffer_m).all()


def test_empty_batch(engine):
    batch = engine.check_many([], [])
    assert len(batch) == 0 and len(batch.table()) == 0


@pytest.mark.parametrize("lon,lat,message", [
    (108.3, 95, "latitude 95.0 is outside -90..90"),
    (181, -6.3, "longitude 181.0 is outside -180..180"),
    (float("nan"), -6.3, "longitude nan"),
])
def test_invalid_coordinates_say_what_is_wrong(engine, lon, lat, message):
    with pytest.raises(InputError, match=message):
        engine.check(lon, lat)


def test_invalid_batch_inputs(engine):
    with pytest.raises(InputError, match="2 longitudes but 1 latitudes"):
        engine.check_many([1, 2], [3])
    with pytest.raises(InputError, match="not a date"):
        engine.check(*SINDANG, at="kemarin")
    with pytest.raises(InputError, match="GPS accuracy"):
        engine.check(*SINDANG, accuracy_m=-1)


def test_of_co_located_point_sites_the_nearest_is_the_first():
    """A nearest-neighbour query returns any of several sites at the same spot; the engine
    names the first of them in the layers, whatever the tree's order."""
    import numpy as np
    import shapely

    from geo.crs import Projector
    from geo.engine.indexes import ZoneSites

    lon = np.array([108.30, 108.31, 108.31, 108.31, 108.32] * 4)
    lat = np.array([-6.30, -6.31, -6.31, -6.31, -6.32] * 4)
    zone = ZoneSites(32749, shapely.points(lon, lat), (lon, lon), Projector())
    xy = shapely.get_coordinates(zone.geoms)[[1, 2, 3, 6, 11]] + np.array([40.0, 30.0])
    site, distance = zone.nearest(np.repeat(xy, 4, axis=0))
    assert site.tolist() == [1] * 20 and np.allclose(distance, 50.0)


def test_line_sites_within_a_radius_by_pieces_match_geos():
    """Where a zone holds point and line sites, the lines are cut into short pieces found by a
    KD-tree: the same pairs and distances as GEOS's ``dwithin`` + ``distance`` to the whole
    lines (points on a line, beyond its ends, by its bends), and the same nearest sites."""
    import numpy as np
    import shapely

    from geo.crs import Projector
    from geo.engine.indexes import ZoneSites

    rng = np.random.default_rng(11)
    starts = np.column_stack([108.3 + rng.normal(0, 0.01, 60), -6.3 + rng.normal(0, 0.01, 60)])
    lines = [shapely.LineString(start + np.cumsum(rng.normal(0, 0.002, (rng.integers(2, 8), 2)), axis=0))
             for start in starts]
    points = list(shapely.points(108.3 + rng.normal(0, 0.01, 40), -6.3 + rng.normal(0, 0.01, 40)))
    geoms = np.array(lines + points, dtype=object)
    bounds = shapely.bounds(geoms)
    zone = ZoneSites(32749, geoms, (bounds[:, 0], bounds[:, 2]), Projector())
    assert zone._pieces is not None
    vertices = shapely.get_coordinates(zone.geoms)
    xy = np.concatenate([vertices[:20], vertices[rng.integers(0, len(vertices), 400)] + rng.normal(0, 80, (400, 2)),
                         rng.uniform(vertices.min(axis=0) - 500, vertices.max(axis=0) + 500, (200, 2))])
    radius = rng.uniform(5, 150, len(xy))
    got = zone.within(xy, radius)
    expected = zone._geos_within(xy, radius)
    assert sorted(zip(*(a.tolist() for a in got[:2]))) == sorted(zip(*(a.tolist() for a in expected[:2])))
    order_got, order_expected = np.lexsort(got[:2][::-1]), np.lexsort(expected[:2][::-1])
    np.testing.assert_allclose(got[2][order_got], expected[2][order_expected], rtol=0, atol=1e-6)
    assert (got[2][got[0] < 20] == 0).sum() >= 20 and len(got[0]) > 300
    near_j, near_d = zone.nearest(xy)
    all_d = shapely.distance(shapely.points(xy)[:, None], zone.geoms[None, :])
    np.testing.assert_allclose(near_d, all_d.min(axis=1), rtol=0, atol=1e-6)
    np.testing.assert_allclose(all_d[np.arange(len(xy)), near_j], near_d, rtol=0, atol=1e-6)


def test_point_sites_within_a_radius_by_kd_tree_match_geos():
    """Where a zone holds only point sites, candidates come from the KD-tree: the same pairs and
    distances as GEOS's ``dwithin`` + ``distance``, also for a point on a site (distance 0) and
    for points with many sites in reach (more than the first KD query asks for)."""
    import numpy as np
    import shapely

    from geo.crs import Projector
    from geo.engine.indexes import ZoneSites

    rng = np.random.default_rng(7)
    lon = 108.3 + rng.normal(0, 0.002, 400)
    lat = -6.3 + rng.normal(0, 0.002, 400)
    lon[:40], lat[:40] = 108.3 + rng.normal(0, 0.0001, 40), -6.3 + rng.normal(0, 0.0001, 40)  # a cluster
    zone = ZoneSites(32749, shapely.points(lon, lat), (lon, lon), Projector())
    assert zone._only_points
    site_xy = shapely.get_coordinates(zone.geoms)
    xy = np.concatenate([site_xy[:5], site_xy[5:305] + rng.normal(0, 60, (300, 2)), site_xy[:1] + 3.0])
    radius = rng.uniform(5, 120, len(xy))
    radius[-1] = 80.0  # near the cluster: about 40 sites in reach
    got = zone.within(xy, radius)
    points = shapely.points(xy)
    point_i, site_j = zone.tree.query(points, predicate="dwithin", distance=radius)
    expected = (point_i, site_j, shapely.distance(points[point_i], zone.geoms[site_j]))
    assert sorted(zip(*(a.tolist() for a in got[:2]))) == sorted(zip(*(a.tolist() for a in expected[:2])))
    order_got, order_expected = np.lexsort(got[:2][::-1]), np.lexsort(expected[:2][::-1])
    np.testing.assert_allclose(got[2][order_got], expected[2][order_expected], rtol=0, atol=1e-9)
    assert (got[2][got[0] < 5] == 0).sum() >= 5
    assert (got[0] == len(xy) - 1).sum() > 16
