"""Reports, their workflow and the violations list: thin handlers over :class:`geo.store.Store`.

    POST /api/reports                      submit (JSON, or multipart with a ``photo``)
    GET  /api/reports                      list (bawaslu, admin)
    GET  /api/reports/<id>                 one report, its verdict, explanation and history
    GET  /api/reports/<id>/photo           its photo
    POST /api/reports/<id>/transitions     {"status": ..., "note": ..., "actor": ..., "reason": ...}
                                           (a removal as multipart with its after-photo; see triage)
    GET  /api/violations.<format>          for Satpol PP's routes (no reporter identity), in every
                                           format of :data:`geo.exports.FORMATS`
    GET  /api/violations/lists             the lists the violations page offers (violations; to check
                                           on site) with their counts, and the current verdict counts
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, request, send_file
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from geo import InputError
from geo.engine import VERDICT_STATUSES, describe
from geo.exports import FORMATS, get_format, to_bytes
from geo.store import (
    FIELD_CHECK_VERDICTS,
    ReportFilter,
    full_is_unavailable,
    stored_verdict,
    verdict_counts,
    with_current_verdicts,
)

from .. import auth
from ..language import request_language
from ..services import services
from .dialect import dialect_arg, localised_csv
from .triage import move_request

bp = Blueprint("reports", __name__, url_prefix="/api")
PRIVATE_FIELDS = ("reporter", "submitted_by")


def _lang() -> str:
    return request_language()


def page_args() -> tuple[int, int]:
    """The request's ``limit`` and ``offset`` (400 when out of range)."""
    s = services()
    try:
        limit = int(request.args.get("limit", 100))
        offset = int(request.args.get("offset", 0))
    except ValueError:
        raise InputError("limit and offset must be whole numbers", message_id="params.limit_not_integer",
                         parameter="limit") from None
    if not 0 <= limit <= s.settings.max_page_limit or offset < 0:
        raise InputError(f"limit must be 0..{s.settings.max_page_limit} and offset 0 or more",
                         message_id="params.limit_range",
                         message_values={"limit": s.settings.max_page_limit}, parameter="limit")
    return limit, offset


def report_filter() -> ReportFilter:
    """The request's report filters; ``regency`` by code or name (an unknown or ambiguous name: 400 with
    suggestions, see :func:`geo.catalog.regency_names`)."""
    return ReportFilter.from_params(request.args, services().engine.regency_lookup)


def explained(report: dict) -> dict:
    """``report`` with its stored verdict put into words (``message``) in the caller's language."""
    s = services()
    verdict = report.get("verdict")
    if verdict:
        report["message"] = describe(stored_verdict(verdict), s.engine.rules, s.catalog, _lang())
    return report


def for_caller(report: dict) -> dict:
    """``report`` (and its ``history``, if any) as the caller's role may see it: without
    ``reports:private`` no reporter identity (``reporter``, ``submitted_by``, and the actor of
    the submission's event). Every answer that carries a report goes through here."""
    if auth.can("reports:private"):
        return report
    for name in PRIVATE_FIELDS:
        report.pop(name, None)
    for event in report.get("history") or ():
        if event.get("from") is None:  # the submission (an officer's later move to reported stays named)
            event["actor"] = None
            event["actor_note"] = None
    return report


def report_body() -> tuple[dict, bytes | None]:
    """A report's fields and its photo as POST /api/reports takes them: JSON, or a form (multipart
    with the file ``photo``); 400/415 problems for anything else."""
    s = services()
    photo = None
    if request.mimetype == "application/json":
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise BadRequest(auth.message("reports.bad_json"))
    elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        with full_is_unavailable():  # a large upload is spooled to a temporary file first
            data = {k: v for k, v in request.form.items()}
            upload = request.files.get("photo")
        if upload is not None and upload.filename != "":
            photo = upload.read(s.settings.max_photo_mb * 1024 * 1024 + 1)
        unknown = [name for name in request.files if name != "photo"]
        if unknown:
            raise InputError(f"unknown file field {unknown[0]!r}; the only file a report takes is 'photo'",
                             message_id="reports.unknown_file", message_values={"name": unknown[0]}, field=unknown[0])
    else:
        raise UnsupportedMediaType(auth.message("reports.media_type", got=request.mimetype or "-"))
    return data, photo


@bp.post("/reports")
def submit():
    """Submit a report (field, admin). ``Idempotency-Key`` header (or a client ``id``): a resubmission
    returns the first report with 200 instead of creating another."""
    who = auth.require("reports:submit")
    s = services()
    data, photo = report_body()
    result = s.store.submit(data, photo=photo, idempotency_key=request.headers.get("Idempotency-Key"),
                            submitted_by=who.name, role=who.role, token_id=who.id)
    body = for_caller(explained(result.report))
    response = current_app.json.response(body)
    response.status_code = 201 if result.created else 200
    response.headers["Location"] = f"/api/reports/{body['id']}"
    if not result.created:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/reports")
