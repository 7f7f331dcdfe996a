"""The map's layer switches: one for each layer that can hold data here. "Jalan protokol" (the road
line sites) is listed only when the layers hold roads, and then switches them: the bundled layers
have road lines in Sanga-Sanga (Kutai Kartanegara); a layers directory without them has no such
switch. With the switch on and no road drawn, the legend says why (too far out, none here)."""
from __future__ import annotations

import pytest

from geo import Engine, load_layers
from geo.i18n import Catalog
from tests.conftest import settings_for_tests
from zonasi.testing.browser import wait_js

from .conftest import DESKTOP, PHONE, page_at, screenshot, serve
from .test_coverage import INDRAMAYU, go, open_legend, open_map

pytestmark = pytest.mark.browser
ROADS = (-0.70, 117.22)        # Sanga-Sanga: road lines in the bundled layers
ID = Catalog().table("id")
WITH_ROADS = [ID[f"map.layer.{k}"] for k in ("regencies", "coverage", "sites", "roads", "zones", "violations")]
ROAD_PATHS = "document.querySelectorAll('.zonasi-roads path').length"


def switches(page) -> list[str]:
    """The overlay switches the layer control lists, in order."""
    wait_js(page, "['0', '1'].includes(window.zonasiMap.getContainer().dataset.roads)")
    return page.evaluate("[...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
                         ".map((label) => label.textContent.trim())")


def open_control(page, phone: bool):
    control = page.locator(".leaflet-control-layers")
    if phone:
        control.locator(".leaflet-control-layers-toggle").tap()
    else:
        control.hover()
    control.locator(".leaflet-control-layers-list").wait_for()
    return control


def fold_control(page):
    page.evaluate("document.querySelector('.leaflet-control-layers').classList.remove('leaflet-control-layers-expanded')")


def legend_notes(page) -> list[str]:
    return [n.strip() for n in open_legend(page).locator(".zonasi-legend-note").all_inner_texts()]


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_the_roads_switch_switches_the_road_lines(browser, live, viewport):
    phone = viewport is PHONE
    page = page_at(browser, viewport)
    try:
        open_map(page, live)
        assert switches(page) == WITH_ROADS
        go(page, *ROADS, 14)
        wait_js(page, f"{ROAD_PATHS} > 20", timeout=60)
        control = open_control(page, phone)
        screenshot(page, f"map-layer-switches-{viewport['width']}")
        roads = control.get_by_text(ID["map.layer.roads"], exact=True)
        roads.click()                                                        # off: the lines go
        wait_js(page, f"{ROAD_PATHS} === 0")
        assert not page.evaluate("window.zonasiMap.hasLayer(window.zonasi.mapPage.groups.roads)")
        assert page.evaluate("window.zonasiMap.hasLayer(window.zonasi.mapPage.groups.sites)")
        roads.click()                                                        # on again: back
        wait_js(page, f"{ROAD_PATHS} > 20", timeout=60)
        fold_control(page)
        # on, and nothing drawn: the legend says why
        go(page, *ROADS, 8)
        wait_js(page, "window.zonasi.mapPage.state.roads && window.zonasi.mapPage.state.roads.hidden"
                      " && window.zonasi.mapPage.state.sites.density > 0", timeout=60)
        notes = legend_notes(page)
        assert ID["map.legend.density_roads"].format(zoom=10) in notes        # with the density's note: one "zoom 10"
        assert " ".join(notes).count("zoom 10") == 1
        page.evaluate("void window.zonasiMap.removeLayer(window.zonasi.mapPage.groups.sites)")    # no density note
        wait_js(page, "!window.zonasi.mapPage.state.sites.density")
        assert ID["map.legend.roads_hint"].format(zoom=10) in legend_notes(page)
        page.evaluate("void window.zonasiMap.addLayer(window.zonasi.mapPage.groups.sites)")
        go(page, *INDRAMAYU, 14)
        wait_js(page, "window.zonasi.mapPage.state.roads && window.zonasi.mapPage.state.roads.tiles > 0", timeout=60)
        assert ID["map.legend.no_roads"] in legend_notes(page)
        screenshot(page, f"map-no-roads-here-{viewport['width']}")
        assert page.js_errors == []
    finally:
        page.context.close()


