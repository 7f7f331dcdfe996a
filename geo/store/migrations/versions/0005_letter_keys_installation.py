"""Idempotency keys for letters, and the installation's own values (the public intake's secret).

``letters`` gains ``idempotency_key``, ``idempotency_scope`` (the issuing token, ``token:<id>``;
``''`` without one and for the letters issued before this migration) and ``request_hash`` (what
the request asked for), unique together by ``(idempotency_scope, idempotency_key)``: a retried
``POST /api/letters`` finds the letter it issued instead of issuing another. A unique index, not
a constraint, so SQLite needs no table rebuild (NULL keys never collide on either backend).

``installation`` keeps values made once per installation and shared by every node, e.g. the
HMAC key of the public intake's client hashes (:mod:`geo.store.installation`: inserted if absent,
then read, so two nodes starting at once agree on one).

The rows of ``public_intake_hits`` go: their clients were a plain SHA-256 of the address (with a
constant prefix), which a search over every IPv4 address reverses. The per-client limit counts
afresh from here (at most one hour of hits is forgotten).

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

from geo.store.models import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

LETTER_KEYS = "uq_letters_idempotency_scope_key"


def upgrade() -> None:
    op.add_column("letters", sa.Column("idempotency_key", sa.String(255)))
    op.add_column("letters", sa.Column("idempotency_scope", sa.String(64), nullable=False, server_default=""))
    op.add_column("letters", sa.Column("request_hash", sa.String(64)))
    op.create_index(LETTER_KEYS, "letters", ["idempotency_scope", "idempotency_key"], unique=True)
    op.create_table(
        "installation",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.execute("DELETE FROM public_intake_hits")


def downgrade() -> None:
    raise NotImplementedError("0005 is not reversible: the intake's secret and the letters' keys would be lost")
