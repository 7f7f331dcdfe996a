"""Reports from the public (no token) on SQLite and PostGIS: stored unverified without identity,
a tracking code to look them up, a per-client limit shared through the database (429 with
Retry-After in the caller's language), Idempotency-Key replays; and regency names in filters."""
from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import sqlalchemy as sa

from geo.store import PublicIntake, TooManyRequests
from geo.store.models import Delivery, Event, IntakeHit, Report
from geo.webhooks import Webhooks
from zonasi.testing.reports import ALLOWED, photo, report

CODE = re.compile(r"^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{10}$")


@pytest.fixture()
def public_app(reports_app_with):
    """(test client, tokens by role, store) of an app that takes 3 public reports an hour per client."""
    return reports_app_with(max_public_reports_per_hour=3)


def _post(client, body=None, addr="203.0.113.7", **kw):
    return client.post("/api/public/reports", json=body if body is not None else report(),
                       environ_base={"REMOTE_ADDR": addr}, **kw)


def test_a_public_report_is_unverified_without_identity_and_has_a_tracking_code(public_app):
    client, tokens, store = public_app
    Webhooks.of(store).add("http://127.0.0.1:9/h", "report.created", "s")
    r = _post(client, report(reporter="Budi 0812-xxx", id="0b8a1c9e-2d8e-4c55-9a0e-1d1f6b7a3c21"))
    assert r.status_code == 201, r.text
    body = r.get_json()
    assert CODE.match(body["tracking_code"]) and body["status"] == "unverified"
    assert body["verdict_status"] == "violation" and body["message"]
    assert not {"id", "reporter", "submitted_by", "lon", "lat"} & set(body)
    assert r.headers["Location"] == f"/api/public/reports/{body['tracking_code']}"
    with store.db.connect() as connection:
        row = connection.execute(sa.select(Report.__table__)).mappings().one()
        event = connection.execute(sa.select(Event.__table__)).mappings().one()
        delivery = connection.execute(sa.select(Delivery.payload)).scalar_one()
    assert (row["status"], row["reporter"], row["submitted_by"], row["tracking_code"]) == (
        "unverified", None, None, body["tracking_code"])
    assert row["id"] != "0b8a1c9e-2d8e-4c55-9a0e-1d1f6b7a3c21"        # no id of the client's choosing
    assert (event["to_status"], event["actor"], event["token_id"]) == ("unverified", None, None)
    assert json.loads(delivery)["data"]["status"] == "unverified"       # report.created queued with it
    # Bawaslu accepts it
    moved = client.post(f"/api/reports/{row['id']}/transitions", json={"status": "reported"},
                        headers={"Authorization": f"Bearer {tokens['bawaslu']}"})
    assert moved.status_code == 200, moved.text
    seen = client.get(f"/api/public/reports/{body['tracking_code']}").get_json()
    assert seen["status"] == "reported"


def test_the_lookup_shows_status_and_verdict_only(public_app):
    client, _, _ = public_app
    code = _post(client).get_json()["tracking_code"]
    for typed in (code, code.lower(), f"{code[:5]}-{code[5:]}", f" {code[:5]} {code[5:]} "):
        r = client.get(f"/api/public/reports/{typed}")
        assert r.status_code == 200, (typed, r.text)
    body = r.get_json()
    assert set(body) == {"tracking_code", "status", "verdict_status", "message", "apk_type", "received_at",
                         "status_at"}
    assert (body["status"], body["verdict_status"]) == ("unverified", "violation")
    assert r.headers["Cache-Control"] == "no-store"
    english = client.get(f"/api/public/reports/{code}?lang=en").get_json()["message"]
    assert english != body["message"]
    for wrong in ("ZZZZZZZZZZ", "short", "0000000000", "x" * 5000):
        missing = client.get(f"/api/public/reports/{wrong}")
        assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_the_limit_per_client_is_a_429_with_retry_after_in_the_callers_language(public_app):
    client, _, store = public_app
    for _ in range(3):
        assert _post(client).status_code == 201
    refused = _post(client)
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert 3500 <= int(refused.headers["Retry-After"]) <= 3600
    problem = refused.get_json()
    assert problem["title"] == "Terlalu banyak permintaan" and "3 laporan per jam" in problem["detail"]
    english = _post(client, headers={"Accept-Language": "en"}).get_json()
    assert english["title"] == "Too many requests" and "3 reports an hour" in english["detail"]
    assert _post(client, addr="198.51.100.20").status_code == 201      # another client is not held up
    with store.db.connect() as connection:
        clients = connection.execute(sa.select(IntakeHit.client)).scalars().all()
    intake = PublicIntake(store, per_hour=3)
    assert sorted(set(clients)) == sorted({intake.client_key("203.0.113.7"), intake.client_key("198.51.100.20")})
    assert not any("203.0.113" in c for c in clients)                 # only hashes are kept
    with store.db.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(Report.__table__)).scalar() == 4


