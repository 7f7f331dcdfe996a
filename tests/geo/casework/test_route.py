"""The route heuristic: nearest neighbour + 2-opt over a distance matrix."""
from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from geo.casework import geodesic_matrix, nearest_neighbour, path_length, plan_route, two_opt


def planar(points) -> np.ndarray:
    xy = np.asarray(points, dtype="float64")
    return np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))


def optimum(matrix: np.ndarray, start: int = 0) -> float:
    rest = [i for i in range(len(matrix)) if i != start]
    return min(path_length(matrix, [start, *p]) for p in itertools.permutations(rest))


def test_two_opt_mends_what_nearest_neighbour_gets_wrong():
    # On a line from 0: nearest neighbour goes 1, then back to -1.5, then all the way to 4 (9 in
    # all); the best path goes to -1.5 first (7).
    matrix = planar([(0, 0), (1, 0), (-1.5, 0), (4, 0)])
    assert nearest_neighbour(matrix) == [0, 1, 2, 3] and path_length(matrix, [0, 1, 2, 3]) == 9
    assert plan_route(matrix) == [0, 2, 1, 3] and path_length(matrix, plan_route(matrix)) == optimum(matrix) == 7


def test_a_known_small_case_gives_the_optimal_order():
    # two rows of stops: the best open path from the corner snakes along them
    points = [(0, 0), (3, 0), (1, 0), (2, 0), (3, 1), (1, 1), (2, 1), (0, 1)]
    matrix = planar(points)
    order = plan_route(matrix)
    assert path_length(matrix, order) == optimum(matrix) == 7
    assert [points[i] for i in order] == [(0, 0), (1, 0), (2, 0), (3, 0), (3, 1), (2, 1), (1, 1), (0, 1)]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(-1000, 1000), st.integers(-1000, 1000)), min_size=1, max_size=9),
       st.integers(0, 8))
def test_two_opt_is_never_longer_than_nearest_neighbour(points, start):
    matrix = planar(points)
    start = start % len(points)
    first = nearest_neighbour(matrix, start)
    better = two_opt(matrix, first)
    assert sorted(better) == list(range(len(points))) and better[0] == start
    assert path_length(matrix, better) <= path_length(matrix, first) + 1e-9
    if len(points) <= 7:
        assert path_length(matrix, better) >= optimum(matrix, start) - 1e-9


def test_geodesic_matrix_is_geods_metres():
    lons, lats = [108.32, 108.33, 106.8], [-6.33, -6.40, -6.2]
    matrix = geodesic_matrix(lons, lats)
    _, _, metres = Geod(ellps="WGS84").inv(lons[0], lats[0], lons[2], lats[2])
    assert np.allclose(matrix, matrix.T) and np.all(np.diag(matrix) == 0)
    assert abs(matrix[0, 2] - metres) < 1e-6 and 7000 < matrix[0, 1] < 9000
    assert geodesic_matrix([], []).shape == (0, 0) and plan_route(np.zeros((0, 0))) == []
