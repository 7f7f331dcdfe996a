"""The component schemas of the OpenAPI document (reports, verdicts, features, links)."""
from __future__ import annotations

from geo import VERDICT_STATUSES

from .common import ref
from .reports import REPORT_FIELDS

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
