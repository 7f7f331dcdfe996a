"""Each backend's dialect (geo/store/dialects.py): its SQL compiles for its backend, an unknown
backend is refused by name, and the store's operations behave the same on SQLite and PostGIS."""
from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from pyproj import Geod
from sqlalchemy.dialects import postgresql, sqlite

from geo import ConfigError
from geo.store import Dialect, Migrator, dialect_for, parse_url
from geo.store.dialects import DIALECTS, PostgreSQL, SQLite, row_id_type
from geo.store.models import Report, Token
from geo.store.rechecks import ReportVerdict
from zonasi.testing.reports import VIOLATION, report

BACKENDS = [(SQLite(), sqlite.dialect()), (PostgreSQL(), postgresql.dialect())]
STORE = Path(__file__).resolve().parents[3] / "geo" / "store"


@pytest.mark.parametrize("dialect, backend", BACKENDS, ids=["sqlite", "postgresql"])
def test_insert_compiles_to_on_conflict_do_nothing(dialect, backend):
    table = Token.__table__
    sql = str(dialect.insert(table).values(name="n", role="bawaslu", token_hash="h")
              .returning(table.c.id).compile(dialect=backend))
    assert sql.startswith("INSERT INTO api_tokens") and "ON CONFLICT DO NOTHING" in sql and "RETURNING" in sql


@pytest.mark.parametrize("dialect, backend", BACKENDS, ids=["sqlite", "postgresql"])
def test_every_insert_compiles_for_every_table(dialect, backend):
    for table in (Report.__table__, Token.__table__, ReportVerdict.__table__):
        assert "ON CONFLICT DO NOTHING" in str(dialect.insert(table).compile(dialect=backend))


def test_row_ids_are_integer_on_sqlite_and_bigint_elsewhere():
    assert row_id_type().compile(dialect=sqlite.dialect()) == "INTEGER"
    assert row_id_type().compile(dialect=postgresql.dialect()) == "BIGINT"


@pytest.mark.parametrize("url, expected", [
    ("sqlite:///x.db", SQLite), ("sqlite+pysqlite:///x.db", SQLite),
    ("postgresql+psycopg://u@h/db", PostgreSQL), ("postgresql://u@h/db", PostgreSQL),
    ("postgres://u@h/db", PostgreSQL),
])
def test_the_dialect_comes_from_the_url(url, expected):
    assert type(dialect_for(url)) is expected
    assert type(dialect_for(sa.make_url(url))) is expected
    assert dialect_for(url) is dialect_for(url)  # one stateless object per backend


def test_plain_postgres_urls_mean_psycopg_3():
    assert parse_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert parse_url("postgresql://u@h/db").drivername == "postgresql+psycopg"
    assert parse_url("postgresql+psycopg://u@h/db").drivername == "postgresql+psycopg"
    assert parse_url("sqlite:///x.db").drivername == "sqlite"


@pytest.mark.parametrize("url, name", [
    ("mysql://u@h/db", "mysql"), ("mysql+pymysql://u@h/db", "mysql"), ("oracle://u@h/db", "oracle"),
    ("mssql+pyodbc://u@h/db", "mssql"), ("duckdb:///x.db", "duckdb"),
])
def test_an_unknown_backend_is_a_config_error_naming_it(url, name):
    with pytest.raises(ConfigError, match=f"database '{name}' is not supported; use sqlite:/// or postgresql"):
        dialect_for(url)
    with pytest.raises(ConfigError, match=f"database '{name}' is not supported"):
        parse_url(url)


def test_a_non_url_is_a_config_error():
    with pytest.raises(ConfigError, match="is not a URL like sqlite:///path.db"):
        dialect_for("nonsense")
    with pytest.raises(TypeError, match="takes a database URL"):
        dialect_for(42)


def test_every_dialect_is_registered_under_its_name():
    assert {d.name for d in DIALECTS} == {"sqlite", "postgresql"}
    assert all(isinstance(d, Dialect) for d in DIALECTS)


