"""`zonasi serve`: the production server (gunicorn) migrates once, then answers with several
workers; and the engine it shares between threads is safe to use from many at once."""
from __future__ import annotations

import os
import random
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from zonasi.testing.reports import report
from zonasi.testing.server import ZONASI, ZonasiServer, connections_per_worker, worker_pids


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
    for (_seed, lon, lat), status in list(results.items())[::50]:
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
        if worker_class == "gevent":  # gthread workers accept from every slot's socket at once
            _assert_connections_spread(server.process.pid, server.port)
    finally:
        _stop(server)


@pytest.mark.slow
@pytest.mark.parametrize("worker_class", ["gevent", "gthread"])
def test_a_long_request_does_not_hold_up_short_ones(tmp_path, worker_class, engine):
    """One worker, one upload thread, no queue: an upload whose answer the client does not read
    holds the upload lane for as long as the client wants (its 15 MB answer cannot fit in the
    socket buffers), so it is long by construction, whatever the machine's speed. Meanwhile the
    same worker answers checks and the data routes (a lane of their own), and a second upload is
    refused at once with 503 + Retry-After (which also proves the first still holds the lane)."""
    server = ZonasiServer(tmp_path / "instance", workers=1, worker_class=worker_class,
                          args=("--upload-threads", "1", "--queue", "0"))
    server.start()
    data = _points_csv(100_000)
    try:
        held = _start_upload(server.port, data)
        try:
            _wait_until_lane_held(server.url, "/api/validate")
            with httpx.Client(base_url=server.url, timeout=30) as client:
                for _ in range(3):
                    assert client.get("/api/check?lat=-6.33&lon=108.32").json()["status"] == "violation"
                    page = client.get("/ogc/collections/sites/items", params={"limit": 500})
                    assert page.status_code == 200 and page.json()["numberReturned"] == 500
                    tile = client.get("/ogc/collections/regencies/tiles/WebMercatorQuad/5/16/25")   # not in a lane
                    assert tile.status_code == 200, tile.text
                    template = client.get("/api/validate/template.csv")   # under the upload prefix, quick
                    assert template.status_code == 200, template.text
                    busy = client.post("/api/validate?lang=en", files={"file": ("b.csv", b"lat,lon\n-6.3,108.3\n")})
                    assert busy.status_code == 503, busy.text
                    assert busy.headers["content-type"] == "application/problem+json"
                    assert int(busy.headers["retry-after"]) > 0 and "busy" in busy.json()["detail"]
            body = _read_answer(held)  # now read the held answer: whole and right
        finally:
            held.close()
        assert body == _validate_in_process(engine, data)
        with httpx.Client(base_url=server.url, timeout=30) as client:  # the lane is free again
            assert client.post("/api/validate", files={"file": ("c.csv", b"lat,lon\n-6.3,108.3\n")}).status_code == 200
    finally:
        _stop(server)


@pytest.mark.slow
def test_a_stopped_worker_holds_up_no_connection(tmp_path):
    """A worker stopped (SIGSTOP: as a stuck one) cannot accept; the connections the kernel queued
    at its socket are taken by the other worker after a short grace, never left waiting."""
    server = ZonasiServer(tmp_path / "instance", workers=2)
    server.start()
    try:
        stopped = worker_pids(server.process.pid)[0]
        os.kill(stopped, signal.SIGSTOP)
        try:
            for _ in range(20):  # a new connection each: about half are queued at the stopped one
                r = httpx.get(f"{server.url}/api/check?lat=-6.33&lon=108.32", timeout=10)
                assert r.status_code == 200
        finally:
            os.kill(stopped, signal.SIGCONT)
    finally:
        _stop(server)


def _start_upload(port: int, data: bytes) -> socket.socket:
    """POST the CSV over a socket with a small receive buffer, and read nothing back yet."""
    boundary = "zonasi-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"POST /api/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                 f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                 f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
    return sock


