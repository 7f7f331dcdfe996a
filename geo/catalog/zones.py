"""The ``zones`` collection: the dissolved exclusion zones of :mod:`geo.zones.exclusion`, one feature per
regency and category (id ``32.12-school``), for drawing. Verdicts never use them.

Zones are made per regency on first use (a union of buffers: slow), so a page is filled by
walking the candidate regencies in code order and stopping once the page is full; the total
(``numberMatched``) is given only when every candidate has been looked at. A page is bounded: it
ends early past :data:`~geo.catalog.features.MAX_PAGE_VERTICES` vertices, and one request makes the zones
of at most :data:`MAX_FRESH_REGENCIES` regencies (the ``next`` link carries on from there).
"""
from __future__ import annotations

import json

import numpy as np
import shapely

from geo.catalog.features import CollectionInfo, Page, Query, check_properties, finite, within_budget
from geo.catalog.geometry import bbox_boxes, lonlat_ok, rounded
from geo.catalog.params import parse_list
from geo.catalog.sites import features_bbox
from geo.errors import InputError, NotFound, TooLarge
from geo.rules.model import CATEGORIES

PROPERTIES = {"regency_code": "string", "kind": "string", "category": "string", "label": "string",
              "label_en": "string", "buffer_m": "number", "legal_basis": "string", "sites": "integer"}
QUERYABLES = ("regency_code", "category", "kind")
_DEG_M = 100_000.0   # metres per degree, rounded down: candidate padding only
_CELL_DEG = 0.05     # point sites are grouped in cells of this many degrees to find candidate regencies
MAX_FRESH_REGENCIES = 6   # regencies whose zones one request may make (about 0.2-0.6 s each)


