"""Reports from the map, the violations list with the workflow by role, the dashboard, and
scripts in data or reports shown as text, never run."""
from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from tests.conftest import settings_for_tests
from zonasi.testing.browser import wait_js

from .conftest import new_page, screenshot, serve
from .test_map import NEAR_SCHOOL, click_at, open_map

pytestmark = pytest.mark.browser

XSS_NOTE = '<img src=x onerror="window.__xss = 1">catatan'
XSS_PARTICIPANT = "<script>window.__xss = 2</script>Partai X"


def token(live, role, name):
    return live.app.extensions["zonasi"].store.tokens.create(role, name)


def sign_in(page, secret):
    page.click("#zonasi-login-button")
    page.fill("#zonasi-token", secret)
    page.click("#zonasi-login-submit")
    page.locator("#zonasi-login").wait_for(state="hidden")


@pytest.fixture()
def own_live(tmp_path, engine):
    """A server with a store of its own: the map step below clicks the one report near the school,
    and the session's server holds other tests' reports at the same spot."""
    from webmap import create_app

    with serve(create_app(settings_for_tests(instance_dir=tmp_path / "instance"), engine=engine)) as server:
        yield server


def test_report_from_the_map_then_verify_and_take_down(browser, own_live):
    live = own_live
    field, bawaslu, satpol = (token(live, "field", "Ani"), token(live, "bawaslu", "Budi"),
                              token(live, "satpolpp", "Citra"))
    page = new_page(browser)
    try:
        open_map(page, live)
        popup = click_at(page, *NEAR_SCHOOL)
        popup.locator(".zonasi-report-here").click()
        # no token yet: the public's form, whose officers' sign-in leads to the one-time login, then the report form
        page.locator("#zonasi-public").wait_for()
        page.click("#public-officer")
        page.fill("#zonasi-token", field)
        page.click("#zonasi-login-submit")
        page.locator("#zonasi-report").wait_for()
        page.select_option("#report-type", "spanduk")
        page.fill("#report-participant", XSS_PARTICIPANT)
        page.fill("#report-note", XSS_NOTE)
        page.set_input_files("#report-photo", files=[{"name": "apk.png", "mimeType": "image/png",
                                                     "buffer": png_bytes()}])
        page.click("#report-submit")
        page.locator("#zonasi-report-result.text-success").wait_for()
        assert "terkirim" in page.locator("#zonasi-report-result").inner_text()
        assert page.evaluate("localStorage.getItem('zonasi.token')") == field
        screenshot(page, "map-report-sent")

        # Bawaslu: the report is in the violations list, note and participant as text
        page.evaluate("localStorage.removeItem('zonasi.token')")
        page.goto(f"{live.url}/violations")
        sign_in(page, bawaslu)
        row = page.locator("#violations-table tbody tr", has_text="Partai X")
        row.wait_for()
        assert row.locator(".zonasi-note").inner_text() == XSS_NOTE
        assert row.locator(".zonasi-participant").inner_text() == XSS_PARTICIPANT
        assert row.locator("img, script").count() == 0
        assert "SMAN 1 SINDANG" in row.inner_text()
        assert row.get_attribute("data-status") == "reported"
        assert row.locator("[data-to=removed]").count() == 0  # not Bawaslu's move
        row.locator(".zonasi-photo").click()
        photo = page.locator("#violations-photo img")
        photo.wait_for()
        wait_js(page, "document.querySelector('#violations-photo img').naturalWidth === 8")
        page.click("#violations-photo [data-close]")
        screenshot(page, "violations-bawaslu")
        row.locator("[data-to=verified]").click()
        page.click("#violations-move-submit")     # every move asks for an optional note (#19)
        page.locator("#violations-table tbody tr[data-status=verified]", has_text="Partai X").wait_for()
        with page.expect_download() as download:
            page.click("[data-format=geojson]")
        features = json.loads(Path(download.value.path()).read_text("utf-8"))["features"]
        assert any(f["properties"]["note"] == XSS_NOTE for f in features)

        # Satpol PP: may only take it down
        page.click("#zonasi-login-button")
        page.click("#zonasi-logout")
        sign_in(page, satpol)
        row = page.locator("#violations-table tbody tr", has_text="Partai X")
        row.wait_for()
        assert row.locator("[data-to]").evaluate_all("bs => bs.map(b => b.dataset.to)") == ["removed"]
        row.locator("[data-to=removed]").click()
        # the removal's proof (#19): the after-photo and where the seized prop is kept
        page.set_input_files("#violations-removal-photo", files=[{"name": "after.png", "mimeType": "image/png",
                                                                   "buffer": png_bytes()}])
        page.fill("#violations-storage", "Kantor Kecamatan Sindang")
        page.click("#violations-move-submit")
        page.locator("#violations-table tbody tr[data-status=removed]", has_text="Partai X").wait_for()
        page.select_option("#filter-status", "verified")
        page.click("#violations-filter button[type=submit]")
        page.locator("#violations-table tbody tr", has_text="Partai X").wait_for(state="detached")
        page.select_option("#filter-status", "removed")
        page.fill("#filter-regency", "32.12")
        page.click("#violations-filter button[type=submit]")
        page.locator("#violations-table tbody tr", has_text="Partai X").wait_for()
        with page.expect_download() as download:
            page.click("[data-format=csv]")
        assert "Partai X" in Path(download.value.path()).read_text("utf-8")

        # the report on the map, its note as text
        page.goto(f"{live.url}/?lat={NEAR_SCHOOL[0]}&lon={NEAR_SCHOOL[1]}")
        wait_js(page, "window.zonasi.mapPage && window.zonasi.mapPage.state.violations"
                               " && window.zonasi.mapPage.state.violations.shown >= 1")
        page.evaluate("void window.zonasiMap.closePopup()")
        page.locator(".leaflet-zonasiReports-pane path.leaflet-interactive").click()
        info = page.locator(".zonasi-check-popup .zonasi-report-info")
        info.wait_for()
        assert XSS_NOTE in info.inner_text() and XSS_PARTICIPANT in info.inner_text()
        assert page.locator(".zonasi-check-popup img, .zonasi-check-popup script").count() == 0
        assert page.locator(".zonasi-check-popup .zonasi-verdict").get_attribute("data-status") in (
            "violation", "outside_period")
        page.wait_for_timeout(400)  # the popup's fade-in and pan
        screenshot(page, "map-report-popup")
        assert page.evaluate("window.__xss") is None
        assert page.js_errors == []
    finally:
        page.context.close()


