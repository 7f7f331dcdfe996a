"""The report store on SQLite and PostGIS: submit, idempotency, workflow, history, filters."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from geo import ConfigError, Conflict, InputError, NotFound
from geo.store import ReportFilter, Store
from zonasi.testing.reports import ALLOWED, IN_CAMPAIGN, VIOLATION, photo, report, violation_in


def test_submit_stores_the_verdict_with_versions(store, engine):
    sub = store.submit(report(), idempotency_key="k-1")
    r = sub.report
    assert sub.created
    assert r["status"] == "reported" and r["verdict_status"] == "violation"
    assert r["regency_code"] == "32.12" and r["category"] == "school"
    assert r["distance_m"] == pytest.approx(11.06, abs=0.01) and r["buffer_m"] == 50
    assert r["rules_version"] == engine.rules_version and r["layers_version"] == engine.layers_version
    assert r["verdict"]["hits"][0]["site_id"] == r["site_id"]
    assert r["reported_at"] == "2024-01-10T02:00:00Z"      # stored in UTC
    assert store.history(r["id"])[0]["to"] == "reported"


def test_uncertain_when_accuracy_exceeds_margin(store):
    r = store.submit(report(accuracy_m=60)).report
    assert r["uncertain"] is True and r["verdict"]["margin_m"] < 60


def test_same_key_gives_the_same_report(store):
    first = store.submit(report(), idempotency_key="same")
    again = store.submit(report(), idempotency_key="same")
    assert not again.created and again.report["id"] == first.report["id"]
    assert store.list_reports()[1] == 1


def test_client_uuid_is_the_idempotency_key(store):
    rid = "0f8c1c9e-2b4d-4c1a-9d6e-3b2a1f0e9d8c"
    assert store.submit(report(id=rid)).created
    again = store.submit(report(id=rid))
    assert not again.created and again.report["id"] == rid


def test_key_reused_for_another_report_is_a_conflict(store):
    store.submit(report(), idempotency_key="k")
    with pytest.raises(Conflict, match="already used for a different report"):
        store.submit(report(apk_type="spanduk"), idempotency_key="k")


@pytest.mark.parametrize("data, message", [
    ({"apk_type": "tank", "lon": 108.3, "lat": -6.3}, "apk_type 'tank' is not one of baliho"),
    ({"apk_type": "baliho", "lon": 108.3, "lat": -95}, "lat -95 is outside -90..90"),
    ({"apk_type": "baliho", "lon": 108.3}, "give both lon and lat"),
    ({"apk_type": "baliho"}, "no position: give lon and lat, or a photo"),
    ({"lon": 108.3, "lat": -6.3}, "'apk_type' is required"),
    ({"apk_type": "baliho", "lon": 108.3, "lat": -6.3, "colour": "red"}, "unknown field 'colour'"),
    ({"apk_type": "baliho", "lon": 108.3, "lat": -6.3, "reported_at": "kemarin"}, "is not a date or time"),
    ({"apk_type": "baliho", "lon": 108.3, "lat": -6.3, "id": "42"}, "is not a UUID"),
    ({"apk_type": "baliho", "lon": 108.3, "lat": -6.3, "accuracy_m": -1}, "accuracy_m -1 is outside"),
])
def test_bad_reports_say_what_to_fix(store, data, message):
    with pytest.raises(InputError, match=message):
        store.submit(data)
    assert store.list_reports()[1] == 0


def test_aliases_and_english_type_names(store):
    r = store.submit({"type": "billboard", "longitude": ALLOWED[0], "latitude": ALLOWED[1],
                      "reported_at": IN_CAMPAIGN}).report
    assert r["apk_type"] == "reklame" and r["verdict_status"] == "incomplete"  # bundled Indramayu: no complete data


def test_photo_exif_position_is_used_when_none_given(store):
    data = report(lon=None, lat=None, accuracy_m=None)
    r = store.submit(data, photo=photo(lonlat=VIOLATION, accuracy=4)).report
    assert r["location_source"] == "exif" and r["has_photo"]
    assert (r["lon"], r["lat"]) == pytest.approx(VIOLATION, abs=1e-6) and r["accuracy_m"] == 4
    path, media_type = store.photo(r["id"])
    assert media_type == "image/jpeg" and path.read_bytes()[:2] == b"\xff\xd8"


def test_photo_must_be_a_small_jpeg_or_png(store, tmp_path):
    with pytest.raises(InputError, match="not a readable JPEG or PNG"):
        store.submit(report(), photo=b"<html>not an image</html>")
    small = Store(store.url, store.engine, tmp_path / "p", max_photo_bytes=1000)
    try:
        with pytest.raises(InputError, match="the limit is"):
            small.submit(report(), photo=photo("PNG", size=(400, 400)))
    finally:
        small.dispose()
    assert store.list_reports()[1] == 0
    assert not any((tmp_path / "p").rglob("*.png"))


def test_workflow_moves_and_deadline(store, engine):
    rid = store.submit(report()).report["id"]
    store.transition(rid, "verified", actor="Bawaslu Indramayu", role="bawaslu", note="foto jelas")
    r = store.transition(rid, "notified", actor="Bawaslu Indramayu", role="bawaslu")
    deadline = dt.datetime.fromisoformat(r["deadline"].replace("Z", "+00:00"))
    # from the app's clock (ZONASI_NOW in the tests), as a letter's deadline, never the machine's date
    assert deadline == store.clock.now() + dt.timedelta(hours=engine.rules.notice_hours)
    r = store.transition(rid, "removed", actor="Satpol PP", role="satpolpp", storage_location="Kantor Kecamatan",
                         photo=photo())  # a removal's proof (#19)
    assert r["status"] == "removed"
    history = store.history(rid)
    assert [(h["from"], h["to"]) for h in history] == [
        (None, "reported"), ("reported", "verified"), ("verified", "notified"), ("notified", "removed")]
    assert history[1]["actor"] == "Bawaslu Indramayu" and history[1]["note"] == "foto jelas"


@pytest.mark.parametrize("path, bad, allowed", [
    ((), "notified", ["verified", "dismissed"]),
    ((), "removed", ["verified", "dismissed"]),
    (("dismissed",), "verified", ["reported"]),   # an admin may reopen it (#19)
    (("verified", "notified"), "dismissed", ["removed"]),
])
def test_illegal_moves_list_the_allowed_ones(store, path, bad, allowed):
    rid = store.submit(report()).report["id"]
    for status in path:
        store.transition(rid, status, actor="a", role="admin", reason="not_a_campaign_prop")
    with pytest.raises(Conflict) as caught:
        store.transition(rid, bad, actor="a", role="admin")
    assert caught.value.details["allowed"] == allowed
    assert len(store.history(rid)) == 1 + len(path)


def test_unknown_status_and_unknown_report(store):
    rid = store.submit(report()).report["id"]
    with pytest.raises(InputError, match="unknown status 'done'"):
        store.transition(rid, "done", actor="a")
    with pytest.raises(NotFound):
        store.transition("0f8c1c9e-2b4d-4c1a-9d6e-3b2a1f0e9d8c", "verified", actor="a")
    with pytest.raises(NotFound):
        store.get_report("not-a-uuid")


def test_history_is_append_only_in_the_database(store):
    rid = store.submit(report()).report["id"]
    store.transition(rid, "verified", actor="a", role="bawaslu")
    for statement in ("UPDATE report_events SET actor = 'someone else'", "DELETE FROM report_events"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            with store.db.begin() as connection:
                connection.exec_driver_sql(statement)
    assert [h["actor"] for h in store.history(rid)][1] == "a"


def test_filters(store, engine):
    jakarta = violation_in(engine, "31.71")
    a = store.submit(report()).report["id"]
    b = store.submit(report(jakarta, reported_at="2024-02-01T10:00:00+07:00")).report["id"]
    c = store.submit(report(ALLOWED)).report["id"]
    store.transition(a, "verified", actor="x")
    store.transition(a, "notified", actor="x")

    def ids(**kw):
        rows, matched = store.list_reports(ReportFilter(**kw), limit=None)
        assert matched == len(rows)
        return {r["id"] for r in rows}

    assert ids() == {a, b, c}
    assert ids(regency=("32.12",)) == {a, c} == ids(regency=("kabupaten indramayu",))
    assert ids(status=("notified",)) == {a}
    assert ids(verdict=("violation",)) == {a, b}
    assert ids(since=dt.datetime(2024, 1, 20, tzinfo=dt.UTC)) == {b}
    assert ids(until=dt.datetime(2024, 1, 20, tzinfo=dt.UTC)) == {a, c}
    assert ids(bbox=(108.0, -6.5, 108.5, -6.2)) == {a, c}
    assert ids(overdue=True) == set()
    assert {r["id"] for r in store.violations()[0]} == {a, b}
    rows, matched = store.list_reports(limit=1, offset=1)
    assert matched == 3 and len(rows) == 1


def test_overdue_after_the_deadline(store):
    rid = store.submit(report()).report["id"]
    store.transition(rid, "verified", actor="x")
    store.transition(rid, "notified", actor="x")
    with store.db.begin() as connection:  # as if three days had passed
        connection.execute(sa.text("UPDATE reports SET deadline = :d WHERE id = :id"),
                           {"d": dt.datetime(2024, 1, 1), "id": rid})
    rows, matched = store.violations(ReportFilter(overdue=True))
    assert matched == 1 and rows[0]["overdue"] is True and "reporter" not in rows[0]


def test_dismissed_reports_are_not_violations(store):
    rid = store.submit(report()).report["id"]
    store.transition(rid, "dismissed", actor="x", note="bukan APK", reason="not_a_campaign_prop")
    assert store.violations()[1] == 0
    assert store.violations(ReportFilter(status=("dismissed",)))[1] == 1


def test_filters_from_query_parameters_reject_nonsense():
    f = ReportFilter.from_params({"regency": "32.12,31.71", "overdue": "true", "bbox": "108,-7,109,-6",
                                  "until": "2024-01-31", "status": "notified"})
    assert f.regency == ("32.12", "31.71") and f.overdue is True and f.bbox == (108, -7, 109, -6)
    assert f.until == dt.datetime(2024, 1, 31, 23, 59, 59, 999999, tzinfo=dt.UTC)
    for params, message in (({"status": "gone"}, "status='gone' is not one of"),
                            ({"bbox": "1,2,3"}, "bbox='1,2,3' must be 4 numbers"),
                            ({"overdue": "maybe"}, "overdue='maybe' is not true or false"),
                            ({"category": "zoo"}, "category='zoo'")):
        with pytest.raises(InputError, match=message):
            ReportFilter.from_params(params)


def test_tokens_are_stored_hashed(store):
    token = store.tokens.create("satpolpp", "Satpol PP Indramayu")
    who = store.tokens.authenticate(token)
    assert who.role == "satpolpp" and who.name == "Satpol PP Indramayu"
    with store.db.connect() as connection:
        stored = connection.exec_driver_sql("SELECT token_hash FROM api_tokens").scalar_one()
    assert token not in stored and len(stored) == 64
    store.tokens.revoke(who.id)
    assert store.tokens.authenticate(token) is None
    with pytest.raises(InputError, match="role 'mayor' is not one of"):
        store.tokens.create("mayor", "x")


def test_schema_per_backend(store):
    store.migrate()
    with store.db.connect() as connection:
        if store.backend == "sqlite":
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        else:
            kind = connection.exec_driver_sql(
                "SELECT type FROM geography_columns WHERE f_table_name = 'reports'").scalar()
            index = connection.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_reports_geog'").scalar()
            assert kind == "Point" and "gist" in index.lower()


def test_near_uses_metres(store):
    a = store.submit(report()).report["id"]
    store.submit(report(ALLOWED))
    assert [r["id"] for r in store.near(VIOLATION[0] + 0.0003, VIOLATION[1], 50)] == [a]
    assert store.near(VIOLATION[0] + 0.0003, VIOLATION[1], 20) == []


@pytest.mark.parametrize("url, message", [
    ("mysql://u@h/db", "database 'mysql' is not supported"),
    ("sqlite://", "SQLite needs a file"),
    ("nonsense", "is not a URL like sqlite:///path.db"),
])
def test_bad_database_urls_say_what_to_use(tmp_path, url, message):
    with pytest.raises(ConfigError, match=message):
        Store(url, None, tmp_path)


def test_serve_refuses_a_bad_database_url(tmp_path):
    from click.testing import CliRunner

    from zonasi.cli import cli

    result = CliRunner().invoke(cli, ["serve"], env={"ZONASI_DATABASE_URL": "mysql://u@h/db",
                                                     "ZONASI_INSTANCE": str(tmp_path)})
    assert result.exit_code == 2 and "basis data 'mysql' tidak didukung" in result.output  # Indonesian by default (#18)
