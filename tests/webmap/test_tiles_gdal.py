"""GDAL reads the vector tiles from a real server on a loopback port.

* Its MVT driver reads a tile fetched over HTTP (every GDAL with MVT): the layer, every feature
  mapbox_vector_tile decodes, attributes and a place inside the tile.
* Its OGCAPI driver opens the collection's tiles: GDAL >= 3.8 lists the zoom levels' layers; GDAL
  3.6/3.7 (Debian 12's 3.6.2 here) parse only the 1.0 JSON form of a tile matrix set (the 2.0-only
  document failed with "Invalid tiling matrix set name"), and their OGCAPI tiles support stops after
  that (OSGeo/gdal#6881 "tiles ... not working properly", #7656, #8130 fixed it in 3.8), so there the
  test checks that the tile matrix set is read.

Without ogrinfo the tests are skipped, except under CI (``CI=true``), where that is a failure.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import urllib.request

import mapbox_vector_tile
import pytest

from geo.catalog import Tile, mercator
from tests.conftest import settings_for_tests
from zonasi.testing.browser import LiveServer

OGRINFO = shutil.which("ogrinfo")
JAKARTA = (106.85, -6.2)


@pytest.fixture(scope="module")
def ogrinfo():
    if OGRINFO is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("ogrinfo (GDAL) is missing: apt-get install gdal-bin")
        pytest.skip("ogrinfo (GDAL) is not installed")
    version = subprocess.run([OGRINFO, "--version"], capture_output=True, text=True, check=True).stdout
    major, minor = map(int, re.search(r"GDAL (\d+)\.(\d+)", version).groups())
    return OGRINFO, (major, minor)


@pytest.fixture(scope="module")
def server(tmp_path_factory, engine):
    from webmap import create_app

    app = create_app(settings_for_tests(instance_dir=tmp_path_factory.mktemp("gdal") / "instance"), engine=engine)
    with LiveServer(app) as live:
        yield live


def run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "GDAL_HTTP_TIMEOUT": "60"})


def jakarta_tile(z: int) -> Tile:
    x, y = mercator(*JAKARTA)
    size = 2 * 20037508.342789244 / 2 ** z
    return Tile.checked(z, int((x + 20037508.342789244) // size), int((20037508.342789244 - y) // size))


def test_gdal_mvt_driver_reads_a_regencies_tile_fetched_from_the_server(ogrinfo, server, tmp_path):
    exe, _ = ogrinfo
    tile = jakarta_tile(5)
    url = f"{server.url}/ogc/collections/regencies/tiles/WebMercatorQuad/{tile.z}/{tile.y}/{tile.x}"
    with urllib.request.urlopen(url, timeout=60) as response:
        data = response.read()
    path = tmp_path / "regencies.mvt"
    path.write_bytes(data)
    expected = mapbox_vector_tile.decode(data)["regencies"]["features"]
    assert len(expected) > 10
    where = ["-oo", f"X={tile.x}", "-oo", f"Y={tile.y}", "-oo", f"Z={tile.z}"]
    summary = run([exe, "-ro", "-so", *where, str(path), "regencies"])
    assert summary.returncode == 0, summary.stderr
    assert "Geometry: Multi Polygon" in summary.stdout
    assert f"Feature Count: {len(expected)}" in summary.stdout
    extent = re.search(r"Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)", summary.stdout)
    minx, miny, maxx, maxy = map(float, extent.groups())
    t_minx, t_miny, t_maxx, t_maxy = tile.bounds
    pad = tile.size * 0.02                          # the clip margin around the tile
    assert t_minx - pad <= minx < maxx <= t_maxx + pad and t_miny - pad <= miny < maxy <= t_maxy + pad
    one = run([exe, "-ro", *where, "-where", "code = '31.71'", str(path), "regencies"])
    assert one.returncode == 0, one.stderr
    assert "name (String) = Kota Administrasi Jakarta Pusat" in one.stdout
    assert "MULTIPOLYGON" in one.stdout or "POLYGON" in one.stdout


def test_gdal_ogcapi_driver_reads_the_tile_matrix_set(ogrinfo, server):
    exe, version = ogrinfo
    result = run([exe, "-ro", "-so", "-oo", "API=TILES", f"OGCAPI:{server.url}/ogc/collections/regencies"])
    # the 2.0-only document made every GDAL before 3.8 fail here
    assert "Invalid tiling matrix set name" not in result.stderr
    assert "Destination buffer too small" not in result.stderr
    if version >= (3, 8):
        assert result.returncode == 0, result.stderr
        assert re.search(r"^\d+: ", result.stdout, re.M), result.stdout   # the zoom levels' layers
