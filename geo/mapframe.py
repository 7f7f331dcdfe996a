"""What the printed maps share (the regency map of :mod:`geo.zones.printmap`, the letter's and the
worklist's maps of :mod:`geo.casework.maps`): the drawn extent fitted to the axes' proportions,
polygons with their holes as one matplotlib path, and a scale bar. All draw in a metric CRS, so
equal scales fit and the scale bar is true."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from matplotlib.patches import Rectangle
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


@dataclass(frozen=True)
class ScaleBarStyle:
    """How a scale bar sits and looks. Places are shares of the view's width or height; the
    backing box and the labels are placed in bar thicknesses."""

    parts: int            # the bar is at most the view's width / parts long (a 1, 2 or 5 times a power of ten)
    left: float           # the bar's start from the west, share of the width
    bottom: float         # the bar's foot from the south, share of the height
    thickness: float      # the bar's thickness, share of the height
    box_below: float      # the white box starts this many thicknesses below the bar
    box_height: float     # and is this many thicknesses high
    box_line: float
    box_alpha: float
    bar_line: float
    label_above: float    # the labels stand this many thicknesses above the bar's foot
    font_size: float


@dataclass(frozen=True)
class ScaleBar:
    """Where a drawn scale bar ended up: its foot ``x0``, ``y0``, its thickness ``h`` and ``length`` (metres)."""

    x0: float
    y0: float
    h: float
    length: float


def scale_bar(ax, view, style: ScaleBarStyle) -> ScaleBar:
    """A scale bar in metres (or km) of four black and white segments, at the lower left of ``view``
    (west, south, east, north in metres), on a white box, labelled 0 and its length."""
    west, south, east, north = view
    width, height = east - west, north - south
    target = width / style.parts
    magnitude = 10 ** np.floor(np.log10(target))
    length = max(s * magnitude for s in (1, 2, 5) if s * magnitude <= target)
    x0, y0, h = west + style.left * width, south + style.bottom * height, style.thickness * height
    ax.add_patch(Rectangle((x0 - 0.02 * width, y0 - style.box_below * h), length + 0.06 * width,
                           style.box_height * h, facecolor="white", edgecolor="#999999", linewidth=style.box_line,
                           alpha=style.box_alpha, zorder=7))
    for i in range(4):
        ax.add_patch(Rectangle((x0 + i * length / 4, y0), length / 4, h, facecolor="black" if i % 2 == 0 else "white",
                               edgecolor="black", linewidth=style.bar_line, zorder=8))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x0, y0 + style.label_above * h, "0", fontsize=style.font_size, ha="center", zorder=8)
    ax.text(x0 + length, y0 + style.label_above * h, label, fontsize=style.font_size, ha="center", zorder=8)
    return ScaleBar(x0, y0, h, length)
