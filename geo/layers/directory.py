"""A layers directory: ``rules.toml``, one regencies file and ``sites/`` with any number of
vector files whose features have ``category`` and ``name``.

    layers/
      rules.toml
      regencies.parquet        (or .gpkg / .geojson; columns code, name, geometry)
      sites/*.parquet|gpkg|geojson|fgb|shp
      coverage.toml            (optional: where the data are complete, see geo/layers/coverage_file.py)
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import secrets
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from geo.crs import utm_epsg
from geo.errors import ConfigError, Unavailable
from geo.layers import cache
from geo.layers.allowed import load_allowed
from geo.layers.allowed import rules_version as allowed_rules_version
from geo.layers.coverage import Coverage
from geo.layers.coverage_file import coverage_files, load_coverage
from geo.layers.vector import Features, concat_features, read_features
from geo.rules.model import CATEGORIES, Rules, load_rules

if TYPE_CHECKING:
    import geopandas as gpd

REGENCY_FILES = ("regencies.parquet", "regencies.gpkg", "regencies.geojson")
SITE_SUFFIXES = (".parquet", ".gpkg", ".geojson", ".json", ".fgb", ".shp")


def bundled_layers_dir() -> Path:
    """The layers shipped with zonasi (the embedded default)."""
    return Path(str(resources.files("layers")))


@dataclass
class Layers:
    """Regencies, sites and rules of one layers directory, all in EPSG:4326. ``regencies`` and
    ``sites`` are GeoDataFrames, made on first use from ``regency_features``/``site_features``."""

    directory: Path
    rules: Rules
    regency_features: Features
    site_features: Features
    version: str
    warnings: list[str] = field(default_factory=list)
    allowed: dict = field(default_factory=dict)   # regency code -> geo.layers.allowed.AllowedZones
    coverage: Coverage | None = None              # where the data are declared complete (coverage.toml)
    site_regency: pa.Array | None = None          # each site's regency code (null outside every one)
    regencies_version: str = ""                   # a hash of the regencies file alone ("" unknown)

    @cached_property
    def regencies(self) -> gpd.GeoDataFrame:
        """The regencies as a GeoDataFrame (made on first use, for the web pages)."""
        return self.regency_features.to_frame()

    @cached_property
    def sites(self) -> gpd.GeoDataFrame:
        """The forbidden sites as a GeoDataFrame (made on first use, for the web pages)."""
        return self.site_features.to_frame()


def load_layers(directory: str | Path | None = None) -> Layers:
    """Read the layers directory ``directory`` (default: the bundled layers): rules, regencies, sites and
    allowed zones; :class:`ConfigError` when it is missing or broken."""
    directory = Path(directory) if directory else bundled_layers_dir()
    if not directory.is_dir():
        raise ConfigError("layers directory not found", path=directory, message_id="config.no_layers_directory")
    rules = load_rules(directory / "rules.toml")
    warnings: list[str] = []
    regency_path, site_paths = layer_paths(directory)
    regencies = read_regencies(regency_path)
    rules.check_regencies(regencies.column("code"))
    coverage_paths = coverage_files(directory)
    version = _version([regency_path, *site_paths, *coverage_paths])
    cached = cache.read_sites(directory, version)
    if cached is None:
        sites = _combine_sites([_read_sites(p, warnings) for p in site_paths])
        site_regency = site_regency_codes(sites, regencies)
        cache.write_sites(directory, version, sites, warnings, site_regency)
    else:
        sites, warnings, site_regency = cached
    sites.cache_key = regencies.cache_key = version
    allowed = load_allowed(rules, directory)
    if allowed:  # the designated zones are part of the rules: a changed file is a new rules version
        rules = replace(rules, version=allowed_rules_version(rules.version, allowed))
    coverage = load_coverage(directory, regencies.column("code"), regencies.geometry)
    # coverage files join the version only when present: a directory without them keeps its version
    return Layers(directory=directory, rules=rules, regency_features=regencies, site_features=sites,
                  version=version, warnings=warnings,
                  allowed=allowed, coverage=coverage, site_regency=site_regency,
                  regencies_version=_version([regency_path]))


def layer_paths(directory: Path) -> tuple[Path, list[Path]]:
    """The regencies file and the site files of a layers directory (what its version hashes)."""
    regency_path = next((directory / n for n in REGENCY_FILES if (directory / n).exists()), None)
    if regency_path is None:
        raise ConfigError(f"no regencies file (one of {', '.join(REGENCY_FILES)})", path=directory,
                          message_id="config.no_regencies", message_values={"files": ", ".join(REGENCY_FILES)})
    site_paths = sorted(p for p in (directory / "sites").glob("*") if p.suffix.lower() in SITE_SUFFIXES)
    return regency_path, site_paths


def content_version(directory: str | Path) -> str:
    """The layers version of a directory: a hash of its regencies and site files (and its coverage
    files, when it has any)."""
    regency_path, site_paths = layer_paths(Path(directory))
    return _version([regency_path, *site_paths, *coverage_files(Path(directory))])


def read_regencies(path: Path) -> Features:
    """A regencies file's features (sorted by code, each with its UTM zone's EPSG code)."""
    features = read_features(path)
    for column in ("code", "name"):
        if column not in features.table.column_names:
            raise ConfigError(f"the regencies file needs a {column!r} column", path=path,
                              message_id="config.regencies_column", message_values={"column": column})
    features = features.where(~features.without_geometry())
    features = features.take(pc.sort_indices(features.table, [("code", "ascending")]).to_numpy())
    codes = features.column("code")
    repeated = codes[1:][codes[1:] == codes[:-1]]
    if len(repeated):
        raise ConfigError(f"regency code {repeated[0]} appears more than once", path=path,
                          message_id="config.regency_repeated", message_values={"code": str(repeated[0])})
    centre = shapely.get_coordinates(shapely.point_on_surface(features.geometry))
    epsg = pa.array(utm_epsg(centre[:, 0], centre[:, 1]), type=pa.int64())
    return features.with_table(features.table.append_column("epsg", epsg))


def _read_sites(path: Path, warnings: list[str]) -> Features:
    features = read_features(path)
    for column in ("category", "name"):
        if column not in features.table.column_names:
            raise ConfigError(f"site files need a {column!r} column", path=path,
                              message_id="config.sites_column", message_values={"column": column})
    category = features.table.column("category")
    unknown = sorted(set(pc.unique(category.cast(pa.string())).drop_null().to_pylist()) - set(CATEGORIES))
    if unknown or category.null_count:
        bad = unknown[0] if unknown else "(empty)"
        raise ConfigError(f"unknown category {bad!r}; known: {', '.join(CATEGORIES)}", path=path,
                          message_id="category.unknown",
                          message_values={"name": str(bad), "known": ", ".join(CATEGORIES)})
    empty = features.without_geometry()
    if empty.any():
        warnings.append(f"{path.name}: {int(empty.sum())} features without geometry were skipped")
    table = features.table
    numbered = pc.binary_join_element_wise(
        path.stem, pa.array(np.arange(1, len(table) + 1)).cast(pa.string()), "-")
    if "site_id" in table.column_names:
        at = table.column_names.index("site_id")
        table = table.set_column(at, "site_id", pc.fill_null(table.column("site_id").cast(pa.string()), numbered))
    else:
        table = table.append_column("site_id", numbered)
    table = table.append_column("layer", pc.fill_null(pa.nulls(len(table), pa.string()), path.stem))
    features = features.with_table(table)
    return features.where(~empty) if empty.any() else features


def _combine_sites(parts: list[Features]) -> Features:
    if not parts:
        empty = pa.array([], type=pa.string())
        return Features(pa.table({"name": empty, "category": empty, "site_id": empty, "layer": empty}),
                        np.empty(0, dtype=object), 2)
    table = pa.concat_tables([p.table for p in parts], promote_options="permissive")
    for column in ("name", "category"):
        values = table.column(column).cast(pa.string())
        table = table.set_column(table.column_names.index(column), column, pc.fill_null(values, ""))
    features = concat_features(parts, table)
    other = np.flatnonzero(~features.is_point)   # points are always valid
    invalid = other[~shapely.is_valid(features.shapes[other])]
    if len(invalid):
        features.shapes[invalid] = shapely.make_valid(features.shapes[invalid])
    counts = pc.value_counts(table.column("site_id"))
    repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    if len(repeated):
        first = pc.index(pc.is_in(table.column("site_id"), value_set=repeated), True).as_py()  # in file order
        site_id = table.column("site_id")[first].as_py()
        raise ConfigError(f"site_id {site_id!r} appears more than once in sites/", message_id="config.site_repeated",
                          message_values={"id": str(site_id)})
    return features


def _version(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:12]


def category_index(categories) -> np.ndarray:
    """The index of each category in :data:`CATEGORIES`, as an int16 array."""
    values = categories if isinstance(categories, (pa.Array, pa.ChunkedArray)) else pa.array(categories, pa.string())
    index = pc.index_in(values.cast(pa.string()), value_set=pa.array(CATEGORIES))
    if index.null_count:
        unknown = pc.filter(values, pc.is_null(index))[0]
        raise KeyError(unknown.as_py())
    return index.to_numpy(zero_copy_only=False).astype("int16")


PARTIAL = ".partial"   # the suffix of a sites file being written (not a site file's suffix)


def write_sites(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write a sites file as GeoParquet atomically: into a temporary file beside it, then
    ``os.replace``. A kill mid-write leaves the old file (or none), never a truncated one that
    would stop the layers loading; a failed write removes its temporary file, and one left by a
    killed run is removed by :func:`remove_stale_partials`. A write the disk refuses (full, too
    large) raises :class:`~geo.errors.Unavailable`."""
    partial = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}{PARTIAL}")
    try:
        handle = locked_new_file(partial)
        try:
            with handle:
                frame.to_parquet(handle, compression="zstd", index=False)
                handle.flush()
                os.fsync(handle.fileno())
                os.replace(partial, path)  # still locked: a cleaner never sees it unlocked under its name
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise Unavailable(f"cannot write {path}: {reason}", message_id="layers.cannot_write",
                          message_values={"file": str(path), "reason": reason}) from exc


