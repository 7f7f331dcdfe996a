"""National layers load as arrays: point sites as coordinates (decoded from WKB without shapely),
the sites cached as one memory-mapped Arrow file per layers version, each site's regency once."""
from __future__ import annotations

import os
import shutil
import struct

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely

from geo.engine import Engine
from geo.layers import bundled_layers_dir, load_layers
from geo.layers.cache import CACHE_DIR, cache_path
from geo.layers.directory import site_regency_codes
from geo.layers.vector import Features, decode_wkb
from zonasi.testing.layers import make_layers_dir

JAKARTA = (106.8272, -6.1754)


def test_wkb_points_are_read_from_the_bytes_and_everything_else_by_shapely():
    geoms = [shapely.Point(106.8, -6.2), shapely.LineString([(106.8, -6.2), (106.9, -6.1)]),
             shapely.Point(107.0, -6.3, 12.0), shapely.from_wkt("POINT EMPTY"),
             shapely.box(106, -7, 107, -6), None, shapely.Point(108.25, -6.5)]
    wkb = [None if g is None else shapely.to_wkb(g, include_srid=False) for g in geoms]
    wkb[6] = struct.pack(">BIdd", 0, 1, 108.25, -6.5)                   # big-endian: left to shapely
    wkb.append(shapely.to_wkb(shapely.set_srid(shapely.Point(109.5, -7.5), 4326), include_srid=True))  # EWKB
    xy, shapes = decode_wkb(pa.chunked_array([pa.array(wkb[:3], pa.binary()), pa.array(wkb[3:], pa.binary())]))
    assert np.array_equal(xy[0], [106.8, -6.2]) and shapes[0] is None
    assert np.array_equal(xy[2], [107.0, -6.3]) and shapes[2] is None          # Z point: x and y
    assert np.array_equal(xy[7], [109.5, -7.5]) and shapes[7] is None          # SRID skipped
    assert np.isnan(xy[[1, 3, 4, 5, 6]]).all()
    assert shapes[1].equals(geoms[1]) and shapes[4].equals(geoms[4])
    assert shapes[3].is_empty and shapes[5].is_empty                            # empty and missing
    assert shapes[6].equals(geoms[6])


def test_features_make_shapely_geometries_only_when_asked_and_only_those_taken():
    geoms = np.array([shapely.Point(1, 2), shapely.LineString([(0, 0), (1, 1)]), shapely.Point(3, 4)])
    features = Features(pa.table({"name": ["a", "b", "c"]}), geoms)
    assert features.is_point.tolist() == [True, False, True]
    assert features.shapes[0] is None and features.shapes[2] is None            # no object per point
    taken = features.take(np.array([2, 1]))
    assert [g.wkt for g in taken.geometry] == ["POINT (3 4)", "LINESTRING (0 0, 1 1)"]
    assert np.array_equal(features.bounds, [[1, 2, 1, 2], [0, 0, 1, 1], [3, 4, 3, 4]])
    assert shapely.equals(features.geometry, geoms).all()


@pytest.fixture
def copied_layers(tmp_path):
    directory = tmp_path / "layers"
    shutil.copytree(bundled_layers_dir(), directory, ignore=shutil.ignore_patterns(CACHE_DIR, "__pycache__"))
    return directory


def test_the_second_load_maps_the_cache_and_gives_the_same_sites_and_verdicts(copied_layers):
    first = load_layers(copied_layers)
    path = cache_path(copied_layers, first.version)
    assert path.is_file()
    second = load_layers(copied_layers)
    assert second.version == first.version
    assert second.site_features.table.equals(first.site_features.table)
    assert np.array_equal(second.site_features.xy, first.site_features.xy, equal_nan=True)
    others = ~first.site_features.is_point
    assert others.any() and shapely.equals(second.site_features.shapes[others],
                                           first.site_features.shapes[others]).all()
    assert second.site_regency.equals(first.site_regency)
    assert second.site_features.xy.base is not None        # a view of the mapped file, not a copy
    points = np.array([JAKARTA, (108.32, -6.33), (117.2, -0.65)])
    a = Engine(first).check_many(points[:, 0], points[:, 1]).table()
    b = Engine(second).check_many(points[:, 0], points[:, 1]).table()
    assert a.equals(b)


