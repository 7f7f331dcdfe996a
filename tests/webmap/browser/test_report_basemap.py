"""A report's page draws the app's own basemap when no tile server answers (the tests reach none),
with the map page's code (offline/basemap.js): the regencies as land, the road line sites from
the zoom where the sites' tiles carry them, in a pane below the (failed) raster tiles."""
from __future__ import annotations

import pytest
import shapely

from geo.layers.directory import bundled_layers_dir
from tests.conftest import settings_for_tests
from zonasi.testing.browser import wait_js
from zonasi.testing.reports import report

from .conftest import DESKTOP, PHONE, new_page, screenshot, serve

pytestmark = pytest.mark.browser
PANE = "#report-map .leaflet-zonasiBasemap-pane"


def on_a_road() -> tuple[float, float]:
    """A point of a road line of the bundled layers (Sanga-Sanga, Kutai Kartanegara)."""
    import geopandas as gpd

    roads = gpd.read_parquet(bundled_layers_dir() / "sites" / "sanga_sanga_kutai_kartanegara_roads.parquet")
    line = roads.geometry.iloc[0]
    point = line.interpolate(0.5, normalized=True)
    return round(shapely.get_x(point), 7), round(shapely.get_y(point), 7)


@pytest.fixture(scope="module")
def reported(tmp_path_factory, engine):
    """A server with one report, on a road, and a Bawaslu token to read it."""
    from webmap import create_app

    app = create_app(settings_for_tests(instance_dir=tmp_path_factory.mktemp("report-basemap") / "instance"),
                     engine=engine)
    store = app.extensions["zonasi"].store
    field, bawaslu = store.tokens.create("field", "Ani"), store.tokens.create("bawaslu", "Budi")
    answer = app.test_client().post("/api/reports", json=report(on_a_road(), accuracy_m=8),
                                    headers={"Authorization": f"Bearer {field}"})
    assert answer.status_code == 201, answer.json
    with serve(app) as server:
        server.token, server.report_id = bawaslu, answer.json["id"]
        yield server
    store.dispose()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_without_tiles_the_report_map_draws_the_apps_own_basemap(browser, reported, viewport):
    page = new_page(browser, viewport=viewport, is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    try:
        page.add_init_script(f"localStorage.setItem('zonasi.token', {reported.token!r})")
        page.goto(f"{reported.url}/reports/{reported.report_id}")
        wait_js(page, "document.getElementById('report-body').dataset.loaded === 'true'")
        # the raster tiles failed (no tile server): the app's vector tiles are the basemap
        wait_js(page, "window.zonasi.reportPage.basemap() && window.zonasi.reportPage.basemap().missing"
                      " && window.zonasi.reportPage.basemap().source === 'tiles'")
        wait_js(page, f"document.querySelectorAll('{PANE} .zonasi-basemap-land path').length > 0"
                      f" && document.querySelectorAll('{PANE} .zonasi-basemap-roads path').length > 0", timeout=60)
        assert page.locator(f"{PANE} path").count() >= 2                  # land and the road it stands on
        # below the tile pane: a tile server that answers covers it
        assert page.evaluate("+getComputedStyle(window.zonasi.reportPage.map().getPane('zonasiBasemap')).zIndex"
                             " < +getComputedStyle(window.zonasi.reportPage.map().getPane('tilePane')).zIndex")
        # the report's own marker and accuracy circle are still over it
        assert page.locator("#report-map .leaflet-overlay-pane .leaflet-interactive").count() >= 2
        page.locator("#report-map").scroll_into_view_if_needed()
        # every basemap tile in view drawn before the picture
        wait_js(page, f"[...document.querySelectorAll('{PANE} .leaflet-tile')].every("
                      "(tile) => tile.classList.contains('leaflet-tile-loaded') && getComputedStyle(tile).opacity === '1')", timeout=60)
        screenshot(page, f"report-basemap-{viewport['width']}")
        assert page.js_errors == []
    finally:
        page.context.close()
