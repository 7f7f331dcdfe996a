"""Feature collections: the engine's data (and the report store's) as pages of GeoJSON features.

A collection answers two questions, with no web framework involved:

* ``items(query)``: the features intersecting a bbox, matching a time interval and simple
  property filters, one page of them (``limit``/``offset``), with how many matched in all;
* ``item(fid)``: one feature by its stable id (raises :class:`~geo.errors.NotFound`).

Features are plain GeoJSON dicts (RFC 7946: WGS 84 lon/lat, at most 7 decimals). The static
collections (sites, regencies, zones) index their WGS 84 geometries in an STRtree for bbox
queries; regencies can be simplified for a web map zoom level (display only: verdicts never use
these geometries).
"""
from __future__ import annotations

import datetime as dt
import json
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
import shapely

from geo.errors import InputError, NotFound

DECIMALS = 7                     # RFC 7946 recommends about 7 decimals (1 cm)
MAX_SIMPLIFY_ZOOM = 12           # above this zoom, regencies are drawn at full detail
MAX_LIST_VALUES = 50             # values of one comma-separated (or repeated) list parameter
MAX_PAGE_VERTICES = 250_000      # a page ends early past this many vertices (about 6 MB of GeoJSON)
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"

Interval = tuple[dt.datetime | None, dt.datetime | None]


@dataclass(frozen=True)
class Query:
    """What to select from a collection. ``bbox`` is (west, south, east, north) in lon/lat;
    west > east crosses the antimeridian. ``interval`` bounds are inclusive, None = open."""

    bbox: tuple[float, float, float, float] | None = None
    interval: Interval | None = None
    limit: int = 100
    offset: int = 0
    properties: tuple[str, ...] | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    zoom: int | None = None
    private: bool = False            # the caller may see private properties (the reporter)


@dataclass
class Page:
    """One page of features, with how many matched in all (when counted)."""

    features: list[dict]
    matched: int | None              # None: not counted (then ``more`` says if a next page exists)
    more: bool | None = None

    @property
    def returned(self) -> int:
        """The number of features on this page."""
        return len(self.features)

    def has_next(self, offset: int) -> bool:
        """Whether a page follows the one that starts at ``offset``."""
        if self.matched is None:
            return bool(self.more)
        return offset + self.returned < self.matched


@dataclass(frozen=True)
class CollectionInfo:
    """What a client needs to know about a collection before asking for items."""

    id: str
    title: str
    description: str
    geometry: str | tuple[str, ...]                 # the GeoJSON type(s) its features have
    properties: Mapping[str, str]                   # name -> JSON schema type
    queryables: tuple[str, ...] = ()                # properties usable as ?name=value filters
    bbox: tuple[float, float, float, float] | None = None
    temporal: Interval | None = None                # None: the features are not time-bound
    temporal_property: str | None = None
    permission: str | None = None                   # token permission needed to read items; None = public

    @property
    def geometry_types(self) -> tuple[str, ...]:
        """The GeoJSON types of its features (``geometry`` may name them in one text: "Point, LineString")."""
        if isinstance(self.geometry, str):
            return tuple(t.strip() for t in self.geometry.split(",") if t.strip())
        return tuple(self.geometry)


class Collection(Protocol):
    """What every collection offers: its description, a page of features for a query, one feature by id."""

    info: CollectionInfo

    def items(self, query: Query) -> Page:
        """The page of features that ``query`` asks for."""

    def item(self, fid: str, private: bool = False) -> dict:
        """The feature ``fid`` as a GeoJSON dict; :class:`NotFound` when there is none."""


# -- query parsing helpers (shared by every front end) -----------------------------------------

def parse_interval(text: str) -> Interval:
    """An RFC 3339 instant or interval: ``2024-01-05``, ``2024-01-05T10:00:00Z``,
    ``2024-01-01/2024-02-01``, ``../2024-02-01``, ``2024-01-01/..``. Dates cover the whole day."""
    if "/" in text:
        start_text, _, end_text = text.partition("/")
        start = _instant(start_text, end=False)
        end = _instant(end_text, end=True)
        if start and end and start > end:
            raise InputError(f"datetime={text!r}: the start is after the end", message_id="ogc.datetime_reversed",
                             message_values={"value": text}, parameter="datetime")
        return start, end
    start = _instant(text, end=False)
    if start is None:
        raise InputError("datetime needs a date, a time or an interval start/end", message_id="ogc.datetime_empty",
                         parameter="datetime")
    end = _instant(text, end=True) if len(text.strip()) == 10 else start
    return start, end


