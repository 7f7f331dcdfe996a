"""Coverage: where a layers directory declares its data complete, and the exact query behind a
verdict's "complete here" (the file, ``coverage.toml``, is read by :mod:`geo.layers.coverage_file`).

A verdict of "no forbidden site nearby" is only as true as the sites loaded. A category is complete
at a spot when the circle of ``radius_m`` around it lies inside the areas declared complete for it,
where the sea and land outside every regency count as complete (a site just across an undeclared
border could be in reach). Decided exactly in metres, in the UTM zone given per point (normally the
regency's): the circle is inside when the distance from the point to the *incomplete* area
(regencies not declared, minus declared polygons) is at least the radius.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely

from geo.crs import Projector, utm_epsg, utm_scale
from geo.rules.model import CATEGORIES

# Degrees per metre, generous: a degree of latitude is at least 110.5 km, of longitude at least
# 110.5 km * cos(latitude). Only to find candidate regencies; distances are measured in UTM.
_DEGREES_PER_METRE = 1 / 100_000


@dataclass(frozen=True)
class CoverageSource:
    """What one entry declares: its categories, regencies, area polygons (EPSG:4326), source and date."""

    categories: tuple[str, ...]
    regencies: tuple[str, ...]
    area: str | None
    area_geometry: np.ndarray = field(repr=False, compare=False)
    source: str
    as_of: dt.date | None

    def as_dict(self) -> dict:
        """The entry as JSON-ready values (no geometry)."""
        return {"categories": list(self.categories), "regencies": list(self.regencies), "area": self.area,
                "source": self.source, "as_of": self.as_of.isoformat() if self.as_of else None}


@dataclass(frozen=True, eq=False)
class Coverage:
    """The complete areas of a layers directory, with the regencies they refer to."""

    sources: tuple[CoverageSource, ...]
    regency_codes: np.ndarray = field(repr=False)      # sorted like the layers' regencies
    regency_geometry: np.ndarray = field(repr=False)   # EPSG:4326
    path: Path | None = None
    files: tuple[Path, ...] = ()                       # coverage.toml and the area files, for the version
    _cache: dict = field(default_factory=dict, repr=False)

    @property
    def declared(self) -> bool:
        """Whether anything at all is declared complete."""
        return bool(self.sources)

    def sources_for(self, category: str) -> list[CoverageSource]:
        """The entries that declare ``category`` complete somewhere."""
        return [s for s in self.sources if category in s.categories]

    def complete_regencies(self, category: str) -> set[str]:
        """The regency codes declared complete for ``category`` as a whole."""
        return {code for s in self.sources_for(category) for code in s.regencies}

    def area_geometry(self, category: str) -> np.ndarray:
        """The declared polygons (EPSG:4326) of ``category``, as an array of geometries."""
        parts = [s.area_geometry for s in self.sources_for(category)]
        return np.concatenate(parts) if parts else np.empty(0, dtype=object)

    def complete_at(self, lons, lats, category: str, radius_m, epsg=None, regency=None) -> np.ndarray:
        """Whether ``category`` is complete within ``radius_m`` metres of each point (bool array).

        ``epsg`` gives each point's UTM zone (its regency's; default: the zone of the point).
        ``regency`` (optional) gives the index of the regency each point lies in (-1 for none):
        a point inside a regency where nothing of ``category`` is declared is incomplete without
        any geometry (it lies in the incomplete area itself), which keeps batches fast.
        """
        lons = np.atleast_1d(np.asarray(lons, dtype="float64"))
        lats = np.atleast_1d(np.asarray(lats, dtype="float64"))
        radius = np.broadcast_to(np.asarray(radius_m, dtype="float64"), lons.shape)
        zones = utm_epsg(lons, lats) if epsg is None else np.broadcast_to(np.asarray(epsg, dtype="int64"),
                                                                           lons.shape)
        if category not in CATEGORIES:
            raise ValueError(f"unknown category {category!r}")
        complete = np.ones(len(lons), dtype=bool)
        incomplete = self.incomplete_regencies(category)
        if len(lons) == 0 or len(incomplete) == 0:
            return complete
        if regency is not None:
            regency = np.asarray(regency)
            inside_undeclared = (regency >= 0) & ~self.declared_regencies(category)[np.maximum(regency, 0)]
            complete[inside_undeclared] = False
            rest = np.flatnonzero(~inside_undeclared)
            if len(rest) < len(lons):
                if len(rest):
                    complete[rest] = self.complete_at(lons[rest], lats[rest], category, radius[rest], zones[rest])
                return complete
        tree = self._tree(category, incomplete)
        margin_lat = radius * _DEGREES_PER_METRE + 1e-6
        margin_lon = margin_lat / np.maximum(np.cos(np.radians(np.abs(lats) + margin_lat)), 0.01)
        boxes = shapely.box(lons - margin_lon, lats - margin_lat, lons + margin_lon, lats + margin_lat)
        point_i, candidate_i = tree.query(boxes)  # by bounding box; the prepared shapes decide below
        projector = self._projector()
        for zone in np.unique(zones[point_i]) if len(point_i) else ():
            in_zone = zones[point_i] == zone
            points, candidates = point_i[in_zone], candidate_i[in_zone]
            x, y = projector.forward(int(zone)).transform(lons[points], lats[points])
            used, back = np.unique(candidates, return_inverse=True)
            shapes = np.array([self._incomplete_shape(category, int(incomplete[c]), int(zone))
                               for c in used], dtype=object)[back]
            needed = radius[points] * utm_scale(x, lats[points])   # true metres -> projected metres
            # complete when no incomplete land lies within the radius (at exactly the radius: not
            # complete); the shapes are prepared, so GEOS answers from an index of their edges
            # instead of measuring to every vertex of a regency
            ok = ~shapely.dwithin(shapes, shapely.points(x, y), needed)
            np.logical_and.at(complete, points, ok)
        return complete

    def warm(self, regency_epsg: np.ndarray, reach_m: float) -> None:
        """Build now, once, what checks near declared areas build on first use (a server does
        before its workers fork: each would otherwise pay tens of milliseconds in the middle of
        its first such requests): per category, the regencies' status and the index of the
        incomplete ones; the incomplete shapes within ``reach_m`` metres of each regency with
        something declared, in its UTM zone (``regency_epsg``), prepared and with their edges
        indexed; each declared area in the UTM zones of the regencies it overlaps."""
        geometry_bounds = shapely.bounds(self.regency_geometry)
        margin = reach_m * _DEGREES_PER_METRE * 2 + 1e-6   # degrees, generous at any latitude
        for category in CATEGORIES:
            declared = np.flatnonzero(self.declared_regencies(category))
            incomplete = self.incomplete_regencies(category)
            if not len(declared) or not len(incomplete):
                continue
            tree = self._tree(category, incomplete)
            for regency in declared:
                west, south, east, north = geometry_bounds[regency]
                zone = int(regency_epsg[regency])
                for candidate in tree.query(shapely.box(west - margin, south - margin, east + margin, north + margin)):
                    shape = self._incomplete_shape(category, int(incomplete[candidate]), zone)
                    shapely.dwithin(shape, shapely.points(0.0, 0.0), 1.0)   # builds GEOS's index of its edges
        for source in self.sources:
            if not len(source.area_geometry):
                continue
            west, south, east, north = shapely.total_bounds(source.area_geometry)
            over = ((geometry_bounds[:, 2] >= west) & (geometry_bounds[:, 0] <= east)
                    & (geometry_bounds[:, 3] >= south) & (geometry_bounds[:, 1] <= north))
            for zone in np.unique(regency_epsg[over]):
                shapely.distance(self._projected_area(source, int(zone)), shapely.points(0.0, 0.0))

    def signature(self, category: str) -> tuple[int, ...]:
        """Which entries declare ``category``: categories with the same signature are complete at
        the same spots (for the same distances)."""
        return tuple(i for i, s in enumerate(self.sources) if category in s.categories)

    def incomplete_regencies(self, category: str) -> np.ndarray:
        """Indices of the regencies not declared complete for ``category`` as a whole (kept: a
        check asks for every category, and a text ``isin`` over the regencies costs milliseconds)."""
        key = ("incomplete", category)
        if key not in self._cache:
            self._cache[key] = np.flatnonzero(~np.isin(self.regency_codes, sorted(self.complete_regencies(category))))
        return self._cache[key]

    def declared_regencies(self, category: str) -> np.ndarray:
        """Per regency (in the order of :attr:`regency_codes`): whether anything of ``category`` is
        declared complete there, as a whole or by a polygon overlapping it."""
        key = ("declared", category)
        if key not in self._cache:
            status = self.regency_status(category)
            self._cache[key] = np.array([status[str(c)] != "none" for c in self.regency_codes], dtype=bool)
        return self._cache[key]

    def sources_at(self, lon: float, lat: float, regency_code: str | None, categories, radius_m, epsg: int):
        """The entries that declare one of ``categories`` complete at a spot: its regency as a whole,
        or an area within ``radius_m`` (per category, metres) of the point."""
        out = []
        for source in self.sources:
            cats = [c for c in source.categories if c in categories]
            if not cats:
                continue
            near = regency_code in source.regencies
            if not near and len(source.area_geometry):
                forward = self._projector().forward(int(epsg))
                x, y = forward.transform([lon], [lat])
                area = self._projected_area(source, int(epsg))
                reach = max(float(radius_m[c]) for c in cats) * float(utm_scale(np.asarray(x), np.asarray([lat]))[0])
                near = shapely.distance(shapely.points(x[0], y[0]), area) <= reach
            if near:
                out.append(source)
        return out

    def _projected_area(self, source: CoverageSource, zone: int):
        key = ("area", id(source), zone)
        if key not in self._cache:
            forward = self._projector().forward(zone)
            self._cache[key] = shapely.transform(shapely.union_all(source.area_geometry), lambda xy: np.column_stack(
                forward.transform(xy[:, 0], xy[:, 1])))
        return self._cache[key]

    def regency_status(self, category: str) -> dict[str, str]:
        """Per regency code: ``complete`` (declared whole), ``partial`` (a declared polygon overlaps
        it) or ``none``."""
        whole = self.complete_regencies(category)
        areas = self.area_geometry(category)
        partial: set[str] = set()
        if len(areas):
            tree = shapely.STRtree(self.regency_geometry)
            _, hit = tree.query(areas, predicate="intersects")
            for i in np.unique(hit):
                overlap = shapely.area(shapely.intersection(self.regency_geometry[i], shapely.union_all(areas)))
                if overlap > 0:
                    partial.add(str(self.regency_codes[i]))
        return {str(code): "complete" if code in whole else "partial" if code in partial else "none"
                for code in self.regency_codes}

    def complete_geometry(self, source: CoverageSource):
        """The area (EPSG:4326) one entry declares complete: its regencies' polygons and its own."""
        mask = np.isin(self.regency_codes, list(source.regencies))
        return shapely.union_all(np.concatenate([self.regency_geometry[mask], source.area_geometry]))

    def _projector(self) -> Projector:
        if "projector" not in self._cache:
            self._cache["projector"] = Projector()
        return self._cache["projector"]

    def _tree(self, category: str, incomplete: np.ndarray) -> shapely.STRtree:
        key = ("tree", category)
        if key not in self._cache:
            self._cache[key] = shapely.STRtree(self.regency_geometry[incomplete])
        return self._cache[key]

    def _incomplete_shape(self, category: str, regency: int, zone: int):
        key = ("shape", category, regency, zone)
        if key not in self._cache:
            forward = self._projector().forward(zone)
            shape = shapely.transform(self.regency_geometry[regency], lambda xy: np.column_stack(
                forward.transform(xy[:, 0], xy[:, 1])))
            areas = self.area_geometry(category)
            if len(areas):
                projected = shapely.transform(shapely.union_all(areas), lambda xy: np.column_stack(
                    forward.transform(xy[:, 0], xy[:, 1])))
                shape = shapely.difference(shape, projected)
            shapely.prepare(shape)
            self._cache[key] = shape
        return self._cache[key]


def no_coverage(regency_codes: np.ndarray, regency_geometry: np.ndarray) -> Coverage:
    """Coverage that declares nothing complete (a layers directory without ``coverage.toml``)."""
    return Coverage(sources=(), regency_codes=regency_codes, regency_geometry=regency_geometry)
