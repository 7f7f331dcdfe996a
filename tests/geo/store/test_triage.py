"""Triage in the store on both backends: duplicates at intake, dismissal reasons, reopening,
accepting public reports, removal proof with EXIF checks, props put back, per-participant
counts, bulk moves, and the webhook events of each (issue #19)."""
from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa
from PIL import Image

from geo.errors import Conflict, InputError, NotFound, TooLarge
from geo.store import MoveDetails, MoveForbidden, participant_counts
from geo.store.filters import ReportFilter
from geo.store.models import Delivery, Report, Webhook
from geo.store.transitions import bulk_ids, transition_many
from zonasi.testing.reports import VIOLATION, photo, report

# about 11 m and about 220 m east of VIOLATION (at -6.33 a degree of longitude is ~110.6 km)
NEAR = (VIOLATION[0] + 0.0001, VIOLATION[1])
FAR = (VIOLATION[0] + 0.002, VIOLATION[1])


def exif_photo(lonlat=None, taken: str | None = None, offset: str | None = None) -> bytes:
    """A JPEG with EXIF GPS (``lonlat``) and DateTimeOriginal (``taken``, "YYYY:MM:DD HH:MM:SS")."""
    if taken is None:
        return photo(lonlat=lonlat)
    base = Image.open(io.BytesIO(photo(lonlat=lonlat)))
    exif = base.getexif()
    inner = exif.get_ifd(0x8769)
    inner[0x9003] = taken
    if offset:
        inner[0x9011] = offset
    buffer = io.BytesIO()
    base.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def _hook(store):
    store.migrate()
    with store.db.begin() as connection:
        connection.execute(sa.insert(Webhook.__table__).values(
            url="http://127.0.0.1:9/h", events=["report.created", "report.transitioned"], secret="s",
            created_at=dt.datetime.now(dt.UTC)))


def _events(store) -> list[dict]:
    with store.db.connect() as connection:
        return [json.loads(p) for p in connection.execute(sa.select(Delivery.payload).order_by(Delivery.id)).scalars()]


def _to_removed(store, rid, **kw):
    store.transition(rid, "verified", actor="B", role="bawaslu")
    store.transition(rid, "notified", actor="B", role="bawaslu")
    return store.transition(rid, "removed", actor="S", role="satpolpp", **kw)


def test_nearby_open_reports_at_intake(store):
    first = store.submit(report()).report
    assert first["nearby_open_reports"] == []
    other_type = store.submit(report(lonlat=NEAR, apk_type="poster")).report
    other_party = store.submit(report(lonlat=NEAR, participant="Partai Lain")).report
    far = store.submit(report(lonlat=FAR)).report
    second = store.submit(report(lonlat=NEAR, participant=" partai contoh ")).report
    got = second["nearby_open_reports"]
    assert [n["id"] for n in got] == [first["id"]]            # not the poster, the other party, the far one
    assert 9 < got[0]["distance_m"] < 13 and got[0]["status"] == "reported"
    assert got[0]["apk_type"] == "baliho" and got[0]["participant"] == "Partai Contoh"
    assert {other_type["id"], other_party["id"], far["id"]}.isdisjoint(n["id"] for n in got)
    # stored as usual, and a report without a participant matches any
    anonymous = store.submit(report(participant=None)).report
    found = [n["id"] for n in anonymous["nearby_open_reports"]]   # the same spot first (a tie at 0 m: #19)
    assert found[0] == first["id"] and sorted(found[1:]) == sorted([second["id"], other_party["id"]])
    assert store.get_report(second["id"])["status"] == "reported"


def test_closed_reports_are_no_duplicates(store):
    dismissed = store.submit(report()).report["id"]
    store.transition(dismissed, "dismissed", actor="B", role="bawaslu", reason="not_a_campaign_prop")
    assert store.submit(report(lonlat=NEAR)).report["nearby_open_reports"] == []


@pytest.mark.parametrize(("kwargs", "key"), [
    ({}, "triage.reason_missing"),
    ({"reason": "bosan"}, "triage.reason_unknown"),
    ({"reason": "other"}, "triage.other_note"),
    ({"reason": "duplicate"}, "triage.duplicate_missing"),
    ({"reason": "duplicate", "duplicate_of": "self"}, "triage.duplicate_self"),
    ({"reason": "duplicate", "duplicate_of": "0f8c1c9e-2b4d-4c1a-9d6e-3b2a1f0e9d8c"}, "triage.duplicate_unknown"),
    ({"reason": "duplicate", "duplicate_of": "not-a-uuid"}, "triage.duplicate_unknown"),
])
def test_a_dismissal_needs_what_its_reason_needs(store, kwargs, key):
    rid = store.submit(report()).report["id"]
    if kwargs.get("duplicate_of") == "self":
        kwargs = {**kwargs, "duplicate_of": rid}
    with pytest.raises(InputError) as caught:
        store.transition(rid, "dismissed", actor="B", role="bawaslu", **kwargs)
    assert caught.value.message_id == key
    assert store.get_report(rid)["status"] == "reported" and len(store.history(rid)) == 1


