"""The map page phone-first and in the user's language (#18): the verdict as a card that never
hides (a bottom sheet on a phone, a panel on a desktop, announced by screen readers), 44 px
targets, Leaflet's controls and the browser's geolocation failures in the catalog's words, one
number format shared with the server, and no serious or critical axe-core finding."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from geo.i18n import Catalog
from zonasi.testing.browser import axe_violations, format_violations, wait_js

from .conftest import DESKTOP, PHONE, new_page, screenshot
from .test_map import NEAR_SCHOOL, open_map
from .test_reports import sign_in, token

pytestmark = pytest.mark.browser

CASES = json.loads((Path(__file__).resolve().parents[2] / "data" / "number_format_cases.json").read_text("utf-8"))
# a clean spot with complete data (Kec. Sanga-Sanga, Kutai Kartanegara, WITA): "Boleh"
ALLOWED = (-0.7364935004581074, 117.28275488834173)
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


def open_page(browser, viewport, lang="id", **options):
    mobile = viewport == PHONE
    page = new_page(browser, viewport=viewport, is_mobile=mobile, has_touch=mobile, **options)
    open_map(page, page_live(), f"?lang={lang}")
    return page


_LIVE = {}


def page_live():
    return _LIVE["live"]


@pytest.fixture(autouse=True)
def _remember_live(live):
    _LIVE["live"] = live
    yield
    _LIVE.clear()


def check(page, lat, lon, status=None):
    """Tap the map at a spot (centred at zoom 17, clicked where the card is not) and wait for its verdict."""
    page.evaluate("void window.zonasiMap.closePopup()")
    page.evaluate("([lat, lon]) => void window.zonasiMap.setView([lat, lon], 17, {animate: false})", [lat, lon])
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    selector = "#zonasi-verdict-card .zonasi-verdict" + (f"[data-status={status}]" if status else "")
    verdict = page.locator(selector)
    verdict.wait_for()
    return verdict


def uncovered(page, selector):
    """Whether every corner of the element is the element itself on screen (nothing drawn over it)."""
    return page.evaluate("""(selector) => {
        const node = document.querySelector(selector);
        const r = node.getBoundingClientRect();
        if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth) return false;
        const d = 6;  // inside rounded corners
        return [[r.left + d, r.top + d], [r.right - d, r.top + d], [r.left + d, r.bottom - d], [r.right - d, r.bottom - d]]
            .every(([x, y]) => node.contains(document.elementFromPoint(x, y)));
    }""", selector)


def test_on_a_phone_the_verdict_is_a_bottom_sheet_with_its_headline_whole_and_the_action_in_reach(browser):
    page = open_page(browser, PHONE)
    try:
        verdict = check(page, *NEAR_SCHOOL, status="violation")
        card = page.locator("#zonasi-verdict-card").bounding_box()
        assert card["x"] == 0 and card["width"] == PHONE["width"]
        assert abs(card["y"] + card["height"] - PHONE["height"]) <= 1      # on the bottom edge
        assert card["height"] <= PHONE["height"] / 2 + 1                    # the map keeps half the screen
        assert verdict.locator(".zonasi-verdict-head").inner_text() == "Terlarang"
        assert uncovered(page, "#zonasi-verdict-card .zonasi-verdict-head")  # never cut under a control
        assert uncovered(page, "#zonasi-verdict-card .zonasi-report-here")   # one tap, no scrolling
        assert uncovered(page, "#zonasi-verdict-card .zonasi-card-close")
        # the checked spot is on the map above the sheet, not under it
        spot = page.locator("path.zonasi-check-spot").bounding_box()
        assert spot["y"] + spot["height"] <= card["y"]
        # the tools above the map are short rows: a good part of the map shows above the open sheet
        # (the whole page's tools, without a token, with the public report bar: 60 px, then 132 px before)
        shown = card["y"] - page.locator("div.zonasi-map").bounding_box()["y"]
        assert shown >= 175, shown
        # a screen reader hears the verdict: it is the content of a polite live region
        assert page.evaluate("""document.querySelector('.zonasi-verdict-head').closest('[aria-live]')
                                .getAttribute('aria-live')""") == "polite"
        screenshot(page, "map-phone-sheet-violation")
        page.click("#zonasi-verdict-card .zonasi-card-close")
        assert page.locator("#zonasi-verdict-card").is_hidden()
        assert page.locator("path.zonasi-check-spot").count() == 0
        assert page.js_errors == []
    finally:
        page.context.close()


def test_on_a_desktop_the_verdict_is_a_panel_beside_the_spot(browser):
    page = open_page(browser, DESKTOP)
    try:
        verdict = check(page, *ALLOWED, status="ok")
        assert verdict.locator(".zonasi-verdict-head").inner_text() == "Boleh"
        assert uncovered(page, "#zonasi-verdict-card .zonasi-verdict-head")
        card = page.locator("#zonasi-verdict-card").bounding_box()
        spot = page.locator("path.zonasi-check-spot").bounding_box()
        assert spot["x"] > card["x"] + card["width"]  # the panel does not hide the spot it speaks of
        zoom = page.locator(".leaflet-control-zoom").bounding_box()
        assert card["x"] >= zoom["x"] + zoom["width"]
        # a prop at an allowed spot may still be reported (e.g. outside the campaign period): offered, not urged
        assert "btn-outline-danger" in verdict.locator(".zonasi-report-here").get_attribute("class")
        assert page.js_errors == []
    finally:
        page.context.close()


def test_no_report_is_offered_outside_the_regencies_the_service_covers(browser):
    page = open_page(browser, DESKTOP)
    try:
        verdict = check(page, -8.0, 105.0, status="outside_area")  # the Indian Ocean
        assert verdict.locator(".zonasi-report-here").count() == 0
    finally:
        page.context.close()


def test_the_report_button_is_three_tabs_from_the_search_box(browser):
    """It was 15: the verdict came after every map control in the tab order."""
    page = open_page(browser, DESKTOP)
    try:
        page.fill("#zonasi-search-input", f"{NEAR_SCHOOL[0]}, {NEAR_SCHOOL[1]}")
        page.press("#zonasi-search-input", "Enter")
        page.locator("#zonasi-verdict-card .zonasi-verdict[data-status=violation]").wait_for()
        page.focus("#zonasi-search-input")
        presses = 0
        while not page.evaluate("document.activeElement.classList.contains('zonasi-report-here')"):
            page.keyboard.press("Tab")
            presses += 1
            assert presses <= 3, page.evaluate("document.activeElement.outerHTML.slice(0, 120)")
        page.keyboard.press("Enter")
        page.locator("#zonasi-public").wait_for()  # no token: the public's form, for the spot searched
        assert "108,32" in page.locator("#public-point").inner_text()
    finally:
        page.context.close()


TOOLS = ["#zonasi-check-date", "#zonasi-date-today", "#zonasi-mine-button", "#zonasi-offline-save"]
# from the navbar's bottom to the tools' bottom, at most (px): the search row, the row of tools, the offline
# status and, without a token, the public's buttons (before: 223 px on a phone and 163 px on a desktop without
# a token; the first visit's hint under them goes at the first check)
TOOLS_HEIGHT = {("phone", "public"): 175, ("phone", "field"): 130, ("desktop", "public"): 90,
                ("desktop", "field"): 90}


@pytest.mark.parametrize("who", ["public", "field"])
@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_the_maps_tools_are_one_row_and_keep_their_names(browser, live, viewport, who):
    """The date, "Laporan saya" and "Simpan untuk luring" took a row each, and the public's two buttons
    a third: on a phone 223 of 740 px above the map, 132 px of map left above an open verdict. They
    share one row (on a phone as icons, each named for screen readers and in its tooltip); on a
    desktop the public's buttons join that row."""
    catalog = Catalog()
    page = open_page(browser, VIEWPORTS[viewport])
    try:
        if who == "field":
            page.evaluate("(t) => localStorage.setItem('zonasi.token', t)", token(live, "field", f"Tools {viewport}"))
            open_map(page, live, "?lang=id")
        tops = [page.locator(selector).bounding_box()["y"] for selector in TOOLS]
        assert max(tops) - min(tops) <= 2, tops
        for key, selector in (("map.mine.button", "#zonasi-mine-button"), ("map.offline.save", "#zonasi-offline-save"),
                              ("map.locate", "#zonasi-locate")):
            name = catalog.get(key, "id")
            assert page.get_by_role("button", name=name, exact=True).count() == 1, name
            assert page.get_attribute(selector, "title") == name
            label = page.locator(f"{selector} .zonasi-tool-label").bounding_box()
            assert (label["width"] > 1) == (viewport == "desktop"), (selector, label)
        public = page.locator("#zonasi-public-bar")
        if who == "field":
            assert public.is_hidden()
        else:
            assert public.is_visible()
            report = page.locator("#zonasi-public-report").bounding_box()
            assert (abs(report["y"] - tops[0]) <= 2) == (viewport == "desktop"), (report, tops)
        row = page.locator("#zonasi-tools").bounding_box()
        tools = row["y"] + row["height"] - page.locator(".zonasi-nav").bounding_box()["height"]
        assert tools <= TOOLS_HEIGHT[viewport, who], tools
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORTS[viewport]["width"]
        screenshot(page, f"map-tools-{viewport}-{who}")
        assert page.js_errors == []
    finally:
        page.context.close()


