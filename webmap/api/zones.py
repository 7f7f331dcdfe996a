"""``GET /api/zones.geojson``: the dissolved exclusion zones of a regency, for drawing.

The zones are made by :mod:`geo.zones.exclusion` (buffers in the regency's UTM zone) once per regency
and kept in the app's services. They are drawings: verdicts come from ``/api/check``.

An answer is bounded: at most :data:`MAX_REGENCIES` regencies (named or touched by the bbox),
:data:`~geo.catalog.params.MAX_LIST_VALUES` values per list parameter (repeats count once) and
``Settings.max_zone_vertices`` vertices (1,000,000 by default: about 25 MB); it is written
feature by feature (a stream), one regency at a time.
"""
from __future__ import annotations

import hashlib
import json

import shapely
from flask import Blueprint, current_app, request, stream_with_context

from geo import InputError
from geo.bbox import parse_bbox
from geo.catalog import parse_list
from geo.errors import TooLarge
from geo.exports import PRECISION, to_bytes
from geo.zones import check_categories, regencies_in_bbox, select

from ..services import services, zone_cache

bp = Blueprint("zones", __name__, url_prefix="/api")

MAX_REGENCIES = 6


def _codes(engine, bbox) -> list[str]:
    """The regencies asked for (``regency=``, repeats dropped) or touched by the bbox."""
    codes = parse_list(request.args.getlist("regency"), "regency")
    parameter = "regency"
    if not codes:
        if bbox is None:
            raise InputError("query parameter 'regency' (e.g. 32.12) or 'bbox' is required",
                             message_id="zones.regency_or_bbox",
                             parameter="regency")
        codes, parameter = regencies_in_bbox(engine, bbox), "bbox"
    if len(codes) > MAX_REGENCIES:
        raise InputError(f"{parameter} names {len(codes)} regencies (at most {MAX_REGENCIES}): zoom in, "
                         "or name fewer with regency=", message_id="zones.too_many_regencies",
                         message_values={"count": len(codes), "limit": MAX_REGENCIES}, parameter=parameter)
    return codes


@bp.get("/zones.geojson")
def zones():
    """Exclusion zones: ?regency=32.12[,..]&category=school[,..]&bbox=west,south,east,north."""
    cache = zone_cache()
    engine = cache.engine
    bbox = parse_bbox(request.args.get("bbox"), antimeridian=False)
    categories = parse_list(request.args.getlist("category"), "category")
    check_categories(categories)
    frames = [select(cache.get(code), categories, bbox) for code in _codes(engine, bbox)]
    vertices = sum(int(shapely.get_num_coordinates(f.geometry.to_numpy()).sum()) for f in frames)
    limit = services().settings.max_zone_vertices
    if vertices > limit:
        raise TooLarge(f"the zones asked have {vertices} vertices (at most {limit}): narrow the bbox, "
                       "the regencies or the categories", message_id="zones.too_large",
                       message_values={"count": vertices, "limit": limit}, parameter="bbox")
    tail = {"rules_version": engine.rules_version, "layers_version": engine.layers_version}
    response = current_app.response_class(stream_with_context(_geojson(frames, tail)),
                                          mimetype="application/geo+json")
    query = hashlib.sha256(request.query_string).hexdigest()[:12]
    response.set_etag(f"{engine.rules_version}-{engine.layers_version}-{query}")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)


def _geojson(frames, tail: dict):
    """A FeatureCollection written feature by feature: each regency's frame goes through the
    GeoJSON writer of :mod:`geo.exports` (RFC 7946, 7 decimals) on its own."""
    def dumps(value) -> str:
        return current_app.json.dumps(value, separators=(",", ":"))

    yield '{"type":"FeatureCollection","xy_coordinate_resolution":' + dumps(10.0 ** -PRECISION) + ',"features":['
    first = True
    for frame in frames:
        if not len(frame):
            continue
        for feature in json.loads(to_bytes(frame, "geojson", layer="zones"))["features"]:
            yield ("" if first else ",") + dumps(feature)
            first = False
    yield "]," + dumps(tail)[1:] + "\n"