class ZonesCollection:
    """Exclusion zones (each category's sites buffered, per regency) as an OGC collection."""
    def __init__(self, engine, cache):
        self.engine = engine
        self.cache = cache          # a geo.zones.exclusion.ExclusionZoneCache (shared with /api/zones.geojson)
        self._candidates = None
        self.info = CollectionInfo(
            id="zones", title="Exclusion zones",
            description="Where no campaign prop may stand: the sites of each category buffered by the "
                        "regency's distance (in its UTM zone), dissolved and clipped to the regency; "
                        "kind=allowed for designated zones. For drawing only: verdicts come from the exact "
                        "distance (/api/check). Made per regency on first use: ask with a bbox or "
                        "regency_code.",
            geometry="Polygon, MultiPolygon", properties=PROPERTIES, queryables=QUERYABLES,
            bbox=features_bbox(engine.layers.site_features))

    def candidates(self) -> list[str]:
        """Codes of the regencies that may have zones: those within reach of some site (or with
        designated zones), in code order."""
        if self._candidates is None:
            regencies = self.engine.layers.regencies
            bounds = self.engine.layers.site_features.bounds
            bounds = bounds[np.isfinite(bounds).all(axis=1) & (np.abs(bounds[:, [0, 2]]) <= 180).all(axis=1)
                            & (np.abs(bounds[:, [1, 3]]) <= 90).all(axis=1)]
            pad = float(self.engine.buffers.max(initial=0.0)) / _DEG_M + 1e-3
            # a national layer's millions of points: one box per occupied cell of _CELL_DEG degrees
            point = (bounds[:, 0] == bounds[:, 2]) & (bounds[:, 1] == bounds[:, 3])
            cells = np.unique(np.floor(bounds[point][:, :2] / _CELL_DEG), axis=0) * _CELL_DEG
            bounds = np.concatenate([bounds[~point], np.column_stack([cells, cells + _CELL_DEG])])
            boxes = shapely.box(bounds[:, 0] - pad, bounds[:, 1] - pad, bounds[:, 2] + pad, bounds[:, 3] + pad)
            tree = shapely.STRtree(regencies.geometry.to_numpy())
            _, hit = tree.query(boxes, predicate="intersects")
            codes = set(self.engine.regency_codes[np.unique(hit)].tolist())
            codes |= set(getattr(self.engine.layers, "allowed", None) or {})
            self._candidates = sorted(str(c) for c in codes)
        return self._candidates

    def _regencies(self, query: Query) -> list[str]:
        codes = self.candidates()
        wanted = query.filters.get("regency_code")
        if wanted:
            asked = parse_list(wanted, "regency_code")
            unknown = [c for c in asked if self.engine.regency_index(c) is None]
            if unknown:
                raise InputError(f"regency_code {unknown[0]!r} is not loaded; use a Kemendagri code like 32.12",
                                 message_id="regency.not_loaded", message_values={"code": unknown[0]},
                                 parameter="regency_code")
            codes = [c for c in codes if c in set(asked)]
        if query.bbox is not None:
            geoms = self.engine.layers.regencies.geometry.to_numpy()
            touching = np.zeros(len(geoms), dtype=bool)
            for box in bbox_boxes(query.bbox):
                touching |= shapely.intersects(geoms, box)
            near = set(self.engine.regency_codes[touching].tolist())
            codes = [c for c in codes if c in near]
        return codes

    def _features(self, code: str, query: Query | None) -> list[tuple[dict, int]]:
        """The features of one regency with their vertex counts."""
        zones = self.cache.get(code)
        if not len(zones):
            return []
        keep = lonlat_ok(zones.geometry.to_numpy())
        if query is not None:
            for name in ("category", "kind"):
                if query.filters.get(name):
                    keep &= zones[name].isin(parse_list(query.filters[name], name)).to_numpy()
            if query.bbox is not None:
                inside = np.zeros(len(zones), dtype=bool)
                for box in bbox_boxes(query.bbox):
                    inside |= shapely.intersects(zones.geometry.to_numpy(), box)
                keep &= inside
        rows = zones[keep]
        geoms = rounded(rows.geometry.to_numpy())
        out = []
        for (_, row), text, vertices in zip(rows.iterrows(), shapely.to_geojson(geoms),
                                            shapely.get_num_coordinates(geoms)):
            props = {k: finite(row[k]) for k in PROPERTIES}
            if query is not None and query.properties is not None:
                props = {k: props[k] for k in query.properties}
            out.append(({"type": "Feature", "id": f"{code}-{row['category']}", "geometry": json.loads(text),
                         "properties": props}, int(vertices)))
        return out

    def items(self, query: Query, fresh: int = MAX_FRESH_REGENCIES) -> Page:
        """One page, made by walking the candidate regencies; at most ``fresh`` of them may need
        their zones made (the page then ends early; 413 if it would be empty)."""
        check_properties(self.info, query.properties)
        for name in query.filters:
            if name not in QUERYABLES:
                raise InputError(f"zones cannot be filtered by {name!r}; use one of {', '.join(QUERYABLES)}",
                                 message_id="ogc.not_queryable",
                                 message_values={"collection": "zones", "name": name, "known": ", ".join(QUERYABLES)},
                                 parameter=name)
        unknown = [c for c in parse_list(query.filters.get("category"), "category")
                   if c not in (*CATEGORIES, "allowed_zone")]
        if unknown:
            raise InputError(f"unknown category {unknown[0]!r}; known: {', '.join(CATEGORIES)}",
                             message_id="category.unknown",
                             message_values={"name": unknown[0], "known": ", ".join(CATEGORIES)},
                             parameter="category")
        found: list[tuple[dict, int]] = []
        codes = self._regencies(query)
        start, end = query.offset, query.offset + query.limit
        for i, code in enumerate(codes):
            if code not in self.cache:
                if fresh <= 0:
                    return self._short_page(found[start:end])
                fresh -= 1
            found.extend(self._features(code, query))
            page = found[start:end]
            fits = within_budget([v for _, v in page])
            if fits < len(page) or (len(found) > end and i < len(codes) - 1):
                return Page([f for f, _ in page[:fits]], None, more=True)
        page = found[start:end]
        return Page([f for f, _ in page[:within_budget([v for _, v in page])]], len(found))

    def _short_page(self, page: list[tuple[dict, int]]) -> Page:
        if not page:
            raise TooLarge(f"this page lies past the zones of more than {MAX_FRESH_REGENCIES} regencies not "
                           "made yet: follow the next links from the first page, or narrow with bbox= or "
                           "regency_code=", message_id="zones.page_too_deep",
                           message_values={"limit": MAX_FRESH_REGENCIES}, parameter="offset")
        return Page([f for f, _ in page[:within_budget([v for _, v in page])]], None, more=True)

    def item(self, fid: str, private: bool = False) -> dict:
        """The zone ``fid`` (``<regency code>-<category>``) as a GeoJSON feature; :class:`NotFound` otherwise."""
        code, _, category = str(fid).partition("-")
        if self.engine.regency_index(code) is not None:
            for feature, _ in self._features(code, None):
                if feature["id"] == fid:
                    return feature
        raise NotFound(f"no feature {fid!r} in collection 'zones' (ids look like 32.12-school)",
                       message_id="zones.no_feature", message_values={"feature": str(fid)},
                       collection="zones", feature=str(fid))
