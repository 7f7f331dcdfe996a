"""OpenAPI entries of the reports and their takedown workflow: submission (with a token and the
public intake), lists, one report, its verdicts and photos, moves, and the violations."""
from __future__ import annotations

from geo import VERDICT_STATUSES
from geo.exports import DEFAULT_DIALECT, FORMATS, dialect_names
from geo.store import APK_TYPES, RANGES, TEXT_LIMITS

from .common import JSON, LANG, PROBLEM, REPORT_FILTERS, binary, header, ok, query, ref

DIALECT = query("dialect", "CSV only: machine (default: , and decimal points, codes, UTC) or excel-id (; and decimal "
                           "commas, UTF-8 with BOM, Indonesian headers and labels, local times with WIB/WITA/WIT)",
                {"type": "string", "enum": dialect_names(), "default": DEFAULT_DIALECT})

# The fields of a report, with the limits geo.store.inputs holds them to.
REPORT_FIELDS = {
    "id": {"type": "string", "format": "uuid", "description": "Client-made id (idempotent)"},
    "apk_type": {"type": "string", "enum": list(APK_TYPES)},
    "participant": {"type": "string", "maxLength": TEXT_LIMITS["participant"]},
    "lon": {"type": "number", "minimum": RANGES["lon"][0], "maximum": RANGES["lon"][1]},
    "lat": {"type": "number", "minimum": RANGES["lat"][0], "maximum": RANGES["lat"][1]},
    "accuracy_m": {"type": "number", "minimum": RANGES["accuracy_m"][0], "maximum": RANGES["accuracy_m"][1]},
    "reporter": {"type": "string", "maxLength": TEXT_LIMITS["reporter"]},
    "reported_at": {"type": "string", "format": "date-time"},
    "note": {"type": "string", "maxLength": TEXT_LIMITS["note"]},
}

# What a stored report leads to (OpenAPI links: clients and stateful fuzzing follow them).
REPORT_LINKS = {
    "GetReport": {"operationId": "reports_get_report", "parameters": {"report_id": "$response.body#/id"}},
    "TransitionReport": {"operationId": "reports_transition_post", "parameters": {"report_id": "$response.body#/id"}},
    "ReportPhoto": {"operationId": "reports_photo", "parameters": {"report_id": "$response.body#/id"}},
}

