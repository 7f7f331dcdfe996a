"""Satpol PP's worklist: the outstanding props in route order from a start, as JSON, GPX, KML or PDF.

    wl = worklist(store, ReportFilter(regency=("32.12",), status=("notified",), overdue=True),
                  start=(-6.33, 108.32))
    wl["items"][0]["order"], wl["length_m"]
    to_gpx(wl), to_kml(wl), to_pdf(wl, engine, now)
"""
from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import numpy as np

from geo.casework.route import far_end, geodesic_matrix, path_length, plan_route
from geo.crs import utm_epsg
from geo.errors import InputError
from geo.store.filters import ReportFilter

if TYPE_CHECKING:
    from geo.store import Store

MAX_STOPS = 500          # props in one worklist (2-opt is quadratic per sweep): narrow the filters beyond
GPX_NS = "http://www.topografix.com/GPX/1/1"
KML_NS = "http://www.opengis.net/kml/2.2"


def parse_start(raw: str | None) -> tuple[float, float] | None:
    """``"lat,lon"`` in degrees (None when absent); InputError naming ``start`` otherwise."""
    if raw is None or not str(raw).strip():
        return None
    parts = str(raw).split(",")
    try:
        lat, lon = (float(p) for p in parts) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        lat = lon = math.nan
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"start={str(raw)[:60]!r} is not 'lat,lon' in degrees", message_id="casework.start",
                         message_values={"value": str(raw)[:60]}, parameter="start")
    return lat, lon


def describe_place(site_name: str | None, distance_m: float | None, regency_name: str | None) -> str:
    """Where a prop stands in words: ``± 11 m dari SMAN 1 SINDANG, Kabupaten Indramayu``."""
    where = regency_name or "-"
    if site_name and distance_m is not None:
        return f"± {distance_m:.0f} m dari {site_name}, {where}"
    return where


def worklist(store: Store, filters: ReportFilter, start: tuple[float, float] | None = None,
             max_stops: int = MAX_STOPS) -> dict:
    """The reports matching ``filters`` (status ``notified`` unless the filter names one) in a
    short route from ``start`` (lat, lon; without one the route starts at a far end of the props):
    ``{"items": [{"order", "id", "lat", "lon", "place", "apk_type", "participant", "deadline",
    "leg_m", ...}], "length_m", "start"}``; ``leg_m`` is the geodesic metres from the previous stop
    (from ``start`` for the first)."""
    filters = filters if filters.status else filters.but(status=("notified",))
    matched = store.count_reports(filters)
    if matched > max_stops:
        raise InputError(f"{matched} props match; a worklist takes at most {max_stops}: narrow the filters "
                         "(regency, overdue, bbox)", message_id="casework.worklist_too_many",
                         message_values={"n": matched, "limit": max_stops}, parameter="regency")
    rows, _ = store.list_reports(filters, limit=max_stops)
    rows.sort(key=lambda r: r["id"])        # the route must not depend on the database's row order
    lons = [r["lon"] for r in rows]
    lats = [r["lat"] for r in rows]
    if start is not None:
        matrix = geodesic_matrix([start[1], *lons], [start[0], *lats])
        order = [i - 1 for i in plan_route(matrix, 0)[1:]]
        full = [0] + [i + 1 for i in order]
    else:
        matrix = geodesic_matrix(lons, lats)
        order = plan_route(matrix, far_end(matrix)) if rows else []
        full = order
    legs = np.concatenate([[0.0], matrix[full[:-1], full[1:]]]) if full else np.zeros(0)
    if start is not None:
        legs = legs[1:]
    items = []
    for number, (index, leg) in enumerate(zip(order, legs, strict=True), start=1):
        row = rows[index]
        items.append({"order": number, "id": row["id"], "lat": row["lat"], "lon": row["lon"],
                      "place": describe_place(row["site_name"], row["distance_m"], row["regency_name"]),
                      "apk_type": row["apk_type"], "participant": row["participant"], "deadline": row["deadline"],
                      "overdue": row["overdue"], "leg_m": round(float(leg), 1), "status": row["status"],
                      "letter_number": row.get("letter_number"), "site_name": row["site_name"],
                      "regency_code": row["regency_code"]})
    return {"items": items, "length_m": round(path_length(matrix, full), 1),
            "start": {"lat": start[0], "lon": start[1]} if start is not None else None}


