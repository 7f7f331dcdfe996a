"""Values made once per installation and kept in the database, so every node shares them.

    secret = installation_secret(store.db, store.dialect, "public_intake_key")   # 32 random bytes

The first node to ask inserts a fresh value if none is there (``INSERT ... ON CONFLICT DO
NOTHING``) and every node then reads what is stored: two nodes starting at once agree on the one
that was inserted first, and a restart keeps it.
"""
from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa

from geo.store.dialects import Dialect
from geo.store.models import Installation

SECRET_BYTES = 32


def installation_secret(db: sa.Engine, dialect: Dialect, key: str) -> bytes:
    """The installation's secret named ``key`` (:data:`SECRET_BYTES` random bytes), made on first use."""
    return bytes.fromhex(installation_value(db, dialect, key, lambda: secrets.token_bytes(SECRET_BYTES).hex()))


def installation_value(db: sa.Engine, dialect: Dialect, key: str, make) -> str:
    """The value stored under ``key``; when there is none yet, ``make()`` is stored first, unless
    another node stored one meanwhile (insert if absent, then read)."""
    table = Installation.__table__
    query = sa.select(table.c.value).where(table.c.key == key)
    with db.connect() as connection:
        value = connection.execute(query).scalar()
    if value is not None:
        return value
    with dialect.writer(db).begin() as connection:
        connection.execute(dialect.insert(table).values(key=key, value=make(), created_at=dt.datetime.now(dt.UTC)))
        return connection.execute(query).scalar_one()
