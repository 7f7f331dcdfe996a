"""Coverage for display: per regency, how much of its required set of categories the layers
declare complete (``coverage.toml``, :mod:`geo.layers.coverage_file`), for the map, the dashboard and OGC.

Per regency and category the status is ``complete`` (declared whole), ``partial`` (a declared
polygon overlaps it) or ``none``; its *share* is 1, the part of the regency's area the polygons
cover, or 0. ``required_complete_fraction`` is the mean share over the regency's required
categories (:meth:`geo.rules.model.Rules.required_categories`), so a partial category counts for
the part it covers. The regency's ``level`` is ``complete`` (fraction 1), ``none`` (0) or
``partial``. Shares are area ratios in lon/lat degrees within one regency: for drawing and
tables only; verdicts decide completeness exactly (:meth:`Coverage.complete_at`).
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely

from geo.catalog.features import CollectionInfo, FrameCollection
from geo.catalog.geometry import bbox_boxes, frame_bbox, lonlat_ok, rounded, simplified, zoom_tolerance
from geo.catalog.stats import regency_category_counts
from geo.errors import InputError
from geo.rules.model import CATEGORIES

LEVELS = ("complete", "partial", "none")
# The properties of a regency's feature (RegencyCoverage.properties), in order.
REGENCY_PROPERTIES = ("kind", "code", "name", "province", "sites", "site_categories", "required", "status",
                      "advisory", "required_complete_fraction", "level", "sources")


@dataclass(frozen=True)
class RegencyCoverage:
    """The coverage of one regency: status and share per category, its required categories, the
    resulting fraction and level, its sites and the declarations (sources) that touch it."""

    code: str
    name: str
    province: str
    sites: int
    site_categories: dict[str, int]
    required: tuple[str, ...]
    status: dict[str, str]           # every category -> complete | partial | none
    share: dict[str, float]          # every category -> 0..1 of the regency declared complete
    sources: tuple[dict, ...]        # {"categories", "source", "as_of"} of the entries touching it

    @property
    def fraction(self) -> float:
        """The mean share of the required categories (1 when none is required: nothing is missing)."""
        if not self.required:
            return 1.0
        return round(sum(self.share[c] for c in self.required) / len(self.required), 4)

    @property
    def level(self) -> str:
        """``complete`` (every required category complete), ``none`` (none of them anywhere) or ``partial``."""
        fraction = self.fraction
        return "complete" if fraction >= 1 else "none" if fraction <= 0 else "partial"

    @property
    def has_data(self) -> bool:
        """Whether the regency holds any site or any declaration."""
        return self.sites > 0 or any(s != "none" for s in self.status.values())

    def properties(self) -> dict:
        """JSON-ready properties (nested: status per required category, sources as objects)."""
        return {"kind": "regency", "code": self.code, "name": self.name, "province": self.province,
                "sites": self.sites, "site_categories": dict(self.site_categories),
                "required": list(self.required), "status": {c: self.status[c] for c in self.required},
                "advisory": {c: self.status[c] for c in CATEGORIES if c not in self.required},
                "required_complete_fraction": self.fraction, "level": self.level,
                "sources": [dict(s) for s in self.sources]}

    def flat_properties(self) -> dict:
        """Flat properties for OGC clients (QGIS, GDAL): one column per category, lists as text."""
        return {"name": self.name, "province": self.province, "sites": self.sites,
                "required": ",".join(self.required), **{c: self.status[c] for c in CATEGORIES},
                "required_complete_fraction": self.fraction, "level": self.level,
                "sources": "; ".join(_source_text(s) for s in self.sources)}


def _source_text(source: dict) -> str:
    return f"{source['source']} ({source['as_of']})" if source.get("as_of") else source["source"]


@dataclass(eq=False)
class CoverageView:
    """The coverage of every regency of a layers directory, with their geometries and the declared
    polygons, for drawing (:meth:`features`), tables (:meth:`table`) and OGC (:func:`coverage_collection`)."""

    rows: list[RegencyCoverage]
    geometry: np.ndarray = field(repr=False)            # the regencies (EPSG:4326), in row order
    areas: list[dict] = field(repr=False)                # the declared polygons: properties and geometry
    _tree: shapely.STRtree = field(init=False, repr=False)
    _texts: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self):
        self._ok = lonlat_ok(self.geometry)
        self._tree = shapely.STRtree(np.where(self._ok, self.geometry, None))

    def select(self, bbox=None) -> np.ndarray:
        """Row indices of the regencies a lon/lat bbox touches (all without one)."""
        if bbox is None:
            return np.flatnonzero(self._ok)
        hit = np.zeros(len(self.rows), dtype=bool)
        for box in bbox_boxes(bbox):
            hit[self._tree.query(box, predicate="intersects")] = True
        return np.flatnonzero(hit)

    def geometry_texts(self, zoom: int | None) -> tuple[np.ndarray, np.ndarray]:
        """GeoJSON texts of the regencies simplified for ``zoom`` (full detail above 12 or without
        one) and their vertex counts, made once per zoom level and kept."""
        tolerance = zoom_tolerance(zoom)
        key = None if tolerance is None else int(zoom)  # type: ignore[arg-type]
        with self._lock:
            found = self._texts.get(key)
            if found is None:
                geoms = self.geometry[self._ok]
                geoms = rounded(geoms) if tolerance is None else simplified(geoms, tolerance)
                texts = np.full(len(self.rows), "null", dtype=object)
                vertices = np.zeros(len(self.rows), dtype="int64")
                if len(geoms):
                    texts[self._ok] = shapely.to_geojson(geoms)
                    vertices[self._ok] = shapely.get_num_coordinates(geoms)
                found = self._texts[key] = (texts, vertices)
        return found

    def _areas_in(self, bbox) -> list[dict]:
        boxes = bbox_boxes(bbox) if bbox is not None else None
        return [a for a in self.areas if boxes is None or any(shapely.intersects(a["geometry"], b) for b in boxes)]

    def _area_geometry(self, area: dict, zoom: int | None) -> tuple[str, int]:
        """An area's GeoJSON text simplified for ``zoom`` (kept per zoom) and its vertex count."""
        tolerance = zoom_tolerance(zoom)
        key = ("area", area["id"], None if tolerance is None else int(zoom))  # type: ignore[arg-type]
        with self._lock:
            found = self._texts.get(key)
            if found is None:
                geom = np.array([area["geometry"]], dtype=object)
                geom = rounded(geom) if tolerance is None else simplified(geom, tolerance)
                found = self._texts[key] = (str(shapely.to_geojson(geom[0])), int(shapely.get_num_coordinates(geom[0])))
        return found

    def area_features(self, bbox=None, zoom: int | None = None) -> tuple[list[dict], int]:
        """The declared polygons (one feature per ``[[complete]]`` entry with an area) a bbox touches,
        simplified for ``zoom``, and their vertex count."""
        out, count = [], 0
        for area in self._areas_in(bbox):
            text, vertices = self._area_geometry(area, zoom)
            out.append({"type": "Feature", "id": area["id"], "geometry": json.loads(text),
                        "properties": dict(area["properties"])})
            count += vertices
        return out, count

    def features(self, bbox=None, zoom: int | None = None,
                 properties: Sequence[str] | None = None) -> tuple[list[dict], int]:
        """The regencies a bbox touches, then the declared polygons, as GeoJSON features, and their
        vertex count (to refuse an answer too large before writing it). ``properties`` names the
        regencies' properties to keep (``kind`` always is); :class:`InputError` for unknown ones."""
        if properties is not None:
            unknown = [p for p in properties if p not in REGENCY_PROPERTIES]
            if unknown:
                raise InputError(f"coverage has no property {unknown[0]!r}; it has {', '.join(REGENCY_PROPERTIES)}",
                                 message_id="coverage.unknown_property",
                                 message_values={"name": unknown[0], "known": ", ".join(REGENCY_PROPERTIES)},
                                 parameter="properties")
        keep = None if properties is None else {"kind", *properties}
        texts, vertices = self.geometry_texts(zoom)
        chosen = self.select(bbox)
        regencies = []
        for i in chosen:
            props = self.rows[i].properties()
            if keep is not None:
                props = {k: v for k, v in props.items() if k in keep}
            regencies.append({"type": "Feature", "id": self.rows[i].code, "geometry": json.loads(texts[i]),
                              "properties": props})
        areas, area_vertices = self.area_features(bbox, zoom)
        return regencies + areas, int(vertices[chosen].sum()) + area_vertices

    def table(self) -> dict:
        """For the dashboard: the regencies with any site or declaration (most data first), the
        number without any, and totals per level."""
        listed = [r for r in self.rows if r.has_data]
        listed.sort(key=lambda r: (-r.fraction, -r.sites, r.code))
        levels = Counter(r.level for r in self.rows)
        return {"regencies": [r.properties() for r in listed],
                "total": len(self.rows), "listed": len(listed), "without_data": len(self.rows) - len(listed),
                "levels": {level: levels.get(level, 0) for level in LEVELS},
                "required": sorted({c for r in listed for c in r.required}, key=CATEGORIES.index),
                "sources": [dict(a) for a in _declared(self)]}