def test_dismiss_as_duplicate_then_admin_reopens(store):
    _hook(store)
    first = store.submit(report()).report["id"]
    second = store.submit(report(lonlat=NEAR)).report["id"]
    out = store.transition(second, "dismissed", actor="B", role="bawaslu", reason="duplicate", duplicate_of=first,
                           note="sama")
    assert out["dismiss_reason"] == "duplicate" and out["duplicate_of"] == first
    assert store.history(second)[-1]["details"] == {"reason": "duplicate", "duplicate_of": first}
    with pytest.raises(MoveForbidden):
        store.transition(second, "reported", actor="B", role="bawaslu", note="salah")
    with pytest.raises(InputError, match="note"):
        store.transition(second, "reported", actor="A", role="admin")
    back = store.transition(second, "reported", actor="A", role="admin", note="bukan duplikat")
    assert back["status"] == "reported" and back["dismiss_reason"] is None and back["duplicate_of"] is None
    last = store.history(second)[-1]
    assert (last["from"], last["to"], last["role"], last["note"]) == ("dismissed", "reported", "admin", "bukan duplikat")
    assert last["details"]["reopened"] and last["details"]["previous_reason"] == "duplicate"
    moves = [e for e in _events(store) if e["event"] == "report.transitioned"]
    assert [(m["data"]["from"], m["data"]["to"]) for m in moves] == [("reported", "dismissed"),
                                                                     ("dismissed", "reported")]
    assert moves[0]["data"]["details"]["reason"] == "duplicate"


def test_report_created_event_has_no_reporter(store):
    _hook(store)
    rid = store.submit(report(), submitted_by="field one").report["id"]
    (created,) = _events(store)
    assert created["event"] == "report.created"
    assert created["data"] == {"id": rid, "status": "reported", "verdict_status": "violation", "regency": "32.12",
                               "regency_name": created["data"]["regency_name"], "apk_type": "baliho",
                               "participant": "Partai Contoh"}
    assert "Ani" not in json.dumps(created) and "field one" not in json.dumps(created)


def test_accepting_a_public_report(store):
    rid = store.submit(report()).report["id"]
    with store.dialect.writer(store.db).begin() as connection:   # as the public intake stores one
        connection.execute(sa.update(Report.__table__).where(Report.id == rid).values(status="unverified"))
    with pytest.raises(MoveForbidden):
        store.transition(rid, "reported", actor="S", role="satpolpp")
    assert store.transition(rid, "reported", actor="B", role="bawaslu")["status"] == "reported"
    assert store.history(rid)[-1]["details"] == {"accepted": True}


def test_removal_needs_storage_and_photo(store):
    rid = store.submit(report()).report["id"]
    store.transition(rid, "verified", actor="B", role="bawaslu")
    with pytest.raises(InputError) as caught:
        store.transition(rid, "removed", actor="S", role="satpolpp", photo=photo())
    assert caught.value.message_id == "removal.storage_missing"
    with pytest.raises(InputError) as caught:
        store.transition(rid, "removed", actor="S", role="satpolpp", storage_location="Kantor Kecamatan Sindang")
    assert caught.value.message_id == "removal.photo_missing"
    with pytest.raises(InputError) as caught:
        store.transition(rid, "removed", actor="S", role="satpolpp", storage_location="Kantor", photo=b"GIF89a")
    assert caught.value.message_id == "reports.photo_unreadable"
    assert store.get_report(rid)["status"] == "verified"
    assert not any(store.photos.root.glob("*/*")) if store.photos.root.is_dir() else True
    done = store.transition(rid, "removed", actor="S", role="satpolpp", storage_location="Kantor Kecamatan Sindang",
                            photo=photo(lonlat=NEAR))
    assert done["status"] == "removed" and done["storage_location"] == "Kantor Kecamatan Sindang"
    assert done["removal_flags"] == [] and done["has_removal_photo"] and "removal_photo_path" not in done
    details = store.history(rid)[-1]["details"]
    assert details == {"storage_location": "Kantor Kecamatan Sindang", "removal_flags": [], "photo": True}


def test_removal_without_photo_when_not_required(store):
    store.removal_photo_required = False
    rid = store.submit(report()).report["id"]
    store.transition(rid, "verified", actor="B", role="bawaslu")
    done = store.transition(rid, "removed", actor="S", role="satpolpp", storage_location="Gudang Satpol PP")
    assert done["status"] == "removed" and not done["has_removal_photo"] and done["removal_flags"] == []


def test_removal_photo_far_and_before_notice_are_flagged(store):
    rid = store.submit(report()).report["id"]
    done = _to_removed(store, rid, storage_location="Kantor", photo=exif_photo(FAR, taken="2020:01:01 10:00:00"))
    assert done["removal_flags"] == ["photo_far", "photo_before_notice"]
    assert store.get_report(rid)["removal_flags"] == ["photo_far", "photo_before_notice"]
    later = store.submit(report(participant="Partai Lain")).report["id"]
    ok = _to_removed(store, later, storage_location="Kantor",
                     photo=exif_photo(NEAR, taken="2099:01:01 10:00:00", offset="+07:00"))
    assert ok["removal_flags"] == []