def _instant(text: str, *, end: bool) -> dt.datetime | None:
    text = text.strip()
    if text in ("", ".."):
        return None
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime.combine(day, dt.time.max if end else dt.time.min, dt.UTC)
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"datetime {text!r} is not RFC 3339; use 2024-01-05 or 2024-01-05T10:00:00Z",
                         message_id="ogc.datetime_invalid", message_values={"value": text[:40]},
                         parameter="datetime") from None
    return utc(value)


_UTC_MIN = dt.datetime.min.replace(tzinfo=dt.UTC)
_UTC_MAX = dt.datetime.max.replace(tzinfo=dt.UTC)


def utc(value: dt.datetime) -> dt.datetime:
    """An instant in UTC (naive = UTC). One that UTC cannot hold (``0001-01-01T00:00+01:00`` is
    in year 0) becomes the first or last instant Python can hold: no timestamp lies between."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    try:
        return value.astimezone(dt.UTC)
    except OverflowError:
        return _UTC_MIN if value.year == dt.MINYEAR else _UTC_MAX


def parse_list(values, parameter: str, limit: int = MAX_LIST_VALUES) -> list[str]:
    """Values of a list parameter (a comma-separated text, or several of them): stripped, empty
    ones dropped, repeats removed (first order kept), at most ``limit`` distinct ones."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    found = dict.fromkeys(v.strip() for text in values for v in str(text).split(",") if v.strip())
    if len(found) > limit:
        raise InputError(f"{parameter} lists {len(found)} different values; at most {limit} are allowed",
                         message_id="params.too_many",
                         message_values={"parameter": parameter, "count": len(found), "limit": limit},
                         parameter=parameter)
    return list(found)


def in_interval(stamps: Sequence[dt.datetime | None], interval: Interval | None) -> np.ndarray:
    """Which timestamps (naive = UTC) fall in the inclusive interval; unknown ones never do."""
    if interval is None:
        return np.ones(len(stamps), dtype=bool)
    start, end = interval
    out = np.zeros(len(stamps), dtype=bool)
    for i, stamp in enumerate(stamps):
        if stamp is None:
            continue
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=dt.UTC)
        out[i] = (start is None or stamp >= start) and (end is None or stamp <= end)
    return out


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


def finite(value):
    """A property value JSON can hold: NaN and infinities become None (JSON has no such numbers)."""
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


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


# -- a collection held in memory as a GeoDataFrame ----------------------------------------------

