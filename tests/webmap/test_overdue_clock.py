"""What is overdue is judged by the app's one clock (Settings.now, ZONASI_NOW), the clock that set
the letters' deadlines, never by the machine's date (2026 here, long past every 2024 deadline):
every list, filter, count, stat, worklist, bulk selection and webhook round agrees, on SQLite and
PostGIS. One database, two apps: one whose clock is before the deadline, one after it."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from geo import Engine, load_layers
from geo.clock import parse_instant
from geo.store import ReportFilter, bulk_ids, participant_counts
from geo.webhooks import Attempt, Deliverer, DeliveryPolicy, Webhooks
from tests.conftest import TEST_NOW, settings_for_tests
from webmap import create_app
from zonasi.testing.casework import casework_layers, near
from zonasi.testing.reports import IN_CAMPAIGN

BEFORE = TEST_NOW                         # 2024-01-15 10:00 WIB: the letter's time; deadline + 72 h
AFTER = "2024-01-20T10:00:00+07:00"       # past the deadline (2024-01-18 10:00 WIB)


@pytest.fixture()
def apps(tmp_path, store_url):
    """{"before": app, "after": app} on one database, and the tokens."""
    directory = casework_layers(tmp_path)
    settings = settings_for_tests(instance_dir=tmp_path / "instance", layers_dir=directory, database_url=store_url)
    engine = Engine(load_layers(directory))
    out = {"before": create_app(settings, engine=engine),
           "after": create_app(dataclasses.replace(settings, now=parse_instant(AFTER)), engine=engine)}
    store = out["before"].extensions["zonasi"].store
    tokens = {role: store.tokens.create(role, f"{role} test") for role in ("field", "bawaslu")}
    yield out, tokens
    for app in out.values():
        app.extensions["zonasi"].store.dispose()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def notified_report(app, tokens) -> tuple[str, str]:
    """A report of the field token, verified and notified by a letter at the app's clock: (id, deadline)."""
    client = app.test_client()
    lon, lat = near("32.12")
    body = {"apk_type": "baliho", "participant": "Partai Contoh", "lon": lon, "lat": lat, "accuracy_m": 5,
            "reported_at": IN_CAMPAIGN}
    rid = client.post("/api/reports", json=body, headers=auth(tokens["field"])).json["id"]
    moved = client.post(f"/api/reports/{rid}/transitions", json={"status": "verified"}, headers=auth(tokens["bawaslu"]))
    assert moved.status_code == 200, moved.json
    letter = client.post("/api/letters", json={"participant": "Partai Contoh", "regency": "32.12", "ids": [rid]},
                         headers=auth(tokens["bawaslu"]))
    assert letter.status_code == 201, letter.json
    return rid, letter.json["deadline"]


def overdue_everywhere(app, tokens, rid: str) -> dict[str, object]:
    """What every interface says of the report being overdue, at the app's clock."""
    client = app.test_client()
    bawaslu, field = auth(tokens["bawaslu"]), auth(tokens["field"])
    store = app.extensions["zonasi"].store
    stats = client.get("/api/stats", headers=bawaslu).json
    lists = client.get("/api/violations/lists?overdue=true", headers=bawaslu).json
    return {
        "report": client.get(f"/api/reports/{rid}", headers=bawaslu).json["overdue"],
        "list row": client.get("/api/reports", headers=bawaslu).json["reports"][0]["overdue"],
        "list filter": client.get("/api/reports?overdue=true", headers=bawaslu).json["numberMatched"],
        "not overdue filter": client.get("/api/reports?overdue=false", headers=bawaslu).json["numberMatched"],
        "mine": client.get("/api/reports/mine", headers=field).json["reports"][0]["overdue"],
        "violations": len(client.get("/api/violations.geojson?overdue=true", headers=bawaslu).json["features"]),
        "violations csv": client.get("/api/violations.csv?overdue=true", headers=bawaslu).headers["X-Total-Count"],
        "violation lists": lists["lists"][0]["count"],
        "current verdicts": sum(lists["current_verdicts"].values()),
        "ogc": client.get("/collections/violations/items?overdue=true", headers=bawaslu).json["numberMatched"],
        "worklist": len(client.get("/api/worklist?overdue=true", headers=bawaslu).json["items"]),
        "stats": stats["reports"]["overdue"],
        "stats participants": stats["participants"][0]["overdue"],
        "participant counts": participant_counts(store.db, store.clock.now())[0]["overdue"],
        "bulk selection": len(bulk_ids(store, None, ReportFilter(overdue=True), 10)),
        "near": store.near(*near("32.12"), 100, ReportFilter(overdue=True))[0]["overdue"]
        if store.near(*near("32.12"), 100, ReportFilter(overdue=True)) else False,
    }


