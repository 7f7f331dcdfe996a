"""The OGC API's pages in Chromium at 360 and 1280 px, in Indonesian and English: readable without
sideways scrolling (a wide table scrolls in its own box), every button a finger's size, no serious
or critical axe-core issue, the map of a page's features (what the table lists, no more, no less),
and the way from the landing page to a feature's verdict on the map."""
from __future__ import annotations

import pytest

from zonasi.testing.browser import axe_violations, format_violations, wait_js

from .conftest import DESKTOP, PHONE, page_at, screenshot

pytestmark = pytest.mark.browser

PAGES = {"landing": "/ogc", "collections": "/ogc/collections", "collection": "/ogc/collections/sites",
         "items": "/ogc/collections/sites/items?limit=10&category=school",
         "item": "/ogc/collections/sites/items/indramayu-6", "conformance": "/ogc/conformance"}


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_ogc_pages_read_well_on_a_phone_and_a_desktop(browser, live, viewport, lang):
    page = page_at(browser, viewport)
    try:
        for kind, path in PAGES.items():
            page.goto(f"{live.url}{path}{'&' if '?' in path else '?'}lang={lang}")
            assert page.locator("#ogc-page").get_attribute("data-kind") == kind
            if kind in ("items", "item"):   # the features' map has drawn them (axe judges it drawn)
                wait_js(page, "document.getElementById('ogc-map').dataset.drawn")
            assert page.locator("html").get_attribute("lang") == lang
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (kind, width)
            for box in page.locator("#ogc-page .btn").all():
                assert box.bounding_box()["height"] >= 44 or viewport is DESKTOP, (kind, box.inner_text())
            violations = axe_violations(page)
            assert violations == [], f"{kind}:\n{format_violations(violations)}"
            if kind in ("landing", "items"):
                screenshot(page, f"ogc-{kind}-{lang}-{viewport['width']}", full_page=True)
        assert page.js_errors == []
    finally:
        page.context.close()


def test_from_the_landing_page_to_a_features_verdict_on_the_map(browser, live):
    page = page_at(browser, PHONE)
    try:
        page.goto(f"{live.url}/ogc")
        assert "ogrinfo OAPIF:" in page.locator("#ogc-page").inner_text()
        page.get_by_role("link", name="Lokasi terlarang").first.click()
        page.get_by_role("link", name="Lihat fitur").click()
        assert page.locator("#ogc-page").get_attribute("data-kind") == "items"
        table = page.get_by_role("region", name="Fitur 1–100")   # the table scrolls in its own box
        assert table.evaluate("e => e.scrollWidth > e.clientWidth")
        # the map draws the page's features: as many as the table lists
        wait_js(page, "document.getElementById('ogc-map').dataset.drawn")
        rows = page.locator("#ogc-page tbody tr").count()
        assert page.locator("#ogc-map").get_attribute("data-drawn") == str(rows) == "100"
        assert page.locator("#ogc-map .leaflet-ogcFeatures-pane .leaflet-interactive").count() == rows
        page.get_by_role("link", name="Berikutnya").click()
        assert "Fitur 101–200" in page.locator("#ogc-shown").inner_text()
        # a tap on the map opens that feature's page
        marker = page.locator("#ogc-map .leaflet-ogcFeatures-pane .leaflet-interactive").first
        marker.scroll_into_view_if_needed()
        marker.click(force=True)
        page.wait_for_url("**/ogc/collections/sites/items/*")
        assert page.locator("#ogc-page").get_attribute("data-kind") == "item"
        wait_js(page, "document.getElementById('ogc-map').dataset.drawn === '1'")
        page.go_back()
        page.locator("#ogc-page tbody th a").first.click()
        assert page.locator("#ogc-page").get_attribute("data-kind") == "item"
        page.get_by_role("link", name="Lihat di peta").click()
        page.wait_for_selector("#zonasi-verdict-card:not([hidden])")
        assert page.url.startswith(f"{live.url}/?lat=")
        assert page.js_errors == []
    finally:
        page.context.close()
