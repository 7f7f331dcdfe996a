"""What each endpoint takes and returns, for ``/openapi.json`` (see :mod:`webmap.openapi`).

One entry per Flask endpoint name (``"blueprint.view"``), or per ``"endpoint METHOD"`` when a
view serves several methods. Keys: summary, description, parameters, requestBody, responses,
roles (token roles; adds bearer security and 401/403), tags. Paths and path parameters come
from the url_map itself. When you add a route, add its entry here: ``tests/test_openapi.py``
fails for any route without one.
"""
from __future__ import annotations

from geo import VERDICT_STATUSES
from geo.catalog import ORDER
from geo.exports import DEFAULT_DIALECT, FORMATS, dialect_names
from geo.store import APK_TYPES, RANGES, TEXT_LIMITS

from ..api.validate import FORMATS as VALIDATE_FORMATS

JSON = "application/json"
GEOJSON = "application/geo+json"


def query(name: str, description: str, schema: dict | None = None, *, required: bool = False,
          **extra) -> dict:
    """A query parameter (a string unless ``schema`` says otherwise)."""
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema or {"type": "string"}, **extra}


def header(name: str, description: str) -> dict:
    """An optional request header (a string)."""
    return {"name": name, "in": "header", "required": False, "description": description,
            "schema": {"type": "string"}}


