"""Rows that repeat an earlier row: coordinates within a tolerance (2 m) and, when the file has
an APK id column, the same id. Works chunk after chunk over a whole file, vectorised.

Every point goes into a grid of cells at least twice the tolerance wide, keyed together with its
id; candidates are the points in the 2 x 2 cells nearest to a point, and the distance is checked
on the ellipsoid (local radii of curvature: exact to well under a millimetre at 2 m).

* Identical points are folded first: only the first of them is looked up and indexed, so a spot
  reported a thousand times costs no more than once.
* The index is one array of grid keys kept sorted (with the position of each point in
  append-only arrays of coordinates, ids and lines), and a bitmap of the keys in it: most cells
  looked up hold nothing, and the bitmap says so without a search.
* A neighbour has the same id: where the file has ids, only the points whose id is in the index
  (a bitmap of those ids) or recurs in their chunk are looked up; most are only indexed.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

A = 6378137.0
E2 = 0.00669437999014
CELL_DEG = 4e-5          # 4.4 m of latitude; longitude cells twice as wide: >= 4 m up to 60 degrees
INDEX_BITS = 25          # 32 MB of flags: 3% false hits with a million distinct points, 26% with ten
_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_NONE = np.iinfo("int64").max


class DuplicateFinder:
    """Call :meth:`find` with the rows of each chunk in file order."""

    def __init__(self, tolerance_m: float = 2.0):
        self.tolerance = tolerance_m
        self._index_keys = _Bitmap(INDEX_BITS)
        self._index_ids = _Bitmap(INDEX_BITS)       # ... and of their ids
        self._key = np.empty(0, dtype="uint64")   # grid keys of the indexed points, sorted
        self._at = np.empty(0, dtype="int64")     # ... and where each point is in the arrays below
        self._points = _Columns()                 # lon, lat, id, line of each indexed point

    def find(self, lon, lat, lines, ids=None, valid=None) -> np.ndarray:
        """For each row, the line of the earliest earlier row within the tolerance, else 0."""
        lon = np.asarray(lon, dtype="float64")
        lat = np.asarray(lat, dtype="float64")
        lines = np.asarray(lines, dtype="int64")
        out = np.zeros(len(lon), dtype="int64")
        ok = np.isfinite(lon) & np.isfinite(lat)
        if valid is not None:
            ok &= np.asarray(valid, dtype=bool)
        idx = np.flatnonzero(ok)
        if not len(idx):
            return out
        lon, lat, lines = lon[idx], lat[idx], lines[idx]
        id_hash = _hash_ids(ids, len(ok))[idx]

        # identical points: codes in order of first appearance, so a row is the first of its
        # kind where its code exceeds every code before it
        codes = pd.factorize(_exact_hash(lon, lat, id_hash))[0]
        first = np.flatnonzero(np.diff(np.maximum.accumulate(codes), prepend=-1) > 0)
        best = self._neighbours(lon[first], lat[first], id_hash[first], lines[first])
        own, first_line = best[codes], lines[first][codes]
        # a later copy: its first's earliest neighbour, else that first row itself
        out[idx] = np.where(first_line == lines, own, np.where(own > 0, own, first_line))
        return out

    def _neighbours(self, lon, lat, ids, lines) -> np.ndarray:
        """The earliest earlier line within the tolerance of each (distinct) point, 0 for none,
        among the indexed points and those of this chunk; then the new ones join the index.

        Only a point whose id was indexed before, or comes again in this chunk, can have a
        neighbour: where the file has ids, that is a few rows, and the others are only indexed.
        Bitmaps of the keys of the index and of the chunk say which cells can hold anything
        (most hold nothing)."""
        cx, cy, fx, fy = _cells(lon, lat)
        keys = _grid_key(cx, cy, ids)
        order = np.argsort(keys)
        sorted_keys = keys[order]
        best = np.full(len(lon), _NONE)
        seen = np.zeros(len(lon), dtype=bool)  # the same point is in the index already
        look = np.flatnonzero(self._index_ids.marked(ids) | _repeated(ids))
        if len(look):
            earlier = (self._key, self._at, self._points)
            chunk = (sorted_keys, order, _Columns(lon, lat, ids, lines))
            in_chunk = _Bitmap(max(16, int(len(look)).bit_length() + 3))
            in_chunk.mark(keys[look])  # a neighbour in the chunk has the same id: it is looked at too
            # own cell: only a key that occurs twice in the chunk has neighbours there
            shared = np.zeros(len(keys), dtype=bool)
            twice = np.flatnonzero(sorted_keys[1:] == sorted_keys[:-1])
            shared[order[twice]] = shared[order[twice + 1]] = True
            # cells are at least twice the tolerance wide: a point within it lies in the point's
            # own cell or in the neighbours towards the nearer edges (2 x 2 cells)
            sx = np.where(fx[look] < 0.5, -1, 1)
            sy = np.where(fy[look] < 0.5, -1, 1)
            for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
                wanted = keys[look] if dx == dy == 0 else _grid_key(cx[look] + dx * sx, cy[look] + dy * sy, ids[look])
                hit = self._index_keys.marked(wanted)
                p, line, same = self._near(earlier, wanted[hit], look[hit], lon, lat, ids, lines)
                np.minimum.at(best, p, line)
                seen[p[same]] = True
                hit = shared[look] if dx == dy == 0 else in_chunk.marked(wanted)
                p, line, _ = self._near(chunk, wanted[hit], look[hit], lon, lat, ids, lines)
                np.minimum.at(best, p, line)
        new = np.flatnonzero(~seen[order])  # in key order
        self._insert(sorted_keys[new], order[new], _Columns(lon, lat, ids, lines))
        return np.where(best == _NONE, 0, best)

    def _near(self, source, wanted, point, lon, lat, ids, lines):
        """(point, line, identical) for the points of ``source`` in the cell ``wanted`` of each
        ``point``, earlier than it, with its id, within the tolerance."""
        s_key, s_at, s = source
        lo, counts = _ranges(s_key, wanted)
        p = np.repeat(point, counts)
        c = s_at[np.repeat(lo, counts) + (np.arange(len(p)) - np.repeat(np.cumsum(counts) - counts, counts))]
        keep = (s.line[c] < lines[p]) & (s.id[c] == ids[p])
        p, c = p[keep], c[keep]
        near = distance_m(lon[p], lat[p], s.lon[c], s.lat[c]) <= self.tolerance
        p, c = p[near], c[near]
        return p, s.line[c], (s.lon[c] == lon[p]) & (s.lat[c] == lat[p])

    def _insert(self, keys: np.ndarray, at: np.ndarray, points: _Columns) -> None:
        """Index ``points[at]`` under their (sorted) ``keys``."""
        where = np.searchsorted(self._key, keys, side="right")
        self._key = np.insert(self._key, where, keys)
        self._at = np.insert(self._at, where, len(self._points) + np.arange(len(at)))
        self._points.extend(points.take(at))
        self._index_keys.mark(keys)
        self._index_ids.mark(points.id[at])


class _Bitmap:
    """A set of 64-bit keys that may answer yes for a key not in it: a flag for each value of
    the keys' top ``bits`` bits. (A byte each, not a bit: marking is then a plain assignment,
    seven times faster than NumPy's unbuffered ``bitwise_or.at``.)"""

    def __init__(self, bits: int):
        self._shift = np.uint64(64 - bits)
        self._flags = np.zeros(1 << bits, dtype=bool)

    def mark(self, keys: np.ndarray) -> None:
        self._flags[keys >> self._shift] = True

    def marked(self, keys: np.ndarray) -> np.ndarray:
        return self._flags[keys >> self._shift]


