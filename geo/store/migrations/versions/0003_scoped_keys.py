"""Idempotency keys scoped to the submitting token; the audit trail records the token.

``reports.idempotency_key`` was unique across every token, so one token's key could find
another token's report. Now ``(idempotency_scope, idempotency_key)`` is unique, the scope being
the submitting token (``token:<id>``; ``''`` for reports stored without a token, and for the
reports stored before this migration). ``report_events`` gains ``token_id`` (the token that made
the move) and ``actor_note`` (what the client said about who it is, kept apart from the actor).

On SQLite the unnamed UNIQUE constraint can only go by rebuilding the table (Alembic batch
mode), with foreign keys off meanwhile and checked before the commit (``Migrator.upgrade``).
Accuracies outside the API's range (a NaN from EXIF, 4.29e9 m) become NULL.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCOPED = "uq_reports_idempotency_scope_key"


def upgrade() -> None:
    bind = op.get_bind()
    op.add_column("report_events", sa.Column("token_id", sa.Integer))
    op.add_column("report_events", sa.Column("actor_note", sa.String(200)))
    op.add_column("reports", sa.Column("idempotency_scope", sa.String(64), nullable=False, server_default=""))
    if bind.dialect.name == "sqlite":
        with op.batch_alter_table("reports", recreate="always",
                                  naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"}) as batch:
            batch.drop_constraint("uq_reports_idempotency_key", type_="unique")
            batch.create_unique_constraint(SCOPED, ["idempotency_scope", "idempotency_key"])
    else:
        for unique in sa.inspect(bind).get_unique_constraints("reports"):
            if unique["column_names"] == ["idempotency_key"]:
                name = unique["name"]
                assert name is not None, "PostgreSQL names every constraint"
                op.drop_constraint(name, "reports", type_="unique")
        op.create_unique_constraint(SCOPED, "reports", ["idempotency_scope", "idempotency_key"])
    # EXIF accuracies the API would have refused (NaN from a 0/0 rational breaks every JSON page
    # on PostgreSQL, which stores NaN; SQLite stored NULL) are dropped, as they now are on input.
    # PostgreSQL orders NaN above every number, so it is outside the range too.
    op.execute("UPDATE reports SET accuracy_m = NULL WHERE NOT (accuracy_m BETWEEN 0 AND 100000)")


def downgrade() -> None:
    raise NotImplementedError("0003 is not reversible: keys of different tokens may now coincide")
