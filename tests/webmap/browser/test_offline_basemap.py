"""The basemap without a tile server (#17): the tests reach no tile server, so the map shows what
a phone without one would. Online it draws land, regency outlines and roads from the app's own
vector tiles; offline the saved regency's land and its road lines (category road) on one canvas,
and its outline above them.
The bundled layers have road lines in Sanga-Sanga (Kutai Kartanegara, 64.02)."""
from __future__ import annotations

import json
import urllib.request

import pytest

from zonasi.testing.browser import wait_js

from .conftest import DESKTOP, PHONE, new_page, resize, screenshot
from .test_offline_shell import wait_controlled

pytestmark = pytest.mark.browser
ROADS = (-0.70, 117.22)        # Sanga-Sanga, Kutai Kartanegara: road lines in the bundled layers
ROADS_CODE = "64.02"


def basemap(page) -> dict:
    return page.evaluate("window.zonasi.offline.basemap()")


def drawn(page, selector: str) -> int:
    return page.evaluate(f"document.querySelectorAll({selector!r}).length")


def painted(page) -> dict:
    """Pixels of the saved basemap's canvas (land and roads) in the land's and the roads' colours
    (offline/basemap.js's STYLE), and the basemap pane's canvas and SVG elements, in order."""
    return page.evaluate("""() => {
        const pane = window.zonasiMap.getPane('zonasiBasemap');
        const layers = [...pane.children].map((e) => e.tagName.toLowerCase()).filter((t) => t === 'canvas' || t === 'svg');
        const canvas = pane.querySelector('canvas');
        const counts = {layers, land: 0, road: 0};
        if (!canvas) return counts;
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        for (let i = 0; i < data.length; i += 4) {
            if (data[i + 3] !== 255) continue;
            const rgb = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
            if (rgb === 0xf2efe9) counts.land += 1; else if (rgb === 0xb3aa99) counts.road += 1;
        }
        return counts;
    }""")


def save_regency(page, server, lat, lon, code):
    """Press "Simpan untuk luring" on the map centred at (lat, lon), confirm, wait until saved."""
    page.goto(f"{server.url}/?lat={lat}&lon={lon}")
    wait_controlled(page)
    wait_js(page, "window.zonasi.offline && document.getElementById('zonasi-offline-status').textContent")
    # the verdict's popup pans the map: centre it again on the spot (the regency saved is the centre's)
    page.evaluate(f"void window.zonasiMap.closePopup(); void window.zonasiMap.setView([{lat}, {lon}], 15, {{animate: false}})")
    page.click("#zonasi-offline-save")
    page.locator("#zonasi-offline-confirm").click()
    wait_js(page, f"document.getElementById('zonasi-offline-status').dataset.saved === {code!r}", timeout=60)


def road_lines(server, code) -> int:
    with urllib.request.urlopen(f"{server.url}/api/offline/regency/{code}.json") as answer:
        bundle = json.loads(answer.read())
    road = bundle["categories"].index("road")
    return sum(1 for c, g in zip(bundle["sites"]["category"], bundle["sites"]["geometry"])
               if c == road and isinstance(g, dict) and g["type"].endswith("LineString"))


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_online_without_tiles_the_apps_own_tiles_draw_land_and_roads(browser, live, viewport):
    page = new_page(browser, viewport, is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    try:
        page.goto(f"{live.url}/")
        wait_js(page, "window.zonasi && window.zonasi.offline && window.zonasi.offline.basemap().missing", timeout=60)
        page.evaluate(f"void window.zonasiMap.setView({list(ROADS)}, 8, {{animate: false}})")
        wait_js(page, "window.zonasi.offline.basemap().source === 'tiles'"
                      " && document.querySelectorAll('.zonasi-basemap-land path').length > 0")
        assert drawn(page, ".zonasi-basemap-roads path") == 0   # below the zoom of the sites' lines
        page.evaluate(f"void window.zonasiMap.setView({list(ROADS)}, 14, {{animate: false}})")
        wait_js(page, "document.querySelectorAll('.zonasi-basemap-roads path').length > 20")
        # the basemap lies below the tile pane: tiles that do load cover it
        assert page.evaluate("+getComputedStyle(window.zonasiMap.getPane('zonasiBasemap')).zIndex"
                             " < +getComputedStyle(window.zonasiMap.getPane('tilePane')).zIndex")
        # the roads are there with the sites' layer switched off too: they are the basemap's own
        page.evaluate("void window.zonasiMap.removeLayer(window.zonasi.mapPage.groups.sites)")
        page.wait_for_timeout(300)
        assert drawn(page, ".zonasi-basemap-roads path") > 20
        page.evaluate("void window.zonasiMap.addLayer(window.zonasi.mapPage.groups.sites)")
        screenshot(page, f"map-basemap-online-roads-{viewport['width']}")
        assert page.js_errors == []
    finally:
        page.context.close()


def test_offline_the_saved_regency_is_the_basemap_with_its_roads(browser, live):
    expected = road_lines(live, ROADS_CODE)
    assert expected > 100
    page = new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        save_regency(page, live, *ROADS, ROADS_CODE)
        page.context.set_offline(True)
        page.reload()
        wait_js(page, "window.zonasi.offline && document.getElementById('zonasi-offline-status').dataset.saved")
        page.evaluate(f"void window.zonasiMap.closePopup(); void window.zonasiMap.setView({list(ROADS)}, 14, {{animate: false}})")
        wait_js(page, "window.zonasi.offline.basemap().source === 'saved'")
        state = basemap(page)
        assert state["roads"] == expected                                 # every road line of the bundle
        assert drawn(page, ".zonasi-basemap-roads path") == 0             # the online tiles are not used
        # land and roads on one canvas (thousands of lines: no SVG path each), the outline (SVG) above it
        pixels = painted(page)
        assert pixels["layers"] == ["canvas", "svg"], pixels["layers"]
        assert pixels["land"] > 10_000 and pixels["road"] > 1_000, pixels
        assert drawn(page, "path.zonasi-offline-outline") >= 1
        screenshot(page, "map-offline-basemap-roads-360")
        # the same zoom at 1280 px: a new zoom would draw every saved road and outline again (the
        # longest step of this test), for a screenshot only
        resize(page, DESKTOP)
        screenshot(page, "map-offline-basemap-roads-1280")
        # back online (the tile server still unreachable): the app's tiles again
        page.context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        wait_js(page, "window.zonasi.offline.basemap().source === 'tiles'"
                      " && document.querySelectorAll('.zonasi-basemap-roads path').length > 0")
        pixels = painted(page)
        assert pixels["land"] == pixels["road"] == 0, pixels           # the saved land and roads are gone
        assert page.js_errors == []
    finally:
        page.context.close()
