"""What the report page and the dashboard read, on SQLite and PostGIS: a report's later verdicts
(GET /api/reports/<id>/verdicts, #19) and the overdue count in /api/stats (#18)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from geo.store.models import Report
from geo.store.rechecks import ReportVerdict
from zonasi.testing.reports import report


def auth(token):
    return {"Authorization": f"Bearer {token}"}


def submit(client, token, **extra) -> dict:
    answer = client.post("/api/reports", json=report(**extra), headers=auth(token))
    assert answer.status_code == 201, answer.json
    return answer.json


def rejudge(store, report_id: str, status: str = "ok") -> None:
    """A later verdict as ``zonasi reports recheck`` stores it under other versions (the test's
    engine has one version only, so the row is written as recheck writes it)."""
    with store.db.begin() as connection:
        verdict = connection.execute(sa.select(Report.verdict).where(Report.id == report_id)).scalar_one()
        verdict = {**verdict, "status": status, "hits": [], "rules_version": "r2", "layers_version": "l2"}
        connection.execute(sa.insert(ReportVerdict.__table__).values(
            report_id=report_id, judged_at=dt.datetime(2024, 2, 1, tzinfo=dt.UTC), rules_version="r2",
            layers_version="l2", verdict=verdict, verdict_status=status, uncertain=False, site_id=None,
            distance_m=None, previous_status="violation", changed=True))


def test_a_reports_later_verdicts_in_words(reports_app):
    client, tokens, store = reports_app
    first = submit(client, tokens["field"])
    answer = client.get(f"/api/reports/{first['id']}/verdicts", headers=auth(tokens["bawaslu"]))
    assert answer.status_code == 200 and answer.json == {"id": first["id"], "verdicts": []}
    rejudge(store, first["id"])
    answer = client.get(f"/api/reports/{first['id']}/verdicts?lang=en", headers=auth(tokens["satpolpp"]))
    assert answer.status_code == 200
    [later] = answer.json["verdicts"]
    assert later["verdict_status"] == "ok" and later["changed"] is True and later["previous_status"] == "violation"
    assert (later["rules_version"], later["layers_version"]) == ("r2", "l2")
    assert later["judged_at"].startswith("2024-02-01")
    assert later["message"][0] == "Allowed"
    # the verdict at submission stays the report's own
    assert client.get(f"/api/reports/{first['id']}", headers=auth(tokens["bawaslu"])).json["verdict_status"] == "violation"


def test_later_verdicts_are_read_as_the_report_is(reports_app):
    client, tokens, _ = reports_app
    first = submit(client, tokens["field"])
    url = f"/api/reports/{first['id']}/verdicts"
    assert client.get(url).status_code == 401
    for token in tokens.values():   # whoever may read the report may read its verdicts, and no one else
        assert (client.get(url, headers=auth(token)).status_code
                == client.get(f"/api/reports/{first['id']}", headers=auth(token)).status_code)
    missing = client.get("/api/reports/00000000-0000-0000-0000-000000000000/verdicts", headers=auth(tokens["admin"]))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"


def test_stats_count_the_notified_reports_past_their_deadline(reports_app):
    client, tokens, store = reports_app
    ids = [submit(client, tokens["field"], participant=f"Partai {i}")["id"] for i in range(3)]
    for rid in ids:
        for status in ("verified", "notified"):
            moved = client.post(f"/api/reports/{rid}/transitions", json={"status": status}, headers=auth(tokens["admin"]))
            assert moved.status_code == 200, moved.json
    stats = client.get("/api/stats", headers=auth(tokens["bawaslu"])).json
    assert stats["reports"]["overdue"] == 0        # deadlines from now on
    with store.db.begin() as connection:           # two deadlines passed (the clock of the store is the real one)
        connection.execute(sa.update(Report).where(Report.id.in_(ids[:2]))
                           .values(deadline=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    stats = client.get("/api/stats", headers=auth(tokens["satpolpp"])).json
    assert stats["reports"]["overdue"] == 2
    assert client.get("/api/stats").json["reports"] is None   # without a token: sites only
