"""Each database backend's SQL behind one interface: a :class:`Dialect` per backend.

The store never asks which database it is on; it asks its one ``Dialect`` (chosen from the URL
by :func:`dialect_for`) for what differs between backends:

- connecting: :meth:`Dialect.create_engine` (SQLite in WAL mode with zonasi's own ``BEGIN``);
- writing: :meth:`Dialect.writer` (``BEGIN IMMEDIATE`` on SQLite), :meth:`Dialect.insert`
  (``INSERT ... ON CONFLICT DO NOTHING``);
- migrating: :meth:`Dialect.migration` (SQLite: foreign keys off meanwhile and checked before
  the commit; PostgreSQL: an advisory lock, one migrator at a time);
- geometry: :meth:`Dialect.near` (PostGIS ``ST_DWithin`` on the geography column; SQLite a box
  pre-filter and geodesic distances in Python);
- faults: :meth:`Dialect.is_full` (the backend's "disk full" error); on PostgreSQL a database
  that cannot be reached raises :class:`~geo.errors.Unavailable` (503, Retry-After) from the
  engine itself, and connecting gives up after a few seconds;
- types: :attr:`Dialect.naive_datetimes` and :func:`row_id_type`.

A backend without a class here is refused with a ConfigError naming it; adding one is a new
subclass registered in :data:`DIALECTS`.

SQLite: the driver's own transaction handling is switched off and zonasi issues ``BEGIN`` itself:
``BEGIN IMMEDIATE`` for writes (writers queue on the busy timeout instead of failing), plain
``BEGIN`` for reads (WAL: readers never wait for writers). ``synchronous=FULL``: an acknowledged
report survives a power cut.
"""
from __future__ import annotations

import contextlib
import math
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import sqlalchemy as sa
from pyproj import Geod
from sqlalchemy.dialects import postgresql, sqlite

from geo.errors import ConfigError, Unavailable

CONNECT_TIMEOUT_S = 5   # PostgreSQL: connect_timeout when the URL sets none (psycopg's default is 130 s)
POOL_TIMEOUT_S = 5      # the longest a request waits for a pooled connection (SQLAlchemy's default is 30 s)
RETRY_AFTER_S = 5       # Retry-After of the 503 when the database cannot be reached


class Dialect:
    """What the store needs from one database backend (one instance per backend, stateless)."""

    name: str = ""                       # SQLAlchemy's backend name, e.g. "sqlite"
    aliases: tuple[str, ...] = ()        # other backend names in URLs meaning the same
    naive_datetimes: bool = False        # True: the backend keeps no time zone (store naive UTC)

    def url(self, url: sa.URL) -> sa.URL:
        """The URL as this backend's engine wants it (e.g. with the driver zonasi uses)."""
        return url

    def create_engine(self, url: sa.URL) -> sa.Engine:
        """A pooled engine for ``url`` (already passed through :meth:`url`)."""
        raise NotImplementedError

    def writer(self, engine: sa.Engine) -> sa.Engine:
        """The engine to begin a transaction that writes with."""
        return engine

    def insert(self, table: sa.Table) -> sa.Insert:
        """``INSERT INTO table ... ON CONFLICT DO NOTHING``: add ``.values()`` / ``.returning()``."""
        raise NotImplementedError

    @contextlib.contextmanager
    def migration(self, connection: sa.Connection) -> Iterator[None]:
        """The transaction a schema migration runs in (the block runs inside it)."""
        with connection.begin():
            yield

    def near(self, connection: sa.Connection, table: sa.Table, lon: float, lat: float, radius_m: float,
             where: Sequence, limit: int) -> list[tuple[sa.RowMapping, float]]:
        """Rows of ``table`` (with ``lon``/``lat`` columns) matching ``where`` within ``radius_m``
        metres (geodesic, WGS 84) of a point, nearest first: (row, distance in metres)."""
        raise NotImplementedError

    def is_full(self, error: BaseException) -> bool:
        """True when the driver's ``error`` says the disk or the database is full."""
        return False

    def lock(self, connection: sa.Connection, key: str) -> None:
        """Hold a lock named ``key`` until the transaction ends, across every connection and node
        (one writer at a time already, on a backend whose writers queue)."""

    def __repr__(self) -> str:
        """The class name, e.g. ``SQLite()``."""
        return f"{type(self).__name__}()"


