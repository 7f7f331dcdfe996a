"""Limits against the production server (`zonasi serve`): an oversized upload is refused with 413
before its body is read whole; slow clients do not hold up others; page sizes are capped; a CSV
too long for the web points to the CLI."""
from __future__ import annotations

import io
import socket
import threading
import time

import httpx
import pytest

from geo.config import Settings
from webmap import create_app
from zonasi.testing.server import ZonasiServer

UPLOAD_MB = 1


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = ZonasiServer(tmp_path_factory.mktemp("limits") / "instance", workers=2, threads=4,
                          env={"ZONASI_MAX_UPLOAD_MB": str(UPLOAD_MB)})
    server.start()
    try:
        server.field_token = server.token("field", "limits")
        yield server
    finally:
        server.kill()   # no need for a graceful stop


def read_status_line(sock: socket.socket, answer: bytes) -> bytes:
    """``answer`` read on until it holds the status line (or the server closed)."""
    sock.settimeout(30)
    while b"\r\n" not in answer:
        data = sock.recv(65536)
        if not data:
            break
        answer += data
    return answer


def raw_request(server, head: str, body_bytes: int, chunk: int = 64 * 1024, pause: float = 0.0):
    """Send ``head`` then up to ``body_bytes`` of body in chunks, stopping as soon as the server
    answers; (status, bytes of body sent before the answer)."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    sent = 0
    try:
        sock.sendall(head.encode())
        sock.setblocking(False)
        answer = b""
        while sent < body_bytes:
            try:
                answer += sock.recv(65536)
            except BlockingIOError:
                pass
            if b"\r\n" in answer:
                break
            try:
                sent += sock.send(b"x" * min(chunk, body_bytes - sent))
            except BlockingIOError:
                time.sleep(0.01)
            except (BrokenPipeError, ConnectionResetError):
                break
            if pause:
                time.sleep(pause)
        sock.setblocking(True)
        answer = read_status_line(sock, answer)
        return int(answer.split(b" ", 2)[1]), sent
    finally:
        sock.close()


@pytest.mark.slow
def test_oversized_upload_is_refused_before_the_body_is_read(server):
    total = 200 * 1024 * 1024   # 200 MB announced, far over the 1 MB limit
    for path, auth in (("/api/reports", f"Authorization: Bearer {server.field_token}\r\n"), ("/api/validate", "")):
        head = (f"POST {path} HTTP/1.1\r\nHost: test\r\n{auth}Content-Type: multipart/form-data; boundary=b\r\n"
                f"Content-Length: {total}\r\n\r\n")
        status, sent = raw_request(server, head, total)
        assert status == 413, path
        assert sent < 16 * 1024 * 1024, f"{path}: {sent} bytes were sent before the 413"


@pytest.mark.slow
@pytest.mark.parametrize("path, media_type", [("/api/reports", "application/json"),
                                              ("/api/reports", "multipart/form-data; boundary=b"),
                                              ("/api/validate", "multipart/form-data; boundary=b")])
def test_chunked_upload_without_a_length_is_cut_at_the_limit(server, path, media_type):
    """Also on a long route, whose body the gevent worker reads before handing it to a thread."""
    head = (f"POST {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {server.field_token}\r\n"
            f"Content-Type: {media_type}\r\nTransfer-Encoding: chunked\r\n\r\n")
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
    try:
        sock.sendall(head.encode())
        piece = b"x" * 65536
        sent = 0
        sock.settimeout(0.02)
        answer = b""
        while sent < 100 * 1024 * 1024 and b"\r\n" not in answer:
            try:
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
                sent += len(piece)
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                answer += sock.recv(65536)
            except TimeoutError:
                pass
        answer = read_status_line(sock, answer)
    finally:
        sock.close()
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 32 * 1024 * 1024


@pytest.mark.slow
def test_slow_clients_do_not_block_others(server):
    """Slow-loris: 30 clients that trickle their headers (and 3 their bodies) stay connected while
    other clients get their answers: more of them than the server has threads (gevent workers
    hold no thread for a connection, and read the bodies of long routes in the loop). The slow
    requests never end (a header line or body that goes on until the test stops them), so every
    answer below was given while all of them were still being sent, whatever the machine's speed."""
    stop = threading.Event()
    connected = threading.Semaphore(0)

    def trickle(head: bytes, filler: bytes):
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.send(head)
            connected.release()
            while not stop.wait(0.2):
                sock.send(filler)

    slow = [(b"GET /api/check?lat=-6.33&lon=108.32 HTTP/1.1\r\nHost: slow\r\nX-Padding: a", b"a")
            for _ in range(30)]
    slow += [(b"POST /api/validate HTTP/1.1\r\nHost: slow\r\nContent-Type: multipart/form-data; boundary=b\r\n"
              b"Content-Length: 100000\r\n\r\n-", b"-")] * 3
    threads = [threading.Thread(target=trickle, args=h, daemon=True) for h in slow]
    for t in threads:
        t.start()
    for _ in threads:
        assert connected.acquire(timeout=60), "a slow client could not connect"
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for i in range(40):
                r = client.get("/api/check", params={"lat": -6.33 - i * 1e-4, "lon": 108.32})
                assert r.status_code == 200
        assert all(t.is_alive() for t in threads), "the slow clients should still be connected"
    finally:
        stop.set()
    for t in threads:
        t.join(timeout=30)


