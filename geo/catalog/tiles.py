"""Mapbox Vector Tiles (TileMatrixSet WebMercatorQuad) of the served collections, built in memory.

One :class:`VectorTiles` object per engine (the web app keeps it; no module state) answers
``tile(collection, z, x, y)`` with MVT bytes (:mod:`mapbox_vector_tile` encodes them):

* ``sites``: at zoom <= :data:`DENSITY_MAX_ZOOM` (and wherever a tile would hold more than
  :data:`MAX_TILE_POINTS` sites) a layer ``sites_density`` of grid cells with a ``count`` each
  (the counts of a tile sum to its sites); from :data:`POINT_ZOOM` the layers ``sites`` (the point
  sites, with site_id, name, category), ``roads`` (the road sites that are lines), ``site_lines``
  (the other line sites) and ``site_areas`` (the polygon sites, roads' areas included): one
  geometry type per layer, as the tileset metadata says. Selection is a binary search on the
  x-sorted points and a mask on their y: a few ms for 2,000,000 sites.
* ``regencies`` and ``coverage``: polygons clipped to the tile (plus a margin) and simplified to
  half a screen pixel of the tile, so a zoom-5 tile of the whole country stays small.
* ``zones``: the exclusion zones of the regencies a tile touches (from zoom :data:`ZONES_MIN_ZOOM`;
  made per regency on first use by the shared zone cache).
* ``violations``: the store's violations in the tile (:func:`violations_tile`, never cached: the store
  changes), read through the store's own bbox query, so SQLite and PostGIS both serve it.

Built tiles are kept in a bounded LRU keyed by (collection, layers and rules version, z, x, y).
The tile matrix set itself (tiles, bounds, the JSON definition) is :mod:`geo.catalog.tilegrid`.
Tiles are for drawing only: verdicts never use these geometries.
"""
from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict

import mapbox_vector_tile
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo.catalog.features import Query
from geo.catalog.geometry import lonlat_ok
from geo.catalog.tilegrid import EXTENT, ORIGIN, Tile, mercator, to_mercator
from geo.errors import NotFound

MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
MARGIN = 64                          # tile units kept around a tile when clipping (no seams at edges)
DENSITY_MAX_ZOOM = 9                 # at this zoom and below, sites are counts on a grid
POINT_ZOOM = DENSITY_MAX_ZOOM + 1    # from here sites are points (unless a tile holds too many)
DENSITY_CELLS = 32                   # grid cells per tile side (8 px of a 256-px tile)
MAX_TILE_POINTS = 2000               # a tile with more sites than this still carries density
ZONES_MIN_ZOOM = 12                  # below: an empty zones tile (zones are made per regency)
MAX_ZONE_REGENCIES = 6               # regencies whose zones one tile may hold
MAX_TILE_VIOLATIONS = 5000
CACHE_TILES = 4096                   # built tiles kept (a tile is a few kB)
SIMPLIFY_PX = 0.5                    # polygon simplification, in screen pixels of a 256-px tile

# collection -> its layers: name, geometry type, attributes (for the tileset metadata)
TILED = {
    "sites": (("sites_density", "points", {"count": "integer"}),
              ("sites", "points", {"site_id": "string", "name": "string", "category": "string"}),
              ("roads", "lines", {"site_id": "string", "name": "string", "category": "string"}),
              ("site_lines", "lines", {"site_id": "string", "name": "string", "category": "string"}),
              ("site_areas", "polygons", {"site_id": "string", "name": "string", "category": "string"})),
    "regencies": (("regencies", "polygons", {"code": "string", "name": "string", "province": "string"}),),
    "zones": (("zones", "polygons", {"regency_code": "string", "category": "string", "kind": "string",
                                     "buffer_m": "number"}),),
    "violations": (("violations", "points", {"id": "string", "status": "string", "apk_type": "string",
                                             "participant": "string", "note": "string", "category": "string",
                                             "site_name": "string", "reported_at": "string"}),),
    "coverage": (("coverage", "polygons", {"code": "string", "name": "string", "level": "string",
                                           "required_complete_fraction": "number", "kind": "string"}),),
}


