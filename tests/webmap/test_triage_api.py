"""Triage over HTTP on both backends (issue #19): duplicates at intake, dismissal reasons as
problem+json in both languages, reopening, accepting public reports, bulk moves by ids and by
filter with per-report errors and a cap, removal proof as multipart with EXIF flags, the removal
photo, per-participant stats, and the webhook events of every move."""
from __future__ import annotations

import io
import json
from dataclasses import replace

import pytest
import sqlalchemy as sa

from geo.store.models import Delivery, Report, Webhook
from tests.geo.store.test_triage import FAR, NEAR, exif_photo
from webmap import create_app
from zonasi.testing.reports import VIOLATION, photo, report


def auth(token, **extra):
    return {"Authorization": f"Bearer {token}", **extra}


@pytest.fixture()
def api(reports_app):
    return reports_app


def _submit(client, tokens, lonlat=VIOLATION, **extra):
    got = client.post("/api/reports", json=report(lonlat=lonlat, **extra), headers=auth(tokens["field"]))
    assert got.status_code == 201, got.json
    return got.json


def _move(client, token, rid, status, **body):
    return client.post(f"/api/reports/{rid}/transitions", json={"status": status, **body}, headers=auth(token))


def _problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    return response.json


def test_a_new_report_names_the_open_reports_it_may_repeat(api):
    client, tokens, _ = api
    first = _submit(client, tokens)
    assert first["nearby_open_reports"] == []
    second = _submit(client, tokens, lonlat=NEAR)
    (near,) = second["nearby_open_reports"]
    assert set(near) == {"id", "distance_m", "status", "apk_type", "participant"}
    assert near["id"] == first["id"] and 9 < near["distance_m"] < 13 and near["status"] == "reported"
    assert _submit(client, tokens, lonlat=FAR)["nearby_open_reports"] == []
    listed = client.get("/api/reports", headers=auth(tokens["bawaslu"])).json
    assert listed["numberMatched"] == 3     # stored as usual


def test_dismissal_needs_a_reason_in_both_languages(api):
    client, tokens, _ = api
    first = _submit(client, tokens)["id"]
    rid = _submit(client, tokens, lonlat=NEAR)["id"]
    b = tokens["bawaslu"]
    missing = _problem(_move(client, b, rid, "dismissed"), 400)
    assert "alasan" in missing["detail"] and "not_a_campaign_prop" in missing["detail"]
    english = _problem(client.post(f"/api/reports/{rid}/transitions?lang=en", json={"status": "dismissed"},
                                   headers=auth(b)), 400)
    assert english["detail"].startswith("A dismissal needs a reason")
    assert "catatan" in _problem(_move(client, b, rid, "dismissed", reason="other"), 400)["detail"]
    assert "duplicate_of" in _problem(_move(client, b, rid, "dismissed", reason="duplicate"), 400)["detail"]
    unknown = _problem(_move(client, b, rid, "dismissed", reason="duplicate", duplicate_of="nope"), 400)
    assert "nope" in unknown["detail"]
    assert "bosan" in _problem(_move(client, b, rid, "dismissed", reason="bosan"), 400)["detail"]
    assert _problem(_move(client, b, rid, "dismissed", reason=3), 400)["field"] == "reason"
    done = _move(client, b, rid, "dismissed", reason="duplicate", duplicate_of=first, note="sama")
    assert done.status_code == 200 and done.json["dismiss_reason"] == "duplicate" and done.json["duplicate_of"] == first
    assert done.json["history"][-1]["details"] == {"reason": "duplicate", "duplicate_of": first}