def webhook_round(app, sent: list) -> int:
    """One round of the webhooks' sender as ``zonasi serve`` builds it (the policy of the settings),
    recording what it sends in ``sent``: how many report.overdue events it queued."""
    s = app.extensions["zonasi"]

    def send(url, body, headers, timeout):
        sent.append(headers["X-Zonasi-Event"])
        return Attempt(204)

    return Deliverer(s.store.db, s.store.dialect, DeliveryPolicy.from_settings(s.settings),
                     send=send).deliver_once().overdue


def test_overdue_is_judged_by_the_apps_clock_everywhere(apps):
    both, tokens = apps
    Webhooks.of(both["before"].extensions["zonasi"].store).add("http://127.0.0.1:9/hook", "report.overdue", "s")
    rid, deadline = notified_report(both["before"], tokens)
    assert deadline == "2024-01-18T03:00:00Z"     # the letter's clock + 72 h, in 2024 as the machine is not
    assert dt.datetime.now(dt.UTC).year > 2024   # the machine's date is long past it
    before = overdue_everywhere(both["before"], tokens, rid)
    assert before == {"report": False, "list row": False, "list filter": 0, "not overdue filter": 1, "mine": False,
                      "violations": 0, "violations csv": "0", "violation lists": 0, "current verdicts": 0, "ogc": 0,
                      "worklist": 0, "stats": 0, "stats participants": 0, "participant counts": 0,
                      "bulk selection": 0, "near": False}
    sent: list[str] = []
    assert webhook_round(both["before"], sent) == 0      # not yet overdue: no report.overdue queued
    assert "report.overdue" not in sent
    after = overdue_everywhere(both["after"], tokens, rid)
    assert after == {"report": True, "list row": True, "list filter": 1, "not overdue filter": 0, "mine": True,
                     "violations": 1, "violations csv": "1", "violation lists": 1, "current verdicts": 1, "ogc": 1,
                     "worklist": 1, "stats": 1, "stats participants": 1, "participant counts": 1,
                     "bulk selection": 1, "near": True}
    assert webhook_round(both["after"], sent) == 1       # overdue now: queued once, and sent in the same round
    assert sent.count("report.overdue") == 1               # (its sending is due by the sender's own clock)
    assert webhook_round(both["after"], sent) == 0
    assert sent.count("report.overdue") == 1


def test_a_notice_by_a_plain_move_takes_its_deadline_from_the_apps_clock(apps):
    """Notified without a letter (a workflow move), the deadline is the app's clock + notice hours too."""
    both, tokens = apps
    client = both["before"].test_client()
    lon, lat = near("32.12")
    rid = client.post("/api/reports", json={"apk_type": "baliho", "lon": lon, "lat": lat, "reported_at": IN_CAMPAIGN},
                      headers=auth(tokens["field"])).json["id"]
    for status in ("verified", "notified"):
        moved = client.post(f"/api/reports/{rid}/transitions", json={"status": status}, headers=auth(tokens["bawaslu"]))
        assert moved.status_code == 200, moved.json
    assert moved.json["deadline"] == "2024-01-18T03:00:00Z" and moved.json["overdue"] is False
    assert both["after"].test_client().get(f"/api/reports/{rid}", headers=auth(tokens["bawaslu"])).json["overdue"]
