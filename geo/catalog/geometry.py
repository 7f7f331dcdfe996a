"""The geometries of the collections: which are drawable in lon/lat, rounded or simplified for
output (display only: verdicts never use these), bbox boxes across the antimeridian, extents, and
the geometry types a collection declares (OGC API - Features Part 5, Schemas)."""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely

DECIMALS = 7                     # RFC 7946 recommends about 7 decimals (1 cm)
MAX_SIMPLIFY_ZOOM = 12           # above this zoom, regencies are drawn at full detail


def lonlat_ok(geoms: np.ndarray) -> np.ndarray:
    """Which geometries are non-empty with every coordinate finite and inside -180..180, -90..90
    (the others are written with a null geometry and left out of extents)."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return np.zeros(0, dtype=bool)
    with np.errstate(invalid="ignore"):
        bounds = shapely.bounds(geoms)
        ok = np.isfinite(bounds).all(axis=1) & ~shapely.is_missing(geoms)
        ok &= (bounds[:, 0] >= -180) & (bounds[:, 2] <= 180) & (bounds[:, 1] >= -90) & (bounds[:, 3] <= 90)
    if ok.any():  # a NaN inside a line or ring does not show in the bounds
        coords, owner = shapely.get_coordinates(geoms[ok], return_index=True)
        bad = np.unique(owner[~np.isfinite(coords).all(axis=1)])
        ok[np.flatnonzero(ok)[bad]] = False
    return ok


def rounded(geoms: np.ndarray) -> np.ndarray:
    """Geometries with coordinates rounded to :data:`DECIMALS` (for output only)."""
    return shapely.transform(geoms, lambda xy: np.round(xy, DECIMALS))


def bbox_boxes(bbox) -> list:
    """Shapely boxes for a lon/lat ``bbox``: two when it crosses the antimeridian (west > east)."""
    west, south, east, north = bbox
    if west <= east:
        return [shapely.box(west, south, east, north)]
    return [shapely.box(west, south, 180, north), shapely.box(-180, south, east, north)]


def zoom_tolerance(zoom: int | None) -> float | None:
    """Display simplification tolerance for a web map zoom: about one 256-px tile pixel, in
    degrees (drawing only), or None for full detail."""
    if zoom is None or zoom > MAX_SIMPLIFY_ZOOM:
        return None
    return 360.0 / (256 * 2 ** max(zoom, 0))


def simplified(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Polygons for drawing at ``tolerance`` degrees per pixel: parts smaller than a pixel are
    dropped (but each feature keeps its largest part), outlines are simplified and coordinates
    keep only the decimals the tolerance needs. For display only; verdicts never use these."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    area = shapely.area(parts)
    keep = area >= tolerance * tolerance
    order = np.lexsort((-area, owner))
    keep[order[np.unique(owner[order], return_index=True)[1]]] = True
    thin = shapely.simplify(parts[keep], tolerance, preserve_topology=True)
    polygonal = np.isin(shapely.get_type_id(thin), (3, 6))
    out = np.array(geoms, copy=True)
    if polygonal.all():
        out = shapely.multipolygons(thin, indices=owner[keep])
    else:  # lines or points: simplify whole geometries
        out = shapely.simplify(geoms, tolerance, preserve_topology=True)
    decimals = min(DECIMALS, max(0, math.ceil(-math.log10(tolerance)) + 1))
    return shapely.transform(out, lambda xy: np.round(xy, decimals))


def frame_bbox(frame) -> tuple[float, float, float, float] | None:
    """The extent of a frame's geometries in lon/lat range (others are left out); None if none."""
    geoms = frame.geometry.to_numpy() if len(frame) else np.empty(0, dtype=object)
    ok = lonlat_ok(geoms)
    if not ok.any():
        return None
    west, south, east, north = (round(float(v), DECIMALS) for v in shapely.total_bounds(geoms[ok]))
    return west, south, east, north


# -- the geometry a collection holds, declared as OGC API - Features Part 5 (Schemas) does ----------

GEOJSON_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon",
                 "GeometryCollection")
_SHAPELY_TYPES = {0: "Point", 1: "LineString", 3: "Polygon", 4: "MultiPoint", 5: "MultiLineString",
                  6: "MultiPolygon", 7: "GeometryCollection"}


def geometry_types(geoms) -> tuple[str, ...]:
    """The GeoJSON types of the geometries present (nulls and empties left out), in
    :data:`GEOJSON_TYPES` order: what a collection of these geometries holds."""
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return ()
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    found = {_SHAPELY_TYPES.get(int(t)) for t in np.unique(shapely.get_type_id(present))}
    return tuple(t for t in GEOJSON_TYPES if t in found)


def geometry_format(types: Sequence[str]) -> str:
    """The Part 5 ``format`` of a geometry property that holds ``types``: ``geometry-point``,
    ``geometry-polygon-or-multipolygon``, ... and ``geometry-any`` when the kinds are mixed (points
    and lines) or unknown. Clients such as QGIS take the layer's geometry type from it."""
    kinds = set(types)
    if len(kinds) == 1:
        return "geometry-" + next(iter(kinds)).lower()
    for single in ("Point", "LineString", "Polygon"):
        if kinds == {single, "Multi" + single}:
            return f"geometry-{single.lower()}-or-multi{single.lower()}"
    return "geometry-any"


def geometry_description(types: Sequence[str]) -> dict:
    """The collection's primary geometry as a Part 5 schema property, with the GeoJSON types it holds."""
    return {"format": geometry_format(types), "x-ogc-role": "primary-geometry", "geometryTypes": list(types)}
