"""The map draws its data layers from vector tiles (OGC API - Tiles): the whole country at zoom 5
(regency outlines, site density), site points from the middle zoom, at 360 and 1280 px."""
from __future__ import annotations

import pytest

from zonasi.testing.browser import wait_js

from .conftest import DESKTOP, PHONE, new_page, screenshot

pytestmark = pytest.mark.browser

TILE_PATH = "/ogc/collections/{}/tiles/WebMercatorQuad/"


def open_map(browser, live, viewport):
    page = new_page(browser, viewport)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live.url}/")
    wait_js(page, "window.zonasiMap && window.zonasi && window.zonasi.mapPage")
    return page, requests


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_zoom_5_shows_regency_outlines_and_site_density_from_tiles(browser, live, viewport):
    page, requests = open_map(browser, live, viewport)
    try:
        assert page.evaluate("window.zonasiMap.getZoom()") == 5
        wait_js(page, "(() => { const s = window.zonasi.mapPage.state;"
                      " return s.sites && s.sites.density > 0 && s.regencies && s.regencies.shown > 0; })()")
        assert any(TILE_PATH.format("regencies") + "5/" in u for u in requests)
        assert any(TILE_PATH.format("sites") + "5/" in u for u in requests)
        assert not any("/collections/sites/items" in u for u in requests)  # no GeoJSON per viewport any more
        # outlines are SVG paths in the regencies' tiles; density cells are circles drawn in the sites' tiles
        assert page.locator(".leaflet-tile-container svg path").count() > 50
        state = page.evaluate("window.zonasi.mapPage.state.sites")
        assert state["shown"] == 0 and state["density"] > 0   # counts, not points, at zoom 5
        assert page.locator(".zonasi-legend").inner_text().count("zoom 10") == 1 or viewport == PHONE
        screenshot(page, f"map-tiles-zoom5-{viewport['width']}")
        assert page.js_errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_zoom_15_in_jakarta_shows_site_points_from_tiles(browser, live, viewport):
    page, requests = open_map(browser, live, viewport)
    try:
        page.evaluate("window.zonasiMap.setView([-6.2, 106.85], 15, {animate: false})")
        wait_js(page, "(() => { const s = window.zonasi.mapPage.state;"
                      " return s.sites && s.sites.shown > 10 && s.sites.categories.size > 0; })()")
        assert any(TILE_PATH.format("sites") + "15/" in u for u in requests)
        assert page.evaluate("window.zonasi.mapPage.state.sites.density") == 0
        # the legend lists the categories of the points drawn
        assert page.locator(".zonasi-legend-row[data-category]").count() >= 1 or viewport == PHONE
        screenshot(page, f"map-tiles-jakarta15-{viewport['width']}")
        assert page.js_errors == []
    finally:
        page.context.close()
