"""OpenAPI entries of the checks and the map's data: /api/check, zones, coverage, offline bundles, the
spreadsheet check, geocoding, whoami, stats and regency names."""
from __future__ import annotations

from geo.exports import DEFAULT_DIALECT, FORMATS, dialect_names

from ..api.validate import FORMATS as VALIDATE_FORMATS
from .common import GEOJSON, LANG, PROBLEM, binary, ok, query, ref

CHECK: dict[str, dict] = {
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
                       query("dialect", "Of the results CSV: machine (default: the input's separator, decimal "
                                        "points, codes) or excel-id (; and decimal commas, UTF-8 with BOM, "
                                        "Indonesian headers and labels); also a form field",
                             {"type": "string", "enum": dialect_names(), "default": DEFAULT_DIALECT}),
                       query("at_column", "Column with the date each prop stood"),
                       query("sheet", "Of a workbook: the sheet to read, by name or number from 1 (default: the "
                                      "first visible one)"), LANG],
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {"file": {"type": "string", "format": "binary",
                                    "description": "The CSV, or an Excel (.xlsx) or OpenDocument (.ods) workbook"},
                           "at_column": {"type": "string"}, "sheet": {"type": "string"},
                           "dialect": {"type": "string", "enum": dialect_names()},
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
}
