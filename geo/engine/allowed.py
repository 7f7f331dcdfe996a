"""The allowed-zones index of the engine: exact "inside some designated zone?" per point, in
the regency's UTM zone (the zones themselves are read by :mod:`geo.layers.allowed`)."""
from __future__ import annotations

import numpy as np
import shapely

from geo.crs import Projector, utm_scale
from geo.layers.allowed import AllowedZones


class AllowedIndex:
    """Exact "inside some allowed zone?" for the points of allowed-zones regencies.

    Per regency: zones projected once into the regency's UTM zone and indexed; a point is
    inside when its true distance to a zone is within that zone's radius (0 inside a polygon).
    """

    def __init__(self, allowed: dict[str, AllowedZones], regency_index: dict[str, int], regency_epsg,
                 projector: Projector):
        self._projector = projector
        self._regencies = {}
        for code, zones in allowed.items():
            r = regency_index[code]
            epsg = int(regency_epsg[r])
            fwd = projector.forward(epsg)
            geoms = shapely.transform(zones.frame.geometry.to_numpy(),
                                      lambda xy, t=fwd: np.column_stack(t.transform(xy[:, 0], xy[:, 1])))
            radius = zones.frame["radius_m"].to_numpy(dtype="float64")
            self._regencies[r] = (zones, epsg, geoms, radius, shapely.STRtree(geoms))

    def __bool__(self) -> bool:
        return bool(self._regencies)

    def regency(self, r: int) -> AllowedZones | None:
        """The allowed zones of regency index ``r``, or None when that regency is not in allowed-zones mode."""
        entry = self._regencies.get(r)
        return entry[0] if entry else None

    def check(self, lons: np.ndarray, lats: np.ndarray, regency: np.ndarray):
        """Per point: outside every allowed zone of its regency (False where the regency has none),
        the nearest zone (index into that regency's frame, -1 for none) and how far the point is
        from that zone's edge in metres (negative inside)."""
        n = len(lons)
        outside = np.zeros(n, dtype=bool)
        zone = np.full(n, -1, dtype="int64")
        beyond = np.full(n, np.nan)
        for r, (_, epsg, geoms, radius, tree) in self._regencies.items():
            idx = np.flatnonzero(regency == r)
            if not len(idx):
                continue
            x, y = self._projector.forward(epsg).transform(lons[idx], lats[idx])
            k = utm_scale(x, lats[idx])
            points = shapely.points(x, y)
            # the zone whose edge (distance minus radius) is nearest, among those within reach
            reach = radius.max() * k * (1 + 1e-9) + 1e-6
            p, z = tree.query(points, predicate="dwithin", distance=reach)
            distance = shapely.distance(points[p], geoms[z])
            within = distance == 0  # inside a polygon: negative, the distance to its edge
            distance[within] = -shapely.distance(points[p][within], shapely.boundary(geoms[z][within]))
            edge = distance / k[p] - radius[z]
            best = np.full(len(idx), np.inf)
            np.minimum.at(best, p, edge)
            chosen = np.full(len(idx), -1, dtype="int64")
            hit = edge == best[p]
            chosen[p[hit]] = z[hit]
            far = np.flatnonzero(np.isinf(best))
            if len(far):
                (fp, fz), fd = tree.query_nearest(points[far], return_distance=True, all_matches=False)
                chosen[far[fp]] = fz
                best[far[fp]] = fd / k[far[fp]] - radius[fz]
            zone[idx] = chosen
            beyond[idx] = best
            outside[idx] = best > 0
        return outside, zone, beyond
