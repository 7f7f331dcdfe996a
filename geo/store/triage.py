"""Triage: what a workflow move needs beyond the order of statuses, and what intake links.

- A dismissal names its reason (:data:`~geo.store.workflow.DISMISS_REASONS`): ``other`` with a
  note, ``duplicate`` with ``duplicate_of`` naming another existing report.
- Reopening a dismissal (dismissed -> reported) is an admin's move and needs a note; the reason
  it had stays in the history (the event's ``details``).
- A removal says where the seized prop is kept (``storage_location``) and, when the settings
  require it, brings an after-photo (see :mod:`geo.store.removal`).
- At intake, open reports of the same prop type (and participant, when both name one) within the
  rules' ``duplicate_radius_m`` come back as ``nearby_open_reports``; the nearest removed report
  of the same participant there is linked as ``reinstalled_of`` (the prop came back).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from geo.errors import InputError, NotFound, ZonasiError
from geo.store.models import Report
from geo.store.rows import canonical_report_id
from geo.store.workflow import DISMISS_REASONS, roles_for

OPEN_EXCLUDED = ("dismissed", "removed")   # a report in these is no longer open
MAX_NEARBY = 20                            # nearby open reports named at intake


class MoveForbidden(ZonasiError):
    """The caller's role may not make this move of this report (HTTP 403)."""

    status = 403
    code = "forbidden"


@dataclass(frozen=True)
class MoveDetails:
    """What a move says besides its target status (all optional; which are needed depends on it)."""

    note: str | None = None
    reason: str | None = None             # dismissed: one of DISMISS_REASONS
    duplicate_of: str | None = None       # dismissed as duplicate: the report it repeats
    storage_location: str | None = None   # removed: where the seized prop is kept


def check_role(role: str | None, current: str, new: str) -> None:
    """MoveForbidden unless ``role`` may move a report from ``current`` to ``new`` (admin may
    always; ``role`` None is a trusted caller such as the command line)."""
    if role is None or role == "admin":
        return
    allowed = roles_for(current, new)
    if allowed and role not in allowed:
        raise MoveForbidden(f"the role {role} may not move a {current} report to {new}; roles: {', '.join(allowed)}",
                            message_id="triage.role", message_values={"role": role, "current": current, "new": new,
                                                                        "roles": ", ".join(allowed)},
                            current=current, requested=new, roles=list(allowed))


def move_values(connection: sa.Connection, row: Mapping, new: str, details: MoveDetails) -> tuple[dict, dict]:
    """(report columns to set, the event's ``details``) for moving ``row`` to ``new``; an
    InputError naming what is missing (a dismissal's reason, its note, the report it repeats,
    a reopening's note)."""
    current = row["status"]
    if new == "dismissed":
        return _dismissal(connection, row, details)
    if new == "reported" and current == "dismissed":
        if not details.note:
            raise InputError("reopening a dismissed report needs a note saying why",
                             message_id="triage.reopen_note", field="note")
        return ({"dismiss_reason": None, "duplicate_of": None},
                {"reopened": True, "previous_reason": row["dismiss_reason"],
                 "previous_duplicate_of": row["duplicate_of"]})
    if new == "reported" and current == "unverified":
        return {}, {"accepted": True}
    return {}, {}


def _dismissal(connection: sa.Connection, row: Mapping, details: MoveDetails) -> tuple[dict, dict]:
    reason = details.reason
    if reason not in DISMISS_REASONS:
        choices = ", ".join(DISMISS_REASONS)
        if not reason:
            raise InputError(f"a dismissal needs a reason: one of {choices}", message_id="triage.reason_missing",
                             message_values={"reasons": choices}, field="reason", reasons=list(DISMISS_REASONS))
        raise InputError(f"reason {str(reason)[:40]!r} is not one of {choices}", message_id="triage.reason_unknown",
                         message_values={"reason": str(reason)[:40], "reasons": choices}, field="reason",
                         reasons=list(DISMISS_REASONS))
    if reason == "other" and not details.note:
        raise InputError("a dismissal for reason 'other' needs a note saying why", message_id="triage.other_note",
                         field="note")
    duplicate_of = None
    if reason == "duplicate":
        duplicate_of = _duplicate_target(connection, row["id"], details.duplicate_of)
    out = {"reason": reason, **({"duplicate_of": duplicate_of} if duplicate_of else {})}
    return {"dismiss_reason": reason, "duplicate_of": duplicate_of}, out


def _duplicate_target(connection: sa.Connection, report_id: str, raw) -> str:
    if not raw:
        raise InputError("a dismissal as a duplicate needs duplicate_of: the id of the report it repeats",
                         message_id="triage.duplicate_missing", field="duplicate_of")
    try:
        target = canonical_report_id(raw)
    except NotFound:
        target = None
    if target == report_id:
        raise InputError("a report cannot be a duplicate of itself", message_id="triage.duplicate_self",
                         field="duplicate_of")
    found = target is not None and connection.execute(
        sa.select(sa.func.count()).select_from(Report.__table__).where(Report.id == target)).scalar_one() > 0
    if not found:
        raise InputError(f"duplicate_of names no report: {str(raw)[:80]}", message_id="triage.duplicate_unknown",
                         message_values={"id": str(raw)[:80]}, field="duplicate_of")
    return str(target)


def _same_participant(participant: str | None) -> list:
    """Conditions: the same participant (case and spacing aside) when both name one."""
    if not participant or not participant.strip():
        return []
    column = sa.func.lower(sa.func.trim(Report.participant))
    return [sa.or_(Report.participant.is_(None), column == participant.strip().lower())]


def intake_links(connection: sa.Connection, dialect, values: Mapping, radius_m: float) -> tuple[list[dict], str | None]:
    """(the open reports a new report ``values`` may repeat, nearest first: ``{id, distance_m,
    status, apk_type, participant}``; the id of the nearest removed report of the same
    participant within ``radius_m``, or None). Geodesic metres; nothing when ``radius_m`` is 0."""
    if not radius_m or radius_m <= 0:
        return [], None
    table = Report.__table__
    lon, lat, participant = values["lon"], values["lat"], values.get("participant")
    open_where = [Report.status.not_in(OPEN_EXCLUDED), Report.apk_type == values["apk_type"],
                  Report.id != values["id"], *_same_participant(participant)]
    nearby = [{"id": r["id"], "distance_m": round(d, 2), "status": r["status"], "apk_type": r["apk_type"],
               "participant": r["participant"]}
              for r, d in dialect.near(connection, table, lon, lat, radius_m, open_where, MAX_NEARBY)]
    reinstalled = None
    if participant and participant.strip():
        removed = [Report.status == "removed", Report.participant.is_not(None),
                   sa.func.lower(sa.func.trim(Report.participant)) == participant.strip().lower()]
        found = dialect.near(connection, table, lon, lat, radius_m, removed, 1)
        reinstalled = found[0][0]["id"] if found else None
    return nearby, reinstalled