PHONE_CONTROLS = [".leaflet-control-zoom-in", ".leaflet-control-zoom-out", ".leaflet-control-layers-toggle",
                  ".zonasi-legend summary", "#zonasi-search-input", "#zonasi-search-submit", "#zonasi-locate",
                  "#zonasi-check-date", "#zonasi-date-today", "#zonasi-mine-button", "#zonasi-offline-save",
                  ".navbar-toggler", "#zonasi-verdict-card .zonasi-report-here", "#zonasi-verdict-card .zonasi-card-close"]


def test_every_control_is_at_least_44_px_on_a_phone_and_the_legend_and_layers_start_collapsed(browser):
    page = open_page(browser, PHONE)
    try:
        assert page.evaluate("document.querySelector('.zonasi-legend').open") is False
        assert page.locator(".leaflet-control-layers-expanded").count() == 0
        # the legend opens from its summary, above the sheet's place
        check(page, *NEAR_SCHOOL, status="violation")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        small = {}
        for selector in PHONE_CONTROLS:
            box = page.locator(selector).first.bounding_box()
            assert box is not None, selector
            if box["width"] < 44 or box["height"] < 44:
                small[selector] = (round(box["width"]), round(box["height"]))
        assert small == {}
    finally:
        page.context.close()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_leaflets_controls_speak_the_pages_language(browser, lang):
    catalog = Catalog()
    page = open_page(browser, DESKTOP, lang)
    try:
        assert page.get_attribute(".leaflet-control-zoom-in", "title") == catalog.get("map.zoom_in", lang)
        assert page.get_attribute(".leaflet-control-zoom-out", "aria-label") == catalog.get("map.zoom_out", lang)
        assert page.get_attribute(".leaflet-control-layers-toggle", "title") == catalog.get("map.layers", lang)
        attribution = page.locator(".leaflet-control-attribution").inner_text()
        assert catalog.get("map.attribution", lang) in attribution
        assert catalog.get("map.attribution.osm", lang) in attribution
        assert "A JavaScript library" not in page.content()
    finally:
        page.context.close()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_on_a_phone_the_credits_are_one_line_and_leave_the_scale_in_sight(browser, lang):
    """At 360 px the credits ("Peta: Leaflet | © kontributor OpenStreetMap") took two lines and
    covered the scale: they are one line, and no part of the scale lies under them."""
    page = open_page(browser, PHONE, lang)
    try:
        boxes = page.evaluate("""(() => { const box = (s) => { const r = document.querySelector(s).getBoundingClientRect();
            return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height}; };
            return {credits: box('.leaflet-control-attribution'), scale: box('.leaflet-control-scale')}; })()""")
        credits, scale = boxes["credits"], boxes["scale"]
        line = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.leaflet-control-attribution')).lineHeight)")
        assert credits["height"] <= 1.5 * line, boxes                      # one line
        overlap = not (scale["bottom"] <= credits["top"] or scale["right"] <= credits["left"])
        assert not overlap, boxes
    finally:
        page.context.close()