def _wait_until_lane_held(base: str, path: str) -> None:
    """Until the upload sent before holds its lane: a second upload is then refused (a 200 here
    would mean the held upload had not yet been taken in; it validates a one-row file)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        r = httpx.post(f"{base}{path}", files={"file": ("w.csv", b"lat,lon\n-6.3,108.3\n")}, timeout=30)
        if r.status_code == 503:
            return
        assert r.status_code == 200, r.text
        time.sleep(0.05)
    raise AssertionError("the held upload never took its lane")


def _read_answer(sock: socket.socket) -> bytes:
    sock.settimeout(60)
    chunks = []
    while chunk := sock.recv(1 << 20):
        chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), head[:200]
    if b"transfer-encoding: chunked" in head.lower():
        body = _dechunk(body)
    return body


def _dechunk(data: bytes) -> bytes:
    out, pos = [], 0
    while True:
        end = data.index(b"\r\n", pos)
        size = int(data[pos:end].split(b";")[0], 16)
        if size == 0:
            return b"".join(out)
        out.append(data[end + 2:end + 2 + size])
        pos = end + 2 + size + 2


def _points_csv(n: int) -> bytes:
    rng = random.Random(n)
    rows = [f"{i},{rng.uniform(-6.45, -6.25):.6f},{rng.uniform(108.2, 108.45):.6f}" for i in range(n)]
    return ("id,lat,lon\n" + "\n".join(rows) + "\n").encode()


def _validate_in_process(engine, data: bytes) -> bytes:
    from geo.validation.pipeline import validate_bytes

    return validate_bytes(engine, data)[0]


def _assert_connections_spread(master: int, port: int, n: int = 30) -> None:
    """Keep-alive connections opened one after another are shared evenly by the workers: not 45 of
    50 on one as with a shared socket, nor 20/30 or worse as the kernel's spread by address over
    a SO_REUSEPORT socket per worker slot left them (the worker with fewer takes the next one,
    :meth:`Listeners.takes_now`; one off for a peer not woken within the grace)."""
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux /proc")
    clients = [httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) for _ in range(2 * n)]
    try:
        for client in clients[:n]:
            assert client.get("/api/check?lat=-6.33&lon=108.32").status_code == 200
        counts = connections_per_worker(master, port)
        assert len(counts) == 2 and sum(counts) == n and min(counts) >= n // 2 - 1, counts
        # and as many more at once (a burst: the workers accept while their counts move)
        with ThreadPoolExecutor(max_workers=n) as pool:
            answers = list(pool.map(lambda c: c.get("/api/check?lat=-6.33&lon=108.32").status_code, clients[n:]))
        assert answers == [200] * n
        counts = connections_per_worker(master, port)
        assert sum(counts) == 2 * n and min(counts) >= n - 2, counts
    finally:
        for client in clients:
            client.close()


@pytest.mark.slow
def test_a_second_server_on_the_same_port_is_refused(tmp_path):
    """SO_REUSEPORT must not let a second `zonasi serve` share a port that one already serves
    (the kernel would split the connections between two servers)."""
    server = ZonasiServer(tmp_path / "instance", workers=1)
    server.start()
    try:
        second = ZonasiServer(tmp_path / "other", workers=1, port=server.port)
        done = __import__("subprocess").run(
            [str(ZONASI), "serve", "--port", str(server.port), "--workers", "1"],
            env=second.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 2 and f"cannot listen on 127.0.0.1:{server.port}" in done.stderr, done.stderr
    finally:
        _stop(server)


@pytest.mark.slow
def test_serve_says_once_when_no_data_are_declared_complete(tmp_path):
    """Layers without coverage.toml: no spot can be confirmed as allowed, and the server says so at
    start, once (the bundled layers declare Sanga-Sanga, so they start without it)."""
    import shutil

    from geo import bundled_layers_dir

    layers = tmp_path / "layers"
    shutil.copytree(bundled_layers_dir(), layers, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    (layers / "coverage.toml").unlink()
    server = ZonasiServer(tmp_path / "instance", workers=1, env={"ZONASI_LAYERS": str(layers),
                                                                "ZONASI_LANGUAGE": "en"})
    server.start()
    try:
        assert server.log_text().count("No coverage.toml in") == 1, server.log_text()
    finally:
        _stop(server)


def test_the_worker_with_fewer_open_connections_takes_the_next():
    """The rule of each worker's accept loop: its own socket's connection at once unless it holds
    more open connections than another worker; a peer's at once when that peer holds more than it
    does; anything else only after the grace (a stuck owner's connections are never left)."""
    from zonasi.server import Listeners

    assert Listeners.takes_now([3, 3], 0, 0) and Listeners.takes_now([3, 4], 0, 0)
    assert not Listeners.takes_now([4, 3], 0, 0)          # it holds more: its peer takes it
    assert Listeners.takes_now([4, 3], 1, 0)              # ... at once
    assert not Listeners.takes_now([3, 3], 1, 0) and not Listeners.takes_now([3, 4], 1, 0)
    assert Listeners.takes_now([0], 0, 0)                 # one worker: all its own
    # three workers: the owner waits while any holds fewer; every peer with fewer may take it
    assert not Listeners.takes_now([5, 5, 4], 0, 0) and Listeners.takes_now([5, 4, 5], 1, 0)
    assert Listeners.takes_now([5, 4, 4], 2, 0) and not Listeners.takes_now([5, 6, 4], 1, 0)
