"""The database goes away under a running node: every request that needs it answers 503
problem+json with Retry-After in the caller's language (never a 500, never a claimed success), a
CLI command says the same and exits non-zero, and once the database is back the same report with
the same Idempotency-Key is stored exactly once. A database host that accepts the connection and
then says nothing gives a 503 after the store's connect timeout instead of a request hanging for
the driver's default of about two minutes.

The PostGIS of a test is stopped and started again on the same port with its data kept (pg_ctl on
the directory ``scripts/postgis.sh`` made). The join bounds of the silent-host tests only keep a
regression from hanging the run: they are far above the timeouts they guard.
"""
from __future__ import annotations

import os
import socket
import subprocess
import threading
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from geo.errors import Unavailable
from geo.i18n import Catalog
from geo.store import Store
from tests.conftest import settings_for_tests
from zonasi.testing.server import ZONASI, ZonasiServer

REPORT = {"apk_type": "baliho", "lon": 108.32, "lat": -6.33, "participant": "Partai Contoh"}
PROBLEM = "application/problem+json"
GENEROUS_S = 60   # a bound for "answers at all": far above every timeout below


# -- a PostGIS stopped and started again on the same port -------------------------------------------

def _pg_ctl() -> str:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]), reverse=True)
    return str(found[0]) if found else "pg_ctl"


def _as_pg(*args: str) -> None:
    command = ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)
    subprocess.run(command, check=True, capture_output=True)


def halt(server) -> None:
    """Stop the PostGIS of ``server`` (an OwnPostGIS), keeping its data and port."""
    _as_pg(_pg_ctl(), "-D", f"{server.directory}/data", "-m", "fast", "-w", "stop")


def resume(server) -> None:
    """Start the PostGIS of ``server`` again, on the same port with the same data."""
    root = server.directory
    port = Path(root, "port").read_text().strip()
    _as_pg(_pg_ctl(), "-D", f"{root}/data", "-l", f"{root}/server.log", "-w", "-t", "60", "-o",
           f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off -c max_connections=200", "start")


# -- what a 503 must look like ------------------------------------------------------------------------

def assert_unavailable(response, lang: str, key: str = "store.unavailable") -> None:
    """A 503 problem+json with Retry-After whose detail is the catalog's ``key`` in ``lang``."""
    assert response.status_code == 503, response.text
    assert response.headers["Content-Type"].startswith(PROBLEM)
    assert int(response.headers["Retry-After"]) >= 1
    body = response.json() if callable(response.json) else response.json   # httpx's or Flask's
    assert body["status"] == 503 and body["type"] == "about:blank#unavailable"
    assert body["detail"] == Catalog().get(key, lang)


def test_the_messages_differ_by_language():
    """The id and en texts are both in the catalog, and are not the same text (else the language
    checks below could not fail)."""
    catalog = Catalog()
    for key in ("store.unavailable", "store.busy"):
        assert catalog.get(key, "id") != catalog.get(key, "en")
        assert key not in (catalog.get(key, "id"), catalog.get(key, "en"))


@pytest.mark.postgis
def test_reports_answer_503_while_the_database_is_down_and_the_retry_stores_one(own_postgis, tmp_path):
    node = ZonasiServer(tmp_path / "instance", database_url=own_postgis.url, workers=1)
    key = f"outage-{uuid.uuid4()}"
    with node:
        field = {"Authorization": f"Bearer {node.token('field', 'outage field')}"}
        bawaslu = {"Authorization": f"Bearer {node.token('bawaslu', 'outage bawaslu')}"}
        # the worker's pool holds connections from before the outage (they go stale with it)
        assert httpx.get(f"{node.url}/api/reports", headers=bawaslu, timeout=GENEROUS_S).status_code == 200
        halt(own_postgis)
        for lang in ("id", "en"):
            r = httpx.post(f"{node.url}/api/reports?lang={lang}", json=REPORT,
                           headers={**field, "Idempotency-Key": key}, timeout=GENEROUS_S)
            assert_unavailable(r, lang)
            assert_unavailable(httpx.get(f"{node.url}/api/reports?lang={lang}", headers=bawaslu,
                                         timeout=GENEROUS_S), lang)
        # the command line says the same, in its language, and fails
        for lang, command in (("id", ("token", "list")), ("en", ("reports", "recheck", "--dry-run"))):
            done = subprocess.run([str(ZONASI), *command], env={**node.env, "ZONASI_LANGUAGE": lang},
                                  capture_output=True, text=True, timeout=GENEROUS_S)
            assert done.returncode != 0
            assert Catalog().get("store.unavailable", lang) in done.stderr
            assert "Traceback" not in done.stderr
        resume(own_postgis)
        first = httpx.post(f"{node.url}/api/reports", json=REPORT, headers={**field, "Idempotency-Key": key},
                           timeout=GENEROUS_S)
        assert first.status_code == 201, first.text
        again = httpx.post(f"{node.url}/api/reports", json=REPORT, headers={**field, "Idempotency-Key": key},
                           timeout=GENEROUS_S)
        assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
        assert again.json()["id"] == first.json()["id"]
    db = sa.create_engine(own_postgis.url)
    try:
        with db.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM reports").scalar() == 1
            assert connection.exec_driver_sql(
                "SELECT count(*) FROM report_events WHERE to_status = 'reported'").scalar() == 1
    finally:
        db.dispose()


@pytest.mark.postgis
def test_the_store_raises_unavailable_while_the_database_is_down(own_postgis, tmp_path, engine):
    """At the store boundary, for every caller (web, CLI, scripts): a submit, a read and a token
    check raise Unavailable, and nothing is half-stored: the retry creates the report once."""
    with Store(own_postgis.url, engine, tmp_path / "photos") as store:
        store.migrate()
        assert store.submit(REPORT, idempotency_key="before").created
        halt(own_postgis)
        for attempt in (lambda: store.submit(REPORT, idempotency_key="during"),
                        lambda: store.list_reports(None, 10, 0),
                        lambda: store.tokens.authenticate("some-token")):
            with pytest.raises(Unavailable) as raised:
                attempt()
            assert raised.value.message_id == "store.unavailable" and raised.value.retry_after >= 1
        resume(own_postgis)
        assert store.submit(REPORT, idempotency_key="during").created
        assert not store.submit(REPORT, idempotency_key="during").created
        assert store.list_reports(None, 10, 0)[1] == 2


@pytest.mark.postgis
def test_a_request_waits_for_a_pooled_connection_only_until_the_pool_timeout(own_postgis, tmp_path, engine):
    """Every connection of the worker's pool is busy (held here): the next request gets a 503
    ("busy") after the pool timeout instead of waiting 30 s (SQLAlchemy's default) and a 500."""
    from webmap import create_app

    app = create_app(settings_for_tests(instance_dir=tmp_path / "instance", database_url=own_postgis.url),
                     engine=engine)
    store = app.extensions["zonasi"].store
    token = store.tokens.create("bawaslu", "pool test")
    pool = store.db.pool
    held = [store.db.connect() for _ in range(pool.size() + pool._max_overflow)]
    try:
        answers = []
        asker = threading.Thread(target=lambda: answers.append(app.test_client().get(
            "/api/reports?lang=en", headers={"Authorization": f"Bearer {token}"})), daemon=True)
        asker.start()
        asker.join(timeout=GENEROUS_S)
        assert answers, "the request waited for a pooled connection past any sensible bound"
        assert_unavailable(answers[0], "en", key="store.busy")
    finally:
        for connection in held:
            connection.close()
        store.dispose()


# -- a database host that never answers -------------------------------------------------------------

def _silent_host():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)               # the kernel completes the handshake; nobody ever reads or answers
    return silent


