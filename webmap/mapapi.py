"""``GET /api/geocode?q=``: the map's search box. Coordinates in every form the CSV parser reads
(decimal, decimal comma, DMS, "lat, lon"), a regency's Kemendagri code, or a regency name."""
from __future__ import annotations

from flask import Blueprint, current_app, request

from geo import InputError
from geo.places import RegencyNames

bp = Blueprint("search", __name__, url_prefix="/api")

NAMES_KEY = "zonasi.regency_names"
MAX_QUERY = 200


def regency_names() -> RegencyNames:
    app = current_app
    found = app.extensions.get(NAMES_KEY)
    if found is None:
        found = app.extensions.setdefault(NAMES_KEY, RegencyNames(app.extensions["zonasi"].engine.layers.regencies))
    return found


def parse_point(text: str) -> tuple[float, float] | None:
    """(lat, lon) when ``text`` is a coordinate pair the CSV parser accepts, else None."""
    try:
        from geo.coords import parse_pair
    except ImportError:  # the CSV parser's module is not there yet
        return None
    try:
        return parse_pair(text)
    except InputError:
        return None


@bp.get("/geocode")
def geocode():
    """Places matching ``q``: ``{"query", "results": [{"type": "point", "lat", "lon"} |
    {"type": "regency", "code", "name", "bbox", "lat", "lon"}]}`` (no match: an empty list)."""
    q = (request.args.get("q") or "").strip()
    if not q:
        raise InputError("query parameter 'q' is required: coordinates such as -6.33, 108.32 or "
                         "6°19'48\"S 108°19'12\"E, or a regency name such as Indramayu", parameter="q")
    if len(q) > MAX_QUERY:
        raise InputError(f"q is {len(q)} characters; at most {MAX_QUERY}", parameter="q")
    point = parse_point(q)
    if point is not None:
        lat, lon = point
        return {"query": q, "results": [{"type": "point", "lat": lat, "lon": lon}]}
    names = regency_names()
    by_code = names.code(q)
    matches = [by_code] if by_code else names.find(q)
    return {"query": q, "results": [m.to_dict() for m in matches]}
