"""``GET /api/reports/mine``: the caller's own reports ("Laporan saya" on the map), with their
status and stored verdict in words; no other reporter's identity (a token sees only the reports
it submitted, and no reporter names at all)."""
from __future__ import annotations

from flask import Blueprint

from geo.store import reports_of_token

from .. import auth
from ..services import services
from .reports import explained, for_caller, page_args

bp = Blueprint("mine", __name__, url_prefix="/api")


@bp.get("/reports/mine")
def my_reports():
    """The reports submitted with the caller's token, newest first (one page: limit, offset)."""
    who = auth.require("reports:submit")
    limit, offset = page_args()
    rows, matched = reports_of_token(services().store, who.id, limit, offset)
    reports = [for_caller(explained(row)) for row in rows]
    for report in reports:  # own reports only, but never a name: the answer is the same for every role
        report.pop("reporter", None)
        report.pop("submitted_by", None)
    return {"reports": reports, "numberMatched": matched, "numberReturned": len(reports)}