def test_a_silent_database_host_gets_503_within_the_connect_timeout(engine, tmp_path):
    """The URL's own connect_timeout (2 s, libpq's least) is kept; the request then answers 503."""
    from webmap import create_app

    silent = _silent_host()
    port = silent.getsockname()[1]
    app = create_app(settings_for_tests(
        instance_dir=tmp_path / "instance",
        database_url=f"postgresql+psycopg://nobody@127.0.0.1:{port}/zonasi?connect_timeout=2"), engine=engine)
    answers = []

    def ask():
        client = app.test_client()
        for lang in ("id", "en"):
            answers.append((lang, client.get(f"/api/reports?lang={lang}", headers={"Authorization": "Bearer x"})))
            answers.append((lang, client.post(f"/api/reports?lang={lang}", json=REPORT,
                                              headers={"Authorization": "Bearer x", "Idempotency-Key": "k"})))

    asker = threading.Thread(target=ask, daemon=True)
    try:
        asker.start()
        asker.join(timeout=4 * GENEROUS_S)
    finally:
        silent.close()
    assert len(answers) == 4, "a request waited for a silent database instead of giving up"
    for lang, answer in answers:
        assert_unavailable(answer, lang)


def _connect_params(url: str, photos: Path) -> dict:
    """What the store's engine hands psycopg on connecting to ``url`` (a closed port: refused at
    once, nothing waits)."""
    seen: dict = {}
    with Store(url, None, photos) as store:
        sa.event.listen(store.db, "do_connect", lambda dialect, record, cargs, cparams: seen.update(cparams))
        with pytest.raises(Unavailable):
            store.tokens.authenticate("x")
    return seen


def test_the_store_sets_a_connect_timeout_unless_the_url_has_one(tmp_path):
    with socket.socket() as s:   # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql+psycopg://nobody@127.0.0.1:{port}/zonasi"
    assert 2 <= int(_connect_params(url, tmp_path)["connect_timeout"]) <= 10   # psycopg's own default: 130 s
    assert int(_connect_params(url + "?connect_timeout=17", tmp_path)["connect_timeout"]) == 17
    with Store(url, None, tmp_path) as store:
        assert 0 < store.db.pool.timeout() <= 10                      # SQLAlchemy's default: 30 s


def test_a_silent_host_without_a_timeout_of_its_own_gets_the_default(engine, tmp_path):
    """No connect_timeout in the URL: the store's default ends the wait (before: ~130 s)."""
    from webmap import create_app

    silent = _silent_host()
    port = silent.getsockname()[1]
    app = create_app(settings_for_tests(instance_dir=tmp_path / "instance",
                                        database_url=f"postgresql+psycopg://nobody@127.0.0.1:{port}/zonasi"),
                     engine=engine)
    answers = []
    asker = threading.Thread(target=lambda: answers.append(app.test_client().get(
        "/api/reports?lang=en", headers={"Authorization": "Bearer x"})), daemon=True)
    try:
        asker.start()
        asker.join(timeout=GENEROUS_S)
    finally:
        silent.close()
    assert answers, "a request waited for a silent database instead of giving up after the connect timeout"
    assert_unavailable(answers[0], "en")
