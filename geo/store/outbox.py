"""The webhooks' durable outbox: an event is written in the same transaction as the change that
caused it (one row per subscribed webhook), so a change is never stored without its event nor an
event sent for a change that was rolled back. Sending happens elsewhere, later, with retries.

    enqueue(connection, "report.transitioned", {"id": ..., "from": ..., "to": ...}, now=now)
"""
from __future__ import annotations

import datetime as dt
import json

import sqlalchemy as sa

from geo.store.models import Delivery, Webhook

EVENTS = ("report.created", "report.transitioned", "report.overdue")


def event_body(event: str, data: dict, at: dt.datetime) -> str:
    """The exact JSON body sent (and signed) for ``event``: ``{"event", "at", "data"}``, compact,
    keys sorted, so the same event always has the same bytes."""
    return json.dumps({"event": event, "at": at.astimezone(dt.UTC).isoformat(), "data": data},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def enqueue(connection: sa.Connection, event: str, data: dict, *, now: dt.datetime) -> int:
    """Queue ``event`` for every webhook subscribed to it, inside the caller's transaction;
    returns how many deliveries were queued (0 when no webhook wants it)."""
    if event not in EVENTS:
        raise ValueError(f"unknown event {event!r}; events are {', '.join(EVENTS)}")
    hooks = connection.execute(sa.select(Webhook.id, Webhook.events).where(Webhook.removed_at.is_(None))).all()
    wanted = [hook_id for hook_id, events in hooks if event in (events or ())]
    if not wanted:
        return 0
    body = event_body(event, data, now)
    connection.execute(sa.insert(Delivery.__table__), [
        {"webhook_id": hook_id, "event": event, "payload": body, "created_at": now, "next_attempt_at": now,
         "attempts": 0} for hook_id in wanted])
    return len(wanted)
