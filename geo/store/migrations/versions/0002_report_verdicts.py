"""Re-judgements of reports under newer rules or layers versions (append-only, beside the
original verdict, which is never rewritten).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

from geo.store.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_verdicts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.String(36), sa.ForeignKey("reports.id"), nullable=False, index=True),
        sa.Column("judged_at", UTCDateTime, nullable=False),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("layers_version", sa.String(64), nullable=False),
        sa.Column("verdict", sa.JSON, nullable=False),
        sa.Column("verdict_status", sa.String(20), nullable=False),
        sa.Column("uncertain", sa.Boolean, nullable=False),
        sa.Column("site_id", sa.String(200)),
        sa.Column("distance_m", sa.Float),
        sa.Column("previous_status", sa.String(20), nullable=False),
        sa.Column("changed", sa.Boolean, nullable=False),
        sa.UniqueConstraint("report_id", "rules_version", "layers_version", name="uq_report_verdicts_version"),
    )


def downgrade() -> None:
    op.drop_table("report_verdicts")
