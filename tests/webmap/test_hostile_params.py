"""Extreme values in every query parameter of every GET operation of /openapi.json (what the
generated fuzzing rarely tries): integers past 2^63, 1e400, NaN, 10,000 characters, NUL, invalid
UTF-8, many repeats. No 5xx, every error problem+json."""
from __future__ import annotations

import re

import pytest

from webmap import create_app

EXTREMES = ["1" + "0" * 30, "-" + "1" + "0" * 30, "1e400", "-1e400", "NaN", "inf", "0x10", "1_000",
            "9" * 5000, "a" * 10_000, "\x00", "%00", "\u202e", "1,2,3,4," * 500, "..", "/", "-0", " ",
            "2024-02-30", "9999-12-31T23:59:59+14:00", "9999-12-31T23:00:00Z", "0000-00-00"]
RAW = [b"%ED%A0%80", b"%FF%FE", b"%C0%AF"]   # invalid UTF-8 in the query string
# Beside the parameter under test, the others of an operation whose default answer is the whole
# country's drawing (a second of simplified regencies a request, ~70 requests here) are given
# small values, so that each extreme value is still parsed, and answered, in every parameter. The
# default (whole country) answer has its own tests in test_coverage_api.py.
BOUNDED = {"/api/coverage.geojson": {"bbox": "108.3,-6.34,108.32,-6.32", "zoom": "0"}}


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory, engine):
    from geo.config import Settings

    app = create_app(Settings(instance_dir=tmp_path_factory.mktemp("hostile") / "instance"), engine=engine)
    store = app.extensions["zonasi"].store
    admin = store.tokens.create("admin", "hostile")
    store.submit({"apk_type": "baliho", "lon": 108.32, "lat": -6.33, "reported_at": "2024-01-10"})
    yield app, admin
    store.dispose()


def operations(app):
    doc = app.test_client().get("/openapi.json").json
    for path, methods in doc["paths"].items():
        get = methods.get("get")
        if not get:
            continue
        names = [p["name"] for p in get.get("parameters", []) if p.get("in") == "query"]
        concrete = re.sub(r"\{[^}]+\}", lambda m: {"{collection_id}": "reports", "{fmt}": "geojson"}.get(
            m.group(0), "0f8c1c9e-2b4d-4c1a-9d6e-3b2a1f0e9d8c"), path)
        if names:
            yield concrete, names


def check(response, where):
    assert response.status_code < 500, (where, response.status_code, response.get_data(as_text=True)[:300])
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json", where
    response.close()


def test_extreme_values_in_every_query_parameter(hostile_app):
    app, admin = hostile_app
    client = app.test_client()
    headers = {"Authorization": f"Bearer {admin}"}
    tried = 0
    for path, names in operations(app):
        if path.startswith("/api/zones"):
            continue  # each request dissolves zones of up to six regencies: covered by its own tests
        for name in names:
            others = [(k, v) for k, v in BOUNDED.get(path, {}).items() if k != name]
            for value in EXTREMES:
                check(client.get(path, query_string=[(name, value), *others], headers=headers),
                      (path, name, value[:20]))
                tried += 1
            for raw in RAW:
                query = "&".join([f"{name}={raw.decode()}", *(f"{k}={v}" for k, v in others)])
                check(client.get(f"{path}?{query}", headers=headers), (path, name, raw))
            check(client.get(path, query_string=[(name, "1")] * 200 + others, headers=headers), (path, name, "x200"))
    assert tried > 500


def test_extreme_path_segments(hostile_app):
    app, admin = hostile_app
    client = app.test_client()
    headers = {"Authorization": f"Bearer {admin}"}
    for segment in ["a" * 5000, "%00", "..%2F..%2Fetc%2Fpasswd", "%ED%A0%80", "1" + "0" * 40, "-1"]:
        for path in (f"/api/reports/{segment}", f"/api/reports/{segment}/photo", f"/ogc/collections/{segment}",
                     f"/ogc/collections/sites/items/{segment}", f"/ogc/collections/reports/items/{segment}",
                     f"/api/violations.{segment}", f"/static/{segment}"):
            check(client.get(path, headers=headers), path[:80])


LIST_REPEATS = [",".join(["32.12"] * 600), ",".join(f"32.{i:02d}" for i in range(1, 80))]
OFFSET_DATES = ["0001-01-01T00:00:00+01:00/..", "9999-12-31T23:59:59-01:00", "../0001-01-01T00:00:00+14:00",
                "0001-01-01T00:00:00+01:00/9999-12-31T23:59:59-01:00"]


def test_repeated_lists_offset_datetimes_and_filters_on_every_ogc_collection(hostile_app):
    """600 repeats of a list value (in one parameter and as 600 parameters), 79 distinct values,
    extreme datetimes with offsets: no 5xx on the OGC items and /api/zones.geojson."""
    app, admin = hostile_app
    client = app.test_client()
    headers = {"Authorization": f"Bearer {admin}"}
    for collection in ("violations", "reports", "sites", "zones", "regencies"):
        path = f"/ogc/collections/{collection}/items"
        names = ["properties"] + {"violations": ["regency", "category", "status", "verdict"],
                  "reports": ["regency", "category", "status", "verdict"],
                  "sites": ["category", "regency_code", "layer"], "zones": ["regency_code", "category", "kind"],
                  "regencies": ["province_code", "regency_type"]}[collection]
        for name in names:
            for value in LIST_REPEATS:
                check(client.get(path, query_string={name: value, "limit": 5}, headers=headers), (path, name))
            check(client.get(path, query_string=[(name, "32.12")] * 600 + [("limit", "5")], headers=headers),
                  (path, name, "x600"))
        for value in OFFSET_DATES:
            response = client.get(path, query_string={"datetime": value, "limit": 5}, headers=headers)
            check(response, (path, value))
    for name in ("regency", "category"):
        for value in LIST_REPEATS:
            response = client.get("/api/zones.geojson", query_string={name: value, "bbox": "108.3,-6.34,108.32,-6.32"})
            check(response, ("zones.geojson", name))
    one = client.get("/api/zones.geojson?regency=32.12&category=school").get_json()
    many = client.get("/api/zones.geojson", query_string=[("regency", "32.12")] * 600
                      + [("category", ",".join(["school"] * 600))]).get_json()
    assert many == one and one["features"]
    distinct = client.get("/api/zones.geojson", query_string={"regency": LIST_REPEATS[1]})
    assert distinct.status_code == 400 and "50" in distinct.get_json()["detail"]
