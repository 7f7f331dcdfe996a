"""The HTML pages: the map, batch CSV upload, the violations list and the dashboard.

Pages are shells: the data comes from the JSON API in the browser, and every sentence from the
message catalog (handed to the page's scripts as JSON, in the page's language).
"""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request, url_for

from geo.catalog import POINT_ZOOM, TMS_ID
from geo.errors import NotFound
from geo.exports import FORMATS
from geo.store import APK_TYPES, DISMISS_REASONS, MOVE_ROLES, STATUS_ROLES, TRANSITIONS, WORKFLOW_STATUSES
from geo.validation import ROW_STATUSES

from ..language import request_language
from ..services import services
from . import mapview, shell

bp = Blueprint("pages", __name__)

LANG_COOKIE = "zonasi_lang"
LANG_COOKIE_AGE = 365 * 24 * 3600

# Icon (Font Awesome 6 name) and marker colour (Leaflet.awesome-markers) per site category.
CATEGORY_STYLE = {
    "school": ("graduation-cap", "blue"),
    "place_of_worship": ("place-of-worship", "green"),
    "health_facility": ("hospital", "red"),
    "government_office": ("landmark", "darkpurple"),
    "road": ("road", "gray"),
    "public_facility": ("bridge", "orange"),
    "park": ("tree", "darkgreen"),
}
# Zoom levels from which layers are drawn: below them they would be a smear or too heavy. Sites are
# vector tiles at every zoom: counts per area below "sites", points from it (geo.catalog.tiles).
ZOOM = {"sites": POINT_ZOOM, "zones": 15, "regencies": 0}
MAX_REPORT_ID = 64  # a report id is a UUID (36 characters)
REMOVAL_PHOTO = "triage.removal_photo_file"


def page_language() -> str:
    """?lang= first (and remembered in a cookie), then the cookie, then the browser's
    Accept-Language, then the configured default (webmap.language.language_of, as the API)."""
    return request_language()


def categories(lang: str) -> dict:
    """Label, icon and colour of every site category, for the legend, markers and filters."""
    rules = services().engine.rules
    out = {}
    for key in rules.categories:
        category = rules.category(key)
        icon, colour = CATEGORY_STYLE.get(key, ("circle", "cadetblue"))
        label = category.label_en if lang == "en" and category.label_en else category.label
        out[key] = {"label": label, "icon": icon, "color": colour}
    return out


def page_config(lang: str, page: str, **extra) -> dict:
    """Everything the page's scripts need: language, messages, API addresses, categories."""
    catalog = services().catalog
    return {
        "page": page,
        "lang": lang,
        "messages": catalog.table(lang),
        "categories": categories(lang),
        "zoom": ZOOM,
        "apk_types": list(APK_TYPES),
        "report_statuses": list(WORKFLOW_STATUSES),
        "row_statuses": list(ROW_STATUSES),
        "transitions": {k: list(v) for k, v in TRANSITIONS.items()},
        "status_roles": {k: list(v) for k, v in STATUS_ROLES.items()},
        "urls": {
            "check": url_for("api.check"),
            "geocode": url_for("mapapi.geocode"),
            "whoami": url_for("mapapi.whoami"),
            "stats": url_for("mapapi.stats"),
            "sites": url_for("ogc.items", collection_id="sites"),
            "regencies": url_for("ogc.items", collection_id="regencies"),
            "zones": url_for("zones.zones"),
            "coverage": url_for("coverage.coverage_geojson"),
            "coverage_table": url_for("coverage.coverage_table"),
            "violations": url_for("reports.violations", fmt="geojson"),
            # vector tiles of a collection: {collection} and Leaflet's {z}/{y}/{x} filled in by the map
            "tiles": url_for("tiles.tileset", collection_id="COLLECTION", tms=TMS_ID).replace(
                "COLLECTION", "{collection}") + "/{z}/{y}/{x}",
            "reports": url_for("reports.submit"),
            "mine": url_for("mine.my_reports"),
            "validate": url_for("batch.validate"),
        },
        **extra,
    }


