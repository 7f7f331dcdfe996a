"""A report's current verdict: the newest judgement of it, a recheck's (``zonasi reports recheck``,
table ``report_verdicts``) where there is one, else the one it got at submission.

The verdict at submission stays the record (filter ``verdict``); the current one is what a list of
work still to do needs (filter ``current_verdict``): a report stored ``incomplete`` that a recheck
judged ``ok`` once the data were declared complete needs no field check any more.
"""
from __future__ import annotations

import sqlalchemy as sa

from geo.engine.verdict import VERDICT_STATUSES
from geo.store.models import Report
from geo.store.rechecks import ReportVerdict


def current_verdict_status() -> sa.ColumnElement[str]:
    """SQL: the status of the report's newest judgement (the submission's when never rechecked)."""
    later = ReportVerdict.__table__
    newest = (sa.select(later.c.verdict_status).where(later.c.report_id == Report.id)
              .order_by(later.c.id.desc()).limit(1).scalar_subquery())
    return sa.func.coalesce(newest, Report.verdict_status)


def missing_categories(verdict: dict | None) -> list[str]:
    """The required categories a stored verdict (a ``Verdict.to_dict()``) found incomplete at its
    spot; none for a verdict stored before verdicts had a ``coverage`` block."""
    coverage = (verdict or {}).get("coverage")
    return [str(c) for c in coverage.get("missing") or ()] if isinstance(coverage, dict) else []


def with_current_verdicts(db: sa.Engine, rows: list[dict]) -> list[dict]:
    """``rows`` (report rows with an ``id``), each given ``current_verdict`` (its newest
    judgement's status) and ``missing_categories`` (that judgement's missing categories, keys
    joined by ``;`` as in the batch results; empty when nothing is missing). Two queries for the
    whole page, whatever its length."""
    ids = [row["id"] for row in rows]
    if not ids:
        return rows
    later, reports = ReportVerdict.__table__, Report.__table__
    with db.connect() as connection:
        newest = {r.id: (r.verdict_status, r.verdict) for r in connection.execute(
            sa.select(reports.c.id, reports.c.verdict_status, reports.c.verdict).where(reports.c.id.in_(ids)))}
        for r in connection.execute(sa.select(later.c.report_id, later.c.verdict_status, later.c.verdict)
                                    .where(later.c.report_id.in_(ids)).order_by(later.c.id)):
            newest[r.report_id] = (r.verdict_status, r.verdict)   # later rows win: the newest is last
    for row in rows:
        status, verdict = newest.get(row["id"], (row.get("verdict_status"), None))
        row["current_verdict"] = status
        row["missing_categories"] = ";".join(missing_categories(verdict))
    return rows


def verdict_counts(db: sa.Engine, where: list) -> dict[str, int]:
    """How many reports matching ``where`` (SQL conditions on :class:`Report`) have each current
    verdict: every status of :data:`~geo.engine.verdict.VERDICT_STATUSES`, in its order, zeros
    included (one GROUP BY)."""
    judged = sa.select(current_verdict_status().label("status")).select_from(Report.__table__).where(*where).subquery()
    with db.connect() as connection:
        rows = connection.execute(sa.select(judged.c.status, sa.func.count()).group_by(judged.c.status)).all()
    found: dict[str, int] = {str(status): int(count) for status, count in rows}
    return {key: int(found.get(key, 0)) for key in VERDICT_STATUSES}