def _declared(view: CoverageView) -> list[dict]:
    seen: dict[tuple, dict] = {}
    for row in view.rows:
        for s in row.sources:
            seen.setdefault((tuple(s["categories"]), s["source"], s["as_of"]), s)
    return list(seen.values())


def coverage_view(layers) -> CoverageView:
    """The coverage of every regency of ``layers`` (a :class:`geo.layers.directory.Layers`)."""
    coverage = layers.coverage
    regencies = layers.regencies
    codes = regencies["code"].astype(str).tolist()
    geoms = regencies.geometry.to_numpy()
    order = {code: i for i, code in enumerate(codes)}
    status = {c: coverage.regency_status(c) if coverage is not None else {} for c in CATEGORIES}
    share = {c: _shares(coverage, c, geoms, status[c], codes) for c in CATEGORIES}
    touched = _sources_by_regency(coverage, geoms, codes, order)
    per_regency = regency_category_counts(layers)
    rules = layers.rules
    rows = []
    for i, code in enumerate(codes):
        counts = per_regency.get(code, Counter())
        rows.append(RegencyCoverage(
            code=code, name=str(regencies["name"].iloc[i]), province=str(regencies["province"].iloc[i])
            if "province" in regencies.columns else "", sites=int(sum(counts.values())),
            site_categories=dict(sorted(counts.items(), key=lambda kv: CATEGORIES.index(kv[0])
                                        if kv[0] in CATEGORIES else len(CATEGORIES))),
            required=rules.required_categories(code),
            status={c: status[c].get(code, "none") for c in CATEGORIES},
            share={c: share[c][i] for c in CATEGORIES},
            sources=tuple(touched[i])))
    return CoverageView(rows=rows, geometry=geoms, areas=_areas(coverage))


