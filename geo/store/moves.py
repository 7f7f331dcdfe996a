"""One workflow move inside the caller's transaction: the report's new status, its history row
(with ``details``) and the ``report.transitioned`` webhook event, together or not at all.

    with store.dialect.writer(store.db).begin() as connection:
        row = record_move(connection, report_id, "verified", "notified", actor="Bawaslu Indramayu",
                          role="bawaslu", details={"letter": "001/..."}, now=now,
                          values={"deadline": deadline, "letter_number": "001/..."})
        if row is None: ...   # the report was no longer "verified": nothing was written

Every move (single, bulk, reopen, removal, a letter's notice) goes through here, so every move
is audited in ``report_events`` and announced to the webhooks the same way.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa

from geo.store.models import Event, Report
from geo.store.outbox import enqueue


def event_data(row: Mapping) -> dict:
    """What a webhook event says of a report (never the reporter's identity): id, status, verdict
    status, regency (code and name), apk_type, participant."""
    return {"id": row["id"], "status": row["status"], "verdict_status": row["verdict_status"],
            "regency": row["regency_code"], "regency_name": row["regency_name"], "apk_type": row["apk_type"],
            "participant": row["participant"]}


def record_move(connection: sa.Connection, report_id: str, from_status: str, to_status: str, *,
                actor: str | None, role: str | None = None, token_id: int | None = None,
                actor_note: str | None = None, note: str | None = None, details: dict | None = None,
                values: dict | None = None, now: dt.datetime) -> sa.RowMapping | None:
    """Move report ``report_id`` (canonical id) from ``from_status`` to ``to_status`` inside the
    caller's transaction, also setting the report columns in ``values`` (e.g. ``deadline``,
    ``letter_number``); append the history row (actor, role, note, ``details``) and queue the
    ``report.transitioned`` event. Returns the report's row after the move, or None (and writes
    nothing) when the report is no longer in ``from_status``. Whether the move is allowed and who
    may make it is the caller's check (:func:`geo.store.workflow.check_transition`)."""
    table = Report.__table__
    moved = connection.execute(sa.update(table).where(Report.id == report_id, Report.status == from_status)
                               .values(**(values or {}), status=to_status, status_at=now)).rowcount
    if moved != 1:
        return None
    connection.execute(sa.insert(Event.__table__).values(
        report_id=report_id, from_status=from_status, to_status=to_status, actor=actor, role=role,
        token_id=token_id, actor_note=actor_note, at=now, note=note, details=details or None))
    row = connection.execute(sa.select(table).where(Report.id == report_id)).mappings().one()
    enqueue(connection, "report.transitioned",
            {**event_data(row), "from": from_status, "to": to_status, "role": role,
             **({"details": details} if details else {})}, now=now)
    return row
