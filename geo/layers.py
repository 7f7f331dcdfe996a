"""A layers directory: ``rules.toml``, one regencies file and ``sites/`` with any number of
vector files whose features have ``category`` and ``name``.

    layers/
      rules.toml
      regencies.parquet        (or .gpkg / .geojson; columns code, name, geometry)
      sites/*.parquet|gpkg|geojson|fgb|shp
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyproj
import shapely

from .allowed import load_allowed
from .allowed import rules_version as allowed_rules_version
from .crs import utm_epsg
from .errors import ConfigError
from .rules import CATEGORIES, Rules, load_rules

REGENCY_FILES = ("regencies.parquet", "regencies.gpkg", "regencies.geojson")
SITE_SUFFIXES = (".parquet", ".gpkg", ".geojson", ".json", ".fgb", ".shp")


def bundled_layers_dir() -> Path:
    """The layers shipped with zonasi (the embedded default)."""
    return Path(str(resources.files("layers")))


@dataclass
class Layers:
    """Regencies, sites and rules of one layers directory, all in EPSG:4326."""

    directory: Path
    rules: Rules
    regencies: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    version: str
    warnings: list[str] = field(default_factory=list)
    allowed: dict = field(default_factory=dict)   # regency code -> geo.allowed.AllowedZones


def load_layers(directory: str | Path | None = None) -> Layers:
    directory = Path(directory) if directory else bundled_layers_dir()
    if not directory.is_dir():
        raise ConfigError("layers directory not found", path=directory)
    rules = load_rules(directory / "rules.toml")
    warnings: list[str] = []
    regency_path, site_paths = layer_paths(directory)
    regencies = _read_regencies(regency_path)
    rules.check_regencies(regencies["code"])
    frames = [_read_sites(p, warnings) for p in site_paths]
    sites = _combine_sites(frames)
    allowed = load_allowed(rules, directory)
    if allowed:  # the designated zones are part of the rules: a changed file is a new rules version
        rules = replace(rules, version=allowed_rules_version(rules.version, allowed))
    return Layers(directory=directory, rules=rules, regencies=regencies, sites=sites,
                  version=_version([regency_path, *site_paths]), warnings=warnings, allowed=allowed)


def layer_paths(directory: Path) -> tuple[Path, list[Path]]:
    """The regencies file and the site files of a layers directory (what its version hashes)."""
    regency_path = next((directory / n for n in REGENCY_FILES if (directory / n).exists()), None)
    if regency_path is None:
        raise ConfigError(f"no regencies file (one of {', '.join(REGENCY_FILES)})", path=directory)
    site_paths = sorted(p for p in (directory / "sites").glob("*") if p.suffix.lower() in SITE_SUFFIXES)
    return regency_path, site_paths


def content_version(directory: str | Path) -> str:
    """The layers version of a directory: a hash of its regencies and site files."""
    regency_path, site_paths = layer_paths(Path(directory))
    return _version([regency_path, *site_paths])


def _read(path: Path) -> gpd.GeoDataFrame:
    try:
        if path.suffix == ".parquet":
            frame = _read_geoparquet(path)
        else:
            frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio and pyarrow raise many kinds
        raise ConfigError(f"cannot read vector file: {exc}", path=path) from exc
    if frame.crs is None:
        frame = frame.set_crs(4326)
    elif not frame.crs.equals("EPSG:4326") and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    return frame


def _read_geoparquet(path: Path) -> gpd.GeoDataFrame:
    """A GeoParquet file with WKB geometries, its CRS parsed once per process (a PROJJSON CRS
    takes pyproj 25 ms, for each of a dozen files with the same one); other encodings through
    ``geopandas.read_parquet``."""
    table = pq.read_table(path)
    meta = json.loads((table.schema.metadata or {}).get(b"geo", b"{}"))
    name = meta.get("primary_column")
    column = meta.get("columns", {}).get(name, {})
    if name not in table.column_names or column.get("encoding", "").upper() != "WKB":
        return gpd.read_parquet(path)
    crs = _parse_crs(json.dumps(column["crs"])) if "crs" in column else "OGC:CRS84"  # the spec's default
    geometry = gpd.GeoSeries.from_wkb(table.column(name).to_numpy(zero_copy_only=False), crs=crs)
    frame = table.drop_columns([name]).to_pandas()
    return gpd.GeoDataFrame(frame, geometry=geometry.set_axis(frame.index).rename(name), crs=crs)


@lru_cache(maxsize=8)
def _parse_crs(projjson: str) -> pyproj.CRS | None:
    return None if projjson == "null" else pyproj.CRS.from_json(projjson)


def _read_regencies(path: Path) -> gpd.GeoDataFrame:
    frame = _read(path)
    for column in ("code", "name"):
        if column not in frame.columns:
            raise ConfigError(f"the regencies file needs a {column!r} column", path=path)
    frame = frame[~frame.geometry.isna() & ~frame.geometry.is_empty]
    frame = frame.sort_values("code").reset_index(drop=True)
    duplicated = frame["code"][frame["code"].duplicated()]
    if len(duplicated):
        raise ConfigError(f"regency code {duplicated.iloc[0]} appears more than once", path=path)
    centre = frame.geometry.representative_point()
    frame["epsg"] = utm_epsg(centre.x.to_numpy(), centre.y.to_numpy())
    return frame


def _read_sites(path: Path, warnings: list[str]) -> gpd.GeoDataFrame:
    frame = _read(path)
    for column in ("category", "name"):
        if column not in frame.columns:
            raise ConfigError(f"site files need a {column!r} column", path=path)
    unknown = sorted(set(frame["category"].dropna().astype(str)) - set(CATEGORIES))
    if unknown or frame["category"].isna().any():
        bad = unknown[0] if unknown else "(empty)"
        raise ConfigError(f"unknown category {bad!r}; known: {', '.join(CATEGORIES)}", path=path)
    empty = frame.geometry.isna() | frame.geometry.is_empty
    if empty.any():
        warnings.append(f"{path.name}: {int(empty.sum())} features without geometry were skipped")
    stem = path.stem
    ids = frame["site_id"].astype(str) if "site_id" in frame.columns else \
        pd.Series([f"{stem}-{i + 1}" for i in range(len(frame))], index=frame.index)
    frame = frame.assign(site_id=ids, layer=stem)[~empty]
    return frame


def _combine_sites(frames: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    if not frames:
        return gpd.GeoDataFrame({"site_id": [], "name": [], "category": [], "layer": []},
                                geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    sites = pd.concat(frames, ignore_index=True)
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=4326)
    sites["name"] = sites["name"].fillna("").astype(str)
    sites["category"] = sites["category"].astype(str)
    invalid = ~shapely.is_valid(sites.geometry.values)
    if invalid.any():
        sites.loc[invalid, "geometry"] = shapely.make_valid(sites.geometry.values[invalid])
    duplicated = sites["site_id"][sites["site_id"].duplicated()]
    if len(duplicated):
        raise ConfigError(f"site_id {duplicated.iloc[0]!r} appears more than once in sites/")
    return sites


def _version(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:12]


def category_index(categories) -> np.ndarray:
    lookup = {c: i for i, c in enumerate(CATEGORIES)}
    return np.array([lookup[c] for c in categories], dtype="int16")


def write_sites(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write a sites file as GeoParquet atomically: a kill mid-write leaves the old file (or
    none), never a truncated one that would stop the layers loading."""
    partial = path.with_name(f".{path.name}.partial")  # its suffix is not a site file's
    frame.to_parquet(partial, compression="zstd", index=False)
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, path)
