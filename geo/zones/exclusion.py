"""Exclusion zones for drawing and export: the sites of each category buffered by the regency's
distance, dissolved, clipped to the regency.

These polygons are for maps and for handing to the parties before a campaign. They are NOT used
to decide verdicts: a buffer is a 32-gon that misses points near its edge; the engine decides
by exact distance (see :mod:`geo.engine.engine`). Buffers are made in the regency's UTM zone with the
radius scaled by the UTM point scale factor, so an edge lies within a few centimetres of the
true distance, then reprojected to WGS 84.
"""
from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.catalog.params import parse_list
from geo.crs import Projector, utm_scale
from geo.errors import InputError, NotFound
from geo.rules.model import CATEGORIES

if TYPE_CHECKING:
    from geo.engine.engine import Engine

QUAD_SEGS = 8            # 8 segments per quarter circle: a 32-gon
COLUMNS = ["regency_code", "kind", "category", "label", "label_en", "buffer_m", "legal_basis", "sites"]
_DEG_M = 110_000.0       # fewer metres than a degree of latitude or longitude anywhere in Indonesia


class RegencyFrame:
    """One regency in its UTM zone: projection both ways, its polygon, the scale factor."""

    def __init__(self, engine: Engine, code: str, projector: Projector | None = None):
        index = engine.regency_index(code)
        if index is None:
            raise NotFound(f"regency {code} is not loaded; use a Kemendagri code like 32.12",
                           message_id="regency.not_loaded", message_values={"code": str(code)[:40]},
                           parameter="regency")
        self.code, self.index = code, index
        self.name = str(engine.regency_names[index])
        self.epsg = int(engine.layers.regencies["epsg"].iloc[index])
        self.geometry = engine.layers.regencies.geometry.iloc[index]
        projector = projector or Projector()
        self._fwd, self._inv = projector.forward(self.epsg), projector.inverse(self.epsg)
        self.metric = self.forward(self.geometry)
        centre = self.metric.centroid
        self.k = float(utm_scale(centre.x, self.geometry.centroid.y))

    def forward(self, geoms):
        """``geoms`` from lon/lat into the regency's UTM zone (metres)."""
        return shapely.transform(geoms, lambda xy: np.column_stack(self._fwd.transform(xy[:, 0], xy[:, 1])))

    def inverse(self, geoms):
        """``geoms`` from the regency's UTM zone back to lon/lat."""
        return shapely.transform(geoms, lambda xy: np.column_stack(self._inv.transform(xy[:, 0], xy[:, 1])))


def nearby_sites(engine: Engine, frame: RegencyFrame, reach_m: float) -> np.ndarray:
    """Indices of the sites within ``reach_m`` metres of the regency (a site across the border
    still counts)."""
    sites = engine.layers.site_features
    if not len(sites):
        return np.empty(0, dtype="int64")
    west, south, east, north = frame.geometry.bounds
    pad = reach_m / (_DEG_M * max(np.cos(np.radians(max(abs(south), abs(north)))), 0.1)) + 1e-4
    bounds = sites.bounds
    near = np.flatnonzero((bounds[:, 2] >= west - pad) & (bounds[:, 0] <= east + pad)
                          & (bounds[:, 3] >= south - pad) & (bounds[:, 1] <= north + pad))
    if not len(near):
        return near
    projected = frame.forward(sites.take(near).geometry)
    return near[shapely.dwithin(frame.metric, projected, reach_m * frame.k)]


def exclusion_zones(engine: Engine, code: str, categories=None, *, clip: bool = True,
                    quad_segs: int = QUAD_SEGS) -> gpd.GeoDataFrame:
    """One dissolved (multi)polygon per category: where in regency ``code`` no prop may stand.

    Columns: regency_code, kind ("exclusion", or "allowed" for designated zones), category,
    label, label_en, buffer_m, legal_basis, sites (how many sites make the zone), geometry.
    """
    frame = RegencyFrame(engine, code)
    wanted = _categories(categories)
    buffers = engine.buffers[frame.index]
    reach = max((buffers[CATEGORIES.index(c)] for c in wanted), default=0.0)
    near = nearby_sites(engine, frame, reach)
    site_category = engine.site_category[near]
    site_geoms = frame.forward(engine.layers.site_features.take(near).geometry) if len(near) else np.empty(0, object)
    rows = []
    for category in wanted:
        c = CATEGORIES.index(category)
        metres = float(buffers[c])
        geoms = site_geoms[site_category == c]
        if len(geoms):
            geoms = geoms[shapely.dwithin(frame.metric, geoms, metres * frame.k)]
        if not len(geoms):
            continue
        zone = shapely.union_all(shapely.buffer(geoms, metres * frame.k, quad_segs=quad_segs))
        if clip:
            zone = shapely.intersection(zone, frame.metric)
        zone = _polygonal(zone)
        if zone is None:
            continue
        rule = engine.rules.category(category)
        rows.append({"regency_code": code, "kind": "exclusion", "category": category, "label": rule.label,
                     "label_en": rule.label_en, "buffer_m": metres, "legal_basis": rule.legal_basis,
                     "sites": len(geoms), "geometry": frame.inverse(zone)})
    rows.extend(allowed_zone_rows(engine, frame, quad_segs))
    return _frame(rows)


