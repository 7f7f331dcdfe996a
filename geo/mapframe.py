"""What the printed maps share (the regency map of :mod:`geo.zones.printmap`, the letter's and the
worklist's maps of :mod:`geo.casework.maps`): the drawn extent fitted to the axes' proportions, and
polygons with their holes as one matplotlib path. Both draw in a metric CRS, so equal scales fit."""
from __future__ import annotations

import numpy as np
import shapely
from matplotlib.path import Path as MplPath

POLYGON = 3   # shapely's type id of a Polygon


def fitted_view(bounds, aspect: float, *, margin: float,
                min_extent: float = 0.0) -> tuple[float, float, float, float]:
    """``bounds`` (west, south, east, north) grown on every side by ``margin`` times its larger side
    (taken as at least ``min_extent``), then widened or heightened about its centre to ``aspect``
    (width / height)."""
    west, south, east, north = bounds
    pad = margin * max(east - west, north - south, min_extent)
    west, south, east, north = west - pad, south - pad, east + pad, north + pad
    width, height = east - west, north - south
    if width / height < aspect:
        grow = (height * aspect - width) / 2
        west, east = west - grow, east + grow
    else:
        grow = (width / aspect - height) / 2
        south, north = south - grow, north + grow
    return west, south, east, north


def polygon_path(geom) -> MplPath | None:
    """The polygons among the parts of ``geom``, with their holes, as one compound path (rings of
    fewer than three points left out); None when there is nothing to draw."""
    vertices, codes = [], []
    for part in shapely.get_parts(geom):
        if shapely.get_type_id(part) != POLYGON:
            continue
        for ring in [part.exterior, *part.interiors]:
            xy = np.asarray(ring.coords)
            if len(xy) < 3:
                continue
            vertices.append(xy)
            codes.append([MplPath.MOVETO] + [MplPath.LINETO] * (len(xy) - 2) + [MplPath.CLOSEPOLY])
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))
