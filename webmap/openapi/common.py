"""The building blocks of the OpenAPI entries (:mod:`webmap.openapi.paths`): parameters and responses
that several areas use."""
from __future__ import annotations

from geo import VERDICT_STATUSES

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
# the OGC API - Features documents, which are also pages (webmap/ogc.py)
F_PAGE = query("f", "Output format: json, or html (a page in the request's language; what a browser gets "
                    "unless it asks for JSON)", {"type": "string", "enum": ["json", "html"]})

# The filters of the report lists (GET /api/reports, the violations, the worklist).
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
