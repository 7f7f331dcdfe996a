"""``GET /health``: whether this node can serve, for a load balancer and for monitoring.

    200 {"status": "ok", "layers_version": ..., "rules_version": ..., "database": "ok"}
    503 {"status": "unavailable", ..., "database": "unreachable"}   with Retry-After

No token, no rate limit, never cached. The database is asked ``SELECT 1`` on a connection of its
own, opened with a short connect timeout (``Settings.health_timeout_s``), so a database that is
down or cut off by the network gives a quick 503 instead of a request that hangs for the driver's
default of two minutes; and the store's own pool is left as it is. The layer and rule versions say
which immutable layers directory this node serves (see docs/deploy.md: rolling a new version).
"""
from __future__ import annotations

import math

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app
from sqlalchemy.pool import NullPool

from .services import services

bp = Blueprint("health", __name__)
PROBE_KEY = "zonasi.health"   # app.extensions: the probe's engine, made on first use
RETRY_AFTER_S = 5


@bp.get("/health")
def health():
    """Whether this node can serve: its layers and rules versions and whether its database answers."""
    s = services()
    reachable = database_reachable(current_app)
    body = {"status": "ok" if reachable else "unavailable", "layers_version": s.engine.layers_version,
            "rules_version": s.engine.rules_version, "database": "ok" if reachable else "unreachable"}
    response = current_app.json.response(body)
    response.headers["Cache-Control"] = "no-store"
    if not reachable:
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def database_reachable(app: Flask) -> bool:
    """True when the app's database answers ``SELECT 1`` within the health timeout."""
    try:
        with probe_engine(app).connect() as connection:
            connection.exec_driver_sql("SELECT 1").scalar()
    except sa.exc.SQLAlchemyError:
        app.logger.warning("health: the database is unreachable", exc_info=True)
        return False
    return True


def probe_engine(app: Flask) -> sa.Engine:
    """The engine /health asks: on PostgreSQL its own, without a pool (a fresh connection each
    time, with ``connect_timeout`` and a ``statement_timeout``); on SQLite (a local file) the
    store's engine."""
    engine = app.extensions.get(PROBE_KEY)
    if engine is None:
        s = services(app)
        db = s.store.db
        if db.dialect.name != "postgresql":
            engine = db
        else:
            timeout = max(2, math.ceil(s.settings.health_timeout_s))  # libpq's minimum is 2 s
            engine = sa.create_engine(db.url, poolclass=NullPool, connect_args={
                "connect_timeout": timeout, "options": f"-c statement_timeout={timeout * 1000}"})
        engine = app.extensions.setdefault(PROBE_KEY, engine)
    return engine
