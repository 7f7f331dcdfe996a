"""What a phone saves to judge points offline: one regency (or a box) with everything the engine
reads to judge a point there, as one JSON document (a "bundle").

The in-browser judge (``webmap/static/zonasi/offline/engine.js``) reproduces
:meth:`geo.engine.Engine.check` on a bundle, so the bundle holds, for the judged area:

- ``regencies``: the judged regencies' polygons, NOT simplified (coordinates rounded to 1e-7
  degrees, about 1 cm); and every other regency within ``context_m`` of the judged area (at least
  twice the border snap distance plus the reach below), clipped to a box holding that margin:
  they decide which regency a point near a border is in, where a point off every polygon snaps
  to, and where a category's data are incomplete. Each carries its rules: metres per category,
  required categories, campaign periods, its time zone, its UTM zone (EPSG) and what the
  coverage declares there; a judged regency in allowed-zones mode (rules.toml
  ``allowed_zones``) carries its designated zones (``allowed``);
- ``sites``: every site whose bounding box lies within ``snap + reach`` metres of the judged area
  (``reach`` = the largest distance of any rule + ``max_accuracy_m``), in the layers' order (the
  engine's order for equally close sites);
- ``coverage``: per category, whether it is declared complete everywhere, and the incomplete
  shape of every regency a declared polygon cuts: made as the engine makes it (projected to the
  judged regencies' UTM zone, minus the declared polygons) and carried back to lon/lat, so that
  the browser, projecting it again, measures to the same edges;
- ``layers_version``, ``rules_version``: stale bundles are told apart.

Everything is plain JSON (GeoJSON geometries); :func:`bundle_bytes` writes it compactly.
"""
from __future__ import annotations

import json

import numpy as np
import shapely

from geo.clock import LABELS, zone_index
from geo.crs import Projector
from geo.errors import InputError, NotFound, TooLarge
from geo.rules.model import CATEGORIES

FORMAT = 1
DECIMALS = 7                   # 1e-7 degrees: about 1.1 cm
MAX_ACCURACY_M = 100.0         # the GPS accuracy the bundle's margins allow for
# Metres per degree of latitude at the equator (the fewest anywhere) and of longitude there
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0
_UTC_OFFSET_H = (7, 8, 9)      # WIB, WITA, WIT (no daylight saving)
# bytes per site and per vertex in the compact JSON, generous: a bundle is refused before it is made
_BYTES_PER_SITE = 160
_BYTES_PER_VERTEX = 24


def regency_bundle(engine, code: str, *, max_bytes: int | None = None,
                   max_accuracy_m: float = MAX_ACCURACY_M) -> dict:
    """The bundle of regency ``code`` (a Kemendagri code such as ``32.12``); :class:`NotFound`
    for an unknown code, :class:`TooLarge` when its estimated size exceeds ``max_bytes``."""
    index = engine.regency_index(code)
    if index is None:
        raise NotFound(f"no regency {code}", message_id="offline.unknown_regency",
                       message_values={"code": code}, parameter="code")
    geometry = engine.layers.regency_features.geometry
    return _bundle(engine, np.array([index]), geometry[index], None, max_bytes, max_accuracy_m)


def bbox_bundle(engine, bbox, *, max_bytes: int | None = None, max_accuracy_m: float = MAX_ACCURACY_M) -> dict:
    """The bundle of a lon/lat box (west, south, east, north): points inside it are judged, by
    the regencies it touches; :class:`InputError` when it touches none."""
    box = shapely.box(*bbox)
    geometry = engine.layers.regency_features.geometry
    touched = np.flatnonzero(shapely.intersects(geometry, box))
    if not len(touched):
        raise InputError("the box touches no regency", message_id="offline.empty_bbox", parameter="bbox")
    return _bundle(engine, touched, box, [float(v) for v in bbox], max_bytes, max_accuracy_m)