def test_a_replay_with_the_idempotency_key_is_answered_and_not_counted(public_app):
    client, _, _ = public_app
    first = _post(client, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201
    for _ in range(2):
        assert _post(client).status_code == 201
    assert _post(client).status_code == 429                            # the limit is reached ...
    again = _post(client, headers={"Idempotency-Key": "k-1"})        # ... a retry is still answered
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["tracking_code"] == first.get_json()["tracking_code"]
    other = _post(client, report(apk_type="spanduk"), headers={"Idempotency-Key": "k-1"})
    assert other.status_code == 409


def test_a_photo_in_multipart(public_app):
    client, _, store = public_app
    data = {k: str(v) for k, v in report(ALLOWED).items()}
    data["photo"] = (__import__("io").BytesIO(photo()), "foto.jpg")
    r = client.post("/api/public/reports", data=data, content_type="multipart/form-data",
                    environ_base={"REMOTE_ADDR": "192.0.2.5"})
    assert r.status_code == 201, r.text
    with store.db.connect() as connection:
        assert connection.execute(sa.select(Report.photo_path)).scalar_one() is not None


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"apk_type": "baliho"}', b'{"lon": 1e999}'])
def test_bad_bodies_are_400_and_not_counted(public_app, body):
    client, _, store = public_app
    r = client.post("/api/public/reports", data=body, content_type="application/json",
                    environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert r.status_code == 400 and r.mimetype == "application/problem+json"


def test_the_client_is_the_address_after_the_trusted_proxies(reports_app_with):
    for hops, expected_clients in ((0, 1), (1, 2)):
        client, _, store = reports_app_with(proxy_hops=hops, max_public_reports_per_hour=1)
        with store.dialect.writer(store.db).begin() as connection:
            connection.execute(sa.delete(IntakeHit.__table__))
        answers = [client.post("/api/public/reports", json=report(), headers={"X-Forwarded-For": ip},
                               environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code
                   for ip in ("203.0.113.1", "203.0.113.2")]
        assert answers.count(201) == expected_clients, (hops, answers)


def test_the_window_slides(store):
    intake = PublicIntake(store, per_hour=2)
    t0 = dt.datetime(2024, 1, 10, 3, 0, tzinfo=dt.UTC)
    intake.admit("a", t0)
    intake.admit("a", t0 + dt.timedelta(minutes=20))
    with pytest.raises(TooManyRequests) as err:
        intake.admit("a", t0 + dt.timedelta(minutes=30))
    assert err.value.retry_after == 30 * 60 and err.value.status == 429
    intake.admit("a", t0 + dt.timedelta(minutes=61))                 # the first hit left the window


# -- regency names in every regency filter ------------------------------------------------------------

def _one_report(client, tokens):
    r = client.post("/api/reports", json=report(), headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert r.status_code == 201, r.text
    return r.get_json()["id"]


@pytest.mark.parametrize("name", ["32.12", "3212", "Indramayu", "kab. indramayu", "KABUPATEN INDRAMAYU",
                                  "Kab Indramayu", "Indramayu,Kota Bandung"])
def test_the_regency_filter_takes_names(public_app, name):
    client, tokens, _ = public_app
    report_id = _one_report(client, tokens)
    auth = {"Authorization": f"Bearer {tokens['bawaslu']}"}
    listed = client.get("/api/reports", query_string={"regency": name}, headers=auth).get_json()
    assert [r["id"] for r in listed["reports"]] == [report_id]
    geojson = client.get("/api/violations.geojson", query_string={"regency": name}, headers=auth).get_json()
    assert [f["properties"]["id"] for f in geojson["features"]] == [report_id]
    ogc = client.get("/collections/violations/items", query_string={"regency": name}, headers=auth).get_json()
    assert ogc["numberMatched"] == 1


@pytest.mark.parametrize(("name", "suggested"), [("Indramyu", "32.12"), ("Bandung", "32.73"), ("99.99", None),
                                                 ("Kota Indramayu", "32.12"), ("zzzz", None)])
def test_an_unknown_or_ambiguous_regency_is_a_400_with_suggestions(public_app, name, suggested):
    client, tokens, _ = public_app
    _one_report(client, tokens)
    auth = {"Authorization": f"Bearer {tokens['bawaslu']}"}
    for path in ("/api/reports", "/api/violations.csv", "/api/violations/lists"):
        r = client.get(path, query_string={"regency": name}, headers=auth)
        assert r.status_code == 400 and r.mimetype == "application/problem+json", (path, r.text)
        problem = r.get_json()
        assert problem["parameter"] == "regency"
        codes = [s["code"] for s in problem["suggestions"]]
        assert (suggested in codes) if suggested else True
    assert "kabupaten/kota" in client.get("/api/reports", query_string={"regency": name}, headers=auth
                                          ).get_json()["detail"]


def test_regency_suggestions(client):
    found = client.get("/api/regencies?q=indra").get_json()["regencies"]
    assert {"code": "32.12", "name": "Kabupaten Indramayu"} in found
    assert client.get("/api/regencies?q=kota band").get_json()["regencies"][0] == {"code": "32.73",
                                                                                   "name": "Kota Bandung"}
    assert client.get("/api/regencies?q=32.1&limit=3").get_json()["regencies"][0]["code"].startswith("32.1")
    assert client.get("/api/regencies?q=").get_json()["regencies"] == []
    assert client.get("/api/regencies?q=" + "x" * 5000).status_code == 200
    assert client.get("/api/regencies?q=a&limit=0").status_code == 400
    for limit in ("9" * 5000, "\u00b2", "-1", "1e3"):   # 5,000 digits once gave a 500 (int() refuses them)
        refused = client.get("/api/regencies", query_string={"q": "a", "limit": limit})
        assert refused.status_code == 400 and refused.mimetype == "application/problem+json", limit


def test_two_nodes_admitting_one_client_at_once_keep_the_limit(nodes):
    """The count and the new hit are one transaction per client (SQLite: one writer; PostgreSQL: an
    advisory lock), so 16 requests raced over two nodes admit exactly the limit."""
    import threading

    two = nodes(2)
    now = dt.datetime(2024, 1, 10, 3, 0, tzinfo=dt.UTC)
    start = threading.Barrier(16)
    admitted, refused = [], []

    def work(i):
        intake = PublicIntake(two[i % 2], per_hour=5)
        start.wait()
        try:
            intake.admit("198.51.100.77", now)
            admitted.append(i)
        except TooManyRequests:
            refused.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert (len(admitted), len(refused)) == (5, 11)