def locked_new_file(path: Path):
    """A new file at ``path``, opened for writing and locked (flock) until closed: the lock tells a
    running write from the leftover of a killed one (the kernel drops a dead process's locks)."""
    handle = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb")
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    return handle


def remove_stale_partials(sites_dir: Path) -> list[Path]:
    """Remove the temporary files of :func:`write_sites` that no running write holds (left by a
    killed run); returns the paths removed."""
    removed = []
    for partial in sorted(Path(sites_dir).glob(f".*{PARTIAL}")):
        try:
            with partial.open("rb") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                partial.unlink()
                removed.append(partial)
        except OSError:  # held by a running write (BlockingIOError), or gone meanwhile
            continue
    return removed


def site_regency_codes(sites: Features, regencies: Features) -> pa.Array:
    """The regency code of each site: its own ``regency_code`` where its file gives one, else the
    regency holding a point on the site (points: the point itself; the lowest code where two
    overlap; null outside every regency). Vectorised per regency on the sites within its bounds
    (sorted by longitude), with no shapely object per point site."""
    xy = sites.xy.copy()
    other = np.flatnonzero(~sites.is_point)
    if len(other):
        xy[other] = shapely.get_coordinates(shapely.point_on_surface(sites.shapes[other]))[:, :2]
    found = np.full(len(sites), -1, dtype="int64")
    order = np.argsort(xy[:, 0], kind="stable")
    lon = xy[order, 0]
    codes = regencies.column("code").astype(str)
    for i, (geom, (west, south, east, north)) in enumerate(zip(regencies.geometry, shapely.bounds(regencies.geometry))):
        window = order[np.searchsorted(lon, west, "left"):np.searchsorted(lon, east, "right")]
        window = window[(found[window] < 0) & (xy[window, 1] >= south) & (xy[window, 1] <= north)]
        if len(window):
            shapely.prepare(geom)
            window = window[shapely.contains_xy(geom, xy[window, 0], xy[window, 1])
                            | shapely.intersects_xy(geom, xy[window, 0], xy[window, 1])]
            found[window] = i
    located = pa.array(np.where(found >= 0, codes[np.maximum(found, 0)], None), pa.string())
    if "regency_code" in sites.table.column_names:
        given = sites.table.column("regency_code").cast(pa.string()).combine_chunks()
        located = pc.if_else(pc.fill_null(pc.not_equal(given, ""), False), given, located)
    return located


def regency_codes(geoms: np.ndarray, regencies: gpd.GeoDataFrame) -> np.ndarray:
    """The code of the regency containing each feature's representative point ('' for none)."""
    points = shapely.point_on_surface(geoms)
    tree = shapely.STRtree(regencies.geometry.to_numpy())
    point_i, regency_i = tree.query(points, predicate="intersects")
    codes = np.full(len(geoms), "", dtype=object)
    order = np.lexsort((regency_i, point_i))  # lowest code first where regencies overlap
    point_i, regency_i = point_i[order], regency_i[order]
    first = np.unique(point_i, return_index=True)[1]
    codes[point_i[first]] = regencies["code"].to_numpy()[regency_i[first]]
    return codes