class SQLite(Dialect):
    """SQLite (a file, WAL mode): zonasi's default backend."""

    name = "sqlite"
    naive_datetimes = True
    PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=60000")

    def create_engine(self, url: sa.URL) -> sa.Engine:
        """A file database in WAL mode; ``BEGIN IMMEDIATE`` for :meth:`writer` transactions."""
        if url.database in (None, "", ":memory:"):
            raise ConfigError("SQLite needs a file (sqlite:///path.db): an in-memory database is lost on exit",
                              message_id="config.sqlite_memory")
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 60, "check_same_thread": False},
                                  pool_size=8, max_overflow=16)
        pragmas = self.PRAGMAS

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            for pragma in pragmas:
                cursor.execute(f"PRAGMA {pragma}")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(connection):
            write = connection.get_execution_options().get("zonasi_write", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

        return engine

    def writer(self, engine: sa.Engine) -> sa.Engine:
        """The same engine, beginning with ``BEGIN IMMEDIATE`` (writers queue instead of failing)."""
        return engine.execution_options(zonasi_write=True)

    def insert(self, table: sa.Table) -> sa.Insert:
        """SQLite's ``INSERT ... ON CONFLICT DO NOTHING``."""
        return sqlite.insert(table).on_conflict_do_nothing()

    @contextlib.contextmanager
    def migration(self, connection: sa.Connection) -> Iterator[None]:
        """Foreign keys off meanwhile (a table rebuild drops and renames tables, which SQLite
        allows only so) and checked before the commit."""
        raw = connection.connection.driver_connection
        assert raw is not None  # a live pooled connection
        raw.execute("PRAGMA foreign_keys=OFF")  # outside any transaction: SQLite ignores it inside one
        try:
            with connection.begin():
                yield
                if connection.exec_driver_sql("PRAGMA foreign_key_check").first() is not None:
                    raise ConfigError("the migration would break foreign keys; nothing was changed",
                                      message_id="config.migration_foreign_keys")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")

    def near(self, connection: sa.Connection, table: sa.Table, lon: float, lat: float, radius_m: float,
             where: Sequence, limit: int) -> list[tuple[sa.RowMapping, float]]:
        """A lon/lat box pre-filter in SQL, then geodesic distances with pyproj."""
        box = degree_box(lon, lat, radius_m)
        rows = connection.execute(sa.select(table).where(
            table.c.lat.between(box[1], box[3]), table.c.lon.between(box[0], box[2]), *where)).mappings().all()
        if not rows:
            return []
        _, _, distances = GEOD.inv([lon] * len(rows), [lat] * len(rows), [r["lon"] for r in rows],
                                   [r["lat"] for r in rows])
        # nearest first, ties by id (two reports at one spot: rows themselves do not compare)
        found = sorted(((d, r) for d, r in zip(distances, rows, strict=True) if d <= radius_m),
                       key=lambda pair: (pair[0], str(pair[1]["id"])))
        return [(r, float(d)) for d, r in found[:limit]]

    def is_full(self, error: BaseException) -> bool:
        """SQLITE_FULL, or its message."""
        if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
            return True
        return "database or disk is full" in str(error)


class PostgreSQL(Dialect):
    """PostgreSQL with PostGIS (psycopg 3): reports get a generated geography column."""

    name = "postgresql"
    aliases = ("postgres",)
    DRIVER = "postgresql+psycopg"
    MIGRATION_LOCK = 0x7A6F6E61  # advisory lock id: one migrator at a time across machines
    DISK_FULL = "53100"          # SQLSTATE disk_full
    # SQLSTATEs of a server that cannot be reached or take work now: connection exception (08),
    # insufficient resources (53: too many connections, out of memory), shutting down or starting
    # up (57P01-57P05), system error (58: I/O)
    UNREACHABLE_STATES = ("08", "53", "57P", "58")

    def url(self, url: sa.URL) -> sa.URL:
        """The plain ``postgres://`` and ``postgresql://`` forms mean psycopg 3 here."""
        if url.drivername in ("postgres", "postgresql"):
            return url.set(drivername=self.DRIVER)
        return url

    def create_engine(self, url: sa.URL) -> sa.Engine:
        """A pooled engine that pings connections before use, gives up connecting after
        :data:`CONNECT_TIMEOUT_S` (unless the URL sets its own ``connect_timeout``) and waiting
        for a pooled connection after :data:`POOL_TIMEOUT_S`; a database that cannot be reached
        raises :class:`~geo.errors.Unavailable` (see :func:`unreachable_is_unavailable`)."""
        connect_args = {} if "connect_timeout" in url.query else {"connect_timeout": CONNECT_TIMEOUT_S}
        engine = sa.create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=20,
                                  pool_timeout=POOL_TIMEOUT_S, connect_args=connect_args)
        sa.event.listen(engine, "handle_error", self.unreachable_is_unavailable)
        return engine

    def unreachable_is_unavailable(self, context: sa.engine.ExceptionContext) -> None:
        """``handle_error`` hook: the database cannot be reached (refused, timed out, dropped,
        shutting down) or cannot take the work now (too many connections): raise
        Unavailable (503, try again) instead of the driver's error. A full disk is left to
        ``StorageFull``; the pool's own pre-ping is left alone (it reconnects by itself)."""
        error = context.original_exception
        if context.is_pre_ping or self.is_full(error):
            return
        sqlstate = getattr(error, "sqlstate", None) or ""   # none: the client's own (refused, timed out)
        unreachable = (isinstance(error, context.dialect.loaded_dbapi.OperationalError)
                       and (not sqlstate or sqlstate.startswith(self.UNREACHABLE_STATES)))
        if unreachable or context.is_disconnect:
            raise Unavailable(f"the database cannot be reached: {error}".strip(),
                              message_id="store.unavailable", retry_after=RETRY_AFTER_S)

    def insert(self, table: sa.Table) -> sa.Insert:
        """PostgreSQL's ``INSERT ... ON CONFLICT DO NOTHING``."""
        return postgresql.insert(table).on_conflict_do_nothing()

    @contextlib.contextmanager
    def migration(self, connection: sa.Connection) -> Iterator[None]:
        """A transaction holding an advisory lock: one migrator at a time across machines."""
        with connection.begin():
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({self.MIGRATION_LOCK})")
            yield

    def near(self, connection: sa.Connection, table: sa.Table, lon: float, lat: float, radius_m: float,
             where: Sequence, limit: int) -> list[tuple[sa.RowMapping, float]]:
        """``ST_DWithin`` on the ``geog`` column (GiST index), ordered by ``ST_Distance``."""
        here = sa.func.ST_GeogFromText(f"SRID=4326;POINT({float(lon)!r} {float(lat)!r})")
        geog: sa.ColumnElement = sa.literal_column(f"{table.name}.geog")
        distance = sa.func.ST_Distance(geog, here).label("distance_from_m")
        query = (sa.select(table, distance).where(sa.func.ST_DWithin(geog, here, float(radius_m)), *where)
                 .order_by(distance, table.c.id).limit(limit))
        return [(r, float(r["distance_from_m"])) for r in connection.execute(query).mappings().all()]

    def is_full(self, error: BaseException) -> bool:
        """SQLSTATE 53100 (disk_full)."""
        return getattr(error, "sqlstate", None) == self.DISK_FULL

    def lock(self, connection: sa.Connection, key: str) -> None:
        """A transaction-scoped advisory lock on the hash of ``key``."""
        connection.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(key))))


