"""Small maps drawn without tiles (matplotlib, in a metric CRS, so the scale bar is true): a
letter's inset for one prop, and the worklist's route. Returned as RGB Pillow images (the PDF
writer takes them as they are: no PNG to encode and decode again), the same pixels for the same input.
"""
from __future__ import annotations

import json

import numpy as np
import pyproj
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from PIL import Image

from geo.mapframe import ScaleBarStyle, fitted_view, polygon_path, scale_bar

MM = 1 / 25.4   # inches per millimetre
PROP, SITE, ROUTE = "#d7191c", "#2c7bb6", "#1a1a1a"
SCALE = ScaleBarStyle(parts=4, left=0.05, bottom=0.06, thickness=0.025, box_below=1.2, box_height=4.8,
                      box_line=0.4, box_alpha=0.9, bar_line=0.4, label_above=1.6, font_size=5)


def _to_metric(epsg: int):
    transformer = pyproj.Transformer.from_crs(4326, int(epsg), always_xy=True)
    return lambda geom: shapely.transform(geom, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


def _image(fig: Figure) -> Image.Image:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy(), mode="RGB")


def inset_image(item: dict, regency: dict, *, size_mm=(170.0, 72.0), dpi: int = 150) -> Image.Image:
    """A letter's map of one prop (an annex ``item``): left the neighbourhood (the regency's
    border, the site and its buffer, the prop, the distance, a scale bar), right the regency
    (its simplified outline from the annex's ``regency``) with the prop."""
    forward = _to_metric(regency["epsg"])
    prop = forward(shapely.Point(item["lon"], item["lat"]))
    half = float(item["map"]["half_m"])
    fig = Figure(figsize=(size_mm[0] * MM, size_mm[1] * MM), dpi=dpi)
    ax = fig.add_axes((0.003, 0.005, 0.68, 0.99))
    _frame(ax)
    ax.set_facecolor("#f7f7f4")
    site = forward(shapely.from_geojson(_dumps(item["map"]["site"]))) if item["map"].get("site") else None
    border = forward(shapely.from_geojson(_dumps(item["map"]["border"]))) if item["map"].get("border") else None
    buffer_m = item["verdict"].get("buffer_m")
    if site is not None and buffer_m:
        _draw(ax, site.buffer(float(buffer_m), quad_segs=16), facecolor="#fdae61", edgecolor="#e66101", alpha=0.25,
              linewidth=0.6, linestyle="--")
    if border is not None:
        _draw(ax, border, color="#555555", linewidth=1.2, linestyle=(0, (6, 3)))
    if site is not None:
        _draw(ax, site, facecolor=SITE, edgecolor=SITE, color=SITE, alpha=0.8, linewidth=1.5, markersize=6)
        link = shapely.shortest_line(prop, site)
        ax.plot(*np.asarray(link.coords).T, color=PROP, linewidth=0.8, linestyle=":")
    ax.plot([prop.x], [prop.y], marker="^", markersize=8, color=PROP, markeredgecolor="black", markeredgewidth=0.5)
    aspect = 0.68 * size_mm[0] / (0.99 * size_mm[1])
    ax.set_xlim(prop.x - half * aspect, prop.x + half * aspect)
    ax.set_ylim(prop.y - half, prop.y + half)
    ax.set_aspect("equal")
    scale_bar(ax, (prop.x - half * aspect, prop.y - half, prop.x + half * aspect, prop.y + half), SCALE)
    loc = fig.add_axes((0.70, 0.02, 0.295, 0.96))
    _frame(loc)
    outline = forward(shapely.from_geojson(_dumps(regency["outline"])))
    _draw(loc, outline, facecolor="#eeeeee", edgecolor="#333333", linewidth=0.6)
    loc.plot([prop.x], [prop.y], marker="o", markersize=4, color=PROP, markeredgecolor="black", markeredgewidth=0.4)
    _fit(loc, outline.bounds, aspect=0.295 * size_mm[0] / (0.96 * size_mm[1]))
    loc.set_title(regency["name"], fontsize=6)
    return _image(fig)


