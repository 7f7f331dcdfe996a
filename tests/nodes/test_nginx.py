"""deploy/nginx/zonasi.conf in front of the two nodes: `nginx -t` accepts it, requests reach both
nodes, a report posted through nginx is seen on both, compression and the app's caching headers,
the X-Forwarded-* it sets, and nginx keeps answering when a node is killed. nginx runs as a child
process with its prefix, pid and temporary files in a temporary directory (no root needed)."""
from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from geo.config import Settings
from tests.conftest import ROOT
from zonasi.testing.server import free_port

from .conftest import in_ci

pytestmark = pytest.mark.postgis
CONF = ROOT / "deploy" / "nginx" / "zonasi.conf"


def nginx_binary() -> str:
    """nginx (from `make system-deps`); skipped where it is missing, except under CI."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.access(p, os.X_OK)), None)
    if found is None:
        message = "nginx is not installed (make system-deps installs nginx-light)"
        if in_ci():
            pytest.fail(message + ": CI must run the nginx test")
        pytest.skip(message)
    return found


def render(directory: Path, port: int, upstreams: list[str]) -> Path:
    """The repository's config with these nodes and this port, in a main config of its own
    (pid, logs and temporary files in ``directory``); the main config's path."""
    text = CONF.read_text()
    servers = re.findall(r"^ *server \d+\.\d+\.\d+\.\d+:\d+ (.*);$", text, flags=re.M)
    assert len(servers) >= 2, "the upstream lists its nodes as `server ADDRESS:PORT options;`"
    options = servers[0]
    text = re.sub(r"^ *server \d+\.\d+\.\d+\.\d+:\d+ .*;\n", "", text, flags=re.M)
    text = text.replace("upstream zonasi {\n", "upstream zonasi {\n" + "".join(
        f"    server {u} {options};\n" for u in upstreams), 1)
    text, listens = re.subn(r"^( *)listen 80;$", rf"\1listen 127.0.0.1:{port};", text, flags=re.M)
    text, logs = re.subn(r"access_log /var/log/nginx/zonasi.access.log", f"access_log {directory}/access.log",
                         text)
    assert listens == 1 and logs == 1
    (directory / "zonasi.conf").write_text(text)
    temp = " ".join(f"{kind}_temp_path {directory}/{kind};" for kind in ("client_body", "proxy", "fastcgi",
                                                                          "uwsgi", "scgi"))
    main = directory / "nginx.conf"
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")      # else root's nginx runs its workers as nobody
        + f"worker_processes 1;\npid {directory}/nginx.pid;\nerror_log stderr warn;\n"
        f"events {{ worker_connections 512; }}\n"
        f"http {{\n  {temp}\n  access_log off;\n  include {directory}/zonasi.conf;\n}}\n")
    return main


@dataclass
class Nginx:
    """nginx on a loopback port, in front of the nodes."""

    url: str
    directory: Path
    process: subprocess.Popen

    def upstreams(self) -> list[str]:
        """The node (address:port) of each logged request, in order."""
        log = self.directory / "access.log"
        return re.findall(r"upstream=(\S+)", log.read_text()) if log.exists() else []


@pytest.fixture(scope="module")
def nginx(nodes, tmp_path_factory):
    binary = nginx_binary()
    directory = tmp_path_factory.mktemp("nginx")
    port = free_port()
    main = render(directory, port, [f"127.0.0.1:{n.port}" for n in nodes.both])
    command = [binary, "-p", str(directory), "-c", str(main), "-e", "stderr"]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    log = open(directory / "nginx.log", "w")
    process = subprocess.Popen([*command, "-g", "daemon off;"], stdout=log, stderr=log, start_new_session=True)
    log.close()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:  # waiting for it to listen (not a timing assertion: a bound on a failed start)
            try:
                httpx.get(f"{url}/health", timeout=5)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((directory / "nginx.log").read_text()) from None
                time.sleep(0.1)
        yield Nginx(url, directory, process)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def test_the_config_passes_nginx_t_and_matches_the_app(nginx):
    text = CONF.read_text()
    assert f"client_max_body_size {Settings().max_upload_mb}m;" in text
    health = re.search(r"location = /health \{(.*?)\}", text, flags=re.S).group(1)
    assert "limit_" not in health   # the balancer's check is never limited away
    assert "keepalive " in text and "max_fails=" in text and "fail_timeout=" in text


