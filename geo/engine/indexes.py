"""Spatial indexes of the engine: the sites of each UTM zone (the regency a point is in: locator.py)."""
from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import cached_property

import numpy as np
import shapely

from geo.crs import Projector


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


def built_tree(tree: shapely.STRtree) -> shapely.STRtree:
    """GEOS builds an STRtree on its first query; do that now, in one thread, so that the
    queries of the web server's threads only read it."""
    tree.query(shapely.points(0.0, 0.0))
    return tree


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
        return built_tree(shapely.STRtree(self.geoms))

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
            return nearest_of_pairs(len(xy), *_NO_PAIRS)
        if self._pieces is not None and len(xy) >= KD_MIN_POINTS:
            return self._pieces.nearest(xy)
        bound, sample = self._samples.query(xy)
        if self._only_points:
            return self._nearest_site[sample], bound
        return nearest_of_pairs(len(xy), *self._geos_within(xy, bound * (1 + 1e-9) + 1e-6))


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
        return nearest_of_pairs(len(xy), *self._near(xy, bound * (1 + 1e-9) + 1e-6))

    def _near(self, xy: np.ndarray, radius: np.ndarray):
        """(point, site, distance) of the pieces within each point's ``radius`` (a site may come
        more than once)."""
        point_i, piece, _ = _kd_within(self.tree, xy, radius + self.reach)
        distance = self.distance(xy[point_i], piece)
        inside = distance <= radius[point_i]
        return point_i[inside], self.site[piece[inside]], distance[inside]


def nearest_of_pairs(n: int, point_i: np.ndarray, site: np.ndarray, distance: np.ndarray):
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

    def __init__(self, xy: np.ndarray, nearest_site: np.ndarray | None = None):
        self._tree = KDTree(xy, leafsize=KD_LEAF)
        self._nearest_site = _first_alike(xy) if nearest_site is None else nearest_site

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


# ``memo(name, make)``: the array ``name`` kept for these layers, or ``make()``'s, then kept (the
# engine saves them beside the layers: a zone's points, projected, cost a second at national scale)
Memo = Callable[[str, Callable[[], np.ndarray]], np.ndarray]


class ZoneIndex:
    """The sites near one UTM zone (within ZONE_MARGIN_DEG of its edges): the points projected
    into a KD-tree (:class:`_PointSites`), the lines and polygons in a :class:`ZoneSites`. Local
    site numbers run over the points, then the others; ``index`` maps them to the layer's."""

    def __init__(self, epsg: int, sites, projector: Projector, others: np.ndarray | None = None,
                 memo: Memo | None = None):
        zone = epsg % 100
        west, east = -180 + 6 * (zone - 1) - ZONE_MARGIN_DEG, -180 + 6 * zone + ZONE_MARGIN_DEG
        memo = memo or (lambda name, make: make())
        transformer = projector.forward(epsg)

        def points_in_zone():
            lon = sites.xy[:, 0]
            return np.flatnonzero((lon >= west) & (lon <= east))   # NaN (not a point) compares False

        def projected():
            return np.column_stack(transformer.transform(sites.xy[points, 0], sites.xy[points, 1]))

        points = memo(f"zone-{epsg}-points", points_in_zone)
        others = np.flatnonzero(~sites.is_point) if others is None else others
        bounds = shapely.bounds(sites.shapes[others]) if len(others) else np.empty((0, 4))
        shapes = others[(bounds[:, 2] >= west) & (bounds[:, 0] <= east)]
        bounds = bounds[(bounds[:, 2] >= west) & (bounds[:, 0] <= east)]
        self.index = np.concatenate([points, shapes])
        self._parts: list[tuple[int, _PointSites | ZoneSites]] = []
        if len(points):
            xy = memo(f"zone-{epsg}-xy", projected)
            first = memo(f"zone-{epsg}-first", lambda: _first_alike(xy))
            self._parts.append((0, _PointSites(xy, first)))
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
        best, best_d = nearest_of_pairs(len(xy), *near)
        lonely = np.flatnonzero(~paired & (best >= 0))
        return pairs, (lonely, best[lonely], best_d[lonely])


class UtmZoneCache:
    """The sites of each UTM zone (:class:`ZoneIndex` per EPSG code), built on first use and kept
    (one lock, so each is built once)."""

    def __init__(self, sites, projector: Projector, memo: Memo | None = None):
        self._sites = sites
        self._memo = memo          # keeps what a zone's points cost (see Memo)
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
                    zone = self._zones[south] = ZoneIndex(south, self._sites, self._projector, self._others,
                                                          self._memo)
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
