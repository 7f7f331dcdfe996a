"""What each endpoint takes and returns, for ``/openapi.json`` (see :mod:`webmap.openapi`).

One entry per Flask endpoint name (``"blueprint.view"``), or per ``"endpoint METHOD"`` when a
view serves several methods. Keys: summary, description, parameters, requestBody, responses,
roles (token roles; adds bearer security and 401/403), tags. Paths and path parameters come
from the url_map itself. When you add a route, add its entry here: ``tests/test_openapi.py``
fails for any route without one.
"""
from __future__ import annotations

JSON = "application/json"
GEOJSON = "application/geo+json"


def query(name: str, description: str, schema: dict | None = None, *, required: bool = False,
          **extra) -> dict:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema or {"type": "string"}, **extra}


def header(name: str, description: str) -> dict:
    return {"name": name, "in": "header", "required": False, "description": description,
            "schema": {"type": "string"}}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def ok(schema: dict, mimetype: str = JSON, description: str = "Success") -> dict:
    return {"200": {"description": description, "content": {mimetype: {"schema": schema}}}}


def binary(*mimetypes: str, description: str = "A file") -> dict:
    return {"200": {"description": description,
                    "content": {m: {"schema": {"type": "string", "format": "binary"}} for m in mimetypes}}}


HTML = binary("text/html", description="An HTML page")
LANG = query("lang", "Language of messages: id (default) or en", {"type": "string", "enum": ["id", "en"]})
F = query("f", "Output format: json (the only one)", {"type": "string", "enum": ["json"]})
BBOX = query("bbox", "west,south,east,north in WGS 84 degrees (west > east crosses the antimeridian)",
             {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
             style="form", explode=False)
DATETIME = query("datetime", "RFC 3339 instant or interval (2024-01-05, 2024-01-01/2024-02-01, ../2024-02-01); "
                             "on reports and violations: reported_at. Sites, zones and regencies are not time-bound.")


def limit(settings) -> dict:
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
           query("regency_type", "regencies: Kabupaten or Kota")]
COLLECTION_ID = {"name": "collection_id", "in": "path", "required": True,
                 "description": "violations, reports, sites, zones or regencies",
                 "schema": {"type": "string", "enum": ["violations", "reports", "sites", "zones", "regencies"]}}

TAGS = [
    {"name": "API", "description": "Checks, reports, the takedown workflow and violations (JSON)"},
    {"name": "OGC API - Features", "description": "Part 1 Core + GeoJSON: readable by QGIS, GDAL, OWSLib"},
    {"name": "Pages", "description": "The web map and its pages (HTML)"},
    {"name": "Static files", "description": "Scripts, styles and vendored assets of the pages"},
]

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
    "openapi.document": {"summary": "This OpenAPI document", "tags": ["API"],
                         "responses": ok({"type": "object"}, "application/vnd.oai.openapi+json;version=3.0")},
    # -- files ----------------------------------------------------------------------------------------
    "static": {"summary": "A static file of the web pages", "responses": binary("*/*")},
}

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
    "Hit": {"type": "object", "properties": {
        "site_id": {"type": "string"}, "name": {"type": "string"}, "category": {"type": "string"},
        "category_label": {"type": "string"}, "distance_m": {"type": "number"},
        "buffer_m": {"type": "number"}, "legal_basis": {"type": "string"}}},
    "Verdict": {"type": "object", "properties": {
        "lon": {"type": "number"}, "lat": {"type": "number"},
        "status": {"type": "string", "enum": ["ok", "violation", "outside_area", "outside_period"]},
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
