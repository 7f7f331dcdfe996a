"""The map page in Chromium: every asset from the app, the check popup on every tap, search, GPS."""
from __future__ import annotations

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser

# 11 m from SMAN 1 SINDANG (a school in Indramayu, 32.12): a violation under the 50 m school rule.
NEAR_SCHOOL = (-6.33, 108.32)


def open_map(page, live, query=""):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live.url}/{query}")
    page.wait_for_function("window.zonasiMap && window.zonasi && window.zonasi.mapPage")
    return requests


def click_at(page, lat, lon, zoom=17):
    """Centre the map on a point and tap the map there (a real mouse click)."""
    page.evaluate("([lat, lon, zoom]) => window.zonasiMap.setView([lat, lon], zoom, {animate: false})",
                  [lat, lon, zoom])
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.locator(".zonasi-check-popup .zonasi-verdict")
    popup.wait_for()
    return popup


def test_map_loads_every_asset_from_the_app(page, live, engine):
    requests = open_map(page, live)
    assert page.evaluate("typeof L.markerClusterGroup === 'function' && typeof L.AwesomeMarkers === 'object'")
    outside = [u for u in requests if not u.startswith(live.url) and "tile.openstreetmap.org" not in u]
    assert outside == [], outside
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator(".zonasi-legend").is_visible()
    assert page.js_errors == []


def test_tap_near_a_school_is_a_violation_with_its_name(page, live, engine):
    open_map(page, live)
    verdict = engine.check(NEAR_SCHOOL[1], NEAR_SCHOOL[0])
    assert verdict.status == "violation"
    name = verdict.hits[0].name
    popup = click_at(page, *NEAR_SCHOOL)
    assert popup.get_attribute("data-status") == "violation"
    head = popup.locator(".zonasi-verdict-head").inner_text()
    assert head == "Terlarang"
    text = popup.inner_text()
    assert name in text and "SINDANG" in text
    assert "Tempat pendidikan" in text and "PKPU 15/2023" in text and "Indramayu" in text
    screenshot(page, "map-violation")
    assert page.js_errors == []
