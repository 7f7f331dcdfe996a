"""The tile matrix set WebMercatorQuad (OGC Two Dimensional Tile Matrix Set): its tiles, their
bounds in EPSG:3857 metres and lon/lat degrees, and its JSON definition and limits. Tiles are for
drawing only: no verdict reads these coordinates.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

from geo.errors import NotFound

TMS_ID = "WebMercatorQuad"
TMS_URI = "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
CRS_3857 = "http://www.opengis.net/def/crs/EPSG/0/3857"
ORIGIN = 20037508.342789244          # half the width of the Web Mercator world, in metres
MAX_LAT = 85.0511287798066           # the latitude where Web Mercator is square
MAX_ZOOM = 24                        # WebMercatorQuad's deepest tile matrix
EXTENT = 4096                        # tile units per side (of a vector tile)


@dataclass(frozen=True)
class Tile:
    """One tile of WebMercatorQuad: zoom ``z``, column ``x`` (west to east), row ``y`` (north to south)."""

    z: int
    x: int
    y: int

    @classmethod
    def checked(cls, z: int, x: int, y: int) -> Tile:
        """The tile, or :class:`NotFound` when the zoom or the row/column lies outside the tile matrix set."""
        if not 0 <= z <= MAX_ZOOM:
            raise NotFound(f"tile matrix {z} is not in {TMS_ID} (0 to {MAX_ZOOM})",
                           message_id="tiles.no_matrix", message_values={"z": z, "max": MAX_ZOOM})
        last = 2 ** z - 1
        if not (0 <= x <= last and 0 <= y <= last):
            raise NotFound(f"tile {z}/{y}/{x} (row/col) is outside tile matrix {z}: rows and columns are 0 to {last}",
                           message_id="tiles.outside", message_values={"z": z, "x": x, "y": y, "last": last})
        return cls(z, x, y)

    @property
    def size(self) -> float:
        """The width of the tile in metres (EPSG:3857)."""
        return 2 * ORIGIN / 2 ** self.z

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(minx, miny, maxx, maxy) in EPSG:3857."""
        minx = -ORIGIN + self.x * self.size
        maxy = ORIGIN - self.y * self.size
        return minx, maxy - self.size, minx + self.size, maxy

    def lonlat_bounds(self, margin: float = 0.0) -> tuple[float, float, float, float]:
        """(west, south, east, north) in degrees, grown by ``margin`` tile units on every side."""
        minx, miny, maxx, maxy = self.bounds
        pad = self.size * margin / EXTENT
        (west, east), (south, north) = lonlat([minx - pad, maxx + pad], [miny - pad, maxy + pad])
        return max(west, -180.0), max(south, -90.0), min(east, 180.0), min(north, 90.0)


def mercator(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    """EPSG:3857 metres of lon/lat degrees (latitudes beyond the square world are clamped)."""
    lon = np.asarray(lon, dtype="float64")
    lat = np.clip(np.asarray(lat, dtype="float64"), -MAX_LAT, MAX_LAT)
    x = lon * (ORIGIN / 180.0)
    y = np.log(np.tan((90.0 + lat) * math.pi / 360.0)) * (ORIGIN / math.pi)
    return x, y


def lonlat(x, y) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat degrees of EPSG:3857 metres."""
    x = np.asarray(x, dtype="float64")
    y = np.clip(np.asarray(y, dtype="float64"), -ORIGIN, ORIGIN)
    return x * (180.0 / ORIGIN), np.degrees(2 * np.arctan(np.exp(y * math.pi / ORIGIN)) - math.pi / 2)


def to_mercator(geoms: np.ndarray) -> np.ndarray:
    """Geometries in lon/lat as EPSG:3857 geometries."""
    return shapely.transform(geoms, lambda xy: np.column_stack(mercator(xy[:, 0], xy[:, 1])))


def tile_matrix_set() -> dict:
    """The WebMercatorQuad definition in the JSON encodings of OGC Two Dimensional Tile Matrix Set
    2.0 (``id``, ``crs``, ``tileMatrices``) and 1.0 (``type``, ``identifier``, ``supportedCRS``,
    ``tileMatrix``) in one document: each reader takes the keys of its version. GDAL before 3.8
    parses only the 1.0 form (its OGCAPI driver then fails with "Invalid tiling matrix set name");
    the two forms describe the same matrices."""
    matrices, matrices_1 = [], []
    for z in range(MAX_ZOOM + 1):
        cell = 2 * ORIGIN / (256 * 2 ** z)
        common = {"scaleDenominator": cell / 0.00028, "tileWidth": 256, "tileHeight": 256,
                  "matrixWidth": 2 ** z, "matrixHeight": 2 ** z}
        matrices.append({"id": str(z), **common, "cellSize": cell, "cornerOfOrigin": "topLeft",
                         "pointOfOrigin": [-ORIGIN, ORIGIN]})
        matrices_1.append({"type": "TileMatrixType", "identifier": str(z), **common,
                           "topLeftCorner": [-ORIGIN, ORIGIN]})
    scale_set = "http://www.opengis.net/def/wkss/OGC/1.0/GoogleMapsCompatible"
    return {"id": TMS_ID, "title": "Google Maps Compatible for the World", "uri": TMS_URI, "crs": CRS_3857,
            "orderedAxes": ["X", "Y"], "wellKnownScaleSet": scale_set, "tileMatrices": matrices,
            # the 1.0 form (its bounding box keys beside 2.0's)
            "type": "TileMatrixSetType", "identifier": TMS_ID, "supportedCRS": CRS_3857,
            "boundingBox": {"type": "BoundingBoxType", "crs": CRS_3857,
                            "lowerLeft": [-ORIGIN, -ORIGIN], "upperRight": [ORIGIN, ORIGIN],
                            "lowerCorner": [-ORIGIN, -ORIGIN], "upperCorner": [ORIGIN, ORIGIN]},
            "tileMatrix": matrices_1}


def tile_matrix_limits(bbox: tuple[float, float, float, float] | None, max_zoom: int) -> list[dict]:
    """The rows and columns of each tile matrix 0..``max_zoom`` that a lon/lat ``bbox`` (west, south,
    east, north) touches: OGC API - Tiles' ``tileMatrixSetLimits`` (clients fetch no empty tile
    outside them); none without a bbox."""
    if not bbox:
        return []
    west, south, east, north = bbox
    (x0, x1), (y0, y1) = mercator([west, east], [south, north])
    limits = []
    for z in range(max_zoom + 1):
        size = 2 * ORIGIN / 2 ** z
        last = 2 ** z - 1
        col = [min(max(int((v + ORIGIN) // size), 0), last) for v in (x0, x1)]
        row = [min(max(int((ORIGIN - v) // size), 0), last) for v in (y1, y0)]
        limits.append({"tileMatrix": str(z), "minTileRow": row[0], "maxTileRow": row[1],
                       "minTileCol": col[0], "maxTileCol": col[1]})
    return limits
