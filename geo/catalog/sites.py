"""The forbidden sites as a feature collection that scales to a national layer.

A :class:`~geo.catalog.features.FrameCollection` keeps a record and a GeoJSON text per feature,
made on first use: fine for 514 regencies, 15 s and gigabytes for two million sites, and again in
each of a server's workers. This collection keeps nothing per site. It selects on the layer's own
arrays (bounds, Arrow columns, memory-mapped from the layers cache) and makes the records and the
GeoJSON of one page only.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo.catalog.features import CollectionInfo, Page, Query, check_properties, check_queryable, finite
from geo.catalog.geometry import DECIMALS, bbox_boxes
from geo.catalog.params import parse_list
from geo.errors import NotFound
from geo.layers.vector import Features


class SiteCollection:
    """A static collection read straight from a :class:`~geo.layers.vector.Features`: its ids
    column, the attribute ``columns`` it has, and ``extra`` columns computed per page from the
    page's table (for instance the rule that applies to each site)."""

    def __init__(self, info: CollectionInfo, features: Features, id_column: str, columns: Sequence[str],
                 extra: Callable[[pa.Table], Mapping[str, Sequence]] | None = None):
        self.info = info
        self._features = features
        self._ids = features.table.column(id_column).cast(pa.string())
        self._columns = list(columns)
        self._extra = extra
        bounds = features.bounds
        self._bounds = bounds
        self._ok = (np.isfinite(bounds).all(axis=1) & (bounds[:, 0] >= -180) & (bounds[:, 2] <= 180)
                    & (bounds[:, 1] >= -90) & (bounds[:, 3] <= 90))

    def __len__(self) -> int:
        return len(self._features)

    def select(self, query: Query) -> np.ndarray:
        """Indices (in layer order) of the features the query matches."""
        mask = self._ok.copy()
        if query.bbox is not None:
            inside = np.zeros(len(self), dtype=bool)
            west, south, east, north = (self._bounds[:, k] for k in range(4))
            for box in bbox_boxes(query.bbox):
                w, s, e, n = shapely.bounds(box)
                inside |= (east >= w) & (west <= e) & (north >= s) & (south <= n)
            candidates = np.flatnonzero(mask & inside)
            other = candidates[~self._features.is_point[candidates]]
            if len(other):  # a line's bounds may meet the box while the line does not
                meets = np.zeros(len(other), dtype=bool)
                for box in bbox_boxes(query.bbox):
                    meets |= shapely.intersects(self._features.shapes[other], box)
                inside[other[~meets]] = False
            mask &= inside
        table = self._features.table
        for name, wanted in query.filters.items():
            check_queryable(self.info, name)
            values = pa.array(sorted(set(parse_list(wanted, name))), pa.string())
            if name not in table.column_names:  # a column the layers lack matches nothing
                return np.empty(0, dtype="int64")
            matches = pc.is_in(table.column(name).cast(pa.string()), value_set=values)
            mask &= pc.fill_null(matches, False).to_numpy(zero_copy_only=False)
        return np.flatnonzero(mask)

    def items(self, query: Query) -> Page:
        """One page of the features the query matches, with how many match in all."""
        check_properties(self.info, query.properties)
        selected = self.select(query)
        page = selected[query.offset:query.offset + query.limit]
        return Page(self._features_at(page, query.properties), len(selected))

    def item(self, fid: str, private: bool = False) -> dict:
        """The feature ``fid`` as a GeoJSON dict; :class:`NotFound` when there is none."""
        at = pc.index(self._ids, str(fid)).as_py()
        if at < 0:
            raise NotFound(f"no feature {fid!r} in collection {self.info.id!r}", message_id="ogc.no_feature",
                           message_values={"feature": str(fid), "collection": self.info.id},
                           collection=self.info.id, feature=str(fid))
        return self._features_at(np.array([at]), None)[0]

    def _features_at(self, index: np.ndarray, properties: tuple[str, ...] | None) -> list[dict]:
        taken = self._features.take(index)
        table = taken.table
        columns = {c: table.column(c).to_pylist() for c in self._columns if c in table.column_names}
        if self._extra is not None and len(index):
            columns.update({k: list(v) for k, v in self._extra(table).items()})
        names = [c for c in self._columns if c in columns]
        if properties is not None:
            names = [c for c in names if c in properties]
        geoms = shapely.transform(taken.geometry, lambda xy: np.round(xy, DECIMALS)) if len(index) else []
        texts = shapely.to_geojson(geoms) if len(index) else []
        ids = self._ids.take(pa.array(index, pa.int64())).to_pylist()
        return [{"type": "Feature", "id": ids[k], "geometry": json.loads(texts[k]),
                 "properties": {c: finite(columns[c][k]) for c in names}} for k in range(len(index))]


def features_bbox(features: Features) -> tuple[float, float, float, float] | None:
    """The extent of the features in lon/lat range (others are left out); None if none."""
    bounds = features.bounds
    ok = np.isfinite(bounds).all(axis=1) & (np.abs(bounds[:, [0, 2]]) <= 180).all(axis=1) \
        & (np.abs(bounds[:, [1, 3]]) <= 90).all(axis=1)
    if not ok.any():
        return None
    b = bounds[ok]
    return (round(float(b[:, 0].min()), DECIMALS), round(float(b[:, 1].min()), DECIMALS),
            round(float(b[:, 2].max()), DECIMALS), round(float(b[:, 3].max()), DECIMALS))


def features_geometry_types(features: Features) -> tuple[str, ...]:
    """The GeoJSON types the features hold (as :func:`~geo.catalog.geometry.geometry_types`),
    without a shapely object per point."""
    from geo.catalog.geometry import GEOJSON_TYPES, geometry_types

    found = set(geometry_types(features.shapes[~features.is_point]))
    if features.is_point.any():
        found.add("Point")
    return tuple(t for t in GEOJSON_TYPES if t in found)
