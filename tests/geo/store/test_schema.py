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


def test_0005_keeps_the_letters_and_drops_the_reversible_intake_hashes(tmp_path):
    """Upgrading a 0004 database: its letters stay (keyless, scope ''), its intake hits, keyed by a
    plain SHA-256 of the address, go; the new tables match the models (checked above)."""
    import datetime as dt
    import hashlib

    from geo.store.database import Migrator, create_engine

    db = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    try:
        Migrator(db).upgrade("0004")
        now = dt.datetime(2024, 1, 15, 3, tzinfo=dt.UTC)
        with db.begin() as connection:
            connection.execute(sa.text("INSERT INTO public_intake_hits (client, at) VALUES (:c, :at)"),
                               {"c": hashlib.sha256(b"zonasi-public-intake:203.0.113.7").hexdigest(), "at": now})
            connection.execute(sa.text(
                "INSERT INTO letters (number, regency_code, year, seq, participant, issued_at, deadline, "
                "report_ids, annex, rules_version, layers_version) VALUES ('001/PP.01/32.12/I/2024', '32.12', "
                "2024, 1, 'P', :at, :at, '[]', '{}', 'r', 'l')"), {"at": now})
        Migrator(db).upgrade()
        with db.connect() as connection:
            assert connection.execute(sa.text("SELECT count(*) FROM public_intake_hits")).scalar() == 0
            kept = connection.execute(sa.text(
                "SELECT number, idempotency_scope, idempotency_key FROM letters")).one()
            assert tuple(kept) == ("001/PP.01/32.12/I/2024", "", None)
            assert connection.execute(sa.text("SELECT count(*) FROM installation")).scalar() == 0
    finally:
        db.dispose()
