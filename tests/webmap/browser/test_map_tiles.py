"""The map draws its data layers from vector tiles (OGC API - Tiles): the whole country at zoom 5
(regency outlines, site density), site points from the middle zoom, at 360 and 1280 px."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

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
        page.evaluate("void window.zonasiMap.setView([-6.2, 106.85], 15, {animate: false})")
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


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_a_violation_from_the_tiles_is_drawn_at_its_place_and_a_tap_shows_its_report(browser, engine, tmp_path,
                                                                                   viewport):
    from tests.conftest import settings_for_tests
    from webmap import create_app

    from .conftest import serve

    lat, lon = -6.33, 108.32                                   # 11 m from SMAN 1 SINDANG: a violation
    app = create_app(settings_for_tests(instance_dir=tmp_path / "instance"), engine=engine)
    store = app.extensions["zonasi"].store
    report = store.submit({"apk_type": "baliho", "lon": lon, "lat": lat, "reporter": "PKD",
                           "participant": "Partai Z", "note": "di depan gerbang"}).report
    token = store.tokens.create("bawaslu", "Budi")
    touch = viewport == PHONE
    with serve(app) as server:
        page = new_page(browser, viewport, is_mobile=touch, has_touch=touch)
        try:
            page.goto(f"{server.url}/")
            page.evaluate("t => localStorage.setItem('zonasi.token', t)", token)
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(f"{server.url}/")
            wait_js(page, "window.zonasiMap && window.zonasi && window.zonasi.mapPage")
            page.evaluate("([lat, lon]) => void window.zonasiMap.setView([lat, lon], 17, {animate: false})", [lat, lon])
            wait_js(page, "(() => { const s = window.zonasi.mapPage.state.violations;"
                          " return s && s.shown >= 1; })()")
            assert any(TILE_PATH.format("violations") + "17/" in u for u in requests)
            point = page.locator(".leaflet-zonasiReports-pane path.leaflet-interactive")
            # counted when the tile's features are read, drawn just after: wait for the drawing
            expect(point).to_have_count(1)
            # drawn where the report is: the circle's centre on the map's point for its lat/lon
            box = point.bounding_box()
            where = page.evaluate("([lat, lon]) => { const p = window.zonasiMap.latLngToContainerPoint([lat, lon]);"
                                  " const r = window.zonasiMap.getContainer().getBoundingClientRect();"
                                  " return [r.left + p.x, r.top + p.y]; }", [lat, lon])
            assert abs(box["x"] + box["width"] / 2 - where[0]) <= 2
            assert abs(box["y"] + box["height"] / 2 - where[1]) <= 2
            if touch:
                point.tap()
            else:
                point.click()
            info = page.locator(".zonasi-check-popup .zonasi-report-info")
            info.wait_for()
            text = info.inner_text()
            assert "Partai Z" in text and "di depan gerbang" in text and "Baliho" in text
            verdict = page.locator(".zonasi-check-popup .zonasi-verdict")
            assert verdict.get_attribute("data-status") == "violation"
            # the check is of the report's own place (the point's, not wherever the finger landed)
            assert page.locator(".zonasi-check-popup .zonasi-verdict-point").inner_text().endswith(
                f"{report['lat']:.6f}, {report['lon']:.6f}")
            screenshot(page, f"map-tiles-violation-{viewport['width']}")
            assert page.js_errors == []
        finally:
            page.context.close()


def test_past_the_deepest_tiles_the_points_in_view_are_still_counted(browser, live):
    """From zoom 19 the map draws zoom 18's tiles larger: the legend's count of what is in view
    (the state tests and the legend read) must count those tiles, not find none."""
    page, requests = open_map(browser, live, DESKTOP)
    try:
        page.evaluate("void window.zonasiMap.setView([-6.2, 106.85], 20, {animate: false})")
        wait_js(page, "(() => { const s = window.zonasi.mapPage.state;"
                      " return s.sites && s.sites.tiles > 0 && s.sites.shown > 0; })()")
        assert not any(TILE_PATH.format("sites") + "19/" in u or TILE_PATH.format("sites") + "20/" in u
                       for u in requests)
        assert page.locator(".leaflet-tile-pane .zonasi-tiles-interactive path.leaflet-interactive").count() > 0
        assert page.js_errors == []
    finally:
        page.context.close()
