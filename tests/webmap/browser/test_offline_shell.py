"""The installable map (#17): the web app manifest and icons, the service worker registered under
the app's CSP, the map's shell loading with the network cut, a new app version taking over."""
from __future__ import annotations

import pytest

from zonasi.testing.browser import wait_js

from .conftest import PHONE, new_page, screenshot
from .test_map import open_map

pytestmark = pytest.mark.browser


def wait_controlled(page):
    wait_js(page, "window.zonasi && window.zonasi.swReady")
    page.evaluate("window.zonasi.swReady")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    wait_js(page, "!!navigator.serviceWorker.controller")


def test_the_manifest_and_its_icons(live):
    import json
    import urllib.request

    with urllib.request.urlopen(f"{live.url}/manifest.webmanifest") as answer:
        assert answer.headers["Content-Type"].startswith("application/manifest+json")
        manifest = json.loads(answer.read())
    assert manifest["name"] == "zonasi" or manifest["name"]
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    assert {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        with urllib.request.urlopen(live.url + icon["src"]) as answer:
            assert answer.headers["Content-Type"] == "image/png"
            assert answer.read()[:8] == b"\x89PNG\r\n\x1a\n"
    with urllib.request.urlopen(f"{live.url}/sw.js") as answer:
        assert answer.headers["Content-Type"].startswith("text/javascript")
        assert "default-src 'self'" in answer.headers["Content-Security-Policy"]
        assert "self.ZONASI_SHELL" in answer.read().decode()


def test_the_shell_loads_offline_from_the_service_worker(browser, live):
    page = new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        open_map(page, live, "?lat=-6.33&lon=108.32")
        wait_controlled(page)
        page.context.set_offline(True)
        page.reload()
        wait_js(page, "window.zonasiMap && window.zonasi.mapPage && typeof L.VectorGrid.Protobuf === 'function'")
        assert page.locator("#zonasi-offline-save").is_visible()
        assert page.locator("#report-submit").count() == 1
        page.goto(f"{live.url}/?lat=-6.4&lon=108.3")  # another address of the map page, offline
        wait_js(page, "window.zonasiMap && window.zonasi.mapPage")
        screenshot(page, "map-offline-shell-360")
        page.context.set_offline(False)
        assert page.js_errors == []
    finally:
        page.context.close()


def test_a_new_app_version_takes_over(browser, live, monkeypatch):
    page = new_page(browser)
    try:
        open_map(page, live)
        wait_controlled(page)
        first = page.evaluate("caches.keys()")
        assert len([k for k in first if k.startswith("zonasi-shell-")]) == 1
        from webmap.pages import shell

        monkeypatch.setattr(shell, "shell_version", lambda static, files: "new-version-for-test")
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        wait_js(page, "caches.keys().then((k) => window.__keys = k) && (window.__keys || []).includes("
                      "'zonasi-shell-new-version-for-test') && window.__keys.length === 1")
        page.context.set_offline(True)
        page.reload()
        wait_js(page, "window.zonasiMap && window.zonasi.mapPage")
        page.context.set_offline(False)
    finally:
        page.context.close()
