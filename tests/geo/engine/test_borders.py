"""Borders in verdicts: a spot just off the coast snaps to its regency; where two regencies'
polygons overlap, the stricter rule applies and both are named (#15)."""
from __future__ import annotations

import shutil

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely.geometry import Point

from geo import Engine, load_layers
from geo.engine import describe
from geo.i18n import Catalog
from geo.layers import bundled_layers_dir
from zonasi.testing.layers import declare_complete


def _copy(tmp_path, extra_rules=""):
    root = tmp_path / "layers"
    shutil.copytree(bundled_layers_dir(), root, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    (root / "rules.toml").write_text((root / "rules.toml").read_text("utf-8") + extra_rules, "utf-8")
    return root


def _overlap_spot(layers):
    regencies = layers.regencies.set_index("code")
    both = shapely.intersection(regencies.geometry["96.01"], regencies.geometry["96.04"])
    return shapely.point_on_surface(both)


def test_overlap_applies_the_stricter_distance_and_names_both(tmp_path):
    root = _copy(tmp_path, '\n[regencies."96.04"]\nname = "Kabupaten Tambrauw"\nbuffer_m = { place_of_worship = 200 }\n')
    spot = _overlap_spot(load_layers(root))
    # a mosque 150 m north of the spot: within Tambrauw's 200 m, not Sorong's 50 m
    utm = pyproj.Transformer.from_crs(4326, 32753, always_xy=True)
    x, y = utm.transform(spot.x, spot.y)
    lon, lat = utm.transform(x, y + 150, direction="INVERSE")
    gpd.GeoDataFrame([{"site_id": "m1", "name": "Masjid Uji", "category": "place_of_worship",
                       "geometry": Point(lon, lat)}], crs=4326).to_file(root / "sites" / "mosque.geojson")
    declare_complete(root, ["96.01", "96.04"])
    engine = Engine(load_layers(root))
    verdict = engine.check(spot.x, spot.y)
    assert verdict.status == "violation"
    assert verdict.hits[0].buffer_m == 200 and abs(verdict.hits[0].distance_m - 150) < 1
    assert {verdict.regency.code, verdict.also_in.code} == {"96.01", "96.04"}
    assert any("lebih ketat" in line for line in describe(verdict, engine.rules, Catalog(), "id"))
    batch = engine.check_many([spot.x], [spot.y]).arrow()
    assert batch.column("status").to_pylist() == ["violation"] and batch.column("buffer_m").to_pylist() == [200]


def test_a_spot_just_off_the_coast_snaps_and_says_so(engine):
    regencies = engine.layers.regencies.set_index("code")
    indramayu = regencies.geometry["32.12"]
    utm = pyproj.Transformer.from_crs(4326, 32749, always_xy=True)
    coast = shapely.transform(indramayu, lambda xy: np.column_stack(utm.transform(xy[:, 0], xy[:, 1])))
    outside = shapely.difference(shapely.boundary(shapely.buffer(coast, 200)), coast)  # 200 m out, for finding a spot
    near = shapely.get_coordinates(outside)
    for x, y in near[:: max(1, len(near) // 50)]:
        lon, lat = utm.transform(x, y, direction="INVERSE")
        found = engine.check(lon, lat)
        if found.regency is not None and found.regency.code == "32.12":
            break
    assert found.regency.snapped and found.regency.code == "32.12"
    assert any("wilayah terdekat" in line for line in describe(found, engine.rules, Catalog(), "id"))
    assert found.to_dict()["regency"]["snapped"] is True


def test_snap_distance_comes_from_the_rules(tmp_path):
    root = _copy(tmp_path)
    text = (root / "rules.toml").read_text("utf-8").replace("border_snap_m = 500", "border_snap_m = 0", 1)
    (root / "rules.toml").write_text(text, "utf-8")
    assert Engine(load_layers(root)).rules.border_snap_m == 0