def _label(item: dict) -> str:
    return f"{item['order']:02d} {item['apk_type']}" + (f" {item['participant']}" if item.get("participant") else "")


def to_gpx(wl: dict) -> bytes:
    """GPX 1.1: one waypoint per prop and one route (the start, then the props), numbered in route order."""
    ET.register_namespace("", GPX_NS)
    root = ET.Element(f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": "zonasi"})
    meta = ET.SubElement(root, f"{{{GPX_NS}}}metadata")
    ET.SubElement(meta, f"{{{GPX_NS}}}name").text = "Daftar kerja Satpol PP"
    for item in wl["items"]:
        wpt = ET.SubElement(root, f"{{{GPX_NS}}}wpt", {"lat": f"{item['lat']:.7f}", "lon": f"{item['lon']:.7f}"})
        ET.SubElement(wpt, f"{{{GPX_NS}}}name").text = _label(item)
        ET.SubElement(wpt, f"{{{GPX_NS}}}desc").text = f"{item['place']}; laporan {item['id']}"
    route = ET.SubElement(root, f"{{{GPX_NS}}}rte")
    ET.SubElement(route, f"{{{GPX_NS}}}name").text = f"Rute ({wl['length_m'] / 1000:.2f} km)"
    if wl.get("start"):
        point = ET.SubElement(route, f"{{{GPX_NS}}}rtept",
                              {"lat": f"{wl['start']['lat']:.7f}", "lon": f"{wl['start']['lon']:.7f}"})
        ET.SubElement(point, f"{{{GPX_NS}}}name").text = "00 mulai"
    for item in wl["items"]:
        point = ET.SubElement(route, f"{{{GPX_NS}}}rtept", {"lat": f"{item['lat']:.7f}", "lon": f"{item['lon']:.7f}"})
        ET.SubElement(point, f"{{{GPX_NS}}}name").text = _label(item)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def to_kml(wl: dict) -> bytes:
    """KML 2.2: a numbered placemark per prop and the route as a LineString."""
    ET.register_namespace("", KML_NS)
    k = f"{{{KML_NS}}}"
    root = ET.Element(f"{k}kml")
    doc = ET.SubElement(root, f"{k}Document")
    ET.SubElement(doc, f"{k}name").text = "Daftar kerja Satpol PP"
    for item in wl["items"]:
        mark = ET.SubElement(doc, f"{k}Placemark")
        ET.SubElement(mark, f"{k}name").text = _label(item)
        ET.SubElement(mark, f"{k}description").text = f"{item['place']}; laporan {item['id']}"
        point = ET.SubElement(mark, f"{k}Point")
        ET.SubElement(point, f"{k}coordinates").text = f"{item['lon']:.7f},{item['lat']:.7f}"
    coords = ([(wl["start"]["lon"], wl["start"]["lat"])] if wl.get("start") else []) + \
        [(i["lon"], i["lat"]) for i in wl["items"]]
    if len(coords) > 1:
        mark = ET.SubElement(doc, f"{k}Placemark")
        ET.SubElement(mark, f"{k}name").text = f"Rute ({wl['length_m'] / 1000:.2f} km)"
        line = ET.SubElement(mark, f"{k}LineString")
        ET.SubElement(line, f"{k}coordinates").text = " ".join(f"{x:.7f},{y:.7f}" for x, y in coords)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def to_pdf(wl: dict, engine, now: dt.datetime, subtitle: str = "") -> bytes:
    """The worklist as a printable A4 PDF (map and numbered list), see :func:`geo.casework.pdf.worklist_pdf`."""
    from geo.casework.pdf import worklist_pdf

    codes = sorted({i["regency_code"] for i in wl["items"] if i.get("regency_code")})
    outlines = [engine.layers.regencies.geometry.iloc[engine.regency_index(c)] for c in codes
                if engine.regency_index(c) is not None]
    names = [str(engine.regency_names[engine.regency_index(c)]) for c in codes if engine.regency_index(c) is not None]
    points = [(i["lon"], i["lat"]) for i in wl["items"]] or [(106.8, -6.2)]
    epsg = int(utm_epsg(np.mean([p[0] for p in points]), np.mean([p[1] for p in points])))
    start = (wl["start"]["lon"], wl["start"]["lat"]) if wl.get("start") else None
    title = "Daftar kerja Satpol PP" + (f": {', '.join(names)}" if names else "")
    return worklist_pdf(title, subtitle, wl["items"], wl["length_m"], start, outlines, epsg, now)