def route_image(points: list[tuple[float, float]], start: tuple[float, float] | None, outlines: list,
                epsg: int, *, size_mm=(170.0, 120.0), dpi: int = 150) -> Image.Image:
    """The worklist's map: regency ``outlines`` (lon/lat geometries), the route from ``start``
    (lon, lat) through ``points`` (lon, lat, in route order), each stop numbered, a scale bar."""
    forward = _to_metric(epsg)
    fig = Figure(figsize=(size_mm[0] * MM, size_mm[1] * MM), dpi=dpi)
    ax = fig.add_axes((0.003, 0.004, 0.994, 0.992))
    _frame(ax)
    stops = np.array([forward(shapely.Point(p)).coords[0] for p in points]).reshape(-1, 2)
    path = stops
    if start is not None:
        origin = np.asarray(forward(shapely.Point(start)).coords[0])
        path = np.vstack([origin, stops])
        ax.plot([origin[0]], [origin[1]], marker="s", markersize=7, color="#1a9641", markeredgecolor="black")
    if len(path) > 1:
        ax.add_collection(LineCollection([path], colors=ROUTE, linewidths=1.0, alpha=0.7))
    ax.scatter(stops[:, 0], stops[:, 1], s=70, c=PROP, edgecolors="black", linewidths=0.5, zorder=3)
    for number, (x, y) in enumerate(stops, start=1):
        ax.text(x, y, str(number), fontsize=5, ha="center", va="center", color="white", weight="bold", zorder=4)
    west, south = path.min(axis=0) if len(path) else (0, 0)
    east, north = path.max(axis=0) if len(path) else (1, 1)
    pad = max(east - west, north - south, 200) * 0.08
    box = (west - pad, south - pad, east + pad, north + pad)
    for outline in outlines:
        _draw(ax, forward(outline), facecolor="none", edgecolor="#777777", linewidth=0.8, linestyle="--")
    _fit(ax, box, aspect=0.994 * size_mm[0] / (0.992 * size_mm[1]))
    (west, east), (south, north) = ax.get_xlim(), ax.get_ylim()
    scale_bar(ax, (west, south, east, north), SCALE)
    return _image(fig)


def _frame(ax) -> None:
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.5)


def _fit(ax, bounds, aspect: float) -> None:
    """Limits around ``bounds`` with the axes' own ``aspect`` (width / height), so equal scales fit exactly."""
    west, south, east, north = fitted_view(bounds, aspect, margin=0.05, min_extent=1.0)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect("equal")


def _draw(ax, geom, **style) -> None:
    """Any geometry: polygons as patches, lines as lines, points as markers."""
    polygons, lines, points = [], [], []
    for part in shapely.get_parts(geom):
        kind = shapely.get_type_id(part)
        if kind == 3:
            polygons.append(part)
        elif kind in (1, 2):
            lines.append(np.asarray(part.coords))
        elif kind == 0:
            points.append(part.coords[0])
        else:
            _draw(ax, part, **style)
    patch_style = {k: v for k, v in style.items() if k not in ("color", "markersize")}
    for polygon in polygons:
        path = polygon_path(polygon)
        if path is not None:
            ax.add_artist(PathPatch(path, **patch_style))
    line_colour = style.get("color", style.get("edgecolor", "black"))
    if lines:
        ax.add_collection(LineCollection(lines, colors=line_colour, linewidths=style.get("linewidth", 1.0),
                                         linestyles=style.get("linestyle", "solid"), alpha=style.get("alpha")))
    if points:
        xy = np.asarray(points)
        ax.plot(xy[:, 0], xy[:, 1], linestyle="none", marker="o", markersize=style.get("markersize", 5),
                color=line_colour, markeredgecolor="black", markeredgewidth=0.4)


def _dumps(geojson: dict) -> str:
    return json.dumps(geojson)