def test_a_refused_location_is_said_in_the_catalogs_words(browser):
    page = open_page(browser, DESKTOP)  # no geolocation permission: Chromium refuses with code 1
    try:
        page.click("#zonasi-locate")
        message = page.locator("#zonasi-message", has_text=Catalog().get("map.locate.denied", "id"))
        message.wait_for()
        assert "denied" not in message.inner_text().lower()
    finally:
        page.context.close()


def test_the_signed_in_role_is_shown_in_words(browser, live):
    page = open_page(browser, DESKTOP)
    try:
        sign_in(page, token(live, "field", "Eka"))
        page.locator("#zonasi-user", has_text="Eka").wait_for()
        assert page.locator("#zonasi-user").inner_text() == "Eka (Petugas lapangan)"
    finally:
        page.context.close()


def test_the_browser_formats_numbers_as_the_server_does(browser):
    """The same cases as tests/geo/test_numformat.py (geo.numformat): the same digits everywhere."""
    page = open_page(browser, DESKTOP)
    try:
        got = page.evaluate("""(cases) => cases.map((c) => c.fn === 'number'
            ? window.zonasi.formatNumber(c.value, c.digits, c.lang) : window.zonasi.formatDistance(c.value, c.lang))""",
                            CASES)
        assert [(c["value"], c["lang"], g) for c, g in zip(CASES, got)] == \
            [(c["value"], c["lang"], c["expected"]) for c in CASES]
        dates = page.evaluate("""() => [
            window.zonasi.formatDateTime('2026-12-06T07:05:00Z', 7, 'id'),
            window.zonasi.formatDateTime('2026-12-06T07:05:00Z', 'WITA', 'id'),
            window.zonasi.formatDateTime('2026-12-06T16:30:00Z', 9, 'en'),
            window.zonasi.formatDate('2026-12-06T18:00:00Z', 'WIB', 'en')]""")
        assert dates == ["6 Des 2026, 14.05 WIB", "6 Des 2026, 15.05 WITA", "7 Dec 2026, 01:30 WIT", "7 Dec 2026"]
    finally:
        page.context.close()


