"""Allowed-zones mode: in a regency that designates where props may stand, a prop outside every
allowed zone is a violation whatever its distance to forbidden sites."""
from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Geod
from shapely.geometry import Point, box

from geo import Engine, bundled_layers_dir, load_layers
from geo.engine.explain import describe
from geo.i18n import Catalog
from geo.zones.exclusion import exclusion_zones
from zonasi.testing.layers import make_layers_dir

GEOD = Geod(ellps="WGS84")
CENTRE = (108.3200, -6.3300)          # Indramayu (32.12)
ELSEWHERE = (108.4800, -6.7600)       # Kab. Cirebon (32.09): no allowed-zones mode there
BASIS = "Keputusan KPU Kabupaten Indramayu (contoh uji)"


def at(east_m: float, north_m: float = 0.0, origin=CENTRE):
    lon, lat, _ = GEOD.fwd(*origin, 90, east_m)
    lon, lat, _ = GEOD.fwd(lon, lat, 0, north_m)
    return lon, lat


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    root = tmp_path_factory.mktemp("allowed")
    rules = (bundled_layers_dir() / "rules.toml").read_text("utf-8") + (
        '\n[regencies."32.12"]\nname = "Kabupaten Indramayu"\nallowed_zones = "allowed/indramayu.geojson"\n'
        f'allowed_radius_m = 15\nallowed_basis = "{BASIS}"\n')
    directory = make_layers_dir(root, rules=rules)
    (directory / "allowed").mkdir()
    square = box(*at(1000, 0), *at(1100, 100))                     # a designated square, 100 m
    gpd.GeoDataFrame({"name": ["Titik A", "Titik B", "Lapangan", "Alun-alun"],
                      "radius_m": [None, None, None, 40.0]},
                     geometry=[Point(CENTRE), Point(at(0, 500)), square, Point(at(-1000))], crs=4326).to_file(
        directory / "allowed" / "indramayu.geojson")
    gpd.GeoDataFrame({"name": ["SD dekat titik B"], "category": ["school"]}, geometry=[Point(at(30, 500))],
                     crs=4326).to_parquet(directory / "sites" / "schools.parquet")
    return Engine(load_layers(directory))


def test_inside_a_designated_point_is_allowed(engine):
    verdict = engine.check(*at(10))
    assert verdict.status == "ok" and verdict.hits == []


def test_outside_every_allowed_zone_is_a_violation_far_from_any_site(engine):
    verdict = engine.check(*at(0, 100))                            # 100 m from Titik A, 370 m from the school
    assert verdict.status == "violation"
    [hit] = verdict.hits
    assert hit.kind == "outside_allowed_zone"
    assert (hit.site_id, hit.name, hit.category) == ("indramayu-1", "Titik A", "allowed_zone")
    assert hit.distance_m == pytest.approx(100, abs=0.05) and hit.buffer_m == 15 and not hit.inside
    assert hit.legal_basis == BASIS
    assert verdict.primary is hit


def test_forbidden_sites_still_apply_inside_an_allowed_zone(engine):
    verdict = engine.check(*at(10, 500))                           # in Titik B's zone, 20 m from a school
    assert verdict.status == "violation"
    assert [h.kind for h in verdict.hits] == ["forbidden_site"]
    assert verdict.hits[0].name == "SD dekat titik B"


def test_polygons_and_per_feature_radius(engine):
    assert engine.check(*at(1050, 50)).status == "ok"             # inside the square
    assert engine.check(*at(1050, -5)).status == "violation"       # 5 m outside it (radius 0 for polygons)
    assert engine.check(*at(-1030)).status == "ok"                 # within its own 40 m
    beyond = engine.check(*at(-1045))
    assert beyond.status == "violation" and beyond.hits[0].name == "Alun-alun"
    assert beyond.hits[0].distance_m == pytest.approx(45, abs=0.05) and beyond.hits[0].buffer_m == 40


def test_other_regencies_are_not_in_allowed_mode(engine):
    verdict = engine.check(*ELSEWHERE)
    assert verdict.regency.code == "32.09" and verdict.status == "ok"


def test_accuracy_near_an_allowed_edge_is_uncertain(engine):
    verdict = engine.check(*at(13), accuracy_m=5)                  # 2 m inside a 15 m zone
    assert verdict.status == "ok" and verdict.uncertain and verdict.margin_m == pytest.approx(2, abs=0.05)


def test_batch_table_and_arrow_explain_the_rule(engine):
    points = [at(10), at(0, 100), at(10, 500), ELSEWHERE]
    batch = engine.check_many(*zip(*points))
    assert list(batch.status) == ["ok", "violation", "violation", "ok"]
    assert [engine.check(*p).status for p in points] == list(batch.status)
    table = batch.table()
    assert table.loc[1, "nearest_category"] == "allowed_zone" and table.loc[1, "nearest_site"] == "Titik A"
    assert table.loc[1, "violations"] == 1 and table.loc[1, "legal_basis"] == BASIS
    assert table.loc[1, "nearest_distance_m"] == pytest.approx(100, abs=0.05) and table.loc[1, "buffer_m"] == 15
    assert table.loc[2, "nearest_category"] == "school"
    arrow = batch.arrow().to_pandas()
    for column in ("status", "nearest_site", "nearest_category", "violations", "legal_basis"):
        assert list(arrow[column].fillna("")) == list(table[column].replace({np.nan: ""})), column


def test_the_verdict_says_which_rule_applied(engine):
    catalog = Catalog()
    verdict = engine.check(*at(0, 100))
    english = " ".join(describe(verdict, engine.rules, catalog, "en"))
    assert "Outside every designated zone" in english and "85 m beyond" in english and "Titik A" in english and BASIS in english
    assert "Di luar semua zona" in " ".join(describe(verdict, engine.rules, catalog, "id"))


def test_rules_version_covers_the_zones_and_zones_export_shows_them(engine):
    assert engine.rules_version != load_layers(bundled_layers_dir()).rules.version
    zones = exclusion_zones(engine, "32.12")
    allowed = zones[zones["kind"] == "allowed"]
    assert len(allowed) == 1 and allowed["sites"].iloc[0] == 4 and allowed["legal_basis"].iloc[0] == BASIS
    area = abs(GEOD.geometry_area_perimeter(allowed.geometry.iloc[0])[0])
    assert area == pytest.approx(100 * 100 + 2 * np.pi * 15 ** 2 * 0.9936 + np.pi * 40 ** 2 * 0.9936, rel=0.01)
