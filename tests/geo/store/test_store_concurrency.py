"""8 threads submit 100 reports each, resubmitting some (also each other's, at the same time):
every acknowledged report is stored exactly once, on SQLite and on PostGIS. (100 a thread: 8
threads started at once still race 15 of each other's keys each and resend 20 of their own; the
count changes nothing the test asserts.)"""
from __future__ import annotations

import threading
from collections import defaultdict

import pytest

from webmap import create_app
from zonasi.testing.reports import report

THREADS, PER_THREAD = 8, 100


@pytest.mark.slow
def test_concurrent_submissions_are_stored_exactly_once(store_settings, engine):
    app = create_app(store_settings, engine=engine)
    store = app.extensions["zonasi"].store
    token = store.tokens.create("field", "load test")
    acknowledged: dict[str, set[str]] = defaultdict(set)   # key -> report ids answered
    lock = threading.Lock()
    failures: list[str] = []
    start = threading.Barrier(THREADS)

    def work(t: int):
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        start.wait()
        for i in range(PER_THREAD):
            keys = [f"t{t}-{i}"]
            if i % 5 == 0:
                keys.append(keys[0])                          # the phone resends its own report
            if i % 7 == 0:
                keys.append(f"t{(t + 1) % THREADS}-{i}")      # ... and races another thread's key
            for key in keys:
                owner, n = key[1:].split("-")
                lon = 108.30 + int(owner) * 0.001 + int(n) * 1e-5    # the same body for the same key
                response = client.post("/api/reports", json=report((lon, -6.33), note=key),
                                       headers={**headers, "Idempotency-Key": key})
                if response.status_code in (200, 201):
                    with lock:
                        acknowledged[key].add(response.json["id"])
                else:
                    failures.append(f"{key}: {response.status_code} {response.get_data(as_text=True)[:200]}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert len(acknowledged) == THREADS * PER_THREAD
    assert all(len(ids) == 1 for ids in acknowledged.values()), "a key got two different reports"
    rows, matched = store.list_reports(limit=None)
    assert matched == THREADS * PER_THREAD == len(rows)
    stored = {row["id"]: row["note"] for row in rows}
    assert {key: next(iter(ids)) for key, ids in acknowledged.items()} == {note: rid for rid, note in stored.items()}
    with store.db.connect() as connection:
        events = connection.exec_driver_sql("SELECT count(*) FROM report_events").scalar_one()
    store.dispose()
    assert events == THREADS * PER_THREAD   # one 'reported' event per report, none for resubmissions
