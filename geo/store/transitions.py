"""Moving reports through the workflow: one at a time (:func:`transition`) or many
(:func:`transition_many`), each move checked (order, role, what it needs), audited in
``report_events`` with its details, and announced as ``report.transitioned``.

    report = transition(store, rid, "dismissed", actor="Bawaslu", role="bawaslu",
                        details=MoveDetails(reason="duplicate", duplicate_of=other_id))
    results = transition_many(store, ids, "verified", actor=..., role=..., limit=1000)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from geo.errors import Conflict, InputError, TooLarge, ZonasiError
from geo.store.faults import full_is_unavailable
from geo.store.filters import ReportFilter
from geo.store.models import Report
from geo.store.moves import record_move
from geo.store.photos import Photo, read_photo
from geo.store.removal import notified_at, removal_flags, require_photo, storage_location
from geo.store.rows import canonical_report_id, utcnow
from geo.store.triage import MoveDetails, check_role, move_values
from geo.store.workflow import check_transition


@dataclass(frozen=True)
class Outcome:
    """One report's result in a bulk move: the report after it, or the error that refused it."""

    id: str
    report: dict | None = None
    error: ZonasiError | None = None


def transition(store, report_id: str, status: str, *, actor: str | None, role: str | None = None,
               details: MoveDetails | None = None, expected: str | None = None, token_id: int | None = None,
               actor_note: str | None = None, photo: bytes | None = None, now: dt.datetime | None = None) -> dict:
    """Move one report to ``status`` (see :meth:`geo.store.Store.transition`); ``photo``: the
    after-photo of a removal (bytes, checked as report photos are)."""
    store.migrator.ensure()
    details = details or MoveDetails()
    row = store.get_report(report_id, verdict=False)
    current = row["status"]
    if expected is not None and expected != current:
        raise Conflict(f"report {report_id} is {current}, not {expected}", message_id="workflow.not_expected",
                       message_values={"id": str(report_id), "current": current, "expected": expected},
                       current=current)
    check_transition(current, status)
    check_role(role, current, status)
    image: Photo | None = None
    values: dict = {}
    if status == "removed":
        values["storage_location"] = storage_location(details.storage_location)
        image = read_photo(photo, store.max_photo_bytes, store.max_photo_pixels) if photo is not None else None
        require_photo(image, store.removal_photo_required)
    elif photo is not None:
        raise InputError("only a move to removed takes a photo", message_id="removal.photo_unexpected", field="photo")
    now = now or utcnow()
    if status == "notified":
        values["deadline"] = now + dt.timedelta(hours=float(store.engine.rules.notice_hours))
    rid = canonical_report_id(report_id)
    photo_rel = None
    try:
        with full_is_unavailable():
            if image is not None:
                photo_rel = store.photos.save(rid, image)
                values.update(removal_photo_path=photo_rel, removal_photo_type=image.media_type)
            with store.dialect.writer(store.db).begin() as connection:
                more, event_details = move_values(connection, row, status, details)
                values.update(more)
                if status == "removed":
                    flags = removal_flags(image, row, notified_at(connection, rid))
                    values["removal_flags"] = flags
                    event_details.update(storage_location=values["storage_location"], removal_flags=flags,
                                         photo=image is not None)
                moved = record_move(connection, rid, current, status, actor=actor, role=role, token_id=token_id,
                                    actor_note=actor_note, note=details.note, details=event_details,
                                    values=values, now=now) is not None
    except BaseException:
        store.photos.discard(photo_rel)
        raise
    if not moved:
        store.photos.discard(photo_rel)
        latest = store.get_report(report_id, verdict=False)["status"]
        check_transition(latest, status)  # names what is allowed now
        raise Conflict(f"report {report_id} changed to {latest} meanwhile; try again", message_id="workflow.changed",
                       message_values={"id": str(report_id), "current": latest}, current=latest)
    return store.get_report(report_id, private=True)


def bulk_ids(store, ids: list | None, filters: ReportFilter | None, limit: int) -> list[str]:
    """The reports a bulk move names: ``ids`` (each once, in order) or those matching ``filters``
    (oldest first); TooLarge (413) past ``limit``, InputError without either or with both."""
    if (ids is None) == (filters is None):
        raise InputError('send either "ids" (a list of report ids) or "filter" (the filters of GET /api/reports)',
                         message_id="bulk.ids_or_filter", field="ids")
    if ids is not None:
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise InputError('"ids" must be a list of report ids (text)', message_id="bulk.ids_type", field="ids")
        unique = list(dict.fromkeys(ids))
        if len(unique) > limit:
            raise _too_many(len(unique), limit)
        return unique
    store.migrator.ensure()
    where = filters.clauses(utcnow()) if filters else []
    with store.db.connect() as connection:  # one more than the limit: enough to refuse, never all of them
        found = list(connection.execute(sa.select(Report.id).where(*where).order_by(Report.reported_at, Report.id)
                                        .limit(limit + 1)).scalars())
        if len(found) > limit:
            matched = connection.execute(sa.select(sa.func.count()).select_from(Report.__table__).where(*where))
            raise _too_many(int(matched.scalar_one()), limit)
        return found


def _too_many(n: int, limit: int) -> TooLarge:
    return TooLarge(f"{n} reports named; one bulk move takes at most {limit}: narrow the filter or split the list",
                    message_id="bulk.too_many", message_values={"n": n, "limit": limit}, parameter="ids")


def transition_many(store, ids: list[str], status: str, *, actor: str | None, role: str | None = None,
                    details: MoveDetails | None = None, token_id: int | None = None,
                    actor_note: str | None = None) -> list[Outcome]:
    """Move each report of ``ids`` to ``status``, each in its own transaction: a report whose move
    is refused (illegal, not found, missing what it needs, changed meanwhile) gets its error and
    the others proceed. Every move is audited and announced like a single one."""
    out = []
    for report_id in ids:
        try:
            report = transition(store, report_id, status, actor=actor, role=role, details=details,
                                token_id=token_id, actor_note=actor_note)
        except ZonasiError as error:
            if error.status >= 500:   # the store itself fails (full, unreachable): stop, say so
                raise
            out.append(Outcome(str(report_id), error=error))
        else:
            out.append(Outcome(report["id"], report=report))
    return out