def render(template: str, page: str, **context):
    """The page ``template`` in the request's language, with its messages and client config; a ``?lang=``
    is remembered in a cookie. ``config_extra`` in ``context`` joins the client config."""
    lang = page_language()
    messages = services().catalog.table(lang)
    config = page_config(lang, page, **context.pop("config_extra", {}))
    response = current_app.make_response(render_template(
        template, lang=lang, t=messages, config=config, page=page,
        other_lang="en" if lang == "id" else "id", **context))
    if request.args.get("lang"):
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_AGE, samesite="Lax")
    return response


def error_page(status: int, title: str, detail: str):
    """An error as a page, for a browser that asked for a page (the API answers problem+json)."""
    response = render("zonasi/error.html", "error", status=status, title=title, detail=detail)
    response.status_code = status
    return response


@bp.get("/")
def map_page():
    """The web map page (HTML): check a spot, see zones, sites and violations."""
    lang = page_language()
    folium_page = mapview.build_map(services().catalog.table(lang))
    return render("zonasi/map.html", "map", folium=folium_page,
                  config_extra={"names": folium_page.names,
                                "today": services().clock.today().isoformat()})  # the date control's default


@bp.get("/batch")
def batch_page():
    """The page to check a spreadsheet of points (HTML)."""
    return render("zonasi/batch.html", "batch")


@bp.get("/violations")
def violations_page():
    """The violations list, with a download link per export format, the casework dialogs (dismissal
    reasons, the after-photo of a removal) and the bulk moves."""
    return render("zonasi/violations.html", "violations", export_formats=list(FORMATS.values()),
                  dismiss_reasons=list(DISMISS_REASONS),
                  config_extra={"dismiss_reasons": list(DISMISS_REASONS),
                                "removal_photo_required": services().settings.removal_photo_required,
                                # moves whose roles are not their target's (only an admin reopens a dismissal)
                                "move_roles": {f"{a}>{b}": list(r) for (a, b), r in MOVE_ROLES.items()},
                                # the intake's radius for a possible duplicate (rows are marked by it)
                                "duplicate_radius_m": services().engine.rules.model.settings.duplicate_radius_m})


@bp.get("/dashboard")
def dashboard_page():
    """The dashboard page (HTML): counts by category, regency and status."""
    return render("zonasi/dashboard.html", "dashboard")


@bp.get("/reports/<report_id>")
def report_page(report_id: str):
    """One report's page (HTML): its stored verdict, later verdicts, history, photos and its spot on
    a map. A shell like the others: the report comes from the API with the browser's token."""
    if len(report_id) > MAX_REPORT_ID:
        raise NotFound(f"there is no report {report_id[:40]}", message_id="reports.not_found",
                       message_values={"id": report_id[:40]}, id=report_id[:40])
    urls = {"report": url_for("reports.get_report", report_id=report_id),
            "photo": url_for("reports.photo", report_id=report_id),
            "verdicts": url_for("verdicts.report_verdicts", report_id=report_id),
            "violations_page": url_for("pages.violations_page")}
    if REMOVAL_PHOTO in current_app.view_functions:  # the after-photo of a removal (#19 triage)
        urls["removal_photo"] = url_for(REMOVAL_PHOTO, report_id=report_id)
    return render("zonasi/report.html", "report", report_id=report_id,
                  config_extra={"report_id": report_id, "report_urls": urls})


@bp.get("/sw.js")
def service_worker():
    """The service worker of the installable map (JavaScript): caches the app shell for offline use."""
    response = Response(shell.service_worker(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"  # the browser checks for a new version on every visit
    return response


@bp.get("/manifest.webmanifest")
def web_manifest():
    """The web app manifest (name, icons, start page) that makes the map installable."""
    messages = services().catalog.table(page_language())
    body = current_app.json.dumps(shell.manifest(messages["ui.app"], messages["map.hint"], page_language()))
    return Response(body, mimetype="application/manifest+json")
