"""A letter's annex: what the letter says of each of its props, kept with it when it is issued
(place, position, photo, verdict, versions and the geometry of the prop's little map), so the
PDF drawn from it later is the same whatever the rules or layers became."""
from __future__ import annotations

import json
from collections.abc import Iterable

import numpy as np
import shapely

from geo.casework.worklists import describe_place
from geo.store.rows import iso
from geo.zones.exclusion import RegencyFrame

INSET_MIN_M, INSET_MAX_M = 150.0, 1000.0   # half the width of a prop's little map


def build_annex(engine, code: str, participant: str, rows: Iterable, notice_hours: float) -> dict:
    """What a letter says of its props, kept with it: the regency (code, name, UTM zone and a
    simplified outline), and per report its place, position, photo, verdict, versions and the
    geometry of its little map (the site and the regency's border near the prop)."""
    frame = RegencyFrame(engine, code)
    west, south, east, north = frame.metric.bounds
    outline = frame.metric.simplify(max(east - west, north - south) / 400)
    return {"regency": {"code": code, "name": frame.name, "epsg": frame.epsg, "outline": _geojson(frame, outline)},
            "participant": participant, "notice_hours": notice_hours,
            "rules_version": engine.rules_version, "layers_version": engine.layers_version,
            "items": [_item(engine, frame, row) for row in rows]}


def _item(engine, frame: RegencyFrame, row) -> dict:
    verdict = row["verdict"] or {}
    hit = (verdict.get("hits") or [None])[0] or verdict.get("nearest") or {}
    distance = hit.get("distance_m", row["distance_m"])
    site_name = hit.get("name") or row["site_name"]
    prop = frame.forward(shapely.Point(row["lon"], row["lat"]))
    half = min(max(INSET_MIN_M, 1.4 * max(distance or 0, hit.get("buffer_m") or row["buffer_m"] or 0) + 40),
               INSET_MAX_M)
    box = shapely.box(prop.x - half, prop.y - half, prop.x + half, prop.y + half)
    site = _site_geometry(engine, hit.get("site_id") or row["site_id"])
    site_local = shapely.intersection(frame.forward(site), box) if site is not None else None
    border = shapely.intersection(frame.metric.boundary, box)
    place = describe_place(site_name, distance, frame.name)
    return {
        "id": row["id"], "apk_type": row["apk_type"], "participant": row["participant"],
        "lon": row["lon"], "lat": row["lat"], "accuracy_m": row["accuracy_m"], "reported_at": iso(row["reported_at"]),
        "place": place, "note": row["note"], "photo_path": row["photo_path"], "photo_type": row["photo_type"],
        "verdict": {"status": row["verdict_status"], "site_id": hit.get("site_id") or row["site_id"],
                    "site_name": site_name, "category": hit.get("category") or row["category"],
                    "category_label": hit.get("category_label"), "kind": hit.get("kind"),
                    "distance_m": distance, "buffer_m": hit.get("buffer_m", row["buffer_m"]),
                    "legal_basis": hit.get("legal_basis") or row["legal_basis"]},
        "rules_version": row["rules_version"], "layers_version": row["layers_version"],
        "map": {"half_m": half,
                "site": _geojson(frame, site_local) if site_local is not None and not site_local.is_empty else None,
                "border": _geojson(frame, border) if not border.is_empty else None},
    }


def _site_geometry(engine, site_id: str | None):
    if not site_id:
        return None
    sites = engine.layers.sites
    found = np.flatnonzero(sites["site_id"].to_numpy() == site_id)
    return sites.geometry.iloc[int(found[0])] if len(found) else None


def _geojson(frame: RegencyFrame, metric_geometry) -> dict:
    """A metric geometry as GeoJSON in lon/lat, coordinates rounded to 7 decimals (about 1 cm)."""
    lonlat = shapely.transform(frame.inverse(metric_geometry), lambda xy: np.round(xy, 7))
    return json.loads(shapely.to_geojson(lonlat))