def test_only_an_admin_reopens_a_dismissal_with_a_note(api):
    client, tokens, _ = api
    rid = _submit(client, tokens)["id"]
    assert _move(client, tokens["bawaslu"], rid, "dismissed", reason="permitted").status_code == 200
    refused = _problem(_move(client, tokens["bawaslu"], rid, "reported", note="keliru"), 403)
    assert "admin" in refused["detail"]
    assert "catatan" in _problem(_move(client, tokens["admin"], rid, "reported"), 400)["detail"]
    back = _move(client, tokens["admin"], rid, "reported", note="ternyata APK")
    assert back.status_code == 200 and back.json["status"] == "reported" and back.json["dismiss_reason"] is None
    last = back.json["history"][-1]
    assert (last["from"], last["to"], last["role"]) == ("dismissed", "reported", "admin")
    assert last["details"]["previous_reason"] == "permitted"
    # the reopening stays named for every role; only the submission's actor is the reporter's
    seen = client.get(f"/api/reports/{rid}", headers=auth(tokens["satpolpp"])).json["history"]
    assert seen[0]["actor"] is None and seen[-1]["actor"] == "admin test"


def test_bawaslu_accepts_or_dismisses_a_public_report(api):
    client, tokens, store = api
    accepted, dismissed = _submit(client, tokens)["id"], _submit(client, tokens, lonlat=FAR)["id"]
    with store.db.begin() as connection:   # as the public intake stores them
        connection.execute(sa.update(Report.__table__).where(Report.id.in_([accepted, dismissed]))
                           .values(status="unverified"))
    _problem(_move(client, tokens["satpolpp"], accepted, "reported"), 403)
    assert _move(client, tokens["bawaslu"], accepted, "reported").json["status"] == "reported"
    _problem(_move(client, tokens["bawaslu"], dismissed, "dismissed"), 400)           # still needs a reason
    assert _move(client, tokens["bawaslu"], dismissed, "dismissed", reason="not_a_campaign_prop").status_code == 200


def _to_notified(client, tokens, rid):
    for status in ("verified", "notified"):
        assert _move(client, tokens["bawaslu"], rid, status).status_code == 200


def _remove(client, token, rid, image: bytes | None, **fields):
    data = {"status": "removed", **fields}
    if image is not None:
        data["photo"] = (io.BytesIO(image), "after.jpg", "image/jpeg")
    return client.post(f"/api/reports/{rid}/transitions", data=data, content_type="multipart/form-data",
                       headers=auth(token))


def test_removal_proof_and_its_flags(api):
    client, tokens, _ = api
    rid = _submit(client, tokens)["id"]
    _to_notified(client, tokens, rid)
    s = tokens["satpolpp"]
    assert "storage_location" in _problem(_remove(client, s, rid, photo()), 400)["detail"]
    assert "foto" in _problem(_remove(client, s, rid, None, storage_location="Kantor"), 400)["detail"]
    assert _problem(_remove(client, s, rid, b"GIF89a", storage_location="Kantor"), 400)["field"] == "photo"
    _problem(client.get(f"/api/reports/{rid}/removal-photo", headers=auth(s)), 404)
    far = exif_photo(FAR, taken="2020:01:01 10:00:00")
    done = _remove(client, s, rid, far, storage_location="Kantor Kecamatan Sindang")
    assert done.status_code == 200, done.json
    body = done.json
    assert body["removal_flags"] == ["photo_far", "photo_before_notice"] and body["has_removal_photo"]
    assert body["storage_location"] == "Kantor Kecamatan Sindang" and "removal_photo_path" not in body
    assert body["history"][-1]["details"]["removal_flags"] == ["photo_far", "photo_before_notice"]
    got = client.get(f"/api/reports/{rid}", headers=auth(tokens["bawaslu"])).json
    assert got["removal_flags"] == ["photo_far", "photo_before_notice"]
    image = client.get(f"/api/reports/{rid}/removal-photo", headers=auth(tokens["bawaslu"]))
    assert image.status_code == 200 and image.mimetype == "image/jpeg" and image.data == far
    image.close()
    other = _submit(client, tokens, lonlat=FAR, participant="Partai Lain")["id"]
    _to_notified(client, tokens, other)
    clean = _remove(client, s, other, exif_photo(FAR, taken="2099:01:01 10:00:00"), storage_location="Gudang")
    assert clean.status_code == 200 and clean.json["removal_flags"] == []
    verify = _submit(client, tokens, lonlat=NEAR, apk_type="poster")["id"]
    assert _problem(client.post(f"/api/reports/{verify}/transitions", data={
        "status": "verified", "photo": (io.BytesIO(photo()), "x.jpg", "image/jpeg")},
        content_type="multipart/form-data", headers=auth(tokens["bawaslu"])), 400)["field"] == "photo"


