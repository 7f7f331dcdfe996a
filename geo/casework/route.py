"""A short route through the props: nearest neighbour, then 2-opt, over geodesic metres.

    matrix = geodesic_matrix(lons, lats)          # metres between every pair (WGS 84 ellipsoid)
    order = plan_route(matrix, start=0)           # an open path from node 0 through every node

A path starts at ``start`` and ends anywhere (Satpol PP does not come back to the office on the
way). Nearest neighbour gives a first path; 2-opt then reverses segments while that shortens it,
so the result is never longer than nearest neighbour's.
"""
from __future__ import annotations

import numpy as np
from pyproj import Geod

GEOD = Geod(ellps="WGS84")


def geodesic_matrix(lons, lats) -> np.ndarray:
    """Metres between every pair of the points (``lons``, ``lats`` in degrees), symmetric, zero diagonal."""
    lons, lats = np.asarray(lons, dtype="float64"), np.asarray(lats, dtype="float64")
    n = len(lons)
    i, j = np.triu_indices(n, k=1)
    out = np.zeros((n, n))
    if len(i):
        _, _, metres = GEOD.inv(lons[i], lats[i], lons[j], lats[j])
        out[i, j] = out[j, i] = metres
    return out


def path_length(matrix: np.ndarray, order) -> float:
    """The length of the open path visiting ``order``."""
    order = np.asarray(order, dtype="int64")
    return float(matrix[order[:-1], order[1:]].sum()) if len(order) > 1 else 0.0


def nearest_neighbour(matrix: np.ndarray, start: int = 0) -> list[int]:
    """An open path from ``start``, always on to the nearest node not yet visited (ties: the lower index)."""
    n = len(matrix)
    visited = np.zeros(n, dtype=bool)
    order = [start]
    visited[start] = True
    for _ in range(n - 1):
        distances = np.where(visited, np.inf, matrix[order[-1]])
        nxt = int(np.argmin(distances))
        order.append(nxt)
        visited[nxt] = True
    return order


def two_opt(matrix: np.ndarray, order: list[int], max_passes: int = 50) -> list[int]:
    """``order`` (an open path, its first node fixed) improved by 2-opt: reverse ``order[i..j]``
    while some reversal shortens the path, the best one of each ``i`` first; at most
    ``max_passes`` sweeps. Never longer than the path it was given."""
    path = np.asarray(order, dtype="int64")
    n = len(path)
    if n < 3:
        return [int(v) for v in path]
    for _ in range(max_passes):
        improved = False
        for i in range(1, n - 1):
            before = path[i - 1]
            j = np.arange(i + 1, n)
            after = np.append(path[i + 2:], -1)          # the node after each j (-1: j is the end)
            has_next = j < n - 1
            old = matrix[before, path[i]] + np.where(has_next, matrix[path[j], np.maximum(after, 0)], 0.0)
            new = matrix[before, path[j]] + np.where(has_next, matrix[path[i], np.maximum(after, 0)], 0.0)
            gain = old - new
            best = int(np.argmax(gain))
            if gain[best] > 1e-9:
                k = int(j[best])
                path[i:k + 1] = path[i:k + 1][::-1].copy()
                improved = True
        if not improved:
            break
    return [int(v) for v in path]


def plan_route(matrix: np.ndarray, start: int = 0) -> list[int]:
    """A short open path from ``start`` through every node: nearest neighbour, then 2-opt."""
    if not len(matrix):
        return []
    return two_opt(matrix, nearest_neighbour(matrix, start))


def far_end(matrix: np.ndarray) -> int:
    """Where to start without a given start: the node farthest from the others on average (an
    end of the spread, so the path need not double back)."""
    return int(np.argmax(matrix.sum(axis=1))) if len(matrix) else 0