class FrameCollection:
    """A static collection: ids, property records and WGS 84 geometries in memory."""

    def __init__(self, info: CollectionInfo, frame, id_column: str, columns: Sequence[str],
                 extra: Callable[[pd.DataFrame], Mapping[str, Sequence]] | None = None,
                 simplify: bool = False, page_vertices: int = MAX_PAGE_VERTICES):
        self.info = info
        self.page_vertices = page_vertices
        self.ids = frame[id_column].astype(str).to_numpy()
        self._index = {fid: i for i, fid in enumerate(self.ids)}
        table = frame[[c for c in columns if c in frame.columns]].copy()
        for name, values in (extra(frame) if extra else {}).items():
            table[name] = list(values)
        table = table[[c for c in columns if c in table.columns]]
        table = table.astype(object).where(table.notna(), None)
        self._records = [{k: finite(v) for k, v in r.items()} for r in table.to_dict("records")]
        self._columns = table.columns.tolist()
        self._geoms = frame.geometry.to_numpy()
        self._ok = lonlat_ok(self._geoms)       # others: a null geometry, never in a bbox
        self._tree = shapely.STRtree(np.where(self._ok, self._geoms, None))
        self._simplify = simplify
        self._json: dict[int | None, tuple[np.ndarray, np.ndarray]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.ids)

    def select(self, query: Query) -> np.ndarray:
        """Indices (in collection order) of the features the query matches."""
        if query.bbox is not None:
            found = [self._tree.query(b, predicate="intersects") for b in bbox_boxes(query.bbox)]
            mask = np.zeros(len(self), dtype=bool)
            for f in found:
                mask[f] = True
        else:
            mask = np.ones(len(self), dtype=bool)
        for name, wanted in query.filters.items():
            check_queryable(self.info, name)
            values = set(parse_list(wanted, name))
            # a column the layers lack (or an empty cell) matches nothing
            mask &= np.fromiter((r.get(name) is not None and str(r[name]) in values for r in self._records),
                                bool, len(self))
        return np.flatnonzero(mask)

    def items(self, query: Query) -> Page:
        """One page; it ends early (``next`` continues) past :data:`MAX_PAGE_VERTICES` vertices."""
        check_properties(self.info, query.properties)
        selected = self.select(query)
        page = selected[query.offset:query.offset + query.limit]
        zoom = query.zoom if self._simplify else None
        _, vertices = self._texts(zoom)
        page = page[:within_budget(vertices[page], self.page_vertices)]
        return Page([self._feature(int(i), query.properties, zoom) for i in page], len(selected))

    def item(self, fid: str, private: bool = False) -> dict:
        """The feature ``fid`` as a GeoJSON dict; :class:`NotFound` when there is none."""
        i = self._index.get(str(fid))
        if i is None:
            raise NotFound(f"no feature {fid!r} in collection {self.info.id!r}", message_id="ogc.no_feature",
                           message_values={"feature": str(fid), "collection": self.info.id},
                           collection=self.info.id, feature=str(fid))
        return self._feature(i, None, None)

    def _feature(self, i: int, properties: tuple[str, ...] | None, zoom: int | None) -> dict:
        record = self._records[i]
        if properties is not None:
            record = {k: record[k] for k in properties if k in record}
        return {"type": "Feature", "id": self.ids[i], "geometry": json.loads(self._geometry(i, zoom)),
                "properties": dict(record)}

    def _geometry(self, i: int, zoom: int | None) -> str:
        return self._texts(zoom)[0][i]

    def _texts(self, zoom: int | None) -> tuple[np.ndarray, np.ndarray]:
        """The GeoJSON texts of the geometries (simplified for ``zoom``; ``null`` for those not in
        lon/lat range) and their vertex counts; each level is computed for the whole collection on
        first use and kept."""
        key = None if zoom is None or zoom_tolerance(zoom) is None else int(zoom)
        found = self._json.get(key)
        if found is None:
            with self._lock:
                found = self._json.get(key)
                if found is None:
                    geoms = self._geoms[self._ok]
                    tolerance = zoom_tolerance(key)  # None exactly where key is
                    geoms = rounded(geoms) if tolerance is None else simplified(geoms, tolerance)
                    texts = np.full(len(self), "null", dtype=object)
                    vertices = np.zeros(len(self), dtype="int64")
                    if len(geoms):
                        texts[self._ok] = shapely.to_geojson(geoms)
                        vertices[self._ok] = shapely.get_num_coordinates(geoms)
                    found = self._json[key] = texts, vertices
        return found


def within_budget(vertices, budget: int = MAX_PAGE_VERTICES) -> int:
    """How many of the features (their vertex counts, in page order) fit a page of ``budget``
    vertices; always at least one, so paging moves on."""
    total = np.cumsum(np.asarray(vertices, dtype="int64"))
    return max(1, int(np.searchsorted(total, budget, side="right"))) if len(total) else 0


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


def check_queryable(info: CollectionInfo, name: str) -> None:
    """Refuse (:class:`InputError`) a filter on ``name`` that the collection does not offer."""
    if name not in info.queryables:
        raise InputError(f"{info.id} cannot be filtered by {name!r}; use one of "
                         f"{', '.join(info.queryables) or '(none)'}",
                         message_id="ogc.not_queryable",
                         message_values={"collection": info.id, "name": name,
                                         "known": ", ".join(info.queryables) or "-"},
                         parameter=name)


def check_properties(info: CollectionInfo, properties: tuple[str, ...] | None) -> None:
    """Refuse (:class:`InputError`) ``properties`` that the collection does not have."""
    if properties is None:
        return
    unknown = [p for p in properties if p not in info.properties]
    if unknown:
        raise InputError(f"{info.id} has no property {unknown[0]!r}; it has "
                         f"{', '.join(info.properties)}", message_id="ogc.unknown_property",
                         message_values={"collection": info.id, "name": unknown[0],
                                         "known": ", ".join(info.properties)},
                         parameter="properties")


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
