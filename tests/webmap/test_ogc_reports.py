"""The reports and violations collections of OGC API - Features, on the real store (both backends)."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from webmap import create_app

SITE = (108.1675, -6.399)          # indramayu-6, a school: 50 m rule
NEAR = (SITE[0] + 0.0002, SITE[1])  # about 22 m east of it: a violation in the campaign period
FAR = [(108.30, -6.45), (108.32, -6.40), (108.25, -6.40)]  # no site within reach: allowed


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture()
def seeded(store_settings, engine):
    """An app on the store with 5 violations (Jan 10..14 2024), 3 allowed reports and tokens."""
    app = create_app(store_settings, engine=engine)
    app.config["TESTING"] = True
    store = app.extensions["zonasi"].store
    violations = []
    for day in range(10, 15):
        report = store.submit({"apk_type": "baliho", "lon": NEAR[0] + day * 1e-6, "lat": NEAR[1],
                               "reporter": "Panwascam Sindang", "reported_at": f"2024-01-{day}T08:00:00Z",
                               "participant": "Partai Contoh"}).report
        violations.append(report["id"])
    allowed = [store.submit({"apk_type": "spanduk", "lon": lon, "lat": lat, "reporter": "PKD",
                             "reported_at": "2024-01-12T09:00:00Z"}).report["id"] for lon, lat in FAR]
    tokens = {role: store.tokens.create(role, f"test {role}") for role in ("field", "bawaslu", "satpolpp")}
    yield app.test_client(), store, violations, allowed, tokens
    store.dispose()


def test_collections_include_reports_and_violations_first(seeded):
    client, *_ = seeded
    ids = [c["id"] for c in client.get("/ogc/collections").get_json()["collections"]]
    assert ids[:2] == ["violations", "reports"] and "sites" in ids and "regencies" in ids


@pytest.mark.parametrize("collection, role, status", [
    ("violations", None, 401), ("violations", "field", 403), ("violations", "satpolpp", 200),
    ("violations", "bawaslu", 200), ("reports", None, 401), ("reports", "satpolpp", 403),
    ("reports", "bawaslu", 200),
])
def test_items_need_a_token_with_the_right_role(seeded, collection, role, status):
    client, _, violations, _, tokens = seeded
    headers = bearer(tokens[role]) if role else {}
    for path in (f"/ogc/collections/{collection}/items", f"/ogc/collections/{collection}/items/{violations[0]}"):
        response = client.get(path, headers=headers)
        assert response.status_code == status
        if status != 200:
            assert response.mimetype == "application/problem+json"


def test_violations_are_geojson_points_without_the_reporter(seeded):
    client, _, violations, allowed, tokens = seeded
    response = client.get("/ogc/collections/violations/items", headers=bearer(tokens["satpolpp"]))
    assert response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["numberMatched"] == body["numberReturned"] == 5
    assert sorted(f["id"] for f in body["features"]) == sorted(violations)
    for feature in body["features"]:
        assert feature["geometry"]["type"] == "Point"
        assert feature["geometry"]["coordinates"][1] == pytest.approx(NEAR[1])
        props = feature["properties"]
        assert "reporter" not in props and "submitted_by" not in props
        assert props["verdict_status"] == "violation" and props["site_id"] == "indramayu-6"
        assert 0 < props["distance_m"] <= props["buffer_m"] == 50
    missing = client.get(f"/ogc/collections/violations/items/{allowed[0]}", headers=bearer(tokens["satpolpp"]))
    assert missing.status_code == 404


def test_datetime_bbox_and_paging_on_violations(seeded):
    client, _, violations, _, tokens = seeded
    headers = bearer(tokens["bawaslu"])
    base = "/ogc/collections/violations/items"
    body = client.get(f"{base}?datetime=2024-01-11/2024-01-13", headers=headers).get_json()
    assert body["numberMatched"] == 3
    assert {f["properties"]["reported_at"][:10] for f in body["features"]} == {"2024-01-11", "2024-01-12",
                                                                              "2024-01-13"}
    assert client.get(f"{base}?datetime=2024-01-14", headers=headers).get_json()["numberMatched"] == 1
    assert client.get(f"{base}?datetime=../2024-01-10T12:00:00Z", headers=headers).get_json()["numberMatched"] == 1
    assert client.get(f"{base}?bbox=108.3,-6.5,108.4,-6.3", headers=headers).get_json()["numberMatched"] == 0
    box = f"{NEAR[0] - 0.001},{NEAR[1] - 0.001},{NEAR[0] + 0.001},{NEAR[1] + 0.001}"
    assert client.get(f"{base}?bbox={box}", headers=headers).get_json()["numberMatched"] == 5
    seen, url = [], f"{base}?limit=2"
    while url:
        page = client.get(url, headers=headers).get_json()
        seen += [f["id"] for f in page["features"]]
        nxt = [link for link in page["links"] if link["rel"] == "next"]
        url = urlsplit(nxt[0]["href"]).path + "?" + urlsplit(nxt[0]["href"]).query if nxt else None
    assert sorted(seen) == sorted(violations)


def test_status_filter_follows_the_workflow(seeded):
    client, store, violations, _, tokens = seeded
    store.transition(violations[0], "verified", actor="Bawaslu Indramayu", role="bawaslu")
    headers = bearer(tokens["satpolpp"])
    body = client.get("/ogc/collections/violations/items?status=verified", headers=headers).get_json()
    assert [f["id"] for f in body["features"]] == [violations[0]]
    assert client.get("/ogc/collections/violations/items?status=gone", headers=headers).status_code == 400


def test_reports_show_the_reporter_to_bawaslu_only(seeded):
    client, _, violations, allowed, tokens = seeded
    body = client.get("/ogc/collections/reports/items?limit=100", headers=bearer(tokens["bawaslu"])).get_json()
    assert body["numberMatched"] == 8
    assert {f["properties"]["reporter"] for f in body["features"]} == {"Panwascam Sindang", "PKD"}
    one = client.get(f"/ogc/collections/reports/items/{allowed[1]}", headers=bearer(tokens["bawaslu"])).get_json()
    assert one["properties"]["verdict_status"] == "incomplete" and one["properties"]["reporter"] == "PKD"
    sel = client.get("/ogc/collections/reports/items?properties=status,apk_type",
                     headers=bearer(tokens["bawaslu"])).get_json()
    assert all(set(f["properties"]) == {"status", "apk_type"} for f in sel["features"])


def test_violations_link_to_the_exports_with_the_same_filters(seeded):
    client, _, _, _, tokens = seeded
    headers = bearer(tokens["satpolpp"])
    body = client.get("/ogc/collections/violations/items?status=reported&datetime=2024-01-11/..&limit=2",
                      headers=headers).get_json()
    alternates = {link["type"]: link["href"] for link in body["links"] if link["rel"] == "alternate"}
    assert set(alternates) == {"application/geo+json", "text/csv", "application/vnd.google-earth.kml+xml",
                               "application/geopackage+sqlite3"}
    geojson = urlsplit(alternates["application/geo+json"])
    exported = client.get(f"{geojson.path}?{geojson.query}", headers=headers)
    assert exported.status_code == 200
    assert len(exported.get_json()["features"]) == body["numberMatched"] == 4


def test_collection_descriptions_need_no_token(seeded):
    client, *_ = seeded
    for cid in ("violations", "reports"):
        body = client.get(f"/ogc/collections/{cid}").get_json()
        assert body["id"] == cid and "token" in body["description"]
