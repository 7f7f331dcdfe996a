"""Reading vector files into the feature table: GeoParquet through pyarrow, anything else GDAL
reads through pyogrio (as Arrow too), always reprojected to EPSG:4326. The one reader of vector
files in zonasi (layers, regencies, sites, allowed zones)."""
from __future__ import annotations

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyproj
import shapely

from geo.errors import ConfigError

if TYPE_CHECKING:
    import geopandas as gpd

WGS84 = pyproj.CRS.from_epsg(4326)


@dataclass
class Features:
    """The features of one layer as read: attribute columns (Arrow) and geometries (shapely, in
    EPSG:4326), with no pandas: the engine and a batch need no more, and start sooner."""

    table: pa.Table                 # the attributes, in the file's order, then any added
    geometry: np.ndarray
    geometry_at: int = 0            # where the geometry column stands among the attributes

    @classmethod
    def from_frame(cls, frame: gpd.GeoDataFrame) -> Features:
        """The features of a GeoDataFrame in EPSG:4326."""
        at = frame.columns.get_loc(frame.geometry.name)
        table = pa.Table.from_pandas(frame.drop(columns=[frame.geometry.name]), preserve_index=False)
        return cls(table, frame.geometry.to_numpy(), at)

    def __len__(self) -> int:
        return len(self.geometry)

    def column(self, name: str) -> np.ndarray:
        """The attribute column ``name`` as a numpy array."""
        return self.table.column(name).to_numpy(zero_copy_only=False)

    def take(self, index: np.ndarray) -> Features:
        """The features at positions ``index``, in that order."""
        return replace(self, table=self.table.take(pa.array(index)), geometry=self.geometry[index])

    def where(self, keep: np.ndarray) -> Features:
        """The features where the boolean mask ``keep`` is true."""
        return self.take(np.flatnonzero(keep))

    def without_geometry(self) -> np.ndarray:
        """Which features have a missing or empty geometry."""
        return shapely.is_missing(self.geometry) | shapely.is_empty(self.geometry)

    def to_frame(self) -> gpd.GeoDataFrame:
        """The features as a GeoDataFrame in EPSG:4326 (imports geopandas)."""
        import geopandas as gpd

        frame = self.table.to_pandas()
        frame.insert(self.geometry_at, "geometry", gpd.GeoSeries(self.geometry, index=frame.index, crs=4326))
        return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


def read_vector(path: Path) -> gpd.GeoDataFrame:
    """A vector file as a GeoDataFrame in EPSG:4326."""
    return read_features(path).to_frame()


def read_features(path: Path) -> Features:
    """A vector file's features in EPSG:4326: GeoParquet through pyarrow, anything else GDAL reads
    through pyogrio (as Arrow too)."""
    try:
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            meta = json.loads((table.schema.metadata or {}).get(b"geo", b"{}"))
            name = meta.get("primary_column")
            column = meta.get("columns", {}).get(name, {})
            if name not in table.column_names or column.get("encoding", "").upper() != "WKB":
                return Features.from_frame(_geopandas_parquet(path))  # GeoArrow encodings: rare
            crs = _parse_crs(json.dumps(column["crs"])) if "crs" in column else None  # None: OGC:CRS84
        else:
            import pyogrio

            info, table = pyogrio.read_arrow(path)
            name = info["geometry_name"] or "wkb_geometry"
            crs = _parse_crs(json.dumps(info["crs"])) if info["crs"] else None
        geometry = shapely.from_wkb(table.column(name).to_numpy(zero_copy_only=False))
    except ConfigError:
        raise
    except Exception as exc:  # pyogrio, pyarrow and shapely raise many kinds
        raise ConfigError(f"cannot read vector file: {exc}", path=path) from exc
    if crs is not None and not crs.equals(WGS84, ignore_axis_order=True):
        transformer = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)
        geometry = shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(*xy.T)))
    at = table.column_names.index(name)
    return Features(table.remove_column(at), geometry, at)


def _geopandas_parquet(path: Path) -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.read_parquet(path).to_crs(4326)


@lru_cache(maxsize=8)
def _parse_crs(text: str) -> pyproj.CRS | None:
    """A PROJJSON (or other) CRS, parsed once per process (pyproj takes 25 ms for each of a dozen
    files with the same one)."""
    value = json.loads(text)
    return None if value is None else pyproj.CRS.from_user_input(value)
