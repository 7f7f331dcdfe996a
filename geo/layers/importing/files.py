"""Importing sites from GIS files into a layers directory.

Reads GeoJSON, GeoPackage, Shapefile (also zipped), FlatGeobuf, GeoParquet, or CSV with
coordinate columns; reprojects any CRS to WGS 84; repairs invalid geometries (and counts them);
reports rows without geometry, or with coordinates outside the globe, instead of losing them
silently; maps a category field onto the rule categories; writes one new GeoParquet file into
``sites/`` (atomically) and records a new layers version (see :mod:`geo.layers.versions`). What one
import reads is bounded (decompressed bytes, features: :mod:`geo.layers.importing.limits`).
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from geo.errors import InputError, ZonasiError
from geo.layers import coverage_write, versions
from geo.layers.directory import layer_paths, read_regencies, regency_codes, remove_stale_partials, write_sites
from geo.layers.importing.limits import (
    BATCH_SIZE,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_FEATURES,
    ReadLimits,
    bounded_batches,
    check_zip,
    too_many_features,
)
from geo.rules.model import CATEGORIES

VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".fgb", ".zip", ".parquet", ".geoparquet", ".csv")
NAME_FIELDS = ("name", "nama", "Name", "NAME", "NAMOBJ", "NAMA")
LON_FIELDS = ("lon", "lng", "longitude", "long", "bujur", "x")
LAT_FIELDS = ("lat", "latitude", "lintang", "y")
ZIP_INNER = (".shp", ".gpkg", ".geojson", ".json", ".fgb")


@dataclass
class ImportOptions:
    """How to read an imported file: the category of its features (one, or from a field), names, layer, CRS
    and coordinate columns."""

    category: str | None = None                  # one category for every feature
    category_field: str | None = None            # or a field holding it ...
    mapping: dict[str, str] = field(default_factory=dict)  # ... with VALUE -> category key
    name_field: str | None = None
    layer: str | None = None                     # the layer of a multi-layer file (GPKG)
    crs: str | None = None                       # CRS of a file that names none (CSV, bare .shp)
    lon_field: str | None = None                 # CSV coordinate columns
    lat_field: str | None = None
    output_name: str | None = None               # sites/<output_name>.parquet
    replace: bool = False
    source: str | None = None                    # provenance recorded in the manifest
    licence: str | None = None
    date: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES           # bytes once decompressed (zip members, GeoParquet data)
    max_features: int = DEFAULT_MAX_FEATURES     # features read (see geo.layers.importing.limits)
    coverage: coverage_write.Declaration | None = None  # declare the imported categories complete there


@dataclass
class ImportReport:
    """What an import read and wrote: counts, repaired and dropped features, the file written."""

    source_file: str
    output: Path
    source_crs: str
    read: int
    written: int
    repaired: int = 0
    collapsed: list[int] = field(default_factory=list)        # 1-based rows whose repair left nothing
    without_geometry: list[int] = field(default_factory=list)  # 1-based rows
    off_globe: list[int] = field(default_factory=list)  # 1-based rows: coordinates not finite or beyond ±180/±90
    unmapped: dict[str, int] = field(default_factory=dict)    # category value -> rows skipped
    outside_regencies: int = 0
    by_category: dict[str, int] = field(default_factory=dict)
    by_geometry: dict[str, int] = field(default_factory=dict)
    version: str = ""
    previous_version: str | None = None
    declared: coverage_write.Declared | None = None   # the coverage.toml entry added (options.coverage)


def import_file(path: str | Path, layers_dir: str | Path, options: ImportOptions | None = None) -> ImportReport:
    """Import one vector file into ``layers_dir/sites`` and record a new layers version.

    With ``options.coverage``, the categories written are also declared complete there (a
    ``[[complete]]`` entry in ``coverage.toml``): checked before anything is written, and when the
    declaration fails after the sites were written, the sites file is put back as it was."""
    options = options or ImportOptions()
    path = Path(path)
    layers_dir = Path(layers_dir)
    if not path.exists():
        raise InputError(f"{path} does not exist", message_id="import.no_file", message_values={"file": str(path)},
                         path=str(path))
    regency_path, _ = layer_paths(layers_dir)
    remove_stale_partials(layers_dir / "sites")
    name = slug(options.output_name or path.name.split(".")[0])
    output = layers_dir / "sites" / f"{name}.parquet"
    if output.exists() and not options.replace:
        raise InputError(f"{output} exists: pass --replace to replace it, or --output-name to choose "
                         "another name", message_id="import.output_exists", message_values={"file": str(output)},
                         path=str(output))
    _check_category_options(options)
    regencies = read_regencies(regency_path)
    prepared = None
    if options.coverage is not None:
        prepared = coverage_write.prepare(layers_dir, options.coverage, regencies.column("code"),
                                          regencies.geometry)

    frame, source_crs = read_vector(path, options)
    report = ImportReport(source_file=path.name, output=output, source_crs=source_crs,
                          read=len(frame), written=0)
    row = np.arange(1, len(frame) + 1)
    categories, source_category = _categories(frame, options, report)
    names = _names(frame, options)

    geoms = frame.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    report.without_geometry = row[missing].tolist()
    off_globe = ~missing & ~within_lonlat(geoms, np.inf, np.inf)    # NaN, inf: not for pyproj
    if not CRS(frame.crs).equals(CRS.from_epsg(4326), ignore_axis_order=True):
        geoms = np.where(off_globe, None, geoms)
        geoms = gpd.GeoSeries(geoms, crs=frame.crs).to_crs(4326).to_numpy()
    off_globe |= ~missing & ~within_lonlat(geoms, 180, 90)
    report.off_globe = row[off_globe].tolist()
    missing = missing | off_globe
    geoms = shapely.force_2d(np.where(off_globe, None, geoms))
    invalid = ~missing & ~shapely.is_valid(geoms)
    report.repaired = int(invalid.sum())
    if invalid.any():
        geoms[invalid] = shapely.make_valid(geoms[invalid], method="structure", keep_collapsed=False)
    collapsed = invalid & (shapely.is_missing(geoms) | shapely.is_empty(geoms))
    report.collapsed = row[collapsed].tolist()

    keep = ~missing & ~collapsed & (categories != "")
    out = gpd.GeoDataFrame({
        "site_id": [f"{name}-{r}" for r in row[keep]],
        "name": names[keep],
        "category": categories[keep],
        "source_category": source_category[keep],
        "source": options.source or path.name,
    }, geometry=gpd.GeoSeries(geoms[keep], crs=4326))
    if not len(out):
        raise InputError(_nothing_left(report), message_id="import.nothing_left", path=str(path), message_values={
            "read": report.read, "without": len(report.without_geometry), "off_globe": len(report.off_globe),
            "unmapped": ", ".join(f"{v!r} ({n})" for v, n in list(report.unmapped.items())[:5]) or "-"})
    out["regency_code"] = regency_codes(out.geometry.to_numpy(), regencies.to_frame())
    report.outside_regencies = int((out["regency_code"] == "").sum())
    report.written = len(out)
    report.by_category = out["category"].value_counts().sort_index().to_dict()
    report.by_geometry = out.geometry.geom_type.value_counts().sort_index().to_dict()

    output.parent.mkdir(exist_ok=True)
    change = f"import {path.name} -> sites/{output.name}"
    with coverage_write.restoring(output):
        write_sites(out, output)
        if prepared is not None:
            report.declared = coverage_write.write(layers_dir, prepared, report.by_category, regencies.column("code"),
                                                   regencies.geometry, note=f"{change} ({versions.now()})")
    if report.declared is not None and report.declared.added:
        change += f"; coverage.toml [[complete]] #{report.declared.number}"
    previous = versions.current(layers_dir)
    entry = versions.record(layers_dir, change, files={
        f"sites/{output.name}": {"source": options.source or path.name, "licence": options.licence,
                                 "date": options.date, "features": report.written,
                                 "categories": report.by_category, "imported_from": path.name}})
    report.version = entry["version"]
    report.previous_version = previous["version"] if previous else None
    return report


# -- reading ----------------------------------------------------------------------------------

def read_vector(path: Path, options: ImportOptions) -> tuple[gpd.GeoDataFrame, str]:
    """The features of a file and the name of its CRS, with its CRS set (WGS 84 for CSV by default)."""
    suffix = path.suffix.lower()
    if suffix not in VECTOR_SUFFIXES:
        raise InputError(f"{path.name}: unknown file type {suffix!r}; use one of {', '.join(VECTOR_SUFFIXES)}",
                         message_id="import.unknown_type",
                         message_values={"file": path.name, "suffix": suffix, "known": ", ".join(VECTOR_SUFFIXES)})
    limits = ReadLimits(options.max_bytes, options.max_features)
    try:
        if suffix == ".csv":
            frame = _read_csv(path, options, limits)
        elif suffix in (".parquet", ".geoparquet"):  # counted in batches first: a small file can hold much
            bounded_batches(pq.ParquetFile(path).iter_batches(BATCH_SIZE), path.name, limits, keep=False)
            frame = gpd.read_parquet(path)
        else:
            if suffix == ".zip":
                check_zip(path, options.max_bytes)
            source = _zip_source(path) if suffix == ".zip" else str(path)
            frame = _read_gdal(source, _layer(source, options.layer), path.name, limits)
    except ZonasiError:
        raise
    except Exception as exc:  # pyogrio, pyarrow and pandas raise many kinds
        raise InputError(f"cannot read {path.name}: {exc}", message_id="import.unreadable",
                         message_values={"file": path.name, "reason": str(exc)[:300]}, path=str(path)) from exc
    if options.crs:
        try:
            frame = frame.set_crs(CRS.from_user_input(options.crs), allow_override=True)
        except CRSError as exc:
            raise InputError(f"--crs {options.crs!r} is not a coordinate reference system "
                             "(use e.g. EPSG:32749)", message_id="import.bad_crs",
                             message_values={"crs": str(options.crs)[:80]}) from exc
    if frame.crs is None:
        raise InputError(f"{path.name} names no coordinate reference system (a shapefile without "
                         ".prj?): pass --crs, e.g. --crs EPSG:4326 or --crs EPSG:32749", message_id="import.no_crs",
                         message_values={"file": path.name}, path=str(path))
    crs = CRS(frame.crs)
    return frame, (f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else crs.name)


def _zip_source(path: Path) -> str:
    with zipfile.ZipFile(path) as archive:
        inner = [n for n in archive.namelist() if n.lower().endswith(ZIP_INNER) and "__MACOSX" not in n]
    if not inner:
        raise InputError(f"{path.name} holds no .shp, .gpkg, .geojson or .fgb file", message_id="import.zip_empty",
                         message_values={"file": path.name}, path=str(path))
    if len(inner) > 1:
        raise InputError(f"{path.name} holds {len(inner)} vector files ({', '.join(inner[:5])}); "
                         "unzip it and import one", message_id="import.zip_many",
                         message_values={"file": path.name, "count": len(inner), "names": ", ".join(inner[:5])},
                         path=str(path))
    return f"/vsizip/{path.resolve()}/{inner[0]}"


def _read_gdal(source: str, layer: str | None, name: str, limits: ReadLimits) -> gpd.GeoDataFrame:
    """A file GDAL reads, stopped one feature past ``limits.max_features``: the memory stays within
    the limit however many the file holds. (pyogrio's Arrow stream would count in batches, but
    GDAL 3.12 hands a FlatGeobuf with a null geometry to it with a broken geometry column.)"""
    frame = pyogrio.read_dataframe(source, layer=layer, max_features=limits.max_features + 1)
    if len(frame) > limits.max_features:
        raise too_many_features(name, limits.max_features)
    return frame


def _layer(source: str, layer: str | None) -> str | None:
    names = [str(n) for n in pyogrio.list_layers(source)[:, 0]]
    if layer is not None:
        if layer not in names:
            raise InputError(f"no layer {layer!r}; the file has {', '.join(names)}", message_id="import.no_layer",
                             message_values={"layer": layer, "known": ", ".join(names)}, parameter="layer")
        return layer
    if len(names) > 1:
        raise InputError(f"the file has {len(names)} layers ({', '.join(names)}): choose one with --layer",
                         message_id="import.many_layers",
                         message_values={"count": len(names), "names": ", ".join(names)}, parameter="layer")
    return None


def _read_csv(path: Path, options: ImportOptions, limits: ReadLimits) -> gpd.GeoDataFrame:
    chunks, rows = [], 0
    with pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", sep=None, engine="python",
                     chunksize=BATCH_SIZE) as reader:
        for chunk in reader:
            rows += len(chunk)
            if rows > limits.max_features:
                raise too_many_features(path.name, limits.max_features)
            chunks.append(chunk)
    table = pd.concat(chunks, ignore_index=True)
    if "wkt" in (c.lower() for c in table.columns) and not (options.lon_field or options.lat_field):
        column = next(c for c in table.columns if c.lower() == "wkt")
        text = table[column].str.strip().replace("", None)
        geometry = shapely.from_wkt(text.to_numpy(), on_invalid="ignore")
    else:
        lon = _column(table, options.lon_field, LON_FIELDS, "longitude", "--lon-field")
        lat = _column(table, options.lat_field, LAT_FIELDS, "latitude", "--lat-field")
        x = pd.to_numeric(table[lon].str.replace(",", ".", regex=False), errors="coerce").to_numpy()
        y = pd.to_numeric(table[lat].str.replace(",", ".", regex=False), errors="coerce").to_numpy()
        bad = ~np.isfinite(x) | ~np.isfinite(y)
        if not options.crs:  # WGS 84: coordinates outside the globe count as missing
            bad |= (np.abs(x) > 180) | (np.abs(y) > 90)
        geometry = shapely.points(np.where(bad, np.nan, x), np.where(bad, np.nan, y))
        geometry[bad] = None
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geometry), crs=None if options.crs else 4326)


def _column(table: pd.DataFrame, chosen: str | None, candidates, what: str, option: str) -> str:
    if chosen:
        if chosen not in table.columns:
            raise InputError(f"no column {chosen!r}; the columns are {', '.join(table.columns)}",
                             message_id="import.no_column",
                             message_values={"column": chosen, "known": ", ".join(map(str, table.columns))})
        return chosen
    lower = {c.lower(): c for c in table.columns}
    found = next((lower[c] for c in candidates if c in lower), None)
    if found is None:
        raise InputError(f"no {what} column (looked for {', '.join(candidates)}): name it with {option}",
                         message_id="import.column_not_found",
                         message_values={"what": what, "looked": ", ".join(candidates), "option": option})
    return found


# -- attributes -------------------------------------------------------------------------------

def _check_category_options(options: ImportOptions) -> None:
    if options.category and options.category_field:
        raise InputError("use either --category or --category-field, not both", message_id="import.category_both")
    if options.mapping and not options.category_field:
        raise InputError("--map needs --category-field", message_id="import.map_alone")
    for key in [options.category, *options.mapping.values()]:
        if key and key not in CATEGORIES:
            raise InputError(f"unknown category {key!r}; known: {', '.join(CATEGORIES)}", message_id="category.unknown",
                             message_values={"name": key, "known": ", ".join(CATEGORIES)})


def _categories(frame, options: ImportOptions, report: ImportReport) -> tuple[np.ndarray, np.ndarray]:
    n = len(frame)
    if options.category:
        return np.full(n, options.category, dtype=object), np.full(n, None, dtype=object)
    field_name = options.category_field or ("category" if "category" in frame.columns else None)
    if field_name is None:
        raise InputError("say which category the features are: --category KEY, or "
                         "--category-field FIELD [--map VALUE=KEY ...]", message_id="import.category_missing")
    if field_name not in frame.columns:
        raise InputError(f"no field {field_name!r}; the fields are "
                         f"{', '.join(c for c in frame.columns if c != frame.geometry.name)}",
                         message_id="import.no_field", message_values={
                             "field": field_name,
                             "known": ", ".join(str(c) for c in frame.columns if c != frame.geometry.name)})
    raw = frame[field_name].astype("string").fillna("").str.strip()
    mapping = {str(k).strip().lower(): v for k, v in options.mapping.items()}
    if not mapping:
        mapping = {c: c for c in CATEGORIES}
    mapped = raw.str.lower().map(mapping).fillna("")
    unmapped = raw[mapped == ""]
    report.unmapped = {(v or "(empty)"): int(c) for v, c in unmapped.value_counts().items()}
    return mapped.to_numpy(dtype=object), raw.to_numpy(dtype=object)


def _names(frame, options: ImportOptions) -> np.ndarray:
    field_name: str | None
    if options.name_field:
        if options.name_field not in frame.columns:
            raise InputError(f"no field {options.name_field!r} for --name-field; the fields are "
                             f"{', '.join(c for c in frame.columns if c != frame.geometry.name)}",
                             message_id="import.no_name_field", message_values={
                                 "field": options.name_field,
                                 "known": ", ".join(str(c) for c in frame.columns if c != frame.geometry.name)})
        field_name = options.name_field
    else:
        field_name = next((c for c in NAME_FIELDS if c in frame.columns), None)
    if field_name is None:
        return np.full(len(frame), "", dtype=object)
    return frame[field_name].astype("string").fillna("").str.strip().to_numpy(dtype=object)


def within_lonlat(geoms: np.ndarray, max_lon: float, max_lat: float) -> np.ndarray:
    """Which geometries have every coordinate finite and within ±``max_lon``, ±``max_lat`` (True
    for a missing one: it has no coordinate)."""
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(coords).all(axis=1) & (np.abs(coords[:, 0]) <= max_lon)
                & (np.abs(coords[:, 1]) <= max_lat))
    return np.bincount(index[bad], minlength=len(geoms)) == 0


def slug(text: str) -> str:
    """A file name made of ``text`` (lower case, underscores)."""
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if not slug:
        raise InputError(f"cannot make a file name from {text!r}: pass --output-name", message_id="import.no_slug",
                         message_values={"text": str(text)[:80]})
    return slug


def _nothing_left(report: ImportReport) -> str:
    parts = [f"{report.read} features read, none left to import"]
    if report.without_geometry:
        parts.append(f"{len(report.without_geometry)} without geometry")
    if report.off_globe:
        parts.append(f"{len(report.off_globe)} with coordinates outside ±180°/±90° or not finite")
    if report.unmapped:
        values = ", ".join(f"{v!r} ({n})" for v, n in list(report.unmapped.items())[:5])
        parts.append(f"category values not mapped: {values}; add --map VALUE=KEY")
    return "; ".join(parts)


def parse_mapping(pairs) -> dict[str, str]:
    """``["Masjid=place_of_worship", ...]`` -> dict, with errors that say what to fix."""
    out = {}
    for pair in pairs or ():
        value, sep, key = str(pair).rpartition("=")
        if not sep or not value.strip() or not key.strip():
            raise InputError(f"--map {pair!r} is not VALUE=KEY (e.g. --map Masjid=place_of_worship)",
                             message_id="import.bad_map",
                             message_values={"pair": str(pair)[:80]})
        out[value.strip()] = key.strip()
    return out
