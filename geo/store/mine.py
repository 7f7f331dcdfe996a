"""A field officer's own reports ("Laporan saya"): the reports whose submission was made with
one token, newest first, each with its stored verdict and current status, never a reporter's
identity (the caller sees only their own reports, but the answer stays free of names); and the
check that a report is one of them (:func:`require_own_report`)."""
from __future__ import annotations

import sqlalchemy as sa

from geo.errors import NotFound

from .models import Event, Report
from .rows import canonical_report_id, report_row
from .store import MAX_OFFSET


def _submitted_with(token_id: int) -> sa.Select:
    """The ids of the reports whose submission was made with token ``token_id``."""
    return sa.select(Event.report_id).where(Event.to_status == "reported", Event.token_id == token_id)


def reports_of_token(store, token_id: int, limit: int = 100, offset: int = 0) -> tuple[list[dict], int]:
    """The reports submitted with token ``token_id``: (rows of this page with their ``verdict``,
    number matched). Rows carry no ``reporter`` nor ``submitted_by``."""
    store.migrator.ensure()
    offset = min(offset, MAX_OFFSET)  # past every row anyway; larger does not fit the databases' integers
    table = Report.__table__
    where = table.c.id.in_(_submitted_with(token_id))
    query = (sa.select(table).where(where).order_by(Report.reported_at.desc(), Report.id)
             .limit(limit).offset(offset))
    with store.db.connect() as connection:
        rows = connection.execute(query).mappings().all()
        matched = connection.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one()
    out = []
    for row in rows:
        report = report_row(row, private=False, now=store.clock.now())
        report["verdict"] = row["verdict"]
        out.append(report)
    return out, int(matched)


def require_own_report(store, report_id: str, token_id: int) -> None:
    """Nothing when report ``report_id`` was submitted with token ``token_id``; else the NotFound of
    a report that does not exist (a token that may read only its own reports learns nothing of others)."""
    store.migrator.ensure()
    with store.db.connect() as connection:
        own = connection.execute(_submitted_with(token_id).where(
            Event.report_id == canonical_report_id(report_id)).limit(1)).first()
    if own is None:
        raise NotFound(f"there is no report {report_id}", message_id="reports.not_found",
                       message_values={"id": str(report_id)}, id=str(report_id))
