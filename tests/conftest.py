"""Shared fixtures: the bundled layers, an engine, a Flask app on a temporary instance folder."""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest

from geo import Engine, load_layers
from geo.config import Settings
from geo.layers.directory import bundled_layers_dir

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"

# The one clock of the whole test suite: every check judges as of this instant (inside the Pemilu
# 2024 campaign), never the machine's date. Set for the settings read from the environment (the
# CLI, create_app() without settings) and given to the settings fixtures; a test of the default
# "now" sets its own.
TEST_NOW = "2024-01-15T10:00:00+07:00"
os.environ["ZONASI_NOW"] = TEST_NOW


def pytest_configure(config):
    """Under pytest-xdist (``make test`` runs the tests in a worker per core), each worker gets a
    database of its own on the run's PostGIS: the PostGIS tests empty the tables between tests."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get("ZONASI_TEST_DATABASE_URL")
    if worker and url:
        from zonasi.testing.postgis import create_database

        config.zonasi_database = os.environ["ZONASI_TEST_DATABASE_URL"] = create_database(url, f"zonasi_test_{worker}")


def pytest_unconfigure(config):
    database = getattr(config, "zonasi_database", None)
    if database:
        from zonasi.testing.postgis import drop_database

        drop_database(database)


def settings_for_tests(**values) -> Settings:
    """Settings with ``values`` on the test suite's clock (:data:`TEST_NOW`)."""
    return Settings.from_env({"ZONASI_NOW": TEST_NOW}, **values)


@pytest.fixture(scope="session")
def layers():
    return load_layers(bundled_layers_dir())


@pytest.fixture(scope="session")
def engine(layers):
    return Engine(layers)


@pytest.fixture()
def settings(tmp_path):
    return settings_for_tests(instance_dir=tmp_path / "instance")


@pytest.fixture()
def app(settings, engine):
    from webmap import create_app

    app = create_app(settings, engine=engine)
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def client(app):
    return app.test_client()


# -- the report store on both backends ------------------------------------------------------------

def _reset_postgis(url: str) -> None:
    """Empty the store's tables (schema kept: migrating once per session is enough)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            from geo.store.models import Base

            present = set(sa.inspect(connection).get_table_names())
            tables = [name for name in Base.metadata.tables if name in present]
            if tables:
                # CASCADE: also the tables that refer to these (report_verdicts of reports recheck)
                connection.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory, engine) -> Path:
    """A SQLite database file migrated to the newest schema, once per session (as PostGIS is):
    each SQLite store of a test starts from a copy of it, the very file its first migration would
    have made, instead of running every migration again (a second or so a test on a busy machine).
    Migrating a new file is tested where it matters (test_restart_safety, test_reports_hardening,
    the killtest's server on a fresh instance)."""
    from geo.store import Store

    path = tmp_path_factory.mktemp("sqlite-template") / "zonasi.db"
    settings = settings_for_tests(instance_dir=path.parent / "instance", database_url=f"sqlite:///{path}")
    with Store.from_settings(settings, engine) as store:
        store.migrate()
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as connection:   # all of it in the file itself
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)])
def store_url(request, tmp_path):
    """A database URL: a SQLite file in tmp_path (a copy of :func:`migrated_sqlite`), or the
    PostGIS that make test starts (ZONASI_TEST_DATABASE_URL; in CI a missing PostGIS fails
    instead of skipping; its schema kept from one test to the next, its tables emptied)."""
    import os
    import shutil

    if request.param == "sqlite":
        path = tmp_path / "zonasi.db"
        shutil.copyfile(request.getfixturevalue("migrated_sqlite"), path)
        return f"sqlite:///{path}"
    url = os.environ.get("ZONASI_TEST_DATABASE_URL")
    if not url:
        message = "ZONASI_TEST_DATABASE_URL is not set: start PostGIS with `eval $(scripts/postgis.sh start)`"
        if os.environ.get("CI", "").lower() in ("true", "1", "yes"):
            pytest.fail(message + " (CI must run the PostGIS tests)")
        pytest.skip(message)
    _reset_postgis(url)
    return url


@pytest.fixture()
def store_settings(tmp_path, store_url):
    return settings_for_tests(instance_dir=tmp_path / "instance", database_url=store_url)


@pytest.fixture()
def store(store_settings, engine):
    from geo.store import Store

    store = Store.from_settings(store_settings, engine)
    yield store
    store.dispose()


@pytest.fixture()
def reports_app_with(store_settings, engine):
    """``reports_app_with(**settings)``: (test client, tokens by role plus a second field token
    "field2", store) of an app on the store under test, with ``settings`` changed (e.g.
    ``max_public_reports_per_hour=3``); its store is disposed at teardown."""
    import dataclasses

    from webmap import create_app

    stores = []

    def make(**values):
        app = create_app(dataclasses.replace(store_settings, **values), engine=engine)
        app.config["TESTING"] = True
        store = app.extensions["zonasi"].store
        stores.append(store)
        tokens = {role: store.tokens.create(role, f"{role} test")
                  for role in ("field", "bawaslu", "satpolpp", "admin")}
        tokens["field2"] = store.tokens.create("field", "field two")
        return app.test_client(), tokens, store

    yield make
    for store in stores:
        store.dispose()


@pytest.fixture()
def reports_app(reports_app_with):
    """(test client, tokens by role plus a second field token "field2", store) of an app on the
    store under test."""
    return reports_app_with()


@pytest.fixture()
def nodes(store, store_settings, engine):
    """``nodes(n)``: ``n`` more Stores on the database under test (other processes, "nodes", as a
    second server or a restarted one would open it), its schema migrated first; all disposed at
    teardown (a test may dispose one itself first)."""
    from geo.store import Store

    store.migrate()
    opened = []

    def make(n: int = 2):
        more = [Store.from_settings(store_settings, engine) for _ in range(n)]
        opened.extend(more)
        return more

    yield make
    for other in opened:
        other.dispose()
