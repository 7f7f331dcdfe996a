"""Reports counted in the database (GROUP BY), for the dashboard: no row is loaded into Python."""
from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from geo.store.current import current_verdict_status
from geo.store.models import Report


def report_groups(db: sa.Engine) -> dict[str, Counter]:
    """Reports counted by ``status``, ``category``, ``apk_type``, ``regency`` (code) and ``verdict``
    (the current one: a recheck's, else the submission's), plus ``regency_name`` (code -> a name
    stored with it)."""
    r, n = Report, sa.func.count()

    def grouped(connection, column, *where):
        return Counter({key: int(count) for key, count in connection.execute(
            sa.select(column, n).where(*where).group_by(column)).all()})

    named = sa.and_(r.regency_code.is_not(None), r.regency_code != "")
    with db.connect() as connection:
        groups = {"status": grouped(connection, r.status), "apk_type": grouped(connection, r.apk_type),
                  "category": grouped(connection, r.category, r.category.is_not(None), r.category != ""),
                  "regency": grouped(connection, r.regency_code, named)}
        judged = sa.select(current_verdict_status().label("verdict")).subquery()
        groups["verdict"] = grouped(connection, judged.c.verdict)
        names = connection.execute(sa.select(r.regency_code, sa.func.max(r.regency_name)).where(named)
                                   .group_by(r.regency_code)).all()
    groups["regency_name"] = {code: name or code for code, name in names}
    return groups


def status_counts(db: sa.Engine) -> dict[str, int]:
    """How many reports are in each workflow status (statuses without one are left out)."""
    with db.connect() as connection:
        rows = connection.execute(sa.select(Report.status, sa.func.count()).group_by(Report.status)).all()
    return {status: int(n) for status, n in rows}
