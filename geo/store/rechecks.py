"""Re-judging open reports under the current rules and layers versions.

A report keeps the verdict it got when it was submitted, forever. When the rules or the layers
change, :func:`recheck` judges every open report (reported, verified, notified) again with the
current engine, in one vectorised batch, and stores the new verdict ALONGSIDE in
``report_verdicts`` (one row per report and version pair; running it twice adds nothing), and
says which verdicts changed: a new violation, one that went away, another site or distance.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from geo.store.dialects import row_id_type
from geo.store.models import Base, Report, UTCDateTime

OPEN_STATUSES = ("reported", "verified", "notified")


class ReportVerdict(Base):
    """A later verdict of a report under newer versions (see migration 0002); never updated."""

    __tablename__ = "report_verdicts"
    __table_args__ = (sa.UniqueConstraint("report_id", "rules_version", "layers_version",
                                          name="uq_report_verdicts_version"),)

    id: Mapped[int] = mapped_column(row_id_type(), primary_key=True, autoincrement=True)
    report_id: Mapped[str] = mapped_column(sa.String(36), sa.ForeignKey("reports.id"), index=True)
    judged_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    rules_version: Mapped[str] = mapped_column(sa.String(64))
    layers_version: Mapped[str] = mapped_column(sa.String(64))
    verdict: Mapped[dict] = mapped_column(sa.JSON)
    verdict_status: Mapped[str] = mapped_column(sa.String(20))
    uncertain: Mapped[bool] = mapped_column(sa.Boolean)
    site_id: Mapped[str | None] = mapped_column(sa.String(200))
    distance_m: Mapped[float | None] = mapped_column(sa.Float)
    previous_status: Mapped[str] = mapped_column(sa.String(20))
    changed: Mapped[bool] = mapped_column(sa.Boolean)


@dataclass
class RecheckResult:
    """What :func:`recheck` did: the versions judged under, counts, and the verdicts that changed."""

    rules_version: str
    layers_version: str
    open_reports: int = 0
    judged: int = 0                 # judged now (not yet judged under these versions)
    already: int = 0                # judged under these versions before
    changes: list[dict] = field(default_factory=list)
    dry_run: bool = False
    skipped: int = 0                # not judged: their newest verdict is not one of ``verdicts``
    # open reports per newest verdict after this run (incomplete: still to check on site)
    current: dict[str, int] = field(default_factory=dict)


def recheck(store, *, dry_run: bool = False, verdicts: tuple[str, ...] = ()) -> RecheckResult:
    """Judge open reports under the current versions; store and list what changed. ``verdicts``:
    only the reports whose newest verdict is one of these (e.g. ``("incomplete",)`` after
    declaring coverage)."""
    store.migrator.ensure()
    engine = store.engine
    result = RecheckResult(engine.rules_version, engine.layers_version, dry_run=dry_run)
    reports, verdict_table = Report.__table__, ReportVerdict.__table__
    with store.db.connect() as connection:
        rows = connection.execute(sa.select(
            reports.c.id, reports.c.status, reports.c.lon, reports.c.lat, reports.c.accuracy_m,
            reports.c.reported_at, reports.c.verdict_status, reports.c.site_id, reports.c.distance_m,
            reports.c.rules_version, reports.c.layers_version).where(reports.c.status.in_(OPEN_STATUSES))
            .order_by(reports.c.reported_at, reports.c.id)).mappings().all()
        later = connection.execute(sa.select(
            verdict_table.c.report_id, verdict_table.c.rules_version, verdict_table.c.layers_version,
            verdict_table.c.verdict_status, verdict_table.c.site_id, verdict_table.c.distance_m)
            .where(verdict_table.c.report_id.in_([r["id"] for r in rows]))
            .order_by(verdict_table.c.id)).mappings().all() if rows else []
    result.open_reports = len(rows)
    latest = {r["id"]: dict(r) for r in rows}
    for v in later:               # the newest judgement of each report is what a change is measured against
        latest[v["report_id"]].update({k: v[k] for k in ("rules_version", "layers_version", "verdict_status",
                                                           "site_id", "distance_m")})
    current = (engine.rules_version, engine.layers_version)
    stale = [r for r in rows if (latest[r["id"]]["rules_version"], latest[r["id"]]["layers_version"]) != current]
    todo = [r for r in stale if not verdicts or latest[r["id"]]["verdict_status"] in verdicts]
    result.already, result.skipped = len(rows) - len(stale), len(stale) - len(todo)
    result.judged = len(todo)
    newest = {r["id"]: latest[r["id"]]["verdict_status"] for r in rows}
    result.current = _counted(newest)
    if not todo:
        return result
    batch = engine.check_many([r["lon"] for r in todo], [r["lat"] for r in todo],
                              ats=[r["reported_at"] for r in todo],  # instants: the local date of each regency
                              accuracy_m=[np.nan if r["accuracy_m"] is None else r["accuracy_m"] for r in todo])
    now = dt.datetime.now(dt.UTC)
    inserts = []
    for i, row in enumerate(todo):
        verdict = batch.verdict(i)
        newest[row["id"]] = verdict.status
        primary = verdict.primary
        before = latest[row["id"]]
        site = primary.site_id if primary else None
        distance = float(primary.distance_m) if primary else None
        changed = verdict.status != before["verdict_status"] or (
            verdict.status == "violation" and site != before["site_id"])
        inserts.append(dict(report_id=row["id"], judged_at=now, rules_version=current[0], layers_version=current[1],
                            verdict=json.loads(json.dumps(verdict.to_dict(), default=str)),
                            verdict_status=verdict.status, uncertain=bool(verdict.uncertain), site_id=site,
                            distance_m=distance, previous_status=before["verdict_status"], changed=changed))
        if changed:
            result.changes.append({
                "report_id": row["id"], "status": row["status"],
                "before": {"verdict": before["verdict_status"], "site_id": before["site_id"],
                           "distance_m": before["distance_m"], "rules_version": before["rules_version"],
                           "layers_version": before["layers_version"]},
                "after": {"verdict": verdict.status, "site_id": site, "distance_m": distance,
                          "kind": primary.kind if primary is not None and hasattr(primary, "kind") else None}})
    result.current = _counted(newest)
    if not dry_run:
        with store.dialect.writer(store.db).begin() as connection:  # a concurrent recheck may have stored some
            connection.execute(store.dialect.insert(verdict_table), inserts)
    return result


def _counted(statuses: dict[str, str]) -> dict[str, int]:
    counts = Counter(statuses.values())
    return {key: counts[key] for key in sorted(counts, key=str)}


def later_verdicts(store, report_id: str) -> list[dict]:
    """Every later judgement of one report, oldest first."""
    store.migrator.ensure()
    table = ReportVerdict.__table__
    with store.db.connect() as connection:
        rows = connection.execute(sa.select(table).where(table.c.report_id == report_id)
                                  .order_by(table.c.id)).mappings().all()
    return [{**dict(r), "judged_at": r["judged_at"].isoformat()} for r in rows]