# -- encoding ---------------------------------------------------------------------------------------

def _tile_units(geoms: np.ndarray, tile: Tile) -> np.ndarray:
    """EPSG:3857 geometries in the tile's units: 0..4096, y down."""
    minx, _, _, maxy = tile.bounds
    scale = EXTENT / tile.size
    return shapely.transform(geoms, lambda xy: np.column_stack(((xy[:, 0] - minx) * scale,
                                                                (maxy - xy[:, 1]) * scale)))


def encode(layers: list[tuple[str, list[dict]]]) -> bytes:
    """MVT bytes of ``[(layer name, [{"geometry": shapely in tile units, "properties": {...}}])]``;
    a layer with no features is written too (an empty tile still names its layers)."""
    return mapbox_vector_tile.encode(  # the shapes are made ready (:func:`_ready`): no checks again here
        [{"name": name, "features": features} for name, features in layers],
        default_options={"y_coord_down": True, "extents": EXTENT, "check_winding_order": False})


def _ready(geoms: np.ndarray, tolerance: float) -> np.ndarray:
    """Shapes in tile units simplified by ``tolerance`` units, on the integer grid MVT holds (valid,
    collapsed parts dropped) and with the winding MVT wants (exterior rings clockwise on screen)."""
    if tolerance > 0:
        geoms = shapely.simplify(geoms, tolerance, preserve_topology=False)
    geoms = shapely.set_precision(geoms, 1.0)
    return shapely.orient_polygons(geoms, exterior_cw=False)


def _properties(record: dict) -> dict:
    """Attributes MVT can hold: None and NaN are left out."""
    out = {}
    for key, value in record.items():
        if value is None or (isinstance(value, float) and not math.isfinite(value)):
            continue
        out[key] = value.item() if isinstance(value, np.generic) else value
    return out


def etag(data: bytes) -> str:
    """A strong entity tag of tile bytes."""
    return '"' + hashlib.blake2b(data, digest_size=12).hexdigest() + '"'


# -- indexes ----------------------------------------------------------------------------------------

class PointIndex:
    """Points in EPSG:3857 sorted by x: the points of a box are a binary search and a mask."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.order = np.argsort(x, kind="stable")
        self.x = x[self.order]
        self.y = y[self.order]

    def select(self, box: tuple[float, float, float, float]) -> np.ndarray:
        """Positions in the sorted arrays (``x``, ``y``; ``order`` maps them back) of the points in
        ``box`` (min inclusive, max exclusive)."""
        minx, miny, maxx, maxy = box
        lo, hi = np.searchsorted(self.x, [minx, maxx], side="left")
        y = self.y[lo:hi]
        return lo + np.flatnonzero((y >= miny) & (y < maxy))


class ShapeIndex:
    """Lines or polygons in EPSG:3857 with an STRtree of their bounds, and copies simplified for
    low zooms (made on first use of each level, then kept): a zoom-5 tile never clips full detail."""

    LEVELS = (2, 4, 6, 8, 10)       # zooms <= 10 read the level at or above them; deeper ones full detail

    def __init__(self, geoms: np.ndarray):
        self.geoms = geoms
        self.tree = shapely.STRtree(geoms)
        self._levels: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    def level(self, z: int) -> np.ndarray:
        """The shapes simplified to half a pixel of the level for zoom ``z`` (full detail past the last)."""
        level = next((lv for lv in self.LEVELS if z <= lv), None)
        if level is None:
            return self.geoms
        with self._lock:
            found = self._levels.get(level)
            if found is None:
                pixel = 2 * ORIGIN / (256 * 2 ** level)
                found = self._levels[level] = shapely.simplify(self.geoms, SIMPLIFY_PX * pixel,
                                                               preserve_topology=False)
        return found

    def clipped(self, tile: Tile, simplify: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the shapes the tile (with its margin) touches, and those shapes clipped to it,
        simplified to :data:`SIMPLIFY_PX` screen pixels, in tile units; empty results are left out."""
        minx, miny, maxx, maxy = tile.bounds
        pad = tile.size * MARGIN / EXTENT
        box = (minx - pad, miny - pad, maxx + pad, maxy + pad)
        hit = np.sort(self.tree.query(shapely.box(*box), predicate="intersects"))
        if not len(hit):
            return hit, np.empty(0, dtype=object)
        parts = shapely.clip_by_rect(self.level(tile.z)[hit], *box)
        parts = _ready(_tile_units(parts, tile), SIMPLIFY_PX * EXTENT / 256 if simplify else 0)
        keep = ~shapely.is_empty(parts)
        return hit[keep], parts[keep]