def test_a_prop_put_back_is_linked_and_counted(store):
    removed = store.submit(report()).report["id"]
    _to_removed(store, removed, storage_location="Kantor", photo=photo())
    back = store.submit(report(lonlat=NEAR)).report
    assert back["reinstalled_of"] == removed and back["nearby_open_reports"] == []
    assert store.get_report(back["id"])["reinstalled_of"] == removed
    other = store.submit(report(lonlat=NEAR, participant="Partai Lain")).report
    assert other["reinstalled_of"] is None
    elsewhere = store.submit(report(lonlat=FAR)).report
    assert elsewhere["reinstalled_of"] is None
    overdue = store.submit(report(lonlat=FAR, apk_type="poster")).report["id"]
    store.transition(overdue, "verified", actor="B", role="bawaslu")
    store.transition(overdue, "notified", actor="B", role="bawaslu")
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    counts = {p["participant"]: p for p in participant_counts(store.db, later)}
    assert counts["Partai Contoh"] == {"participant": "Partai Contoh", "reports": 4, "removed": 1, "reinstalled": 1,
                                       "overdue": 1}
    assert counts["Partai Lain"] == {"participant": "Partai Lain", "reports": 1, "removed": 0, "reinstalled": 0,
                                     "overdue": 0}


def test_bulk_moves_each_report_and_reports_each_error(store):
    _hook(store)
    a, b = (store.submit(report(lonlat=p)).report["id"] for p in (VIOLATION, FAR))
    done = store.submit(report(apk_type="poster")).report["id"]
    store.transition(done, "verified", actor="B", role="bawaslu")
    missing = "0f8c1c9e-2b4d-4c1a-9d6e-3b2a1f0e9d8c"
    results = transition_many(store, [a, done, b, missing], "verified", actor="B", role="bawaslu",
                              details=MoveDetails(note="cek"))
    assert [(r.id, r.report is not None) for r in results] == [(a, True), (done, False), (b, True), (missing, False)]
    assert isinstance(results[1].error, Conflict) and isinstance(results[3].error, NotFound)
    assert store.history(a)[-1]["note"] == "cek"
    assert sum(e["event"] == "report.transitioned" for e in _events(store)) == 3   # done's own move, a, b
    fresh = [store.submit(report(apk_type=t)).report["id"] for t in ("spanduk", "bendera")]
    refused = transition_many(store, fresh, "dismissed", actor="B", role="bawaslu")
    assert all(isinstance(r.error, InputError) for r in refused)   # no reason: each says so


def test_bulk_ids_by_filter_and_the_cap(store):
    ids = [store.submit(report(lonlat=p)).report["id"] for p in (VIOLATION, FAR)]
    assert sorted(bulk_ids(store, None, ReportFilter(status=("reported",)), 10)) == sorted(ids)
    assert bulk_ids(store, None, ReportFilter(status=("removed",)), 10) == []
    with pytest.raises(TooLarge):
        bulk_ids(store, None, ReportFilter(), 1)
    with pytest.raises(TooLarge):
        bulk_ids(store, ids, None, 1)
    assert bulk_ids(store, [ids[0], ids[0]], None, 1) == [ids[0]]
    with pytest.raises(InputError):
        bulk_ids(store, ids, ReportFilter(), 10)
    with pytest.raises(InputError):
        bulk_ids(store, [1, 2], None, 10)


def test_odd_exif_times_raise_no_flag_and_refuse_nothing(store):
    rid = store.submit(report()).report["id"]
    done = _to_removed(store, rid, storage_location="Kantor", photo=exif_photo(NEAR, taken="not a time"))
    assert done["status"] == "removed" and done["removal_flags"] == []


def test_a_radius_of_zero_turns_the_intake_links_off(store):
    from geo.store.triage import intake_links

    store.submit(report())
    values = {"id": "new", "lon": VIOLATION[0], "lat": VIOLATION[1], "apk_type": "baliho", "participant": "Partai Contoh"}
    with store.db.connect() as connection:
        assert intake_links(connection, store.dialect, values, 0) == ([], None)
        assert len(intake_links(connection, store.dialect, values, 25)[0]) == 1


@pytest.mark.parametrize(("raw", "expected"), [("false", False), ("tidak", False), ("1", True), ("ya", True)])
def test_removal_photo_required_from_the_environment(raw, expected):
    from geo.config import Settings

    assert Settings.from_env({"ZONASI_REMOVAL_PHOTO_REQUIRED": raw}).removal_photo_required is expected
    assert Settings.from_env({}).removal_photo_required is True and Settings().max_bulk_transitions == 1000


def test_removal_photo_required_refuses_nonsense():
    from geo.config import Settings

    with pytest.raises(ValueError, match="true or false"):
        Settings.from_env({"ZONASI_REMOVAL_PHOTO_REQUIRED": "maybe"})