def test_removal_photo_optional_by_setting(store_settings, engine):
    app = create_app(replace(store_settings, removal_photo_required=False), engine=engine)
    store = app.extensions["zonasi"].store
    try:
        tokens = {r: store.tokens.create(r, f"{r} t") for r in ("field", "bawaslu", "satpolpp")}
        client = app.test_client()
        rid = _submit(client, tokens)["id"]
        _to_notified(client, tokens, rid)
        done = _move(client, tokens["satpolpp"], rid, "removed", storage_location="Kantor Kecamatan")
        assert done.status_code == 200 and done.json["status"] == "removed" and not done.json["has_removal_photo"]
    finally:
        store.dispose()


def test_bulk_by_ids_reports_each_error(api):
    client, tokens, _ = api
    a, b = _submit(client, tokens)["id"], _submit(client, tokens, lonlat=FAR)["id"]
    done = _submit(client, tokens, apk_type="poster")["id"]
    _to_notified(client, tokens, done)
    body = {"ids": [a, done, "not-a-report", b], "status": "verified", "note": "cek massal"}
    got = client.post("/api/reports/transitions", json=body, headers=auth(tokens["bawaslu"]))
    assert got.status_code == 200, got.json
    results = got.json["results"]
    assert [(r["id"], r["ok"]) for r in results] == [(a, True), (done, False), ("not-a-report", False), (b, True)]
    assert results[0]["status"] == "verified" and "error" not in results[0]
    assert "notified" in results[1]["error"] and results[1]["http_status"] == 409    # its catalog message
    assert results[2]["http_status"] == 404 and got.json["moved"] == 2 and got.json["failed"] == 2
    history = client.get(f"/api/reports/{a}", headers=auth(tokens["bawaslu"])).json["history"]
    assert history[-1]["note"] == "cek massal" and history[-1]["actor"] == "bawaslu test"
    # roles: the target's, then each report's own move
    _problem(client.post("/api/reports/transitions", json=body, headers=auth(tokens["satpolpp"])), 403)
    fresh = _submit(client, tokens, apk_type="bendera")["id"]
    reasons = client.post("/api/reports/transitions", json={"ids": [fresh], "status": "dismissed"},
                          headers=auth(tokens["bawaslu"])).json["results"]
    assert reasons[0]["ok"] is False and "not_a_campaign_prop" in reasons[0]["error"]


