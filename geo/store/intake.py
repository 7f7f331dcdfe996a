"""Public intake: reports without an account, rate-limited per client, looked up by tracking code.

    intake = PublicIntake(store, per_hour=5)
    intake.admit(client_address, now)     # records the hit, or TooManyRequests (429, Retry-After)
    sub = store.submit(data, public=True, idempotency_key=key)
    intake.lookup("ABCDE23456")           # {"tracking_code", "status", "verdict_status", ...}

The limit counts hits in ``public_intake_hits`` (so every node shares it), one row per admitted
report, keyed by an HMAC-SHA256 of the client's address (never the address itself) under the
installation's secret (:mod:`geo.store.installation`: made once, kept in the database, the same on
every node), so the stored hashes cannot be turned back into addresses by hashing all 2^32 IPv4
addresses, as a plain or constant-salted SHA-256 could. The count and
the new hit are one transaction, one client at a time (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL:
an advisory lock on the client's hash), so concurrent requests cannot pass the limit together.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import math

import sqlalchemy as sa

from geo.errors import NotFound, ZonasiError
from geo.store.installation import installation_secret
from geo.store.models import IntakeHit, Report
from geo.store.rows import iso
from geo.store.tracking import normalise_code

WINDOW = dt.timedelta(hours=1)
SECRET = "public_intake_key"     # the installation value keying the client hashes


class TooManyRequests(ZonasiError):
    """A client over its limit (HTTP 429 with Retry-After, in seconds)."""

    status = 429
    code = "too-many-requests"

    def __init__(self, message: str, *, retry_after: int, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


def client_key(secret: bytes, address: str | None) -> str:
    """The stored form of a client's address: its HMAC-SHA256 under ``secret``, in hex."""
    return hmac.new(secret, (address or "-").encode("utf-8"), hashlib.sha256).hexdigest()


class PublicIntake:
    """The per-client limit and the tracking-code lookup of one store."""

    def __init__(self, store, per_hour: int):
        """Over ``store`` (a :class:`~geo.store.Store`); ``per_hour`` reports per client per hour."""
        self.store = store
        self.per_hour = per_hour
        self._secret: bytes | None = None

    def client_key(self, address: str | None) -> str:
        """The stored form of the client at ``address`` (:func:`client_key` under the installation's secret)."""
        if self._secret is None:
            self.store.migrate()
            self._secret = installation_secret(self.store.db, self.store.dialect, SECRET)
        return client_key(self._secret, address)

    def admit(self, address: str | None, now: dt.datetime) -> None:
        """Count one public report for the client at ``address``, or raise TooManyRequests
        (Retry-After: when its oldest hit in the last hour leaves the window)."""
        self.store.migrate()
        client = self.client_key(address)
        h = IntakeHit
        with self.store.dialect.writer(self.store.db).begin() as connection:
            self.store.dialect.lock(connection, client)   # one request of this client at a time, across nodes
            since = now - WINDOW
            hits = connection.execute(sa.select(h.at).where(h.client == client, h.at > since)
                                      .order_by(h.at)).scalars().all()
            if len(hits) >= self.per_hour:
                free_at = hits[len(hits) - self.per_hour] + WINDOW
                wait = max(1, math.ceil((free_at - now).total_seconds()))
                raise TooManyRequests(f"at most {self.per_hour} reports an hour without an account; try again in "
                                      f"{wait} s", message_id="public.too_many",
                                      message_values={"limit": self.per_hour, "minutes": math.ceil(wait / 60)},
                                      retry_after=wait)
            connection.execute(sa.delete(h.__table__).where(h.client == client, h.at <= since))   # tidy up
            connection.execute(sa.insert(h.__table__).values(client=client, at=now))

    def stored(self, key: str | None) -> bool:
        """Whether a public report was stored with Idempotency-Key ``key`` (its retry is not counted)."""
        if not key or not str(key).strip():
            return False
        self.store.migrate()
        with self.store.db.connect() as connection:
            found = connection.execute(sa.select(Report.id).where(
                Report.idempotency_scope == "public", Report.idempotency_key == str(key).strip()[:255])).first()
        return found is not None

    def lookup(self, code: str) -> dict:
        """Status and verdict of the public report with tracking ``code`` (typed in any case, with
        spaces or dashes); NotFound when there is none. Nothing else: no position, no identity."""
        self.store.migrate()
        wanted = normalise_code(code)
        row = None
        if wanted is not None:
            with self.store.db.connect() as connection:
                row = connection.execute(sa.select(
                    Report.tracking_code, Report.status, Report.status_at, Report.received_at, Report.verdict,
                    Report.verdict_status, Report.apk_type).where(Report.tracking_code == wanted)).mappings().first()
        if row is None:
            raise NotFound(f"no report has the tracking code {str(code)[:40]!r}", message_id="public.not_found",
                           message_values={"code": str(code)[:40]}, code_given=str(code)[:40])
        return {"tracking_code": row["tracking_code"], "status": row["status"], "status_at": iso(row["status_at"]),
                "received_at": iso(row["received_at"]), "apk_type": row["apk_type"],
                "verdict_status": row["verdict_status"], "verdict": row["verdict"]}
