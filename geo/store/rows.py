"""A stored report as the API shows it: a plain dict ready for JSON (times in ISO 8601 UTC).

The reporter's identity is only in rows asked for with ``private=True``; the bookkeeping columns
(idempotency key, request hash, photo path, the whole verdict) never are.
"""
from __future__ import annotations

import datetime as dt
import uuid

from geo.errors import NotFound

PRIVATE = ("reporter", "submitted_by")
HIDDEN = ("idempotency_key", "idempotency_scope", "request_hash", "photo_path", "photo_type", "verdict", "status_at",
          "removal_photo_path", "removal_photo_type")


def utcnow() -> dt.datetime:
    """Now by the system clock, timezone-aware UTC (when a row was written; what is overdue is
    judged by the app's clock instead, ``store.clock``: see :func:`report_row`)."""
    return dt.datetime.now(dt.UTC)


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z`` (None stays None)."""
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value else None


def report_row(row, *, private: bool, now: dt.datetime) -> dict:
    """A reports row (a mapping) as the API shows it, with ``overdue`` (a notice past its
    deadline at ``now``: the app's clock, ``store.clock.now()``, never the system's behind its
    back) and ``has_photo``."""
    out = {}
    for key, value in row.items():
        if key in HIDDEN or key == "geog" or (key in PRIVATE and not private):
            continue
        out[key] = iso(value) if isinstance(value, dt.datetime) else value
    out["lon"], out["lat"] = round(row["lon"], 7), round(row["lat"], 7)
    out["overdue"] = bool(row["status"] == "notified" and row["deadline"] and row["deadline"] < now)
    out["has_photo"] = row["photo_path"] is not None
    out["has_removal_photo"] = row.get("removal_photo_path") is not None
    out["status_at"] = iso(row["status_at"])
    return out


def canonical_report_id(raw) -> str:
    """A report id in its canonical UUID spelling; NotFound when it is no UUID (so no such report)."""
    try:
        return str(uuid.UUID(str(raw)))
    except ValueError:
        raise NotFound(f"there is no report {raw!r} (report ids are UUIDs)", message_id="reports.not_uuid",
                       message_values={"id": str(raw)[:80]}, id=str(raw)) from None
