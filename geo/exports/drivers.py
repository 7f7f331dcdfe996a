"""How each export format is written: a whole file at once, and (where it can be) chunk by chunk.

A :class:`Writer` writes a prepared frame (see :func:`geo.exports.frames.prepared_frame`) to a
path or a binary file object, and opens a :class:`ChunkWriter` on a path. A writer whose format
cannot grow a file chunk by chunk says so (``chunked = False``) and collects the chunks in
memory until it is closed: :class:`CollectingChunks`, chosen by that writer, never by default.

GeoJSON follows RFC 7946 through GDAL's own options (``RFC7946=YES``: WGS 84 lon,lat, no
``crs`` member; ``COORDINATE_PRECISION=7``: at most 7 decimals, about 1 cm).
"""
from __future__ import annotations

import contextlib
import io
from abc import ABC, abstractmethod
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import geopandas as gpd

# GDAL, geopandas and shapely are imported by the methods that write: the registry that holds
# these writers is read by the command line's help, which must not pay for them.
PRECISION = 7  # decimals of degrees: 1e-7 deg is about 1 cm (also geo.exports.frames.PRECISION)

Destination = str | Path | BinaryIO


class ChunkWriter(ABC):
    """One open file written chunk after chunk; the first chunk (maybe empty) starts the file."""

    @abstractmethod
    def write(self, frame: gpd.GeoDataFrame) -> None:
        """Add the features of a prepared frame."""

    @abstractmethod
    def close(self) -> None:
        """Finish the file."""


class Writer(ABC):
    """Writes one format: :meth:`write` a whole frame, :meth:`open` a file for chunks."""

    chunked: bool = True  # False: :meth:`open` holds the chunks in memory until closed

    @abstractmethod
    def write(self, frame: gpd.GeoDataFrame, dest: Destination, *, layer: str, name_field: str | None) -> None:
        """Write a prepared frame to a path or a binary file object."""

    @abstractmethod
    def open(self, path: Path, *, layer: str, name_field: str | None) -> ChunkWriter:
        """A chunk writer on ``path`` (which does not exist yet)."""


def _fresh(dest: Destination) -> None:
    if isinstance(dest, (str, Path)):
        Path(dest).unlink(missing_ok=True)  # GDAL appends to an existing GeoPackage otherwise


# -- GeoJSON -------------------------------------------------------------------------------------

class GeoJsonWriter(Writer):
    """RFC 7946 GeoJSON; chunks are GDAL's GeoJSONSeq lines (RFC 8142) inside one FeatureCollection."""

    OPTIONS = {"RFC7946": "YES", "COORDINATE_PRECISION": PRECISION, "WRITE_NAME": "NO"}

    def write(self, frame, dest, *, layer, name_field):
        """One FeatureCollection."""
        import pyogrio

        _fresh(dest)
        pyogrio.write_dataframe(frame, dest, driver="GeoJSON", layer=layer, layer_options=self.OPTIONS)

    def open(self, path, *, layer, name_field):
        """Features appended as they come, the collection closed on :meth:`ChunkWriter.close`."""
        return _GeoJsonChunks(path, layer)


class _GeoJsonChunks(ChunkWriter):
    def __init__(self, path: Path, layer: str):
        self.path, self.layer = path, layer
        self.handle: BinaryIO | None = None
        self.written = 0

    def write(self, frame):
        if self.handle is None:
            self.handle = self.path.open("wb")
            self.handle.write(b'{"type": "FeatureCollection", "features": [\n')
        if not len(frame):
            return
        import pyogrio

        buffer = io.BytesIO()
        pyogrio.write_dataframe(frame, buffer, driver="GeoJSONSeq", layer=self.layer,
                                COORDINATE_PRECISION=PRECISION)
        lines = buffer.getvalue().rstrip(b"\n").split(b"\n")
        if self.written:
            self.handle.write(b",\n")
        self.handle.write(b",\n".join(lines))
        self.written += len(frame)

    def close(self):
        if self.handle is not None:
            self.handle.write(b"\n]}\n")
            self.handle.close()
            self.handle = None


# -- CSV -----------------------------------------------------------------------------------------

class CsvWriter(Writer):
    """The attribute table with lon/lat or wkt (see :func:`geo.exports.frames.csv_frame`); chunks append rows."""

    def write(self, frame, dest, *, layer, name_field):
        """The table with its header."""
        write_csv(frame, dest, header=True)

    def open(self, path, *, layer, name_field):
        """Rows appended; the header comes with the first chunk."""
        return _CsvChunks(path)


def write_csv(frame: gpd.GeoDataFrame, dest: Destination, *, header: bool) -> None:
    """Write (``header``) or append the CSV table of a prepared frame."""
    from geo.exports.frames import csv_frame

    table = csv_frame(frame)
    if isinstance(dest, (str, Path)):
        table.to_csv(dest, index=False, header=header, mode="w" if header else "a", encoding="utf-8")
    else:
        dest.write(table.to_csv(index=False, header=header).encode("utf-8"))


