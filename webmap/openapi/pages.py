"""OpenAPI entries of the pages, the static files and the service itself (health, this document)."""
from __future__ import annotations

from .common import HTML, JSON, LANG, F, binary, ok, ref

PAGES: dict[str, dict] = {
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
    "pages.report_page": {"summary": "One report's page: its stored verdict, later verdicts, history, photos and "
                                     "a map of its spot (the data come from the API with the browser's token)",
                          "parameters": [LANG], "responses": HTML},
    # -- the service ----------------------------------------------------------------------------------
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
