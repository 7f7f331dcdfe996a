"""The webhooks: who receives which events (add, list, remove) and what was sent to them (log).

    hooks = Webhooks(store.db, store.migrator.ensure)
    hook_id = hooks.add("https://example.org/zonasi", ["report.created"], "s3cret", now=now)
    hooks.log(failed=True)   # deliveries that failed at least once and are not delivered
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import sqlalchemy as sa

from geo.errors import InputError, NotFound
from geo.store.models import Delivery, Webhook
from geo.store.outbox import EVENTS
from geo.store.rows import iso, utcnow


def parse_events(raw: str | Iterable[str]) -> list[str]:
    """The events of a comma list (or an iterable), checked against :data:`EVENTS`, in that order."""
    values = [v.strip() for v in (raw.split(",") if isinstance(raw, str) else raw) if v and v.strip()]
    unknown = [v for v in values if v not in EVENTS]
    if unknown or not values:
        raise InputError(f"events must be some of {', '.join(EVENTS)}, not {', '.join(unknown) or 'none'}",
                         message_id="webhooks.bad_events",
                         message_values={"events": ", ".join(unknown)[:200] or "-", "known": ", ".join(EVENTS)},
                         parameter="events")
    return [e for e in EVENTS if e in values]


def _check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise InputError(f"{url!r} is not an http(s) URL", message_id="webhooks.bad_url",
                         message_values={"url": url[:200]}, parameter="url")
    return url.strip()


def delivery_state(row) -> str:
    """``delivered``, ``pending`` (waiting for its next attempt) or ``failed`` (given up)."""
    if row["delivered_at"] is not None:
        return "delivered"
    return "pending" if row["next_attempt_at"] is not None else "failed"


class Webhooks:
    """The webhooks of one database (``ensure``: migrates it on first use)."""

    def __init__(self, db: sa.Engine, ensure: Callable[[], None], writer: sa.Engine | None = None):
        self.db = db
        self.writer = writer or db
        self.ensure = ensure

    @classmethod
    def of(cls, store) -> Webhooks:
        """The webhooks of a :class:`~geo.store.Store`'s database."""
        return cls(store.db, store.migrator.ensure, store.dialect.writer(store.db))

    def add(self, url: str, events: str | Iterable[str], secret: str, *, now: dt.datetime | None = None) -> int:
        """Register ``url`` for ``events`` with the HMAC ``secret``; its id."""
        self.ensure()
        if not secret or not secret.strip() or len(secret) > 200:
            raise InputError("the secret must be 1 to 200 characters", message_id="webhooks.bad_secret",
                             parameter="secret")
        values = {"url": _check_url(url), "events": parse_events(events), "secret": secret,
                  "created_at": now or utcnow()}
        with self.writer.begin() as connection:
            return int(connection.execute(sa.insert(Webhook.__table__).values(**values)
                                          .returning(Webhook.id)).scalar_one())

    def remove(self, hook_id: int, *, now: dt.datetime | None = None) -> None:
        """Stop sending to webhook ``hook_id`` (its log stays; what it had pending is not sent)."""
        self.ensure()
        with self.writer.begin() as connection:
            done = connection.execute(sa.update(Webhook.__table__).where(
                Webhook.id == hook_id, Webhook.removed_at.is_(None)).values(removed_at=now or utcnow())).rowcount
            # what it had pending is given up, so that the log says so
            connection.execute(sa.update(Delivery.__table__).where(
                Delivery.webhook_id == hook_id, Delivery.delivered_at.is_(None),
                Delivery.next_attempt_at.is_not(None)).values(next_attempt_at=None, last_error="webhook removed"))
        if done != 1:
            raise NotFound(f"there is no webhook {hook_id}", message_id="webhooks.not_found",
                           message_values={"id": hook_id}, id=hook_id)

    def log(self, *, failed: bool = False, limit: int = 50, webhook_id: int | None = None) -> list[dict]:
        """The newest deliveries first; ``failed``: only those not delivered that failed at least once."""
        self.ensure()
        d = Delivery
        query = sa.select(d.__table__).order_by(d.id.desc()).limit(limit)
        if failed:
            query = query.where(d.delivered_at.is_(None), d.last_error.is_not(None))
        if webhook_id is not None:
            query = query.where(d.webhook_id == webhook_id)
        with self.db.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [{"id": r["id"], "webhook_id": r["webhook_id"], "event": r["event"], "state": delivery_state(r),
                 "attempts": r["attempts"], "created_at": iso(r["created_at"]),
                 "next_attempt_at": iso(r["next_attempt_at"]), "delivered_at": iso(r["delivered_at"]),
                 "last_status": r["last_status"], "last_error": r["last_error"]} for r in rows]

    def list(self, *, removed: bool = False) -> list[dict]:
        """The webhooks (without their secrets), with how many deliveries are delivered, pending, failed."""
        self.ensure()
        d = Delivery
        counts = (sa.select(d.webhook_id,
                            sa.func.count(d.delivered_at).label("delivered"),
                            sa.func.count(d.next_attempt_at).label("pending"),
                            sa.func.sum(sa.case((sa.and_(d.delivered_at.is_(None), d.next_attempt_at.is_(None)), 1),
                                                else_=0)).label("failed"))
                  .group_by(d.webhook_id).subquery())
        query = (sa.select(Webhook.id, Webhook.url, Webhook.events, Webhook.created_at, Webhook.removed_at,
                           counts.c.delivered, counts.c.pending, counts.c.failed)
                 .outerjoin(counts, counts.c.webhook_id == Webhook.id).order_by(Webhook.id))
        if not removed:
            query = query.where(Webhook.removed_at.is_(None))
        with self.db.connect() as connection:
            rows = connection.execute(query).mappings().all()
        return [{"id": r["id"], "url": r["url"], "events": list(r["events"] or ()), "created_at": iso(r["created_at"]),
                 "removed_at": iso(r["removed_at"]), "delivered": int(r["delivered"] or 0),
                 "pending": int(r["pending"] or 0), "failed": int(r["failed"] or 0)} for r in rows]
