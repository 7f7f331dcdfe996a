"""The feature collections zonasi serves: sites, regencies, zones and coverage from the engine, reports
and violations from the report store. Built lazily, once per :class:`Collections` object.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from geo.catalog.features import Collection, CollectionInfo, FrameCollection
from geo.catalog.geometry import frame_bbox, geometry_types
from geo.catalog.sites import SiteCollection, features_bbox, features_geometry_types

# The order collections are listed in.
ORDER = ("violations", "reports", "sites", "zones", "regencies", "coverage")

SITE_PROPERTIES = {
    "name": "string", "category": "string", "category_label": "string", "buffer_m": "number",
    "legal_basis": "string", "regency_code": "string", "layer": "string", "source": "string",
    "source_id": "string", "source_category": "string", "note": "string",
}
REGENCY_PROPERTIES = {
    "name": "string", "name_short": "string", "regency_type": "string", "province": "string",
    "province_code": "string", "utm_epsg": "integer", "own_rules": "boolean",
}


def sites_collection(engine) -> SiteCollection:
    """The forbidden sites as an OGC collection, with each site's category label, buffer and
    regency (read from the layer's arrays: nothing is held per site, a national layer serves its
    first page at once)."""
    features = engine.layers.site_features
    rules = engine.rules

    def extra(table):
        categories = table.column("category").to_pylist()
        regency = (table.column("regency_code").cast("string").to_pylist() if "regency_code" in table.column_names
                   else [None] * len(categories))
        return {
            "category_label": [rules.category(c).label for c in categories],
            "buffer_m": [rules.buffer_m(r, c) for r, c in zip(regency, categories)],
            "legal_basis": [rules.category(c).legal_basis for c in categories],
        }

    info = CollectionInfo(
        id="sites", title="Forbidden sites",
        description="Schools, places of worship, health facilities, government offices, roads and other "
                    "places where campaign props may not stand, with the exclusion distance (buffer_m) "
                    "of the site's own regency. Points and lines (roads) in one collection: its geometry "
                    "says which types it holds.",
        geometry=features_geometry_types(features), properties=SITE_PROPERTIES,
        queryables=("category", "regency_code", "layer"), bbox=features_bbox(features))
    columns = ["name", "category", "category_label", "buffer_m", "legal_basis", "regency_code", "layer",
               "source", "source_id", "source_category", "note"]
    return SiteCollection(info, features, "site_id", columns, extra=extra)


def regencies_collection(engine) -> FrameCollection:
    """The regency boundaries as an OGC collection, with each one's UTM zone and whether it has its own rules."""
    regencies = engine.layers.regencies
    own = set(engine.rules.model.regencies)
    frame = regencies.assign(utm_epsg=regencies["epsg"].astype(int),
                             own_rules=[code in own for code in regencies["code"]])
    info = CollectionInfo(
        id="regencies", title="Regencies and cities",
        description="Kabupaten/kota boundaries (Kemendagri codes) with the UTM zone used for metric "
                    "checks. ?zoom=0..12 returns geometries simplified for a web map at that zoom.",
        geometry=geometry_types(regencies.geometry.to_numpy()), properties=REGENCY_PROPERTIES,
        queryables=("province_code", "regency_type"), bbox=frame_bbox(regencies))
    return FrameCollection(info, frame, "code", list(REGENCY_PROPERTIES), simplify=True)


def zones_collection(engine, zone_cache=None) -> Collection:
    """Exclusion zones for drawing (:mod:`geo.zones.exclusion`), sharing the app's zone cache if given."""
    from geo.catalog.zones import ZonesCollection
    from geo.zones.exclusion import ExclusionZoneCache

    return ZonesCollection(engine, zone_cache or ExclusionZoneCache(engine))


def coverage_collection(engine) -> Collection:
    """Per regency, which categories the layers declare complete (:mod:`geo.catalog.coverage`)."""
    from geo.catalog.coverage import coverage_collection as collection
    from geo.catalog.coverage import coverage_view

    return collection(coverage_view(engine.layers))


class Collections:
    """Every collection by id, each built on first use (the report store's are optional)."""

    def __init__(self, engine, store_collections: Callable[[], dict[str, Collection]] | None = None,
                 zone_cache=None):
        self.engine = engine
        self._builders: dict[str, Callable[[], Collection | None]] = {
            "sites": lambda: sites_collection(engine),
            "regencies": lambda: regencies_collection(engine),
            "zones": lambda: zones_collection(engine, zone_cache),
            "coverage": lambda: coverage_collection(engine),
        }
        self._store_collections = store_collections
        self._built: dict[str, Collection | None] = {}
        self._stored: dict[str, Collection] | None = None  # the store's collections, once asked for
        self._lock = threading.Lock()

    def _store(self) -> dict[str, Collection]:
        if self._store_collections is None:
            return {}
        if self._stored is None:
            self._stored = self._store_collections() or {}
        return self._stored

    def get(self, cid: str) -> Collection | None:
        """The collection ``cid`` (built on first request and kept), or None when there is none."""
        with self._lock:
            if cid in self._builders:
                if cid not in self._built:
                    self._built[cid] = self._builders[cid]()
                return self._built[cid]
            return self._store().get(cid)

    def ids(self) -> list[str]:
        """The ids of the collections that exist, in :data:`ORDER`."""
        return [cid for cid in ORDER if self.get(cid) is not None]

    def __iter__(self) -> Iterator[Collection]:
        for cid in self.ids():
            collection = self.get(cid)
            if collection is not None:  # ids() lists only those that exist
                yield collection
