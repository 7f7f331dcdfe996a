"""The Folium map of the map page, with every asset served by the app itself.

Folium draws the map, its base layer, the empty overlay groups and the layer control; the data
comes later as vector tiles (OGC API - Tiles, drawn by Leaflet.VectorGrid: ``static/zonasi/map.js``
puts one tile layer in each group).
The page is rendered whole (no iframe), so the Leaflet map is a page-level variable.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import folium
from flask import url_for

# Indonesia, whole: the first view when no position is asked for.
HOME = (-2.5, 118.0)
HOME_ZOOM = 5


def vendor(path: str) -> str:
    """The URL of a vendored asset under ``/static/vendor``."""
    return url_for("static", filename=f"vendor/{path}")


def map_assets() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Folium's own JS and CSS (same names as its defaults), pointed at ``/static/vendor``."""
    js = [("leaflet", vendor("leaflet/leaflet.js")),
          ("jquery", vendor("jquery/jquery.min.js")),
          ("bootstrap", vendor("bootstrap/js/bootstrap.bundle.min.js")),
          ("awesome_markers", vendor("awesome-markers/leaflet.awesome-markers.js"))]
    css = [("leaflet_css", vendor("leaflet/leaflet.css")),
           ("bootstrap_css", vendor("bootstrap/css/bootstrap.min.css")),
           ("awesome_markers_font_css", vendor("fontawesome/css/all.min.css")),
           ("awesome_markers_css", vendor("awesome-markers/leaflet.awesome-markers.css"))]
    return js, css


@dataclass
class MapPage:
    """The parts of the rendered Folium page, and the JS names of its map and layers."""

    header: str
    html: str
    script: str
    names: dict[str, str]


def build_map(messages: dict[str, str]) -> MapPage:
    """The map with a base layer, one empty overlay per data layer, and a layer control."""
    m = folium.Map(location=HOME, zoom_start=HOME_ZOOM, tiles=None, control_scale=True,
                   prefer_canvas=False)
    m.default_js, m.default_css = map_assets()
    folium.TileLayer("OpenStreetMap", name=messages["map.layer.osm"]).add_to(m)
    regencies = folium.FeatureGroup(name=messages["map.layer.regencies"]).add_to(m)
    # off at first (it shades most of the country grey), listed in the layer control and offered by the legend
    coverage = folium.FeatureGroup(name=messages["map.layer.coverage"], show=False).add_to(m)
    sites = folium.FeatureGroup(name=messages["map.layer.sites"]).add_to(m)  # density, then points (tiles)
    lines = folium.FeatureGroup(name=messages["map.layer.roads"]).add_to(m)
    zones = folium.FeatureGroup(name=messages["map.layer.zones"]).add_to(m)
    violations = folium.FeatureGroup(name=messages["map.layer.violations"]).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    root = cast(folium.Figure, m.get_root())  # branca types it Element; a Map is made inside a Figure
    root.render()
    names = {"map": m.get_name(), "regencies": regencies.get_name(), "sites": sites.get_name(),
             "roads": lines.get_name(), "zones": zones.get_name(), "violations": violations.get_name(),
             "coverage": coverage.get_name()}
    return MapPage(header=root.header.render(), html=root.html.render(), script=root.script.render(),
                   names=names)
