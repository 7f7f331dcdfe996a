"""Spatial indexes of the engine: which regency a point is in, and the sites of one UTM zone."""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely

from geo.crs import Projector, utm_epsg, utm_scale


def _single_threaded_kdtree():
    """pykdtree's KDTree (imports in a millisecond; scipy's took a third of a second) with its
    OpenMP runtime started single-threaded: it reads OMP_NUM_THREADS once, as it loads, so the
    variable is set for that moment only. Batches and servers keep every core busy already,
    and a forked process (a server's workers, ``Validator(processes=True)``) would hang on a
    query if the parent had started OpenMP threads."""
    saved = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        from pykdtree.kdtree import KDTree
    finally:
        if saved is None:
            del os.environ["OMP_NUM_THREADS"]
        else:
            os.environ["OMP_NUM_THREADS"] = saved
    return KDTree


KDTree = _single_threaded_kdtree()

# Sites are projected into a zone when they lie within this many degrees of its edges.
ZONE_MARGIN_DEG = 2.0
# Spacing of the samples along lines and polygon outlines used to bound nearest-site searches.
SAMPLE_SPACING_M = 25.0
# From this many points on, zones of point sites are searched with their KD-tree instead of GEOS.
KD_MIN_POINTS = 16
# Points per leaf of the KD-trees: small leaves suit the few-neighbours queries here (16, the
# default, is 15% slower on the 1M-row benchmark's queries)
KD_LEAF = 4


def _built(tree: shapely.STRtree) -> shapely.STRtree:
    """GEOS builds an STRtree on its first query; do that now, in one thread, so that the
    queries of the web server's threads only read it."""
    tree.query(shapely.points(0.0, 0.0))
    return tree


# Metres per degree of latitude at the equator (the fewest anywhere) and of longitude at the
# equator: with a margin, they bound a metric radius in degrees from above.
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0
# Clipped boundaries are densified to this many degrees (about 55 m) before they are projected,
# so that their straight lon/lat edges stay where they are within millimetres.
_SNAP_SEGMENT_DEG = 0.0005
# Points to snap are grouped in tiles of this many degrees (about 5.5 km): the regencies near a
# tile are clipped once for all its points.
_SNAP_TILE_DEG = 0.05


@dataclass(frozen=True)
class Located:
    """Where points are: ``regency`` (index, -1 in none), ``snapped`` (in no regency, but within
    the locator's ``snap_m`` of ``regency``, the nearest), ``other`` (a second regency whose
    polygon holds the point too, where two overlap; -1 otherwise) and ``distance_m`` (metres to
    ``regency``: 0 inside, the distance when snapped, NaN in none)."""

    regency: np.ndarray
    snapped: np.ndarray
    other: np.ndarray
    distance_m: np.ndarray


