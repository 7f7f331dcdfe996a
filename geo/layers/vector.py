"""Reading vector files into the feature table: GeoParquet through pyarrow, anything else GDAL
reads through pyogrio (as Arrow too), always reprojected to EPSG:4326. The one reader of vector
files in zonasi (layers, regencies, sites, allowed zones)."""
from __future__ import annotations

import json
from functools import cached_property, lru_cache
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


class Features:
    """The features of one layer as read: attribute columns (Arrow) and geometries in EPSG:4326,
    with no pandas: the engine and a batch need no more, and start sooner.

    Point geometries are held as coordinates (``xy``), not as one shapely object each: a national
    layer holds millions of points, and a process (or a server's forked workers) should hold no
    Python object per site. Lines and polygons are shapely geometries (``shapes``, None at the
    points). :attr:`geometry` makes every geometry a shapely one, on first use (small layers and
    the code that wants them all); :meth:`take` makes only those taken."""

    def __init__(self, table: pa.Table, geometry: np.ndarray | None = None, geometry_at: int = 0, *,
                 xy: np.ndarray | None = None, shapes: np.ndarray | None = None):
        self.table = table               # the attributes, in the file's order, then any added
        self.geometry_at = geometry_at   # where the geometry column stands among the attributes
        if geometry is not None:
            xy, shapes = _split(np.asarray(geometry, dtype=object))
        if xy is None or shapes is None:
            raise TypeError("Features needs geometry, or xy and shapes")
        self.xy = xy                     # lon/lat of the point features, NaN at the others
        self.shapes = shapes             # shapely geometry of the other features, None at points
        # the layers version these features were loaded as (set by load_layers; None for features
        # made otherwise): what is saved beside the layers is used only for these very features
        self.cache_key: str | None = None

    @classmethod
    def from_frame(cls, frame: gpd.GeoDataFrame) -> Features:
        """The features of a GeoDataFrame in EPSG:4326."""
        at = frame.columns.get_loc(frame.geometry.name)
        table = pa.Table.from_pandas(frame.drop(columns=[frame.geometry.name]), preserve_index=False)
        return cls(table, frame.geometry.to_numpy(), at)

    def __len__(self) -> int:
        return len(self.xy)

    @cached_property
    def is_point(self) -> np.ndarray:
        """Which features are points (held as coordinates)."""
        return shapely.is_missing(self.shapes)

    @cached_property
    def geometry(self) -> np.ndarray:
        """Every geometry as a shapely one (made on first use: the points cost a shapely object each)."""
        geometry = self.shapes.copy()
        points = self.is_point
        geometry[points] = shapely.points(self.xy[points])
        return geometry

    @cached_property
    def bounds(self) -> np.ndarray:
        """(west, south, east, north) of every feature, as an n x 4 array."""
        bounds = np.concatenate([self.xy, self.xy], axis=1)
        other = ~self.is_point
        if other.any():
            bounds[other] = shapely.bounds(self.shapes[other])
        return bounds

    def column(self, name: str) -> np.ndarray:
        """The attribute column ``name`` as a numpy array."""
        return self.table.column(name).to_numpy(zero_copy_only=False)

    def with_table(self, table: pa.Table) -> Features:
        """These geometries with other attributes (as many rows)."""
        return Features(table, None, self.geometry_at, xy=self.xy, shapes=self.shapes)

    def take(self, index: np.ndarray) -> Features:
        """The features at positions ``index``, in that order."""
        index = np.asarray(index, dtype="int64")
        return Features(self.table.take(pa.array(index)), None, self.geometry_at,
                        xy=self.xy[index], shapes=self.shapes[index])

    def where(self, keep: np.ndarray) -> Features:
        """The features where the boolean mask ``keep`` is true."""
        return self.take(np.flatnonzero(keep))

    def without_geometry(self) -> np.ndarray:
        """Which features have a missing or empty geometry."""
        empty = np.isnan(self.xy).any(axis=1)
        other = ~self.is_point
        empty[other] = shapely.is_missing(self.shapes[other]) | shapely.is_empty(self.shapes[other])
        return empty

    def to_frame(self) -> gpd.GeoDataFrame:
        """The features as a GeoDataFrame in EPSG:4326 (imports geopandas)."""
        import geopandas as gpd

        frame = self.table.to_pandas()
        frame.insert(self.geometry_at, "geometry", gpd.GeoSeries(self.geometry, index=frame.index, crs=4326))
        return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


