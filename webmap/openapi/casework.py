"""OpenAPI entries of the casework (#19): warning letters (/api/letters) and Satpol PP's worklist."""
from __future__ import annotations

from .common import JSON, REPORT_FILTERS, binary, header, ok, query

CASEWORK: dict[str, dict] = {
    # -- casework: letters and Satpol PP's worklist (#19) -----------------------------------------------
    "letters.issue": {
        "summary": "Issue a numbered warning letter: its verified reports (one regency, one participant) become "
                   "notified",
        "description": "Numbered <seq>/PP.01/<regency code>/<month in Roman numerals>/<year>, per regency and year, "
                       "never reused. The deadline is the letter's time + the regency's notice_hours (rules.toml). "
                       "Unknown ids, another regency or participant: 400; reports not verified: 409 (each names "
                       "the offending ids). With an Idempotency-Key a retry (the answer was lost) gets the "
                       "same letter again instead of a 409 on its now notified reports; the key with another "
                       "body: 409.",
        "roles": ["bawaslu", "admin"],
        "parameters": [header("Idempotency-Key", "A key per letter (per token): sending the same body with it again "
                                                 "returns the first letter (200, Idempotent-Replayed: true), never "
                                                 "a second letter or number")],
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
            "200": {"description": "Already issued with this Idempotency-Key: the same answer as the first time "
                                   "(Idempotent-Replayed: true)", "content": {JSON: {"schema": {"type": "object"}}}},
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
}