class _Columns:
    """lon, lat, id hash and line of points, appended to in amortised constant time."""

    def __init__(self, lon=None, lat=None, id=None, line=None):
        self._arrays = [np.empty(0) if lon is None else lon, np.empty(0) if lat is None else lat,
                        np.empty(0, dtype="uint64") if id is None else id,
                        np.empty(0, dtype="int64") if line is None else line]
        self._n = len(self._arrays[0])

    def __len__(self) -> int:
        return self._n

    lon = property(lambda self: self._arrays[0])
    lat = property(lambda self: self._arrays[1])
    id = property(lambda self: self._arrays[2])
    line = property(lambda self: self._arrays[3])

    def take(self, index: np.ndarray) -> _Columns:
        return _Columns(*(a[index] for a in self._arrays))

    def extend(self, other: _Columns) -> None:
        n, m = self._n, len(other)
        if n + m > len(self._arrays[0]):
            capacity = max(2 * len(self._arrays[0]), n + m, 1024)
            self._arrays = [np.concatenate([a[:n], np.empty(capacity - n, dtype=a.dtype)]) for a in self._arrays]
        for a, b in zip(self._arrays, other._arrays):
            a[n:n + m] = b[:m]
        self._n = n + m


def _ranges(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of ``wanted``, where its run starts in the sorted ``keys`` and how long it is."""
    lo = np.searchsorted(keys, wanted, side="left")
    found = np.flatnonzero(lo < len(keys))
    found = found[keys[lo[found]] == wanted[found]]
    counts = np.zeros(len(wanted), dtype="int64")
    counts[found] = np.searchsorted(keys, wanted[found], side="right") - lo[found]
    return lo, counts


def _repeated(values: np.ndarray) -> np.ndarray:
    """Which values occur more than once."""
    codes = pd.factorize(values)[0]
    return np.bincount(codes)[codes] > 1


def _hash_ids(ids, n: int) -> np.ndarray:
    """A 64-bit hash of each id, ignoring case and surrounding spaces (0 for none)."""
    if ids is None:
        return np.zeros(n, dtype="uint64")
    array = ids if isinstance(ids, (pa.Array, pa.ChunkedArray)) else pa.array(
        [None if v is None else str(v) for v in ids], type=pa.string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = pc.utf8_lower(pc.utf8_trim_whitespace(pc.fill_null(array.cast(pa.large_string()), "")))
    offsets = np.frombuffer(array.buffers()[1], dtype="int64")[array.offset:array.offset + len(array) + 1]
    lengths = np.diff(offsets)
    out = np.zeros(len(array), dtype="uint64")
    filled = np.flatnonzero(lengths > 0)
    if len(filled):
        data = np.frombuffer(array.buffers()[2], dtype="uint8")
        index = np.arange(offsets[0], offsets[-1])
        position = index - np.repeat(offsets[:-1], lengths)
        with np.errstate(over="ignore"):
            powers = np.cumprod(np.full(int(lengths.max()), _M2, dtype="uint64"))
            terms = (data[index].astype("uint64") + np.uint64(1)) * powers[position]
            sums = np.add.reduceat(terms, offsets[filled] - offsets[0])
            h = (sums ^ (sums >> np.uint64(31))) * _M1 + lengths[filled].astype("uint64")
            out[filled] = h ^ (h >> np.uint64(29))
    return out


def _exact_hash(lon, lat, ids) -> np.ndarray:
    """A 64-bit hash of (lon, lat, id): equal for identical points (bit for bit)."""
    a = np.ascontiguousarray(lon, dtype="float64").view("uint64")
    b = np.ascontiguousarray(lat, dtype="float64").view("uint64")
    with np.errstate(over="ignore"):
        h = a * _M1
        h = (h ^ (h >> np.uint64(29))) + b * _M2
        h = (h ^ (h >> np.uint64(32))) * _M1 + ids
        return h ^ (h >> np.uint64(31))


def _cells(lon, lat):
    """Grid cell of each point and where in its cell it lies (0..1 across, 0..1 up)."""
    x = lon / (2 * CELL_DEG)
    y = lat / CELL_DEG
    fx, fy = np.floor(x), np.floor(y)
    return fx.astype("int64"), fy.astype("int64"), x - fx, y - fy


def _grid_key(cx, cy, ids) -> np.ndarray:
    with np.errstate(over="ignore"):
        h = (cx.astype("uint64") * _M1) ^ (cy.astype("uint64") * _M2) ^ ids
        return h ^ (h >> np.uint64(31))  # the bitmap takes the top bits: mix the low ones in


def distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Metres between nearby points, from the local radii of curvature of WGS 84."""
    phi = np.radians((lat1 + lat2) / 2)
    s2 = np.sin(phi) ** 2
    n = A / np.sqrt(1 - E2 * s2)
    m = A * (1 - E2) / (1 - E2 * s2) ** 1.5
    dy = np.radians(lat2 - lat1) * m
    dx = np.radians(lon2 - lon1) * n * np.cos(phi)
    return np.hypot(dx, dy)
