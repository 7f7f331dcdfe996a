"""Moving reports through the workflow: one at a time (:func:`transition`) or many
(:func:`transition_many`), each move checked (order, role, what it needs), audited in
``report_events`` with its details, and announced as ``report.transitioned``.

    report = transition(store, rid, "dismissed", actor="Bawaslu", role="bawaslu",
                        details=MoveDetails(reason="duplicate", duplicate_of=other_id))
    results = transition_many(store, bulk_ids(store, ids, None, limit=1000), "verified", actor=..., role=...)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from geo.errors import Conflict, InputError, NotFound, TooLarge, ZonasiError
from geo.store.faults import full_is_unavailable
from geo.store.filters import ReportFilter
from geo.store.models import Report
from geo.store.moves import record_move
from geo.store.photos import Photo, read_photo
from geo.store.removal import notified_at, removal_flags, require_photo, storage_location
from geo.store.rows import canonical_report_id, report_row
from geo.store.triage import MoveDetails, check_role, move_values
from geo.store.workflow import check_transition

BULK_CHUNK = 100   # reports of a bulk move per transaction


@dataclass(frozen=True)
class Outcome:
    """One report's result in a bulk move: the report after it, or the error that refused it."""

    id: str
    report: dict | None = None
    error: ZonasiError | None = None


def _check(store, row: dict, status: str, details: MoveDetails, role: str | None, expected: str | None) -> dict:
    """Whether ``row`` may move to ``status`` (order, role, the status the client saw, a removal's
    storage location): the report columns to set, so far."""
    current = row["status"]
    if expected is not None and expected != current:
        raise Conflict(f"report {row['id']} is {current}, not {expected}", message_id="workflow.not_expected",
                       message_values={"id": str(row["id"]), "current": current, "expected": expected},
                       current=current)
    check_transition(current, status)
    check_role(role, current, status)
    return {"storage_location": storage_location(details.storage_location)} if status == "removed" else {}


def _apply(connection: sa.Connection, store, row: dict, status: str, details: MoveDetails, values: dict,
           image: Photo | None, *, actor, role, token_id, actor_note, now: dt.datetime) -> sa.RowMapping | None:
    """Make the checked move inside ``connection``'s transaction (see :func:`record_move`)."""
    rid = row["id"]
    if status == "notified":
        hours = store.engine.rules.notice_hours_for(row.get("regency_code"))   # the regency's own, else the setting
        values["deadline"] = now + dt.timedelta(hours=hours)
    more, event_details = move_values(connection, row, status, details)
    values.update(more)
    if status == "removed":
        flags = removal_flags(image, row, notified_at(connection, rid))
        values["removal_flags"] = flags
        event_details.update(storage_location=values["storage_location"], removal_flags=flags, photo=image is not None)
    return record_move(connection, rid, row["status"], status, actor=actor, role=role, token_id=token_id,
                       actor_note=actor_note, note=details.note, details=event_details, values=values, now=now)


def _changed(store, report_id: str, status: str) -> Conflict:
    latest = store.get_report(report_id, verdict=False)["status"]
    check_transition(latest, status)  # names what is allowed now
    return Conflict(f"report {report_id} changed to {latest} meanwhile; try again", message_id="workflow.changed",
                    message_values={"id": str(report_id), "current": latest}, current=latest)


def transition(store, report_id: str, status: str, *, actor: str | None, role: str | None = None,
               details: MoveDetails | None = None, expected: str | None = None, token_id: int | None = None,
               actor_note: str | None = None, photo: bytes | None = None, now: dt.datetime | None = None) -> dict:
    """Move one report to ``status`` (see :meth:`geo.store.Store.transition`); ``photo``: the
    after-photo of a removal (bytes, checked as report photos are)."""
    store.migrator.ensure()
    details = details or MoveDetails()
    row = store.get_report(report_id, verdict=False)
    values = _check(store, row, status, details, role, expected)
    image: Photo | None = None
    if status == "removed":
        image = read_photo(photo, store.max_photo_bytes, store.max_photo_pixels) if photo is not None else None
        require_photo(image, store.removal_photo_required)
    elif photo is not None:
        raise InputError("only a move to removed takes a photo", message_id="removal.photo_unexpected", field="photo")
    photo_rel = None
    try:
        with full_is_unavailable():
            if image is not None:
                photo_rel = store.photos.save(row["id"], image)
                values.update(removal_photo_path=photo_rel, removal_photo_type=image.media_type)
            with store.dialect.writer(store.db).begin() as connection:
                moved = _apply(connection, store, row, status, details, values, image, actor=actor, role=role,
                               token_id=token_id, actor_note=actor_note,
                               now=now or store.clock.now()) is not None
    except BaseException:
        store.photos.discard(photo_rel)
        raise
    if not moved:
        store.photos.discard(photo_rel)
        raise _changed(store, report_id, status)
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
    where = filters.clauses(store.clock.now()) if filters else []
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
                    actor_note: str | None = None, chunk: int = BULK_CHUNK) -> list[Outcome]:
    """Move each report of ``ids`` to ``status``: a report whose move is refused (illegal, not
    found, missing what it needs, changed meanwhile) gets its error and the others proceed. Every
    move is audited and announced like a single one. ``chunk`` reports share one transaction,
    each in a savepoint of its own (one commit, one fsync, per chunk instead of per report)."""
    store.migrator.ensure()
    details = details or MoveDetails()
    out: list[Outcome] = []
    table = Report.__table__
    for start in range(0, len(ids), max(1, chunk)):
        with full_is_unavailable(), store.dialect.writer(store.db).begin() as connection:
            for report_id in ids[start:start + max(1, chunk)]:
                try:
                    with connection.begin_nested():
                        found = connection.execute(sa.select(table).where(
                            Report.id == canonical_report_id(report_id))).mappings().first()
                        if found is None:
                            raise NotFound(f"there is no report {report_id}", message_id="reports.not_found",
                                           message_values={"id": str(report_id)[:80]}, id=str(report_id)[:80])
                        row = report_row(found, private=True, now=store.clock.now())
                        values = _check(store, row, status, details, role, None)
                        if status == "removed":
                            require_photo(None, store.removal_photo_required)
                        moved = _apply(connection, store, row, status, details, values, None, actor=actor,
                                       role=role, token_id=token_id, actor_note=actor_note,
                                       now=store.clock.now())
                        if moved is None:
                            raise Conflict(f"report {report_id} changed meanwhile; try again",
                                           message_id="workflow.changed",
                                           message_values={"id": str(report_id), "current": "?"})
                except ZonasiError as error:
                    if error.status >= 500:   # the store itself fails (full, unreachable): stop, say so
                        raise
                    out.append(Outcome(str(report_id), error=error))
                else:
                    out.append(Outcome(moved["id"], report=report_row(moved, private=True, now=store.clock.now())))
    return out
