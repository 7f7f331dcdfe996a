"""Real clients on a real server: GDAL's OAPIF driver (ogrinfo, ogr2ogr) and OWSLib read the OGC
API - Features endpoints of the app, served over HTTP on a free loopback port."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading

import pytest
import shapely
from werkzeug.serving import make_server

from geo.config import Settings
from webmap import create_app

INDRAMAYU_BOX = (108.2, -6.5, 108.4, -6.3)
NEAR = (108.1677, -6.399)   # about 22 m from indramayu-6: a violation in January 2024


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        message = f"{tool} is not installed (Debian package gdal-bin, in the Makefile's SYSTEM_PACKAGES)"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def server(engine, tmp_path_factory):
    """The app on http://127.0.0.1:<free port> with three violations and a Satpol PP token."""
    app = create_app(Settings(instance_dir=tmp_path_factory.mktemp("interop")), engine=engine)
    store = app.extensions["zonasi"].store
    for day in (10, 11, 12):
        store.submit({"apk_type": "baliho", "lon": NEAR[0], "lat": NEAR[1] + day * 1e-6,
                      "reporter": "Panwascam", "reported_at": f"2024-01-{day}T08:00:00Z"})
    token = store.tokens.create("satpolpp", "Satpol PP Indramayu")
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{httpd.server_port}/ogc", "token": token}
    httpd.shutdown()
    thread.join(10)
    store.dispose()


def _env(**extra) -> dict:
    env = dict(os.environ, no_proxy="127.0.0.1,localhost", NO_PROXY="127.0.0.1,localhost",
               GDAL_HTTP_TIMEOUT="30", CPL_DEBUG="OFF")
    env.update(extra)
    return env


def _run(*args, **env) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=_env(**env))
    assert done.returncode == 0, done.stderr
    return done.stdout


def expected_sites(layers, box) -> list[str]:
    hit = shapely.intersects(layers.sites.geometry.values, shapely.box(*box))
    return layers.sites["site_id"].to_numpy()[hit].tolist()


def test_ogrinfo_lists_every_collection(server):
    out = _run(_need("ogrinfo"), "-ro", "-q", f"OAPIF:{server['url']}")
    for name in ("violations", "reports", "sites", "regencies"):
        assert f": {name} (" in out


def test_ogrinfo_summarises_sites(server, layers):
    out = _run(_need("ogrinfo"), "-ro", "-so", f"OAPIF:{server['url']}", "sites")
    assert f"Feature Count: {len(layers.sites)}" in out
    for field in ("name: String", "category: String", "buffer_m: Real", "regency_code: String"):
        assert field in out
    west, south, east, north = layers.sites.total_bounds
    assert f"Extent: ({west:.6f}, {south:.6f}) - ({east:.6f}, {north:.6f})" in out


def test_ogr2ogr_copies_a_bbox_of_sites_page_by_page(server, layers, tmp_path):
    out = tmp_path / "sites.geojson"
    _run(_need("ogr2ogr"), "-f", "GeoJSON", str(out), f"OAPIF:{server['url']}", "sites",
         "-oo", "PAGE_SIZE=50", "-spat", *map(str, INDRAMAYU_BOX))
    features = json.loads(out.read_text())["features"]
    assert [f["properties"]["id"] for f in features] == expected_sites(layers, INDRAMAYU_BOX)
    assert all(f["properties"]["category"] for f in features)


def test_ogr2ogr_reads_regencies_as_multipolygons(server, tmp_path):
    out = tmp_path / "regencies.gpkg"
    _run(_need("ogr2ogr"), "-f", "GPKG", str(out), f"OAPIF:{server['url']}", "regencies",
         "-oo", "PAGE_SIZE=200", "-spat", "108.0", "-6.7", "108.6", "-6.2")
    info = _run(_need("ogrinfo"), "-ro", "-al", "-q", str(out), "-where", "id = '32.12'")
    assert "name (String) = Kabupaten Indramayu" in info and "MULTIPOLYGON" in info


def test_gdal_reads_violations_with_a_bearer_token(server, tmp_path):
    denied = subprocess.run([_need("ogrinfo"), "-ro", "-al", "-q", f"OAPIF:{server['url']}", "violations"],
                            capture_output=True, text=True, timeout=120, env=_env())
    assert "HTTP error code : 401" in denied.stderr and "OGRFeature" not in denied.stdout
    out = tmp_path / "violations.geojson"
    _run(_need("ogr2ogr"), "-f", "GeoJSON", str(out), f"OAPIF:{server['url']}", "violations",
         GDAL_HTTP_HEADERS=f"Authorization: Bearer {server['token']}")
    features = json.loads(out.read_text())["features"]
    assert len(features) == 3
    assert {f["properties"]["site_id"] for f in features} == {"indramayu-6"}
    assert all("reporter" not in f["properties"] for f in features)


@pytest.fixture()
def owslib_features(monkeypatch):
    """OWSLib's Features class, with its module-wide request headers copied for this test only."""
    import owslib.ogcapi
    from owslib.ogcapi.features import Features

    monkeypatch.setattr(owslib.ogcapi, "REQUEST_HEADERS", dict(owslib.ogcapi.REQUEST_HEADERS))
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return Features


def test_owslib_reads_collections_items_and_the_api(server, layers, owslib_features):
    api = owslib_features(server["url"])
    assert {c.rsplit("/", 1)[1] for c in api.conformance()["conformsTo"]} >= {"core", "geojson", "oas30"}
    assert {"violations", "reports", "sites", "regencies"} <= set(api.feature_collections())
    assert api.collection("sites")["extent"]["spatial"]["bbox"][0][0] == pytest.approx(layers.sites.total_bounds[0])
    want = expected_sites(layers, INDRAMAYU_BOX)
    page = api.collection_items("sites", bbox=list(INDRAMAYU_BOX), limit=20, offset=20)
    assert page["numberMatched"] == len(want)
    assert [f["id"] for f in page["features"]] == want[20:40]
    one = api.collection_item("regencies", "32.12")
    assert one["properties"]["name"] == "Kabupaten Indramayu"
    paths = api.api()["paths"]
    assert "/ogc/collections/{collection_id}/items" in paths and "/api/check" in paths


def test_owslib_reads_violations_with_a_token(server, owslib_features):
    api = owslib_features(server["url"], headers={"Authorization": f"Bearer {server['token']}"})
    items = api.collection_items("violations", datetime_="2024-01-11/..", limit=10)
    assert items["numberMatched"] == 2
    assert all(f["properties"]["verdict_status"] == "violation" for f in items["features"])


def test_ogr2ogr_reads_the_zones_of_a_bbox(server, tmp_path):
    out = tmp_path / "zones.geojson"
    _run(_need("ogr2ogr"), "-f", "GeoJSON", str(out), f"OAPIF:{server['url']}", "zones",
         "-spat", *map(str, INDRAMAYU_BOX))
    features = json.loads(out.read_text())["features"]
    assert "32.12-school" in {f["properties"]["id"] for f in features}
    assert {f["geometry"]["type"] for f in features} <= {"Polygon", "MultiPolygon"}


def test_gdal_given_only_the_host(server, layers):
    host = server["url"].removesuffix("/ogc")
    out = _run(_need("ogrinfo"), "-ro", "-so", f"OAPIF:{host}", "sites")
    assert f"Feature Count: {len(layers.sites)}" in out
