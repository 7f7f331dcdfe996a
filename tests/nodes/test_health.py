"""``GET /health`` for a load balancer: ok with the versions a node serves; 503 with Retry-After
when its database cannot be reached, answered even when the database stays silent."""
from __future__ import annotations

import socket
import threading

import httpx
import pytest

from tests.conftest import settings_for_tests
from zonasi.testing.server import ZonasiServer

pytestmark = pytest.mark.postgis


def test_health_on_each_node_names_its_versions_and_needs_no_token(nodes, engine):
    for node in nodes.both:
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):   # a token is neither needed nor read
            r = httpx.get(f"{node.url}/health", headers=headers, timeout=30)
            assert r.status_code == 200, r.text
            assert r.headers["Content-Type"] == "application/json"
            assert r.headers["Cache-Control"] == "no-store"
            assert r.json() == {"status": "ok", "layers_version": engine.layers_version,
                                "rules_version": engine.rules_version, "database": "ok"}


def test_health_is_503_when_the_database_is_stopped(own_postgis, tmp_path):
    node = ZonasiServer(tmp_path / "instance", database_url=own_postgis.url, workers=1)
    with node:
        assert httpx.get(f"{node.url}/health", timeout=30).json()["database"] == "ok"
        own_postgis.stop()
        r = httpx.get(f"{node.url}/health", timeout=30)
        assert r.status_code == 503
        assert r.headers["Retry-After"] == "5"
        body = r.json()
        assert body["status"] == "unavailable" and body["database"] == "unreachable"
        assert body["layers_version"] and body["rules_version"]
        # the checks need no database: the node still answers them
        assert httpx.get(f"{node.url}/api/check?lat=-6.33&lon=108.32", timeout=30).status_code == 200


def test_health_gives_up_on_a_database_that_never_answers(engine, tmp_path):
    """A database host that accepts the connection and then says nothing (a hung server, a
    firewall eating packets): the driver alone would wait about two minutes (psycopg's default);
    /health's connect timeout ends the wait, so the answer is a 503. The thread's join bound
    only keeps a regression from hanging the test run; it is far above the 2 s timeout."""
    from webmap import create_app

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)               # the kernel completes the handshake; nobody ever reads or answers
    port = silent.getsockname()[1]
    app = create_app(settings_for_tests(instance_dir=tmp_path / "instance", health_timeout_s=2,
                                        database_url=f"postgresql+psycopg://nobody@127.0.0.1:{port}/zonasi"),
                     engine=engine)
    answers = []
    asker = threading.Thread(target=lambda: answers.append(app.test_client().get("/health")), daemon=True)
    try:
        asker.start()
        asker.join(timeout=60)
    finally:
        silent.close()
    assert answers, "/health waited for a silent database instead of giving up after its connect timeout"
    assert answers[0].status_code == 503
    assert answers[0].json["database"] == "unreachable"
    assert answers[0].headers["Retry-After"] == "5"