@pytest.fixture(scope="module")
def no_roads(tmp_path_factory):
    """The app on the bundled layers without their road lines."""
    import shutil

    from geo.layers.directory import bundled_layers_dir
    from webmap import create_app

    tmp = tmp_path_factory.mktemp("no-roads")
    layers = tmp / "layers"
    shutil.copytree(bundled_layers_dir(), layers, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    (layers / "sites" / "sanga_sanga_kutai_kartanegara_roads.parquet").unlink()
    app = create_app(settings_for_tests(instance_dir=tmp / "instance", layers_dir=layers),
                     engine=Engine(load_layers(layers)))
    with serve(app) as server:
        yield server


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_without_road_data_there_is_no_roads_switch(browser, no_roads, viewport):
    phone = viewport is PHONE
    page = page_at(browser, viewport)
    try:
        open_map(page, no_roads)
        wait_js(page, "window.zonasiMap.getContainer().dataset.roads === '0'")
        assert switches(page) == [name for name in WITH_ROADS if name != ID["map.layer.roads"]]
        assert not page.evaluate("window.zonasiMap.hasLayer(window.zonasi.mapPage.groups.roads)")
        go(page, *ROADS, 14)
        open_control(page, phone)
        screenshot(page, f"map-layer-switches-no-roads-{viewport['width']}")
        assert page.js_errors == []
    finally:
        page.context.close()


AREAS = (-6.3300, 108.3200)   # Indramayu: the sites below


@pytest.fixture(scope="module")
def with_areas(tmp_path_factory):
    """The app on the bundled layers plus a school's grounds and a square (polygons), a fence (a line)."""
    import shutil

    import geopandas as gpd
    from shapely.geometry import LineString, box

    from geo.layers.directory import bundled_layers_dir
    from webmap import create_app

    tmp = tmp_path_factory.mktemp("areas")
    layers = tmp / "layers"
    shutil.copytree(bundled_layers_dir(), layers, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    lat, lon = AREAS
    d = 0.0006
    gpd.GeoDataFrame({"site_id": ["a1", "a2", "a3"], "name": ["SD Negeri Uji", "Alun-alun Uji", "Pagar RSUD Uji"],
                      "category": ["school", "public_facility", "health_facility"]},
                     geometry=[box(lon, lat, lon + d, lat + d), box(lon - 2 * d, lat - 2 * d, lon - d, lat - d),
                               LineString([(lon + 2 * d, lat), (lon + 2 * d, lat + d)])], crs=4326).to_parquet(
        layers / "sites" / "areas.parquet")
    app = create_app(settings_for_tests(instance_dir=tmp / "instance", layers_dir=layers),
                     engine=Engine(load_layers(layers)))
    with serve(app) as server:
        yield server


AREA_PATHS = """[...document.querySelectorAll('.zonasi-tiles-interactive path')]
    .filter((p) => p.getAttribute('fill-opacity') === '0.3').map((p) => p.getAttribute('stroke'))"""
LINE_PATHS = """[...document.querySelectorAll('.zonasi-tiles-interactive path')]
    .filter((p) => p.getAttribute('stroke-width') === '3').map((p) => [p.getAttribute('stroke'), p.getAttribute('fill')])"""


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_sites_that_are_areas_and_lines_are_drawn_in_their_categorys_colour(browser, with_areas, viewport):
    """A school's grounds are a shaded area in the school colour, a fence a line in the health
    colour; neither is drawn as a road (grey), and the roads' layer draws no area."""
    page = page_at(browser, viewport)
    try:
        open_map(page, with_areas)
        go(page, *AREAS, 17)
        wait_js(page, f"({AREA_PATHS}).length >= 2 && ({LINE_PATHS}).length >= 1", timeout=60)
        colours = page.evaluate("""(() => { const c = window.zonasi.config.categories;
            return {school: c.school.color, public_facility: c.public_facility.color, health: c.health_facility.color}; })()""")
        areas, lines = page.evaluate(AREA_PATHS), page.evaluate(LINE_PATHS)
        assert "#6c757d" not in areas and len(set(areas)) == 2, areas      # two categories, two colours, not grey
        assert all(stroke != "#6c757d" and fill == "none" for stroke, fill in lines), lines
        assert colours["school"] != colours["public_facility"]
        assert page.evaluate("[...document.querySelectorAll('.zonasi-roads path')]"
                             ".filter((p) => p.getAttribute('fill') !== 'none').length") == 0
        screenshot(page, f"map-site-areas-{viewport['width']}")
        assert page.js_errors == []
    finally:
        page.context.close()
