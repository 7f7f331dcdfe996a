"""The JSON API: thin handlers that call the engine."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, request

from geo import InputError
from geo.clock import has_local_dates
from geo.engine import describe

from ..language import request_language
from ..services import services
from . import params

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/check")
def check():
    """Verdict for one point: ?lat=&lon=[&at=YYYY-MM-DD or an ISO instant][&accuracy=m][&lang=id|en].
    Without ``at`` the point is judged as of now (``Settings.now`` or the clock), on the local date
    (WIB/WITA/WIT) of its regency; a date is that local date, an instant with an offset is turned into it."""
    s = services()
    lat = params.number("lat", low=-90, high=90, required=True, aliases=("latitude",))
    lon = params.number("lon", low=-180, high=180, required=True, aliases=("lng", "longitude"))
    accuracy = params.number("accuracy", low=0, high=100_000)
    # without ``at``: as of now (the app's clock), on the local date of the point's regency
    at = _instant("at") or s.clock.now()
    verdict = s.engine.check(lon, lat, at=at, accuracy_m=accuracy)
    lang = request_language()
    body = verdict.to_dict()
    body["message"] = describe(verdict, s.engine.rules, s.catalog, lang)
    return body


def _instant(name: str) -> dt.date | dt.datetime | None:
    """The date (YYYY-MM-DD: a local date) or ISO date-time in query parameter ``name`` (with an
    offset: an instant; without: local time); None when absent; a 400 naming the parameter otherwise."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        if len(raw) == 10:
            return dt.date.fromisoformat(raw)
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
        if value.tzinfo is not None and not has_local_dates(value):   # 9999-12-31T23:00Z is in year 10000 in WIB
            raise ValueError(raw)
        return value
    except ValueError:
        raise InputError(f"{name}={raw!r} is not a date; use YYYY-MM-DD or an ISO time with its zone, "
                         "like 2024-01-15T10:00:00+07:00", message_id="params.not_date_time",
                         message_values={"name": name, "value": raw[:40]}, parameter=name) from None