def test_a_changed_layer_is_never_read_from_an_old_cache(copied_layers):
    before = load_layers(copied_layers)
    extra = gpd.GeoDataFrame({"name": ["SD Baru"], "category": ["school"], "site_id": ["new-1"]},
                             geometry=[shapely.Point(*JAKARTA)], crs=4326)
    extra.to_parquet(copied_layers / "sites" / "extra.parquet")
    after = load_layers(copied_layers)
    assert after.version != before.version and len(after.site_features) == len(before.site_features) + 1
    assert not cache_path(copied_layers, before.version).exists()   # the old version's cache is removed
    assert Engine(after).check(*JAKARTA).hits[0].site_id == "new-1"


def test_a_directory_that_cannot_be_written_loads_without_a_cache(copied_layers):
    if os.geteuid() == 0:
        (copied_layers / CACHE_DIR).write_text("not a directory")   # root writes anywhere: block it so
    else:
        os.chmod(copied_layers, 0o555)
    try:
        layers = load_layers(copied_layers)
        again = load_layers(copied_layers)
    finally:
        os.chmod(copied_layers, 0o755)
    assert not cache_path(copied_layers, layers.version).exists()
    assert again.site_features.table.equals(layers.site_features.table)


def test_each_site_gets_its_regency_its_own_code_first(tmp_path):
    directory = make_layers_dir(tmp_path, codes=("31.71", "32.12", "63.10"))
    layers = load_layers(directory)
    regencies = layers.regency_features
    inside = shapely.point_on_surface(regencies.geometry)
    table = pa.table({"name": ["a", "b", "c", "d"], "category": ["school"] * 4,
                      "regency_code": [None, "", "32.12", None]})
    features = Features(table, np.array([inside[0], inside[1], inside[0],
                                         shapely.Point(0.0, 0.0)], dtype=object))
    codes = site_regency_codes(features, regencies).to_pylist()
    own = regencies.column("code").tolist()
    assert codes == [own[0], own[1], "32.12", None]


def test_zones_and_the_regency_grid_are_saved_once_and_mapped_by_the_next_engine(copied_layers):
    layers = load_layers(copied_layers)
    first = Engine(layers)
    first.warm(around_sites=False)
    saved = sorted(p.name.rsplit("-", 1)[0] for p in (copied_layers / CACHE_DIR).glob("*.npy"))
    assert "regency-grid-500m" in saved and any(name.endswith("-xy") for name in saved)
    second = Engine(load_layers(copied_layers))
    assert isinstance(second._locate.grid, np.memmap)          # the saved grid, mapped
    points = np.array([JAKARTA, (108.32, -6.33), (117.2, -0.65), (108.40, -6.20)])
    assert first.check_many(points[:, 0], points[:, 1]).table().equals(
        second.check_many(points[:, 0], points[:, 1]).table())


def test_a_sites_import_keeps_the_saved_regency_grid(copied_layers):
    """The grid depends on the regencies alone: a new sites file (a new layers version) maps the
    grid saved before instead of classifying the country again (16 s at national scale)."""
    first = load_layers(copied_layers)
    Engine(first).warm(around_sites=False)
    grid_file = next((copied_layers / CACHE_DIR).glob("regency-grid-*.npy"))
    made = grid_file.stat().st_mtime_ns
    extra = next((copied_layers / "sites").glob("*.parquet"))
    shutil.copy(extra, extra.with_name("zz_more.parquet"))
    second = load_layers(copied_layers)
    assert second.version != first.version and second.regencies_version == first.regencies_version
    engine = Engine(second)
    assert engine.load_regency_grid()                          # found before anything is built
    assert isinstance(engine._locate.grid, np.memmap)
    engine.build_regency_grid()
    assert grid_file.stat().st_mtime_ns == made


def test_changed_regencies_have_a_grid_of_their_own(copied_layers):
    first = load_layers(copied_layers)
    Engine(first).warm(around_sites=False)
    regencies = pq.read_table(copied_layers / "regencies.parquet")
    pq.write_table(regencies.slice(0, regencies.num_rows - 1), copied_layers / "regencies.parquet")
    second = load_layers(copied_layers)
    assert second.regencies_version != first.regencies_version
    assert not Engine(second).load_regency_grid()
