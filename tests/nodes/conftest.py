"""Several web nodes on one PostgreSQL + PostGIS: two real ``zonasi serve`` processes (gunicorn,
2 gevent workers each) on their own loopback ports, sharing one database of their own on the
PostGIS that ``scripts/postgis.sh`` started (ZONASI_TEST_DATABASE_URL) and one instance directory
(where photos are kept: a shared mount in a real deployment, see docs/deploy.md). Started once for
the whole package; every test leaves them running."""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo.store import Store
from tests.conftest import ROOT
from zonasi.testing.postgis import create_database, drop_database
from zonasi.testing.server import ZonasiServer
from zonasi.testing.threads import run_in_threads

pytestmark = pytest.mark.postgis


def in_ci() -> bool:
    """Whether the tests run under CI (CI=true), where nothing may be skipped for a missing tool."""
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def server_url() -> str:
    """The PostGIS of the test run; skipped without one (failed under CI)."""
    url = os.environ.get("ZONASI_TEST_DATABASE_URL")
    if not url:
        message = "ZONASI_TEST_DATABASE_URL is not set: start PostGIS with `eval $(scripts/postgis.sh start)`"
        if in_ci():
            pytest.fail(message + " (CI must run the PostGIS tests)")
        pytest.skip(message)
    return url


def start_all(servers: list[ZonasiServer]) -> None:
    """Start the servers at the same time (their migrations meet at PostgreSQL's advisory lock)."""
    errors = run_in_threads(ZonasiServer.start, [(s,) for s in servers])
    if errors:  # re-raised here, in the test's thread
        for s in servers:
            s.stop()
        raise errors[0]


@dataclass
class Nodes:
    """Two nodes on one database, and tokens made with ``zonasi token create``."""

    a: ZonasiServer
    b: ZonasiServer
    database_url: str
    tokens: dict[str, str]

    @property
    def both(self) -> tuple[ZonasiServer, ZonasiServer]:
        """Node A and node B."""
        return self.a, self.b

    def auth(self, role: str) -> dict[str, str]:
        """The Authorization header of the ``role`` token."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def create_token(self, role: str, name: str) -> str:
        """A new token in the nodes' database (as ``zonasi token create`` makes it, without the
        seconds a command takes to start)."""
        with Store(self.database_url, None, self.a.instance_dir / "photos") as store:
            return store.tokens.create(role, name)

    def token_id(self, name: str) -> int:
        """The id of the token called ``name``."""
        with Store(self.database_url, None, self.a.instance_dir / "photos") as store:
            return next(t["id"] for t in store.tokens.list() if t["name"] == name)

    def db(self) -> sa.Engine:
        """An engine on the nodes' database, to read what they stored (dispose it when done)."""
        return sa.create_engine(self.database_url)


@pytest.fixture(scope="package")
def nodes(tmp_path_factory):
    """Two ``zonasi serve`` nodes sharing a fresh database and an instance directory;
    ZONASI_PROXY_HOPS=1: they trust one proxy's X-Forwarded-* (tests/nodes/test_nginx.py)."""
    url = create_database(server_url())
    shared = tmp_path_factory.mktemp("nodes") / "instance"   # a shared mount in production
    env = {"ZONASI_PROXY_HOPS": "1"}
    a = ZonasiServer(shared, database_url=url, workers=2, env=env)
    b = ZonasiServer(shared, database_url=url, workers=2, env=env)
    try:
        start_all([a, b])
        nodes = Nodes(a, b, url, {})
        nodes.tokens = {role: nodes.create_token(role, f"nodes {role}") for role in ("field", "bawaslu", "admin")}
        yield nodes
    finally:
        a.stop()
        b.stop()
        drop_database(url)


@dataclass
class OwnPostGIS:
    """A throw-away PostGIS server of one test (``scripts/postgis.sh``), which it may stop."""

    url: str
    directory: str

    def stop(self) -> None:
        """Stop the server and remove its directory (``scripts/postgis.sh stop``)."""
        subprocess.run([str(ROOT / "scripts" / "postgis.sh"), "stop"], check=True,
                       env={**os.environ, "ZONASI_PG_DIR": self.directory})


@pytest.fixture()
def own_postgis():
    """A PostGIS server of the test's own (stopped at the end if the test did not)."""
    server_url()  # skipped (or failed under CI) where the run has no PostGIS
    done = subprocess.run([str(ROOT / "scripts" / "postgis.sh"), "start"], capture_output=True, text=True,
                          check=True)
    values = dict(word.split("=", 1) for word in done.stdout.split() if "=" in word)
    server = OwnPostGIS(values["ZONASI_TEST_DATABASE_URL"], values["ZONASI_PG_DIR"])
    try:
        yield server
    finally:
        if Path(server.directory).exists():
            server.stop()
