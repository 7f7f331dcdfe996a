"""A GeoPackage declares the geometry type its features have (issue #15, "Also found"): the
bundled sites are 16,048 points and 910 road lines (Sanga-Sanga). Written chunk by chunk with the
points first, the layer used to be declared POINT and hold lines, which GDAL writes with a warning
and which the GeoPackage standard does not allow."""
from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from geo.exports import FeatureSink, write_features

NOT_CONFORMANT = "not normally allowed by the GeoPackage specification"


def _gdal_warnings(write) -> list[str]:
    """What GDAL warned while ``write()`` ran (pyogrio passes GDAL's warnings on as Python warnings)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        write()
    return [str(w.message) for w in caught]


def _declared(path) -> str:
    return pyogrio.read_info(path)["geometry_type"]


@pytest.fixture(scope="module")
def points_then_lines(layers):
    sites = layers.sites
    order = np.argsort(sites.geom_type.to_numpy() != "Point", kind="stable")  # every point before any line
    return sites.iloc[order][["site_id", "name", "category", "geometry"]].reset_index(drop=True)


def test_sites_written_in_chunks_are_declared_as_any_geometry(points_then_lines, tmp_path):
    path = tmp_path / "sites.gpkg"

    def write():
        with FeatureSink(path, layer="sites") as sink:
            for start in range(0, len(points_then_lines), 5000):
                sink.write(points_then_lines.iloc[start:start + 5000])

    assert not [w for w in _gdal_warnings(write) if NOT_CONFORMANT in w]
    assert _declared(path) == "Unknown"   # GDAL's name for GEOMETRY: any type
    back = gpd.read_file(path)
    assert len(back) == len(points_then_lines)
    assert back.geom_type.value_counts().to_dict() == points_then_lines.geom_type.value_counts().to_dict()
    assert back["site_id"].tolist() == points_then_lines["site_id"].tolist()


def test_sites_written_whole_are_declared_as_any_geometry(points_then_lines, tmp_path):
    path = tmp_path / "sites.gpkg"
    assert not [w for w in _gdal_warnings(lambda: write_features(points_then_lines, "gpkg", path, layer="sites"))
                if NOT_CONFORMANT in w]
    assert _declared(path) == "Unknown" and len(gpd.read_file(path)) == len(points_then_lines)


@pytest.mark.parametrize(("geoms", "declared"), [
    ([shapely.Point(108.3, -6.3), shapely.Point(108.4, -6.4)], "Point"),
    ([shapely.LineString([(108.3, -6.3), (108.4, -6.4)])] * 2, "LineString"),
    ([shapely.box(108.3, -6.4, 108.4, -6.3), shapely.MultiPolygon([shapely.box(108, -6.1, 108.1, -6)])], "Unknown"),
])
def test_chunks_of_one_type_are_declared_as_that_type(tmp_path, geoms, declared):
    path = tmp_path / "one.gpkg"
    with FeatureSink(path) as sink:
        for i, geom in enumerate(geoms):
            sink.write(gpd.GeoDataFrame({"n": [i]}, geometry=[geom], crs=4326))
    assert _declared(path) == declared
    assert len(gpd.read_file(path)) == len(geoms)
