"""The adversarial findings of issue #13 on the reports store and API, each on both backends where
storage is involved: identity leaks in write answers, idempotency keys across tokens, the audit
actor, text the databases cannot store, extreme dates, NaN from EXIF, undecoded photos, a full
disk, and the cost of /api/stats and of refused violations exports."""
from __future__ import annotations

import contextlib
import io
import json
import os
import random
import subprocess
import sys
import textwrap
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from geo.catalog.stats import grouped_report_counts, report_counts
from geo.config import Settings
from geo.store import Store, parse_time
from geo.store.faults import StorageFull
from webmap import create_app
from zonasi.testing.reports import ALLOWED, VIOLATION, photo, report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture()
def world(reports_app):
    """An app on the store under test, with tokens of every role and a second field token."""
    return reports_app


def h(token: str, **extra) -> dict:
    return {"Authorization": f"Bearer {token}", **extra}


def strict_json(data: bytes):
    """Parse like a browser: NaN / Infinity are not JSON."""
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(data, parse_constant=refuse)


def assert_problem(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.data[:500]
    assert response.mimetype == "application/problem+json"
    body = strict_json(response.data)
    if field is not None:
        assert body.get("field") == field, body
    return body


@contextlib.contextmanager
def statements(store: Store):
    """The SQL the store's engine runs inside the block (a real event listener, no mock)."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))
    sa.event.listen(store.db, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(store.db, "before_cursor_execute", record)


# -- 1. no reporter identity in any answer to a role without reports:private ------------------------

def test_write_answers_carry_no_reporter_identity_for_satpolpp(world):
    client, tokens, _ = world
    sent = client.post("/api/reports", json=report(reporter="Ani Rahasia"), headers=h(tokens["field"]))
    assert sent.status_code == 201 and "Ani Rahasia" not in sent.get_data(as_text=True)
    rid = sent.json["id"]
    verified = client.post(f"/api/reports/{rid}/transitions", json={"status": "verified"},
                           headers=h(tokens["bawaslu"]))
    assert verified.json["reporter"] == "Ani Rahasia"      # bawaslu may read it
    removed = client.post(f"/api/reports/{rid}/transitions", headers=h(tokens["satpolpp"]),  # with its proof (#19)
                          data={"status": "removed", "note": "turun", "storage_location": "Kantor Kecamatan",
                                "photo": (io.BytesIO(photo()), "after.jpg", "image/jpeg")},
                          content_type="multipart/form-data")
    assert removed.status_code == 200 and removed.json["status"] == "removed"
    text = removed.get_data(as_text=True)
    assert "reporter" not in removed.json and "submitted_by" not in removed.json
    assert "Ani Rahasia" not in text and "field test" not in text
    reported = removed.json["history"][0]
    assert reported["to"] == "reported" and reported["actor"] is None
    assert removed.json["history"][-1]["actor"] == "satpolpp test"  # officers' moves stay named
    got = client.get(f"/api/reports/{rid}", headers=h(tokens["satpolpp"]))
    assert "Ani Rahasia" not in got.get_data(as_text=True) and "field test" not in got.get_data(as_text=True)


# -- 2. idempotency keys belong to the token that used them -----------------------------------------

def test_another_tokens_key_neither_finds_nor_names_its_report(world):
    client, tokens, store = world
    first = client.post("/api/reports", json=report(note="A"), headers=h(tokens["field"], **{"Idempotency-Key": "k-1"}))
    assert first.status_code == 201
    mine = first.json["id"]
    same = client.post("/api/reports", json=report(note="A"), headers=h(tokens["field2"], **{"Idempotency-Key": "k-1"}))
    other = client.post("/api/reports", json=report(note="B"), headers=h(tokens["field2"], **{"Idempotency-Key": "k-1"}))
    assert same.status_code == 201 and same.json["id"] != mine          # its own, new report
    assert other.status_code == 409 and mine not in other.get_data(as_text=True)  # its own key reused
    again = client.post("/api/reports", json=report(note="A"), headers=h(tokens["field"], **{"Idempotency-Key": "k-1"}))
    assert again.status_code == 200 and again.json["id"] == mine and again.headers["Idempotent-Replayed"] == "true"
    assert store.count_reports() == 2
    # a client id another token already used: refused without saying whose
    taken = client.post("/api/reports", json=report(id=mine), headers=h(tokens["field2"]))
    assert_problem(taken, 409, "id")


def test_store_keys_are_scoped_to_the_token(store):
    a = store.submit(report(), idempotency_key="same", token_id=1)
    b = store.submit(report(), idempotency_key="same", token_id=2)
    assert a.created and b.created and a.report["id"] != b.report["id"]
    assert store.submit(report(), idempotency_key="same", token_id=2).report["id"] == b.report["id"]


@pytest.fixture()
def fresh_url(store_url, tmp_path):
    """An empty database of the backend under test: a SQLite file, or a new PostgreSQL database
    on the PostGIS server (dropped afterwards)."""
    if store_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    name = f"zonasi_migrate_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(store_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        yield sa.make_url(store_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
        admin.dispose()


def test_migration_0003_keeps_reports_and_scopes_keys(fresh_url, tmp_path, engine):
    """A database at 0002 with a report, its history and a re-judgement migrates to 0003: every
    row kept (foreign keys intact), the old key in the '' scope, per-token keys after; an EXIF
    accuracy stored as NaN (PostgreSQL) or 4.29e9 m becomes NULL."""
    store = Store(fresh_url, engine, tmp_path / "photos")
    try:
        store.migrator.upgrade("0002")
        now = "2024-01-10 02:00:00"
        with store.db.begin() as connection:
            connection.exec_driver_sql(
                "INSERT INTO reports (id, idempotency_key, request_hash, apk_type, lon, lat, location_source, "
                "reported_at, received_at, status, status_at, verdict, verdict_status, uncertain, rules_version, "
                f"layers_version) VALUES ('{uuid.UUID(int=1)}', 'old-key', 'h', 'baliho', 108.32, -6.33, 'report', "
                f"'{now}', '{now}', 'reported', '{now}', '{{}}', 'violation', false, 'r1', 'l1')")
            nan = "'NaN'" if store.backend == "postgresql" else "4294967295.0"  # SQLite stores NaN as NULL
            connection.exec_driver_sql(
                "INSERT INTO reports (id, request_hash, apk_type, lon, lat, accuracy_m, location_source, "
                "reported_at, received_at, status, status_at, verdict, verdict_status, uncertain, rules_version, "
                f"layers_version) VALUES ('{uuid.UUID(int=2)}', 'h', 'baliho', 108.32, -6.33, {nan}, 'exif', "
                f"'{now}', '{now}', 'reported', '{now}', '{{}}', 'violation', false, 'r1', 'l1')")
            connection.exec_driver_sql(
                f"INSERT INTO report_events (report_id, to_status, actor, at) VALUES ('{uuid.UUID(int=1)}', "
                f"'reported', 'x', '{now}')")
            connection.exec_driver_sql(
                "INSERT INTO report_verdicts (report_id, judged_at, rules_version, layers_version, verdict, "
                f"verdict_status, uncertain, previous_status, changed) VALUES ('{uuid.UUID(int=1)}', '{now}', "
                "'r2', 'l1', '{}', 'ok', false, 'violation', true)")
        store.migrate()
        assert store.migrator.current() == store.migrator.head()
        with store.db.connect() as connection:
            assert connection.exec_driver_sql("SELECT idempotency_scope, idempotency_key, accuracy_m FROM reports "
                                              "ORDER BY id").all() == [("", "old-key", None), ("", None, None)]
            assert connection.exec_driver_sql("SELECT count(*) FROM report_events").scalar() == 1
            assert connection.exec_driver_sql("SELECT count(*) FROM report_verdicts").scalar() == 1
            if store.backend == "sqlite":
                assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with store.db.connect() as connection, pytest.raises(sa.exc.IntegrityError):  # the CHECKs survived
            connection.exec_driver_sql(f"UPDATE reports SET status = 'gone' WHERE id = '{uuid.UUID(int=1)}'")
        a = store.submit(report(), idempotency_key="old-key", token_id=7)
        b = store.submit(report(), idempotency_key="old-key", token_id=8)
        assert a.created and b.created and len({a.report["id"], b.report["id"], str(uuid.UUID(int=1))}) == 3
        assert store.list_reports(limit=None)[1] == 4  # the old rows read back (no NaN in the page)
    finally:
        store.dispose()


# -- 3. the audit trail records the token, not what the client says --------------------------------

def test_history_actor_is_the_token_and_the_clients_word_is_a_note(world):
    client, tokens, store = world
    rid = client.post("/api/reports", json=report(), headers=h(tokens["field"])).json["id"]
    moved = client.post(f"/api/reports/{rid}/transitions", json={"status": "verified", "actor": "Ketua KPU"},
                        headers=h(tokens["bawaslu"]))
    assert moved.status_code == 200
    event = moved.json["history"][-1]
    assert event["actor"] == "bawaslu test" and event["actor_note"] == "Ketua KPU"
    assert moved.json["history"][0]["actor"] == "field test"
    bawaslu_id = store.tokens.authenticate(tokens["bawaslu"]).id
    with store.db.connect() as connection:
        rows = connection.exec_driver_sql("SELECT to_status, actor, token_id FROM report_events ORDER BY id").all()
    assert [tuple(r) for r in rows] == [("reported", "field test", store.tokens.authenticate(tokens["field"]).id),
                                        ("verified", "bawaslu test", bawaslu_id)]


# -- 4. text the databases cannot store ---------------------------------------------------------------

@pytest.mark.parametrize("bad", ["\\ud800", "a\\u0000b", "\\udfff tail"])
@pytest.mark.parametrize("field", ["note", "participant", "reporter"])
def test_nul_and_lone_surrogates_are_input_errors(world, field, bad):
    client, tokens, store = world
    body = json.dumps(report()).replace('"reported_at"', f'"{field}": "{bad}", "reported_at"', 1)
    if field in ("participant", "reporter"):
        data = report()
        data.pop(field)
        body = json.dumps(data)[:-1] + f', "{field}": "{bad}"}}'
    r = h(tokens["field"], **{"Content-Type": "application/json"})
    assert_problem(client.post("/api/reports", data=body, headers=r), 400, field)
    assert store.count_reports() == 0


@pytest.mark.parametrize("bad", ["\\ud800", "x\\u0000"])
def test_nul_and_lone_surrogates_in_transitions(world, bad):
    client, tokens, store = world
    rid = client.post("/api/reports", json=report(), headers=h(tokens["field"])).json["id"]
    for field in ("note", "actor"):
        body = '{"status": "verified", "%s": "%s"}' % (field, bad)
        got = client.post(f"/api/reports/{rid}/transitions", data=body,
                          headers=h(tokens["bawaslu"], **{"Content-Type": "application/json"}))
        assert_problem(got, 400, field)
    assert store.get_report(rid)["status"] == "reported"


def test_bad_text_message_in_indonesian(world):
    client, tokens, _ = world
    body = json.dumps(report())[:-1] + ', "note": "\\ud800"}'
    got = client.post("/api/reports", data=body, headers=h(tokens["field"], **{"Content-Type": "application/json"}))
    assert "tidak dapat disimpan" in assert_problem(got, 400, "note")["detail"]


# -- 5. extreme dates with an offset ---------------------------------------------------------------

EXTREMES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"]


@pytest.mark.parametrize("when", EXTREMES)
def test_extreme_dates_are_input_errors(world, when):
    client, tokens, _ = world
    assert_problem(client.post("/api/reports", json=report(reported_at=when), headers=h(tokens["field"])),
                   400, "reported_at")
    for path in ("/api/reports", "/api/violations.geojson", "/api/violations.csv"):
        for name in ("since", "until"):
            got = client.get(path, query_string={name: when}, headers=h(tokens["admin"]))
            assert got.status_code == 400 and got.mimetype == "application/problem+json", (path, name)


def test_a_time_with_no_local_date_is_an_input_error(world):
    """9999-12-31T20:00Z is a UTC time, but in the year 10000 in WIB, where the check takes its date."""
    client, tokens, _ = world
    got = client.post("/api/reports", json=report(reported_at="9999-12-31T20:00:00Z"), headers=h(tokens["field"]))
    assert "WIB" in assert_problem(got, 400, "reported_at")["detail"]
    answer = client.get("/api/check", query_string={"lat": -6.33, "lon": 108.32, "at": "9999-12-31T20:00:00Z"})
    assert answer.status_code == 400 and answer.json["parameter"] == "at"


def test_parse_time_converts_to_utc_and_keeps_the_edges_that_fit():
    assert parse_time("0001-01-01T00:00:00-01:00", "t").isoformat() == "0001-01-01T01:00:00+00:00"
    assert parse_time("9999-12-31T22:00:00-01:00", "t").isoformat() == "9999-12-31T23:00:00+00:00"
    assert parse_time("2024-01-10T09:00:00+07:00", "t").isoformat() == "2024-01-10T02:00:00+00:00"


def test_extreme_dates_that_fit_are_stored(store):
    sub = store.submit(report(reported_at="0001-01-01T00:00:00-01:00"))
    assert sub.report["reported_at"] == "0001-01-01T01:00:00Z"
    assert store.get_report(sub.report["id"])["reported_at"] == "0001-01-01T01:00:00Z"


# -- 6. EXIF values held to the API's ranges -------------------------------------------------------

def exif_photo(accuracy) -> bytes:
    lon, lat = VIOLATION
    exif = Image.Exif()
    exif[0x8825] = {1: "S", 2: (6.0, 19.0, 48.0), 3: "E", 4: (108.0, 19.0, 12.0), 31: accuracy}
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 200, 10)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


@pytest.mark.parametrize("accuracy", [IFDRational(0, 0), IFDRational(4294967295, 1),
                                      IFDRational(100_001, 1)])
def test_exif_accuracy_out_of_range_is_dropped_and_never_nan(world, accuracy):
    client, tokens, store = world
    form = {"apk_type": "spanduk", "reported_at": "2024-01-12",
            "photo": (io.BytesIO(exif_photo(accuracy)), "IMG.jpg", "image/jpeg")}
    sent = client.post("/api/reports", data=form, headers=h(tokens["field"]), content_type="multipart/form-data")
    assert sent.status_code == 201, sent.data
    body = strict_json(sent.data)
    assert body["location_source"] == "exif" and body["accuracy_m"] is None
    listed = client.get("/api/reports", headers=h(tokens["bawaslu"]))
    assert listed.status_code == 200 and strict_json(listed.data)["numberMatched"] == 1
    ogc = client.get("/ogc/collections/reports/items", headers=h(tokens["bawaslu"]))
    assert ogc.status_code == 200 and strict_json(ogc.data)["numberMatched"] == 1
    with store.db.connect() as connection:
        assert connection.exec_driver_sql("SELECT accuracy_m FROM reports").scalar() is None


def test_exif_accuracy_in_range_is_kept(store):
    sub = store.submit({"apk_type": "baliho"}, photo=exif_photo(IFDRational(7, 2)))
    assert sub.report["accuracy_m"] == 3.5


def test_store_refuses_nan_whatever_the_caller(store):
    from geo.errors import InputError
    from geo.store import ReportInput

    with pytest.raises(InputError):
        store.submit(ReportInput(apk_type="baliho", lon=VIOLATION[0], lat=VIOLATION[1], accuracy_m=float("nan")))
    assert store.count_reports() == 0


# -- 7. photos are decoded, within a pixel limit ---------------------------------------------------

def jpeg_claiming(width: int, height: int) -> bytes:
    """A tiny real JPEG whose frame header (SOF0) is patched to claim ``width`` x ``height``."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(data)


def cut_jpeg() -> bytes:
    """A real noisy JPEG cut short in its scan data (its headers are whole)."""
    rng = random.Random(1)
    image = Image.frombytes("RGB", (256, 256), bytes(rng.getrandbits(8) for _ in range(256 * 256 * 3)))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=95)
    data = buffer.getvalue()
    return data[:len(data) * 6 // 10]


def huge_png() -> bytes:
    """169 Mpx (13,000 x 13,000, one bit per pixel) in a small PNG."""
    buffer = io.BytesIO()
    Image.new("1", (13_000, 13_000)).save(buffer, "PNG")
    return buffer.getvalue()


def post_photo(client, token, data: bytes, name="p.jpg"):
    form = {"apk_type": "baliho", "lon": str(VIOLATION[0]), "lat": str(VIOLATION[1]),
            "photo": (io.BytesIO(data), name)}
    return client.post("/api/reports", data=form, headers=h(token), content_type="multipart/form-data")


def test_photos_over_the_pixel_limit_or_cut_short_are_refused(world):
    client, tokens, store = world
    header = jpeg_claiming(13_000, 13_000)
    assert len(header) < 1000
    assert_problem(post_photo(client, tokens["field"], header), 413, "photo")
    png = huge_png()
    assert len(png) < 10 * 1024 * 1024
    assert_problem(post_photo(client, tokens["field"], png, "p.png"), 413, "photo")
    assert_problem(post_photo(client, tokens["field"], cut_jpeg()), 400, "photo")
    assert store.count_reports() == 0
    assert [p for p in store.photos.root.rglob("*") if p.is_file()] == []
    assert post_photo(client, tokens["field"], photo()).status_code == 201


def test_pixel_limit_is_a_setting(store_settings, engine):
    settings = replace(store_settings, max_photo_pixels=1_000)
    with Store.from_settings(settings, engine) as store:
        store.submit(report(), photo=photo(size=(40, 25)))   # exactly 1,000 px
        with pytest.raises(Exception) as refused:
            store.submit(report(), photo=photo(size=(40, 26)))
        assert refused.value.status == 413 and refused.value.details["field"] == "photo"
        assert "1,040" not in refused.value.message and "40 x 26 px" in refused.value.message


# -- 8. a full disk is a 507 with Retry-After and leaves nothing behind ----------------------------

FSIZE_CHILD = textwrap.dedent('''
    import io, json, random, resource, signal, sys
    from pathlib import Path
    from PIL import Image
    from geo import Engine, load_layers
    from geo.config import Settings
    from geo.layers.directory import bundled_layers_dir
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart
    from webmap import create_app

    instance, url = Path(sys.argv[1]), sys.argv[2]
    app = create_app(Settings(instance_dir=instance, database_url=url), engine=Engine(load_layers(bundled_layers_dir())))
    store = app.extensions["zonasi"].store
    token = store.tokens.create("field", "full disk")         # migrated and written before the limit
    rng = random.Random(2)

    def noise(side):
        image = Image.frombytes("RGB", (side, side), bytes(rng.getrandbits(8) for _ in range(side * side * 3)))
        buffer = io.BytesIO()
        image.save(buffer, "PNG")
        return buffer.getvalue()
    # 120 KB: parsed in memory, fails when the photo is written; 600 KB: werkzeug spools the
    # upload to a temporary file first (over 500 KB), which fails already
    photos = [noise(200), noise(450)]
    assert 100_000 < len(photos[0]) < 500_000 < len(photos[1])
    bodies = []  # encoded in memory now: the test client would spool a large body to a file itself
    for data in photos:
        form = {"apk_type": "baliho", "lon": "108.32", "lat": "-6.33", "photo": FileStorage(io.BytesIO(data), "big.png", content_type="image/png")}
        bodies.append(encode_multipart(form))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)              # else the kernel kills us instead of EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (65_536, resource.RLIM_INFINITY))
    for boundary, body in bodies:
        r = app.test_client().post("/api/reports", data=body, headers={"Authorization": "Bearer " + token},
                                   content_type=f"multipart/form-data; boundary={boundary}")
        print(json.dumps({"status": r.status_code, "type": r.mimetype, "retry": r.headers.get("Retry-After"),
                          "body": r.get_json()}))
''')


def test_photo_write_on_a_full_disk_is_507_and_leaves_no_file(store_url, tmp_path):
    """A real write limit, not a mock: the child process sets RLIMIT_FSIZE to 64 KiB (with SIGXFSZ
    ignored, so writing past it fails with EFBIG, as a full disk fails with ENOSPC) after the
    database and token were written, then posts a 120 KB photo (written by the photo store) and
    a 600 KB one (spooled to a temporary file by werkzeug first). A tmpfs mount would need root
    and a mount namespace that CI may not give; the file-size limit needs neither."""
    instance = tmp_path / "instance"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", FSIZE_CHILD, str(instance), store_url], capture_output=True,
                          text=True, env=env, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    answers = [json.loads(line) for line in done.stdout.strip().splitlines()[-2:]]
    for answer in answers:
        assert answer["status"] == 507 and answer["type"] == "application/problem+json" and answer["retry"]
        assert answer["body"]["status"] == 507
    assert [p for p in (instance / "photos").rglob("*") if p.is_file()] == []  # no temp file, no photo
    with Store(store_url, None, instance / "photos") as store:
        assert store.count_reports() == 0


def test_database_full_is_507_and_removes_the_photo(tmp_path, engine):
    """SQLite's own page limit (PRAGMA max_page_count, set on every connection of the store's
    real engine) makes the insert fail with SQLITE_FULL, 'database or disk is full', after the
    photo was written: the answer is 507 and the photo is gone. (PostgreSQL's disk_full, SQLSTATE
    53100, takes the same path through geo.store.faults.is_full; filling a real PostgreSQL disk
    needs a tablespace on a tiny filesystem, which the test machine cannot mount portably.)"""
    app = create_app(Settings(instance_dir=tmp_path / "instance"), engine=engine)
    app.config["TESTING"] = True
    store = app.extensions["zonasi"].store
    token = store.tokens.create("field", "db full")
    client = app.test_client()
    for i in range(3):
        assert client.post("/api/reports", json=report(note=f"n{i}"), headers=h(token)).status_code == 201
    with store.db.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
    store.db.dispose()
    sa.event.listen(store.db, "connect",
                    lambda dbapi, _: dbapi.execute(f"PRAGMA max_page_count = {int(pages)}"))
    big = {"apk_type": "baliho", "lon": str(VIOLATION[0]), "lat": str(VIOLATION[1]), "note": "x" * 4000,
           "photo": (io.BytesIO(photo()), "p.jpg")}
    got = None
    for _ in range(20):  # a page or two may still be free: fill them until the database is full
        big["photo"] = (io.BytesIO(photo()), "p.jpg")
        got = client.post("/api/reports", data=big, headers=h(token), content_type="multipart/form-data")
        if got.status_code != 201:
            break
    assert_problem(got, 507)
    assert int(got.headers["Retry-After"]) > 0
    stored = {r["id"] for r in store.list_reports(limit=None, private=True)[0] if r["has_photo"]}
    files = [p for p in store.photos.root.rglob("*") if p.is_file()]
    assert len(files) == len(stored)            # the failed report's photo was removed
    assert all(not p.name.startswith(".") for p in files)
    rid = store.list_reports(limit=1)[0][0]["id"]
    assert client.get(f"/api/reports/{rid}", headers=h(token)).status_code == 200
    store.dispose()


def test_storage_full_is_a_507_unavailable():
    error = StorageFull("full")
    assert error.status == 507 and error.retry_after > 0


# -- 9. /api/stats counts in SQL ------------------------------------------------------------------

def seed_many(store: Store, engine, n: int) -> None:
    """``n`` reports: a few real submissions, copied in one transaction with varied status, type,
    category and regency (the copies need no verdict of their own for counting)."""
    from geo.store.models import Report

    points = [VIOLATION, ALLOWED, (107.6, -6.9), (106.8, -6.2), (110.4, -7.0)]
    seeds = [store.submit(report(lonlat=p, reported_at="2024-01-10")).report["id"] for p in points]
    with store.db.connect() as connection:
        rows = [dict(r) for r in connection.execute(sa.select(Report.__table__).where(Report.id.in_(seeds)))
                .mappings()]
    rng = random.Random(13)
    copies = []
    for i in range(n - len(rows)):
        row = dict(rng.choice(rows))
        row.pop("geog", None)
        row.update(id=str(uuid.UUID(int=rng.getrandbits(128))), idempotency_key=None,
                   status=rng.choice(["reported", "verified", "dismissed", "notified", "removed"]),
                   apk_type=rng.choice(["baliho", "spanduk", "poster", "bendera"]),
                   category=rng.choice([None, "school", "worship", "health", "government", ""]))
        if i % 7 == 0:
            code = rng.choice([None, "", "32.01", "32.73"])
            row.update(regency_code=code, regency_name={"32.01": "Kabupaten Bogor", "32.73": "Kota Bandung"}.get(code))
        copies.append(row)
    with store.db.begin() as connection:
        connection.execute(sa.insert(Report.__table__), copies)


def test_stats_in_sql_equal_the_python_counts(store, engine):
    seed_many(store, engine, 3000)
    rows, matched = store.list_reports(limit=None)
    assert matched == 3000
    assert grouped_report_counts(store.report_groups()) == report_counts(rows)


def test_api_stats_fetches_no_report_rows(world):
    client, tokens, store = world
    for lonlat in (VIOLATION, ALLOWED):
        client.post("/api/reports", json=report(lonlat=lonlat), headers=h(tokens["field"]))
    with statements(store) as seen:
        body = client.get("/api/stats", headers=h(tokens["bawaslu"])).json
    assert body["reports"]["total"] == 2 and body["reports"]["by_status"] == {"reported": 2}
    on_reports = [s for s in seen if "FROM reports" in s]
    # counted in the database: grouped counts, or one COUNT (the overdue total); never report rows
    assert on_reports and all("GROUP BY" in s or s.startswith("SELECT count(*)") for s in on_reports), on_reports
    assert any("GROUP BY lower(trim(reports.participant))" in s for s in on_reports)   # per participant (#19)


# -- 10. violations exports count before they fetch ------------------------------------------------

@pytest.mark.parametrize("fmt", ["geojson", "csv", "kml", "gpkg"])
def test_violations_export_refuses_before_fetching(store_settings, engine, fmt):
    app = create_app(replace(store_settings, max_web_rows=1), engine=engine)
    app.config["TESTING"] = True
    store = app.extensions["zonasi"].store
    try:
        token = store.tokens.create("satpolpp", "regu")
        for note in ("a", "b"):
            store.submit(report(note=note))
        client = app.test_client()
        with statements(store) as seen:
            got = client.get(f"/api/violations.{fmt}", headers=h(token))
        assert_problem(got, 400)
        selects = [s for s in seen if "FROM reports" in s]
        assert selects and all(s.startswith("SELECT count(*)") for s in selects), selects
        # within the limit the export still comes
        ok = client.get(f"/api/violations.{fmt}", headers=h(token), query_string={"since": "2030-01-01"})
        assert ok.status_code == 200 and ok.headers["X-Total-Count"] == "0"
    finally:
        store.dispose()


@pytest.mark.postgis
@pytest.mark.parametrize("store_url", ["postgis"], indirect=True)
def test_postgresql_disk_full_is_507_and_removes_the_photo(store_settings, engine):
    """PostgreSQL's disk_full (SQLSTATE 53100), raised by the real server from a trigger on the
    insert (filling its disk would need a tablespace on a tiny mount): 507, the photo removed."""
    app = create_app(store_settings, engine=engine)
    app.config["TESTING"] = True
    store = app.extensions["zonasi"].store
    token = store.tokens.create("field", "pg full")
    try:
        with store.db.begin() as connection:
            connection.exec_driver_sql(
                "CREATE FUNCTION zonasi_test_full() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$")
            connection.exec_driver_sql("CREATE TRIGGER zonasi_test_full BEFORE INSERT ON reports "
                                       "FOR EACH ROW EXECUTE FUNCTION zonasi_test_full()")
        form = {"apk_type": "baliho", "lon": str(VIOLATION[0]), "lat": str(VIOLATION[1]),
                "photo": (io.BytesIO(photo()), "p.jpg")}
        got = app.test_client().post("/api/reports", data=form, headers=h(token), content_type="multipart/form-data")
        assert_problem(got, 507)
        assert int(got.headers["Retry-After"]) > 0
        assert [p for p in store.photos.root.rglob("*") if p.is_file()] == []
    finally:
        with store.db.begin() as connection:
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS zonasi_test_full ON reports")
            connection.exec_driver_sql("DROP FUNCTION IF EXISTS zonasi_test_full()")
        store.dispose()
