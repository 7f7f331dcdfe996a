"""What the map saves for offline verdicts (see :mod:`geo.catalog.offline`):

    GET /api/offline/regency/<code>.json   one regency, e.g. /api/offline/regency/32.12.json
    GET /api/offline/bbox.json?bbox=w,s,e,n the regencies a box touches; points in the box are judged

Answers are at most ``Settings.max_offline_bytes`` bytes of JSON (413 beyond: save a smaller
area); a HEAD request gives the size (Content-Length) before saving. The ETag is made of the
layers and rules versions and the request, so a conditional request is answered 304 without
building the bundle.
"""
from __future__ import annotations

import hashlib

from flask import Blueprint, current_app, request

from geo.bbox import parse_bbox
from geo.catalog import bbox_bundle, bundle_bytes, check_size, regency_bundle
from geo.errors import InputError

from ..services import services

bp = Blueprint("offline", __name__, url_prefix="/api/offline")


def _answer(make):
    engine = services().engine
    key = hashlib.sha256(f"{request.path}?{request.query_string.decode('latin-1')}".encode()).hexdigest()[:12]
    etag = f"offline-{engine.layers_version}-{engine.rules_version}-{key}"
    if etag in request.if_none_match:
        response = current_app.response_class(status=304)
        response.set_etag(etag)
        return response
    limit = services().settings.max_offline_bytes
    body = bundle_bytes(make(engine, limit))
    check_size(len(body), limit)
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/regency/<code>.json")
def regency(code: str):
    """Everything needed to judge points of one regency offline."""
    return _answer(lambda engine, limit: regency_bundle(engine, code, max_bytes=limit))


@bp.get("/bbox.json")
def bbox():
    """Everything needed to judge points of a lon/lat box offline: ?bbox=west,south,east,north."""
    box = parse_bbox(request.args.get("bbox"), antimeridian=False)
    if box is None:
        raise InputError("query parameter 'bbox' is required: west,south,east,north",
                         message_id="offline.bbox_required", parameter="bbox")
    return _answer(lambda engine, limit: bbox_bundle(engine, box, max_bytes=limit))
