"""Small JSON endpoints the pages need.

    GET /api/geocode?q=   the map's search box: coordinates in every form the CSV parser reads
                          (decimal, decimal comma, DMS, "lat, lon"), a Kemendagri code or a
                          regency name
    GET /api/whoami       the token's name and role (the pages show the workflow buttons by role)
    GET /api/stats        counts for the dashboard: sites per category and regency; with a token
                          that may read violations, reports per status, regency, category and type,
                          and per campaign participant (reports, removed, reinstalled, overdue)
"""
from __future__ import annotations

from flask import Blueprint, current_app, request

from geo import InputError
from geo.catalog import grouped_report_counts, site_counts
from geo.store import ReportFilter, participant_counts
from geo.validation import parse_pair_column

from .. import auth
from ..language import request_language
from ..services import services

bp = Blueprint("mapapi", __name__, url_prefix="/api")

SITE_COUNTS_KEY = "zonasi.site_counts"
MAX_QUERY = 200
# What the CSV parser says of text that is simply not a coordinate pair (then try a name).
NOT_A_PAIR = ("not_pair", "missing_pair", "not_coordinate", "missing")


def _cached(key: str, build):
    app = current_app
    found = app.extensions.get(key)
    if found is None:
        found = app.extensions.setdefault(key, build())
    return found


def _lang() -> str:
    return request_language()


def parse_point(text: str) -> tuple[float, float] | None:
    """(lat, lon) when ``text`` is a coordinate pair the CSV parser accepts; None when it is no
    coordinate at all; InputError (with the parser's reason) when it is one but unusable."""
    area = tuple(float(v) for v in services().engine.layers.regencies.total_bounds)
    parsed = parse_pair_column([text], area=area)  # within the layers' area: swapped lat/lon are named
    problem = parsed.problems[0]
    if problem is None:
        return float(parsed.lat[0]), float(parsed.lon[0])
    if problem.code in NOT_A_PAIR:
        return None
    catalog = services().catalog
    def reason(lang: str) -> str:  # the parser's reason in ``lang``, as the CSV rows say it
        try:
            return catalog.get(f"batch.error.{problem.code}", lang, **problem.values)
        except (KeyError, IndexError):
            return problem.code
    raise InputError(f"{text!r}: {reason('en')}", message_id="geocode.bad_point",
                     message_values={"query": text, "reason": reason(_lang())}, parameter="q", reason=problem.code)


@bp.get("/geocode")
def geocode():
    """``{"query", "results": [{"type": "point", "lat", "lon"} | {"type": "regency", "code",
    "name", "bbox", "lat", "lon"}]}``; no match is an empty list."""
    q = (request.args.get("q") or "").strip()
    if not q:
        raise InputError("query parameter 'q' is required: coordinates such as -6.33, 108.32 or "
                         "6°19'48\"S 108°19'12\"E, or a regency name such as Indramayu",
                         message_id="geocode.required",
                         parameter="q")
    if len(q) > MAX_QUERY:
        raise InputError(f"q is {len(q)} characters; at most {MAX_QUERY}", message_id="geocode.too_long",
                         message_values={"length": len(q), "limit": MAX_QUERY}, parameter="q")
    point = parse_point(q)
    if point is not None:
        lat, lon = point
        return {"query": q, "results": [{"type": "point", "lat": lat, "lon": lon}]}
    names = services().engine.regency_lookup
    by_code = names.code(q)
    matches = [by_code] if by_code else names.find(q)
    return {"query": q, "results": [m.to_dict() for m in matches]}


@bp.get("/whoami")
def whoami():
    """The caller's token name and role, and what the role may do (401 without a token)."""
    who = auth.identity()
    if who is None:
        auth.require("reports:read")  # raises the usual 401 with how to send a token
    return {"name": who.name, "role": who.role,
            "permissions": sorted(auth.PERMISSIONS.get(who.role, ()))}


@bp.get("/stats")
def stats():
    """Counts for the dashboard (reports only for tokens that may read violations)."""
    s = services()
    body = {"sites": _cached(SITE_COUNTS_KEY, lambda: site_counts(s.engine.layers)), "reports": None,
            "participants": None}
    if auth.can("violations:read"):
        body["reports"] = grouped_report_counts(s.store.report_groups())  # GROUP BY in the database
        # notified reports past their deadline (#18 dashboard): one COUNT
        body["reports"]["overdue"] = s.store.count_reports(ReportFilter(overdue=True))
        # per campaign participant: reports, removed, reinstalled (came back), overdue (#19)
        body["participants"] = participant_counts(s.store.db, s.clock.now())
    return body
