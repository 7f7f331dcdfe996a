"""A field officer's own reports ("Laporan saya"): the reports whose submission was made with
one token, newest first, each with its stored verdict and current status, never a reporter's
identity (the caller sees only their own reports, but the answer stays free of names)."""
from __future__ import annotations

import sqlalchemy as sa

from .models import Event, Report
from .rows import report_row
from .store import MAX_OFFSET


def reports_of_token(store, token_id: int, limit: int = 100, offset: int = 0) -> tuple[list[dict], int]:
    """The reports submitted with token ``token_id``: (rows of this page with their ``verdict``,
    number matched). Rows carry no ``reporter`` nor ``submitted_by``."""
    store.migrator.ensure()
    offset = min(offset, MAX_OFFSET)  # past every row anyway; larger does not fit the databases' integers
    submitted = sa.select(Event.report_id).where(Event.to_status == "reported", Event.token_id == token_id)
    table = Report.__table__
    where = table.c.id.in_(submitted)
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
