"""Reports, their append-only history, API tokens; on PostgreSQL a geography column + GiST index.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography

from geo.store.models import UTCDateTime
from geo.store.workflow import APK_TYPES, ROLES, WORKFLOW_STATUSES

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "reports",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("idempotency_key", sa.String(255), unique=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("apk_type", sa.String(20), nullable=False),
        sa.Column("participant", sa.String(200)),
        sa.Column("lon", sa.Float(precision=53), nullable=False),
        sa.Column("lat", sa.Float(precision=53), nullable=False),
        sa.Column("accuracy_m", sa.Float),
        sa.Column("location_source", sa.String(10), nullable=False),
        sa.Column("photo_path", sa.String(300)),
        sa.Column("photo_type", sa.String(40)),
        sa.Column("reporter", sa.String(200)),
        sa.Column("submitted_by", sa.String(200)),
        sa.Column("reported_at", UTCDateTime, nullable=False),
        sa.Column("received_at", UTCDateTime, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_at", UTCDateTime, nullable=False),
        sa.Column("deadline", UTCDateTime),
        sa.Column("verdict", sa.JSON, nullable=False),
        sa.Column("verdict_status", sa.String(20), nullable=False),
        sa.Column("uncertain", sa.Boolean, nullable=False),
        sa.Column("regency_code", sa.String(16)),
        sa.Column("regency_name", sa.String(200)),
        sa.Column("category", sa.String(40)),
        sa.Column("site_id", sa.String(200)),
        sa.Column("site_name", sa.String(300)),
        sa.Column("distance_m", sa.Float),
        sa.Column("buffer_m", sa.Float),
        sa.Column("legal_basis", sa.String(300)),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("layers_version", sa.String(64), nullable=False),
        sa.CheckConstraint(_in("apk_type", APK_TYPES), name="ck_reports_apk_type"),
        sa.CheckConstraint(_in("status", WORKFLOW_STATUSES), name="ck_reports_status"),
        sa.CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="ck_reports_lonlat"),
    )
    for column in ("reported_at", "status", "deadline", "verdict_status", "regency_code", "category"):
        op.create_index(f"ix_reports_{column}", "reports", [column])
    op.create_index("ix_reports_lon_lat", "reports", ["lon", "lat"])

    op.create_table(
        "report_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id"), nullable=False),
        sa.Column("from_status", sa.String(20)),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("actor", sa.String(200)),
        sa.Column("role", sa.String(20)),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_report_events_report_id", "report_events", ["report_id"])

    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("revoked_at", UTCDateTime),
        sa.CheckConstraint(_in("role", ROLES), name="ck_api_tokens_role"),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        op.add_column("reports", sa.Column(
            "geog", Geography("POINT", srid=4326, spatial_index=False),
            sa.Computed("ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography", persisted=True)))
        op.create_index("ix_reports_geog", "reports", ["geog"], postgresql_using="gist")
        op.execute("""
            CREATE FUNCTION report_events_append_only() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'report_events is append-only'; END $$ LANGUAGE plpgsql""")
        op.execute("""
            CREATE TRIGGER report_events_append_only BEFORE UPDATE OR DELETE ON report_events
            FOR EACH ROW EXECUTE FUNCTION report_events_append_only()""")
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(f"""
                CREATE TRIGGER report_events_no_{action.lower()} BEFORE {action} ON report_events
                BEGIN SELECT RAISE(ABORT, 'report_events is append-only'); END""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS report_events_append_only ON report_events")
        op.execute("DROP FUNCTION IF EXISTS report_events_append_only()")
    op.drop_table("api_tokens")
    op.drop_table("report_events")
    op.drop_table("reports")
