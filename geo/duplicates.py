"""Rows that repeat an earlier row: coordinates within a tolerance (2 m) and, when the file has
an APK id column, the same id. Works chunk after chunk over a whole file, vectorised.

Every point goes into a grid of cells at least ``tolerance`` wide (keyed together with its id);
candidates are the points in the 3 x 3 cells around a point, the distance is checked on the
ellipsoid (local radii of curvature: exact to well under a millimetre at 2 m). Identical
points are folded first, so a spot reported a thousand times costs no more than once.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

A = 6378137.0
E2 = 0.00669437999014
CELL_DEG = 4e-5          # 4.4 m of latitude; longitude cells twice as wide: >= 4 m up to 60 degrees
_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)


class DuplicateFinder:
    """Call :meth:`find` with the rows of each chunk in file order."""

    def __init__(self, tolerance_m: float = 2.0):
        self.tolerance = tolerance_m
        # representatives of every distinct (lon, lat, id) seen, sorted by grid key
        self._key = np.empty(0, dtype="uint64")
        self._lon = np.empty(0)
        self._lat = np.empty(0)
        self._id = np.empty(0, dtype="uint64")
        self._line = np.empty(0, dtype="int64")
        # every distinct (lon, lat, id), sorted by its hash: line of its first row, that row's
        # duplicate_of
        self._ex_hash = np.empty(0, dtype="uint64")
        self._ex_line = np.empty(0, dtype="int64")
        self._ex_dup = np.empty(0, dtype="int64")

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
        exact = _exact_hash(lon, lat, id_hash)

        # identical points are folded: only the first of each is looked up in the grid (the
        # distinct hashes come sorted, so the lookups below walk the index in order)
        distinct, first_row, row_of = np.unique(exact, return_index=True, return_inverse=True)
        new = first_row[~_isin_sorted(distinct, self._ex_hash)]
        dup = self._neighbours(lon[new], lat[new], id_hash[new], lines[new])
        self._ex_hash, self._ex_line, self._ex_dup = _merge_sorted(
            (self._ex_hash, self._ex_line, self._ex_dup), (exact[new], lines[new], dup))

        pos = np.searchsorted(self._ex_hash, distinct)[row_of]
        first, first_dup = self._ex_line[pos], self._ex_dup[pos]
        out[idx] = np.where(first == lines, first_dup, np.where(first_dup > 0, first_dup, first))
        return out

    def _neighbours(self, lon, lat, ids, lines) -> np.ndarray:
        """The earliest earlier line within the tolerance of each point (0 for none), among the
        points of earlier chunks (the index) and of this chunk; then this chunk joins the index."""
        cx, cy, fx, fy = _cells(lon, lat)
        keys = _grid_key(cx, cy, ids)
        order = np.argsort(keys)
        this_chunk = (keys[order], lon[order], lat[order], ids[order], lines[order])
        earlier = (self._key, self._lon, self._lat, self._id, self._line)
        best = np.zeros(len(lon), dtype="int64")
        # cells are at least twice the tolerance wide: a point within it lies in the point's
        # own cell or in the neighbours towards the nearer edges (2 x 2 cells)
        sx = np.where(fx < 0.5, -1, 1)
        sy = np.where(fy < 0.5, -1, 1)
        for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
            wanted = _grid_key(cx + dx * sx, cy + dy * sy, ids)
            by_key = np.argsort(wanted)
            for source in (earlier, this_chunk):
                p, line = self._near(source, wanted, by_key, lon, lat, ids, lines)
                if len(p):
                    cand = np.full(len(lon), np.iinfo("int64").max)
                    np.minimum.at(cand, p, line)
                    hit = cand < np.iinfo("int64").max
                    best[hit] = np.where(best[hit] > 0, np.minimum(best[hit], cand[hit]), cand[hit])
        self._insert(keys, lon, lat, ids, lines)
        return best

    def _near(self, source, wanted, by_key, lon, lat, ids, lines):
        """(point, line) pairs: points of ``source`` (arrays sorted by grid key) in the cell
        ``wanted`` of each point, earlier than it, with its id, within the tolerance."""
        s_key, s_lon, s_lat, s_id, s_line = source
        lo, counts = _ranges(s_key, wanted[by_key])
        if not counts.any():
            return lo[:0], lo[:0]
        p = np.repeat(by_key, counts)
        c = np.repeat(lo, counts) + (np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts))
        keep = (s_line[c] < lines[p]) & (s_id[c] == ids[p])
        p, c = p[keep], c[keep]
        near = _distance(lon[p], lat[p], s_lon[c], s_lat[c]) <= self.tolerance
        return p[near], s_line[c[near]]

    def _insert(self, keys, lon, lat, ids, lines) -> None:
        self._key, self._lon, self._lat, self._id, self._line = _merge_sorted(
            (self._key, self._lon, self._lat, self._id, self._line), (keys, lon, lat, ids, lines))


def _merge_sorted(old: tuple, new: tuple) -> tuple:
    """Arrays sorted by their first member, with the new rows merged in (linear time in the
    old rows: only the new ones are sorted)."""
    order = np.argsort(new[0], kind="stable")
    at = np.searchsorted(old[0], new[0][order], side="right")
    return tuple(np.insert(a, at, b[order]) for a, b in zip(old, new))


def _ranges(keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each of the (sorted) ``wanted``, where its run starts in the sorted ``keys`` and how
    long it is. Most wanted keys are absent: the end of a run is searched for only when found."""
    lo = np.searchsorted(keys, wanted, side="left")
    found = np.flatnonzero(lo < len(keys))
    found = found[keys[lo[found]] == wanted[found]]
    counts = np.zeros(len(wanted), dtype="int64")
    counts[found] = np.searchsorted(keys, wanted[found], side="right") - lo[found]
    return lo, counts


def _isin_sorted(values: np.ndarray, sorted_values: np.ndarray) -> np.ndarray:
    if not len(sorted_values):
        return np.zeros(len(values), dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_values, values), len(sorted_values) - 1)
    return sorted_values[pos] == values


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
        return (cx.astype("uint64") * _M1) ^ (cy.astype("uint64") * _M2) ^ ids


def _distance(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Metres between nearby points, from the local radii of curvature of WGS 84."""
    phi = np.radians((lat1 + lat2) / 2)
    s2 = np.sin(phi) ** 2
    n = A / np.sqrt(1 - E2 * s2)
    m = A * (1 - E2) / (1 - E2 * s2) ** 1.5
    dy = np.radians(lat2 - lat1) * m
    dx = np.radians(lon2 - lon1) * n * np.cos(phi)
    return np.hypot(dx, dy)