DIALECTS: tuple[Dialect, ...] = (SQLite(), PostgreSQL())
_BY_NAME = {name: d for d in DIALECTS for name in (d.name, *d.aliases)}


def dialect_for(engine_or_url: str | sa.URL | sa.Engine | sa.Connection | sa.engine.Dialect) -> Dialect:
    """The Dialect of a database URL (text or parsed), an engine, a connection or a SQLAlchemy
    dialect; a ConfigError naming the backend when zonasi does not support it."""
    target = engine_or_url
    if isinstance(target, str):
        target = parse(target)
    if isinstance(target, sa.URL):
        name = target.get_backend_name()
    elif isinstance(target, (sa.Engine, sa.Connection)):
        name = target.dialect.name
    elif isinstance(target, sa.engine.Dialect):
        name = target.name
    else:
        raise TypeError(f"dialect_for() takes a database URL, engine or connection, not {type(target).__name__}")
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ConfigError(f"database {name!r} is not supported; use sqlite:/// or postgresql+psycopg://",
                          message_id="config.database_unsupported", message_values={"name": str(name)}) from None


def parse(url: str) -> sa.URL:
    """``url`` parsed (its driver not imported), or a ConfigError if it is no URL at all."""
    try:
        return sa.make_url(url)
    except sa.exc.ArgumentError:
        raise ConfigError(f"database URL {url!r} is not a URL like sqlite:///path.db or "
                          "postgresql+psycopg://user@host/db", message_id="config.database_url") from None


def row_id_type() -> sa.types.TypeEngine:
    """An autoincrementing id column's type: BIGINT, but INTEGER on SQLite (only an INTEGER
    PRIMARY KEY autoincrements there)."""
    return sa.BigInteger().with_variant(sa.Integer, SQLite.name)


GEOD = Geod(ellps="WGS84")


def degree_box(lon: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    """A lon/lat box surely containing the circle (a candidate filter only; distances are geodesic)."""
    dlat = radius_m / 110_500 * 1.01 + 1e-7
    dlon = min(180.0, dlat / max(math.cos(math.radians(min(abs(lat) + dlat, 89.9))), 1e-6))
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat
