"""OGC API - Features, Part 1 (Core + GeoJSON), under ``/ogc``.

    /ogc                                   landing page
    /ogc/conformance                       conformance classes
    /ogc/collections                       violations, reports, sites, zones, regencies, coverage
    /ogc/collections/<id>                  one collection
    /ogc/collections/<id>/items            GeoJSON FeatureCollection: bbox, datetime, limit, offset
    /ogc/collections/<id>/items/<fid>      one GeoJSON Feature

Thin handlers: the queries are :mod:`geo.catalog.features` / :mod:`geo.catalog.served`; this module reads
parameters, builds links and sets content types. Readable by GDAL's OAPIF driver and OWSLib. Every
document is also a page (``?f=html``, or what a browser gets: :func:`webmap.negotiation.asks_html`),
made by :mod:`webmap.ogc_pages`.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, request, stream_with_context, url_for

from geo import InputError, NotFound
from geo.bbox import parse_bbox
from geo.catalog import (
    CRS84,
    Collections,
    Query,
    geometry_description,
    parse_interval,
    parse_list,
    store_collections,
)
from geo.exports import FORMATS as EXPORT_FORMATS

from . import auth, ogc_pages
from .negotiation import HTML_FORMAT, asks_html
from .ogc_pages import with_args
from .services import services, zone_cache

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",   # every document also as a page
    # OGC API - Tiles (webmap/tiles.py): vector tiles of the collections
    *(f"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{c}"
      for c in ("core", "tileset", "tilesets-list", "geodata-tilesets", "mvt")),
)
DEFAULT_LIMIT = 100
FORMATS = ("json", "geojson", "application/json", "application/geo+json")
ITEMS_PARAMETERS = ("bbox", "datetime", "limit", "offset", "properties", "zoom", "f")
COLLECTIONS_KEY = "zonasi.collections"


def collections() -> Collections:
    """The app's collections, built on first use (the report store's when the app has one)."""
    app = current_app
    s = services()
    found = app.extensions.get(COLLECTIONS_KEY)
    if found is None or found.engine is not s.engine:  # first use, or new layers loaded
        found = app.extensions[COLLECTIONS_KEY] = Collections(
            s.engine, store_collections=lambda: store_collections(s.store), zone_cache=zone_cache())
    return found


def find_collection(collection_id: str, *, features: bool = True):
    """A collection by id; reading its features may need a token (its description does not)."""
    found = collections().get(collection_id)
    if found is None:
        raise NotFound(f"no collection {collection_id!r}; collections are {', '.join(collections().ids())}",
                       message_id="ogc.no_collection",
                       message_values={"collection": collection_id[:80], "known": ", ".join(collections().ids())},
                       collection=collection_id)
    if features and found.info.permission:
        auth.require(found.info.permission)
    return found


def _private(info) -> bool:
    """May the caller see private properties (the reporter) of a collection that needs a token?"""
    return bool(info.permission) and auth.can("reports:private")


def json_response(body: dict, mimetype: str = JSON):
    """``body`` as a JSON response (no NaN: see :func:`_dumps`)."""
    return current_app.response_class(_dumps(body) + "\n", mimetype=mimetype)


def _answer(body: dict, kind: str, mimetype: str = JSON, shown: Callable[[], dict] | None = None):
    """The document ``body`` as JSON, or as its page for a browser or ``?f=html`` (``shown``: what the
    page shows beyond the document, made only for the page)."""
    if asks_html():
        return ogc_pages.page(kind, body, **(shown() if shown else {}))
    return json_response(body, mimetype)


def _dumps(value) -> str:
    """JSON text with no NaN or Infinity (invalid JSON): such numbers are written as null."""
    try:
        return current_app.json.dumps(value, allow_nan=False, separators=(",", ":"))
    except ValueError:
        return current_app.json.dumps(_finite(value), allow_nan=False, separators=(",", ":"))


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def check_args(allowed, *, pages: bool = False) -> None:
    """Unknown query parameters are an error (OGC API - Features /req/core/query-param-unknown); ``lang``
    (the language of an error's text) is taken everywhere; ``f=html`` where the document has a page."""
    unknown = sorted(set(request.args) - set(allowed) - {"lang"})
    if unknown:
        raise InputError(f"unknown query parameter {unknown[0]!r}; this endpoint takes "
                         f"{', '.join(sorted(allowed)) or 'no parameters'}",
                         message_id="ogc.unknown_parameter",
                         message_values={"parameter": unknown[0][:80], "allowed": ", ".join(sorted(allowed)) or "-"},
                         parameter=unknown[0])
    fmt = request.args.get("f")
    if fmt and fmt.lower() not in FORMATS and not (pages and fmt.lower() == HTML_FORMAT):
        if pages:
            raise InputError(f"f={fmt!r} is not offered; use f=json or f=html", message_id="ogc.bad_f_page",
                             message_values={"value": fmt[:40]}, parameter="f")
        raise InputError(f"f={fmt!r} is not offered; use f=json (HTML is not served here)", message_id="ogc.bad_f",
                         message_values={"value": fmt[:40]}, parameter="f")


def link(href: str, rel: str, mimetype: str = JSON, title: str | None = None) -> dict:
    """An OGC API link object."""
    out = {"href": href, "rel": rel, "type": mimetype}
    if title:
        out["title"] = title
    return out


@bp.get("/")
@bp.get("")
def landing():
    """Landing page of the OGC API - Features service."""
    check_args(("f",), pages=True)
    return _answer({
        "title": "zonasi: OGC API - Features",
        "description": "Forbidden sites, exclusion zones, regencies, reports and violations of campaign "
                       "prop (APK) rules, in WGS 84 lon/lat.",
        "links": [
            link(url_for("ogc.landing", _external=True), "self", title="This document"),
            link(url_for("openapi.document", _external=True), "service-desc", OPENAPI,
                 title="The API definition (OpenAPI 3.0)"),
            link(url_for("ogc.conformance", _external=True), "conformance", title="Conformance classes"),
            link(url_for("ogc.collection_list", _external=True), "data", title="Feature collections"),
            *_tiling_schemes(),
        ],
    }, "landing", shown=lambda: {"service_url": url_for("ogc.landing", _external=True),
                                 "collections": [_describe(c) for c in collections()],
                                 **ogc_pages.tiles_for_qgis(collections())})


@bp.get("/conformance")
def conformance():
    """The OGC API - Features conformance classes this service implements."""
    check_args(("f",), pages=True)
    return _answer({"conformsTo": list(CONFORMANCE)}, "conformance")


@bp.get("/collections")
def collection_list():
    """Every feature collection."""
    check_args(("f",), pages=True)
    return _answer({
        "links": [link(url_for("ogc.collection_list", _external=True), "self")],
        "collections": [_describe(c) for c in collections()],
    }, "collections")


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):
    """One feature collection: extent, properties and links to its items."""
    check_args(("f",), pages=True)
    found = find_collection(collection_id, features=False)
    return _answer(_describe(found), "collection", shown=lambda: {"queryables": found.info.queryables,
                                                                  "properties": dict(found.info.properties)})


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str):
    """Features of a collection: bbox, datetime, limit, offset, properties and property filters."""
    found = find_collection(collection_id)
    info = found.info
    check_args(ITEMS_PARAMETERS + tuple(info.queryables), pages=True)
    query = _query(info)
    page = found.items(query)
    if asks_html():
        return ogc_pages.items_page(found.info, _describe(found), query, page)
    self_url = request.base_url
    links = [
        link(with_args(self_url, {}), "self", GEOJSON, "This page"),
        link(url_for("ogc.collection", collection_id=info.id, _external=True), "collection",
             title=info.title),
    ]
    if page.has_next(query.offset):  # a page may end early (a size budget): go on from what it holds
        links.append(link(with_args(self_url, {"offset": query.offset + page.returned, "limit": query.limit}),
                          "next", GEOJSON, "Next page"))
    if query.offset > 0:
        links.append(link(with_args(self_url, {"offset": max(0, query.offset - query.limit),
                                            "limit": query.limit}), "prev", GEOJSON, "Previous page"))
    links.extend(_alternates(info.id))
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    body: dict[str, Any] = {"type": "FeatureCollection", "timeStamp": stamp}
    if page.matched is not None:
        body["numberMatched"] = page.matched
    body.update(numberReturned=page.returned, links=links)
    return current_app.response_class(stream_with_context(_feature_collection(body, page.features)),
                                      mimetype=GEOJSON)


