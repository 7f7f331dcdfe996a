"""Databases of their own on the PostGIS of a test run (``scripts/postgis.sh``): for the web
nodes' tests, and for each pytest-xdist worker (parallel workers must not empty each other's tables)."""
from __future__ import annotations

import uuid

import sqlalchemy as sa


def create_database(url: str, prefix: str = "zonasi_nodes") -> str:
    """A new, empty database with PostGIS on the server of ``url``, named ``prefix`` plus a
    random suffix; its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
    finally:
        admin.dispose()
    new_url = sa.make_url(url).set(database=name)
    engine = sa.create_engine(new_url)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE EXTENSION postgis")
    finally:
        engine.dispose()
    return new_url.render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the database of ``url`` (its connections closed first)."""
    parsed = sa.make_url(url)
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {parsed.database} WITH (FORCE)")
    finally:
        admin.dispose()
