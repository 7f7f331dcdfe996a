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

This module reads the files (they are layers); :mod:`geo.engine.allowed` indexes them for verdicts.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely

from geo.errors import ConfigError
from geo.layers.vector import read_vector
from geo.rules.model import Rules, line_of

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
    out = {}
    for code, rule in rules.model.regencies.items():
        if rule.allowed_zones is None:
            continue
        key = ("regencies", code, "allowed_zones")
        where = {"path": rules.path, "line": line_of(rules._text, key), "key": ".".join(key)}
        path = (directory / rule.allowed_zones).resolve()
        if not path.is_file():
            raise ConfigError(f"allowed-zones file {rule.allowed_zones} not found (paths are relative to "
                              "rules.toml)", message_id="config.allowed_missing",
                              message_values={"file": str(rule.allowed_zones)}, **where)
        try:
            frame = read_vector(path)
        except ConfigError as exc:
            raise ConfigError(exc.message, message_id=exc.message_id, message_values=exc.message_values,
                              **where) from exc
        out[code] = AllowedZones(code=code, frame=_zones(frame, path, rule.allowed_radius_m, where),
                                 legal_basis=rule.allowed_basis, path=path, digest=_digest(path))
    return out


def _zones(frame: gpd.GeoDataFrame, path: Path, default_radius: float | None, where: dict) -> gpd.GeoDataFrame:
    geoms = frame.geometry.to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if empty.any():
        number = int(np.flatnonzero(empty)[0]) + 1
        raise ConfigError(f"{path.name}: feature {number} has no geometry", message_id="config.allowed_no_geometry",
                          message_values={"file": path.name, "number": number}, **where)
    if not len(frame):
        raise ConfigError(f"{path.name} holds no zones", message_id="config.allowed_empty",
                          message_values={"file": path.name}, **where)
    geoms = shapely.force_2d(geoms)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    areal = shapely.get_dimensions(geoms) == 2
    radius = np.where(areal, 0.0, default_radius or 0.0)   # the default radius is for points and lines
    if "radius_m" in frame.columns:
        own = frame["radius_m"].astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
        if (own < 0).any():
            raise ConfigError(f"{path.name}: radius_m must be zero or more metres", message_id="config.allowed_radius",
                              message_values={"file": path.name}, **where)
        radius = np.where(np.isfinite(own), own, radius)
    flat = ~areal & (radius <= 0)
    if flat.any():
        number = int(np.flatnonzero(flat)[0]) + 1
        raise ConfigError(f"{path.name}: feature {number} is a point or line without "
                          "a radius: set allowed_radius_m, or a radius_m column", message_id="config.allowed_no_radius",
                          message_values={"file": path.name, "number": number}, **where)
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
