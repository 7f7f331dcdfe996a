"""Writing features: GeoJSON (RFC 7946), CSV, KML and GeoPackage, for every part of zonasi.

Input is a GeoDataFrame, a plain DataFrame with ``lon``/``lat`` columns, or a list of records
(dicts with ``lon``/``lat`` or a shapely ``geometry``); see :func:`to_frame`.

    write_features(frame, "geojson", "out.geojson")     # a file
    to_bytes(frame, "kml")                              # bytes for an HTTP response
    with FeatureSink("out.geojson") as sink:            # chunk after chunk, bounded memory
        for chunk in chunks:
            sink.write(chunk)

GeoJSON follows RFC 7946 through GDAL's own options (``RFC7946=YES``: WGS 84 lon,lat, no
``crs`` member; ``COORDINATE_PRECISION=7``: at most 7 decimals, about 1 cm).
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from geo.exports.defuse import defuse_formula
from geo.errors import InputError

PRECISION = 7  # decimals of degrees: 1e-7 deg is about 1 cm


@dataclass(frozen=True)
class Format:
    key: str
    driver: str | None          # GDAL driver; None for CSV (written by pandas)
    suffix: str
    media_type: str
    options: dict = field(default_factory=dict)


FORMATS: dict[str, Format] = {f.key: f for f in (
    Format("geojson", "GeoJSON", ".geojson", "application/geo+json",
           {"RFC7946": "YES", "COORDINATE_PRECISION": PRECISION, "WRITE_NAME": "NO"}),
    Format("csv", None, ".csv", "text/csv"),
    Format("kml", "KML", ".kml", "application/vnd.google-earth.kml+xml"),
    Format("gpkg", "GPKG", ".gpkg", "application/geopackage+sqlite3"),
)}
ALIASES = {"json": "geojson", "geo+json": "geojson", "geopackage": "gpkg"}


def get_format(fmt: str | Format) -> Format:
    """The format for a key (``geojson``, ``csv``, ``kml``, ``gpkg``) or a file suffix."""
    if isinstance(fmt, Format):
        return fmt
    key = str(fmt).lower().lstrip(".")
    key = ALIASES.get(key, key)
    if key not in FORMATS:
        raise InputError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}",
                         parameter="format")
    return FORMATS[key]


def format_for_path(path: str | Path) -> Format:
    """The format a file name asks for, by its suffix."""
    return get_format(Path(path).suffix or "?")


# -- input ---------------------------------------------------------------------------------------

def to_frame(data: Any) -> gpd.GeoDataFrame:
    """A GeoDataFrame in EPSG:4326 from a GeoDataFrame, a DataFrame with lon/lat, or records."""
    if isinstance(data, gpd.GeoDataFrame):
        frame = data
        if frame.crs is None:
            frame = frame.set_crs(4326)
        elif frame.crs.to_epsg() != 4326:
            frame = frame.to_crs(4326)
        return frame
    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame.from_records(list(data))
    if "geometry" in data.columns:
        return gpd.GeoDataFrame(data, geometry="geometry", crs=4326)
    if not len(data.columns):
        return gpd.GeoDataFrame(index=data.index, geometry=gpd.GeoSeries([], crs=4326), crs=4326)
    lon = _first_column(data, ("lon", "longitude", "lng"))
    lat = _first_column(data, ("lat", "latitude"))
    if lon is None or lat is None:
        raise InputError("features need a geometry or lon and lat columns")
    geometry = shapely.points(pd.to_numeric(data[lon], errors="coerce").to_numpy(dtype="float64"),
                              pd.to_numeric(data[lat], errors="coerce").to_numpy(dtype="float64"))
    return gpd.GeoDataFrame(data, geometry=geometry, crs=4326)


def _first_column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    return next((n for n in names if n in frame.columns), None)


def _prepared(data: Any) -> gpd.GeoDataFrame:
    """Columns every GDAL driver accepts: plain names, no Python objects it cannot map."""
    frame = to_frame(data)
    out = {}
    for name in frame.columns:
        if name == frame.geometry.name:
            continue
        column = frame[name]
        if column.dtype == object:
            column = column.map(_scalar_text, na_action="ignore")
            column = column.where(column.notna(), None)
        out[str(name)] = column
    geometry = frame.geometry.values
    empty = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    if empty.any():  # NaN coordinates make empty points: write them as null geometries
        geometry = geometry.copy()
        geometry[empty] = None
    return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geometry, index=frame.index, crs=4326),
                            index=frame.index)


def _scalar_text(value):
    if isinstance(value, (str, int, float, bool, np.generic)):
        return value
    return str(value)


# -- whole frames ----------------------------------------------------------------------------------

def write_features(data: Any, fmt: str | Format | None, dest: str | Path | BinaryIO, *,
                   layer: str = "features", name_field: str | None = None) -> None:
    """Write features to a path or a binary file object. ``fmt`` None: from the path's suffix."""
    f = format_for_path(dest) if fmt is None else get_format(fmt)
    frame = _prepared(data)
    if f.driver is None:
        _write_csv(frame, dest, header=True)
        return
    dataset_options = {}
    if f.key == "kml":
        frame = frame.set_geometry(shapely.set_precision(frame.geometry.values, 10.0 ** -PRECISION))
        dataset_options["NameField"] = name_field or _first_column(frame, ("name", "nama")) or "Name"
    if isinstance(dest, (str, Path)):
        Path(dest).unlink(missing_ok=True)  # GDAL appends to an existing GeoPackage otherwise
    pyogrio.write_dataframe(frame, dest, driver=f.driver, layer=layer,
                            dataset_options=dataset_options or None, layer_options=f.options or None)