def _density(x: np.ndarray, y: np.ndarray, tile: Tile) -> list[dict]:
    """Counts of the points (EPSG:3857) of a tile on a :data:`DENSITY_CELLS` grid: one point per
    non-empty cell, at the cell's centre, with its ``count`` (a line counts once, at a point on it)."""
    if not len(x):
        return []
    minx, _, _, maxy = tile.bounds
    cell = tile.size / DENSITY_CELLS
    col = np.clip(((x - minx) / cell).astype("int64"), 0, DENSITY_CELLS - 1)
    row = np.clip(((maxy - y) / cell).astype("int64"), 0, DENSITY_CELLS - 1)
    counts = np.bincount(row * DENSITY_CELLS + col, minlength=DENSITY_CELLS ** 2)
    unit = EXTENT / DENSITY_CELLS
    return [{"geometry": shapely.Point((c % DENSITY_CELLS + 0.5) * unit, (c // DENSITY_CELLS + 0.5) * unit),
             "properties": {"count": int(counts[c])}} for c in np.flatnonzero(counts)]


def _representative_lonlat(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A point on each (line or polygon) geometry, lon/lat; NaN for a missing or empty one."""
    rep = shapely.point_on_surface(geoms)
    return shapely.get_x(rep), shapely.get_y(rep)


SHAPE_LAYERS = ("roads", "site_lines", "site_areas")   # the sites tiles' layers of sites that are not points


def _shape_layers(shapes: np.ndarray, category: pa.Array | None, rows: np.ndarray) -> np.ndarray:
    """Per shape, its layer's position in :data:`SHAPE_LAYERS`: polygons are areas, the other
    shapes lines (roads: of category road). A clipped polygon stays a polygon (or is left out)."""
    polygonal = np.isin(shapely.get_type_id(shapes), (3, 6))   # Polygon, MultiPolygon
    road = (np.zeros(len(rows), dtype=bool) if category is None
            else np.asarray(pc.equal(category.take(pa.array(rows, pa.int64())), "road").fill_null(False)))
    return np.where(polygonal, 2, np.where(road, 0, 1)).astype("int8")


def _records(columns: dict, rows: np.ndarray) -> list[dict]:
    """The MVT attributes of the sites at ``rows``, taken from the Arrow ``columns``."""
    taken = {k: (c.take(pa.array(rows, pa.int64())).to_pylist() if c is not None else [None] * len(rows))
             for k, c in columns.items()}
    return [_properties({k: taken[k][i] for k in taken}) for i in range(len(rows))]


# -- the tiles of one engine ------------------------------------------------------------------------

class VectorTiles:
    """The vector tiles of one engine's layers (and its zone cache), with a bounded LRU of built tiles.
    Indexes are built on the first tile of each collection and kept with this object."""

    def __init__(self, engine, zone_cache=None, capacity: int = CACHE_TILES):
        self.engine = engine
        self.zone_cache = zone_cache
        self.version = f"{engine.layers_version}:{engine.rules_version}"
        self.capacity = capacity
        self._cache: OrderedDict[tuple, bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._built: dict[str, object] = {}

    # the LRU -------------------------------------------------------------------------------------
    def tile(self, collection: str, tile: Tile) -> bytes:
        """The MVT bytes of a static collection's tile (built once, then from the LRU)."""
        if collection not in ("sites", "regencies", "zones", "coverage"):
            raise NotFound(f"collection {collection!r} has no static tiles", message_id="tiles.no_static",
                           message_values={"collection": collection}, collection=collection)
        key = (collection, self.version, tile.z, tile.x, tile.y)
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        data = getattr(self, f"_{collection}")(tile)
        with self._lock:
            self._cache[key] = data
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return data

    def cached(self) -> int:
        """How many built tiles are kept."""
        return len(self._cache)

    def warm(self) -> list[str]:
        """Build the indexes the map asks for first (the sites' points, the regencies' shapes and
        their simplified copies for the low zooms), so the first tiles cost what the others do; a
        server calls it before its workers fork. Returns the names of the indexes built."""
        self._site_index()
        shapes, _ = self._regency_index()
        for level in ShapeIndex.LEVELS:
            shapes.level(level)
        with self._lock:
            return sorted(self._built)

    def indexes(self) -> list[str]:
        """The names of the indexes built so far."""
        with self._lock:
            return sorted(self._built)

    def _index(self, name: str, build):
        with self._lock:
            found = self._built.get(name)
        if found is None:
            found = build()
            with self._lock:
                found = self._built.setdefault(name, found)
        return found

    # sites -----------------------------------------------------------------------------------------
    def _site_index(self):
        def build():
            # a national layer: millions of points, read as coordinates and Arrow columns (no
            # shapely object or Python text per site; the attributes are taken per tile)
            features = self.engine.layers.site_features
            lon, lat = features.xy[:, 0].copy(), features.xy[:, 1].copy()
            others = np.flatnonzero(~features.is_point)
            if len(others):
                lon[others], lat[others] = (_representative_lonlat(features.shapes[others]))
            ok = (np.abs(lon) <= 180) & (np.abs(lat) <= 90)   # NaN compares False
            x, y = mercator(np.where(ok, lon, np.nan), np.where(ok, lat, np.nan))
            usable = np.isfinite(x) & np.isfinite(y)
            is_shape = ~features.is_point
            shaped = np.flatnonzero(usable & is_shape)
            table = features.table
            columns = {name: table.column(name).cast(pa.string()) if name in table.column_names else None
                       for name in ("site_id", "name", "category")}
            points = np.flatnonzero(usable)
            return {"points": PointIndex(x[points], y[points]), "point_rows": points,
                    "is_shape": is_shape, "columns": columns,
                    "shapes": ShapeIndex(to_mercator(features.shapes[shaped])), "shape_rows": shaped,
                    "shape_layer": _shape_layers(features.shapes[shaped], columns["category"], shaped)}
        return self._index("sites", build)

    def _sites(self, tile: Tile) -> bytes:
        index = self._site_index()
        points = index["points"]
        at = points.select(tile.bounds)
        rows = index["point_rows"][points.order[at]]
        if tile.z <= DENSITY_MAX_ZOOM or len(rows) > MAX_TILE_POINTS:
            return encode([("sites_density", _density(points.x[at], points.y[at], tile))])
        single = ~index["is_shape"][rows]
        geoms = _tile_units(shapely.points(points.x[at][single], points.y[at][single]), tile)
        sites = [{"geometry": g, "properties": p}
                 for g, p in zip(geoms, _records(index["columns"], rows[single]))]
        hit, shapes = index["shapes"].clipped(tile)
        layer = index["shape_layer"][hit]
        records = _records(index["columns"], index["shape_rows"][hit])
        return encode([("sites", sites), *((name, [{"geometry": shapes[i], "properties": records[i]}
                                                   for i in np.flatnonzero(layer == k)])
                                           for k, name in enumerate(SHAPE_LAYERS))])

    # polygons --------------------------------------------------------------------------------------
    def _polygons(self, name: str, geoms: np.ndarray) -> ShapeIndex:
        ok = lonlat_ok(geoms)
        return ShapeIndex(to_mercator(np.where(ok, geoms, shapely.Point())))

    def _regency_index(self) -> tuple[ShapeIndex, list[dict]]:
        def build():
            features = self.engine.layers.regency_features
            records = [_properties(r) for r in features.table.select(
                [c for c in ("code", "name", "province") if c in features.table.column_names]).to_pylist()]
            return self._polygons("regencies", features.geometry), records
        return self._index("regencies", build)

    def _regencies(self, tile: Tile) -> bytes:
        shapes, records = self._regency_index()
        hit, geoms = shapes.clipped(tile)
        return encode([("regencies", [{"geometry": g, "properties": records[i]} for i, g in zip(hit, geoms)])])

    def _coverage(self, tile: Tile) -> bytes:
        def build():
            from geo.catalog.coverage import coverage_view

            view = coverage_view(self.engine.layers)
            keep = ("code", "name", "level", "required_complete_fraction")
            records = [_properties({"kind": "regency", **{k: v for k, v in r.properties().items() if k in keep}})
                       for r in view.rows]
            geoms = list(view.geometry)
            for area in view.areas:
                geoms.append(area["geometry"])
                records.append(_properties({"kind": "area", "id": str(area["id"]),
                                            **{k: v for k, v in area["properties"].items()
                                               if isinstance(v, str | int | float | bool)}}))
            return self._polygons("coverage", np.array(geoms, dtype=object)), records
        shapes, records = self._index("coverage", build)
        hit, geoms = shapes.clipped(tile)
        return encode([("coverage", [{"geometry": g, "properties": records[i]} for i, g in zip(hit, geoms)])])

    def _zones(self, tile: Tile) -> bytes:
        if tile.z < ZONES_MIN_ZOOM or self.zone_cache is None:
            return encode([("zones", [])])
        regencies = self._index("zone_regencies", lambda: shapely.STRtree(
            np.where(lonlat_ok(self.engine.layers.regency_features.geometry),
                     self.engine.layers.regency_features.geometry, None)))
        west, south, east, north = tile.lonlat_bounds(MARGIN)
        codes = self.engine.regency_codes[np.sort(regencies.query(shapely.box(west, south, east, north)))]
        features = []
        for code in [str(c) for c in codes][:MAX_ZONE_REGENCIES]:
            zones = self.zone_cache.get(code)
            if not len(zones):
                continue
            shapes = ShapeIndex(to_mercator(zones.geometry.to_numpy()))
            hit, geoms = shapes.clipped(tile)
            for i, g in zip(hit, geoms):
                row = zones.iloc[int(i)]
                features.append({"geometry": g, "properties": _properties(
                    {"regency_code": code, **{k: row[k] for k in ("category", "kind", "buffer_m") if k in row}})})
        return encode([("zones", features)])


def violations_tile(collection, tile: Tile, private: bool = False) -> bytes:
    """The tile of the store's ``violations`` collection: its own bbox query (SQLite or PostGIS), the
    points encoded here; at most :data:`MAX_TILE_VIOLATIONS` per tile."""
    names = [n for n in TILED["violations"][0][2] if n != "id" and n in collection.info.properties]
    page = collection.items(Query(bbox=tile.lonlat_bounds(MARGIN), limit=MAX_TILE_VIOLATIONS,
                                  properties=tuple(names), private=private))
    features = []
    coords = [f["geometry"]["coordinates"] for f in page.features]
    if coords:
        xy = np.asarray(coords, dtype="float64")
        x, y = mercator(xy[:, 0], xy[:, 1])
        for feature, geom in zip(page.features, _tile_units(shapely.points(x, y), tile)):
            features.append({"geometry": geom, "properties": _properties({"id": str(feature["id"]),
                                                                          **feature["properties"]})})
    return encode([("violations", features)])
