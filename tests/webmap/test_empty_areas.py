"""Asking for an area or a selection that holds nothing answers an empty collection (200), never a
500 (issue #15, "Also found": ``/api/zones.geojson`` with a bbox over the sea once answered
``ValueError: No objects to concatenate``). Over real HTTP on a loopback port, on the bundled layers:
bboxes over the sea (touching no regency, or inside a coastal regency's bounds but clear of its
zones), a regency with no site (Kota Surabaya), empty and unmatched category lists, on
``/api/zones.geojson``, the OGC items and the violation exports in every format."""
from __future__ import annotations

import json

import pyogrio
import pytest
import requests
import shapely

from geo.config import Settings
from geo.exports import FORMATS
from webmap import create_app
from zonasi.testing.browser import LiveServer

JAVA_SEA = (107.0, -5.6, 107.3, -5.4)           # between Jakarta and Indramayu: no regency
OFF_INDRAMAYU = (108.55, -6.2, 108.6, -6.15)    # the sea in Indramayu's bounding box
SURABAYA = "35.78"                              # a regency without any site in the bundled layers


def _box(box) -> str:
    return ",".join(map(str, box))


@pytest.fixture(scope="module")
def server(engine, tmp_path_factory):
    app = create_app(Settings(instance_dir=tmp_path_factory.mktemp("empty") / "instance"), engine=engine)
    store = app.extensions["zonasi"].store
    token = store.tokens.create("admin", "empty areas")
    store.submit({"apk_type": "baliho", "lon": 108.1677, "lat": -6.399, "reporter": "Panwascam",
                  "reported_at": "2024-01-10T08:00:00Z"})
    with LiveServer(app) as live:
        session = requests.Session()
        session.trust_env = False  # loopback: no proxy
        yield live.url, session, {"Authorization": f"Bearer {token}"}
    store.dispose()


def test_the_sea_boxes_are_what_they_claim(layers):
    regencies = layers.regencies.geometry.to_numpy()
    assert not shapely.intersects(regencies, shapely.box(*JAVA_SEA)).any()
    assert not shapely.intersects(regencies, shapely.box(*OFF_INDRAMAYU)).any()
    assert SURABAYA in set(layers.regencies["code"]) and SURABAYA not in set(layers.sites["regency_code"].dropna())


@pytest.mark.parametrize("query", [
    f"bbox={_box(JAVA_SEA)}",
    f"bbox={_box(OFF_INDRAMAYU)}",
    f"regency=32.12&bbox={_box(OFF_INDRAMAYU)}",
    f"regency={SURABAYA}",
    f"regency={SURABAYA}&bbox={_box(JAVA_SEA)}",
    "regency=32.12&category=park",
    f"regency=32.12&category=park&bbox={_box(OFF_INDRAMAYU)}",
    f"bbox={_box(JAVA_SEA)}&category=",
    f"bbox={_box(JAVA_SEA)}&category=,",
])
def test_zones_of_an_empty_area_are_an_empty_feature_collection(server, query):
    url, session, _ = server
    answer = session.get(f"{url}/api/zones.geojson?{query}", timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("application/geo+json")
    body = answer.json()
    assert body["type"] == "FeatureCollection" and body["features"] == []
    assert body["rules_version"] and body["layers_version"]


def test_an_empty_category_list_is_all_categories(server):
    url, session, _ = server
    every = session.get(f"{url}/api/zones.geojson?regency=32.12", timeout=60).json()
    blank = session.get(f"{url}/api/zones.geojson?regency=32.12&category=", timeout=60).json()
    assert blank["features"] and blank == every


@pytest.mark.parametrize("collection", ["zones", "sites", "regencies", "violations", "reports"])
@pytest.mark.parametrize("query", [f"bbox={_box(JAVA_SEA)}", f"bbox={_box(OFF_INDRAMAYU)}"])
def test_ogc_items_of_the_sea_are_an_empty_page(server, collection, query):
    url, session, auth = server
    answer = session.get(f"{url}/ogc/collections/{collection}/items?{query}", headers=auth, timeout=60)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["features"] == [] and body["numberReturned"] == 0


def test_ogc_zones_of_a_regency_without_sites_are_an_empty_page(server):
    url, session, _ = server
    body = session.get(f"{url}/ogc/collections/zones/items?regency_code={SURABAYA}", timeout=60).json()
    assert body["features"] == [] and body["numberMatched"] == 0


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("query", [f"bbox={_box(JAVA_SEA)}", f"regency={SURABAYA}", "category=park"])
def test_violation_exports_of_nothing_are_valid_empty_files(server, tmp_path, fmt, query):
    url, session, auth = server
    answer = session.get(f"{url}/api/violations.{fmt}?{query}", headers=auth, timeout=60)
    assert answer.status_code == 200, answer.text
    if fmt == "csv":
        assert len(answer.content.decode("utf-8-sig").strip().splitlines()) == 1   # the header alone
        return
    if fmt == "geojson":
        assert json.loads(answer.content)["features"] == []
        return
    path = tmp_path / f"empty{FORMATS[fmt].extension}"
    path.write_bytes(answer.content)
    assert pyogrio.read_info(path)["features"] in (0, -1) and len(pyogrio.read_dataframe(path)) == 0
