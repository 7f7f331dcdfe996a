"""Features as the writers take them: a GeoDataFrame in EPSG:4326 from any input, and the CSV table.

Input is a GeoDataFrame, a plain DataFrame with ``lon``/``lat`` columns, or a list of records
(dicts with ``lon``/``lat`` or a shapely ``geometry``); see :func:`to_frame`.
"""
from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.errors import InputError
from geo.exports.defuse import defuse_formula
from geo.exports.drivers import PRECISION


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
    lon = first_column(data, ("lon", "longitude", "lng"))
    lat = first_column(data, ("lat", "latitude"))
    if lon is None or lat is None:
        raise InputError("features need a geometry or lon and lat columns", message_id="export.no_geometry")
    geometry = shapely.points(pd.to_numeric(data[lon], errors="coerce").to_numpy(dtype="float64"),
                              pd.to_numeric(data[lat], errors="coerce").to_numpy(dtype="float64"))
    return gpd.GeoDataFrame(data, geometry=geometry, crs=4326)


def first_column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    """The first of ``names`` that is a column of ``frame``, or None."""
    return next((n for n in names if n in frame.columns), None)


def prepared_frame(data: Any) -> gpd.GeoDataFrame:
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


def empty_frame() -> gpd.GeoDataFrame:
    """A prepared frame of no features (what a file of no features is written from)."""
    return prepared_frame(pd.DataFrame({"lon": [], "lat": []}))


def _scalar_text(value):
    if isinstance(value, (str, int, float, bool, np.generic)):
        return value
    return str(value)


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
