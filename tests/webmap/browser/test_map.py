"""The map page in Chromium: every asset from the app, the check popup on every tap, search, GPS."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from zonasi.testing.browser import wait_js

from .conftest import screenshot

pytestmark = pytest.mark.browser

# 11 m from SMAN 1 SINDANG (a school in Indramayu, 32.12): a violation under the 50 m school rule.
NEAR_SCHOOL = (-6.33, 108.32)


def open_map(page, live, query=""):
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(f"{live.url}/{query}")
    wait_js(page, "window.zonasiMap && window.zonasi && window.zonasi.mapPage")
    return requests


def click_at(page, lat, lon, zoom=17):
    """Centre the map on a point and tap the map there (a real mouse click)."""
    page.evaluate("([lat, lon, zoom]) => void window.zonasiMap.setView([lat, lon], zoom, {animate: false})",
                  [lat, lon, zoom])
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.locator(".zonasi-check-popup .zonasi-verdict")
    popup.wait_for()
    return popup


def test_map_loads_every_asset_from_the_app(page, live, engine):
    requests = open_map(page, live)
    assert page.evaluate("typeof L.VectorGrid.Protobuf === 'function' && typeof L.AwesomeMarkers === 'object'")
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


def test_tap_on_a_spot_without_complete_data_cannot_be_confirmed(page, live, engine, app):
    """Bundled Indramayu has schools and health facilities but no complete data: no "Boleh"."""
    catalog = app.extensions["zonasi"].catalog
    lat, lon = -6.335, 108.31
    verdict = engine.check(lon, lat)
    assert verdict.status == "incomplete"
    open_map(page, live)
    popup = click_at(page, lat, lon)
    assert popup.get_attribute("data-status") == "incomplete"
    assert popup.locator(".zonasi-verdict-head").inner_text() == catalog.get("status.incomplete", "id")
    text = popup.inner_text()
    assert catalog.get("verdict.none_loaded", "id") in text and "periksa di lapangan" in text
    assert verdict.nearest.name in text


def test_tap_on_a_clean_spot_with_complete_data_says_allowed_and_its_source(page, live, engine, app):
    catalog = app.extensions["zonasi"].catalog
    lat, lon = -0.7364935004581074, 117.28275488834173  # Kec. Sanga-Sanga, 508 m inside its declared area
    assert engine.check(lon, lat).status == "ok"
    open_map(page, live)
    popup = click_at(page, lat, lon)
    assert popup.get_attribute("data-status") == "ok"
    assert popup.locator(".zonasi-verdict-head").inner_text() == catalog.get("status.ok", "id")
    text = popup.inner_text()
    assert catalog.get("verdict.ok", "id") in text and "BIG RBI" in text


def test_a_tap_on_a_site_marker_is_checked_too(page, live, engine):
    sites = engine.layers.sites
    school = sites[sites["name"] == "SMAN 1 SINDANG"].iloc[0]
    open_map(page, live)
    page.evaluate("([lat, lon]) => void window.zonasiMap.setView([lat, lon], 18, {animate: false})",
                  [school.geometry.y, school.geometry.x])
    # the site is a point of the sites' vector tiles, in the middle of the map: hover shows its name
    wait_js(page, "window.zonasi.mapPage.state.sites && window.zonasi.mapPage.state.sites.shown > 0")
    box = page.locator(".folium-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert "SMAN 1 SINDANG" in page.locator(".leaflet-tooltip .zonasi-site-label").inner_text()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.locator(".zonasi-check-popup .zonasi-verdict")
    popup.wait_for()
    assert popup.get_attribute("data-status") == "violation"
    assert "0 m dari SMAN 1 SINDANG" in popup.inner_text()


def test_search_with_a_dms_coordinate_pans_there_and_checks(page, live):
    open_map(page, live)
    page.fill("#zonasi-search-input", "6°19'48\"S 108°19'12\"E")
    page.click("#zonasi-search-submit")
    popup = page.locator(".zonasi-check-popup .zonasi-verdict")
    popup.wait_for()
    assert popup.get_attribute("data-status") == "violation"
    assert "SMAN 1 SINDANG" in popup.inner_text()
    # the map went there (the popup's auto-pan may then move the centre by its own height)
    assert page.evaluate("window.zonasiMap.getBounds().contains([-6.33, 108.32])")
    assert page.evaluate("window.zonasiMap.getZoom()") >= 15
    screenshot(page, "map-search-dms")


def test_search_with_a_regency_name_shows_the_regency(page, live):
    open_map(page, live)
    page.fill("#zonasi-search-input", "kabupaten indramayu")
    page.press("#zonasi-search-input", "Enter")
    wait_js(page, "window.zonasiMap.getZoom() >= 9")
    inside = page.evaluate("window.zonasiMap.getBounds().contains([-6.45, 108.18])")
    assert inside
    page.fill("#zonasi-search-input", "tidak ada tempat seperti ini")
    page.press("#zonasi-search-input", "Enter")
    page.locator("#zonasi-message", has_text="Tidak ditemukan").wait_for()


def test_my_location_draws_the_accuracy_circle_and_says_when_it_is_too_poor(browser, live):
    from .conftest import new_page

    page = new_page(browser, geolocation={"latitude": -6.33, "longitude": 108.32, "accuracy": 80},
                    permissions=["geolocation"])
    try:
        open_map(page, live)
        page.click("#zonasi-locate")
        popup = page.locator(".zonasi-check-popup .zonasi-verdict")
        popup.wait_for()
        text = popup.inner_text()
        assert "Akurasi GPS ± 80 m" in text
        assert popup.locator(".zonasi-accuracy-poor").count() == 1
        radius = page.evaluate("""(() => { let r = null; window.zonasiMap.eachLayer(l => {
            if (l instanceof L.Circle && !(l instanceof L.CircleMarker && !l.getRadius)) r = l.getRadius(); });
            return r; })()""")
        assert radius == 80
        screenshot(page, "map-gps-poor")
        page.context.set_geolocation({"latitude": -6.335, "longitude": 108.31, "accuracy": 4})
        page.click("#zonasi-locate")
        page.locator(".zonasi-check-popup .zonasi-verdict[data-status=incomplete]").wait_for()
        assert "Akurasi GPS ± 4 m" in popup.inner_text()
        assert popup.locator(".zonasi-accuracy-poor").count() == 0
    finally:
        page.context.close()


def test_the_map_works_on_a_360_px_phone(phone, live):
    open_map(phone, live)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.locator("#zonasi-locate").is_visible()
    popup = click_at(phone, *NEAR_SCHOOL)
    box = popup.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    assert phone.locator(".zonasi-report-here").is_visible()
    screenshot(phone, "map-phone-violation")
    assert phone.js_errors == []


def test_english_is_one_switch_away_and_remembered(page, live):
    open_map(page, live, "?lang=en")
    assert page.locator("#zonasi-locate").inner_text().strip() == "My location"
    popup = click_at(page, -6.335, 108.31)
    assert popup.locator(".zonasi-verdict-head").inner_text() == "Cannot be confirmed"
    page.goto(f"{live.url}/batch")
    assert page.locator("#nav-map").inner_text() == "Map"
    with page.expect_navigation():
        page.click("#zonasi-lang")
    expect(page.locator("#nav-map")).to_have_text("Peta")
    assert page.evaluate("document.documentElement.lang") == "id"


def test_the_page_with_its_data_stays_under_1_5_mb(page, live):
    """Central Jakarta, the densest data, at the first zoom that draws every layer (sites,
    exclusion zones, boundaries): the assets plus the viewport's data."""
    open_map(page, live)
    page.evaluate("void window.zonasiMap.setView([-6.2, 106.85], 15, {animate: false})")
    wait_js(page, "(() => { const s = window.zonasi.mapPage.state;"
                           " return s.sites && s.sites.shown > 100 && s.zones && s.zones.shown > 0"
                           " && s.regencies && s.regencies.shown > 0; })()")
    page.wait_for_load_state("networkidle")
    total = page.evaluate("""(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        return performance.getEntriesByType('resource').reduce((s, e) => s + e.transferSize, nav.transferSize);
    })()""")
    assert 200_000 < total <= 1_500_000, total
    screenshot(page, "map-jakarta")
