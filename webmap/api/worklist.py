"""Satpol PP's worklist: the outstanding props in a short route from a start.

    GET /api/worklist?regency=..&status=notified&overdue=true&start=lat,lon   JSON {"items", "length_m", "start"}
    GET /api/worklist.gpx | .kml | .pdf                                        the same route as a file
"""
from __future__ import annotations

from flask import Blueprint, Response, request

from geo import InputError
from geo.casework import parse_start, to_gpx, to_kml, to_pdf, worklist
from geo.store import ReportFilter

from .. import auth
from ..services import services

bp = Blueprint("worklist", __name__, url_prefix="/api")
FILES = {"gpx": "application/gpx+xml", "kml": "application/vnd.google-earth.kml+xml", "pdf": "application/pdf"}


def _worklist() -> dict:
    auth.require("violations:read")
    return worklist(services().store, ReportFilter.from_params(request.args), parse_start(request.args.get("start")))


@bp.get("/worklist")
def route():
    """The props matching the filters (status notified by default) in route order from ``start``."""
    return _worklist()


@bp.get("/worklist.<fmt>")
def route_file(fmt: str):
    """The worklist as GPX (waypoints and a route), KML (placemarks and a line) or PDF (a map and a list)."""
    if fmt not in FILES:
        raise InputError(f"unknown format .{fmt[:20]}; use gpx, kml or pdf", message_id="casework.worklist_format",
                         message_values={"format": fmt[:20]}, parameter="format")
    wl = _worklist()
    s = services()
    if fmt == "gpx":
        body = to_gpx(wl)
    elif fmt == "kml":
        body = to_kml(wl)
    else:
        filters = ", ".join(f"{k}={v}" for k, v in sorted(request.args.items()) if k != "lang")
        body = to_pdf(wl, s.engine, s.clock.now(), subtitle=f"{len(wl['items'])} titik, {wl['length_m'] / 1000:.2f} km"
                      + (f"; {filters}" if filters else ""))
    response = Response(body, mimetype=FILES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="worklist.{fmt}"'
    return response