def _feature_collection(body: dict, features: list[dict]):
    """The page as JSON written feature by feature (a page can be megabytes)."""
    yield _dumps(body)[:-1] + ',"features":['
    for i, feature in enumerate(features):
        yield ("" if i == 0 else ",") + _dumps(feature)
    yield "]}\n"


@bp.get("/collections/<collection_id>/items/<path:feature_id>")
def item(collection_id: str, feature_id: str):
    """One feature by its id (sites: e.g. ``indramayu-6``; regencies: Kemendagri code; reports: UUID)."""
    check_args(("f",), pages=True)
    found = find_collection(collection_id)
    feature = found.item(feature_id, private=_private(found.info))
    feature["links"] = [
        link(url_for("ogc.item", collection_id=found.info.id, feature_id=feature_id, _external=True),
             "self", GEOJSON),
        link(url_for("ogc.collection", collection_id=found.info.id, _external=True), "collection",
             title=found.info.title),
    ]
    return _answer(feature, "item", GEOJSON, shown=lambda: {
        "collection": _describe(found), "on_map": ogc_pages.on_map(feature),
        "columns": list(feature.get("properties") or {}),
        "map_source": url_for("ogc.item", collection_id=found.info.id, feature_id=feature_id, f="json")})


# -- helpers -------------------------------------------------------------------------------------