def test_requests_through_nginx_reach_both_nodes(nodes, nginx):
    before = len(nginx.upstreams())
    with httpx.Client(timeout=30) as client:
        for _ in range(6):
            assert client.get(f"{nginx.url}/api/check?lat=-6.33&lon=108.32").status_code == 200
        health = client.get(f"{nginx.url}/health")
    assert health.status_code == 200 and health.json()["database"] == "ok"
    assert set(nginx.upstreams()[before:]) == {f"127.0.0.1:{n.port}" for n in nodes.both}


def test_a_report_posted_through_nginx_is_seen_on_both_nodes(nodes, nginx):
    made = httpx.post(f"{nginx.url}/api/reports", json={"apk_type": "spanduk", "lon": 108.32, "lat": -6.33},
                      headers={**nodes.auth("field"), "Idempotency-Key": str(uuid.uuid4())}, timeout=30)
    assert made.status_code == 201, made.text
    for node in nodes.both:
        seen = httpx.get(f"{node.url}/api/reports/{made.json()['id']}", headers=nodes.auth("bawaslu"), timeout=30)
        assert seen.status_code == 200 and seen.json()["apk_type"] == "spanduk"


def test_json_is_compressed_and_the_caching_headers_pass_through(nodes, nginx):
    direct = httpx.get(f"{nodes.a.url}/api/coverage.json", timeout=30)
    proxied = httpx.get(f"{nginx.url}/api/coverage.json", headers={"Accept-Encoding": "gzip"}, timeout=30)
    assert proxied.status_code == 200
    assert proxied.headers["Content-Encoding"] == "gzip"
    assert proxied.headers["Cache-Control"] == direct.headers["Cache-Control"]
    assert proxied.headers["ETag"].removeprefix("W/") == direct.headers["ETag"].removeprefix("W/")
    assert proxied.json() == direct.json()   # httpx decompresses


def test_the_app_sees_what_nginx_forwards_not_what_the_client_claims(nginx):
    """nginx overwrites a client's X-Forwarded-Proto/-Host; the nodes (ZONASI_PROXY_HOPS=1) build
    their links from nginx's values, the port included (Host alone carries none)."""
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example", "X-Forwarded-Port": "1"}
    landing = httpx.get(f"{nginx.url}/ogc?f=json", headers=forged, timeout=30).json()
    assert next(link["href"] for link in landing["links"] if link["rel"] == "self") == f"{nginx.url}/ogc"


def test_nginx_keeps_answering_when_a_node_is_killed(nodes, nginx):
    nodes.b.kill()   # SIGKILL to its whole process group
    try:
        before = len(nginx.upstreams())
        with httpx.Client(timeout=30) as client:
            for _ in range(6):
                assert client.get(f"{nginx.url}/api/check?lat=-6.33&lon=108.32").status_code == 200
                assert client.get(f"{nginx.url}/health").status_code == 200
            made = client.post(f"{nginx.url}/api/reports", json={"apk_type": "baliho", "lon": 108.32, "lat": -6.33},
                               headers={**nodes.auth("field"), "Idempotency-Key": str(uuid.uuid4())})
        assert made.status_code == 201, made.text
        tried = nginx.upstreams()[before:]
        assert tried and tried[-1] == f"127.0.0.1:{nodes.a.port}"   # the last answer came from node A
    finally:
        nodes.b.start()   # the other tests of the package use both nodes
