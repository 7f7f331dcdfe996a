"""Saving a regency for offline use (#17): "Simpan untuk luring" with its size, the status line,
provisional verdicts computed in the browser with the network cut (agreeing with the server's),
"cannot judge" outside the saved regency, the saved outlines as the basemap without tiles, and
the stale-data notice when the server's layers change."""
from __future__ import annotations

import json
import urllib.request

import geopandas as gpd
import pytest
import shapely

from tests.conftest import settings_for_tests
from zonasi.testing.browser import wait_js

from .conftest import DESKTOP, PHONE, new_page, resize, screenshot, serve
from .test_map import NEAR_SCHOOL, click_at
from .test_offline_shell import wait_controlled

pytestmark = pytest.mark.browser
CLEAN = (-6.45, 108.25)        # in Indramayu, no site within any distance
OUTSIDE = (-6.2, 106.82)      # Jakarta: not in the saved regency


def server_check(server, lat, lon):
    with urllib.request.urlopen(f"{server.url}/api/check?lat={lat}&lon={lon}") as answer:
        return json.loads(answer.read())


def save_indramayu(page, server):
    page.goto(f"{server.url}/?lat={NEAR_SCHOOL[0]}&lon={NEAR_SCHOOL[1]}")
    wait_controlled(page)
    wait_js(page, "window.zonasi.offline && document.getElementById('zonasi-offline-status').textContent")
    page.click("#zonasi-offline-save")
    confirm = page.locator("#zonasi-offline-confirm")
    confirm.wait_for()
    offer = page.locator("#zonasi-message").inner_text()
    assert "Indramayu" in offer and ("MB" in offer or "kB" in offer)
    confirm.click()
    wait_js(page, "document.getElementById('zonasi-offline-status').dataset.saved === '32.12'")
    return offer


def last_verdict(page):
    return page.evaluate("""() => { const v = window.zonasi.mapPage.lastVerdict();
        return {lat: v.lat, lon: v.lon, status: v.status, elapsed_ms: v.elapsed_ms,
                distance: v.hits.length ? v.hits[0].distance_exact_m : null,
                site_id: v.hits.length ? v.hits[0].site_id : null}; }""")


def tap(page, lat, lon, zoom=17):
    """A real tap at (lat, lon); returns the verdict's element once the verdict of THAT spot is
    shown (the last one's card is closed first: on a phone it covers the map's centre, and its
    verdict would be read as the new one)."""
    page.evaluate("void window.zonasiMap.closePopup()")
    popup = click_at(page, lat, lon, zoom)
    wait_js(page, "window.zonasi.mapPage.lastVerdict()"
                  f" && Math.abs(window.zonasi.mapPage.lastVerdict().lat - {lat}) < 1e-3"
                  f" && Math.abs(window.zonasi.mapPage.lastVerdict().lon - {lon}) < 1e-3"
                  " && document.querySelector('.zonasi-check-popup .zonasi-verdict')"
                  " && getComputedStyle(document.querySelector('.zonasi-check-popup')).opacity === '1'")
    return popup