def test_page_limits_are_capped(tmp_path, engine):
    app = create_app(Settings(instance_dir=tmp_path / "instance", max_page_limit=5), engine=engine)
    client = app.test_client()
    admin = app.extensions["zonasi"].store.tokens.create("admin", "limits")
    headers = {"Authorization": f"Bearer {admin}"}
    over = client.get("/api/reports?limit=6", headers=headers)
    assert over.status_code == 400 and "0..5" in over.json["detail"]
    assert client.get("/api/reports?limit=5", headers=headers).status_code == 200
    assert client.get("/api/reports?limit=99999999999999999999999", headers=headers).status_code == 400
    items = client.get("/ogc/collections/sites/items?limit=1000000").json
    assert items["numberReturned"] == 5 and items["numberMatched"] > 5
    app.extensions["zonasi"].store.dispose()


def test_csv_too_long_for_the_web_points_to_the_cli(tmp_path, engine):
    app = create_app(Settings(instance_dir=tmp_path / "instance", max_web_rows=50), engine=engine)
    rows = "".join(f"-6.{330 + i},108.32\n" for i in range(51))
    r = app.test_client().post("/api/validate", data={"file": (io.BytesIO(b"lat,lon\n" + rows.encode()), "big.csv")},
                               content_type="multipart/form-data", headers={"Accept-Language": "en"})
    assert r.status_code == 413 and r.mimetype == "application/problem+json"
    assert "50" in r.json["detail"] and "zonasi validate" in r.json["detail"]
    fine = app.test_client().post("/api/validate", content_type="multipart/form-data",
                                  data={"file": (io.BytesIO(b"lat,lon\n" + rows.encode().split(b"\n", 1)[1]), "ok.csv")})
    assert fine.status_code == 200
    app.extensions["zonasi"].store.dispose()


def test_hostile_json_bodies_are_400s(tmp_path, engine):
    """JSON nested past Python's recursion limit and integers past a float's range: 400, not 500."""
    app = create_app(Settings(instance_dir=tmp_path / "instance"), engine=engine)
    client = app.test_client()
    admin = app.extensions["zonasi"].store.tokens.create("admin", "json")
    headers = {"Authorization": f"Bearer {admin}"}
    big = "1" + "0" * 400
    bodies = ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000,
              '{"apk_type": "baliho", "lon": %s, "lat": -6.3}' % big,
              '{"apk_type": "baliho", "lon": 108.3, "lat": -6.3, "accuracy_m": -%s}' % big]
    for path in ("/api/reports", "/api/reports/0f8c1c9e-2b4d-4c1a-9d6e-3b2a1f0e9d8c/transitions"):
        for body in bodies:
            r = client.post(path, data=body, content_type="application/json", headers=headers)
            assert r.status_code in (400, 404) and r.mimetype == "application/problem+json", (path, body[:40])
    assert app.json.sort_keys is False and app.json.ensure_ascii is False   # the app's JSON settings kept
    app.extensions["zonasi"].store.dispose()
