"""Allowed-zones mode: regencies that designate where campaign props MAY stand.

Some cities allow props only at designated points or zones (Kota Pekalongan: 221 designated
points; Palembang: 10-12 per kecamatan). In rules.toml:

    [regencies."33.75"]
    name = "Kota Pekalongan"
    allowed_zones = "allowed/kota_pekalongan.geojson"   # relative to rules.toml
    allowed_radius_m = 10                               # around points and lines
    allowed_basis = "Keputusan KPU Kota Pekalongan ..."

The file holds points or lines (a prop may stand within the radius: ``allowed_radius_m``, or a
``radius_m`` column per feature) or polygons (inside; a ``radius_m`` may widen one). In such a
regency a prop outside every allowed zone is a violation, whatever its distance to forbidden
sites; inside one, the forbidden sites still apply. Decided by exact distance in the regency's
UTM zone, like every other verdict.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from geo.crs import Projector, utm_scale
from geo.errors import ConfigError
from geo.rules.model import Rules, _line_of

if TYPE_CHECKING:
    import geopandas as gpd

NAME_FIELDS = ("name", "nama", "Name", "NAMA")
LABEL = "Zona pemasangan APK yang ditetapkan"
LABEL_EN = "Designated zone for campaign props"


@dataclass(frozen=True)
class AllowedZones:
    """The designated zones of one regency: zone_id, name, radius_m, geometry (EPSG:4326)."""

    code: str
    frame: gpd.GeoDataFrame
    legal_basis: str
    path: Path
    digest: str
    label: str = LABEL
    label_en: str = LABEL_EN


def load_allowed(rules: Rules, directory: Path) -> dict[str, AllowedZones]:
    """The allowed zones of every regency whose rule names a file (errors name the rules line)."""
    from geo.layers.directory import _read  # the one reader of vector files (CRS -> WGS 84)

    out = {}
    for code, rule in rules.model.regencies.items():
        if rule.allowed_zones is None:
            continue
        key = ("regencies", code, "allowed_zones")
        where = {"path": rules.path, "line": _line_of(rules._text, key), "key": ".".join(key)}
        path = (directory / rule.allowed_zones).resolve()
        if not path.is_file():
            raise ConfigError(f"allowed-zones file {rule.allowed_zones} not found (paths are relative to "
                              "rules.toml)", **where)
        try:
            frame = _read(path)
        except ConfigError as exc:
            raise ConfigError(exc.message, **where) from exc
        out[code] = AllowedZones(code=code, frame=_zones(frame, path, rule.allowed_radius_m, where),
                                 legal_basis=rule.allowed_basis, path=path, digest=_digest(path))
    return out


def _zones(frame: gpd.GeoDataFrame, path: Path, default_radius: float | None, where: dict) -> gpd.GeoDataFrame:
    geoms = frame.geometry.to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        raise ConfigError(f"{path.name}: feature {int(np.flatnonzero(empty)[0]) + 1} has no geometry", **where)
    if not len(frame):
        raise ConfigError(f"{path.name} holds no zones", **where)
    geoms = shapely.force_2d(geoms)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    areal = shapely.get_dimensions(geoms) == 2
    radius = np.where(areal, 0.0, default_radius or 0.0)   # the default radius is for points and lines
    if "radius_m" in frame.columns:
        own = frame["radius_m"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        if (own < 0).any():
            raise ConfigError(f"{path.name}: radius_m must be zero or more metres", **where)
        radius = np.where(np.isfinite(own), own, radius)
    flat = ~areal & (radius <= 0)
    if flat.any():
        raise ConfigError(f"{path.name}: feature {int(np.flatnonzero(flat)[0]) + 1} is a point or line without "
                          "a radius: set allowed_radius_m, or a radius_m column", **where)
    name = next((c for c in NAME_FIELDS if c in frame.columns), None)
    import geopandas as gpd

    ids = frame["zone_id"].astype(str) if "zone_id" in frame.columns else \
        [f"{path.stem}-{i + 1}" for i in range(len(frame))]
    return gpd.GeoDataFrame({"zone_id": ids,
                             "name": frame[name].fillna("").astype(str).to_numpy() if name else "",
                             "radius_m": radius}, geometry=gpd.GeoSeries(geoms, crs=4326))


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rules_version(version: str, allowed: dict[str, AllowedZones]) -> str:
    """The rules version including the allowed-zones files (a changed file is a new version)."""
    if not allowed:
        return version
    digest = hashlib.sha256(version.encode())
    for code in sorted(allowed):
        digest.update(code.encode() + allowed[code].digest.encode())
    return digest.hexdigest()[:12]


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
