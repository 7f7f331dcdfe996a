"""A report's later judgements, for its page (#19: "a report's page shows its stored verdict").

    GET /api/reports/<id>/verdicts    every re-judgement of the report (``zonasi reports recheck``),
                                      oldest first, each put into words in the caller's language

A report keeps the verdict it got when it was submitted (``GET /api/reports/<id>``); a recheck
under newer rules or layers stores a new one beside it, never over it. Who may read them is who
may read the report: the request goes through the report's own route first.
"""
from __future__ import annotations

from flask import Blueprint

from geo.engine import describe
from geo.store import later_verdicts, stored_verdict

from ..language import request_language
from ..services import services
from .reports import get_report

bp = Blueprint("verdicts", __name__, url_prefix="/api")
FIELDS = ("judged_at", "rules_version", "layers_version", "verdict_status", "uncertain", "site_id", "distance_m",
          "previous_status", "changed")


@bp.get("/reports/<report_id>/verdicts")
def report_verdicts(report_id: str):
    """The later verdicts of one report, oldest first: ``{"id", "verdicts": [{"judged_at",
    "rules_version", "layers_version", "verdict_status", "uncertain", "site_id", "distance_m",
    "previous_status", "changed", "message"}]}`` (empty when it was never judged again)."""
    report = get_report(report_id)  # the report's own access rules and its 404
    s = services()
    lang = request_language()
    out = []
    for row in later_verdicts(s.store, report["id"]):
        entry = {name: row[name] for name in FIELDS}
        entry["message"] = describe(stored_verdict(row["verdict"]), s.engine.rules, s.catalog, lang)
        out.append(entry)
    return {"id": report["id"], "verdicts": out}