def test_a_saved_regency_judges_offline_like_the_server(browser, live):
    school = server_check(live, *NEAR_SCHOOL)
    clean = server_check(live, *CLEAN)
    assert school["status"] == "violation" and clean["status"] != "violation"
    page = new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True, permissions=["geolocation"],
                    geolocation={"latitude": NEAR_SCHOOL[0], "longitude": NEAR_SCHOOL[1], "accuracy": 5})
    try:
        offer = save_indramayu(page, live)
        status = page.locator("#zonasi-offline-status").inner_text()
        assert "Indramayu" in status and school["layers_version"] in status and school["rules_version"] in status
        page.context.set_offline(True)
        page.reload()  # the shell from the service worker, the bundle from IndexedDB
        wait_js(page, "window.zonasi.offline && document.getElementById('zonasi-offline-status').dataset.saved")
        assert "Indramayu" in page.locator("#zonasi-offline-status").inner_text()

        popup = tap(page, *NEAR_SCHOOL)
        assert popup.get_attribute("data-provisional") == "true"
        assert popup.get_attribute("data-status") == "violation"
        text = popup.inner_text()
        assert "Terlarang" in text and "sementara, dihitung di perangkat" in text
        # the server's distance at the very point tapped (a pixel from NEAR_SCHOOL)
        mine = last_verdict(page)
        theirs = server_check(live, mine["lat"], mine["lon"])
        assert theirs["status"] == "violation" and theirs["hits"][0]["site_id"] == mine["site_id"]
        assert abs(mine["distance"] - theirs["hits"][0]["distance_m"]) <= 0.5
        print(f"\noffline distance {mine['distance']:.3f} m, server {theirs['hits'][0]['distance_m']} m, "
              f"judged in {mine['elapsed_ms']:.2f} ms")
        assert popup.locator(".zonasi-report-here").count() == 1  # a report is still offered (queued)
        assert page.locator("path.zonasi-offline-site").count() > 0  # the saved sites, drawn up close
        screenshot(page, "map-offline-verdict-360")
        resize(page, DESKTOP)
        tap(page, *NEAR_SCHOOL)
        screenshot(page, "map-offline-verdict-1280")
        resize(page, PHONE)

        popup = tap(page, *CLEAN)
        assert popup.get_attribute("data-provisional") == "true"
        mine = last_verdict(page)
        theirs = server_check(live, mine["lat"], mine["lon"])
        assert mine["status"] == theirs["status"] == clean["status"], (mine, theirs)
        print(f"clean spot judged in {mine['elapsed_ms']:.2f} ms")

        popup = tap(page, *OUTSIDE)
        assert popup.get_attribute("data-saved-area") == "false"
        assert "tidak dapat dinilai" in popup.inner_text()
        assert popup.locator(".zonasi-report-here").count() == 1

        # "Lokasi saya", the search box (coordinates) and /?lat=&lon= offline: provisional verdicts too
        for act in (lambda: page.click("#zonasi-locate"),
                    lambda: (page.fill("#zonasi-search-input", f"{NEAR_SCHOOL[0]}, {NEAR_SCHOOL[1]}"),
                             page.click("#zonasi-search-submit")),
                    lambda: page.goto(f"{live.url}/?lat={NEAR_SCHOOL[0]}&lon={NEAR_SCHOOL[1]}")):
            page.evaluate("window.zonasiMap && void window.zonasiMap.closePopup()")
            act()
            wait_js(page, "document.querySelector('.zonasi-check-popup .zonasi-verdict[data-provisional]')")
            assert page.locator(".zonasi-check-popup .zonasi-verdict").get_attribute("data-status") == "violation"

        # no tile server: the saved outline is the basemap
        page.evaluate("void window.zonasiMap.closePopup(); void window.zonasiMap.setView([-6.45, 108.2], 10, {animate: false})")
        wait_js(page, "document.querySelectorAll('path.zonasi-offline-outline').length > 0")
        screenshot(page, "map-offline-outline-360")
        resize(page, DESKTOP)
        screenshot(page, "map-offline-outline-1280")
        assert page.js_errors == []
        print(f"\noffline offer: {offer}")
    finally:
        page.context.close()


def test_the_status_says_when_the_saved_data_is_older_than_the_servers(browser, engine, copy_layers, tmp_path):
    from geo import Engine
    from webmap import create_app

    layers = copy_layers()  # the same layers plus one site: another layers version
    gpd.GeoDataFrame({"name": ["SD Baru"], "category": ["school"], "site_id": ["new-1"]},
                     geometry=[shapely.Point(108.25, -6.45)], crs=4326).to_parquet(layers / "sites" / "new.parquet")
    newer = create_app(settings_for_tests(instance_dir=tmp_path / "b", layers_dir=layers),
                       engine=Engine.from_directory(layers))
    older = create_app(settings_for_tests(instance_dir=tmp_path / "a"), engine=engine)
    with serve(older) as server:
        page = new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
        try:
            save_indramayu(page, server)
            status = page.locator("#zonasi-offline-status")
            assert status.get_attribute("data-stale") == "false"
            server.server.app = newer  # the same address now serves newer layers
            page.reload()
            wait_js(page, "document.getElementById('zonasi-offline-status').dataset.stale === 'true'")
            assert "lebih lama" in status.inner_text()
            screenshot(page, "map-offline-stale-360")
            page.click("#zonasi-offline-refresh")
            wait_js(page, "document.getElementById('zonasi-offline-status').dataset.stale === 'false'")
            assert engine.layers_version not in status.inner_text()
            assert page.js_errors == []
        finally:
            page.context.close()


def test_a_regency_over_the_limit_is_refused_with_the_servers_words(browser, engine, tmp_path):
    from webmap import create_app

    app = create_app(settings_for_tests(instance_dir=tmp_path / "i", max_offline_bytes=50_000), engine=engine)
    with serve(app) as server:
        page = new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
        try:
            page.goto(f"{server.url}/?lat={NEAR_SCHOOL[0]}&lon={NEAR_SCHOOL[1]}")
            wait_js(page, "window.zonasi.offline && document.getElementById('zonasi-offline-status').textContent")
            page.click("#zonasi-offline-save")
            wait_js(page, "document.getElementById('zonasi-message').textContent.includes('50000')")
            assert "simpan wilayah yang lebih kecil" in page.locator("#zonasi-message").inner_text()
            assert page.locator("#zonasi-offline-confirm").count() == 0
            assert page.locator("#zonasi-offline-status").get_attribute("data-saved") == ""
            assert page.js_errors == []
        finally:
            page.context.close()
