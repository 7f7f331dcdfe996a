"""`zonasi serve`: the production server (gunicorn) migrates once, then answers with several
workers; and the engine it shares between threads is safe to use from many at once."""
from __future__ import annotations

import os
import random
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from store_helpers import report

sys.path.append(str(Path(__file__).resolve().parent.parent / "bench"))  # appended: bench/layers.py must not shadow layers
from serverproc import ZonasiServer  # noqa: E402


def test_engine_is_safe_from_many_threads(engine):
    errors, results = [], {}

    def work(seed):
        rng = random.Random(seed)
        try:
            for _ in range(150):
                lon, lat = rng.uniform(106.5, 108.6), rng.uniform(-7.0, -6.0)
                results[(seed, lon, lat)] = engine.check(lon, lat).status
        except Exception as exc:  # noqa: BLE001 - any failure in a thread fails the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(results) == 8 * 150
    for (seed, lon, lat), status in list(results.items())[::50]:
        assert engine.check(lon, lat).status == status


def _stop(server: ZonasiServer) -> None:
    server.stop()
    log = server.log_text()
    assert "Traceback" not in log and "SIGSEGV" not in log, log[-3000:]


@pytest.mark.slow
@pytest.mark.parametrize("worker_class", ["gevent", "gthread"])
def test_serve_runs_gunicorn_with_migrations(tmp_path, store_url, worker_class, engine):
    server = ZonasiServer(tmp_path / "instance", database_url=store_url, workers=2, worker_class=worker_class,
                          threads=4)
    token = server.token("admin", "e2e")
    server.start()
    try:
        with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client:
            ids = set()
            for _ in range(6):  # keep-alive requests land on both workers
                r = client.post("/api/reports", json=report(), headers={"Idempotency-Key": "e2e-1"})
                assert r.status_code in (200, 201), r.text
                ids.add(r.json()["id"])
            assert len(ids) == 1
            report_id = ids.pop()
            assert client.get(f"/api/reports/{report_id}").json()["verdict_status"] == "violation"
            # the long routes (run in a thread of their own under gevent) answer as in-process
            exported = client.get("/api/violations.geojson").json()
            assert [f["properties"]["id"] for f in exported["features"]] == [report_id], exported
            assert client.get("/api/violations.csv").text.count("\n") == 2
            data = _points_csv(2_000)
            r = client.post("/api/validate", files={"file": ("laporan.csv", data)})
            assert r.status_code == 200, r.text
            assert r.content == _validate_in_process(engine, data)
            r = client.post("/api/validate", files={"file": ("laporan.csv", b"x" * (40 << 20))})
            assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
            page = client.get("/ogc/collections/sites/items", params={"limit": 2000}).json()
            assert page["numberReturned"] == 2000 and len(page["features"]) == 2000
            assert client.get("/collections/regencies/items/32.12").json()["id"] == "32.12"
            zones = client.get("/api/zones.geojson", params={"regency": "32.12"})
            assert zones.status_code == 200 and zones.json()["features"]
            assert client.get("/api/zones.geojson", params={"regency": "32.12"},
                              headers={"If-None-Match": zones.headers["etag"]}).status_code == 304
        _assert_connections_spread(server.process.pid, server.port)
    finally:
        _stop(server)


@pytest.mark.slow
@pytest.mark.parametrize("worker_class", ["gevent", "gthread"])
def test_a_long_request_does_not_hold_up_short_ones(tmp_path, worker_class):
    """One worker: while it validates a large CSV, its other connections are still answered."""
    server = ZonasiServer(tmp_path / "instance", workers=1, worker_class=worker_class)
    server.start()
    base = server.url
    data = _points_csv(60_000)
    upload_done = threading.Event()
    checks_during_upload = []

    def upload():
        try:
            r = httpx.post(f"{base}/api/validate", files={"file": ("laporan.csv", data)}, timeout=120)
            assert r.status_code == 200
        finally:
            upload_done.set()

    try:
        with httpx.Client(base_url=base) as client:
            thread = threading.Thread(target=upload)
            thread.start()
            time.sleep(0.2)  # the upload is on its way
            while not upload_done.is_set():
                assert client.get("/api/check?lat=-6.33&lon=108.32").status_code == 200
                if not upload_done.is_set():
                    checks_during_upload.append(1)
            thread.join()
        assert len(checks_during_upload) >= 3
    finally:
        _stop(server)


def _points_csv(n: int) -> bytes:
    rng = random.Random(n)
    rows = [f"{i},{rng.uniform(-6.45, -6.25):.6f},{rng.uniform(108.2, 108.45):.6f}" for i in range(n)]
    return ("id,lat,lon\n" + "\n".join(rows) + "\n").encode()


def _validate_in_process(engine, data: bytes) -> bytes:
    from geo.validate import validate_bytes

    return validate_bytes(engine, data)[0]


def _workers(master: int) -> list[int]:
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.append(int(stat.parent.name))
    return pids


def _established_inodes(port: int) -> set[str]:
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == "01":
                inodes.add(cols[9])
    return inodes


def _assert_connections_spread(master: int, port: int, n: int = 30) -> None:
    """Keep-alive connections opened in a burst land on every worker (one SO_REUSEPORT socket
    each), not 45 of 50 on one as with a shared socket."""
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux /proc")
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}") for _ in range(n)]
    try:
        for client in clients:
            assert client.get("/api/check?lat=-6.33&lon=108.32").status_code == 200
        inodes = _established_inodes(port)
        counts = []
        for pid in _workers(master):
            fds = Path(f"/proc/{pid}/fd")
            links = {os.readlink(fd)[8:-1] for fd in fds.iterdir() if os.readlink(fd).startswith("socket:")}
            counts.append(len(links & inodes))
        assert len(counts) == 2 and sum(counts) == n and min(counts) >= 6, counts
    finally:
        for client in clients:
            client.close()
