"""GDAL reading the mixed ``sites`` collection (issue #15, "Also found"). GDAL's OAPIF driver takes
a layer's geometry type from the first page of items (GDAL 3.6 reads no geometry from a schema), so
a plain ``ogr2ogr`` of Sanga-Sanga copies points and road lines into a POINT layer, with GDAL's
warning that the GeoPackage does not conform. The collection now says what it holds
(``geometry-any``); given that type (``-nlt GEOMETRY``) GDAL writes a conformant GeoPackage with
every feature."""
from __future__ import annotations

import subprocess

import pyogrio
import shapely

from tests.webmap.test_ogc_interop import _env, _need, server  # noqa: F401  (server is a fixture)

SANGA_SANGA = (117.14, -0.73, 117.31, -0.59)
NLT = {"geometry-any": "GEOMETRY", "geometry-point": "POINT", "geometry-linestring": "LINESTRING",
       "geometry-multipolygon": "MULTIPOLYGON", "geometry-polygon-or-multipolygon": "MULTIPOLYGON"}


def test_ogr2ogr_with_the_declared_type_writes_a_conformant_geopackage(server, layers, tmp_path):  # noqa: F811
    import requests

    session = requests.Session()
    session.trust_env = False
    declared = session.get(f"{server['url']}/collections/sites", timeout=60).json()["geometry"]
    assert declared["format"] == "geometry-any"
    out = tmp_path / "sites.gpkg"
    done = subprocess.run([_need("ogr2ogr"), "-f", "GPKG", str(out), f"OAPIF:{server['url']}", "sites",
                           "-oo", "PAGE_SIZE=500", "-spat", *map(str, SANGA_SANGA), "-nlt", NLT[declared["format"]]],
                          capture_output=True, text=True, timeout=300, env=_env())
    assert done.returncode == 0, done.stderr
    assert "not normally allowed" not in done.stderr
    assert pyogrio.read_info(out)["geometry_type"] == "Unknown"
    back = pyogrio.read_dataframe(out)
    inside = layers.sites[shapely.intersects(layers.sites.geometry.values, shapely.box(*SANGA_SANGA))]
    assert len(back) == len(inside) and set(back.geom_type) == {"Point", "LineString"}
    assert set(back.geom_type) == set(declared["geometryTypes"])
