"""The OGC API's pages in Chromium at 360 and 1280 px, in Indonesian and English: readable without
sideways scrolling (a wide table scrolls in its own box), every button a finger's size, no serious
or critical axe-core issue, and the way from the landing page to a feature's verdict on the map."""
from __future__ import annotations

import pytest

from zonasi.testing.browser import axe_violations, format_violations

from .conftest import ARTIFACTS, DESKTOP, PHONE, page_at

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
            assert page.locator("html").get_attribute("lang") == lang
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], (kind, width)
            for box in page.locator("#ogc-page .btn").all():
                assert box.bounding_box()["height"] >= 44 or viewport is DESKTOP, (kind, box.inner_text())
            violations = axe_violations(page)
            assert violations == [], f"{kind}:\n{format_violations(violations)}"
            if kind in ("landing", "items"):
                ARTIFACTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"ogc-{kind}-{lang}-{viewport['width']}.png"), full_page=True)
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
        page.get_by_role("link", name="Berikutnya").click()
        assert "Fitur 101–200" in page.locator("#ogc-shown").inner_text()
        page.locator("#ogc-page tbody th a").first.click()
        assert page.locator("#ogc-page").get_attribute("data-kind") == "item"
        page.get_by_role("link", name="Lihat di peta").click()
        page.wait_for_selector("#zonasi-verdict-card:not([hidden])")
        assert page.url.startswith(f"{live.url}/?lat=")
        assert page.js_errors == []
    finally:
        page.context.close()
