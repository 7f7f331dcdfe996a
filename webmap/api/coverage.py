"""Coverage for the map and the dashboard: where the layers declare every site of a category.

    GET /api/coverage.geojson   one feature per regency (status per required category, the share
                                of its required set declared complete, its sources), then one per
                                declared polygon (kind=area); ?bbox=, ?zoom= (simplified for drawing,
                                12 by default; above 12 full detail)
    GET /api/coverage.json      the dashboard's table: the regencies with any site or declaration,
                                and how many have neither

The figures are :mod:`geo.catalog.coverage`'s, made once per loaded layers and kept in the app.
Answers carry an ETag of the rules and layers versions (and the query) and are bounded by
``Settings.max_zone_vertices`` vertices, like ``/api/zones.geojson``.
"""
from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, request, stream_with_context

from geo import InputError
from geo.bbox import parse_bbox
from geo.catalog import DECIMALS, MAX_SIMPLIFY_ZOOM, CoverageView, coverage_view, parse_list
from geo.errors import TooLarge

from ..services import services

bp = Blueprint("coverage", __name__, url_prefix="/api")

VIEW_KEY = "zonasi.coverage_view"
PARAMETERS = {"geojson": ("bbox", "zoom", "properties", "lang"), "json": ("lang",)}
MAX_ZOOM = 30


def view() -> CoverageView:
    """The app's coverage figures, made on first use and again when new layers are loaded."""
    engine = services().engine
    found = current_app.extensions.get(VIEW_KEY)
    if found is None or found[0] is not engine:
        found = current_app.extensions[VIEW_KEY] = (engine, coverage_view(engine.layers))
    return found[1]


def _check_args(kind: str) -> None:
    unknown = sorted(set(request.args) - set(PARAMETERS[kind]))
    if unknown:
        allowed = ", ".join(PARAMETERS[kind])
        raise InputError(f"unknown query parameter {unknown[0]!r}; this endpoint takes {allowed}",
                         message_id="coverage.unknown_parameter",
                         message_values={"parameter": unknown[0], "allowed": allowed}, parameter=unknown[0])


def _zoom() -> int:
    """The web map zoom to simplify for: by default the finest simplified level (12); above it,
    full detail (then name a bbox: the whole of Indonesia has over a million vertices)."""
    raw = request.args.get("zoom", "").strip()
    if not raw:
        return MAX_SIMPLIFY_ZOOM
    try:
        zoom = int(raw)
    except ValueError:
        zoom = -1
    if not 0 <= zoom <= MAX_ZOOM:
        raise InputError(f"zoom={raw[:20]!r} must be a whole number from 0 to {MAX_ZOOM}",
                         message_id="coverage.bad_zoom", message_values={"value": raw[:20], "limit": MAX_ZOOM},
                         parameter="zoom")
    return zoom


def _cached(response):
    engine = services().engine
    query = hashlib.sha256(request.query_string).hexdigest()[:12]
    response.set_etag(f"{engine.rules_version}-{engine.layers_version}-{query}")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


@bp.get("/coverage.geojson")
def coverage_geojson():
    """Coverage per regency and the declared polygons (GeoJSON): ?bbox=west,south,east,north&zoom=0..12
    &properties=name,level (the regencies' properties to return; default all)."""
    _check_args("geojson")
    bbox = parse_bbox(request.args.get("bbox"))
    zoom = _zoom()
    properties = parse_list(request.args.getlist("properties"), "properties") or None
    features, vertices = view().features(bbox, zoom, properties)
    limit = services().settings.max_zone_vertices
    if vertices > limit:
        raise TooLarge(f"the coverage asked has {vertices} vertices (at most {limit}): narrow the bbox or "
                       f"give zoom=0..{MAX_SIMPLIFY_ZOOM}", message_id="coverage.too_large",
                       message_values={"count": vertices, "limit": limit}, parameter="bbox")
    engine = services().engine
    tail = {"rules_version": engine.rules_version, "layers_version": engine.layers_version,
            "declared": bool(engine.layers.coverage and engine.layers.coverage.declared)}
    response = current_app.response_class(stream_with_context(_geojson(features, tail)),
                                          mimetype="application/geo+json")
    return _cached(response)


def _geojson(features: list[dict], tail: dict):
    """A FeatureCollection written feature by feature."""
    def dumps(value) -> str:
        return current_app.json.dumps(value, separators=(",", ":"))

    yield '{"type":"FeatureCollection","xy_coordinate_resolution":' + dumps(10.0 ** -DECIMALS) + ',"features":['
    for i, feature in enumerate(features):
        yield ("" if i == 0 else ",") + dumps(feature)
    yield "]," + dumps(tail)[1:] + "\n"


@bp.get("/coverage.json")
def coverage_table():
    """The dashboard's coverage table: the regencies with sites or declarations, and how many have none."""
    _check_args("json")
    engine = services().engine
    body = {**view().table(), "rules_version": engine.rules_version, "layers_version": engine.layers_version,
            "declared": bool(engine.layers.coverage and engine.layers.coverage.declared)}
    return _cached(current_app.json.response(body))
