"""A printable map of a regency's exclusion zones (PNG or PDF), drawn with matplotlib.

Everything is drawn in the regency's UTM zone, so the scale bar is true; no basemap tiles are
needed (the map must print on a machine without internet). The map shows the zones per
category, the sites, the regency boundary (and its neighbours faintly), a legend with each
category's distance and legal basis, a scale bar, a north arrow pointing to true north, and the
rules and layers versions it was made with.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch

from geo.errors import InputError
from geo.i18n import Catalog
from geo.mapframe import ScaleBarStyle, fitted_view, polygon_path, scale_bar
from geo.zones.exclusion import RegencyFrame, exclusion_zones, nearby_sites

if TYPE_CHECKING:
    from geo.engine.engine import Engine

COLOURS = {"place_of_worship": "#7b3294", "health_facility": "#d7191c", "school": "#fdae61",
           "government_office": "#2c7bb6", "road": "#636363", "public_facility": "#1a9641",
           "park": "#a6d96a", "allowed_zone": "#00a884"}
PAGE = (11.69, 8.27)     # A4 landscape, inches
SCALE = ScaleBarStyle(parts=5, left=0.04, bottom=0.04, thickness=0.012, box_below=3.2, box_height=6.4,
                      box_line=0.5, box_alpha=0.85, bar_line=0.6, label_above=1.8, font_size=7)


def render_map(engine: Engine, code: str, path: str | Path, *, bbox=None, lang: str | None = None,
               catalog: Catalog | None = None, dpi: int = 150, categories=None) -> Path:
    """Draw regency ``code`` (or the lon/lat ``bbox`` inside it) to ``path`` (.png or .pdf)."""
    path = Path(path)
    if path.suffix.lower() not in (".png", ".pdf"):
        raise InputError(f"{path.name}: the map is written as .png or .pdf", message_id="zones.map_format",
                         message_values={"file": path.name}, parameter="output")
    catalog = catalog or Catalog()
    frame = RegencyFrame(engine, code)
    zones = exclusion_zones(engine, code, categories)
    view = _view(frame, bbox)

    english = catalog.language(lang) == "en"
    fig = Figure(figsize=PAGE, dpi=dpi)
    ax = fig.add_axes((0.03, 0.08, 0.66, 0.82))
    ax.set_aspect("equal")
    ax.set_facecolor("#eef4f8")                       # sea / outside: pale blue
    _neighbours(ax, engine, frame, view)
    _polygon(ax, frame.metric, facecolor="white", edgecolor="none", zorder=1)
    handles: list[Artist] = []
    for row in zones.itertuples():
        colour = COLOURS.get(row.category, "#888888")
        _polygon(ax, frame.forward(row.geometry), facecolor=colour, edgecolor=colour, alpha=0.45,
                 linewidth=0.3, zorder=3 if row.kind == "exclusion" else 2)
        label = row.label_en if english and row.label_en else row.label
        text = catalog.get("zones.legend_zone", lang, label=label, metres=f"{row.buffer_m:g}", sites=row.sites)
        handles.append(Patch(facecolor=colour, alpha=0.6, edgecolor=colour, label=_wrap(text, 40, "\n")))
    _sites(ax, engine, frame, view)
    _polygon(ax, frame.metric, facecolor="none", edgecolor="black", linewidth=1.2, zorder=5)
    handles += [Line2D([], [], color="black", linewidth=1.2, label=catalog.get("zones.legend_boundary", lang)),
                Line2D([], [], marker="o", linestyle="none", markersize=3, color="black",
                       label=catalog.get("zones.legend_sites", lang))]
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(ax, view, catalog, lang)
    _north_arrow(ax, frame, view, catalog, lang)

    fig.text(0.03, 0.955, catalog.get("zones.map_title", lang, name=frame.name, code=code), fontsize=15,
             weight="bold", va="center")
    fig.text(0.03, 0.92, catalog.get("zones.map_subtitle", lang), fontsize=9, va="center", color="#333333")
    legend = fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.71, 0.9), fontsize=8,
                        frameon=False, title=catalog.get("zones.legend_title", lang), title_fontsize=10,
                        alignment="left")
    legend.get_title().set_fontweight("bold")
    bases = [f"{r.label_en if english and r.label_en else r.label}: {r.legal_basis}"
             for r in zones.itertuples() if r.legal_basis]
    fig.text(0.71, 0.08, "\n".join(_wrap(b, 62) for b in bases[:8]), fontsize=6.5, va="bottom", color="#333333")
    fig.text(0.03, 0.035, catalog.get("zones.map_footer", lang, rules=engine.rules_version,
                                      layers=engine.layers_version, crs=f"EPSG:{frame.epsg}",
                                      date=dt.date.today().isoformat()), fontsize=7, color="#333333")
    fig.savefig(path, dpi=dpi)
    return path


def _view(frame: RegencyFrame, bbox) -> tuple[float, float, float, float]:
    """The drawn extent in UTM metres: the regency (or bbox) with a 4 % margin, A4-proportioned."""
    if bbox is not None:
        box = frame.forward(shapely.box(*bbox))
        if not box.intersects(frame.metric):
            raise InputError(f"bbox {','.join(f'{v:g}' for v in bbox)} does not touch regency {frame.code}",
                             message_id="zones.bbox_outside",
                             message_values={"bbox": ",".join(f"{v:g}" for v in bbox), "code": frame.code},
                             parameter="bbox")
        west, south, east, north = box.bounds
    else:
        west, south, east, north = frame.metric.bounds
    return fitted_view((west, south, east, north), (PAGE[0] * 0.66) / (PAGE[1] * 0.82), margin=0.04)


def _polygon(ax, geom, **style) -> None:
    """A (multi)polygon with holes as one compound path."""
    path = polygon_path(geom)
    if path is not None:
        # add_artist, not add_patch: the limits are set explicitly, and add_patch walks every
        # vertex of a big regency polygon to update them
        ax.add_artist(PathPatch(path, **style))


def _neighbours(ax, engine, frame: RegencyFrame, view) -> None:
    regencies = engine.layers.regencies
    box = frame.inverse(shapely.box(*view))
    near = np.flatnonzero(shapely.intersects(regencies.geometry.to_numpy(), box))
    for i in near:
        if i != frame.index:
            _polygon(ax, frame.forward(regencies.geometry.iloc[i]), facecolor="#f4f4f0", edgecolor="#999999",
                     linewidth=0.5, zorder=1)


def _sites(ax, engine, frame: RegencyFrame, view) -> None:
    near = nearby_sites(engine, frame, float(engine.buffers[frame.index].max()))
    if not len(near):
        return
    geoms = frame.forward(engine.layers.sites.geometry.to_numpy()[near])
    kinds = shapely.get_type_id(geoms)
    colours = np.array([COLOURS.get(c, "#444444") for c in engine.layers.sites["category"].to_numpy()[near]])
    points = kinds == 0
    if points.any():
        xy = shapely.get_coordinates(geoms[points])
        ax.scatter(xy[:, 0], xy[:, 1], s=2.5, c=colours[points], edgecolors="black", linewidths=0.15, zorder=6)
    areal = ~points & (shapely.get_dimensions(geoms) == 2)
    for geom, colour in zip(geoms[areal], colours[areal]):
        _polygon(ax, geom, facecolor=colour, edgecolor="black", linewidth=0.3, zorder=6)
    linear = ~points & ~areal
    if linear.any():
        parts, owner = shapely.get_parts(geoms[linear], return_index=True)
        segments = [np.asarray(part.coords) for part in parts]
        ax.add_collection(LineCollection(segments, colors=colours[linear][owner], linewidths=0.6, zorder=6))


def _scale_bar(ax, view, catalog, lang) -> None:
    bar = scale_bar(ax, view, SCALE)
    ax.text(bar.x0 + bar.length / 2, bar.y0 - 1.2 * bar.h, catalog.get("zones.scale", lang), fontsize=6,
            ha="center", va="top", zorder=8)


def _north_arrow(ax, frame: RegencyFrame, view, catalog, lang) -> None:
    """An arrow to true north (UTM grid north differs by the meridian convergence)."""
    centre = frame.geometry.representative_point()
    a = frame.forward(centre)
    b = frame.forward(shapely.Point(centre.x, centre.y + 0.01))
    angle = np.arctan2(b.x - a.x, b.y - a.y)
    size = 0.07 * (view[3] - view[1])
    x = view[2] - 0.06 * (view[2] - view[0])
    y = view[3] - 0.16 * (view[3] - view[1])
    dx, dy = size * np.sin(angle), size * np.cos(angle)
    ax.annotate("", xy=(x + dx, y + dy), xytext=(x, y),
                arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.5, "mutation_scale": 18}, zorder=9)
    ax.text(x + 1.25 * dx, y + 1.25 * dy, catalog.get("zones.north", lang), fontsize=12, weight="bold",
            ha="center", va="center", zorder=9)


def _wrap(text: str, width: int, indent: str = "\n   ") -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return indent.join(lines)
