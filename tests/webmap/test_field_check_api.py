"""The API of the reports to check on site (current verdict ``incomplete``): the violations file and
the OGC collections filtered by it, the lists with their counts, /api/stats by verdict, bad input."""
from __future__ import annotations

import json

import pytest

from geo import VERDICT_STATUSES, Engine, load_layers
from geo.config import Settings

from ..geo.store.test_field_check import REQUIRED, _at, _layers, _submit


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture()
def field_app(tmp_path, store_url):
    from webmap import create_app

    directory, settings = _layers(tmp_path, store_url, complete=False)
    app = create_app(Settings(instance_dir=settings.instance_dir, layers_dir=directory, database_url=store_url),
                     engine=Engine(load_layers(directory)))
    app.config["TESTING"] = True
    store = app.extensions["zonasi"].store
    tokens = {role: store.tokens.create(role, f"{role} test") for role in ("field", "bawaslu", "satpolpp")}
    ids = {"violation": _submit(store, _at(30)), "incomplete": _submit(store, _at(0, 300))}
    yield app.test_client(), tokens, ids
    store.dispose()


def test_violations_filtered_by_the_current_verdict(field_app):
    client, tokens, ids = field_app
    auth = bearer(tokens["bawaslu"])
    default = client.get("/api/violations.geojson", headers=auth).get_json()
    assert [f["properties"]["id"] for f in default["features"]] == [ids["violation"]]
    to_check = client.get("/api/violations.geojson?current_verdict=incomplete", headers=auth)
    assert to_check.status_code == 200 and to_check.headers["X-Total-Count"] == "1"
    [feature] = to_check.get_json()["features"]
    assert feature["properties"]["id"] == ids["incomplete"] and feature["properties"]["current_verdict"] == "incomplete"
    assert set(feature["properties"]["missing_categories"].split(";")) == REQUIRED
    # the verdict at submission may be asked for too (was a 400: incomplete was not a known verdict)
    at_submission = client.get("/api/violations.geojson?verdict=incomplete", headers=auth)
    assert at_submission.status_code == 200 and at_submission.headers["X-Total-Count"] == "1"
    assert "missing_categories" in client.get("/api/violations.csv?current_verdict=incomplete",
                                              headers=auth).get_data(as_text=True).splitlines()[0]
    listed = client.get("/api/reports?verdict=incomplete", headers=auth).get_json()["reports"]
    assert [r["id"] for r in listed] == [ids["incomplete"]] and listed[0]["current_verdict"] == "incomplete"


def test_the_lists_and_their_counts(field_app):
    client, tokens, _ = field_app
    # a report from the public (unverified): in no list but Bawaslu's "to verify", whatever its verdict
    public = client.post("/api/public/reports", json={"apk_type": "baliho", "lon": _at(0, 300)[0],
                                                      "lat": _at(0, 300)[1]})
    assert public.status_code == 201, public.text
    body = client.get("/api/violations/lists", headers=bearer(tokens["bawaslu"])).get_json()
    to_verify = {"status": "unverified", "current_verdict": ",".join(VERDICT_STATUSES)}
    assert body["lists"] == [{"key": "violations", "params": {}, "count": 1},
                             {"key": "field_check", "params": {"current_verdict": "incomplete"}, "count": 1},
                             {"key": "to_verify", "params": to_verify, "count": 1}]
    listed = client.get("/api/violations.geojson", query_string=to_verify, headers=bearer(tokens["bawaslu"]))
    [feature] = listed.get_json()["features"]
    assert feature["properties"]["status"] == "unverified"
    satpol = client.get("/api/violations/lists", headers=bearer(tokens["satpolpp"])).get_json()
    assert [entry["key"] for entry in satpol["lists"]] == ["violations", "field_check"]   # it does not triage
    assert list(body["current_verdicts"]) == list(VERDICT_STATUSES)
    assert body["current_verdicts"]["incomplete"] == 1 == body["current_verdicts"]["violation"]
    # the other filters apply (and a verdict filter does not change what the lists are)
    elsewhere = client.get("/api/violations/lists?regency=63.10&verdict=ok", headers=bearer(tokens["satpolpp"]))
    assert [entry["count"] for entry in elsewhere.get_json()["lists"]] == [0, 0]
    assert client.get("/api/violations/lists", headers=bearer(tokens["field"])).status_code == 403
    assert client.get("/api/violations/lists").status_code == 401


def test_bad_verdicts_are_a_clear_400(field_app):
    client, tokens, _ = field_app
    for path in ("/api/violations.geojson?current_verdict=maybe", "/api/violations/lists?status=gone",
                 "/api/reports?verdict=maybe", "/ogc/collections/reports/items?current_verdict=maybe"):
        answer = client.get(path, headers=bearer(tokens["bawaslu"]))
        assert answer.status_code == 400, path
        assert answer.mimetype == "application/problem+json"
        assert "incomplete" in json.dumps(answer.get_json()) or "gone" in json.dumps(answer.get_json())


def test_ogc_collections_and_stats_carry_the_coverage(field_app):
    client, tokens, ids = field_app
    auth = bearer(tokens["bawaslu"])
    items = client.get("/ogc/collections/reports/items?current_verdict=incomplete", headers=auth).get_json()
    [feature] = items["features"]
    assert feature["id"] == ids["incomplete"] and items["numberMatched"] == 1
    assert set(feature["properties"]["missing_categories"].split(";")) == REQUIRED
    one = client.get(f"/ogc/collections/violations/items/{ids['violation']}", headers=auth).get_json()
    assert one["properties"]["current_verdict"] == "violation"
    only = client.get("/ogc/collections/violations/items?current_verdict=incomplete&properties=missing_categories",
                      headers=auth).get_json()
    assert list(only["features"][0]["properties"]) == ["missing_categories"]
    stats = client.get("/api/stats", headers=auth).get_json()["reports"]
    assert stats["by_verdict"]["incomplete"] == 1 and stats["by_verdict"]["violation"] == 1
    assert list(stats["by_verdict"]) == list(VERDICT_STATUSES)
