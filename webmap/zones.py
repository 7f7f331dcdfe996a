"""``GET /api/zones.geojson``: the dissolved exclusion zones of a regency, for drawing.

The zones are made by :mod:`geo.zones` (buffers in the regency's UTM zone) once per regency
and kept in the app's services. They are drawings: verdicts come from ``/api/check``.
"""
from __future__ import annotations

import hashlib
import json

import geopandas as gpd
import pandas as pd
from flask import Blueprint, current_app, request

from geo import InputError
from geo.export import to_bytes
from geo.zones import ZoneCache, parse_bbox, regencies_in_bbox, select

bp = Blueprint("zones", __name__, url_prefix="/api")

MAX_REGENCIES = 6


def zone_cache() -> ZoneCache:
    services = current_app.extensions["zonasi"]
    if services.zones is None or services.zones.engine is not services.engine:
        services.zones = ZoneCache(services.engine)
    return services.zones


@bp.get("/zones.geojson")
def zones():
    """Exclusion zones: ?regency=32.12[,..]&category=school[,..]&bbox=west,south,east,north."""
    cache = zone_cache()
    engine = cache.engine
    bbox = parse_bbox(request.args.get("bbox"))
    regency = (request.args.get("regency") or "").strip()
    if regency:
        codes = [c.strip() for c in regency.split(",") if c.strip()]
    elif bbox is not None:
        codes = regencies_in_bbox(engine, bbox)
        if len(codes) > MAX_REGENCIES:
            raise InputError(f"the bbox touches {len(codes)} regencies (at most {MAX_REGENCIES}): zoom in, "
                             "or name one with regency=", parameter="bbox")
    else:
        raise InputError("query parameter 'regency' (e.g. 32.12) or 'bbox' is required", parameter="regency")
    frames = [select(cache.get(code), request.args.get("category"), bbox) for code in codes]
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=4326)
    body = json.loads(to_bytes(frame, "geojson", layer="zones"))
    body["rules_version"] = engine.rules_version
    body["layers_version"] = engine.layers_version
    response = current_app.json.response(body)
    response.mimetype = "application/geo+json"
    query = hashlib.sha256(request.query_string).hexdigest()[:12]
    response.set_etag(f"{engine.rules_version}-{engine.layers_version}-{query}")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response.make_conditional(request)