def ref(name: str) -> dict:
    """A reference to the component schema ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


def ok(schema: dict, mimetype: str = JSON, description: str = "Success") -> dict:
    """A 200 response whose body follows ``schema``."""
    return {"200": {"description": description, "content": {mimetype: {"schema": schema}}}}


def binary(*mimetypes: str, description: str = "A file") -> dict:
    """A 200 response that is a file in one of ``mimetypes``."""
    return {"200": {"description": description,
                    "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in mimetypes}}}


PROBLEM = {"description": "Refused, as RFC 9457 problem details",
           "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
HTML = binary("text/html", description="An HTML page")
LANG = query("lang", "Language of messages: id (default) or en", {"type": "string", "enum": ["id", "en"]})
F = query("f", "Output format: json (the only one)", {"type": "string", "enum": ["json"]})
BBOX = query("bbox", "west,south,east,north in WGS 84 degrees (west > east crosses the antimeridian)",
             {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
             style="form", explode=False)
DATETIME = query("datetime", "RFC 3339 instant or interval (2024-01-05, 2024-01-01/2024-02-01, ../2024-02-01); "
                             "on reports and violations: reported_at. Sites, zones and regencies are not time-bound.")


def limit(settings) -> dict:
    """The ``limit`` query parameter of a page of features, with the configured maximum."""
    return query("limit", f"Features per page (1..{settings.max_page_limit}; larger values are capped)",
                 {"type": "integer", "minimum": 1, "maximum": settings.max_page_limit, "default": 100},
                 style="form", explode=False)


OFFSET = query("offset", "Features to skip (the next link sets it)", {"type": "integer", "minimum": 0, "default": 0})
PROPERTIES = query("properties", "Comma-separated properties to return (default: all)")
ZOOM = query("zoom", "Web map zoom 0..12: geometries simplified for drawing at that zoom (regencies)",
             {"type": "integer", "minimum": 0})
FILTERS = [query("category", "sites: category key(s), comma-separated"),
           query("regency_code", "sites: Kemendagri regency code(s), e.g. 32.12"),
           query("layer", "sites: source layer name(s)"),
           query("province_code", "regencies: province code(s), e.g. 32"),
           query("regency_type", "regencies: Kabupaten or Kota"),
           query("level", "coverage: complete, partial or none (share of the required categories declared complete)")]
REPORT_FILTERS = [query("regency", "Kemendagri code(s) or name(s), comma-separated"),
                  query("category", "Category of the site that explains the verdict, comma-separated"),
                  query("status", "Workflow status(es): reported, verified, dismissed, notified, removed"),
                  query("verdict", "Verdict(s) at submission, comma-separated: " + ", ".join(VERDICT_STATUSES)),
                  query("current_verdict", "Verdict(s) of the newest judgement (zonasi reports recheck, else the "
                                           "submission's), comma-separated; incomplete: to check on site"),
                  query("overdue", "true: notified and past the deadline", {"type": "boolean"}),
                  query("since", "reported_at on or after (date or RFC 3339 time)"),
                  query("until", "reported_at on or before (a date includes the whole day)"),
                  query("bbox", "min lon,min lat,max lon,max lat", style="form", explode=False), LANG]
DIALECT = query("dialect", "CSV only: machine (default: , and decimal points, codes, UTC) or excel-id (; and decimal "
                           "commas, UTF-8 with BOM, Indonesian headers and labels, local times with WIB/WITA/WIT)",
                {"type": "string", "enum": dialect_names(), "default": DEFAULT_DIALECT})
COLLECTION_ID = {"name": "collection_id", "in": "path", "required": True,
                 "description": "violations, reports, sites, zones, regencies or coverage",
                 "schema": {"type": "string", "enum": list(ORDER)}}

TAGS = [
    {"name": "API", "description": "Checks, reports, the takedown workflow and violations (JSON)"},
    {"name": "OGC API - Features", "description": "Part 1 Core + GeoJSON: readable by QGIS, GDAL, OWSLib"},
    {"name": "OGC API - Tiles", "description": "Vector tiles (Mapbox Vector Tile, WebMercatorQuad) of the "
                                               "collections: what the web map draws"},
    {"name": "Pages", "description": "The web map and its pages (HTML)"},
    {"name": "Static files", "description": "Scripts, styles and vendored assets of the pages"},
]

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

ENDPOINTS: dict[str, dict] = {
    # -- engine ---------------------------------------------------------------------------------
    "api.check": {
        "summary": "Check one point against the exclusion zones",
        "parameters": [query("lat", "Latitude, -90..90 (also: latitude)", {"type": "number"}, required=True),
                       query("lon", "Longitude, -180..180 (also: lng, longitude)", {"type": "number"},
                             required=True),
                       query("at", "Date of the sighting, YYYY-MM-DD (checked against campaign periods)",
                             {"type": "string", "format": "date"}),
                       query("accuracy", "GPS accuracy in metres: marks a verdict it could overturn uncertain",
                             {"type": "number", "minimum": 0}),
                       LANG],
        "responses": ok(ref("Verdict")),
    },
    "zones.zones": {
        "summary": "Dissolved exclusion zones of a regency, for drawing (GeoJSON)",
        "description": "One (multi)polygon per category: the sites buffered by the regency's distance in its UTM "
                       "zone, clipped to the regency; kind=allowed for designated zones. Drawings only: verdicts "
                       "come from /api/check. regency or bbox is required. At most 6 regencies (repeats count "
                       "once, 400 beyond) and 1,000,000 vertices per answer (413: narrow the bbox, regencies or "
                       "categories); a bbox touching no regency gives an empty FeatureCollection.",
        "parameters": [query("regency", "Kemendagri regency code(s), comma-separated, e.g. 32.12"),
                       query("category", "Category key(s), comma-separated (default: all)"),
                       query("bbox", "west,south,east,north in WGS 84 degrees: clip to it (alone: the regencies it "
                                     "touches, at most 6)")],
        "responses": ok(ref("FeatureCollection"), GEOJSON),
    },
    "coverage.coverage_geojson": {
        "summary": "Data completeness per regency and the declared areas, for drawing (GeoJSON)",
        "description": "Where the layers declare every site of a category (coverage.toml). One feature per "
                       "regency (kind=regency, id: Kemendagri code): status per required category (complete, "
                       "partial: a declared polygon covers part of it, none), advisory categories apart, "
                       "required_complete_fraction (mean declared share of the required categories; a partial "
                       "one counts for the part it covers), level (complete, partial, none), sites, and the "
                       "sources with as_of. Then one feature per declared polygon (kind=area). Geometries are "
                       "simplified for a web map at zoom (12 by default; above 12 full detail). At most "
                       "1,000,000 vertices per answer (413: give a bbox or a lower zoom). ETag by rules and "
                       "layers version: If-None-Match gives 304.",
        "parameters": [query("bbox", "west,south,east,north in WGS 84 degrees: the regencies and areas it touches "
                                     "(default: all)"),
                       query("zoom", "Web map zoom 0..30: simplified for drawing at that zoom (default 12; above 12 "
                                     "full detail)", {"type": "integer", "minimum": 0, "maximum": 30}),
                       LANG],
        "responses": {**ok(ref("FeatureCollection"), GEOJSON), "304": {"description": "Not modified (ETag)"},
                      "413": PROBLEM},
    },
    "coverage.coverage_table": {
        "summary": "Data completeness for the dashboard: the regencies with sites or declarations",
        "description": "regencies: the properties of /api/coverage.geojson's regency features, for every regency "
                       "with a site or a declaration (most complete first); total, listed, without_data (regencies "
                       "with neither), levels (regencies per level), required (categories required in the listed "
                       "ones), sources (every declaration), declared (false without coverage.toml).",
        "parameters": [LANG],
        "responses": {**ok({"type": "object", "properties": {
            "regencies": {"type": "array", "items": {"type": "object"}}, "total": {"type": "integer"},
            "listed": {"type": "integer"}, "without_data": {"type": "integer"}, "levels": {"type": "object"},
            "required": {"type": "array", "items": {"type": "string"}},
            "sources": {"type": "array", "items": {"type": "object"}}, "declared": {"type": "boolean"},
            "rules_version": {"type": "string"}, "layers_version": {"type": "string"}}}),
            "304": {"description": "Not modified (ETag)"}},
    },
    "offline.regency": {
        "summary": "Everything needed to judge points of one regency offline (the map's saved area)",
        "description": "A bundle for the in-browser judge (webmap/static/zonasi/offline/engine.js): the regency's "
                       "polygon (not simplified), its neighbours near it (clipped), its sites and those within the "
                       "border snap distance plus the largest rule distance and 100 m of GPS accuracy, the rules "
                       "of every regency in it, the coverage (incomplete shapes per UTM zone), layers_version and "
                       "rules_version. At most Settings.max_offline_bytes (413 beyond). HEAD gives the size. ETag "
                       "by layers and rules version: If-None-Match gives 304.",
        "parameters": [{"name": "code", "in": "path", "required": True, "description": "Kemendagri code, e.g. 32.12",
                        "schema": {"type": "string"}}],
        "responses": {**ok({"type": "object"}), "304": {"description": "Not modified (ETag)"},
                      "404": PROBLEM, "413": PROBLEM},
    },
    "offline.bbox": {
        "summary": "Everything needed to judge points of a box offline (the map's viewport)",
        "description": "As /api/offline/regency/{code}.json for the regencies the box touches; only points inside "
                       "the box are judged. 400 for a box touching no regency, 413 beyond "
                       "Settings.max_offline_bytes.",
        "parameters": [query("bbox", "west,south,east,north in WGS 84 degrees", required=True)],
        "responses": {**ok({"type": "object"}), "304": {"description": "Not modified (ETag)"}, "413": PROBLEM},
    },
    "batch.validate": {
        "summary": "Validate a CSV or workbook (.xlsx, .ods) of reported props: a verdict for every row",
        "description": "A workbook is read as it is (numbers and dates as typed cells; a row's line is its row "
                       "number in the sheet): its first sheet, or the one `sheet` names. A workbook that cannot "
                       "be read (damaged, protected by a password, an old .xls) or has no such sheet is a 400 "
                       "(the sheets named). Use GET /api/validate/template.xlsx to start from. "
                       "Uploads with more rows than the web limit, more than 1,000 columns or a header over "
                       "64 KB are refused (413); an upload that takes longer than the server's time budget "
                       "(ZONASI_VALIDATE_TIME_BUDGET_S), or arrives while the upload threads and their queue "
                       "are busy, is a 503 with Retry-After: use `zonasi validate`, which has no limits. The "
                       "summary travels in the X-Zonasi-Summary header (JSON).",
        "parameters": [query("format", "csv (every row with its verdict, default) or geojson (the violations)",
                             {"type": "string", "enum": list(VALIDATE_FORMATS), "default": "csv"}),
                       query("at_column", "Column with the date each prop stood"),
                       query("sheet", "Of a workbook: the sheet to read, by name or number from 1 (default: the "
                                      "first visible one)"), LANG],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary",
                                    "description": "The CSV, or an Excel (.xlsx) or OpenDocument (.ods) workbook"},
                           "at_column": {"type": "string"}, "sheet": {"type": "string"},
                           "lang": {"type": "string"}}}}}},
        "responses": {**binary(*dict.fromkeys(FORMATS[f].media_type for f in VALIDATE_FORMATS),
                               description="The results"),
                      "400": PROBLEM, "413": PROBLEM, "503": PROBLEM},
    },
    "batch.template_xlsx_file": {
        "summary": "A template of a spreadsheet of reports to fill in (Excel): the column names the reader "
                   "recognises (id, lat, lon, jenis_apk, peserta, tanggal, keterangan) and two example rows",
        "responses": binary("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            description="The template workbook"),
    },
    "batch.template_csv_file": {
        "summary": "The same template as CSV (UTF-8 with a BOM, comma-separated, dates DD/MM/YYYY)",
        "responses": binary("text/csv", description="The template CSV"),
    },
    "mapapi.geocode": {
        "summary": "Find a place: a coordinate pair or a regency name",
        "parameters": [query("q", "Coordinates (-6.33, 108.32 or 6°19'48\"S 108°19'12\"E) or a regency name",
                             required=True), LANG],
        "responses": ok({"type": "object", "properties": {
            "query": {"type": "string"}, "results": {"type": "array", "items": {"type": "object"}}}}),
    },
    "mapapi.whoami": {"summary": "The caller's token name, role and permissions",
                      "roles": ["field", "bawaslu", "satpolpp", "admin"],
                      "responses": ok({"type": "object", "properties": {
                          "name": {"type": "string"}, "role": {"type": "string"},
                          "permissions": {"type": "array", "items": {"type": "string"}}}})},
    "mapapi.stats": {"summary": "Counts for the dashboard: sites always, reports with a token that may read "
                                "violations", "parameters": [LANG],
                     "responses": ok({"type": "object", "properties": {
                         "sites": {"type": "object"}, "reports": {
                             "type": "object", "nullable": True,
                             "description": "total, by_status, by_verdict (current verdicts, every status, incomplete "
                                            "included), by_category, by_apk_type, by_regency, overdue (notified "
                                            "reports past their deadline)"},
                         "participants": {"type": "array", "nullable": True, "items": ref("ParticipantCounts"),
                                          "description": "Per campaign participant, most reports first (#19)"}}})},
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
    "public.regencies": {
        "summary": "Regencies matching a name, part of one or a code, best first (the pages' autocomplete)",
        "description": "Every regency filter takes these names too: regency=Indramayu, kab. indramayu, "
                       "Kota Bandung or 32.12; an unknown or ambiguous name is a 400 with suggestions.",
        "parameters": [query("q", "Name (any case, with or without Kabupaten/Kab./Kota) or code prefix"),
                       query("limit", "At most this many (1..50)", {"type": "integer", "minimum": 1,
                                                                     "maximum": 50, "default": 10})],
        "responses": ok({"type": "object", "properties": {"regencies": {"type": "array", "items": {
            "type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}}}}}}),
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
    "pages.report_page": {"summary": "One report's page: its stored verdict, later verdicts, history, photos and "
                                     "a map of its spot (the data come from the API with the browser's token)",
                          "parameters": [LANG], "responses": HTML},
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
    # -- casework: letters and Satpol PP's worklist (#19) -----------------------------------------------
    "letters.issue": {
        "summary": "Issue a numbered warning letter: its verified reports (one regency, one participant) become "
                   "notified",
        "description": "Numbered <seq>/PP.01/<regency code>/<month in Roman numerals>/<year>, per regency and year, "
                       "never reused. The deadline is the letter's time + the regency's notice_hours (rules.toml). "
                       "Unknown ids, another regency or participant: 400; reports not verified: 409 (each names "
                       "the offending ids).",
        "roles": ["bawaslu", "admin"],
        "requestBody": {"required": True, "content": {JSON: {"schema": {
            "type": "object", "required": ["participant", "regency", "ids"], "properties": {
                "participant": {"type": "string"},
                "regency": {"type": "string", "description": "Kemendagri code (32.12) or the regency's name"},
                "ids": {"type": "array", "items": {"type": "string", "format": "uuid"}, "minItems": 1,
                        "maxItems": 500}}}}}},
        "responses": {"201": {"description": "Issued", "content": {JSON: {"schema": {"type": "object", "properties": {
            "number": {"type": "string"}, "deadline": {"type": "string", "format": "date-time"},
            "issued_at": {"type": "string", "format": "date-time"}, "notice_hours": {"type": "number"},
            "regency_code": {"type": "string"}, "participant": {"type": "string"},
            "ids": {"type": "array", "items": {"type": "string"}},
            "pdf": {"type": "string", "description": "URL of the letter's PDF"}}}}}},
            "409": {"$ref": "#/components/responses/Conflict"}},
    },
    "letters.letters": {
        "summary": "The letters, newest first", "roles": ["bawaslu", "satpolpp", "admin"],
        "parameters": [query("regency", "Kemendagri code or name"), query("participant", "The participant (any case)"),
                       query("limit", "Letters per page", {"type": "integer", "minimum": 0}),
                       query("offset", "Letters to skip", {"type": "integer", "minimum": 0})],
        "responses": ok({"type": "object", "properties": {
            "letters": {"type": "array", "items": {"type": "object"}},
            "numberMatched": {"type": "integer"}, "numberReturned": {"type": "integer"}}}),
    },
    "letters.letter": {
        "summary": "A letter as a printable A4 PDF in Indonesian with its annex (map, photo, verdict of each prop); "
                   "the same bytes at every download", "roles": ["bawaslu", "satpolpp", "admin"],
        "responses": binary("application/pdf", description="The letter"),
    },
    "worklist.route": {
        "summary": "Satpol PP's worklist: the props matching the filters (status notified by default) in a short "
                   "route from start (nearest neighbour + 2-opt over geodesic metres)",
        "roles": ["bawaslu", "satpolpp", "admin"],
        "parameters": [*REPORT_FILTERS, query("start", "Where the route starts: lat,lon in degrees")],
        "responses": ok({"type": "object", "properties": {
            "items": {"type": "array", "items": {"type": "object", "properties": {
                "order": {"type": "integer"}, "id": {"type": "string"}, "lat": {"type": "number"},
                "lon": {"type": "number"}, "place": {"type": "string"}, "apk_type": {"type": "string"},
                "participant": {"type": "string", "nullable": True},
                "deadline": {"type": "string", "nullable": True},
                "leg_m": {"type": "number", "description": "Metres from the previous stop (or the start)"}}}},
            "length_m": {"type": "number"}, "start": {"type": "object", "nullable": True}}}),
    },
    "worklist.route_file": {
        "summary": "The worklist as GPX (numbered waypoints and a route), KML (numbered placemarks and a line) or "
                   "PDF (a map and the numbered list)", "roles": ["bawaslu", "satpolpp", "admin"],
        "parameters": [{"name": "fmt", "in": "path", "required": True, "description": "File format",
                        "schema": {"type": "string", "enum": ["gpx", "kml", "pdf"]}},
                       *REPORT_FILTERS, query("start", "Where the route starts: lat,lon in degrees")],
        "responses": binary("application/gpx+xml", "application/vnd.google-earth.kml+xml", "application/pdf",
                            description="The worklist as a file"),
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
    # -- pages ----------------------------------------------------------------------------------------
    "pages.map_page": {"summary": "The web map: check a spot, see zones, sites and violations",
                       "description": "With Accept: application/json (or ?f=json): the OGC API - Features "
                                      "landing page, as at /ogc.",
                       "parameters": [LANG, F], "responses": {"200": {"description": "The page, or the landing "
                                                                   "page for JSON clients", "content": {
                           "text/html": {"schema": {"type": "string"}}, JSON: {"schema": ref("LandingPage")}}}}},
    "pages.batch_page": {"summary": "Check a spreadsheet of points (page)", "parameters": [LANG],
                         "responses": HTML},
    "pages.violations_page": {"summary": "The violations list for Bawaslu and Satpol PP (page)",
                              "parameters": [LANG], "responses": HTML},
    "pages.dashboard_page": {"summary": "Counts by category, regency and status (page)", "parameters": [LANG],
                             "responses": HTML},
    "pages.service_worker": {"summary": "The service worker that caches the map's app shell for offline use",
                             "responses": binary("text/javascript", description="JavaScript")},
    "pages.web_manifest": {"summary": "The web app manifest: the map as an installable app", "parameters": [LANG],
                           "responses": binary("application/manifest+json", description="A web app manifest")},
    # -- OGC API - Features ---------------------------------------------------------------------------
    "ogc.landing": {"summary": "OGC API - Features landing page", "parameters": [F],
                    "responses": ok(ref("LandingPage"))},
    "ogc.conformance": {"summary": "Conformance classes (core, geojson, oas30)", "parameters": [F],
                        "responses": ok(ref("Conformance"))},
    "ogc.collection_list": {"summary": "The feature collections", "parameters": [F],
                            "responses": ok(ref("Collections"))},
    "ogc.collection": {"summary": "One feature collection", "parameters": [COLLECTION_ID, F],
                       "responses": ok(ref("Collection"))},
    "ogc.items": {
        "summary": "Features of a collection (GeoJSON), paged",
        "description": "reports needs a token (bawaslu or admin); violations a token (bawaslu, satpolpp or "
                       "admin). Unknown query parameters are an error.",
        "parameters": [COLLECTION_ID, BBOX, DATETIME, limit, OFFSET, PROPERTIES, ZOOM, *FILTERS, F],
        "responses": ok(ref("FeatureCollection"), GEOJSON),
    },
    "ogc.item": {"summary": "One feature by id (sites: indramayu-6; regencies: 32.12; reports: UUID)",
                 "parameters": [COLLECTION_ID, F], "responses": ok(ref("Feature"), GEOJSON)},
    "health.health": {
        "summary": "Whether this node can serve (for a load balancer): its layers and rules, and its database",
        "description": "No token, never cached. 503 with Retry-After when the database cannot be reached "
                       "(asked on a connection of its own with a short connect timeout, ZONASI_HEALTH_TIMEOUT_S). "
                       "layers_version says which layers directory this node serves.",
        "tags": ["API"],
        "responses": {**ok(ref("Health")), "503": {"description": "The database cannot be reached (Retry-After)",
                                                   "content": {JSON: {"schema": ref("Health")}}}},
    },
    "openapi.document": {"summary": "This OpenAPI document", "tags": ["API"],
                         "responses": ok({"type": "object"}, "application/vnd.oai.openapi+json;version=3.0")},
    # -- files ----------------------------------------------------------------------------------------
    "static": {"summary": "A static file of the web pages", "responses": binary("*/*")},
}

# -- OGC API - Tiles (webmap/tiles.py) ----------------------------------------------------------------
_TILED_ID = {"name": "collection_id", "in": "path", "required": True,
             "description": "sites, regencies, zones, coverage or violations (violations need a token)",
             "schema": {"type": "string", "enum": ["sites", "regencies", "zones", "coverage", "violations"]}}
_TMS = {"name": "tms", "in": "path", "required": True, "description": "The tile matrix set: WebMercatorQuad",
        "schema": {"type": "string", "enum": ["WebMercatorQuad"]}}
_TILE_PATH = [_TILED_ID, _TMS,
              {"name": "z", "in": "path", "required": True, "description": "tileMatrix: the zoom, 0..24",
               "schema": {"type": "integer", "minimum": 0, "maximum": 24}},
              {"name": "row", "in": "path", "required": True, "description": "tileRow: y, 0 at the north",
               "schema": {"type": "integer", "minimum": 0}},
              {"name": "col", "in": "path", "required": True, "description": "tileCol: x, 0 at 180 W",
               "schema": {"type": "integer", "minimum": 0}}]
ENDPOINTS.update({
    "tiles.tile_matrix_sets": {"summary": "The tiling schemes (WebMercatorQuad)", "parameters": [F],
                               "tags": ["OGC API - Tiles"], "responses": ok({"type": "object"})},
    "tiles.tile_matrix_set_view": {"summary": "A tiling scheme's definition (2D Tile Matrix Set 2.0 JSON, with "
                                              "the 1.0 keys beside it for older readers such as GDAL < 3.8)",
                                   "parameters": [_TMS, F], "tags": ["OGC API - Tiles"],
                                   "responses": ok({"type": "object"})},
    "tiles.tilesets": {"summary": "The vector tilesets of a collection", "parameters": [_TILED_ID, F],
                       "tags": ["OGC API - Tiles"], "responses": ok({"type": "object"})},
    "tiles.tileset": {"summary": "A vector tileset: its layers, the tile URL template and the tile matrix "
                                 "limits (rows and columns the collection's extent touches, zooms 0 to 18)",
                      "parameters": [_TILED_ID, _TMS, F], "tags": ["OGC API - Tiles"],
                      "responses": ok({"type": "object"})},
    "tiles.tile": {
        "summary": "One vector tile (Mapbox Vector Tile)",
        "description": "Path {tileMatrix}/{tileRow}/{tileCol}: zoom, y, x. sites: layer sites_density (count per "
                       "grid cell) up to zoom 9 or where a tile holds over 2,000 sites, else sites (points) and "
                       "roads (lines). A tile with nothing in it is a valid tile with empty layers. Strong ETag "
                       "(If-None-Match gives 304). violations need a bawaslu, satpolpp or admin token.",
        "parameters": _TILE_PATH, "tags": ["OGC API - Tiles"],
        "responses": {**binary("application/vnd.mapbox-vector-tile", description="The tile"),
                      "304": {"description": "Not modified (If-None-Match matched the ETag)"}},
    },
})

# The OGC service is also served at the site root (GDAL given only the host): same entries.
ENDPOINTS.update({"ogc_root." + key[4:]: dict(value, summary=value["summary"] + " (also under /ogc)")
                  for key, value in list(ENDPOINTS.items()) if key.startswith("ogc.") and key != "ogc.landing"})

_LINK = {"type": "object", "required": ["href", "rel"],
         "properties": {"href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
                        "title": {"type": "string"}}}
_LINKS = {"type": "array", "items": ref("Link")}

COMPONENTS: dict = {"schemas": {
    "Problem": {"type": "object", "description": "RFC 9457 problem details; extra members name the field",
                "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                               "status": {"type": "integer"}, "detail": {"type": "string"},
                               "instance": {"type": "string"}}},
    "Link": _LINK,
    "Health": {"type": "object", "required": ["status", "layers_version", "rules_version", "database"],
               "properties": {"status": {"type": "string", "enum": ["ok", "unavailable"]},
                              "layers_version": {"type": "string"}, "rules_version": {"type": "string"},
                              "database": {"type": "string", "enum": ["ok", "unreachable"]}}},
    "ReportInput": {"type": "object", "description": "A report sent as JSON: with its position",
                    "required": ["apk_type", "lon", "lat"], "additionalProperties": False,
                    "properties": REPORT_FIELDS},
    "Report": {"type": "object", "description": "A stored report (times ISO 8601 UTC); reporter only for "
                                                "roles that may see it", "properties": {
        "id": {"type": "string", "format": "uuid"}, "apk_type": {"type": "string"},
        "participant": {"type": "string", "nullable": True}, "lon": {"type": "number"}, "lat": {"type": "number"},
        "accuracy_m": {"type": "number", "nullable": True}, "reported_at": {"type": "string"},
        "status": {"type": "string"}, "deadline": {"type": "string", "nullable": True},
        "overdue": {"type": "boolean"}, "uncertain": {"type": "boolean"},
        "verdict_status": {"type": "string", "enum": list(VERDICT_STATUSES), "description": "At submission"},
        "current_verdict": {"type": "string", "enum": list(VERDICT_STATUSES),
                            "description": "The newest judgement's (lists only)"},
        "missing_categories": {"type": "string", "description": "Required categories whose data are not complete "
                                                                "at the spot, keys joined by ; (lists only)"},
        "regency_code": {"type": "string", "nullable": True}, "site_id": {"type": "string", "nullable": True},
        "distance_m": {"type": "number", "nullable": True}, "buffer_m": {"type": "number", "nullable": True},
        "verdict": {"type": "object"}, "message": {"type": "string"},
        "history": {"type": "array", "items": {"type": "object"},
                    "description": "from, to, actor, role, at, note, details (a dismissal's reason, a removal's "
                                   "storage_location and removal_flags, a reopening's previous reason)"},
        # casework (#19)
        "nearby_open_reports": {"type": "array", "items": ref("NearbyReport"),
                                "description": "At submission only: open reports of the same prop type (and "
                                               "participant) within [settings] duplicate_radius_m, nearest first"},
        "dismiss_reason": {"type": "string", "nullable": True,
                           "enum": ["duplicate", "not_a_campaign_prop", "permitted", "other", None]},
        "duplicate_of": {"type": "string", "nullable": True, "description": "The report a duplicate repeats"},
        "reinstalled_of": {"type": "string", "nullable": True,
                           "description": "The removed report of the same participant this prop brings back"},
        "storage_location": {"type": "string", "nullable": True, "description": "Where the seized prop is kept"},
        "removal_flags": {"type": "array", "nullable": True,
                          "items": {"type": "string", "enum": ["photo_far", "photo_before_notice"]},
                          "description": "What the after-photo's own EXIF contradicts: GPS farther than 100 m, "
                                         "taken before the notice"},
        "has_removal_photo": {"type": "boolean"}}},
    "Move": {"type": "object", "required": ["status"], "properties": {
        "status": {"type": "string", "enum": ["reported", "verified", "dismissed", "notified", "removed"]},
        "note": {"type": "string"}, "actor": {"type": "string"},
        "from": {"type": "string", "description": "The status you saw (a concurrent move is 409)"},
        "reason": {"type": "string", "enum": ["duplicate", "not_a_campaign_prop", "permitted", "other"],
                   "description": "Why a report is dismissed (dismissed only)"},
        "duplicate_of": {"type": "string", "description": "The report a duplicate repeats (reason duplicate)"},
        "storage_location": {"type": "string", "description": "Where the seized prop is kept (removed only)"}}},
    "NearbyReport": {"type": "object", "properties": {
        "id": {"type": "string"}, "distance_m": {"type": "number", "description": "Geodesic metres"},
        "status": {"type": "string"}, "apk_type": {"type": "string"},
        "participant": {"type": "string", "nullable": True}}},
    "ParticipantCounts": {"type": "object", "properties": {
        "participant": {"type": "string"}, "reports": {"type": "integer", "description": "Not dismissed"},
        "removed": {"type": "integer"}, "reinstalled": {"type": "integer"}, "overdue": {"type": "integer"}}},
    "PublicReport": {"type": "object", "description": "What the public sees of its own report (#19)", "properties": {
        "tracking_code": {"type": "string", "pattern": "^[2-9A-HJ-NP-Z]{10}$"},
        "status": {"type": "string"}, "verdict_status": {"type": "string", "enum": list(VERDICT_STATUSES)},
        "message": {"type": "array", "items": {"type": "string"}, "nullable": True,
                    "description": "The verdict in words, headline first"}, "apk_type": {"type": "string"},
        "received_at": {"type": "string"}, "status_at": {"type": "string", "nullable": True}}},
    "Hit": {"type": "object", "properties": {
        "site_id": {"type": "string"}, "name": {"type": "string"}, "category": {"type": "string"},
        "category_label": {"type": "string"}, "distance_m": {"type": "number"},
        "buffer_m": {"type": "number"}, "legal_basis": {"type": "string"},
        "kind": {"type": "string", "enum": ["forbidden_site", "outside_allowed_zone"],
                 "description": "outside_allowed_zone: in an allowed-zones regency, distance_m from the nearest "
                                "designated zone (category allowed_zone) of radius buffer_m"}}},
    "Verdict": {"type": "object", "properties": {
        "lon": {"type": "number"}, "lat": {"type": "number"},
        "status": {"type": "string", "enum": list(VERDICT_STATUSES)},
        "regency": {"type": "object", "nullable": True,
                    "properties": {"code": {"type": "string"}, "name": {"type": "string"}}},
        "hits": {"type": "array", "items": ref("Hit")},
        "nearest": {"allOf": [ref("Hit")], "nullable": True},
        "at": {"type": "string", "format": "date", "nullable": True},
        "period": {"type": "string", "nullable": True},
        "accuracy_m": {"type": "number", "nullable": True}, "margin_m": {"type": "number", "nullable": True},
        "uncertain": {"type": "boolean"}, "crs": {"type": "string", "nullable": True},
        "rules_version": {"type": "string"}, "layers_version": {"type": "string"},
        "message": {"type": "string"}}},
    "Geometry": {"type": "object", "required": ["type"], "description": "GeoJSON geometry (RFC 7946), lon/lat",
                 "properties": {"type": {"type": "string"}, "coordinates": {"type": "array", "items": {}}}},
    "Feature": {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "geometry": {"allOf": [ref("Geometry")], "nullable": True},
        "properties": {"type": "object", "nullable": True}, "links": _LINKS}},
    "FeatureCollection": {"type": "object", "required": ["type", "features"], "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": ref("Feature")}, "links": _LINKS,
        "timeStamp": {"type": "string", "format": "date-time"},
        "numberMatched": {"type": "integer", "minimum": 0}, "numberReturned": {"type": "integer", "minimum": 0}}},
    "LandingPage": {"type": "object", "required": ["links"], "properties": {
        "title": {"type": "string"}, "description": {"type": "string"}, "links": _LINKS}},
    "Conformance": {"type": "object", "required": ["conformsTo"],
                    "properties": {"conformsTo": {"type": "array", "items": {"type": "string"}}}},
    "Collection": {"type": "object", "required": ["id", "links"], "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
        "links": _LINKS, "extent": {"type": "object"}, "itemType": {"type": "string"},
        "crs": {"type": "array", "items": {"type": "string"}}}},
    "Collections": {"type": "object", "required": ["links", "collections"], "properties": {
        "links": _LINKS, "collections": {"type": "array", "items": ref("Collection")}}},
}}