REPORTS: dict[str, dict] = {
    # -- reports and the takedown workflow ------------------------------------------------------------
    "reports.submit": {
        "summary": "Submit a report of a campaign prop; its verdict is computed and stored",
        "roles": ["field", "admin"],
        "parameters": [header("Idempotency-Key", "A key per report: resubmitting with it returns the first "
                                                 "report (200, Idempotent-Replayed: true) instead of a copy")],
        "requestBody": {"required": True, "content": {
            JSON: {"schema": ref("ReportInput")},
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["apk_type"], "additionalProperties": False, "properties": {
                    **REPORT_FIELDS, "photo": {"type": "string", "format": "binary",
                                               "description": "JPEG or PNG; its EXIF GPS is used when lon/lat "
                                                              "are missing"}}}}}},
        "responses": {"201": {"description": "Stored", "content": {JSON: {"schema": ref("Report")}},
                              "links": REPORT_LINKS},
                      "200": {"description": "Already stored with this Idempotency-Key (or id)",
                              "content": {JSON: {"schema": ref("Report")}}},
                      "409": {"$ref": "#/components/responses/Conflict"},
                      "413": PROBLEM,
                      "507": dict(PROBLEM, description="The server's disk or database is full: retry later "
                                                       "(Retry-After)")},
    },
    # -- public intake and regency names (#19) ---------------------------------------------------
    "public.submit_public": {
        "summary": "Report a campaign prop without an account: stored as unverified, without any identity",
        "description": "Bawaslu accepts (to reported) or dismisses it. Limited per client (the address after "
                       "ZONASI_PROXY_HOPS proxies, stored hashed) to ZONASI_MAX_PUBLIC_REPORTS_PER_HOUR an hour; "
                       "over it a 429 with Retry-After. Keep the tracking_code to follow the report.",
        "parameters": [header("Idempotency-Key", "A key per report: resubmitting with it returns the first "
                                                 "report (200) and is not counted against the limit"), LANG],
        "requestBody": {"required": True, "content": {
            JSON: {"schema": ref("ReportInput")},
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["apk_type"], "properties": {
                    **{k: v for k, v in REPORT_FIELDS.items() if k not in ("id", "reporter")},
                    "photo": {"type": "string", "format": "binary", "description": "JPEG or PNG"}}}}}},
        "responses": {"201": {"description": "Stored", "content": {JSON: {"schema": ref("PublicReport")}}},
                      "200": {"description": "Already stored with this Idempotency-Key",
                              "content": {JSON: {"schema": ref("PublicReport")}}},
                      "409": PROBLEM, "413": PROBLEM,
                      "429": dict(PROBLEM, description="Too many reports from this client; Retry-After says "
                                                       "when to try again")},
    },
    "public.lookup_public": {
        "summary": "A public report's status and verdict, by its tracking code (nothing else)",
        "parameters": [LANG],
        "responses": {**ok(ref("PublicReport")), "404": PROBLEM},
    },
    "reports.list_reports": {
        "summary": "List reports, newest first, with the reporter", "roles": ["bawaslu", "admin"],
        "parameters": [*REPORT_FILTERS, query("limit", "Reports per page", {"type": "integer", "minimum": 0}),
                       query("offset", "Reports to skip", {"type": "integer", "minimum": 0})],
        "responses": ok({"type": "object", "properties": {
            "reports": {"type": "array", "items": ref("Report")},
            "numberMatched": {"type": "integer"}, "numberReturned": {"type": "integer"}}}),
    },
    "mine.my_reports": {
        "summary": "My reports (Laporan saya): the reports this token submitted, with status and stored verdict, "
                   "no reporter identity", "roles": ["field", "admin"],
        "parameters": [LANG, query("limit", "Reports per page", {"type": "integer", "minimum": 0}),
                       query("offset", "Reports to skip", {"type": "integer", "minimum": 0})],
        "responses": ok({"type": "object", "properties": {
            "reports": {"type": "array", "items": ref("Report")},
            "numberMatched": {"type": "integer"}, "numberReturned": {"type": "integer"}}}),
    },
    "reports.get_report": {"summary": "One report: its stored verdict, explanation and history",
                           "roles": ["field", "bawaslu", "satpolpp", "admin"], "parameters": [LANG],
                           "responses": ok(ref("Report"))},
    "verdicts.report_verdicts": {
        "summary": "A report's later verdicts (zonasi reports recheck), oldest first, in words; the verdict at "
                   "submission stays in the report itself", "roles": ["field", "bawaslu", "satpolpp", "admin"],
        "parameters": [LANG],
        "responses": ok({"type": "object", "properties": {
            "id": {"type": "string"}, "verdicts": {"type": "array", "items": {"type": "object", "properties": {
                "judged_at": {"type": "string", "format": "date-time"}, "rules_version": {"type": "string"},
                "layers_version": {"type": "string"}, "verdict_status": {"type": "string"},
                "uncertain": {"type": "boolean"}, "site_id": {"type": "string", "nullable": True},
                "distance_m": {"type": "number", "nullable": True}, "previous_status": {"type": "string"},
                "changed": {"type": "boolean"}, "message": {"type": "array", "items": {"type": "string"}}}}}}})},
    "reports.photo": {"summary": "The photo of a report", "roles": ["field", "bawaslu", "satpolpp", "admin"],
                      "responses": binary("image/jpeg", "image/png", description="The photo")},
    "reports.transition": {
        "summary": "Move a report through the workflow (accept, verify, dismiss, reopen, notify, remove)",
        "description": "unverified -> reported | dismissed; reported -> verified | dismissed; verified -> notified "
                       "(deadline set by the rules) | removed; notified -> removed; dismissed -> reported (an admin "
                       "reopens it, with a note). An illegal move is 409 listing the allowed ones. A dismissal needs "
                       "a reason (other: a note; duplicate: duplicate_of). A removal needs storage_location and, "
                       "unless ZONASI_REMOVAL_PHOTO_REQUIRED=false, an after-photo (multipart 'photo'); its EXIF "
                       "GPS and time are checked (removal_flags). accept/verify/dismiss/notify: bawaslu; removed: "
                       "satpolpp; reopen: admin; admin: all. Every move is audited and sent to the webhooks "
                       "(report.transitioned).",
        "roles": ["bawaslu", "satpolpp", "admin"],
        "requestBody": {"required": True, "content": {JSON: {"schema": ref("Move")},
                                                      "multipart/form-data": {"schema": {"allOf": [ref("Move"), {
                                                          "type": "object", "properties": {
                                                              "photo": {"type": "string", "format": "binary"}}}]}}}},
        "responses": {**ok(ref("Report")), "409": {"$ref": "#/components/responses/Conflict"}},
    },
    "triage.transitions": {
        "summary": "Move many reports at once (by ids or by the filters of GET /api/reports)",
        "description": "Each report is moved, checked and audited on its own: an illegal move (or one missing what "
                       "it needs) is reported for that report with its message, the others proceed. At most "
                       "ZONASI_MAX_BULK_TRANSITIONS reports per call (413 past it). A filter must name at least one "
                       "filter. Takes no photo: removals that need one are refused per report.",
        "roles": ["bawaslu", "satpolpp", "admin"],
        "requestBody": {"required": True, "content": {JSON: {"schema": {"allOf": [ref("Move"), {
            "type": "object", "properties": {
                "ids": {"type": "array", "items": {"type": "string"}},
                "filter": {"type": "object", "description": "regency, category, status, verdict, current_verdict "
                                                            "(strings or lists), overdue (boolean), since, until, "
                                                            "bbox"}}}]}}}},
        "responses": {**ok({"type": "object", "properties": {
            "results": {"type": "array", "items": {"type": "object", "required": ["id", "ok"], "properties": {
                "id": {"type": "string"}, "ok": {"type": "boolean"}, "status": {"type": "string"},
                "error": {"type": "string"}, "code": {"type": "string"}, "http_status": {"type": "integer"}}}},
            "moved": {"type": "integer"}, "failed": {"type": "integer"}}}),
            "413": dict(PROBLEM, description="More reports than one call moves")},
    },
    "triage.removal_photo_file": {
        "summary": "The after-photo of a report's removal", "roles": ["field", "bawaslu", "satpolpp", "admin"],
        "responses": {**binary("image/jpeg", "image/png"), "404": dict(PROBLEM, description="No removal photo")},
    },
    "reports.violations": {
        "summary": ("Violations for Satpol PP: " + ", ".join(f.title for f in FORMATS.values())
                    + ", without the reporter"),
        "roles": ["bawaslu", "satpolpp", "admin"],
        "parameters": [{"name": "fmt", "in": "path", "required": True, "description": "File format",
                        "schema": {"type": "string", "enum": list(FORMATS)}},
                       *REPORT_FILTERS, DIALECT],
        "responses": binary(*(f.media_type for f in FORMATS.values()), description="The violations as a file"),
    },
    "reports.violation_lists": {
        "summary": "The lists of the violations page with their counts: violations, and field_check (current "
                   "verdict incomplete: no forbidden site found, data not complete there, check on site)",
        "roles": ["bawaslu", "satpolpp", "admin"], "parameters": REPORT_FILTERS,
        "responses": ok({"type": "object", "properties": {
            "lists": {"type": "array", "items": {"type": "object", "properties": {
                "key": {"type": "string", "enum": ["violations", "field_check"]},
                "params": {"type": "object", "description": "Query parameters that select the list"},
                "count": {"type": "integer"}}}},
            "current_verdicts": {"type": "object", "description": "Reports per current verdict",
                                 "properties": {k: {"type": "integer"} for k in VERDICT_STATUSES}}}}),
    },
}