class _CsvChunks(ChunkWriter):
    def __init__(self, path: Path):
        self.path, self.started = path, False

    def write(self, frame):
        write_csv(frame, self.path, header=not self.started)
        self.started = True

    def close(self):
        pass


# -- GeoPackage ----------------------------------------------------------------------------------

class GpkgWriter(Writer):
    """An OGC GeoPackage (SQLite); chunks append to its layer."""

    def write(self, frame, dest, *, layer, name_field):
        """A new GeoPackage of one layer."""
        import pyogrio

        _fresh(dest)
        pyogrio.write_dataframe(frame, dest, driver="GPKG", layer=layer)

    def open(self, path, *, layer, name_field):
        """Chunks appended to ``layer``."""
        return _GpkgChunks(path, layer)


class _GpkgChunks(ChunkWriter):
    """Chunks appended to one layer. A later chunk may hold geometry types the first did not
    (points, then road lines), so the layer is created as GEOMETRY, which takes any type; when
    closed it is declared as the one type it holds, if it holds one (see :func:`declare_geometry_type`).
    A layer declared POINT that holds lines is not a conformant GeoPackage."""

    def __init__(self, path: Path, layer: str):
        self.path, self.layer, self.started = path, layer, False
        self.types: set[str] = set()

    def write(self, frame):
        import pyogrio

        self.types |= geometry_type_names(frame.geometry.values)
        if len(frame) or not self.started:
            options = {"append": True} if self.started else {"geometry_type": "Unknown"}
            pyogrio.write_dataframe(frame, self.path, driver="GPKG", layer=self.layer, **options)
        self.started = True

    def close(self):
        if self.started and len(self.types) == 1:
            declare_geometry_type(self.path, self.layer, next(iter(self.types)))


# GeoPackage geometry type names (OGC 12-128r18, table 27) by shapely type id.
GPKG_TYPES = {0: "POINT", 1: "LINESTRING", 3: "POLYGON", 4: "MULTIPOINT", 5: "MULTILINESTRING",
              6: "MULTIPOLYGON", 7: "GEOMETRYCOLLECTION"}


def geometry_type_names(geometry) -> set[str]:
    """The GeoPackage type names of the geometries present (nulls and empties left out)."""
    import numpy as np
    import shapely

    geoms = np.asarray(geometry, dtype=object)
    present = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))] if len(geoms) else geoms
    return {GPKG_TYPES.get(int(t), "GEOMETRY") for t in np.unique(shapely.get_type_id(present))}


def declare_geometry_type(path: Path, layer: str, type_name: str) -> None:
    """Declare the geometry type of ``layer`` in a closed GeoPackage (``gpkg_geometry_columns``:
    neither GDAL nor pyogrio changes it once the layer exists)."""
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute("UPDATE gpkg_geometry_columns SET geometry_type_name = ? WHERE lower(table_name) = lower(?)",
                   (type_name, layer))


# -- KML -----------------------------------------------------------------------------------------

class KmlWriter(Writer):
    """KML for Google Earth (a format for small maps): named placemarks, 7 decimals. It cannot
    grow chunk by chunk: its chunks are collected and written when closed."""

    chunked = False

    def write(self, frame, dest, *, layer, name_field):
        """Placemarks named by ``name_field`` (default: a name/nama column)."""
        import pyogrio
        import shapely

        from geo.exports.frames import first_column

        frame = frame.set_geometry(shapely.set_precision(frame.geometry.values, 10.0 ** -PRECISION))
        name = name_field or first_column(frame, ("name", "nama")) or "Name"
        _fresh(dest)
        pyogrio.write_dataframe(frame, dest, driver="KML", layer=layer, dataset_options={"NameField": name})

    def open(self, path, *, layer, name_field):
        """The chunks held in memory, written whole on close."""
        return CollectingChunks(self, path, layer=layer, name_field=name_field)


class CollectingChunks(ChunkWriter):
    """For a writer that is not ``chunked``: every chunk kept, one whole file written on close."""

    def __init__(self, writer: Writer, path: Path, *, layer: str, name_field: str | None):
        self.writer, self.path, self.layer, self.name_field = writer, path, layer, name_field
        self.frames: list[gpd.GeoDataFrame] = []

    def write(self, frame):
        """Keep the chunk until :meth:`close`."""
        self.frames.append(frame)

    def close(self):
        """Write the chunks kept, as one file; nothing when no chunk came."""
        if not self.frames:
            return
        import geopandas as gpd
        import pandas as pd

        merged = gpd.GeoDataFrame(pd.concat(self.frames, ignore_index=True), geometry="geometry", crs=4326)
        self.frames = []
        self.writer.write(merged, self.path, layer=self.layer, name_field=self.name_field)