def _query(info) -> Query:
    args = request.args
    cap = services().settings.max_page_limit
    limit = min(_integer("limit", DEFAULT_LIMIT, 1), cap)
    offset = _integer("offset", 0, 0)
    bbox = parse_bbox(args["bbox"]) if args.get("bbox") else None
    interval = parse_interval(args["datetime"]) if args.get("datetime") else None
    properties = None
    if "properties" in args:
        properties = tuple(parse_list(args.getlist("properties"), "properties"))
    zoom = _integer("zoom", None, 0) if args.get("zoom") else None
    # list filters: every occurrence, comma-separated values, repeats once, at most 50 values
    filters = {name: ",".join(values) for name in info.queryables
               if (values := parse_list(args.getlist(name), name))}
    return Query(bbox=bbox, interval=interval, limit=limit, offset=offset, properties=properties,
                 filters=filters, zoom=zoom, private=_private(info))


def _integer(name: str, default, low: int):
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"{name}={raw!r} is not a whole number", message_id="params.not_integer",
                         message_values={"name": name, "value": str(raw)[:40]}, parameter=name) from None
    if value < low:
        raise InputError(f"{name}={value} must be {low} or more", message_id="params.too_small",
                         message_values={"name": name, "value": value, "low": low}, parameter=name)
    return value


def _alternates(collection_id: str) -> list[dict]:
    """The violation exports (whole files, not pages), with the same filters."""
    if collection_id != "violations" or "reports.violations" not in current_app.view_functions:
        return []
    args: dict[str, Any] = {k: v for k, v in request.args.items()
                            if k not in ("limit", "offset", "properties", "zoom", "f")}
    if "datetime" in args:
        start, end = parse_interval(args.pop("datetime"))
        args.update({k: _iso(v) for k, v in (("since", start), ("until", end)) if v is not None})
    return [link(url_for("reports.violations", fmt=f.name, _external=True, **args), "alternate", f.media_type,
                 f"Violations as {f.name.upper()} (one file)") for f in EXPORT_FORMATS.values()]


def _describe(found) -> dict:
    info = found.info
    out = {
        "id": info.id,
        "title": info.title,
        "description": info.description,
        "itemType": "feature",
        # the geometry its features have, as a Part 5 schema declares it ("geometry-any" when mixed)
        "geometry": geometry_description(info.geometry_types),
        "crs": [CRS84],
        "links": [
            link(url_for("ogc.collection", collection_id=info.id, _external=True), "self"),
            link(url_for("ogc.items", collection_id=info.id, _external=True), "items", GEOJSON,
                 f"{info.title} (GeoJSON)"),
        ],
    }
    out["links"].extend(_tileset_links(info.id))
    extent = {}
    if info.bbox:
        extent["spatial"] = {"bbox": [list(info.bbox)], "crs": CRS84}
    if info.temporal:
        extent["temporal"] = {"interval": [[_iso(t) for t in info.temporal]],
                              "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    if extent:
        out["extent"] = extent
    return out


def _tileset_links(collection_id: str) -> list[dict]:
    """The link to a collection's vector tiles (webmap/tiles.py), when the app serves them."""
    if "tiles.tilesets" not in current_app.view_functions:
        return []
    from .tiles import tileset_links

    return tileset_links(collection_id)


def _tiling_schemes() -> list[dict]:
    if "tiles.tile_matrix_sets" not in current_app.view_functions:
        return []
    return [link(url_for("tiles.tile_matrix_sets", _external=True),
                 "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes", title="Tiling schemes of the vector tiles")]


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


# -- the same service at the site root, for clients given only the host (``OAPIF:http://host:5000``) --

root = Blueprint("ogc_root", __name__)
for _rule, _view in (("/conformance", conformance), ("/collections", collection_list),
                     ("/collections/<collection_id>", collection),
                     ("/collections/<collection_id>/items", items),
                     ("/collections/<collection_id>/items/<path:feature_id>", item)):
    root.add_url_rule(_rule, endpoint=_view.__name__, view_func=_view, methods=["GET"])


@root.before_app_request
def _landing_at_root():
    """``/`` is the web map for browsers, and this landing page for clients that ask for JSON
    (``Accept: application/json`` or ``?f=json``)."""
    if request.path == "/" and request.method in ("GET", "HEAD") and _wants_json():
        return landing()
    return None


def _wants_json() -> bool:
    if request.args.get("f", "").lower() in FORMATS:
        return True
    return request.accept_mimetypes.best_match(("text/html", JSON, GEOJSON)) in (JSON, GEOJSON)
