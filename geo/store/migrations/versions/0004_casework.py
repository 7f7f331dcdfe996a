"""Casework: public reports (status ``unverified``, a tracking code), dismissal reasons,
duplicates and reinstalled props, numbered letters, proof of removal, webhooks with a durable
outbox, and the public intake's per-client rate limit.

``ck_reports_status`` gains ``unverified``; on SQLite the check goes by rebuilding the table
(Alembic batch mode, foreign keys off meanwhile, as in 0003).

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

from geo.store.models import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATUSES = ("unverified", "reported", "verified", "dismissed", "notified", "removed")
ROW_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def _status_check() -> str:
    return f"status IN ({', '.join(repr(s) for s in STATUSES)})"


def upgrade() -> None:
    bind = op.get_bind()
    columns = [
        sa.Column("dismiss_reason", sa.String(30)),
        sa.Column("duplicate_of", sa.String(36)),
        sa.Column("reinstalled_of", sa.String(36)),
        sa.Column("letter_number", sa.String(64)),
        sa.Column("storage_location", sa.String(300)),
        sa.Column("removal_photo_path", sa.String(300)),
        sa.Column("removal_photo_type", sa.String(40)),
        sa.Column("removal_flags", sa.JSON),
        sa.Column("tracking_code", sa.String(32)),
        sa.Column("overdue_alerted_at", UTCDateTime),
    ]
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table("reports", recreate="always") as batch:
            for column in columns:
                batch.add_column(column)
            batch.drop_constraint("ck_reports_status", type_="check")
            batch.create_check_constraint("ck_reports_status", _status_check())
            batch.create_unique_constraint("uq_reports_tracking_code", ["tracking_code"])
    else:
        for column in columns:
            op.add_column("reports", column)
        op.drop_constraint("ck_reports_status", "reports", type_="check")
        op.create_check_constraint("ck_reports_status", "reports", _status_check())
        op.create_unique_constraint("uq_reports_tracking_code", "reports", ["tracking_code"])
    op.create_index("ix_reports_reinstalled_of", "reports", ["reinstalled_of"])
    op.create_index("ix_reports_letter_number", "reports", ["letter_number"])
    op.add_column("report_events", sa.Column("details", sa.JSON))

    op.create_table(
        "letters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(64), nullable=False, unique=True),
        sa.Column("regency_code", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("participant", sa.String(200), nullable=False),
        sa.Column("issued_at", UTCDateTime, nullable=False),
        sa.Column("deadline", UTCDateTime, nullable=False),
        sa.Column("issued_by", sa.String(200)),
        sa.Column("token_id", sa.Integer),
        sa.Column("report_ids", sa.JSON, nullable=False),
        sa.Column("annex", sa.JSON, nullable=False),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("layers_version", sa.String(64), nullable=False),
        sa.UniqueConstraint("regency_code", "year", "seq", name="uq_letters_regency_year_seq"),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("events", sa.JSON, nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("removed_at", UTCDateTime),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("webhook_id", sa.Integer, sa.ForeignKey("webhooks.id"), nullable=False, index=True),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("next_attempt_at", UTCDateTime, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("delivered_at", UTCDateTime),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.String(500)),
    )
    op.create_table(
        "public_intake_hits",
        sa.Column("id", ROW_ID, primary_key=True, autoincrement=True),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_public_intake_hits_client_at", "public_intake_hits", ["client", "at"])


def downgrade() -> None:
    raise NotImplementedError("0004 is not reversible: unverified reports and letters would be lost")