def list_reports():
    """The reports, newest first, with the reporter, one page (limit, offset) matching the filters."""
    auth.require("reports:list")
    limit, offset = page_args()
    store = services().store
    rows, matched = store.list_reports(report_filter(), limit, offset, private=True)
    return {"reports": with_current_verdicts(store.db, rows), "numberMatched": matched, "numberReturned": len(rows)}


@bp.get("/reports/<report_id>")
def get_report(report_id: str):
    """One report with its stored verdict, explanation and history (the reporter only for roles that may see it)."""
    auth.require_report(report_id)
    s = services()
    report = explained(s.store.get_report(report_id, private=auth.can("reports:private")))
    report["history"] = s.store.history(report_id)
    return for_caller(report)


@bp.get("/reports/<report_id>/photo")
def photo(report_id: str):
    """The photo of a report, as its stored image file (cacheable for an hour); a 404 when it has none."""
    auth.require_report(report_id)
    path, media_type = services().store.photo(report_id)
    return send_file(path, mimetype=media_type, max_age=3600)


@bp.post("/reports/<report_id>/transitions")
def transition(report_id: str):
    """Move a report on: {"status": "verified", "note": "...", "actor": "..."} (see workflow); a
    dismissal with its ``reason`` (and ``duplicate_of``), a removal as multipart with its
    after-``photo`` and ``storage_location`` (see :mod:`webmap.api.triage`). The history records
    the token's name as the actor; a client's ``actor`` is kept beside it as ``actor_note``."""
    move = move_request()
    who = auth.require_status(move.status)
    s = services()
    details, texts = move.details, move.texts
    report = s.store.transition(report_id, move.status, actor=who.name, role=who.role, token_id=who.id,
                                actor_note=texts["actor"], note=details.note, expected=texts["from"],
                                reason=details.reason, duplicate_of=details.duplicate_of,
                                storage_location=details.storage_location, photo=move.photo)
    report["history"] = s.store.history(report_id)
    return for_caller(report)


@bp.get("/violations.<fmt>")
def violations(fmt: str):
    """Violations as a file in any export format (GeoJSON, CSV, KML, GeoPackage); filters regency,
    category, status, verdict, overdue=true, since, until, bbox. No reporter identity."""
    auth.require("violations:read")
    s = services()
    f = get_format(fmt)
    if f.name != fmt.lower():
        offered = ", ".join(other.extension for other in FORMATS.values())
        raise InputError(f"unknown format .{fmt}; use one of {offered}", message_id="export.unknown_format",
                         message_values={"format": fmt[:40], "known": offered}, parameter="format")
    dialect = dialect_arg()   # ?dialect=excel-id: CSV for Indonesian Excel
    filters = report_filter()
    matched = s.store.count_violations(filters)  # COUNT first: refuse before fetching any row
    if matched > s.settings.max_web_rows:
        raise InputError(f"{matched} violations match; at most {s.settings.max_web_rows} are served on the web: "
                         "narrow the filters (regency, since, bbox)", message_id="reports.too_many",
                         message_values={"n": matched, "limit": s.settings.max_web_rows}, parameter="limit")
    rows, matched = s.store.violations(filters, limit=s.settings.max_web_rows)
    for row in with_current_verdicts(s.store.db, rows):
        row["name"] = f"{row['apk_type']}: {row['site_name'] or row['regency_name'] or row['id']}"
    if f.name == "csv" and dialect.localised:
        response = localised_csv(rows, dialect, "pelanggaran.csv")
    else:
        response = Response(to_bytes(rows, f, layer="violations", name_field="name"), mimetype=f.media_type)
        response.headers["Content-Disposition"] = f'attachment; filename="violations{f.extension}"'
    response.headers["X-Total-Count"] = str(matched)
    return response


@bp.get("/violations/lists")
def violation_lists():
    """The lists the violations page offers, each with the query parameters that select it and how
    many reports it holds under the other filters (regency, category, status, overdue, since, until,
    bbox): ``violations`` (the default), ``field_check`` (reports whose current verdict is
    ``incomplete``: no forbidden site found, but the data are not complete there, so check on site)
    and, for the roles that triage (Bawaslu, admin), ``to_verify``: the public's reports not yet
    verified, whatever their verdict (a report the data cannot confirm may still be a violation).
    ``current_verdicts``: every verdict status with its count among all reports under those filters."""
    auth.require("violations:read")
    s = services()
    store = s.store
    filters = report_filter().but(verdict=(), current_verdict=())
    field_check = filters.but(current_verdict=FIELD_CHECK_VERDICTS)
    lists = [{"key": "violations", "params": {}, "count": store.count_violations(filters)},
             {"key": "field_check", "params": {"current_verdict": ",".join(FIELD_CHECK_VERDICTS)},
              "count": store.count_violations(field_check)}]
    if auth.can("reports:list"):
        to_verify = {"status": "unverified", "current_verdict": ",".join(VERDICT_STATUSES)}
        lists.append({"key": "to_verify", "params": to_verify,
                      "count": store.count_violations(filters.but(status=("unverified",),
                                                                  current_verdict=VERDICT_STATUSES))})
    return {"lists": lists, "current_verdicts": verdict_counts(store.db, filters.clauses(s.clock.now()))}
