"""Metric coordinate systems: the UTM zone of a regency, and the UTM point scale factor that
turns a projected distance into a true one (to far better than 1 cm per 100 m).
"""
from __future__ import annotations

import numpy as np
import pyproj

K0 = 0.9996
FALSE_EASTING = 500_000.0
_A = 6378137.0
_F = 1 / 298.257223563
_E2 = _F * (2 - _F)


def utm_epsg(lon, lat) -> np.ndarray:
    """EPSG code of the WGS 84 / UTM zone containing each lon/lat (326xx north, 327xx south)."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.asarray(lat, dtype="float64")
    zone = np.clip(np.floor((lon + 180.0) / 6.0).astype("int64") + 1, 1, 60)
    return np.where(lat >= 0, 32600, 32700) + zone


def utm_scale(easting, lat) -> np.ndarray:
    """Point scale factor k of transverse Mercator at a projected easting and a latitude.

    A short projected distance d (a few km at most) starting at that point is d / k metres on
    the ellipsoid. Series to fourth order in the distance from the central meridian; its error
    within a UTM zone and its neighbours is below 1e-8.
    """
    s2 = np.sin(np.radians(np.asarray(lat, dtype="float64"))) ** 2
    w = 1 - _E2 * s2
    # 1 / (M N): the radii of curvature, M = a (1 - e2) / w^1.5 and N = a / w^0.5
    u = (np.asarray(easting, dtype="float64") - FALSE_EASTING) / K0
    x2 = u * u * (w * w / (_A * _A * (1 - _E2)))
    return K0 * (1 + x2 * (0.5 + x2 / 24))


class Projector:
    """Transformers from WGS 84 to metric CRSs, made once per EPSG code and kept."""

    def __init__(self) -> None:
        self._forward: dict[int, pyproj.Transformer] = {}
        self._inverse: dict[int, pyproj.Transformer] = {}

    def forward(self, epsg: int) -> pyproj.Transformer:
        """The WGS 84 (lon/lat) -> ``epsg`` transformer, axes in x/y order."""
        if epsg not in self._forward:
            self._forward[epsg] = pyproj.Transformer.from_crs(4326, epsg, always_xy=True)
        return self._forward[epsg]

    def inverse(self, epsg: int) -> pyproj.Transformer:
        """The ``epsg`` -> WGS 84 (lon/lat) transformer, axes in x/y order."""
        if epsg not in self._inverse:
            self._inverse[epsg] = pyproj.Transformer.from_crs(epsg, 4326, always_xy=True)
        return self._inverse[epsg]
