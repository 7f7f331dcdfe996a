"""Connecting (SQLite in WAL mode, or PostgreSQL + PostGIS) and migrating with Alembic.

SQLite: the driver's own transaction handling is switched off and zonasi issues ``BEGIN`` itself:
``BEGIN IMMEDIATE`` for writes (writers queue on the busy timeout instead of failing), plain
``BEGIN`` for reads (WAL: readers never wait for writers). ``synchronous=FULL``: an acknowledged
report survives a power cut.
"""
from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from geo.errors import ConfigError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
PG_MIGRATION_LOCK = 0x7A6F6E61  # advisory lock id: one migrator at a time across machines


def parse_url(url: str) -> sa.URL:
    """A supported database URL (its driver not yet imported), or a ConfigError saying why not."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        raise ConfigError(f"database URL {url!r} is not a URL like sqlite:///path.db or "
                          "postgresql+psycopg://user@host/db") from None
    if parsed.drivername in ("postgres", "postgresql"):  # the plain forms mean psycopg 3 here
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(f"database {parsed.get_backend_name()!r} is not supported; use sqlite:/// or "
                          "postgresql+psycopg://")
    return parsed


def create_engine(url: str) -> sa.Engine:
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite(parsed)
    return sa.create_engine(parsed, pool_pre_ping=True, pool_size=5, max_overflow=20)


def _sqlite(url: sa.URL) -> sa.Engine:
    if url.database in (None, "", ":memory:"):
        raise ConfigError("SQLite needs a file (sqlite:///path.db): an in-memory database is lost on exit")
    Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 60, "check_same_thread": False},
                              pool_size=8, max_overflow=16)

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=60000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection):
        write = connection.get_execution_options().get("zonasi_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def writer(engine: sa.Engine) -> sa.Engine:
    """The same engine, for transactions that write (BEGIN IMMEDIATE on SQLite)."""
    return engine.execution_options(zonasi_write=True)


class Migrator:
    """Brings a database to the newest schema, once per process (thread-safe)."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine
        self._done = False
        self._lock = threading.Lock()

    @staticmethod
    def head() -> str:
        return ScriptDirectory(str(MIGRATIONS)).get_current_head()

    def current(self) -> str | None:
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def ensure(self) -> None:
        if self._done:
            return
        with self._lock:
            if not self._done:
                self.upgrade()
                self._done = True

    def upgrade(self, revision: str = "head") -> None:
        """Migrate in one transaction. On SQLite foreign keys are off meanwhile (a table rebuild
        drops and renames tables, which SQLite allows only so) and checked before the commit."""
        with writer(self.engine).connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            raw = connection.connection.driver_connection if sqlite else None
            if sqlite:  # outside any transaction: SQLite ignores this pragma inside one
                raw.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    if not sqlite:
                        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK})")
                    config = Config()
                    config.set_main_option("script_location", str(MIGRATIONS))
                    config.attributes["connection"] = connection
                    command.upgrade(config, revision)
                    if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                        raise ConfigError("the migration would break foreign keys; nothing was changed")
            finally:
                if sqlite:
                    raw.execute("PRAGMA foreign_keys=ON")
