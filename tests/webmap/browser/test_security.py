"""Hostile data in Chromium: the XSS corpus (tests/data/xss_payloads.txt) as site names of a
layers file, report notes, participants and reporters, and CSV cells; the map with its popups and
tooltips, the violations list and the batch results show it as text and never run it. And the
pages work under the app's real Content-Security-Policy without a single violation."""
from __future__ import annotations

import csv
import io
import shutil
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from tests.conftest import settings_for_tests

from .conftest import new_page, screenshot, serve

pytestmark = pytest.mark.browser

CORPUS = Path(__file__).resolve().parents[2] / "data" / "xss_payloads.txt"
CENTRE = (-6.40, 108.33)         # (lat, lon) in Indramayu (32.12), ~1 km from the nearest school
IN_CAMPAIGN = "2024-01-10T09:00:00+07:00"
FLAG_SCRIPT = """
window.__xss = [];
window.xss = function (n) { window.__xss.push(n); };
window.__csp = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || "")));
"""


def payloads() -> list[str]:
    lines = [line for line in CORPUS.read_text("utf-8").splitlines() if line and not line.startswith("# ")]
    return [line.replace("XSS", f"xss({i})") for i, line in enumerate(lines, 1)]


def test_the_corpus_is_big_and_every_payload_calls_the_flag():
    found = payloads()
    assert len(found) >= 50 and len(set(found)) == len(found)
    assert all("xss(" in p for p in found) and max(map(len, found)) < 200


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, browser):
    """The app on a copy of the bundled layers plus a sites file whose names are the payloads,
    with a report per payload (participant, note and reporter are the payload)."""
    from geo import Engine
    from geo.layers.directory import bundled_layers_dir
    from webmap import create_app

    tmp = tmp_path_factory.mktemp("xss")
    layers = tmp / "layers"
    shutil.copytree(bundled_layers_dir(), layers, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    names = payloads()
    angles = np.linspace(0, 2 * np.pi, len(names), endpoint=False)
    lat, lon = CENTRE
    points = [shapely.Point(lon + 0.00025 * np.cos(a), lat + 0.00025 * np.sin(a)) for a in angles]  # ~28 m
    gpd.GeoDataFrame({"name": names, "category": ["school"] * len(names),
                      "site_id": [f"xss-{i}" for i in range(len(names))]},
                     geometry=points, crs=4326).to_parquet(layers / "sites" / "xss.parquet")
    app = create_app(settings_for_tests(instance_dir=tmp / "instance", layers_dir=layers), engine=Engine.from_directory(layers))
    store = app.extensions["zonasi"].store
    for i, text in enumerate(names):
        store.submit({"apk_type": "baliho", "lon": lon + 0.00005 * np.cos(angles[i]),
                      "lat": lat + 0.00005 * np.sin(angles[i]), "participant": text, "note": text,
                      "reporter": text, "reported_at": IN_CAMPAIGN})
    tokens = {role: store.tokens.create(role, f"xss {role}") for role in ("bawaslu", "admin")}
    with serve(app) as server:
        server.tokens = tokens
        server.names = names
        yield server
    store.dispose()


def hostile_page(browser, real_csp: bool):
    page = new_page(browser, bypass_csp=not real_csp)
    page.context.add_init_script(FLAG_SCRIPT)
    page.dialogs = []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.console_csp = []
    page.on("console", lambda m: page.console_csp.append(m.text) if "Content Security Policy" in m.text else None)
    return page


def wait_js(page, expression: str, timeout: float = 15) -> None:
    """Poll ``expression`` with page.evaluate (wait_for_function evaluates strings, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def assert_nothing_ran(page, where: str) -> None:
    page.wait_for_timeout(300)  # give any onload/onerror/ontoggle handler time to fire
    assert page.evaluate("window.__xss") == [], f"{where}: payloads ran: {page.evaluate('window.__xss')}"
    assert page.dialogs == [], where
    assert page.js_errors == [], (where, page.js_errors)


def sign_in(page, url: str, token: str) -> None:
    page.goto(url)
    page.evaluate("(t) => localStorage.setItem('zonasi.token', t)", token)


def map_with_popups(page, server) -> None:
    lat, lon = CENTRE
    sign_in(page, f"{server.url}/batch", server.tokens["bawaslu"])  # the violations layer needs a token
    page.goto(f"{server.url}/")
    wait_js(page, "window.zonasiMap && window.zonasi && window.zonasi.mapPage")
    page.evaluate("([lat, lon]) => void window.zonasiMap.setView([lat, lon], 19, {animate: false})", [lat, lon])
    wait_js(page, "window.zonasi.mapPage.state.sites && window.zonasi.mapPage.state.sites.shown >= 50")
    wait_js(page, "window.zonasi.mapPage.state.violations && window.zonasi.mapPage.state.violations.shown >= 50")
    # tooltips of a few site points (vector tiles: SVG circles of the sites' layer), before the
    # verdict's popup pans the map
    markers = page.locator(".leaflet-tile-pane .zonasi-tiles-interactive path.leaflet-interactive")
    assert markers.count() >= 50
    for i in range(0, min(markers.count(), 60), 6):
        markers.nth(i).hover(force=True)
        page.wait_for_timeout(50)
    assert page.locator(".leaflet-tooltip .zonasi-site-label").count() == 1   # a name shown, as text
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    popup = page.locator(".zonasi-check-popup .zonasi-verdict")
    popup.wait_for()
    text = popup.inner_text()
    assert popup.get_attribute("data-status") == "violation"
    shown = [name for name in server.names if name in text]
    assert len(shown) >= 3, text[:500]   # the nearest payload sites, named as text
    assert page.locator(".leaflet-popup img, .leaflet-tooltip img, .leaflet-popup svg, .leaflet-popup iframe").count() == 0


def violations_list(page, server) -> None:
    sign_in(page, f"{server.url}/violations", server.tokens["bawaslu"])
    page.goto(f"{server.url}/violations")
    rows = page.locator("#violations-table tbody tr")
    wait_js(page, "document.querySelectorAll('#violations-table tbody tr').length >= 50")
    table = page.locator("#violations-table").inner_text()
    assert sum(1 for name in server.names if name in table) >= 50
    assert rows.locator("img, svg, iframe, script, object, embed, video, audio, details, marquee").count() == 0


def batch_results(page, server) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "lat", "lon", "note"])
    for i, text in enumerate(server.names):
        # a payload as a coordinate (an invalid row quotes it in its reason) and as a plain cell
        writer.writerow([text, text if i % 2 else CENTRE[0], CENTRE[1] if i % 2 else text, text])
    page.goto(f"{server.url}/batch")
    page.set_input_files("#batch-file", files=[{"name": "xss.csv", "mimeType": "text/csv",
                                               "buffer": out.getvalue().encode()}])
    page.click("#batch-submit")
    page.locator("#batch-results").wait_for()
    assert page.locator("#batch-table tbody tr").count() >= 50
    table = page.locator("#batch-table").inner_text()
    assert "xss(" in table   # the payloads are there, as text
    assert page.locator("#batch-table img, #batch-table svg, #batch-table iframe, #batch-table script").count() == 0


def dashboard(page, server) -> None:
    sign_in(page, f"{server.url}/dashboard", server.tokens["admin"])
    page.goto(f"{server.url}/dashboard")
    page.locator("#dashboard-reports").wait_for()
    page.locator("#chart-report-status[data-counts]").wait_for(state="attached")
    assert page.locator("#dashboard-reports img, #dashboard-reports script").count() == 0


VIEWS = [map_with_popups, violations_list, batch_results, dashboard]


@pytest.mark.parametrize("view", VIEWS, ids=lambda f: f.__name__)
def test_no_payload_runs(browser, hostile, view):
    page = hostile_page(browser, real_csp=False)  # without the CSP: the pages' own escaping is tested
    try:
        view(page, hostile)
        assert_nothing_ran(page, view.__name__)
        screenshot(page, f"xss-{view.__name__}")
    finally:
        page.context.close()


@pytest.mark.parametrize("view", VIEWS, ids=lambda f: f.__name__)
def test_pages_work_under_the_real_csp_with_no_violation(browser, hostile, view):
    """With the CSP in force the same pages work, and nothing is blocked: no inline script without
    the nonce, no eval, no foreign host (a payload in the DOM as markup would show up here)."""
    page = hostile_page(browser, real_csp=True)
    try:
        view(page, hostile)
        assert_nothing_ran(page, view.__name__)
        assert page.evaluate("window.__csp") == [] and page.console_csp == []
    finally:
        page.context.close()


@pytest.mark.parametrize("real_csp", [False, True], ids=["no-csp", "real-csp"])
def test_the_detector_sees_a_payload_that_does_run(browser, hostile, real_csp):
    """Control: a payload put into the page as markup sets the flag without the CSP, and with the
    CSP is blocked and reported as a violation (so the assertions above can fail)."""
    page = hostile_page(browser, real_csp=real_csp)
    try:
        page.goto(f"{hostile.url}/violations")
        page.evaluate("(html) => { document.body.insertAdjacentHTML('beforeend', html); }",
                      payloads()[1])  # <img src=x onerror=xss(2)>
        page.wait_for_timeout(500)
        if real_csp:
            assert page.evaluate("window.__xss") == []
            assert any("script-src" in v for v in page.evaluate("window.__csp"))
        else:
            assert page.evaluate("window.__xss") == [2]
    finally:
        page.context.close()
