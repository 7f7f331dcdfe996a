"""The reports HTTP API on both backends: submit (JSON, multipart + photo), idempotency,
transitions, and the violations exports read back with GDAL."""
from __future__ import annotations

import io
import json

import pyogrio
import pytest

from zonasi.testing.reports import ALLOWED, VIOLATION, photo, report


@pytest.fixture()
def api(reports_app):
    return reports_app


def auth(token, **extra):
    return {"Authorization": f"Bearer {token}", **extra}


def test_submit_json_then_resubmit(api):
    client, tokens, _ = api
    headers = auth(tokens["field"], **{"Idempotency-Key": "hp3-0001"})
    first = client.post("/api/reports", json=report(), headers=headers)
    assert first.status_code == 201 and first.headers["Location"] == f"/api/reports/{first.json['id']}"
    assert first.json["verdict_status"] == "violation" and first.json["message"][0] == "Terlarang"
    assert "reporter" not in first.json                       # a field token does not read identities
    again = client.post("/api/reports", json=report(), headers=headers)
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"]
    other = client.post("/api/reports", json=report(apk_type="poster"), headers=headers)
    assert other.status_code == 409 and other.mimetype == "application/problem+json"


def test_submit_multipart_with_exif_photo(api):
    client, tokens, _ = api
    form = {"apk_type": "spanduk", "participant": "Paslon 01", "reported_at": "2024-01-12",
            "photo": (io.BytesIO(photo(lonlat=VIOLATION, accuracy=3)), "IMG_0001.jpg", "image/jpeg")}
    r = client.post("/api/reports", data=form, headers=auth(tokens["field"]), content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    assert r.json["location_source"] == "exif" and r.json["has_photo"] and r.json["regency_code"] == "32.12"
    got = client.get(f"/api/reports/{r.json['id']}/photo", headers=auth(tokens["satpolpp"]))
    assert got.status_code == 200 and got.mimetype == "image/jpeg" and got.data[:2] == b"\xff\xd8"
    got.close()


def test_bad_submissions_are_problems(api):
    client, tokens, _ = api
    h = auth(tokens["field"])
    cases = [
        (client.post("/api/reports", data="apk_type=baliho", headers=h, content_type="text/plain"), 415),
        (client.post("/api/reports", data="{not json", headers=h, content_type="application/json"), 400),
        (client.post("/api/reports", json={"apk_type": "baliho", "lon": 200, "lat": 0}, headers=h), 400),
        (client.post("/api/reports", data={"apk_type": "baliho", "photo": (io.BytesIO(b"GIF89a"), "x.gif")},
                     headers=h, content_type="multipart/form-data"), 400),
    ]
    for response, status in cases:
        assert response.status_code == status and response.mimetype == "application/problem+json"
        assert set(response.json) >= {"type", "title", "status", "detail"}
    assert "lon=200 di luar rentang -180..180" in cases[2][0].json["detail"]  # Indonesian by default (#18)


def test_workflow_over_http(api):
    client, tokens, _ = api
    rid = client.post("/api/reports", json=report(), headers=auth(tokens["field"])).json["id"]
    move = lambda role, status, **kw: client.post(f"/api/reports/{rid}/transitions",  # noqa: E731
                                                  json={"status": status, **kw}, headers=auth(tokens[role]))
    bad = move("bawaslu", "notified")
    assert bad.status_code == 409 and bad.json["allowed"] == ["verified", "dismissed"]
    assert "diperbolehkan: verified, dismissed" in bad.json["detail"]
    assert move("bawaslu", "verified", note="cek lapangan").status_code == 200
    notified = move("bawaslu", "notified")
    assert notified.status_code == 200 and notified.json["deadline"]
    assert move("bawaslu", "removed").status_code == 403           # Satpol PP's move
    assert move("satpolpp", "removed", note="diturunkan").status_code == 400   # no proof (#19)
    done = client.post(f"/api/reports/{rid}/transitions", headers=auth(tokens["satpolpp"]),
                       content_type="multipart/form-data",
                       data={"status": "removed", "note": "diturunkan", "storage_location": "Kantor Kecamatan",
                             "photo": (io.BytesIO(photo()), "after.jpg", "image/jpeg")})
    assert done.status_code == 200 and done.json["status"] == "removed"
    history = client.get(f"/api/reports/{rid}", headers=auth(tokens["bawaslu"])).json["history"]
    assert [(h["to"], h["role"]) for h in history] == [
        ("reported", "field"), ("verified", "bawaslu"), ("notified", "bawaslu"), ("removed", "satpolpp")]
    assert history[-1]["actor"] == "satpolpp test" and history[-1]["note"] == "diturunkan"


def _seed(client, tokens):
    ids = [client.post("/api/reports", json=report(lonlat), headers=auth(tokens["field"])).json["id"]
           for lonlat in (VIOLATION, ALLOWED, (108.3201, -6.3301))]
    for status in ("verified", "notified"):
        client.post(f"/api/reports/{ids[0]}/transitions", json={"status": status}, headers=auth(tokens["bawaslu"]))
    return ids


def test_violations_geojson(api):
    client, tokens, _ = api
    ids = _seed(client, tokens)
    r = client.get("/api/violations.geojson?regency=32.12", headers=auth(tokens["satpolpp"]))
    assert r.status_code == 200 and r.mimetype == "application/geo+json"
    doc = json.loads(r.data)
    assert doc["type"] == "FeatureCollection" and "crs" not in doc
    assert {f["properties"]["id"] for f in doc["features"]} == {ids[0], ids[2]}   # not the allowed one
    feature = next(f for f in doc["features"] if f["properties"]["id"] == ids[0])
    lon, lat = feature["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx(VIOLATION) and len(str(lon).split(".")[1]) <= 7
    props = feature["properties"]
    assert props["status"] == "notified" and props["deadline"] and props["site_name"] == "SMAN 1 SINDANG"
    assert props["category"] == "school" and props["buffer_m"] == 50 and props["legal_basis"]
    assert not {"reporter", "submitted_by", "idempotency_key"} & set(props)
    assert b"Panwascam" not in r.data
    only = json.loads(client.get("/api/violations.geojson?status=notified", headers=auth(tokens["satpolpp"])).data)
    assert [f["properties"]["id"] for f in only["features"]] == [ids[0]]
    none = json.loads(client.get("/api/violations.geojson?overdue=true", headers=auth(tokens["satpolpp"])).data)
    assert none["features"] == []


@pytest.mark.parametrize("fmt, driver", [("gpkg", "GPKG"), ("kml", "KML"), ("csv", None)])
def test_violations_other_formats_open_in_gdal(api, tmp_path, fmt, driver):
    client, tokens, _ = api
    ids = _seed(client, tokens)
    r = client.get(f"/api/violations.{fmt}?bbox=108,-6.5,108.5,-6.2", headers=auth(tokens["satpolpp"]))
    assert r.status_code == 200 and f'filename="violations.{fmt}"' in r.headers["Content-Disposition"]
    assert b"Panwascam" not in r.data
    path = tmp_path / f"v.{fmt}"
    path.write_bytes(r.data)
    if driver is None:
        text = r.data.decode()
        assert text.splitlines()[0].startswith("id,") and ids[0] in text and "reporter" not in text
        return
    frame = pyogrio.read_dataframe(path)
    assert len(frame) == 2
    if fmt == "gpkg":
        assert set(frame["id"]) == {ids[0], ids[2]} and "reporter" not in frame.columns


def test_violations_filters_are_checked(api):
    client, tokens, _ = api
    r = client.get("/api/violations.geojson?status=gone", headers=auth(tokens["satpolpp"]))
    assert r.status_code == 400 and "status='gone'" in r.json["detail"]
    assert client.get("/api/violations.shp", headers=auth(tokens["satpolpp"])).status_code == 400


def test_list_reports_for_bawaslu(api):
    client, tokens, _ = api
    _seed(client, tokens)
    r = client.get("/api/reports?status=reported&limit=1", headers=auth(tokens["bawaslu"]))
    assert r.status_code == 200 and r.json["numberMatched"] == 2 and r.json["numberReturned"] == 1
    assert r.json["reports"][0]["reporter"] == "Ani (Panwascam Sindang)"
