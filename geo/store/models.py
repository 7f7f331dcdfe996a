"""The tables: reports, their append-only history, API tokens, letters, webhooks, the public
intake's hits and the installation's own values (SQLAlchemy 2).

The models are the same on SQLite and PostgreSQL. On PostgreSQL the migration adds a
``geog geography(Point, 4326)`` column, generated from lon/lat, with a GiST index (see
``migrations/versions``); lon/lat stay the source of truth on both backends.
"""
from __future__ import annotations

import datetime as dt
from typing import ClassVar

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from geo.store.dialects import dialect_for, row_id_type
from geo.store.workflow import APK_TYPES, ROLES, WORKFLOW_STATUSES


class UTCDateTime(sa.TypeDecorator):
    """Timezone-aware UTC datetimes on both backends (SQLite keeps no zone: store naive UTC)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """A datetime in UTC (naive where the backend keeps no zone); a naive one is taken as UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect_for(dialect).naive_datetimes else value

    def process_result_value(self, value, dialect):
        """A timezone-aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _check_in(column: str, values) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    """The store's declarative base: one metadata for every table."""

    __table__: ClassVar[sa.Table]  # every model maps one Table (SQLAlchemy types it as any FromClause)


class Report(Base):
    """A submitted report: where, what, by whom, its verdict at submission and its workflow status."""

    __tablename__ = "reports"
    __table_args__ = (
        sa.CheckConstraint(_check_in("apk_type", APK_TYPES), name="ck_reports_apk_type"),
        sa.CheckConstraint(_check_in("status", WORKFLOW_STATUSES), name="ck_reports_status"),
        sa.CheckConstraint("lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90", name="ck_reports_lonlat"),
        sa.Index("ix_reports_lon_lat", "lon", "lat"),
        sa.UniqueConstraint("idempotency_scope", "idempotency_key", name="uq_reports_idempotency_scope_key"),
    )

    id: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(255))
    # Whose key: "token:<id>" of the submitting token ("" without a token); unique with the key.
    idempotency_scope: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    apk_type: Mapped[str] = mapped_column(sa.String(20))
    participant: Mapped[str | None] = mapped_column(sa.String(200))
    lon: Mapped[float] = mapped_column(sa.Float(precision=53))
    lat: Mapped[float] = mapped_column(sa.Float(precision=53))
    accuracy_m: Mapped[float | None] = mapped_column(sa.Float)
    location_source: Mapped[str] = mapped_column(sa.String(10), default="report")  # report | exif
    photo_path: Mapped[str | None] = mapped_column(sa.String(300))
    photo_type: Mapped[str | None] = mapped_column(sa.String(40))
    reporter: Mapped[str | None] = mapped_column(sa.String(200))
    submitted_by: Mapped[str | None] = mapped_column(sa.String(200))
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), index=True, default="reported")
    status_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    # The verdict at submission, whole, plus the columns the filters need.
    verdict: Mapped[dict] = mapped_column(sa.JSON)
    verdict_status: Mapped[str] = mapped_column(sa.String(20), index=True)
    uncertain: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    regency_code: Mapped[str | None] = mapped_column(sa.String(16), index=True)
    regency_name: Mapped[str | None] = mapped_column(sa.String(200))
    category: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    site_id: Mapped[str | None] = mapped_column(sa.String(200))
    site_name: Mapped[str | None] = mapped_column(sa.String(300))
    distance_m: Mapped[float | None] = mapped_column(sa.Float)
    buffer_m: Mapped[float | None] = mapped_column(sa.Float)
    legal_basis: Mapped[str | None] = mapped_column(sa.String(300))
    rules_version: Mapped[str] = mapped_column(sa.String(64))
    layers_version: Mapped[str] = mapped_column(sa.String(64))
    # Casework (0004): why a report was dismissed, which report it repeats or brings back, the
    # letter that notified it, the proof of its removal, a public report's tracking code.
    dismiss_reason: Mapped[str | None] = mapped_column(sa.String(30))
    duplicate_of: Mapped[str | None] = mapped_column(sa.String(36))
    reinstalled_of: Mapped[str | None] = mapped_column(sa.String(36), index=True)
    letter_number: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    storage_location: Mapped[str | None] = mapped_column(sa.String(300))
    removal_photo_path: Mapped[str | None] = mapped_column(sa.String(300))
    removal_photo_type: Mapped[str | None] = mapped_column(sa.String(40))
    removal_flags: Mapped[list | None] = mapped_column(sa.JSON)
    tracking_code: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    overdue_alerted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Event(Base):
    """One row per status change (and the submission itself); never updated or deleted."""

    __tablename__ = "report_events"

    id: Mapped[int] = mapped_column(row_id_type(), primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("reports.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    actor: Mapped[str | None] = mapped_column(sa.String(200))      # the token's name, never the client's word
    role: Mapped[str | None] = mapped_column(sa.String(20))
    token_id: Mapped[int | None] = mapped_column(sa.Integer)         # the token that made the move
    actor_note: Mapped[str | None] = mapped_column(sa.String(200))  # who the client said it was
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[dict | None] = mapped_column(sa.JSON)  # e.g. a dismissal's reason and duplicate_of


class Token(Base):
    """An API token: only the SHA-256 of the secret is stored."""

    __tablename__ = "api_tokens"
    __table_args__ = (sa.CheckConstraint(_check_in("role", ROLES), name="ck_api_tokens_role"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(20))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Letter(Base):
    """A numbered warning letter to a campaign participant: numbered per regency and year, never
    reused; ``annex`` keeps what the letter says of each prop as it was issued."""

    __tablename__ = "letters"
    __table_args__ = (
        sa.UniqueConstraint("regency_code", "year", "seq", name="uq_letters_regency_year_seq"),
        sa.Index("uq_letters_idempotency_scope_key", "idempotency_scope", "idempotency_key", unique=True),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    number: Mapped[str] = mapped_column(sa.String(64), unique=True)
    regency_code: Mapped[str] = mapped_column(sa.String(16))
    year: Mapped[int] = mapped_column(sa.Integer)
    seq: Mapped[int] = mapped_column(sa.Integer)
    participant: Mapped[str] = mapped_column(sa.String(200))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    issued_by: Mapped[str | None] = mapped_column(sa.String(200))
    token_id: Mapped[int | None] = mapped_column(sa.Integer)
    report_ids: Mapped[list] = mapped_column(sa.JSON)
    annex: Mapped[dict] = mapped_column(sa.JSON)
    rules_version: Mapped[str] = mapped_column(sa.String(64))
    layers_version: Mapped[str] = mapped_column(sa.String(64))
    # 0005: the issuing request's Idempotency-Key, whose it is ("token:<id>", "" without a token)
    # and what it asked for (a retry with the same key and another request is refused).
    idempotency_key: Mapped[str | None] = mapped_column(sa.String(255))
    idempotency_scope: Mapped[str] = mapped_column(sa.String(64), default="", server_default="")
    request_hash: Mapped[str | None] = mapped_column(sa.String(64))


class Webhook(Base):
    """A receiver of events (``report.created``, ``report.transitioned``, ``report.overdue``)."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    events: Mapped[list] = mapped_column(sa.JSON)
    secret: Mapped[str] = mapped_column(sa.String(200))   # the HMAC key: kept, as the receiver holds it too
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    removed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Delivery(Base):
    """The durable outbox: one row per event per webhook, written with the change that caused it,
    sent later (never in the request's path) and retried with backoff until delivered."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(row_id_type(), primary_key=True, autoincrement=True)
    webhook_id: Mapped[int] = mapped_column(sa.Integer, sa.ForeignKey("webhooks.id"), index=True)
    event: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[str] = mapped_column(sa.Text)         # the exact body signed and sent
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)  # None: done
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))


class IntakeHit(Base):
    """One public report from a client (a hash of its address), for the per-client rate limit
    shared by every node."""

    __tablename__ = "public_intake_hits"
    __table_args__ = (sa.Index("ix_public_intake_hits_client_at", "client", "at"),)

    id: Mapped[int] = mapped_column(row_id_type(), primary_key=True, autoincrement=True)
    client: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Installation(Base):
    """Values made once per installation and shared by every node (0005), e.g. the HMAC key of
    the public intake's client hashes; see :mod:`geo.store.installation`."""

    __tablename__ = "installation"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