def test_the_map_and_the_report_list_show_the_same_distance(browser, live):
    """The server's words on the map and the browser's formatter on a stored distance agree."""
    page = open_page(browser, DESKTOP)
    try:
        verdict = check(page, *NEAR_SCHOOL, status="violation")
        answer = page.evaluate("""([lat, lon]) => window.zonasi.api(window.zonasi.withParams(
            window.zonasi.config.urls.check, {lat, lon, lang: 'id'}))""",
                               [verdict.get_attribute("data-lat") or NEAR_SCHOOL[0], NEAR_SCHOOL[1]])
        distance = answer["hits"][0]["distance_m"]
        shown = page.evaluate("(d) => window.zonasi.formatDistance(d)", distance)
        assert re.fullmatch(r"\d+,\d m", shown)
        assert any(line.startswith(shown + " dari") for line in answer["message"])
    finally:
        page.context.close()


@pytest.mark.parametrize("width", ["phone", "desktop"])
@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_serious_accessibility_issue_on_the_map_and_the_report_form(browser, live, width, lang):
    page = open_page(browser, VIEWPORTS[width], lang)
    try:
        found = axe_violations(page)
        assert not found, format_violations(found)
        check(page, *NEAR_SCHOOL, status="violation")
        found = axe_violations(page)
        assert not found, format_violations(found)
        screenshot(page, f"map-{width}-{lang}-violation")
        check(page, *ALLOWED, status="ok")
        found = axe_violations(page)
        assert not found, format_violations(found)
        screenshot(page, f"map-{width}-{lang}-allowed")
        page.evaluate("(t) => localStorage.setItem('zonasi.token', t)", token(live, "field", f"Axe {width} {lang}"))
        page.reload()
        wait_js(page, "window.zonasi && window.zonasi.mapPage && window.zonasi.auth.checked")
        check(page, *NEAR_SCHOOL, status="violation").locator(".zonasi-report-here").click()
        page.locator("#zonasi-report").wait_for()
        found = axe_violations(page)
        assert not found, format_violations(found)
        screenshot(page, f"report-form-{width}-{lang}")
    finally:
        page.context.close()


def visible_chrome(page) -> str:
    """The page's visible words: text, and the titles, labels and placeholders of visible elements."""
    return page.evaluate("""() => {
        const parts = [document.title, document.body.innerText];
        for (const node of document.querySelectorAll('[title], [aria-label], [placeholder], [alt]')) {
            if (!node.getClientRects().length) continue;
            for (const name of ['title', 'aria-label', 'placeholder', 'alt']) {
                if (node.hasAttribute(name)) parts.push(node.getAttribute(name));
            }
        }
        return parts.join('\\n');
    }""")


