"""The migrations and the models describe one schema, on both backends: a column, index or
constraint added to one and not the other fails here (Alembic's own comparison)."""
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from geo.store.models import Base, Report

# PostgreSQL only: the generated geography column and its GiST index (migration 0001)
POSTGIS_ONLY = {"geog", "ix_reports_geog"}


def _differences(store) -> list:
    store.migrate()
    with store.db.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        found = compare_metadata(context, Base.metadata)
    return [d for d in found if not _postgis_only(d)]


def _postgis_only(diff) -> bool:
    op = diff[0] if isinstance(diff, tuple) else diff[0][0]
    item = diff[-1] if isinstance(diff, tuple) else diff[0][-1]
    name = getattr(item, "name", None)
    if op in ("remove_column", "remove_index") and name in POSTGIS_ONLY:
        return True
    return isinstance(diff, tuple) and op == "remove_table" and name == "spatial_ref_sys"


def test_the_migrated_database_matches_the_models(store):
    assert _differences(store) == []


def test_public_reports_are_a_status_the_database_accepts(store):
    """0004 widened ck_reports_status: 'unverified' is stored, a made-up status is refused."""
    store.migrate()
    values = {"id": "00000000-0000-4000-8000-000000000001", "request_hash": "x", "apk_type": "baliho",
              "lon": 108.3, "lat": -6.3, "location_source": "report", "reported_at": sa.func.now(),
              "received_at": sa.func.now(), "status": "unverified", "status_at": sa.func.now(),
              "verdict": {}, "verdict_status": "allowed", "uncertain": False, "rules_version": "r",
              "layers_version": "l", "idempotency_scope": "", "tracking_code": "ABC123"}
    with store.db.begin() as connection:
        connection.execute(sa.insert(Report.__table__).values(**values))
    bad = dict(values, id="00000000-0000-4000-8000-000000000002", status="lost", tracking_code="ABC124")
    try:
        with store.db.begin() as connection:
            connection.execute(sa.insert(Report.__table__).values(**bad))
    except sa.exc.IntegrityError:
        pass
    else:
        raise AssertionError("a status outside the workflow was stored")
