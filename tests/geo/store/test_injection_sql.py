"""SQL injection attempts in every filter parameter of the violations exports, the reports list and
the OGC items: never a 5xx, never more rows than the honest answer, nothing private, tables intact."""
from __future__ import annotations

import pytest

from geo.store.tokens import hash_token
from webmap import create_app
from zonasi.testing.reports import ALLOWED, VIOLATION, report

PAYLOADS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    "32.12' OR 'a'='a",
    "1; DROP TABLE reports; --",
    "'; DELETE FROM api_tokens; --",
    "\" OR \"\"=\"",
    "') OR ('x'='x",
    "1 UNION SELECT token_hash, name, role FROM api_tokens --",
    "' UNION SELECT NULL, reporter FROM reports --",
    "%' OR reporter LIKE '%",
    "1) OR pg_sleep(5) IS NULL --",
    "'||(SELECT reporter FROM reports LIMIT 1)||'",
    "0x27 OR 1=1",
    "\\'; SELECT 1; --",
    "1e309",
    "NaN",
    "-1 OR 1=1",
    "2024-01-01' OR '1'='1",
    "0,0,0,0) OR (1=1",
]
REPORT_FILTERS = ("regency", "category", "status", "verdict", "overdue", "since", "until", "bbox")
OGC_COMMON = ("bbox", "datetime", "limit", "offset", "properties")
ENDPOINTS = {
    # path: (parameters, how to count the rows of an answer)
    "/api/violations.geojson": (REPORT_FILTERS, lambda r: len(r.json["features"])),
    "/api/violations.csv": (REPORT_FILTERS, lambda r: len(r.get_data(as_text=True).strip().splitlines()) - 1),
    "/api/reports": (REPORT_FILTERS + ("limit", "offset"), lambda r: r.json["numberMatched"]),
    "/ogc/collections/violations/items": (OGC_COMMON + ("regency", "category", "status", "verdict", "overdue"),
                                          lambda r: r.json["numberMatched"]),
    "/ogc/collections/reports/items": (OGC_COMMON + ("regency", "category", "status", "verdict", "overdue"),
                                       lambda r: r.json["numberMatched"]),
    "/ogc/collections/sites/items": (OGC_COMMON + ("category", "regency_code", "layer"),
                                     lambda r: r.json["numberMatched"]),
    "/ogc/collections/regencies/items": (OGC_COMMON + ("province_code", "regency_type"),
                                         lambda r: r.json["numberMatched"]),
}
SECRET = "Pelapor Rahasia Injeksi"


@pytest.fixture()
def api(store_settings, engine):
    app = create_app(store_settings, engine=engine)
    store = app.extensions["zonasi"].store
    admin = store.tokens.create("admin", "sqli admin")
    satpolpp = store.tokens.create("satpolpp", "sqli satpolpp")
    for i, where in enumerate([VIOLATION, VIOLATION, ALLOWED]):
        store.submit(report(where, reporter=SECRET, note=f"n{i}"))
    yield app.test_client(), admin, satpolpp, store
    store.dispose()


def test_sql_injection_in_every_filter_changes_nothing_and_leaks_nothing(api):
    client, admin, satpolpp, store = api
    headers = {"Authorization": f"Bearer {admin}"}
    tokens_before, counts_before = len(store.tokens.list()), store.counts()
    tried = 0
    for path, (params, count) in ENDPOINTS.items():
        baseline = client.get(path, headers=headers)
        assert baseline.status_code == 200, (path, baseline.data[:300])
        honest = count(baseline)
        assert honest > 0, path
        for param in params:
            for payload in PAYLOADS:
                r = client.get(path, query_string={param: payload}, headers=headers)
                tried += 1
                assert r.status_code in (200, 400), (path, param, payload, r.status_code, r.data[:300])
                if r.status_code == 400:
                    assert r.mimetype == "application/problem+json"
                    continue
                assert count(r) <= honest, (path, param, payload)
                body = r.get_data(as_text=True)
                assert hash_token(admin) not in body and "sqli admin" not in body, (path, param, payload)
                if "violations" in path:
                    assert SECRET not in body, (path, param, payload)
    assert tried > 500
    assert len(store.tokens.list()) == tokens_before and store.counts() == counts_before


def test_sql_injection_in_path_and_identifiers(api):
    client, admin, satpolpp, store = api
    headers = {"Authorization": f"Bearer {satpolpp}"}
    for payload in PAYLOADS:
        for path in (f"/api/reports/{payload}", f"/ogc/collections/violations/items/{payload}",
                     f"/ogc/collections/{payload}/items"):
            r = client.get(path, headers=headers)
            assert r.status_code in (400, 404), (path, r.status_code)
            assert r.mimetype == "application/problem+json"
        r = client.post("/api/reports", json={**report(), "id": payload}, headers={
            "Authorization": f"Bearer {admin}", "Idempotency-Key": payload})
        assert r.status_code == 400, (payload, r.json)
    # idempotency keys are data, never SQL: a hostile key stores one report and replays it
    key = "k'); DELETE FROM reports; --"
    first = client.post("/api/reports", json=report(), headers={"Authorization": f"Bearer {admin}",
                                                               "Idempotency-Key": key})
    again = client.post("/api/reports", json=report(), headers={"Authorization": f"Bearer {admin}",
                                                               "Idempotency-Key": key})
    assert (first.status_code, again.status_code) == (201, 200) and first.json["id"] == again.json["id"]
    assert sum(store.counts().values()) == 4


def test_huge_offsets_are_an_empty_page(api):
    client, admin, satpolpp, store = api
    headers = {"Authorization": f"Bearer {admin}"}
    big = "1" + "0" * 30
    for path in ("/api/reports", "/ogc/collections/reports/items", "/ogc/collections/violations/items",
                 "/ogc/collections/sites/items"):
        r = client.get(path, query_string={"offset": big}, headers=headers)
        assert r.status_code == 200, (path, r.data[:200])
        body = r.json
        assert (body.get("reports") if "reports" in body else body["features"]) == [], path
