"""Which regency a point is in: a grid over the regencies, the polygons where the grid cannot
tell, border snapping and overlaps."""
from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import shapely

from geo.crs import Projector, utm_epsg, utm_scale
from geo.engine.indexes import built_tree, nearest_of_pairs

# Metres per degree of latitude at the equator (the fewest anywhere) and of longitude at the
# equator: with a margin, they bound a metric radius in degrees from above.
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0
# Clipped boundaries are densified to this many degrees (about 55 m) before they are projected,
# so that their straight lon/lat edges stay where they are within millimetres.
_SNAP_SEGMENT_DEG = 0.0005
# Blocks of the whole-grid fill, in cells per side (0.32, 0.08, 0.02 degrees): mixed blocks of the
# last level are left to the points
GRID_LEVELS = (64, 16, 4)
# Segments per piece of the regencies' outlines measured for snapping
_OUTLINE_SEGMENTS = 32
# Points to snap are grouped in tiles of this many degrees (about 5.5 km): the regencies near a
# tile are clipped once for all its points.
_SNAP_TILE_DEG = 0.05
# Up to this many points to snap, each gets the pieces near itself (a box of the snap distance
# around it, about 1 km across) instead of those near its tile: far fewer pieces to measure.
_SNAP_ALONE = 8


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
        self._tree = built_tree(shapely.STRtree(geoms))
        self._cell = cell_deg
        self.snap_m = float(snap_m)
        west, south, east, north = shapely.total_bounds(geoms) if len(geoms) else (0, 0, 0, 0)
        self._origin = (west, south)
        self._shape = (int((east - west) / cell_deg) + 1, int((north - south) / cell_deg) + 1)
        self._grid = np.zeros(self._shape, dtype="int16" if len(geoms) < 30_000 else "int32")
        self._projector = Projector()
        self._outline_index: tuple[shapely.STRtree, np.ndarray] | None = None   # see _outlines
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
        if len(lons) == 1:   # a single check: most points lie in a cell of the grid within one regency
            whole = self._whole_cell(float(lons[0]), float(lats[0]))
            if whole is not None:
                return Located(regency=np.array([whole], dtype="int32"), snapped=np.zeros(1, dtype=bool),
                               other=np.array([-1], dtype="int32"), distance_m=np.zeros(1))
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

    def _whole_cell(self, lon: float, lat: float) -> int | None:
        """The regency whose polygon holds the whole grid cell of (lon, lat), as :meth:`_contain`
        reads the grid; None where the cell is not known to lie in one regency."""
        i = (lon - self._origin[0]) / self._cell
        j = (lat - self._origin[1]) / self._cell
        if 0 <= i < self._shape[0] and 0 <= j < self._shape[1]:   # NaN compares False
            owner = int(self._grid[int(i), int(j)])
            if owner >= 2:
                return owner - 2
        return None

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

    @property
    def grid(self) -> np.ndarray:
        """The grid (0 unknown, 1 mixed, -1 far from every regency, 2 + the regency's index)."""
        return self._grid

    def use_grid(self, grid: np.ndarray) -> bool:
        """Use ``grid`` (a saved :attr:`grid`, e.g. memory-mapped copy-on-write) when it fits this
        locator; whether it did."""
        if grid.shape != self._shape or grid.dtype != self._grid.dtype:
            return False
        self._grid = grid
        return True

    def fill(self, levels=GRID_LEVELS) -> None:
        """Classify the whole grid, coarse blocks first (``levels``: cells per block side, each a
        multiple of the next): a block inside one regency, or far from all, is written whole; the
        others are split. Blocks still mixed at the finest level are left for the points to
        classify cell by cell. Seconds for the whole country, once per layers version (saved)."""
        with self._geos_lock:
            size = levels[0]
            nx, ny = -(-self._shape[0] // size), -(-self._shape[1] // size)
            i, j = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
            blocks = np.stack([i.ravel(), j.ravel()])
            for level, size in enumerate(levels):
                owner = self._codes(blocks, size)
                for code, bi, bj in zip(owner.tolist(), *blocks.tolist()) if size > 1 else ():
                    if code != self.MIXED:
                        self._grid[bi * size:(bi + 1) * size, bj * size:(bj + 1) * size] = code
                if size == 1:
                    self._grid[blocks[0], blocks[1]] = owner
                    return
                mixed = blocks[:, owner == self.MIXED]
                if level + 1 == len(levels) or not mixed.shape[1]:
                    return
                split = size // levels[level + 1]
                a, b = np.meshgrid(np.arange(split), np.arange(split), indexing="ij")
                blocks = np.stack([(mixed[0][:, None] * split + a.ravel()).ravel(),
                                   (mixed[1][:, None] * split + b.ravel()).ravel()])
                step = levels[level + 1]
                blocks = blocks[:, (blocks[0] * step < self._shape[0]) & (blocks[1] * step < self._shape[1])]

    def _classify(self, cells: np.ndarray) -> None:
        self._grid[cells[0], cells[1]] = self._codes(cells, 1)

    def _codes(self, cells: np.ndarray, size: int) -> np.ndarray:
        """The code of each block of ``size`` x ``size`` cells at block positions ``cells``: the
        regency holding it whole, FAR with no regency within ``snap_m``, else MIXED."""
        side = self._cell * size
        west = self._origin[0] + cells[0] * side
        south = self._origin[1] + cells[1] * side
        boxes = shapely.box(west, south, west + side, south + side)
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
            edge = np.maximum(np.abs(south[lonely]), np.abs(south[lonely] + side))
            far_lat = np.minimum(edge + margin_lat, 89.9)
            margin_lon = 1.01 * self.snap_m / (_M_PER_DEG_LON * np.cos(np.radians(far_lat))) + 1e-9
            grown = shapely.box(west[lonely] - margin_lon, south[lonely] - margin_lat,
                                west[lonely] + side + margin_lon, south[lonely] + side + margin_lat)
            near = np.zeros(len(lonely), dtype=bool)
            near[self._tree.query(grown, predicate="intersects")[0]] = True
            owner[lonely[~near]] = self.FAR
        return owner

    def _exact(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # candidates by bounding box, then the (prepared) polygons tested on the coordinates:
        # half the time of the tree's own "intersects" predicate
        point_i, regency_i = self._tree.query(shapely.points(lons, lats))
        inside = shapely.intersects_xy(self._tree.geometries[regency_i], lons[point_i], lats[point_i])
        return _two_lowest(len(lons), point_i[inside], regency_i[inside])

    def prepare(self) -> None:
        """Build what snapping uses (the outlines' pieces) now: a server does before it forks."""
        with self._geos_lock:
            self._outlines()

    def _outlines(self) -> tuple[shapely.STRtree, np.ndarray]:
        """The regencies' outlines in short pieces (at most _OUTLINE_SEGMENTS segments, in an
        STRtree) and each piece's regency, made on first use: a point outside every regency is as
        far from a regency as from its outline, and a short piece costs little to measure (clipping
        a whole coastline of a hundred thousand vertices for each point did not)."""
        if self._outline_index is None:
            lines, regency = shapely.get_parts(shapely.boundary(self._tree.geometries), return_index=True)
            xy, line = shapely.get_coordinates(lines, return_index=True)
            first = np.searchsorted(line, line)                  # each line's first vertex
            k = np.arange(len(xy)) - first                      # a vertex's place in its line
            per = _OUTLINE_SEGMENTS
            chunk_base = np.concatenate([[0], np.cumsum(-(-np.bincount(line, minlength=len(lines)) // per))])
            chunk = chunk_base[line] + k // per
            joint = np.flatnonzero((k % per == 0) & (k > 0))    # ends the chunk before and starts its own
            coords = np.concatenate([xy, xy[joint]])
            owner = np.concatenate([chunk, chunk[joint] - 1])
            order = np.argsort(owner, kind="stable")             # a joint ends its piece: it was added last
            coords, owner = coords[order], owner[order]
            sizes = np.bincount(owner)
            keep = sizes[owner] >= 2                            # a lone vertex is in the piece before
            pieces = shapely.linestrings(coords[keep], indices=np.unique(owner[keep], return_inverse=True)[1])
            piece_line = np.searchsorted(chunk_base, np.unique(owner[keep]), side="right") - 1
            self._outline_index = (built_tree(shapely.STRtree(pieces)), regency[piece_line])
        return self._outline_index

    def _nearest_within(self, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The nearest regency within ``snap_m`` metres of each point (-1 for none) and its
        distance in metres. The points are grouped in tiles of _SNAP_TILE_DEG (up to _SNAP_ALONE
        points: each point is a tile); each tile's candidates are the pieces of the regencies'
        outlines near the tile grown by ``snap_m`` (a lon/lat box holding every point's whole
        circle). The pieces are projected to each point's UTM zone, and the projected distance is
        divided by the UTM scale factor at the point."""
        if len(lons) <= _SNAP_ALONE:   # a few points (a web check): each is its own tile, of no size
            size, tile_of = 0.0, np.arange(len(lons))
            west, south = lons, lats
        else:
            size = _SNAP_TILE_DEG
            tiles, tile_of = np.unique(np.floor(np.column_stack([lons, lats]) / size).astype("int64"), axis=0,
                                       return_inverse=True)
            tile_of = tile_of.ravel()
            west, south = tiles[:, 0] * size, tiles[:, 1] * size
        margin = 1.01 * self.snap_m
        half_lat = margin / _M_PER_DEG_LAT
        far_lat = np.minimum(np.maximum(np.abs(south), np.abs(south + size)) + half_lat, 89.9)
        half_lon = margin / (_M_PER_DEG_LON * np.cos(np.radians(far_lat)))
        grown = np.column_stack([west - half_lon, south - half_lat, west + size + half_lon, south + size + half_lat])
        outlines, outline_regency = self._outlines()
        tile_i, outline_i = outlines.query(shapely.box(*grown.T))   # by bounding box: exact below
        nearest = np.full(len(lons), -1, dtype="int32")
        metres = np.full(len(lons), np.nan)
        if not len(tile_i):
            return nearest, metres
        order = np.argsort(tile_i, kind="stable")
        tile_i, outline_i = tile_i[order], outline_i[order]
        regency_i = outline_regency[outline_i]
        pieces = shapely.segmentize(outlines.geometries[outline_i], _SNAP_SEGMENT_DEG)
        # every (point, candidate of its tile) pair
        start = np.searchsorted(tile_i, np.arange(len(grown)))
        count = np.bincount(tile_i, minlength=len(grown))[tile_of]
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
        best, best_m = nearest_of_pairs(len(lons), point_i[keep], regency_i[piece_i[keep]], distance[keep])
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