class RegencyLocator:
    """Point -> regency index (the lowest code where two overlap; -1 in none).

    Exact point-in-polygon tests, with a lazily filled grid that remembers the cells lying wholly
    inside exactly one regency: points there skip the polygon test. The grid holds one small
    integer per cell of the regencies' extent (0 unknown, 1 mixed, 2 + regency index); it is
    allocated zeroed, so only the pages of cells in use take memory.

    :meth:`locate` also snaps a point in no regency to the nearest one within ``snap_m`` metres
    (0: never) and names the second regency where two polygons overlap.
    """

    UNKNOWN, MIXED, FAR = 0, 1, -1

    def __init__(self, geoms: np.ndarray, cell_deg: float = 0.005, snap_m: float = 500.0):
        if not snap_m >= 0:
            raise ValueError(f"snap_m must be 0 or more metres, not {snap_m!r}")
        shapely.prepare(geoms)
        self._tree = _built(shapely.STRtree(geoms))
        self._cell = cell_deg
        self.snap_m = float(snap_m)
        west, south, east, north = shapely.total_bounds(geoms) if len(geoms) else (0, 0, 0, 0)
        self._origin = (west, south)
        self._shape = (int((east - west) / cell_deg) + 1, int((north - south) / cell_deg) + 1)
        self._grid = np.zeros(self._shape, dtype="int16" if len(geoms) < 30_000 else "int32")
        self._projector = Projector()
        # GEOS prepared geometries and lazily built trees are not safe to use from several threads
        # at once (the web server runs threads), nor are pyproj's transformers: the polygon tests
        # and the snapping below run under this lock.
        self._geos_lock = threading.Lock()

    def __call__(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """The regency index of each point (lon/lat degrees), -1 for points in no regency (no
        snapping: see :meth:`locate`)."""
        return self._contain(lons, lats)[0]

    def locate(self, lons: np.ndarray, lats: np.ndarray) -> Located:
        """Each point's regency as :meth:`__call__` finds it, the second regency where two
        polygons hold it, and for a point in none the nearest regency within ``snap_m`` metres
        (measured in the point's UTM zone, scaled to true metres), marked ``snapped``."""
        lons, lats = np.asarray(lons, dtype="float64"), np.asarray(lats, dtype="float64")
        regency, other, far = self._contain(lons, lats)
        distance = np.where(regency >= 0, 0.0, np.nan)
        snapped = np.zeros(len(regency), dtype=bool)
        outside = np.flatnonzero((regency < 0) & ~far & np.isfinite(lons) & np.isfinite(lats))
        if self.snap_m > 0 and len(outside) and len(self._tree.geometries):
            with self._geos_lock:
                nearest, metres = self._nearest_within(lons[outside], lats[outside])
            found = nearest >= 0
            regency[outside[found]] = nearest[found]
            distance[outside[found]] = metres[found]
            snapped[outside[found]] = True
        return Located(regency=regency, snapped=snapped, other=other, distance_m=distance)

    def _contain(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(lowest, second lowest) index of the regencies holding each point, -1 for none; and
        whether the point lies in a cell with no regency within ``snap_m`` (at sea)."""
        ci = np.floor((lons - self._origin[0]) / self._cell).astype("int64")
        cj = np.floor((lats - self._origin[1]) / self._cell).astype("int64")
        on_grid = (ci >= 0) & (ci < self._shape[0]) & (cj >= 0) & (cj < self._shape[1])
        ci, cj = np.where(on_grid, ci, 0), np.where(on_grid, cj, 0)
        cell = ci * self._shape[1] + cj
        owner = self._grid.ravel()[cell]
        unknown = on_grid & (owner == self.UNKNOWN)
        if unknown.any():
            cells = np.unique(cell[unknown])   # one integer per cell: a plain sort
            with self._geos_lock:
                self._classify(np.stack([cells // self._shape[1], cells % self._shape[1]]))
            owner[unknown] = self._grid.ravel()[cell[unknown]]
        far = on_grid & (owner == self.FAR)
        regency = np.where(on_grid, owner, self.MIXED).astype("int32") - 2
        other = np.full(len(regency), -1, dtype="int32")
        exact = np.flatnonzero((regency < 0) & ~far)
        if len(exact):
            with self._geos_lock:
                regency[exact], other[exact] = self._exact(lons[exact], lats[exact])
        regency[~on_grid | far] = -1
        other[~on_grid | far] = -1
        return regency, other, far

    def _classify(self, cells: np.ndarray) -> None:
        west = self._origin[0] + cells[0] * self._cell
        south = self._origin[1] + cells[1] * self._cell
        boxes = shapely.box(west, south, west + self._cell, south + self._cell)
        # candidates by bounding box, then the (prepared) polygons tested: the tree's own
        # "intersects" prepares the boxes instead and walks every vertex of a large polygon
        box_i, regency_i = self._tree.query(boxes)
        meets = shapely.intersects(self._tree.geometries[regency_i], boxes[box_i])
        box_i, regency_i = box_i[meets], regency_i[meets]
        box_i_met = box_i
        single = np.bincount(box_i, minlength=len(boxes))[box_i] == 1
        box_i, regency_i = box_i[single], regency_i[single]
        inside = shapely.contains_properly(self._tree.geometries[regency_i], boxes[box_i])
        owner = np.full(len(boxes), self.MIXED, dtype=self._grid.dtype)
        owner[box_i[inside]] = regency_i[inside] + 2
        # a cell meeting no regency, with none within snap_m of it either (at sea): FAR, so its
        # points skip the polygon tests and the snapping
        lonely = np.ones(len(boxes), dtype=bool)
        lonely[box_i_met] = False
        lonely = np.flatnonzero(lonely)
        if len(lonely):
            margin_lat = 1.01 * self.snap_m / _M_PER_DEG_LAT + 1e-9
            edge = np.maximum(np.abs(south[lonely]), np.abs(south[lonely] + self._cell))
            far_lat = np.minimum(edge + margin_lat, 89.9)
            margin_lon = 1.01 * self.snap_m / (_M_PER_DEG_LON * np.cos(np.radians(far_lat))) + 1e-9
            grown = shapely.box(west[lonely] - margin_lon, south[lonely] - margin_lat,
                                west[lonely] + self._cell + margin_lon, south[lonely] + self._cell + margin_lat)
            near = np.zeros(len(lonely), dtype=bool)
            near[self._tree.query(grown, predicate="intersects")[0]] = True
            owner[lonely[~near]] = self.FAR
        self._grid[cells[0], cells[1]] = owner

    def _exact(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # candidates by bounding box, then the (prepared) polygons tested on the coordinates:
        # half the time of the tree's own "intersects" predicate
        point_i, regency_i = self._tree.query(shapely.points(lons, lats))
        inside = shapely.intersects_xy(self._tree.geometries[regency_i], lons[point_i], lats[point_i])
        return _two_lowest(len(lons), point_i[inside], regency_i[inside])

    def _nearest_within(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The nearest regency within ``snap_m`` metres of each point (-1 for none) and its
        distance in metres. The points are grouped in tiles of _SNAP_TILE_DEG; each tile's
        candidates are the regencies meeting the tile grown by ``snap_m`` (a lon/lat box holding
        every point's whole circle), clipped to that box once per tile. The clipped pieces are
        projected to each point's UTM zone, and the projected distance is divided by the UTM scale
        factor at the point."""
        tile_xy = np.floor(np.column_stack([lons, lats]) / _SNAP_TILE_DEG).astype("int64")
        tiles, tile_of = np.unique(tile_xy, axis=0, return_inverse=True)
        tile_of = tile_of.ravel()
        west, south = tiles[:, 0] * _SNAP_TILE_DEG, tiles[:, 1] * _SNAP_TILE_DEG
        margin = 1.01 * self.snap_m
        half_lat = margin / _M_PER_DEG_LAT
        far_lat = np.minimum(np.maximum(np.abs(south), np.abs(south + _SNAP_TILE_DEG)) + half_lat, 89.9)
        half_lon = margin / (_M_PER_DEG_LON * np.cos(np.radians(far_lat)))
        grown = np.column_stack([west - half_lon, south - half_lat,
                                 west + _SNAP_TILE_DEG + half_lon, south + _SNAP_TILE_DEG + half_lat])
        tile_i, regency_i = self._tree.query(shapely.box(*grown.T), predicate="intersects")
        nearest = np.full(len(lons), -1, dtype="int32")
        metres = np.full(len(lons), np.nan)
        if not len(tile_i):
            return nearest, metres
        order = np.argsort(tile_i, kind="stable")
        tile_i, regency_i = tile_i[order], regency_i[order]
        pieces = shapely.segmentize(np.array(
            [shapely.clip_by_rect(self._tree.geometries[r], *grown[t]) for t, r in zip(tile_i, regency_i)],
            dtype=object), _SNAP_SEGMENT_DEG)
        # every (point, candidate of its tile) pair
        start = np.searchsorted(tile_i, np.arange(len(tiles)))
        count = np.bincount(tile_i, minlength=len(tiles))[tile_of]
        point_i = np.repeat(np.arange(len(lons)), count)
        piece_i = np.repeat(start[tile_of] - np.cumsum(count) + count, count) + np.arange(count.sum())
        distance = np.full(len(point_i), np.inf)
        epsg = utm_epsg(lons[point_i], lats[point_i])
        for code in np.unique(epsg):
            pair = np.flatnonzero(epsg == code)
            forward = self._projector.forward(int(code))
            used, local = np.unique(piece_i[pair], return_inverse=True)
            projected = shapely.transform(
                pieces[used], lambda xy, f=forward: np.column_stack(f.transform(xy[:, 0], xy[:, 1])))
            x, y = forward.transform(lons[point_i[pair]], lats[point_i[pair]])
            flat = shapely.distance(shapely.points(x, y), projected[local.ravel()])
            distance[pair] = flat / utm_scale(x, lats[point_i[pair]])
        keep = distance <= self.snap_m  # NaN (an empty piece: the box met the bounds only) is out
        best, best_m = _nearest_of_pairs(len(lons), point_i[keep], regency_i[piece_i[keep]], distance[keep])
        found = best >= 0
        nearest[found] = best[found]
        metres[found] = best_m[found]
        return nearest, metres


def _two_lowest(n: int, point_i: np.ndarray, regency_i: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The lowest and the second lowest regency of each of ``n`` points among the pairs
    (point, regency); -1 where there is none."""
    order = np.lexsort((regency_i, point_i))
    point_i, regency_i = point_i[order], regency_i[order].astype("int32")
    lowest = np.full(n, -1, dtype="int32")
    second = np.full(n, -1, dtype="int32")
    first = np.ones(len(point_i), dtype=bool)
    first[1:] = point_i[1:] != point_i[:-1]
    lowest[point_i[first]] = regency_i[first]
    follows = np.flatnonzero(~first)
    follows = follows[first[follows - 1]]  # the second pair of a point
    second[point_i[follows]] = regency_i[follows]
    return lowest, second


class ZoneSites:
    """The sites near one UTM zone, projected once: an STRtree for ``dwithin`` queries, a
    KD-tree of samples of the sites for nearest-site queries and, where the sites are points
    and lines, the lines in short pieces (:class:`_Pieces`)."""

    def __init__(self, epsg: int, site_geoms: np.ndarray, site_lon_range, projector: Projector):
        zone = epsg % 100
        west, east = -180 + 6 * (zone - 1) - ZONE_MARGIN_DEG, -180 + 6 * zone + ZONE_MARGIN_DEG
        lo, hi = site_lon_range
        self.index = np.flatnonzero((hi >= west) & (lo <= east))
        transformer = projector.forward(epsg)
        self._project = lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))
        self._sites = site_geoms[self.index]
        kind = shapely.get_type_id(self._sites)
        self._only_points = bool((kind == 0).all())
        # Samples of every site for nearest-site queries: point sites themselves, the outlines of
        # lines and polygons every SAMPLE_SPACING_M metres, each sample knowing its site.
        if self._only_points:  # no projected geometries needed (unless GEOS is asked: see geoms)
            samples = self._project(shapely.get_coordinates(self._sites))
            self._sample_site = np.arange(len(self._sites))
        else:
            outlines = np.where(kind == 0, self.geoms, shapely.boundary(self.geoms))
            samples, self._sample_site = shapely.get_coordinates(
                shapely.segmentize(outlines, SAMPLE_SPACING_M), return_index=True)
        self._samples = KDTree(samples, leafsize=KD_LEAF) if len(samples) else None
        if self._only_points and len(samples):
            # of co-located sites a nearest-neighbour query returns any one: name the first
            _, first, same = np.unique(samples.view(np.complex128).ravel(), return_index=True, return_inverse=True)
            self._nearest_site = self._sample_site[first[same]]
        # where the sites are points and lines (no polygon: inside one is distance 0), the lines
        # in short pieces give exact distances without GEOS
        lines = not self._only_points and bool(((kind == 0) | (kind == 1)).all())
        self._pieces = _Pieces(self.geoms) if lines else None

    @cached_property
    def geoms(self) -> np.ndarray:
        """The sites projected (GEOS geometries)."""
        return shapely.transform(self._sites, self._project)

    @cached_property
    def tree(self) -> shapely.STRtree:
        """An STRtree of the projected sites, built on first use (for single checks through GEOS)."""
        return _built(shapely.STRtree(self.geoms))

    def measure(self, xy: np.ndarray, radius: np.ndarray):
        """The pairs (point, local site index, projected distance) within each point's ``radius``
        (:meth:`within`), and for the points without any, their nearest site (point, local site
        index, projected distance; :meth:`nearest`). Where every site is a point, one nearest-
        neighbour query of every point answers for most: only those with a site in reach need
        the search for all of them."""
        if self._only_points and self._samples is not None and len(xy) >= KD_MIN_POINTS:
            bound, sample = self._samples.query(xy)
            close = np.flatnonzero(bound <= radius)
            point_i, item, distance = _kd_within(self._samples, xy[close], radius[close])
            lonely = np.flatnonzero(~(bound <= radius))
            return ((close[point_i], self._sample_site[item], distance),
                    (lonely, self._nearest_site[sample[lonely]], bound[lonely]))
        pairs = self.within(xy, radius)
        lonely = np.ones(len(xy), dtype=bool)
        lonely[pairs[0]] = False
        lonely = np.flatnonzero(lonely)
        near_j, near_d = self.nearest(xy[lonely])
        found = near_j >= 0
        return pairs, (lonely[found], near_j[found], near_d[found])

    def within(self, xy: np.ndarray, radius: np.ndarray):
        """Pairs (point, local site index, projected distance) with the distance at most the
        point's ``radius``: a ``dwithin`` query on the STRtree and the exact distances of its
        pairs. Where every site is a point, the KD-tree answers alone for batches (no GEOS
        geometry is made for their points): the nearest few sites of each point, more for points
        that have that many within their radius; where they are points and lines, the pieces of
        the lines do. (For a handful of points, as in the web API's checks, their fixed cost is
        higher than GEOS's.)"""
        if self._only_points and len(xy) >= KD_MIN_POINTS:
            point_i, sample, distance = _kd_within(self._samples, xy, radius)
            return point_i, self._sample_site[sample], distance
        if self._pieces is not None and len(xy) >= KD_MIN_POINTS:
            return self._pieces.within(xy, radius)
        return self._geos_within(xy, radius)

    def _geos_within(self, xy: np.ndarray, radius: np.ndarray):
        points = shapely.points(xy)
        point_i, site_j = self.tree.query(points, predicate="dwithin", distance=radius)
        return point_i, site_j, shapely.distance(points[point_i], self.geoms[site_j])

    def nearest(self, xy: np.ndarray):
        """Local index of and projected distance to the nearest site of each point (-1, inf if none).

        The nearest sample bounds the distance to the nearest site from above, so the nearest site
        is among the sites within that bound: a ``dwithin`` query with a per-point radius, and the
        exact distances of its (few) pairs. Where every site is a point, the nearest sample is
        the answer; where they are points and lines, the pieces answer.
        """
        if self._samples is None or not len(xy):
            return _nearest_of_pairs(len(xy), *_NO_PAIRS)
        if self._pieces is not None and len(xy) >= KD_MIN_POINTS:
            return self._pieces.nearest(xy)
        bound, sample = self._samples.query(xy)
        if self._only_points:
            return self._nearest_site[sample], bound
        return _nearest_of_pairs(len(xy), *self._geos_within(xy, bound * (1 + 1e-9) + 1e-6))


class _Pieces:
    """Point and line sites as straight pieces of at most SAMPLE_SPACING_M (a point: a piece of
    length 0): a KD-tree of their midpoints finds the pieces near a point, numpy the exact
    distances to them (the same as GEOS's to the whole lines, without a geometry per point)."""

    def __init__(self, geoms: np.ndarray):
        xy, site = shapely.get_coordinates(shapely.segmentize(geoms, SAMPLE_SPACING_M), return_index=True)
        joined = np.append(site[1:] == site[:-1], False)  # this vertex and the next: one line's
        last = ~joined & np.append(False, joined[:-1])     # a line's last vertex starts no piece
        step = np.where(joined[:, None], np.roll(xy, -1, axis=0) - xy, 0.0)
        self.start, self.step, self.site = xy[~last], step[~last], site[~last]
        self.sites = len(geoms)
        self.reach = float(np.hypot(*self.step.T).max()) / 2 if len(self.site) else 0.0
        self.tree = KDTree(self.start + self.step / 2, leafsize=KD_LEAF)

    def distance(self, xy: np.ndarray, piece: np.ndarray) -> np.ndarray:
        start, step = self.start[piece], self.step[piece]
        length2 = (step * step).sum(axis=1)
        along = ((xy - start) * step).sum(axis=1) / np.where(length2 > 0, length2, 1.0)
        closest = start + np.clip(along, 0.0, 1.0)[:, None] * step
        return np.hypot(*(xy - closest).T)

    def within(self, xy: np.ndarray, radius: np.ndarray):
        """(point, site, distance) with the distance at most the point's ``radius``."""
        point_i, site, distance = self._near(xy, radius)
        order = np.lexsort((distance, point_i * self.sites + site))  # the nearest piece of each (point, site)
        point_i, site, distance = point_i[order], site[order], distance[order]
        first = np.ones(len(point_i), dtype=bool)
        first[1:] = (point_i[1:] != point_i[:-1]) | (site[1:] != site[:-1])
        return point_i[first], site[first], distance[first]

    def nearest(self, xy: np.ndarray):
        """The nearest site of each point and its distance: no farther than the piece with the
        nearest midpoint, so among the pieces within that distance."""
        bound = self.distance(xy, self.tree.query(xy)[1])
        return _nearest_of_pairs(len(xy), *self._near(xy, bound * (1 + 1e-9) + 1e-6))

    def _near(self, xy: np.ndarray, radius: np.ndarray):
        """(point, site, distance) of the pieces within each point's ``radius`` (a site may come
        more than once)."""
        point_i, piece, _ = _kd_within(self.tree, xy, radius + self.reach)
        distance = self.distance(xy[point_i], piece)
        inside = distance <= radius[point_i]
        return point_i[inside], self.site[piece[inside]], distance[inside]


def _nearest_of_pairs(n: int, point_i: np.ndarray, site: np.ndarray, distance: np.ndarray):
    """The site and distance of the nearest pair of each of ``n`` points (equally near: the
    lowest site); -1 and inf for a point without pairs."""
    order = np.lexsort((site, distance, point_i))
    first = order[np.unique(point_i[order], return_index=True)[1]]
    best_j = np.full(n, -1, dtype="int64")
    best_d = np.full(n, np.inf)
    best_j[point_i[first]] = site[first]
    best_d[point_i[first]] = distance[first]
    return best_j, best_d


_NO_PAIRS = (np.empty(0, dtype="int64"), np.empty(0, dtype="int64"), np.empty(0))


def _kd_within(tree, xy: np.ndarray, radius: np.ndarray):
    """(point, tree item, distance) for the items within each point's ``radius``: the nearest
    few of each point, more for the points that have that many in reach."""
    found: list[tuple] = []
    todo = np.arange(len(xy))
    items = tree.n if tree is not None else 0
    k = 8
    while len(todo) and items:
        k = min(k, items)
        bound = np.nextafter(float(radius[todo].max()), np.inf)
        distance, item = tree.query(xy[todo], k=k, distance_upper_bound=bound)
        distance, item = distance.reshape(len(todo), k), item.reshape(len(todo), k)
        inside = distance <= radius[todo, None]  # inf (no neighbour) compares False
        more = inside[:, -1] & (k < items)       # the k-th is inside: there may be more
        rows, cols = np.nonzero(inside & ~more[:, None])
        found.append((todo[rows], item[rows, cols], distance[rows, cols]))
        todo, k = todo[more], k * 4
    if not found:
        return _NO_PAIRS
    return tuple(np.concatenate(parts) for parts in zip(*found))


class _PointSites:
    """Point sites of one zone as projected coordinates in a KD-tree: no shapely object per site
    (a national layer holds millions), the same pairs and distances as GEOS's."""

    def __init__(self, xy: np.ndarray):
        self._tree = KDTree(xy, leafsize=KD_LEAF)
        self._nearest_site = _first_alike(xy)

    def measure(self, xy: np.ndarray, radius: np.ndarray):
        """As :meth:`ZoneSites.measure`."""
        bound, sample = self._tree.query(xy)
        close = np.flatnonzero(bound <= radius)
        point_i, site, distance = _kd_within(self._tree, xy[close], radius[close])
        lonely = np.flatnonzero(~(bound <= radius))
        nearest = (lonely, self._nearest_site[sample[lonely]], bound[lonely])
        return (close[point_i], site.astype("int64"), distance), nearest


def _first_alike(xy: np.ndarray) -> np.ndarray:
    """For each point, the first point with the same coordinates (itself when it has no twin):
    of co-located sites a nearest-neighbour query returns any one, and the first is named.
    Sorted on one integer key made from the coordinates' bits (equal points, equal keys; a stable
    sort keeps their order); the rare unequal points that share a key are told apart exactly."""
    bits = np.ascontiguousarray(xy, dtype="float64").view("int64")
    with np.errstate(over="ignore"):
        key = bits[:, 0] * np.int64(-7046029254386353131) + bits[:, 1]   # wraps around: a mix, not a number
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    starts = np.ones(len(xy), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    first = np.empty(len(xy), dtype="int64")
    first[order] = order[starts][np.cumsum(starts) - 1]
    clash = np.flatnonzero((xy != xy[first]).any(axis=1))   # same key, other coordinates
    for i in clash:
        same = np.flatnonzero((xy == xy[i]).all(axis=1))
        first[i] = same[0]
    return first


class ZoneIndex:
    """The sites near one UTM zone (within ZONE_MARGIN_DEG of its edges): the points projected
    into a KD-tree (:class:`_PointSites`), the lines and polygons in a :class:`ZoneSites`. Local
    site numbers run over the points, then the others; ``index`` maps them to the layer's."""

    def __init__(self, epsg: int, sites, projector: Projector, others: np.ndarray | None = None):
        zone = epsg % 100
        west, east = -180 + 6 * (zone - 1) - ZONE_MARGIN_DEG, -180 + 6 * zone + ZONE_MARGIN_DEG
        lon = sites.xy[:, 0]
        points = np.flatnonzero((lon >= west) & (lon <= east))   # NaN (not a point) compares False
        others = np.flatnonzero(~sites.is_point) if others is None else others
        bounds = shapely.bounds(sites.shapes[others]) if len(others) else np.empty((0, 4))
        shapes = others[(bounds[:, 2] >= west) & (bounds[:, 0] <= east)]
        bounds = bounds[(bounds[:, 2] >= west) & (bounds[:, 0] <= east)]
        self.index = np.concatenate([points, shapes])
        self._parts: list[tuple[int, object]] = []
        if len(points):
            transformer = projector.forward(epsg)
            lon, lat = sites.xy[points, 0], sites.xy[points, 1]
            self._parts.append((0, _PointSites(np.column_stack(transformer.transform(lon, lat)))))
        if len(shapes):
            self._parts.append((len(points), ZoneSites(
                epsg, sites.shapes[shapes], (bounds[:, 0], bounds[:, 2]), projector)))

    def prepare(self) -> None:
        """Build what single checks use (the GEOS tree of lines and polygons) now."""
        for _, part in self._parts:
            if isinstance(part, ZoneSites):
                _ = part.tree

    def measure(self, xy: np.ndarray, radius: np.ndarray):
        """The pairs (point, local site, projected distance) within each point's ``radius`` and,
        for the points without any, their nearest site (point, local site, projected distance)."""
        if not self._parts:
            return _NO_PAIRS, _NO_PAIRS
        answers = [(offset, part.measure(xy, radius)) for offset, part in self._parts]
        if len(answers) == 1 and answers[0][0] == 0:
            return answers[0][1]
        pairs = tuple(np.concatenate(c) for c in zip(*[(p[0], p[1] + off, p[2]) for off, (p, _) in answers]))
        near = tuple(np.concatenate(c) for c in zip(*[(q[0], q[1] + off, q[2]) for off, (_, q) in answers]))
        paired = np.zeros(len(xy), dtype=bool)
        paired[pairs[0]] = True
        best, best_d = _nearest_of_pairs(len(xy), *near)
        lonely = np.flatnonzero(~paired & (best >= 0))
        return pairs, (lonely, best[lonely], best_d[lonely])


class UtmZoneCache:
    """The sites of each UTM zone (:class:`ZoneIndex` per EPSG code), built on first use and kept
    (one lock, so each is built once)."""

    def __init__(self, sites, projector: Projector):
        self._sites = sites
        self._others: np.ndarray | None = None   # the sites that are not points (few), found once
        self._projector = projector
        self._zones: dict[int, ZoneIndex] = {}
        self._lock = threading.Lock()

    def __getitem__(self, epsg: int) -> ZoneIndex | _NorthOf:
        # UTM north (326zz) and south (327zz) of one zone differ by the false northing alone: one
        # index serves both (Indonesia lies across the equator; half the memory and build time)
        south = epsg + 100 if 32601 <= epsg <= 32660 else epsg
        zone = self._zones.get(south)
        if zone is None:
            with self._lock:
                zone = self._zones.get(south)
                if zone is None:
                    if self._others is None:
                        self._others = np.flatnonzero(~self._sites.is_point)
                    zone = self._zones[south] = ZoneIndex(south, self._sites, self._projector, self._others)
        return zone if south == epsg else _NorthOf(zone)


class _NorthOf:
    """A zone's index seen from its northern EPSG code: points move up by the false northing."""

    FALSE_NORTHING = 10_000_000.0

    def __init__(self, zone: ZoneIndex):
        self.zone = zone
        self.index = zone.index

    def prepare(self) -> None:
        """As :meth:`ZoneIndex.prepare`."""
        self.zone.prepare()

    def measure(self, xy: np.ndarray, radius: np.ndarray):
        """As :meth:`ZoneIndex.measure`, for points projected with the northern code."""
        return self.zone.measure(xy + (0.0, self.FALSE_NORTHING), radius)
