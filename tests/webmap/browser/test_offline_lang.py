"""The offline path in one language (#17): with ?lang=en (and the default Indonesian) saving a
regency, going offline, reloading from the service worker and a provisional verdict speak the
page's language only: the offer, the status line, the verdict and its "provisional" mark, and
not one sentence of the other catalog on the page."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from zonasi.testing.browser import wait_js

from .conftest import PHONE, new_page, screenshot
from .test_map import NEAR_SCHOOL
from .test_offline_shell import wait_controlled

pytestmark = pytest.mark.browser
LOCALES = Path(__file__).resolve().parents[3] / "geo" / "locales"
# what the offline path shows: fixed sentences (their text with the values cut off at "{")
KEYS = ("map.offline.save", "map.offline.status", "map.offline.never_synced", "map.offline.provisional",
        "map.offline.outside", "status.violation", "map.report.here", "map.offline.saved")
OUTSIDE = (-6.2, 106.82)      # Jakarta: not in the saved regency


def catalog(lang: str) -> dict:
    return tomllib.loads((LOCALES / f"{lang}.toml").read_text("utf-8"))


def fixed(text: str) -> str:
    return text.split("{")[0].strip(" :·(")


def check(page, lat, lon) -> str:
    """The map's check of a spot (what a tap does), its verdict's text once shown."""
    page.evaluate(f"void window.zonasiMap.closePopup(); window.zonasi.mapPage.checkAt(L.latLng({lat}, {lon}))")
    wait_js(page, "window.zonasi.mapPage.lastVerdict()"
                  f" && Math.abs(window.zonasi.mapPage.lastVerdict().lat - {lat}) < 1e-9"
                  " && document.querySelector('.zonasi-check-popup .zonasi-verdict[data-provisional]')")
    return page.locator(".zonasi-check-popup .zonasi-verdict").inner_text()


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_offline_path_speaks_the_pages_language_only(browser, live, lang):
    mine, other = catalog(lang), catalog("id" if lang == "en" else "en")
    assert all(fixed(mine[k]) != fixed(other[k]) for k in KEYS)
    page = new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page.goto(f"{live.url}/?lang={lang}&lat={NEAR_SCHOOL[0]}&lon={NEAR_SCHOOL[1]}")
        wait_controlled(page)
        wait_js(page, "window.zonasi.offline && document.getElementById('zonasi-offline-status').textContent")
        assert page.evaluate("document.documentElement.lang") == lang
        page.evaluate(f"void window.zonasiMap.closePopup(); void window.zonasiMap.setView({list(NEAR_SCHOOL)}, 15,"
                      " {animate: false})")
        page.click("#zonasi-offline-save")
        page.locator("#zonasi-offline-confirm").click()
        wait_js(page, "document.getElementById('zonasi-offline-status').dataset.saved === '32.12'")
        assert fixed(mine["map.offline.saved"]) in page.locator("#zonasi-message").inner_text()

        page.context.set_offline(True)
        page.reload()   # the page from the service worker: the one last fetched, in this language
        wait_js(page, "window.zonasi.offline && document.getElementById('zonasi-offline-status').dataset.saved")
        assert page.evaluate("document.documentElement.lang") == lang
        status = page.locator("#zonasi-offline-status").inner_text()
        assert status.startswith(fixed(mine["map.offline.status"])) and "Indramayu" in status
        assert fixed(mine["map.offline.never_synced"]) in status
        assert fixed(mine["map.offline.save"]) in page.locator("#zonasi-offline-save").inner_text()

        verdict = check(page, *NEAR_SCHOOL)
        assert verdict.startswith(mine["status.violation"])
        assert mine["map.offline.provisional"] in verdict
        outside = check(page, *OUTSIDE)
        assert mine["map.offline.outside"] in outside
        check(page, *NEAR_SCHOOL)
        screenshot(page, f"map-offline-{lang}-360")
        body = page.locator("body").inner_text()
        for key in KEYS:
            assert fixed(other[key]) not in body, (key, other[key])
        assert page.js_errors == []
    finally:
        page.context.close()
