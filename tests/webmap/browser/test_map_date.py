"""One clock (#15) in Chromium: the map's "periksa pada tanggal" control (default today, the
server's clock), the verdict's date and period, an `incomplete` verdict in amber, and the batch
page saying which date column it used."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from zonasi.testing.browser import wait_js

from .conftest import DESKTOP, PHONE, new_page, screenshot

pytestmark = pytest.mark.browser

NEAR_SCHOOL = (-6.33, 108.32)      # 11 m from SMAN 1 SINDANG, Indramayu (WIB)
SURABAYA = (-7.2575, 112.7521)     # Kota Surabaya: no complete data declared there: incomplete


def open_map(page, live):
    page.goto(f"{live.url}/")
    wait_js(page, "window.zonasiMap && window.zonasi && window.zonasi.mapPage")


def tap(page, lat, lon, zoom=17):
    """Centre the map on a point and tap it (a real click); the verdict box."""
    page.evaluate("([lat, lon, zoom]) => void window.zonasiMap.setView([lat, lon], zoom, {animate: false})", [lat, lon, zoom])
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    verdict = page.locator(".zonasi-check-popup .zonasi-verdict")
    verdict.wait_for()
    return verdict


def test_the_date_control_at_360_px(browser, live):
    page = new_page(browser, PHONE)
    try:
        open_map(page, live)
        date = page.locator("#zonasi-check-date")
        assert date.is_visible() and date.input_value() == "2024-01-15"   # today, by the app's clock
        assert page.get_by_label("Periksa pada tanggal").count() == 1
        date.fill("2024-02-01")                                          # in the Pemilu 2024 campaign
        verdict = tap(page, *NEAR_SCHOOL)
        expect(verdict).to_have_attribute("data-at", "2024-02-01")
        text = verdict.inner_text()
        assert verdict.get_attribute("data-status") == "violation" and text.startswith("Terlarang")
        assert "Diperiksa untuk tanggal 1 Februari 2024 (WIB)." in text
        assert "Masa kampanye Pemilu 2024: 28 November 2023 s.d. 10 Februari 2024." in text
        date.fill("2024-03-01")                                          # after it: the open verdict again
        date.dispatch_event("change")
        expect(verdict).to_have_attribute("data-at", "2024-03-01")
        expect(verdict).to_have_attribute("data-status", "outside_period")
        assert verdict.locator(".zonasi-verdict-head").inner_text() == "Di luar masa kampanye"
        assert "text-danger" in verdict.locator(".zonasi-verdict-head").get_attribute("class")   # not yellow on white
        assert "Tidak ada masa kampanye yang berlaku pada 1 Maret 2024 (WIB)." in verdict.inner_text()
        page.locator("#zonasi-date-today").click()                       # back to today
        expect(verdict).to_have_attribute("data-at", "2024-01-15")
        assert date.input_value() == "2024-01-15"
        # the date bar fits the phone's width
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert page.js_errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_an_incomplete_verdict_leads_with_belum_dapat_dipastikan(browser, live, viewport):
    page = new_page(browser, viewport)
    try:
        open_map(page, live)
        verdict = tap(page, *SURABAYA, zoom=15)
        assert verdict.get_attribute("data-status") == "incomplete"
        head = verdict.locator(".zonasi-verdict-head")
        assert head.inner_text() == "Belum dapat dipastikan"
        classes = head.get_attribute("class")
        assert "text-warning-emphasis" in classes and "text-success" not in classes and "text-danger" not in classes
        assert "Diperiksa untuk tanggal 15 Januari 2024 (WIB)." in verdict.inner_text()
        page.wait_for_timeout(400)  # the popup's fade-in and pan, for the picture only
        screenshot(page, f"map-date-incomplete-{viewport['width']}")
        assert page.js_errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_the_batch_page_says_which_date_column_it_used(browser, live, viewport, tmp_path):
    lat, lon = NEAR_SCHOOL
    upload = tmp_path / "laporan.csv"
    upload.write_text(f"lat,lon,tanggal\n{lat},{lon},2024-01-05\n{lat},{lon},2025-06-01\n")
    page = new_page(browser, viewport)
    try:
        page.goto(f"{live.url}/batch")
        page.locator("#batch-file").set_input_files(str(upload))
        page.locator("#batch-submit").click()
        page.locator("#batch-results").wait_for()
        dates = page.locator("#batch-dates")
        expect(dates).to_have_text('Tanggal tiap baris diambil dari kolom "tanggal" (tanggal setempat: WIB/WITA/WIT).')
        assert page.locator('#batch-counts [data-status="outside_period"]').get_attribute("data-count") == "1"
        screenshot(page, f"batch-date-column-{viewport['width']}")
        assert page.js_errors == []
    finally:
        page.context.close()
