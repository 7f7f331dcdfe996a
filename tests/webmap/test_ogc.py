"""OGC API - Features under /ogc with the Flask test client: documents, paging, filters, errors."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest
import shapely

from geo.config import Settings
from webmap import create_app

GEOJSON = "application/geo+json"
INDRAMAYU_BOX = (108.2, -6.5, 108.4, -6.3)


@pytest.fixture(scope="module")
def client(engine, tmp_path_factory):
    """One app for the module: the collections are built once, as in production."""
    app = create_app(Settings(instance_dir=tmp_path_factory.mktemp("ogc")), engine=engine)
    app.config["TESTING"] = True
    return app.test_client()


def box_param(box) -> str:
    return ",".join(str(v) for v in box)


def local(href: str) -> str:
    parts = urlsplit(href)
    return parts.path + ("?" + parts.query if parts.query else "")


def links(body, rel):
    return [link for link in body["links"] if link["rel"] == rel]


def expected_sites(layers, box, category=None) -> list[str]:
    """The oracle: every site whose geometry intersects the box, straight from the layer."""
    sites = layers.sites
    hit = shapely.intersects(sites.geometry.values, shapely.box(*box))
    if category:
        hit &= (sites["category"] == category).to_numpy()
    return sites["site_id"].to_numpy()[hit].tolist()


def test_landing_page_links_to_api_conformance_and_data(client):
    for path in ("/ogc", "/ogc/"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.mimetype == "application/json"
        body = response.get_json()
        rels = {link["rel"]: link for link in body["links"]}
        assert {"self", "service-desc", "conformance", "data"} <= set(rels)
        assert rels["service-desc"]["type"] == "application/vnd.oai.openapi+json;version=3.0"
        assert local(rels["data"]["href"]) == "/ogc/collections"
        assert client.get(local(rels["service-desc"]["href"])).status_code == 200


def test_conformance_declares_core_geojson_html_and_oas30(client):
    body = client.get("/ogc/conformance").get_json()
    features = [c for c in body["conformsTo"] if c.startswith("http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/")]
    assert {c.rsplit("/", 1)[1] for c in features} == {"core", "geojson", "html", "oas30"}
    others = set(body["conformsTo"]) - set(features)  # OGC API - Tiles (tests/webmap/test_tiles.py)
    assert all(c.startswith("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/") for c in others)


def test_collections_describe_extent_and_items_links(client, layers):
    body = client.get("/ogc/collections").get_json()
    ids = [c["id"] for c in body["collections"]]
    assert {"sites", "regencies"} <= set(ids)
    sites = next(c for c in body["collections"] if c["id"] == "sites")
    assert sites["itemType"] == "feature"
    west, south, east, north = sites["extent"]["spatial"]["bbox"][0]
    assert (west, south, east, north) == pytest.approx(tuple(layers.sites.total_bounds), abs=1e-6)
    items = links(sites, "items")[0]
    assert items["type"] == GEOJSON and local(items["href"]) == "/ogc/collections/sites/items"
    one = client.get("/ogc/collections/regencies").get_json()
    assert one["id"] == "regencies" and links(one, "self")


def test_items_bbox_matches_an_independent_intersection(client, layers):
    want = expected_sites(layers, INDRAMAYU_BOX)
    assert 50 < len(want) < 2000
    response = client.get(f"/ogc/collections/sites/items?bbox={box_param(INDRAMAYU_BOX)}&limit=10000")
    assert response.status_code == 200 and response.mimetype == GEOJSON
    body = response.get_json()
    assert body["type"] == "FeatureCollection"
    assert body["numberMatched"] == body["numberReturned"] == len(want)
    assert [f["id"] for f in body["features"]] == want
    assert not links(body, "next")


def test_paging_by_next_links_returns_every_feature_once(client, layers):
    want = expected_sites(layers, INDRAMAYU_BOX)
    url = f"/ogc/collections/sites/items?bbox={box_param(INDRAMAYU_BOX)}&limit=97"
    seen, pages = [], 0
    while url:
        body = client.get(url).get_json()
        pages += 1
        assert body["numberMatched"] == len(want)
        assert body["numberReturned"] == len(body["features"]) <= 97
        seen.extend(f["id"] for f in body["features"])
        nxt = links(body, "next")
        url = local(nxt[0]["href"]) if nxt else None
        if url:
            assert parse_qs(urlsplit(url).query)["bbox"] == [box_param(INDRAMAYU_BOX)]
    assert seen == want
    assert pages == -(-len(want) // 97)


def test_prev_link_and_offset_past_the_end(client):
    body = client.get("/ogc/collections/sites/items?limit=5&offset=12").get_json()
    prev = links(body, "prev")[0]
    assert parse_qs(urlsplit(prev["href"]).query)["offset"] == ["7"]
    assert links(body, "next") and links(body, "self") and links(body, "collection")
    total = body["numberMatched"]
    empty = client.get(f"/ogc/collections/sites/items?offset={total + 10}").get_json()
    assert empty["numberReturned"] == 0 and empty["features"] == [] and empty["numberMatched"] == total


def test_limit_is_capped_by_settings(engine, tmp_path):
    app = create_app(Settings(instance_dir=tmp_path, max_page_limit=7), engine=engine)
    body = app.test_client().get("/ogc/collections/sites/items?limit=500").get_json()
    assert body["numberReturned"] == 7
    assert parse_qs(urlsplit(links(body, "next")[0]["href"]).query)["limit"] == ["7"]


def test_default_page_is_a_hundred(client):
    assert client.get("/ogc/collections/sites/items").get_json()["numberReturned"] == 100


def test_property_filter_selection_and_coordinates_precision(client, layers):
    url = (f"/ogc/collections/sites/items?bbox={box_param(INDRAMAYU_BOX)}&category=health_facility"
           "&properties=name,category&limit=10000")
    body = client.get(url).get_json()
    assert [f["id"] for f in body["features"]] == expected_sites(layers, INDRAMAYU_BOX, "health_facility")
    for feature in body["features"]:
        assert set(feature["properties"]) == {"name", "category"}
        assert feature["properties"]["category"] == "health_facility"
        for value in feature["geometry"]["coordinates"]:
            assert len(repr(value).split(".")[-1]) <= 7


def test_one_site_by_its_stable_id(client, layers):
    row = layers.sites[layers.sites["site_id"] == "indramayu-6"].iloc[0]
    response = client.get("/ogc/collections/sites/items/indramayu-6")
    assert response.status_code == 200 and response.mimetype == GEOJSON
    feature = response.get_json()
    assert feature["id"] == "indramayu-6" and feature["properties"]["name"] == row["name"]
    assert feature["geometry"]["coordinates"] == pytest.approx([row.geometry.x, row.geometry.y], abs=1e-7)
    assert feature["properties"]["buffer_m"] > 0
    assert local(links(feature, "self")[0]["href"]) == "/ogc/collections/sites/items/indramayu-6"


def test_regency_by_code_and_simplified_for_a_zoom(client):
    full = client.get("/ogc/collections/regencies/items/32.12").get_json()
    assert full["properties"]["name"] == "Kabupaten Indramayu" and full["properties"]["utm_epsg"] in (32748, 32749)
    everywhere = client.get("/ogc/collections/regencies/items?limit=1000&zoom=5").get_json()
    assert everywhere["numberReturned"] == 514
    assert all(f["geometry"]["type"] == "MultiPolygon" for f in everywhere["features"])
    whole = client.get("/ogc/collections/regencies/items?province_code=32").get_json()
    light = client.get("/ogc/collections/regencies/items?province_code=32&zoom=7").get_json()
    assert light["numberReturned"] == whole["numberReturned"] == 27

    def vertices(body):
        return sum(shapely.get_num_coordinates(shapely.geometry.shape(f["geometry"])) for f in body["features"])

    assert vertices(light) < vertices(whole) / 2
    assert [f["id"] for f in light["features"]] == [f["id"] for f in whole["features"]]
    detailed = client.get("/ogc/collections/regencies/items?zoom=15&province_code=32").get_json()
    assert detailed["features"] == whole["features"]


def test_simplified_regencies_still_cover_their_area(client, layers):
    body = client.get("/ogc/collections/regencies/items?limit=1000&zoom=6&province_code=32").get_json()
    assert body["numberMatched"] == int((layers.regencies["province_code"] == "32").sum())
    for feature in body["features"]:
        light = shapely.make_valid(shapely.geometry.shape(feature["geometry"]))
        original = layers.regencies.set_index("code").geometry[feature["id"]]
        if original.area < 0.01:  # a city of a few pixels at zoom 6 may be drawn as a triangle
            assert light.area > 0
            continue
        assert abs(light.area - original.area) / original.area < 0.25


def test_antimeridian_bbox_is_two_boxes(client, layers):
    body = client.get("/ogc/collections/regencies/items?bbox=140,-10,-170,0&limit=1000").get_json()
    east = shapely.intersects(layers.regencies.geometry.values, shapely.box(140, -10, 180, 0))
    assert body["numberMatched"] == int(east.sum()) > 0


def test_datetime_is_accepted_and_sites_are_not_time_bound(client):
    plain = client.get("/ogc/collections/sites/items?limit=1").get_json()
    timed = client.get("/ogc/collections/sites/items?limit=1&datetime=2024-01-01/2024-02-01").get_json()
    assert timed["numberMatched"] == plain["numberMatched"]


@pytest.mark.parametrize("query, fragment", [
    ("bbox=1,2,3", "bbox"),
    ("bbox=10,5,20,-5", "south"),
    ("bbox=200,0,210,1", "west"),
    ("limit=0", "limit=0 must be 1 or more"),
    ("limit=ten", "not a whole number"),
    ("offset=-1", "offset"),
    ("datetime=yesterday", "RFC 3339"),
    ("datetime=2024-02-01/2024-01-01", "after the end"),
    ("colour=red", "query parameter 'colour'"),
    ("f=xml", "f='xml'"),
    ("properties=name,height", "no property 'height'"),
])
def test_bad_parameters_are_400_problems_that_say_what_to_fix(client, query, fragment):
    response = client.get(f"/ogc/collections/sites/items?{query}&lang=en")
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert fragment in response.get_json()["detail"]


def test_unknown_collection_and_feature_are_404_problems(client):
    for path in ("/ogc/collections/parks", "/ogc/collections/parks/items", "/ogc/collections/sites/items/nope-1"):
        response = client.get(path + "?lang=en")
        assert response.status_code == 404 and response.mimetype == "application/problem+json"
        assert re.search(r"no (collection|feature)", response.get_json()["detail"])


def test_timestamp_is_rfc3339_utc(client):
    stamp = client.get("/ogc/collections/sites/items?limit=1").get_json()["timeStamp"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp)


def test_geometry_output_matches_the_layer(client, layers):
    body = client.get("/ogc/collections/sites/items?layer=sanga_sanga_kutai_kartanegara_roads&limit=3").get_json()
    assert body["numberReturned"] == 3
    for feature in body["features"]:
        original = layers.sites.set_index("site_id").geometry[feature["id"]]
        served = shapely.geometry.shape(feature["geometry"])
        assert served.geom_type == original.geom_type == "LineString"
        assert np.allclose(shapely.get_coordinates(served), shapely.get_coordinates(original), atol=1e-7)


def test_zones_in_a_bbox_are_the_regency_exclusion_zones(client, engine):
    body = client.get(f"/ogc/collections/zones/items?bbox={box_param(INDRAMAYU_BOX)}").get_json()
    ids = [f["id"] for f in body["features"]]
    assert "32.12-school" in ids and body["numberMatched"] == len(ids)
    school = next(f for f in body["features"] if f["id"] == "32.12-school")
    assert school["properties"]["buffer_m"] == 50 and school["properties"]["kind"] == "exclusion"
    zone = shapely.geometry.shape(school["geometry"])
    assert zone.geom_type in ("Polygon", "MultiPolygon") and zone.intersects(shapely.box(*INDRAMAYU_BOX))
    inside, outside = (108.1677, -6.399), (108.1683, -6.399)   # ~22 m and ~88 m east of indramayu-6
    assert engine.check(*inside).status == "violation" and zone.contains(shapely.Point(inside))
    assert engine.check(*outside).status == "incomplete" and not zone.contains(shapely.Point(outside))
    one = client.get("/ogc/collections/zones/items/32.12-school").get_json()
    assert one["geometry"] == school["geometry"]


def test_zones_without_a_bbox_page_lazily(client):
    first = client.get("/ogc/collections/zones/items?limit=2").get_json()
    assert "numberMatched" not in first and first["numberReturned"] == 2
    nxt = links(first, "next")[0]
    second = client.get(local(nxt["href"])).get_json()
    assert not {f["id"] for f in first["features"]} & {f["id"] for f in second["features"]}
    assert all(re.fullmatch(r"\d\d\.\d\d-[a-z_]+", f["id"]) for f in first["features"] + second["features"])


def test_zone_errors(client):
    assert client.get("/ogc/collections/zones/items/32.12-nothing").status_code == 404
    assert client.get("/ogc/collections/zones/items?regency_code=99.99").status_code == 400
    assert client.get("/ogc/collections/zones/items?category=bridge").status_code == 400


def test_the_site_root_serves_the_same_service_to_json_clients(client):
    landing = client.get("/", headers={"Accept": "application/json"})
    assert landing.mimetype == "application/json"
    assert {link["rel"] for link in landing.get_json()["links"]} >= {"service-desc", "conformance", "data"}
    assert client.get("/?f=json").get_json()["title"] == landing.get_json()["title"]
    page = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert client.get("/conformance").get_json() == client.get("/ogc/conformance").get_json()
    root = client.get("/collections/sites/items?limit=3&category=school").get_json()
    assert [f["id"] for f in root["features"]] == [
        f["id"] for f in client.get("/ogc/collections/sites/items?limit=3&category=school").get_json()["features"]]
    assert urlsplit(links(root, "next")[0]["href"]).path == "/collections/sites/items"
