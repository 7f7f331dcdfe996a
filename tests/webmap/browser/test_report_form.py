"""The report form (#17): an Idempotency-Key per report kept across retries, the form disabled
until answered, the stored verdict in words after success, and "Laporan saya"."""
from __future__ import annotations

import pytest

from zonasi.testing.browser import wait_js

from .conftest import PHONE, new_page, screenshot
from .test_map import NEAR_SCHOOL, click_at, open_map
from .test_reports import png_bytes, token

pytestmark = pytest.mark.browser


def reports_by(live, participant):
    store = live.app.extensions["zonasi"].store
    rows, _ = store.list_reports(limit=None, private=True)
    return [r for r in rows if r["participant"] == participant]


def open_form(page, live, secret):
    open_map(page, live)
    page.evaluate("(t) => localStorage.setItem('zonasi.token', t)", secret)
    page.reload()
    wait_js(page, "window.zonasi && window.zonasi.mapPage && window.zonasi.auth.checked")
    # the service worker's install (it fetches the whole shell) and the tiles of the view are done
    # before the form is sent: the report's POST does not queue behind them for the browser's six
    # connections to the host (it once waited past the default timeout on a busy machine)
    wait_js(page, "window.zonasi.swReady && window.zonasi.swReady.then((r) => (window.__swReady = true)) && window.__swReady")
    popup = click_at(page, *NEAR_SCHOOL)
    page.wait_for_load_state("networkidle")
    popup.locator(".zonasi-report-here").click()
    page.locator("#zonasi-report").wait_for()


def test_a_double_tap_stores_one_report_and_shows_the_stored_verdict(browser, live):
    secret = token(live, "field", "Eka")
    page = new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    keys = []
    page.on("request", lambda r: keys.append(r.headers.get("idempotency-key"))
            if r.method == "POST" and r.url.endswith("/api/reports") else None)
    try:
        open_form(page, live, secret)
        page.select_option("#report-type", "baliho")
        page.fill("#report-participant", "Partai Dua Ketuk")
        page.set_input_files("#report-photo", files=[{"name": "apk.png", "mimeType": "image/png",
                                                     "buffer": png_bytes()}])
        # two taps in the same moment: the second finds the form disabled
        page.evaluate("() => { const b = document.getElementById('report-submit'); b.click(); b.click(); }")
        # the answer itself, whatever it is (stored, or queued after a refused or lost send), then its kind
        wait_js(page, "!document.getElementById('zonasi-report-result').hidden", timeout=60)
        result = page.locator("#zonasi-report-result")
        assert result.get_attribute("data-status") == "violation", result.inner_text()
        assert page.locator("#zonasi-report").is_hidden()  # the form closed
        text = result.inner_text()
        assert "terkirim" in text and "Terlarang" in text and "SMAN 1 SINDANG" in text and " m" in text
        stored = reports_by(live, "Partai Dua Ketuk")
        assert len(stored) == 1
        assert result.get_attribute("data-id") == stored[0]["id"]
        assert len(keys) == 1 and keys[0] and len(keys[0]) == 36
        screenshot(page, "map-report-stored-360")
        assert page.js_errors == []
    finally:
        page.context.close()


def test_a_retry_after_a_lost_answer_sends_the_same_key_and_stores_once(browser, live):
    secret = token(live, "field", "Fajar")
    page = new_page(browser)
    keys = []
    lost = {"n": 0}

    def lose_the_first_answer(route):
        keys.append(route.request.headers.get("idempotency-key"))
        if lost["n"] == 0:
            lost["n"] += 1
            route.fetch()  # the server stores the report ...
            route.abort("connectionreset")  # ... and the answer is lost on the way back
        else:
            route.continue_()

    try:
        open_form(page, live, secret)
        page.route("**/api/reports", lose_the_first_answer)
        page.select_option("#report-type", "spanduk")
        page.fill("#report-participant", "Partai Jawaban Hilang")
        page.click("#report-submit")
        wait_js(page, "document.getElementById('zonasi-report-error').textContent !== ''"
                      " || !document.getElementById('zonasi-report-result').hidden")
        if page.locator("#zonasi-report").is_visible():  # the error is shown: the officer presses send again
            page.click("#report-submit")
        else:  # queued on the device: sent again from the queue
            page.evaluate("window.zonasi.queue.sync()")
        wait_js(page, "document.getElementById('zonasi-report-result').dataset.id"
                      " || document.querySelector('#zonasi-queue-list [data-state=sent]')")
        assert len(keys) == 2 and keys[0] == keys[1]
        assert len(reports_by(live, "Partai Jawaban Hilang")) == 1
    finally:
        page.context.close()


def test_my_reports_lists_the_officers_own_reports(browser, live):
    mine, other = token(live, "field", "Gita"), token(live, "field", "Hadi")
    store = live.app.extensions["zonasi"].store
    ids = {}
    for secret, who in ((mine, "Gita"), (other, "Hadi")):
        identity = store.tokens.authenticate(secret)
        ids[who] = store.submit({"apk_type": "spanduk", "participant": f"Partai {who}", "lat": NEAR_SCHOOL[0],
                                 "lon": NEAR_SCHOOL[1]}, idempotency_key=f"mine-{who}", token_id=identity.id,
                                submitted_by=who, role="field").report["id"]
    for viewport, name in ((PHONE, "360"), (None, "1280")):
        page = new_page(browser, viewport=viewport)
        try:
            open_map(page, live)
            page.evaluate("(t) => localStorage.setItem('zonasi.token', t)", mine)
            page.reload()
            wait_js(page, "window.zonasi && window.zonasi.auth.checked")
            page.click("#zonasi-mine-button")
            item = page.locator(f"#zonasi-mine-list li[data-id='{ids['Gita']}']")
            item.wait_for()
            assert "Partai Gita" in item.inner_text() and "Terlarang" in item.inner_text()
            assert page.locator("#zonasi-mine-list").inner_text().count("Partai") == 1
            assert "Partai Hadi" not in page.locator("#zonasi-mine-list").inner_text()
            assert page.locator(".zonasi-mine-marker").count() >= 1  # and on the map
            screenshot(page, f"map-my-reports-{name}")
            assert page.js_errors == []
        finally:
            page.context.close()