def allowed_zone_rows(engine: Engine, frame: RegencyFrame, quad_segs: int = QUAD_SEGS) -> list[dict]:
    """The designated zones of an allowed-zones regency as one dissolved row (none otherwise)."""
    allowed = getattr(engine.layers, "allowed", None)
    zones = allowed.get(frame.code) if allowed else None
    if zones is None or not len(zones.frame):
        return []
    geoms = frame.forward(zones.frame.geometry.to_numpy())
    radius = zones.frame["radius_m"].to_numpy(dtype="float64") * frame.k
    shapes = np.where(radius > 0, shapely.buffer(geoms, np.maximum(radius, 1e-9), quad_segs=quad_segs), geoms)
    zone = _polygonal(shapely.union_all(shapes))
    if zone is None:
        return []
    return [{"regency_code": frame.code, "kind": "allowed", "category": "allowed_zone", "label": zones.label,
             "label_en": zones.label_en, "buffer_m": float(np.max(zones.frame["radius_m"])),
             "legal_basis": zones.legal_basis, "sites": len(geoms), "geometry": frame.inverse(zone)}]


def check_categories(categories) -> list[str]:
    """The categories asked for (a comma-separated text or a list; all when none), in rule order;
    an unknown one is an :class:`InputError`."""
    return _categories(categories)


def select(zones: gpd.GeoDataFrame, categories=None, bbox=None) -> gpd.GeoDataFrame:
    """Only some categories, and only the part inside a lon/lat bbox."""
    if categories:
        wanted = set(_categories(categories)) | {"allowed_zone"}
        zones = zones[zones["category"].isin(wanted)]
    if bbox is not None:
        clipped = shapely.clip_by_rect(zones.geometry.to_numpy(), *bbox)
        zones = zones.set_geometry(gpd.GeoSeries(clipped, index=zones.index, crs=4326))
        zones = zones[~zones.geometry.is_empty]
    return zones.reset_index(drop=True)


def regencies_in_bbox(engine: Engine, bbox) -> list[str]:
    """Codes of the regencies whose polygon touches a lon/lat bbox."""
    geoms = engine.layers.regencies.geometry.to_numpy()
    touching = shapely.intersects(geoms, shapely.box(*bbox))
    return [str(c) for c in engine.regency_codes[touching]]


class ExclusionZoneCache:
    """Zones per regency for one engine, made on first request and kept (for the web app's
    services; never module-global)."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._zones: dict[str, gpd.GeoDataFrame] = {}
        self._lock = threading.Lock()

    def get(self, code: str) -> gpd.GeoDataFrame:
        """The exclusion zones of regency ``code``, made on first request and kept."""
        zones = self._zones.get(code)
        if zones is None:
            with self._lock:
                zones = self._zones.get(code)
                if zones is None:
                    zones = self._zones[code] = exclusion_zones(self.engine, code)
        return zones

    def __len__(self) -> int:
        return len(self._zones)

    def __contains__(self, code: str) -> bool:
        """Are the zones of ``code`` made already?"""
        return code in self._zones


def _categories(categories) -> list[str]:
    wanted = parse_list(categories, "category")
    if not wanted:
        return list(CATEGORIES)
    unknown = [c for c in wanted if c not in CATEGORIES]
    if unknown:
        raise InputError(f"unknown category {unknown[0]!r}; known: {', '.join(CATEGORIES)}",
                         message_id="category.unknown",
                         message_values={"name": str(unknown[0])[:80], "known": ", ".join(CATEGORIES)},
                         parameter="category")
    return [c for c in CATEGORIES if c in wanted]


def _polygonal(geom):
    """Only the areal parts (clipping can leave slivers of lines or points); None if nothing."""
    if geom is None or geom.is_empty:
        return None
    if shapely.get_type_id(geom) == 7:
        parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in (3, 6)]
        geom = shapely.union_all(parts) if parts else None
    return None if geom is None or geom.is_empty or shapely.get_dimensions(geom) < 2 else geom


def _frame(rows: list[dict]) -> gpd.GeoDataFrame:
    if not rows:
        return gpd.GeoDataFrame({c: pd.Series(dtype=object) for c in COLUMNS},
                                geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    return gpd.GeoDataFrame(pd.DataFrame(rows)[COLUMNS + ["geometry"]], geometry="geometry", crs=4326)
