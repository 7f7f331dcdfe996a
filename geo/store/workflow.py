"""The takedown workflow: report types, statuses, who may move a report where.

    unverified -> reported | dismissed   (a public report, until Bawaslu accepts it)
    reported -> verified | dismissed
    verified -> notified (deadline = now + the regency's notice_hours) | removed
    notified -> removed (with an after-photo and where the seized prop is kept)
    dismissed -> reported              (an admin reopens it, saying why)

A dismissal names its reason (:data:`DISMISS_REASONS`). ``removed`` is final. Every move is
appended to the report's history.
"""
from __future__ import annotations

from geo.errors import Conflict, InputError

APK_TYPES = ("baliho", "spanduk", "umbul-umbul", "reklame", "poster", "bendera", "lainnya")
APK_ALIASES = {"billboard": "reklame", "banner": "spanduk", "pennant": "umbul-umbul", "flag": "bendera",
               "other": "lainnya", "umbul umbul": "umbul-umbul", "umbul_umbul": "umbul-umbul"}

WORKFLOW_STATUSES = ("unverified", "reported", "verified", "dismissed", "notified", "removed")
# Why a report is dismissed (a dismissal always names one; "other" needs a note).
DISMISS_REASONS = ("duplicate", "not_a_campaign_prop", "permitted", "other")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "unverified": ("reported", "dismissed"),
    "reported": ("verified", "dismissed"),
    "verified": ("notified", "removed"),
    "notified": ("removed",),
    "dismissed": ("reported",),
    "removed": (),
}

ROLES = ("field", "bawaslu", "satpolpp", "admin")
# Which roles may move a report INTO a status (admin may do everything).
STATUS_ROLES: dict[str, tuple[str, ...]] = {
    "reported": ("bawaslu", "admin"),
    "verified": ("bawaslu", "admin"),
    "dismissed": ("bawaslu", "admin"),
    "notified": ("bawaslu", "admin"),
    "removed": ("satpolpp", "admin"),
}
# Moves whose roles differ from those of their target status: only an admin reopens a dismissal.
MOVE_ROLES: dict[tuple[str, str], tuple[str, ...]] = {("dismissed", "reported"): ("admin",)}

# Verdicts that make a report a violation (a prop that must come down). Not ``incomplete``: no
# forbidden site was found, the data of a required category are just not complete there, so the
# prop is checked on site (FIELD_CHECK_VERDICTS), never taken down on the verdict alone.
VIOLATION_VERDICTS = ("violation", "outside_period")
# Current verdicts (the newest judgement, see geo.store.current) that Bawaslu must check on site.
FIELD_CHECK_VERDICTS = ("incomplete",)


def allowed_from(status: str) -> tuple[str, ...]:
    """The statuses a report in ``status`` may move to (none from a final one)."""
    return TRANSITIONS.get(status, ())


def roles_for(current: str, new: str) -> tuple[str, ...]:
    """The roles that may move a report from ``current`` to ``new`` (admin always may)."""
    return MOVE_ROLES.get((current, new), STATUS_ROLES.get(new, ()))


def check_transition(current: str, new: str) -> None:
    """Raise :class:`Conflict` naming the allowed moves when ``current -> new`` is not one."""
    if new not in WORKFLOW_STATUSES:
        raise InputError(f"unknown status {new!r}; statuses are {', '.join(WORKFLOW_STATUSES)}",
                         message_id="workflow.unknown_status",
                         message_values={"status": str(new)[:80], "statuses": ", ".join(WORKFLOW_STATUSES)},
                         field="status", allowed=list(allowed_from(current)))
    allowed = allowed_from(current)
    if new not in allowed:
        options = ", ".join(allowed) if allowed else f"none ({current} is final)"
        raise Conflict(f"a {current} report cannot become {new}; allowed: {options}",
                       message_id="workflow.not_allowed" if allowed else "workflow.final",
                       message_values={"current": current, "new": new, "allowed": ", ".join(allowed)}, current=current,
                       requested=new, allowed=list(allowed))


def normalise_apk_type(value: str) -> str | None:
    """The canonical APK type of a client's word for it (case, spacing and aliases aside), else None."""
    key = str(value).strip().lower()
    key = APK_ALIASES.get(key, key)
    return key if key in APK_TYPES else None