def bundle_bytes(bundle: dict) -> bytes:
    """The bundle as compact UTF-8 JSON."""
    return json.dumps(bundle, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def check_size(size: int, max_bytes: int | None) -> None:
    """:class:`TooLarge` when ``size`` bytes exceed ``max_bytes`` (None: no limit)."""
    if max_bytes is not None and size > max_bytes:
        raise TooLarge(f"the offline data asked would take {size} bytes (at most {max_bytes}): "
                       "save a smaller area", message_id="offline.too_large",
                       message_values={"size": size, "limit": max_bytes}, parameter="bbox")


def _grown(bounds, metres: float) -> tuple[float, float, float, float]:
    """A lon/lat box holding every point within ``metres`` of the box ``bounds`` (generously)."""
    west, south, east, north = (float(v) for v in bounds)
    lat = metres * 1.01 / _M_PER_DEG_LAT + 1e-9
    far = min(max(abs(south), abs(north)) + lat, 89.9)
    lon = metres * 1.01 / (_M_PER_DEG_LON * np.cos(np.radians(far))) + 1e-9
    return west - lon, south - lat, east + lon, north + lat


def _round(geometry) -> dict | None:
    """A shapely geometry as a GeoJSON mapping, coordinates rounded to :data:`DECIMALS`."""
    if geometry is None or shapely.is_empty(geometry):
        return None
    rounded = shapely.set_precision(geometry, 10.0 ** -DECIMALS, mode="pointwise")
    return json.loads(shapely.to_geojson(rounded))


def _bundle(engine, judged: np.ndarray, area, bbox, max_bytes, max_accuracy_m) -> dict:
    rules = engine.rules
    snap = float(rules.border_snap_m)
    reach = float(engine.buffers.max()) + float(max_accuracy_m)
    site_margin = snap + reach                  # a snapped point lies up to snap metres outside
    context_m = 2 * snap + reach                # ... and looks snap metres (or reach) further
    area_bounds = shapely.bounds(area)
    site_box = _grown(area_bounds, site_margin)
    context_box = _grown(area_bounds, context_m)
    regencies = engine.layers.regency_features.geometry
    context = np.flatnonzero(shapely.intersects(regencies, shapely.box(*context_box)))
    context = np.union1d(context, judged)       # sorted: the layers' order, the engine's tie-break
    sites = engine.layers.site_features
    b = sites.bounds
    near = np.flatnonzero((b[:, 2] >= site_box[0]) & (b[:, 0] <= site_box[2])
                          & (b[:, 3] >= site_box[1]) & (b[:, 1] <= site_box[3]))
    clipped = {int(i): (regencies[i] if i in judged and bbox is None else shapely.clip_by_rect(regencies[i],
                                                                                                *context_box))
               for i in context}
    estimate = (len(near) * _BYTES_PER_SITE + int(shapely.get_num_coordinates(sites.take(near).geometry).sum()
                                                  + sum(shapely.get_num_coordinates(g) for g in clipped.values()))
                * _BYTES_PER_VERTEX)
    check_size(estimate // 3, max_bytes)   # clearly too large: refused before the work
    judged_set = {int(i) for i in judged}
    epsgs = sorted({int(engine.regency_epsg[i]) for i in judged})
    bundle = {
        "format": FORMAT,
        "area": {"kind": "bbox" if bbox is not None else "regency",
                 "codes": [str(engine.regency_codes[i]) for i in judged], "bbox": bbox},
        "layers_version": engine.layers_version,
        "rules_version": engine.rules_version,
        "categories": list(CATEGORIES),
        "category_rules": {c: {"label": rules.category(c).label, "label_en": rules.category(c).label_en,
                               "legal_basis": rules.category(c).legal_basis} for c in CATEGORIES},
        "border_snap_m": snap,
        "max_accuracy_m": float(max_accuracy_m),
        "reach_m": reach,
        "site_margin_m": site_margin,
        "regencies": [_regency(engine, int(i), clipped[int(i)], int(i) in judged_set) for i in context],
        "coverage": _coverage(engine, context, clipped, epsgs, context_box),
        "sites": _sites(engine, near),
    }
    return bundle


def _regency(engine, i: int, geometry, judged: bool) -> dict:
    rules = engine.rules
    code = str(engine.regency_codes[i])
    coverage = engine.coverage
    zone = int(zone_index([code])[0])
    return {
        "code": code, "name": str(engine.regency_names[i]), "judged": judged,
        "epsg": int(engine.regency_epsg[i]),
        "utc_offset_h": _UTC_OFFSET_H[zone], "timezone": LABELS[zone],
        "buffer_m": [float(v) for v in engine.buffers[i]],
        "required": [bool(v) for v in engine.required[i]],
        "periods": [{"key": k, "label": p.label, "start": p.start.isoformat(), "end": p.end.isoformat()}
                    for k, p in rules.periods(code).items()],
        "declared": [bool(coverage.declared_regencies(c)[i]) for c in CATEGORIES],
        "complete_whole": [code in coverage.complete_regencies(c) for c in CATEGORIES],
        "allowed_zones": code in engine.layers.allowed,
        "allowed": _allowed(engine, code) if judged else None,
        "geometry": _round(geometry),
    }


def _allowed(engine, code: str) -> dict | None:
    """The designated zones of an allowed-zones regency (all of them, as the engine judges by
    them all) as columns: zone_id, name, radius_m, geometry (GeoJSON); None in other regencies."""
    zones = engine.layers.allowed.get(code)
    if zones is None:
        return None
    frame = zones.frame
    return {"label": zones.label, "label_en": zones.label_en, "legal_basis": zones.legal_basis,
            "zone_id": [str(v) for v in frame["zone_id"]], "name": [str(v) for v in frame["name"]],
            "radius_m": [float(v) for v in frame["radius_m"]],
            "geometry": [_round(g) for g in frame.geometry.to_numpy()]}


def _coverage(engine, context: np.ndarray, clipped: dict, epsgs: list[int], box) -> dict:
    """Per category: complete everywhere (no regency undeclared), and the incomplete shapes of
    the regencies that declared polygons cut, per UTM zone of the judged regencies."""
    coverage = engine.coverage
    projector = Projector()
    everywhere = [len(coverage.incomplete_regencies(c)) == 0 for c in CATEGORIES]
    cuts = []
    done: dict[tuple, list] = {}
    for j, c in enumerate(CATEGORIES):
        areas = coverage.area_geometry(c)
        if not len(areas):
            continue
        signature = coverage.signature(c)
        if signature in done:          # declared alike: the same shapes
            for cut in done[signature]:
                cut["categories"].append(j)
            continue
        done[signature] = mine = []
        union = shapely.union_all(areas)
        whole = coverage.complete_regencies(c)
        regencies = engine.layers.regency_features.geometry
        for i in context:
            code = str(engine.regency_codes[i])
            if code in whole or not shapely.intersects(regencies[i], union):
                continue
            for epsg in epsgs:
                forward, inverse = projector.forward(epsg), projector.inverse(epsg)
                shape = shapely.difference(_transform(regencies[i], forward), _transform(union, forward))
                back = _transform(shape, inverse)
                if clipped[int(i)] is not regencies[i]:   # a neighbour: only the part near the area
                    back = shapely.clip_by_rect(back, *box)
                mine.append({"categories": [j], "regency": code, "epsg": epsg, "geometry": _round(back)})
        cuts += mine
    return {"everywhere": everywhere, "cuts": cuts,
            "sources": [{"categories": list(s.categories), "regencies": list(s.regencies),
                         "source": s.source, "as_of": s.as_of.isoformat() if s.as_of else None}
                        for s in coverage.sources]}


def _transform(geometry, transformer):
    return shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def _sites(engine, index: np.ndarray) -> dict:
    """The sites ``index`` (sorted, the layers' order) as columns; a point as [lon, lat]."""
    features = engine.layers.site_features.take(index)
    xy = np.round(features.xy, DECIMALS)
    geometry = []
    for k, shape in enumerate(features.shapes):
        geometry.append([float(xy[k, 0]), float(xy[k, 1])] if shape is None else _round(shape))
    return {
        "site_id": engine.site_ids.take(index).to_pylist(),
        "name": engine.site_names.take(index).to_pylist(),
        "category": [int(v) for v in engine.site_category[index]],
        "geometry": geometry,
    }