def to_bytes(data: Any, fmt: str | Format, *, layer: str = "features",
             name_field: str | None = None) -> bytes:
    """The file content, e.g. for an HTTP response (see :attr:`Format.media_type`)."""
    buffer = io.BytesIO()
    write_features(data, fmt, buffer, layer=layer, name_field=name_field)
    return buffer.getvalue()


def csv_frame(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """The attribute table with ``lon``/``lat`` (points) or ``wkt`` (other shapes) columns; text
    that would be a spreadsheet formula is defused (see :func:`defuse_formula`)."""
    attrs = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    for name in attrs.columns:
        if not pd.api.types.is_numeric_dtype(attrs[name]) and not pd.api.types.is_bool_dtype(attrs[name]):
            attrs[name] = attrs[name].map(defuse_formula, na_action="ignore")
    geometry = frame.geometry.values
    kinds = set(shapely.get_type_id(geometry[~shapely.is_missing(geometry)]).tolist())
    if kinds <= {0}:  # points only (or none)
        if "lon" not in attrs.columns and "lat" not in attrs.columns:
            attrs["lon"] = np.round(shapely.get_x(geometry), PRECISION)
            attrs["lat"] = np.round(shapely.get_y(geometry), PRECISION)
    else:
        attrs["wkt"] = shapely.to_wkt(geometry, rounding_precision=PRECISION, trim=True)
    return attrs


def _write_csv(frame: gpd.GeoDataFrame, dest, *, header: bool) -> None:
    table = csv_frame(frame)
    if isinstance(dest, (str, Path)):
        table.to_csv(dest, index=False, header=header, mode="w" if header else "a", encoding="utf-8")
    else:
        dest.write(table.to_csv(index=False, header=header).encode("utf-8"))


# -- chunk after chunk ---------------------------------------------------------------------------

class FeatureSink:
    """Writes features chunk by chunk to one file, holding no more than a chunk in memory.

    GeoJSON is assembled from GDAL's GeoJSONSeq output (RFC 8142, one RFC 7946 feature per
    line) inside one FeatureCollection; GeoPackage appends; CSV appends rows; KML (a format for
    small maps) collects the chunks and writes them on close.
    """

    def __init__(self, dest: str | Path, fmt: str | Format | None = None, *, layer: str = "features",
                 name_field: str | None = None):
        self.path = Path(dest)
        self.format = format_for_path(self.path) if fmt is None else get_format(fmt)
        self.layer, self.name_field = layer, name_field
        self.count = 0
        self._started = False
        self._pending: list[gpd.GeoDataFrame] = []
        self._handle: BinaryIO | None = None
        self._closed = False
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> FeatureSink:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def write(self, data: Any) -> None:
        frame = _prepared(data)
        if not len(frame) and self._started:
            return
        key = self.format.key
        if key == "geojson":
            self._write_geojson(frame)
        elif key == "csv":
            _write_csv(frame, self.path, header=not self._started)
        elif key == "gpkg":
            if len(frame) or not self._started:
                pyogrio.write_dataframe(frame, self.path, driver="GPKG", layer=self.layer,
                                        append=self._started)
        else:
            self._pending.append(frame)
        self._started = True
        self.count += len(frame)

    def _write_geojson(self, frame: gpd.GeoDataFrame) -> None:
        if self._handle is None:
            self._handle = self.path.open("wb")
            self._handle.write(b'{"type": "FeatureCollection", "features": [\n')
        if not len(frame):
            return
        buffer = io.BytesIO()
        pyogrio.write_dataframe(frame, buffer, driver="GeoJSONSeq", layer=self.layer,
                                COORDINATE_PRECISION=PRECISION)
        lines = buffer.getvalue().rstrip(b"\n").split(b"\n")
        if self.count:
            self._handle.write(b",\n")
        self._handle.write(b",\n".join(lines))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.format.key == "geojson":
            if self._handle is None:
                self._write_geojson(_prepared(pd.DataFrame({"lon": [], "lat": []})))
            self._handle.write(b"\n]}\n")
            self._handle.close()
            self._handle = None
        elif self._pending:
            frames: Iterable = self._pending
            merged = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=4326)
            write_features(merged, self.format, self.path, layer=self.layer, name_field=self.name_field)
            self._pending = []
        elif not self._started:
            write_features(pd.DataFrame({"lon": [], "lat": []}), self.format, self.path, layer=self.layer)
