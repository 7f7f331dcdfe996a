"""Restart safety on SQLite: a process SIGKILLed while it writes reports (with photos) or while it
migrates leaves a database that passes integrity_check, holds whole reports only (each with its
history event and its complete photo), and migrates and works again; an upload cut off halfway
leaves nothing behind."""
from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image
from werkzeug.serving import make_server

from geo.config import Settings
from geo.store import Store
from geo.store.database import Migrator
from webmap import create_app
from zonasi.testing.reports import photo, report

WRITER = r"""
import itertools
from pathlib import Path
from geo import Engine
from geo.store import Store
from zonasi.testing.reports import photo, report
store = Store({url!r}, Engine.from_directory(None), Path({photos!r}))
image = photo(size=(640, 480))
print("writing", flush=True)
for i in itertools.count():
    store.submit(report(note="kill %d" % i), photo=image if i % 2 else None, idempotency_key="k-%s-%d" % ({tag!r}, i))
"""

MIGRATOR = r"""
import time, sqlalchemy as sa
from geo.store.database import Migrator, create_engine
db = create_engine({url!r})
@sa.event.listens_for(db, "before_cursor_execute")
def slow(*args):
    time.sleep(0.02)   # widen the window: every statement of the migration takes a while
print("migrating", flush=True)
Migrator(db).upgrade()
print("migrated", flush=True)
"""


def run_until(script: str, ready: str, then_wait: float) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    if line.strip() != ready:
        _, err = child.communicate(timeout=30)
        raise AssertionError(f"the child did not start: {err}")
    time.sleep(then_wait)
    child.send_signal(signal.SIGKILL)
    child.rest_of_output, _ = child.communicate(timeout=30)   # reaps it and closes its pipes
    return child


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


@pytest.mark.slow
def test_sqlite_survives_sigkill_while_reports_and_photos_are_written(tmp_path, engine):
    settings = Settings(instance_dir=tmp_path / "instance")
    with Store.from_settings(settings, engine) as store:
        store.migrate()
    photos = settings.instance_dir / "photos"
    for round_, wait in enumerate((1.5, 2.5)):
        run_until(WRITER.format(url=settings.effective_database_url, photos=str(photos), tag=round_),
                  "writing", wait)
        assert integrity(settings.sqlite_path) == "ok"
    with sqlite3.connect(settings.sqlite_path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        rows = db.execute("SELECT id, photo_path FROM reports").fetchall()
        events = dict(db.execute("SELECT report_id, count(*) FROM report_events GROUP BY report_id").fetchall())
    assert len(rows) > 10, "the writer should have stored reports before the kill"
    assert all(events.get(rid) == 1 for rid, _ in rows), "a report without its history event"
    for _, rel in rows:
        if rel:
            with Image.open(photos / rel) as image:   # complete, decodable photos only
                image.load()
                assert image.size == (640, 480)
    # a temporary photo a killed writer left is removed once it is stale; the store works again
    leftovers = list(photos.glob("*/.*.tmp"))
    with Store.from_settings(settings, engine) as store:
        store.photos.sweep(older_than=0)
        assert list(photos.glob("*/.*.tmp")) == []
        again = store.submit(report(note="after the kills"), photo=photo())
        assert again.created and store.get_report(again.report["id"])["note"] == "after the kills"
    assert len(leftovers) <= 2


@pytest.mark.slow
@pytest.mark.parametrize("wait", [0.0, 0.15, 0.4])
def test_sqlite_survives_sigkill_during_a_migration(tmp_path, engine, wait):
    settings = Settings(instance_dir=tmp_path / "instance")
    settings.instance_dir.mkdir(parents=True)
    child = run_until(MIGRATOR.format(url=settings.effective_database_url), "migrating", wait)
    assert child.returncode == -signal.SIGKILL
    assert "migrated" not in child.rest_of_output, "the kill came too late to test anything"
    assert integrity(settings.sqlite_path) == "ok"
    with sqlite3.connect(settings.sqlite_path) as db:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    # killed mid-migration: the migration's one transaction was never committed, nothing of it stays
    assert tables <= {"alembic_version"}, tables
    with Store.from_settings(settings, engine) as store:
        store.migrate()
        assert store.migrator.current() == Migrator.head()
        assert store.submit(report()).created


# Werkzeug's form parser drops the half-read part's SpooledTemporaryFile to the garbage collector
# when the client vanishes (an in-memory buffer, or an already unlinked temporary file: nothing on
# disk); its ResourceWarning is not this test's subject.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_upload_cut_off_halfway_leaves_nothing_behind(tmp_path, engine):
    settings = Settings(instance_dir=tmp_path / "instance")
    app = create_app(settings, engine=engine)
    store = app.extensions["zonasi"].store
    token = store.tokens.create("field", "cut off")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        image = photo(size=(800, 600))
        body = (b"--b\r\nContent-Disposition: form-data; name=\"apk_type\"\r\n\r\nbaliho\r\n"
                b"--b\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n"
                b"Content-Type: image/jpeg\r\n\r\n" + image + b"\r\n--b--\r\n")
        head = (f"POST /api/reports HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer {token}\r\n"
                f"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: {len(body)}\r\n\r\n").encode()
        with socket.create_connection(("127.0.0.1", server.server_port)) as sock:
            sock.sendall(head + body[: len(body) // 2])   # then the client vanishes
        time.sleep(1.0)
    finally:
        server.shutdown()
        server.server_close()
    photos = settings.instance_dir / "photos"
    assert store.counts() == {}
    assert not photos.exists() or [p for p in photos.rglob("*") if p.is_file()] == []
    store.dispose()
