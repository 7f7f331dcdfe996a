"""Coverage on the map and the dashboard, in Chromium (#15): the coverage layer at 360 px, its legend,
the category legend that lists only the categories in view, and the dashboard's coverage table."""
from __future__ import annotations

import pytest
import shapely

from geo.catalog.stats import site_regencies
from zonasi.testing.browser import wait_js

from .conftest import ARTIFACTS, DESKTOP, PHONE, new_page, screenshot

pytestmark = pytest.mark.browser

SANGA_SANGA = (-0.63, 117.24)     # Kec. Sanga-Sanga, Kutai Kartanegara: the bundled declared area
INDRAMAYU = (-6.33, 108.32)       # schools and health facilities, no place of worship


def open_map(page, live):
    page.goto(f"{live.url}/")
    wait_js(page, "window.zonasiMap && window.zonasi && window.zonasi.mapPage")


def go(page, lat, lon, zoom):
    page.evaluate("([lat, lon, zoom]) => void window.zonasiMap.setView([lat, lon], zoom, {animate: false})",
                  [lat, lon, zoom])


def open_legend(page):
    legend = page.locator("details.zonasi-legend")
    if legend.get_attribute("open") is None:
        legend.locator("summary").click()
    return legend


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_coverage_layer_from_the_layer_control_shades_regencies_with_a_legend(browser, live, viewport):
    page = new_page(browser, viewport=viewport, is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    try:
        open_map(page, live)
        go(page, *SANGA_SANGA, 9)
        coverage = page.locator(".zonasi-legend .zonasi-legend-coverage")
        assert coverage.get_attribute("data-on") == "0"       # off at first, offered by the legend
        assert coverage.locator(".zonasi-coverage-toggle").text_content() == "Tampilkan kelengkapan data"
        assert page.locator("path.zonasi-coverage-partial").count() == 0
        # turned on the way a field officer would: the layer control (collapsed on a phone)
        control = page.locator(".leaflet-control-layers")
        if viewport is PHONE:
            control.locator(".leaflet-control-layers-toggle").tap()   # collapsed: a tap opens the list
        else:
            control.hover()                                          # a pointer over it opens the list
        control.locator(".leaflet-control-layers-list").wait_for()
        control.get_by_text("Kelengkapan data", exact=True).click()
        page.locator("path.zonasi-coverage-partial").first.wait_for(state="attached")
        page.locator("path.zonasi-coverage-area").first.wait_for(state="attached")
        # fold the layer list again before looking (a pointer leaving it; a tap elsewhere would check a spot)
        page.evaluate("document.querySelector('.leaflet-control-layers').classList.remove('leaflet-control-layers-expanded')")
        assert page.locator("path.zonasi-coverage-none").count() > 0   # Kutai Timur, Samarinda's neighbours...
        legend = open_legend(page)
        coverage = legend.locator(".zonasi-legend-coverage")
        assert coverage.get_attribute("data-on") == "1"
        assert coverage.locator(".zonasi-legend-section").inner_text() == "Kelengkapan data"
        rows = {r.get_attribute("data-coverage"): r.inner_text().strip()
                for r in coverage.locator("[data-coverage]").all()}
        assert rows == {"complete": "lengkap", "partial": "sebagian", "none": "tidak ada",
                        "area": "area yang dinyatakan lengkap"}
        assert coverage.is_visible()
        screenshot(page, f"map-coverage-{viewport['width']}")
        # the legend switches it off again
        coverage.locator(".zonasi-coverage-toggle").click()
        wait_js(page, "document.querySelectorAll('path.zonasi-coverage-partial').length === 0")
        assert page.evaluate("!window.zonasiMap.hasLayer(window.zonasi.mapPage.groups.coverage)")
        assert page.js_errors == []
    finally:
        page.context.close()


def test_coverage_legend_in_english(browser, live):
    page = new_page(browser, viewport=PHONE)
    try:
        page.goto(f"{live.url}/?lang=en")
        wait_js(page, "window.zonasiMap && window.zonasi && window.zonasi.mapPage")
        go(page, *SANGA_SANGA, 9)
        legend = open_legend(page)
        legend.locator(".zonasi-coverage-toggle").click()      # the legend's own switch
        page.locator("path.zonasi-coverage-partial").first.wait_for(state="attached")
        rows = {r.get_attribute("data-coverage"): r.inner_text().strip()
                for r in open_legend(page).locator(".zonasi-legend-coverage [data-coverage]").all()}
        assert rows == {"complete": "complete", "partial": "partial", "none": "none",
                        "area": "area declared complete"}
        assert page.locator(".leaflet-control-layers").get_by_text("Data completeness", exact=True).count() == 1
    finally:
        page.context.close()


def test_category_legend_lists_only_the_categories_in_view(page, live, engine):
    open_map(page, live)
    legend = open_legend(page)
    assert legend.locator("[data-category]").count() == 0     # country view: no site is drawn
    go(page, *INDRAMAYU, 13)
    wait_js(page, "window.zonasi.mapPage.state.sites && window.zonasi.mapPage.state.sites.categories")
    west, south, east, north = page.evaluate(
        "(() => { const b = window.zonasiMap.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")
    sites = engine.layers.sites
    in_view = sites[shapely.intersects(sites.geometry.to_numpy(), shapely.box(west, south, east, north))]
    expected = set(in_view["category"].astype(str))
    assert "school" in expected and "place_of_worship" not in expected   # Indramayu: no places of worship
    wait_js(page, "document.querySelectorAll('.zonasi-legend [data-category]').length > 0")
    shown = {r.get_attribute("data-category") for r in legend.locator("[data-category]").all()}
    assert shown == expected
    assert page.js_errors == []


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_dashboard_coverage_table(browser, live, engine, viewport):
    layers = engine.layers
    codes = layers.regencies["code"].astype(str).tolist()
    with_sites = {c for c in site_regencies(layers) if c is not None}
    declared = {c for category in ("school", "place_of_worship", "health_facility", "government_office", "road",
                                   "public_facility", "park")
                for c, status in layers.coverage.regency_status(category).items() if status != "none"}
    expected = with_sites | declared
    page = new_page(browser, viewport=viewport)
    try:
        page.goto(f"{live.url}/dashboard")
        rows = page.locator("#table-coverage tbody tr")
        rows.first.wait_for()
        assert {r.get_attribute("data-code") for r in rows.all()} == expected
        kukar = page.locator("#table-coverage tbody tr[data-code='64.02']")
        assert kukar.get_attribute("data-level") == "partial"
        assert "BIG RBI" in kukar.inner_text() and "tanggal tidak disebut" in kukar.inner_text()
        assert kukar.locator("td[data-category='school'] [data-level]").inner_text() == "sebagian"
        indramayu = page.locator("#table-coverage tbody tr[data-code='32.12']")
        assert indramayu.locator("td[data-category='place_of_worship'] [data-level]").inner_text() == "tidak ada"
        assert "belum dinyatakan lengkap" in indramayu.inner_text()
        headers = [h.get_attribute("data-category") for h in page.locator("#table-coverage thead th[data-category]").all()]
        assert headers == list(engine.rules.required_categories("32.12"))   # only required categories
        total = page.locator("#dashboard-coverage-total").inner_text()
        assert f"{len(codes) - len(expected)} dari {len(codes)} kabupaten/kota" in total
        assert page.locator("#dashboard-coverage-nothing").is_hidden()
        screenshot(page, f"dashboard-{viewport['width']}")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.locator("#dashboard-coverage").screenshot(path=str(ARTIFACTS / f"dashboard-coverage-{viewport['width']}.png"))
        assert page.js_errors == []
    finally:
        page.context.close()
