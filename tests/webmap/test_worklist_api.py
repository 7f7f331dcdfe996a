"""Satpol PP's worklist on both backends: the outstanding props in route order from a start, as
JSON, GPX (read back with GDAL), KML (read back as XML) and PDF (read back with pdftotext)."""
from __future__ import annotations

import datetime as dt
import subprocess
import xml.etree.ElementTree as ET

import pyogrio
import pytest
from pyproj import Geod

from geo import Engine, InputError, load_layers
from geo.casework import issue_letter, worklist
from geo.store import ReportFilter
from tests.conftest import settings_for_tests
from webmap import create_app
from zonasi.testing.casework import casework_layers, near, verified

GEOD = Geod(ellps="WGS84")


@pytest.fixture()
def world(tmp_path, store_url):
    """Five notified, overdue props in a row east of the school of 32.12 (10, 40, 70, 100, 130 m)
    in a shuffled id order, one notified elsewhere, one only verified."""
    directory = casework_layers(tmp_path)
    settings = settings_for_tests(instance_dir=tmp_path / "instance", layers_dir=directory, database_url=store_url)
    app = create_app(settings, engine=Engine(load_layers(directory)))
    store = app.extensions["zonasi"].store
    tokens = {role: store.tokens.create(role, f"{role} test") for role in ("field", "bawaslu", "satpolpp", "admin")}
    ids = []
    for east in (70, 10, 130, 40, 100):
        lon, lat = near("32.12", east)
        rid = store.submit({"apk_type": "spanduk", "participant": "Partai Contoh", "lon": lon, "lat": lat,
                            "reported_at": "2024-01-10T09:00:00+07:00"}).report["id"]
        store.transition(rid, "verified", actor="t", role="bawaslu")
        ids.append((east, rid))
    # issued four days before the app's clock: past the deadlines (72 h, 24 h in 32.09) by that
    # clock, which judges what is overdue (not the machine's date)
    issued = app.extensions["zonasi"].clock.now() - dt.timedelta(days=4)
    issue_letter(store, participant="Partai Contoh", regency="32.12", ids=[rid for _, rid in ids], actor="t",
                 role="bawaslu", now=issued)
    other = verified(store, "32.09")
    issue_letter(store, participant="Partai Contoh", regency="32.09", ids=other, actor="t", role="bawaslu",
                 now=issued)
    verified(store)                                   # verified, not notified: not on the list
    by_east = [rid for _, rid in sorted(ids)]
    yield app.test_client(), tokens, store, by_east
    store.dispose()


def auth(token):
    return {"Authorization": f"Bearer {token}"}


QUERY = "/api/worklist{ext}?regency=32.12&status=notified&overdue=true&start={lat},{lon}"


def test_the_route_walks_the_row_from_the_start(world):
    client, tokens, _, by_east = world
    lon, lat = near("32.12", -200)                   # 200 m west of the school
    r = client.get(QUERY.format(ext="", lat=lat, lon=lon), headers=auth(tokens["satpolpp"]))
    assert r.status_code == 200, r.json
    items = r.json["items"]
    assert [i["id"] for i in items] == by_east and [i["order"] for i in items] == [1, 2, 3, 4, 5]
    assert {"lat", "lon", "place", "apk_type", "participant", "deadline", "leg_m"} <= set(items[0])
    assert items[0]["place"].startswith("± 10 m dari SMA Negeri 1 Contoh")
    stops = [(lon, lat)] + [(i["lon"], i["lat"]) for i in items]
    legs = [GEOD.inv(*a, *b)[2] for a, b in zip(stops, stops[1:])]
    assert [i["leg_m"] for i in items] == pytest.approx(legs, abs=0.1)
    assert r.json["length_m"] == pytest.approx(sum(legs), abs=0.5) and 320 < r.json["length_m"] < 340
    # without a start the route begins at an end of the row
    plain = client.get("/api/worklist?regency=32.12", headers=auth(tokens["bawaslu"])).json
    assert [i["id"] for i in plain["items"]] in (by_east, by_east[::-1]) and plain["start"] is None
    assert plain["length_m"] == pytest.approx(120, abs=0.5)


def test_gpx_kml_and_pdf_are_numbered_in_route_order(world, tmp_path):
    client, tokens, _, by_east = world
    lon, lat = near("32.12", -200)
    get = lambda ext: client.get(QUERY.format(ext=ext, lat=lat, lon=lon), headers=auth(tokens["satpolpp"]))  # noqa: E731
    gpx = get(".gpx")
    assert gpx.status_code == 200 and gpx.mimetype == "application/gpx+xml"
    path = tmp_path / "route.gpx"
    path.write_bytes(gpx.data)
    waypoints = pyogrio.read_dataframe(path, layer="waypoints")
    assert list(waypoints["name"]) == [f"0{n} spanduk Partai Contoh" for n in range(1, 6)]
    assert [d.rsplit(" ", 1)[1] for d in waypoints["desc"]] == by_east
    points = pyogrio.read_dataframe(path, layer="route_points")
    assert len(pyogrio.read_dataframe(path, layer="routes")) == 1 and len(points) == 6
    assert points.geometry.iloc[0].x == pytest.approx(lon, abs=1e-7)

    kml = get(".kml")
    assert kml.status_code == 200 and kml.mimetype == "application/vnd.google-earth.kml+xml"
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    root = ET.fromstring(kml.data)
    marks = root.findall(".//k:Placemark", ns)
    names = [m.findtext("k:name", namespaces=ns) for m in marks]
    assert names[:5] == [f"0{n} spanduk Partai Contoh" for n in range(1, 6)] and names[5].startswith("Rute")
    line = marks[5].findtext(".//k:LineString/k:coordinates", namespaces=ns).split()
    assert len(line) == 6

    pdf = get(".pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    (tmp_path / "route.pdf").write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "route.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    json_items = client.get(QUERY.format(ext="", lat=lat, lon=lon), headers=auth(tokens["satpolpp"])).json["items"]
    rows = [line.split() for line in text.splitlines() if line.strip()[:2].strip().isdigit() and "Spanduk" in line]
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4, 5]
    places = [i["place"].split(",")[0] for i in json_items]          # "± 10 m dari SMA Negeri 1 Contoh"
    found = [text.find(p.split(" dari ")[0]) for p in places]
    assert all(pos >= 0 for pos in found) and found == sorted(found)


def test_bad_requests_are_problems(world):
    client, tokens, store, _ = world
    h = auth(tokens["satpolpp"])
    for url in ("/api/worklist?start=abc", "/api/worklist?start=91,0", "/api/worklist?start=1,2,3",
                "/api/worklist.xyz", "/api/worklist?overdue=maybe", "/api/worklist?status=gone"):
        r = client.get(url, headers=h)
        assert r.status_code == 400 and r.mimetype == "application/problem+json", url
    assert "bukan 'lat,lon'" in client.get("/api/worklist?start=abc", headers=h).json["detail"]
    assert client.get("/api/worklist", headers=auth(tokens["field"])).status_code == 403
    assert client.get("/api/worklist.gpx").status_code == 401
    with pytest.raises(InputError) as caught:
        worklist(store, ReportFilter(regency=("32.12",)), max_stops=4)
    assert caught.value.message_id == "casework.worklist_too_many"