# Leaflet's and the browser's own English (not in the catalog)
FOREIGN = {"id": ["Zoom in", "Zoom out", "Layers", "contributors", "User denied", "A JavaScript library"],
           "en": []}


@pytest.mark.parametrize("lang,other", [("id", "en"), ("en", "id")])
def test_no_sentence_of_the_other_language_reaches_the_map_page(browser, lang, other):
    catalog = Catalog()
    mine, theirs = catalog.table(lang), catalog.table(other)
    # the other language's texts that differ from this one's (placeholders cut out), long enough to mean something
    foreign = set(FOREIGN[lang])
    for key, text in theirs.items():
        if text == mine.get(key):
            continue
        for piece in re.split(r"\{\w+\}", text):
            piece = piece.strip(" .,:;()-–—·")
            if len(piece) >= 8 and piece not in mine.get(key, ""):
                foreign.add(piece)
    page = open_page(browser, PHONE, lang)
    try:
        check(page, *NEAR_SCHOOL, status="violation")
        shown = visible_chrome(page)
        page.click("#zonasi-verdict-card .zonasi-card-close")  # the sheet covers the legend's corner
        page.click(".zonasi-legend summary")
        shown += visible_chrome(page)
        leaked = sorted(piece for piece in foreign if piece in shown)
        assert leaked == [], leaked
    finally:
        page.context.close()


def test_the_zones_of_the_regencies_are_the_servers(browser):
    """zonasi.zoneOfRegency (dates in a report list) says what geo.clock.zone_label says."""
    from geo.clock import WIT_PROVINCES, WITA_PROVINCES, zone_label

    codes = sorted(WITA_PROVINCES | WIT_PROVINCES | {"11", "31", "32", "36", "61", "62"})
    page = open_page(browser, DESKTOP)
    try:
        got = page.evaluate("(codes) => codes.map((c) => window.zonasi.zoneOfRegency(c + '.01'))", codes)
        assert got == [zone_label(c + ".01") for c in codes]
    finally:
        page.context.close()


def test_a_tap_on_a_report_checks_its_stored_place_not_the_tiles_rounded_point(browser, engine, tmp_path):
    """The map said "22.2 m" where the list said "22,1 m": a tap on a report checked the tile's point
    (on the tile's grid, 0.6 m at zoom 15), not the report's place. Now the same place, the same digits."""
    from tests.conftest import settings_for_tests
    from webmap import create_app

    from .conftest import serve

    lat, lon = -6.3300037, 108.3200041  # off the tiles' grid at zoom 14
    app = create_app(settings_for_tests(instance_dir=tmp_path / "instance"), engine=engine)
    store = app.extensions["zonasi"].store
    report = store.submit({"apk_type": "baliho", "lon": lon, "lat": lat, "participant": "Partai Q"}).report
    secret = store.tokens.create("bawaslu", "Budi")
    with serve(app) as server:
        page = new_page(browser, DESKTOP)
        try:
            page.goto(f"{server.url}/")
            page.evaluate("t => localStorage.setItem('zonasi.token', t)", secret)
            page.goto(f"{server.url}/")
            wait_js(page, "window.zonasiMap && window.zonasi && window.zonasi.mapPage")
            page.evaluate("([lat, lon]) => void window.zonasiMap.setView([lat, lon], 14, {animate: false})", [lat, lon])
            wait_js(page, "(() => { const s = window.zonasi.mapPage.state.violations; return s && s.shown >= 1; })()")
            page.locator(".leaflet-zonasiReports-pane path.leaflet-interactive").click()
            page.locator("#zonasi-verdict-card .zonasi-report-info").wait_for()
            point = page.locator("#zonasi-verdict-card .zonasi-verdict-point").inner_text()
            assert point.endswith(f"{report['lat']:.6f}, {report['lon']:.6f}"), point
            shown = page.locator("#zonasi-verdict-card .zonasi-verdict").inner_text()
            distance = page.evaluate("(d) => window.zonasi.formatDistance(d)", report["distance_m"])
            assert f"{distance} dari" in shown
        finally:
            page.context.close()