def test_disk_full_in_each_backends_words():
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = sqlite3.SQLITE_FULL
    assert SQLite().is_full(full) and not PostgreSQL().is_full(full)
    assert SQLite().is_full(sqlite3.OperationalError("database or disk is full"))
    assert PostgreSQL().is_full(psycopg.errors.DiskFull("could not extend file"))
    assert not SQLite().is_full(psycopg.errors.DiskFull("could not extend file"))
    for dialect in DIALECTS:
        assert not dialect.is_full(sqlite3.OperationalError("database is locked"))
        assert not dialect.is_full(psycopg.errors.UniqueViolation("duplicate key"))


def test_only_the_dialects_module_spells_a_backend():
    """A third backend must not silently get SQLite's SQL: no backend switch outside dialects.py."""
    switch = re.compile(r"sqlalchemy\.dialects|dialect\.name\s*[=!]=|drivername|PRAGMA|\"postgresql\"|\"sqlite\"")
    offenders = [f"{path.name}:{n}" for path in STORE.glob("*.py") if path.name != "dialects.py"
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if switch.search(line)]
    assert offenders == []


# -- the same operations on both backends (the store fixture runs on SQLite and on PostGIS) -----

def test_the_store_chooses_its_dialect_once(store):
    assert store.dialect is dialect_for(store.url) is dialect_for(store.db)
    assert store.backend == store.dialect.name
    with store.db.connect() as connection:
        assert dialect_for(connection) is store.dialect is dialect_for(connection.dialect)


def test_insert_does_nothing_on_conflict(store):
    store.migrate()
    values = dict(name="a", role="bawaslu", token_hash="f" * 64, created_at=dt.datetime.now(dt.UTC))
    table = Token.__table__
    inserted = []
    for _ in range(2):
        with store.dialect.writer(store.db).begin() as connection:
            inserted.append(connection.execute(store.dialect.insert(table).values(**values)
                                               .returning(table.c.id)).first())
    assert inserted[0] is not None and inserted[1] is None
    with store.db.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 1


def test_times_come_back_in_utc(store):
    store.migrate()
    at = dt.datetime(2024, 1, 10, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
    with store.dialect.writer(store.db).begin() as connection:
        connection.execute(sa.insert(Token.__table__).values(name="t", role="bawaslu", token_hash="e" * 64,
                                                             created_at=at))
    with store.db.connect() as connection:
        stored = connection.execute(sa.select(Token.created_at)).scalar_one()
    assert stored == at and stored.tzinfo == dt.UTC and stored.hour == 2


def test_migrating_again_is_a_no_op(store):
    store.migrate()
    migrator = Migrator(store.db)
    assert migrator.dialect is store.dialect
    migrator.upgrade()
    assert migrator.current() == Migrator.head()


def test_near_gives_geodesic_metres_nearest_first(store):
    geod = Geod(ellps="WGS84")
    lon, lat = VIOLATION
    offsets = [0.0004, 0.0001, 0.0002, 0.01]          # degrees east: ~44 m, ~11 m, ~22 m, ~1.1 km
    ids = [store.submit(report(lon=lon + d, lat=lat)).report["id"] for d in offsets]
    found = store.near(lon, lat, 100)
    assert [r["id"] for r in found] == [ids[1], ids[2], ids[0]]
    for r, d in zip(found, (offsets[1], offsets[2], offsets[0]), strict=True):
        expected = geod.inv(lon, lat, lon + d, lat)[2]
        assert r["distance_from_m"] == pytest.approx(expected, abs=0.01)
        assert "reporter" not in r and "geog" not in r
    assert [r["id"] for r in store.near(lon, lat, 100, limit=1)] == [ids[1]]
    assert store.near(lon, lat, 5) == []


def test_report_groups_count_in_sql(store):
    store.submit(report())
    store.submit(report(apk_type="spanduk"))
    groups = store.report_groups()
    assert groups["status"] == {"reported": 2}
    assert groups["apk_type"] == {"baliho": 1, "spanduk": 1}
    assert groups["regency"] == {"32.12": 2} and groups["regency_name"]["32.12"]
    assert store.counts() == {"reported": 2}
