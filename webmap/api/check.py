"""The JSON API: thin handlers that call the engine."""
from __future__ import annotations

from flask import Blueprint, request

from geo.engine import describe

from ..services import services
from . import params

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/check")
def check():
    """Verdict for one point: ?lat=&lon=[&at=YYYY-MM-DD][&accuracy=m][&lang=id|en]."""
    s = services()
    lat = params.number("lat", low=-90, high=90, required=True, aliases=("latitude",))
    lon = params.number("lon", low=-180, high=180, required=True, aliases=("lng", "longitude"))
    accuracy = params.number("accuracy", low=0, high=100_000)
    verdict = s.engine.check(lon, lat, at=params.date("at"), accuracy_m=accuracy)
    lang = s.catalog.language(request.args.get("lang") or s.settings.language)
    body = verdict.to_dict()
    body["message"] = describe(verdict, s.engine.rules, s.catalog, lang)
    return body
