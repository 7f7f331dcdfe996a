"""Reporting without an account (#19, public.js): shown only when no token is stored; the report
goes to POST /api/public/reports from the spot last checked (tapped, searched, linked), the tracking
code is shown and kept in the browser, and "Cek laporan" looks it up; at 360 px (phone) and 1280 px."""
from __future__ import annotations

import re

import pytest

from zonasi.testing.browser import wait_js

from .conftest import DESKTOP, PHONE, new_page, screenshot
from .test_map import NEAR_SCHOOL, click_at, open_map
from .test_reports import token

pytestmark = pytest.mark.browser
CODE = re.compile(r"^[23456789ABCDEFGHJKLMNPQRSTUVWXYZ]{10}$")


@pytest.fixture(scope="module")
def public_live(browser, engine, tmp_path_factory):
    """A server of its own (its per-client limit is not shared with the session's other tests)."""
    from tests.conftest import settings_for_tests
    from webmap import create_app

    from .conftest import serve

    settings = settings_for_tests(instance_dir=tmp_path_factory.mktemp("public") / "instance")
    with serve(create_app(settings, engine=engine)) as server:
        yield server


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "360"), (DESKTOP, "1280")])
def test_a_visitor_reports_and_looks_up_the_tracking_code(browser, public_live, viewport, name):
    mobile = viewport is PHONE
    page = new_page(browser, viewport=viewport, is_mobile=mobile, has_touch=mobile)
    try:
        open_map(page, public_live)
        wait_js(page, "window.zonasi.publicIntake")
        bar = page.locator("#zonasi-public-bar")
        assert bar.is_visible()
        assert page.locator("#zonasi-public-report").inner_text().strip() == "Laporkan tanpa akun"
        screenshot(page, f"map-public-bar-{name}")
        click_at(page, *NEAR_SCHOOL)
        checked = page.evaluate("(() => { const p = window.zonasi.mapPage.lastChecked(); return [p.lat, p.lng]; })()")
        page.locator("#zonasi-public-report").click()
        page.locator("#zonasi-public").wait_for()
        point = page.locator("#public-point").inner_text()
        assert "-6,3" in point and "108,3" in point and "periksa" in point   # the spot checked
        page.select_option("#public-type", "spanduk")
        page.fill("#public-participant", f"Partai Publik {name}")
        screenshot(page, f"map-public-form-{name}")
        page.locator("#public-submit").click()
        page.locator("#public-tracking-code").wait_for()
        code = page.locator("#public-tracking-code").inner_text().strip()
        assert CODE.match(code)
        text = page.locator("#public-lookup-result").inner_text()
        assert "Laporan terkirim" in text and "Belum diverifikasi" in text
        assert page.locator("#public-verdict").inner_text() == "Terlarang"
        assert page.locator(".zonasi-public-message li").count() >= 2          # the why, line by line
        screenshot(page, f"map-public-sent-{name}")
        store = public_live.app.extensions["zonasi"].store
        rows, _ = store.list_reports(limit=None, private=True)
        [row] = [r for r in rows if r["participant"] == f"Partai Publik {name}"]
        assert (row["status"], row["reporter"], row["submitted_by"], row["tracking_code"]) == (
            "unverified", None, None, code)
        # the spot checked by the tap (near the school: the map may shift a little as its hint goes)
        assert abs(row["lat"] - checked[0]) <= 1e-7 and abs(row["lon"] - checked[1]) <= 1e-7, (row, checked)  # stored to 1 cm
        assert abs(row["lat"] - NEAR_SCHOOL[0]) < 1e-3 and abs(row["lon"] - NEAR_SCHOOL[1]) < 1e-3
        # Bawaslu accepts it; the visitor looks the code up again
        store.transition(row["id"], "reported", actor="Bawaslu", role="bawaslu")
        page.locator("#zonasi-public-lookup-dialog [data-public-close]").click()
        page.locator("#zonasi-public-lookup").click()
        page.fill("#public-code", code.lower())
        page.locator("#public-lookup-submit").click()
        wait_js(page, "document.getElementById('public-lookup-result').textContent.includes('Dilaporkan')")
        assert code in page.locator("#public-saved").inner_text()           # kept in this browser
        screenshot(page, f"map-public-lookup-{name}")
        page.fill("#public-code", "ZZZZZZZZZZ")
        page.locator("#public-lookup-submit").click()
        wait_js(page, "document.getElementById('public-lookup-result').textContent.includes('kode pelacakan')")
        assert page.js_errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize(("viewport", "name"), [(PHONE, "360"), (DESKTOP, "1280")])
def test_the_cards_report_button_without_a_token_reports_the_spot_checked(browser, public_live, viewport, name):
    """A spot from a link (/?lat=&lon=): the card's "Laporkan APK di sini" opens the public form (no
    token asked for) and the report is stored at that very spot, though the phone's map moved to
    keep it above the card (the map's centre is ~200 m away); the form offers the officers' sign-in."""
    mobile = viewport is PHONE
    lat, lon = -6.3312345, 108.3198765
    page = new_page(browser, viewport=viewport, is_mobile=mobile, has_touch=mobile)
    try:
        open_map(page, public_live, f"?lat={lat}&lon={lon}")
        card = page.locator("#zonasi-verdict-card .zonasi-report-here")
        card.wait_for()
        assert page.evaluate("(() => { const c = window.zonasiMap.getCenter(); return [c.lat, c.lng]; })()") != [lat, lon]
        card.click()
        page.locator("#zonasi-public").wait_for()
        assert page.locator("#zonasi-login[open]").count() == 0              # no token asked for
        assert page.locator("#public-officer").is_visible()
        point = page.locator("#public-point").inner_text()
        assert "-6,33123" in point and "108,31988" in point and "periksa" in point, point
        screenshot(page, f"map-public-form-from-card-{name}")
        page.select_option("#public-type", "baliho")
        page.fill("#public-participant", f"Partai Tautan {name}")
        page.locator("#public-submit").click()
        page.locator("#public-tracking-code").wait_for()
        rows, _ = public_live.app.extensions["zonasi"].store.list_reports(limit=None, private=True)
        [row] = [r for r in rows if r["participant"] == f"Partai Tautan {name}"]
        assert abs(row["lat"] - lat) < 1e-7 and abs(row["lon"] - lon) < 1e-7, (row["lat"], row["lon"])
        page.locator("#zonasi-public-lookup-dialog [data-public-close]").click()
        card.click()                                      # an officer: the form's sign-in asks for the token
        page.locator("#public-officer").click()
        page.locator("#zonasi-login[open]").wait_for()
        assert page.locator("#zonasi-public[open]").count() == 0
        assert page.js_errors == []
    finally:
        page.context.close()


def test_with_a_token_the_entry_is_hidden(browser, public_live):
    secret = token(public_live, "field", "Petugas")
    page = new_page(browser)
    try:
        open_map(page, public_live)
        page.evaluate("(t) => localStorage.setItem('zonasi.token', t)", secret)
        page.reload()
        wait_js(page, "window.zonasi.publicIntake && window.zonasi.auth.checked")
        assert page.locator("#zonasi-public-bar").is_hidden()
    finally:
        page.context.close()
