"""GET /api/reports/mine ("Laporan saya"): a field token sees its own reports only, with their
status and stored verdict in words, and no reporter identity; on SQLite and PostGIS."""
from __future__ import annotations

NEAR_SCHOOL = {"lat": -6.33, "lon": 108.32}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def submit(client, token, key, **fields):
    body = {"apk_type": "spanduk", "reporter": "Secret Name", **NEAR_SCHOOL, **fields}
    return client.post("/api/reports", json=body, headers={**bearer(token), "Idempotency-Key": key})


def test_a_field_token_sees_only_its_own_reports_with_their_verdict(reports_app):
    client, tokens, _store = reports_app
    mine = submit(client, tokens["field"], "k-1", participant="Partai A").get_json()
    submit(client, tokens["field"], "k-1", participant="Partai A")  # a retry: still one report
    submit(client, tokens["field2"], "k-2", participant="Partai B")
    answer = client.get("/api/reports/mine?lang=id", headers=bearer(tokens["field"]))
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["numberMatched"] == 1 and [r["id"] for r in body["reports"]] == [mine["id"]]
    report = body["reports"][0]
    assert report["status"] == "reported"
    assert report["verdict"]["status"] == "violation"
    assert report["message"][0] == "Terlarang"  # the stored verdict in words
    assert report["site_name"] and report["distance_m"] is not None
    assert "reporter" not in report and "submitted_by" not in report
    assert "Secret Name" not in answer.get_data(as_text=True)
    other = client.get("/api/reports/mine", headers=bearer(tokens["field2"])).get_json()
    assert [r["participant"] for r in other["reports"]] == ["Partai B"]


def test_my_reports_needs_a_submitting_token(reports_app):
    client, tokens, _store = reports_app
    assert client.get("/api/reports/mine").status_code == 401
    refused = client.get("/api/reports/mine", headers=bearer(tokens["bawaslu"]))
    assert refused.status_code == 403
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert client.get("/api/reports/mine", headers=bearer(tokens["admin"])).get_json()["numberMatched"] == 0


def test_my_reports_pages_and_refuses_a_bad_limit(reports_app):
    client, tokens, _store = reports_app
    for n in range(3):
        submit(client, tokens["field"], f"page-{n}", note=f"n{n}")
    page = client.get("/api/reports/mine?limit=2&offset=0", headers=bearer(tokens["field"])).get_json()
    assert page["numberMatched"] == 3 and page["numberReturned"] == 2
    bad = client.get("/api/reports/mine?limit=x", headers=bearer(tokens["field"]))
    assert bad.status_code == 400
