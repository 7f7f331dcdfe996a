"""/openapi.json: a valid OpenAPI 3.0 document that describes every route of the app."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from webmap.openapi import HIDDEN_METHODS, MEDIA_TYPE, openapi_path, undeclared


@pytest.fixture()
def doc(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == MEDIA_TYPE
    return response.get_json()


def test_the_document_is_valid_openapi_3(doc):
    assert doc["openapi"].startswith("3.0.")
    validate(doc)


def test_every_registered_route_and_method_is_documented(app, doc):
    rules = list(app.url_map.iter_rules())
    assert len(rules) >= 10
    for rule in rules:
        path = openapi_path(rule.rule)
        assert path in doc["paths"], f"{rule.rule} ({rule.endpoint}) is missing from /openapi.json"
        for method in rule.methods - HIDDEN_METHODS:
            operation = doc["paths"][path].get(method.lower())
            assert operation, f"{method} {rule.rule} is missing"
            assert operation["summary"] and operation["responses"]
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"{(\w+)}", path)), path


def test_every_route_has_a_declared_entry(app):
    """A new route needs an entry in webmap/openapi/paths.py (parameters, responses, roles)."""
    assert undeclared(app) == []


def test_no_path_is_documented_that_the_app_does_not_serve(app, doc):
    served = {openapi_path(rule.rule) for rule in app.url_map.iter_rules()}
    assert set(doc["paths"]) == served


def test_operation_ids_are_unique(doc):
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_the_items_limit_carries_the_configured_cap(app, doc):
    parameters = doc["paths"]["/ogc/collections/{collection_id}/items"]["get"]["parameters"]
    limit = next(p for p in parameters if p["name"] == "limit")
    assert limit["schema"]["maximum"] == app.extensions["zonasi"].settings.max_page_limit
    assert {"bbox", "datetime", "offset"} <= {p["name"] for p in parameters}


def test_endpoints_that_need_a_token_say_so(doc):
    secured = {path for path, item in doc["paths"].items() for op in item.values() if op.get("security")}
    assert "/api/check" not in secured
    assert any(path.startswith("/api/reports") for path in secured)
    assert "bearerAuth" in doc["components"]["securitySchemes"]


def test_servers_point_at_the_host_asked(client):
    body = client.get("/openapi.json", base_url="http://zonasi.example:8080").get_json()
    assert body["servers"] == [{"url": "http://zonasi.example:8080"}]


def test_declared_path_parameters_win_over_the_converters(doc):
    parameters = doc["paths"]["/ogc/collections/{collection_id}"]["get"]["parameters"]
    collection_id = next(p for p in parameters if p["name"] == "collection_id")
    assert set(collection_id["schema"]["enum"]) == {"violations", "reports", "sites", "zones", "regencies", "coverage"}
    fmt = next(p for p in doc["paths"]["/api/violations.{fmt}"]["get"]["parameters"] if p["name"] == "fmt")
    assert fmt["schema"]["enum"] == ["geojson", "csv", "kml", "gpkg"]