def test_dashboard_counts_sites_and_reports(browser, live, engine):
    page = new_page(browser)
    try:
        page.goto(f"{live.url}/dashboard")
        canvas = page.locator("#chart-site-category[data-counts]")
        canvas.wait_for(state="attached")
        counts = json.loads(canvas.get_attribute("data-counts"))
        assert counts == engine.layers.sites["category"].value_counts().to_dict()
        assert page.locator("#dashboard-login").is_visible()
        indramayu = page.locator("#table-site-regency tr[data-code='32.12']")
        assert "Kabupaten Indramayu" in indramayu.inner_text()
        page.click("#dashboard-login-button")           # the notice's own button (the navbar's folds on a phone)
        page.locator("#zonasi-login").wait_for()
        assert page.locator("#zonasi-logout").is_hidden()    # nobody is signed in: nothing to sign out of
        page.fill("#zonasi-token", token(live, "admin", "Dewi"))
        page.click("#zonasi-login-submit")
        page.locator("#zonasi-login").wait_for(state="hidden")
        page.locator("#dashboard-reports").wait_for()
        statuses = json.loads(page.locator("#chart-report-status").get_attribute("data-counts"))
        assert sum(statuses.values()) == int(page.locator("#dashboard-reports-total").inner_text())
        screenshot(page, "dashboard")
        assert page.js_errors == []
    finally:
        page.context.close()


def test_a_site_name_with_a_script_is_shown_as_text(browser, copy_layers, tmp_path, engine):
    """A layers file whose site name is HTML: tooltip and popup show it as text."""
    from geo import Engine
    from webmap import create_app

    layers = copy_layers()
    name = '<img src=x onerror="window.__xss = 3"><b>SD Skrip</b>'
    lat, lon = -6.3365, 108.3125
    gpd.GeoDataFrame({"name": [name], "category": ["school"], "site_id": ["xss-1"]},
                     geometry=[shapely.Point(lon, lat)], crs=4326).to_parquet(layers / "sites" / "xss.parquet")
    app = create_app(settings_for_tests(instance_dir=tmp_path / "instance", layers_dir=layers),
                     engine=Engine.from_directory(layers))
    with serve(app) as server:
        page = new_page(browser)
        try:
            open_map(page, server)
            popup = click_at(page, lat + 0.0001, lon, zoom=18)
            assert popup.get_attribute("data-status") == "violation"
            assert name in popup.inner_text()
            page.evaluate("([lat, lon]) => void window.zonasiMap.setView([lat, lon], 18, {animate: false})", [lat, lon])
            wait_js(page, "window.zonasi.mapPage.state.sites && window.zonasi.mapPage.state.sites.shown > 0")
            box = page.locator(".folium-map").bounding_box()   # the site's point (vector tiles) is in the middle
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            tooltip = page.locator(".leaflet-tooltip")
            tooltip.wait_for()
            assert name in tooltip.inner_text()
            assert page.locator(".leaflet-popup img, .leaflet-tooltip img, .leaflet-popup b").count() == 0
            assert page.evaluate("window.__xss") is None
            screenshot(page, "map-xss-site")
        finally:
            page.context.close()


def png_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("viewport", [{"width": 360, "height": 740}, {"width": 1280, "height": 800}], ids=["360", "1280"])
def test_a_field_token_is_told_the_violations_are_not_for_its_role_and_the_map_asks_for_none(browser, live, viewport):
    """A field officer's token may not read the violations: the page says so in words (no raw role
    key, no login prompt as if signed out, no filter or download that would be refused), and the map
    asks for no violations tile (no 403 in the console) and lists no report statuses in its legend."""
    secret = token(live, "field", "Petugas Sindang")
    page = new_page(browser, viewport=viewport, token=secret)
    refused = []
    page.on("response", lambda r: refused.append(r.url) if r.status == 403 else None)
    try:
        page.goto(f"{live.url}/violations")
        text = page.locator("#violations-login-text")
        text.wait_for()
        wait_js(page, "!document.getElementById('violations-login').hidden && window.zonasi.auth.checked")
        assert text.inner_text() == ("Daftar ini untuk Bawaslu dan Satpol PP; token Anda (Petugas lapangan) "
                                     "tidak dapat membukanya. Masuk dengan token lain bila Anda punya.")
        for part in ("#violations-filter", "#violations-downloads", "#violations-table"):
            assert page.locator(part).is_hidden(), part
        screenshot(page, f"violations-field-token-{viewport['width']}")
        open_map(page, live)
        wait_js(page, "window.zonasi.auth.checked && window.zonasi.mapPage.state.violations"
                      " && window.zonasi.mapPage.state.violations.locked")
        page.evaluate("document.querySelector('.zonasi-legend').open = true")
        assert "Dilaporkan" not in page.locator(".zonasi-legend").inner_text()
        assert not [url for url in refused if "/violations" in url], refused
        assert page.js_errors == []
    finally:
        page.context.close()
