"""Reports counted per campaign participant, in the database (GROUP BY): how many props each one
has reported against it, how many were taken down, how many came back after a removal, how many
notices are past their deadline."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from geo.store.models import Report


def participant_counts(db: sa.Engine, now: dt.datetime) -> list[dict]:
    """``[{"participant", "reports", "removed", "reinstalled", "overdue"}]``, most reports first.
    Participants are grouped case and spacing aside (the most common spelling is not tracked: the
    greatest is shown); reports without a participant and dismissed reports are not counted."""
    r = Report
    key = sa.func.lower(sa.func.trim(r.participant))

    def count_if(condition) -> sa.ColumnElement:
        return sa.func.sum(sa.case((condition, 1), else_=0))

    query = (sa.select(sa.func.max(sa.func.trim(r.participant)).label("participant"), sa.func.count().label("reports"),
                       count_if(r.status == "removed").label("removed"),
                       count_if(r.reinstalled_of.is_not(None)).label("reinstalled"),
                       count_if(sa.and_(r.status == "notified", r.deadline < now)).label("overdue"))
             .where(r.participant.is_not(None), sa.func.trim(r.participant) != "", r.status != "dismissed")
             .group_by(key))
    with db.connect() as connection:
        rows = connection.execute(query).mappings().all()
    out = [{"participant": row["participant"], **{k: int(row[k] or 0) for k in
                                                  ("reports", "removed", "reinstalled", "overdue")}} for row in rows]
    return sorted(out, key=lambda p: (-p["reports"], p["participant"]))