def _shares(coverage, category: str, geoms: np.ndarray, status: dict, codes: list[str]) -> list[float]:
    """Per regency, the part of it declared complete for ``category`` (1, 0, or an area ratio)."""
    out = [1.0 if status.get(code) == "complete" else 0.0 for code in codes]
    partial = [i for i, code in enumerate(codes) if status.get(code) == "partial"]
    if partial:
        union = shapely.union_all(coverage.area_geometry(category))
        for i in partial:
            whole = shapely.area(geoms[i])
            inside = shapely.area(shapely.intersection(geoms[i], union))
            # partial means some but not all: keep it strictly between 0 and 1 when rounded
            out[i] = min(0.9999, max(0.0001, round(float(inside / whole), 4))) if whole > 0 else 0.0
    return out


def _sources_by_regency(coverage, geoms, codes, order) -> list[list[dict]]:
    touched: list[list[dict]] = [[] for _ in codes]
    if coverage is None:
        return touched
    tree = shapely.STRtree(geoms)
    for source in coverage.sources:
        described = {"categories": list(source.categories), "source": source.source,
                     "as_of": source.as_of.isoformat() if source.as_of else None}
        hit = {order[c] for c in source.regencies if c in order}
        if len(source.area_geometry):
            area = shapely.union_all(source.area_geometry)
            for i in tree.query(area, predicate="intersects"):
                if shapely.area(shapely.intersection(geoms[i], area)) > 0:
                    hit.add(int(i))
        for i in sorted(hit):
            touched[i].append(described)
    return touched


def _areas(coverage) -> list[dict]:
    out: list[dict] = []
    if coverage is None:
        return out
    for index, source in enumerate(coverage.sources):
        if not len(source.area_geometry):
            continue
        geometry = shapely.union_all(source.area_geometry)
        out.append({"id": f"area-{index}", "geometry": geometry,
                    "properties": {"kind": "area", "area": source.area, "categories": list(source.categories),
                                   "source": source.source,
                                   "as_of": source.as_of.isoformat() if source.as_of else None}})
    return out


COVERAGE_PROPERTIES = {
    "name": "string", "province": "string", "sites": "integer", "required": "string",
    **{c: "string" for c in CATEGORIES},
    "required_complete_fraction": "number", "level": "string", "sources": "string",
}


def coverage_collection(view: CoverageView) -> FrameCollection:
    """The regencies' coverage as an OGC collection: one feature per regency (id: Kemendagri code),
    a property per category (complete/partial/none), the required ones, fraction, level and sources."""
    frame = gpd.GeoDataFrame(
        [{"code": r.code, **r.flat_properties()} for r in view.rows], geometry=list(view.geometry), crs=4326)
    info = CollectionInfo(
        id="coverage", title="Data coverage per regency",
        description="Where the layers declare every site of a category (coverage.toml): per regency and "
                    "category complete, partial (a declared polygon covers part of it) or none; required "
                    "lists the categories its rules require; required_complete_fraction is the mean "
                    "declared share of them (a partial one counts for the part it covers); level is "
                    "complete, partial or none. Where a required category is not complete, a spot cannot "
                    "be confirmed as allowed. ?zoom=0..12 simplifies the geometries for a web map.",
        geometry="MultiPolygon", properties=COVERAGE_PROPERTIES, queryables=("level",), bbox=frame_bbox(frame))
    return FrameCollection(info, frame, "code", list(COVERAGE_PROPERTIES), simplify=True)
