"""Feature collections: the engine's data (and the report store's) as pages of GeoJSON features.

A collection answers two questions, with no web framework involved:

* ``items(query)``: the features intersecting a bbox, matching a time interval and simple
  property filters, one page of them (``limit``/``offset``), with how many matched in all;
* ``item(fid)``: one feature by its stable id (raises :class:`~geo.errors.NotFound`).

Features are plain GeoJSON dicts (RFC 7946: WGS 84 lon/lat, at most 7 decimals). The static
collections (sites, regencies, zones) index their WGS 84 geometries in an STRtree for bbox
queries; regencies can be simplified for a web map zoom level (display only: verdicts never use
these geometries).

The query parameters are parsed by :mod:`geo.catalog.params`, the geometries prepared by
:mod:`geo.catalog.geometry`.
"""
from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd
import shapely

from geo.catalog.geometry import bbox_boxes, frame_bbox, lonlat_ok, rounded, simplified, zoom_tolerance
from geo.catalog.params import Interval, parse_interval, parse_list
from geo.errors import InputError, NotFound

__all__ = [  # its own names, and (for callers of old) the parsers and frame_bbox that moved out
    "CRS84", "MAX_PAGE_VERTICES", "Collection", "CollectionInfo", "FrameCollection", "Page", "Query",
    "check_properties", "check_queryable", "finite", "within_budget", "frame_bbox", "parse_interval", "parse_list",
]

MAX_PAGE_VERTICES = 250_000      # a page ends early past this many vertices (about 6 MB of GeoJSON)
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


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


# -- property values ------------------------------------------------------------------------------

def finite(value):
    """A property value JSON can hold: NaN and infinities become None (JSON has no such numbers)."""
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


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