def test_bulk_by_filter_and_its_limits(api, store_settings, engine):
    client, tokens, _ = api
    sent = [_submit(client, tokens, lonlat=p) for p in (VIOLATION, NEAR, FAR, (108.33, -6.40))]
    ids = [r["id"] for r in sent if r["verdict_status"] == "violation"]
    assert len(ids) >= 2 and len(ids) < len(sent)   # the allowed spot is left out by the filter
    b = tokens["bawaslu"]
    got = client.post("/api/reports/transitions", json={"filter": {"verdict": ["violation"], "status": "reported"},
                                                        "status": "dismissed", "reason": "permitted"},
                      headers=auth(b))
    assert got.status_code == 200 and sorted(r["id"] for r in got.json["results"]) == sorted(ids)
    assert all(r["ok"] and r["status"] == "dismissed" for r in got.json["results"])
    assert _problem(client.post("/api/reports/transitions", json={"filter": {}, "status": "verified"},
                                headers=auth(b)), 400)["field"] == "filter"
    assert _problem(client.post("/api/reports/transitions", json={"filter": {"statu": "reported"},
                                                                  "status": "verified"}, headers=auth(b)), 400)
    _problem(client.post("/api/reports/transitions", json={"ids": ids, "filter": {"status": "reported"},
                                                           "status": "verified"}, headers=auth(b)), 400)
    _problem(client.post("/api/reports/transitions", json={"status": "verified"}, headers=auth(b)), 400)
    _problem(client.post("/api/reports/transitions", json={"ids": "abc", "status": "verified"}, headers=auth(b)), 400)
    _problem(client.post("/api/reports/transitions", json={"ids": ids}, headers=auth(b)), 400)
    app = create_app(replace(store_settings, max_bulk_transitions=1), engine=engine)
    try:
        capped = app.test_client()
        too_many = _problem(capped.post("/api/reports/transitions", json={"ids": ids, "status": "verified"},
                                        headers=auth(b)), 413)
        assert "1" in too_many["detail"]
        _problem(capped.post("/api/reports/transitions", json={"filter": {"status": "dismissed"},
                                                               "status": "reported", "note": "x"},
                             headers=auth(tokens["admin"])), 413)
    finally:
        app.extensions["zonasi"].store.dispose()


def test_a_prop_put_back_and_the_participant_stats(api):
    client, tokens, _ = api
    rid = _submit(client, tokens)["id"]
    _to_notified(client, tokens, rid)
    assert _remove(client, tokens["satpolpp"], rid, photo(), storage_location="Kantor").status_code == 200
    back = _submit(client, tokens, lonlat=NEAR)
    assert back["reinstalled_of"] == rid
    assert client.get(f"/api/reports/{back['id']}", headers=auth(tokens["bawaslu"])).json["reinstalled_of"] == rid
    _submit(client, tokens, participant="Partai Lain", apk_type="poster")
    stats = client.get("/api/stats", headers=auth(tokens["bawaslu"])).json
    by_name = {p["participant"]: p for p in stats["participants"]}
    assert by_name["Partai Contoh"] == {"participant": "Partai Contoh", "reports": 2, "removed": 1,
                                        "reinstalled": 1, "overdue": 0}
    assert by_name["Partai Lain"]["reports"] == 1
    assert client.get("/api/stats").json["participants"] is None   # no token: no report counts


def test_every_move_queues_a_webhook_event(api):
    client, tokens, store = api
    with store.db.begin() as connection:
        connection.execute(sa.insert(Webhook.__table__).values(
            url="http://127.0.0.1:9/h", events=["report.created", "report.transitioned"], secret="s",
            created_at=sa.func.now()))
    rid = _submit(client, tokens)["id"]
    other = _submit(client, tokens, lonlat=FAR)["id"]
    client.post("/api/reports/transitions", json={"ids": [rid, other], "status": "verified"},
                headers=auth(tokens["bawaslu"]))
    _move(client, tokens["bawaslu"], rid, "notified")
    _remove(client, tokens["satpolpp"], rid, photo(), storage_location="Kantor")
    _move(client, tokens["bawaslu"], other, "dismissed", reason="permitted")   # verified: refused, no event
    with store.db.connect() as connection:
        events = [json.loads(p) for p in connection.execute(sa.select(Delivery.payload).order_by(Delivery.id))
                  .scalars()]
    assert [(e["event"], e["data"]["id"], e["data"].get("to")) for e in events] == [
        ("report.created", rid, None), ("report.created", other, None),
        ("report.transitioned", rid, "verified"), ("report.transitioned", other, "verified"),
        ("report.transitioned", rid, "notified"), ("report.transitioned", rid, "removed")]
    text = json.dumps(events)
    assert "Ani" not in text and "field test" not in text     # never the reporter's identity
    assert events[-1]["data"]["details"]["storage_location"] == "Kantor"