def concat_features(parts: list[Features], table: pa.Table) -> Features:
    """The features of ``parts`` one after the other, with the attributes ``table``."""
    return Features(table, None, parts[0].geometry_at if parts else 0,
                    xy=np.concatenate([p.xy for p in parts]) if parts else np.empty((0, 2)),
                    shapes=np.concatenate([p.shapes for p in parts]) if parts else np.empty(0, dtype=object))


def _split(geometry: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(xy, shapes) of shapely geometries: the points' coordinates, the others as they are."""
    xy = np.full((len(geometry), 2), np.nan)
    points = (shapely.get_type_id(geometry) == 0) & ~shapely.is_empty(geometry)
    xy[points] = shapely.get_coordinates(geometry[points])[:, :2] if points.any() else np.empty((0, 2))
    shapes = geometry.copy()
    shapes[points] = None
    # a missing geometry stays a "shape" (None is how points are marked): an empty collection
    missing = np.flatnonzero(shapely.is_missing(geometry))
    if len(missing):
        shapes[missing] = shapely.from_wkt(["GEOMETRYCOLLECTION EMPTY"] * len(missing))
    return xy, shapes


# point types whose x and y come first: 2D, ISO Z, EWKB Z (GEOS's 3D default), then with an SRID
_WKB_POINT_TYPES = np.array([1, 1001, 0x80000001, 0x20000001, 0xA0000001], dtype="<u4")


def decode_wkb(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(xy, shapes) of a WKB column, read straight from Arrow's buffers for the little-endian
    points (no shapely object per point: 2M points in tens of milliseconds, against 1.4 s for
    ``shapely.from_wkb``); shapely decodes the rest."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks() if column.num_chunks else pa.array([], pa.binary())
    column = column.cast(pa.large_binary())
    n = len(column)
    xy = np.full((n, 2), np.nan)
    shapes = np.empty(n, dtype=object)
    if not n:
        return xy, shapes
    _, offsets_buf, data_buf = column.buffers()
    offsets = np.frombuffer(offsets_buf, dtype="<i8", count=n + 1, offset=column.offset * 8)
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.empty(0, np.uint8)
    start, length = offsets[:-1], np.diff(offsets)
    valid = np.ones(n, dtype=bool) if column.null_count == 0 else column.is_valid().to_numpy(zero_copy_only=False)
    candidate = valid & (length >= 21)
    point = np.zeros(n, dtype=bool)
    if candidate.any():
        at = start[candidate]
        header = data[at[:, None] + np.arange(5)]
        kind = header[:, 1:5].copy().view("<u4").ravel()
        srid = np.where((kind & 0x20000000) != 0, 4, 0)
        plain = (header[:, 0] == 1) & np.isin(kind, _WKB_POINT_TYPES)
        coords = data[(at + 5 + srid)[:, None] + np.arange(16)].copy().view("<f8")
        plain &= np.isfinite(coords).all(axis=1)       # POINT EMPTY is NaN, NaN: a shape
        where = np.flatnonzero(candidate)[plain]
        point[where] = True
        xy[where] = coords[plain]
    rest = np.flatnonzero(~point)
    if len(rest):
        decoded = shapely.from_wkb(column.take(pa.array(rest)).to_numpy(zero_copy_only=False))
        missing = shapely.is_missing(decoded)
        if missing.any():
            decoded[missing] = shapely.from_wkt(["GEOMETRYCOLLECTION EMPTY"] * int(missing.sum()))
        shapes[rest] = decoded
    return xy, shapes


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
        xy, shapes = decode_wkb(table.column(name))
    except ConfigError:
        raise
    except Exception as exc:  # pyogrio, pyarrow and shapely raise many kinds
        raise ConfigError(f"cannot read vector file: {exc}", path=path, message_id="config.vector_unreadable",
                          message_values={"file": Path(path).name, "reason": str(exc)[:300]}) from exc
    at = table.column_names.index(name)
    if crs is not None and not crs.equals(WGS84, ignore_axis_order=True):
        transformer = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)
        features = Features(table.remove_column(at), None, at, xy=xy, shapes=shapes)
        geometry = shapely.transform(features.geometry, lambda c: np.column_stack(transformer.transform(*c.T)))
        return Features(table.remove_column(at), geometry, at)
    return Features(table.remove_column(at), None, at, xy=xy, shapes=shapes)


def _geopandas_parquet(path: Path) -> gpd.GeoDataFrame:
    import geopandas as gpd

    return gpd.read_parquet(path).to_crs(4326)


@lru_cache(maxsize=8)
def _parse_crs(text: str) -> pyproj.CRS | None:
    """A PROJJSON (or other) CRS, parsed once per process (pyproj takes 25 ms for each of a dozen
    files with the same one)."""
    value = json.loads(text)
    return None if value is None else pyproj.CRS.from_user_input(value)
