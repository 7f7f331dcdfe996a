"""Reports from the public, without an account, and the regency names of the pages' autocomplete.

    POST /api/public/reports            a report (JSON, or multipart with a ``photo``): 201
                                        {"tracking_code", "status": "unverified", "verdict_status",
                                        "message"}; no reporter identity is stored; a few an hour per
                                        client (ZONASI_MAX_PUBLIC_REPORTS_PER_HOUR, then 429 + Retry-After)
    GET  /api/public/reports/<code>     that report's status and verdict, by its tracking code
    GET  /api/regencies?q=indra         regencies whose name or code matches, best first: [{code, name}]

The client is the address after ZONASI_PROXY_HOPS proxies (webmap.proxy), stored only as a keyed
hash (HMAC-SHA256 under the installation's secret, shared by every node: geo.store.intake).
"""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, request

from geo import InputError
from geo.engine import describe
from geo.store import PublicIntake, stored_verdict

from ..language import request_language
from ..services import services
from .reports import report_body

bp = Blueprint("public", __name__, url_prefix="/api")
IDENTITY_FIELDS = ("reporter", "id")   # never taken from the public: no identity, no id of the client's choosing
MAX_QUERY = 100


def _intake() -> PublicIntake:
    s = services()
    return PublicIntake(s.store, s.settings.max_public_reports_per_hour)


def _body() -> tuple[dict, bytes | None]:
    """The report's fields and photo, as POST /api/reports takes them, without any identity."""
    data, photo = report_body()
    return {k: v for k, v in data.items() if k not in IDENTITY_FIELDS}, photo


def _public(report: dict) -> dict:
    """What the public sees of its report: the tracking code, status and verdict, in words."""
    s = services()
    verdict = report.get("verdict")
    message = describe(stored_verdict(verdict), s.engine.rules, s.catalog, request_language()) if verdict else None
    return {"tracking_code": report["tracking_code"], "status": report["status"],
            "verdict_status": report["verdict_status"], "message": message, "apk_type": report["apk_type"],
            "received_at": report["received_at"], "status_at": report.get("status_at")}


@bp.post("/public/reports")
def submit_public():
    """Store a report without an account (status ``unverified``; Bawaslu accepts or dismisses it)."""
    s = services()
    data, photo = _body()
    key = request.headers.get("Idempotency-Key")
    intake = _intake()
    if not intake.stored(key):   # a retry of a stored report is answered again without counting
        intake.admit(request.remote_addr, dt.datetime.now(dt.UTC))   # real time, not ZONASI_NOW's
    return _answer(s.store.submit(data, photo=photo, idempotency_key=key, public=True))


def _answer(result):
    response = current_app.json.response(_public(result.report))
    response.status_code = 201 if result.created else 200
    response.headers["Location"] = f"/api/public/reports/{result.report['tracking_code']}"
    response.headers["Cache-Control"] = "no-store"
    if not result.created:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/public/reports/<code>")
def lookup_public(code: str):
    """Status and verdict of a public report by its tracking code (no position, no identity)."""
    found = _intake().lookup(code)
    response = current_app.json.response(_public(found))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/regencies")
def regencies():
    """Regencies matching ``q`` (a name, part of one, or a code), best first, for autocomplete."""
    q = request.args.get("q", "")
    limit = request.args.get("limit", "10")
    if not (limit.isascii() and limit.isdigit() and len(limit) <= 2 and 1 <= int(limit) <= 50):
        raise InputError("limit must be 1..50", message_id="params.limit_range", message_values={"limit": 50},
                         parameter="limit")
    found = services().engine.regency_lookup.suggest(q[:MAX_QUERY], int(limit)) if q.strip() else []
    response = current_app.json.response({"regencies": found})
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
