"""Triage over HTTP (issue #19): what a move says besides its status, bulk moves, removal photos.

    POST /api/reports/transitions           many reports at once: {"ids": [...] | "filter": {...},
                                            "status", "note", "reason", "duplicate_of"} ->
                                            {"results": [{"id", "ok", "status" | "error"}]}
    GET  /api/reports/<id>/removal-photo    the after-photo of a removal

A single move (``POST /api/reports/<id>/transitions``, in :mod:`webmap.api.reports`) reads its
body with :func:`move_request`: JSON, or multipart when a removal brings its after-photo.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, request, send_file

from geo import InputError
from geo.store import (
    MoveDetails,
    ReportFilter,
    bulk_ids,
    full_is_unavailable,
    removal_photo,
    storable_text,
    transition_many,
)

from .. import auth
from ..language import request_language
from ..services import services

bp = Blueprint("triage", __name__, url_prefix="/api")
TRANSITION_BODY = ('send {"status": "verified|dismissed|notified|removed|reported", "note": "...", "reason": "...", '
                   '"duplicate_of": "...", "storage_location": "..."} as JSON, or as multipart with a "photo" '
                   '(the texts are text)')
TEXTS = (("actor", 200), ("note", 4000), ("from", 20), ("reason", 40), ("duplicate_of", 80),
         ("storage_location", 300))
FILTER_KEYS = ("regency", "category", "status", "verdict", "current_verdict", "overdue", "since", "until", "bbox")


@dataclass(frozen=True)
class MoveRequest:
    """A move as a client sent it: the target status, its texts and the removal's photo (bytes)."""

    status: str
    texts: dict
    photo: bytes | None = None

    @property
    def details(self) -> MoveDetails:
        """What the store needs besides the status."""
        t = self.texts
        return MoveDetails(note=t["note"], reason=t["reason"], duplicate_of=t["duplicate_of"],
                           storage_location=t["storage_location"])


def _texts(data: dict, message_id: str, body: str) -> dict:
    texts = {}
    for name, limit in TEXTS:
        value = data.get(name)
        if value is not None and not isinstance(value, str):
            raise InputError(body, message_id=message_id, field=name)
        texts[name] = storable_text(value, name)[:limit] if value else None
    return texts


def move_request() -> MoveRequest:
    """The request's move: JSON ``{"status", "note", "actor", "from", "reason", "duplicate_of",
    "storage_location"}``, or the same as multipart form fields with the file ``photo``."""
    photo = None
    if request.mimetype == "multipart/form-data" or request.mimetype == "application/x-www-form-urlencoded":
        with full_is_unavailable():  # a large upload is spooled to a temporary file first
            data: object = {k: v for k, v in request.form.items()}
            upload = request.files.get("photo")
        if upload is not None and upload.filename != "":
            photo = upload.read(services().settings.max_photo_mb * 1024 * 1024 + 1)
        unknown = [name for name in request.files if name != "photo"]
        if unknown:
            raise InputError(f"unknown file field {unknown[0]!r}; the only file a report takes is 'photo'",
                             message_id="reports.unknown_file", message_values={"name": unknown[0]}, field=unknown[0])
    else:
        data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("status"), str):
        raise InputError(TRANSITION_BODY, message_id="reports.transition_body", field="status")
    return MoveRequest(data["status"], _texts(data, "reports.transition_body", TRANSITION_BODY), photo)


def _bulk_filter(raw) -> ReportFilter:
    """The bulk body's ``filter``: the filters of GET /api/reports as a JSON object (lists for
    the comma lists, true/false for overdue); unknown keys or an empty filter are refused (a
    typo must not select every report)."""
    if not isinstance(raw, dict):
        raise InputError("filter must be an object of the filters of GET /api/reports", message_id="bulk.filter_type",
                         field="filter")
    unknown = [k for k in raw if k not in FILTER_KEYS]
    if unknown:
        raise InputError(f"unknown filter {str(unknown[0])[:40]!r}; filters are {', '.join(FILTER_KEYS)}",
                         message_id="bulk.filter_unknown",
                         message_values={"name": str(unknown[0])[:40], "known": ", ".join(FILTER_KEYS)},
                         field="filter")
    params = {}
    for key, value in raw.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, list):
            value = ",".join(str(v) for v in value)
        if value not in (None, ""):
            params[key] = str(value)
    if not params:
        raise InputError("the filter is empty: name at least one filter (a bulk move never selects every report)",
                         message_id="bulk.filter_empty", field="filter")
    return ReportFilter.from_params(params)


@bp.post("/reports/transitions")
def transitions():
    """Move many reports at once, by ``ids`` or by ``filter``; each report's move is checked and
    audited on its own: ``{"results": [{"id", "ok": true, "status"} | {"id", "ok": false,
    "error", "code", "http_status"}], "moved", "failed"}``."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict) or not isinstance(data.get("status"), str):
        raise InputError("send JSON with status and ids or filter", message_id="bulk.body", field="status")
    who = auth.require_status(data["status"])
    s = services()
    texts = _texts(data, "bulk.body", "send JSON with status and ids or filter; the texts are text")
    filters = _bulk_filter(data["filter"]) if "filter" in data else None
    ids = bulk_ids(s.store, data.get("ids") if "ids" in data else None, filters, s.settings.max_bulk_transitions)
    move = MoveRequest(data["status"], texts)
    outcomes = transition_many(s.store, ids, move.status, actor=who.name, role=who.role, token_id=who.id,
                               actor_note=texts["actor"], details=move.details)
    lang = request_language()
    results = []
    for outcome in outcomes:
        if outcome.report is not None:
            results.append({"id": outcome.id, "ok": True, "status": outcome.report["status"]})
        else:
            error = outcome.error
            assert error is not None
            results.append({"id": outcome.id, "ok": False, "error": error.text(s.catalog, lang), "code": error.code,
                            "http_status": error.status})
    moved = sum(r["ok"] for r in results)
    return {"results": results, "moved": moved, "failed": len(results) - moved}


@bp.get("/reports/<report_id>/removal-photo")
def removal_photo_file(report_id: str):
    """The after-photo of a removal, as its stored image file; a 404 when there is none."""
    auth.require_report(report_id)
    path, media_type = removal_photo(services().store, report_id)
    return send_file(path, mimetype=media_type, max_age=3600)

