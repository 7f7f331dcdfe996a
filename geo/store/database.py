"""Connecting and migrating with Alembic; what differs per backend is in :mod:`geo.store.dialects`."""
from __future__ import annotations

import threading
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from geo.store.dialects import dialect_for, parse

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def parse_url(url: str) -> sa.URL:
    """A supported database URL (its driver not yet imported), or a ConfigError saying why not."""
    parsed = parse(url)
    return dialect_for(parsed).url(parsed)


def create_engine(url: str) -> sa.Engine:
    """A pooled engine for a supported database URL, set up by its dialect."""
    parsed = parse_url(url)
    return dialect_for(parsed).create_engine(parsed)


class Migrator:
    """Brings a database to the newest schema, once per process (thread-safe)."""

    def __init__(self, engine: sa.Engine):
        """A migrator for ``engine`` (nothing is migrated until :meth:`ensure` or :meth:`upgrade`)."""
        self.engine = engine
        self.dialect = dialect_for(engine)
        self._done = False
        self._lock = threading.Lock()

    @staticmethod
    def head() -> str | None:
        """The newest revision of the migrations (None if there were none)."""
        return ScriptDirectory(str(MIGRATIONS)).get_current_head()

    def current(self) -> str | None:
        """The database's revision (None before the first migration)."""
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    def ensure(self) -> None:
        """Migrate to the newest schema unless this migrator did already."""
        if self._done:
            return
        with self._lock:
            if not self._done:
                self.upgrade()
                self._done = True

    def upgrade(self, revision: str = "head") -> None:
        """Migrate in one transaction, as the dialect wants it (:meth:`Dialect.migration`: on
        SQLite foreign keys off meanwhile and checked before the commit; on PostgreSQL one
        migrator at a time)."""
        with self.dialect.writer(self.engine).connect() as connection, self.dialect.migration(connection):
            config = Config()
            config.set_main_option("script_location", str(MIGRATIONS))
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
