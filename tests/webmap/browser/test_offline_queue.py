"""Reports made without a signal (#17): kept in IndexedDB with their Idempotency-Key and photo,
sent when the connection returns, stored exactly once across reloads and offline/online rounds,
kept across a new version of the service worker."""
from __future__ import annotations

import pytest

from zonasi.testing.browser import wait_js

from .conftest import new_phone_page, screenshot
from .test_offline_shell import wait_controlled
from .test_report_form import reports_by
from .test_reports import png_bytes, token

pytestmark = pytest.mark.browser
SPOT = (-6.33, 108.32)


def signed_in_phone(browser, live, name):
    """A phone on the map, signed in as a new field officer ``name``, under the service worker."""
    page = new_phone_page(browser)
    page.goto(live.url + "/")
    page.evaluate("(t) => localStorage.setItem('zonasi.token', t)", token(live, "field", name))
    wait_controlled(page)
    page.reload()
    wait_js(page, "window.zonasi && window.zonasi.auth.checked")
    return page


def reload_offline(page):
    """Cut the network and reload: the map from the service worker, the queue ready."""
    page.context.set_offline(True)
    page.reload()
    wait_js(page, "window.zonasi && window.zonasi.queue && window.zonasiMap")


def report_offline(page, participant):
    page.evaluate("([lat, lon]) => void window.zonasiMap.setView([lat, lon], 17, {animate: false})", list(SPOT))
    box = page.locator(".folium-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.locator(".zonasi-check-popup .zonasi-report-here").click()
    page.locator("#zonasi-report").wait_for()
    page.select_option("#report-type", "spanduk")
    page.fill("#report-participant", participant)
    page.set_input_files("#report-photo", files=[{"name": "apk.png", "mimeType": "image/png",
                                                 "buffer": png_bytes()}])
    page.click("#report-submit")
    page.locator("#zonasi-report-result[data-status=queued]").wait_for()


def test_reports_queued_offline_are_stored_once_after_reconnecting(browser, live, monkeypatch):
    page = signed_in_phone(browser, live, "Indah")
    try:
        reload_offline(page)  # the shell from the service worker
        report_offline(page, "Partai Luring Satu")
        assert page.locator("#zonasi-queue-count").inner_text() == "1"
        # the status line counts it too
        wait_js(page, "document.getElementById('zonasi-offline-status').textContent.includes('1 laporan menunggu')")
        page.click("#zonasi-mine-button")
        page.locator("#zonasi-queue-list li[data-state=waiting]").wait_for()
        screenshot(page, "map-queue-waiting-360")
        page.click("#zonasi-mine [data-close]")
        page.reload()  # still offline: the queue survives a reload
        wait_js(page, "window.zonasi && window.zonasi.queue")
        assert page.evaluate("window.zonasi.queue.waitingCount()") == 1
        assert reports_by(live, "Partai Luring Satu") == []
        # a new app version while offline reports wait
        from webmap.pages import shell

        monkeypatch.setattr(shell, "shell_version", lambda static, files: "queue-test-version")
        page.context.set_offline(False)
        wait_js(page, "window.zonasi.queue.list().then((l) => window.__q = l)"
                      " && window.__q && window.__q.length === 1 && window.__q[0].state === 'sent'")
        assert len(reports_by(live, "Partai Luring Satu")) == 1
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        wait_js(page, "caches.keys().then((k) => window.__keys = k) && (window.__keys || [])"
                      ".includes('zonasi-shell-queue-test-version')")
        # a second round: offline, a report, back online after a reload; the first is not sent again
        reload_offline(page)
        report_offline(page, "Partai Luring Dua")
        page.context.set_offline(False)
        page.reload()  # on load, the queue is sent
        wait_js(page, "window.zonasi.queue && window.zonasi.queue.waitingCount().then((n) => window.__n = n)"
                      " !== null && window.__n === 0")
        page.evaluate("window.zonasi.queue.sync()")  # and again, on demand: nothing new is stored
        assert len(reports_by(live, "Partai Luring Satu")) == 1
        assert len(reports_by(live, "Partai Luring Dua")) == 1
        stored = reports_by(live, "Partai Luring Dua")[0]
        assert stored["has_photo"] and stored["verdict_status"] == "violation"
        page.click("#zonasi-mine-button")
        page.locator(f"#zonasi-mine-list li[data-id='{stored['id']}']").wait_for()
        page.locator("#zonasi-queue-list li[data-state=sent]").first.wait_for()
        screenshot(page, "map-queue-sent-360")
    finally:
        page.context.close()


def test_a_new_app_version_keeps_the_reports_still_waiting(browser, live, monkeypatch):
    """The service worker updates (new shell cache, the old one deleted, the page claimed) while a
    report made offline still waits (the connection back, but the reports endpoint unreachable):
    the report, its key and its photo survive, and it is stored once when the endpoint answers."""
    page = signed_in_phone(browser, live, "Wulan")
    try:
        old = page.evaluate("caches.keys()")
        reload_offline(page)
        report_offline(page, "Partai Versi Baru")
        before = page.evaluate("window.zonasi.queue.list().then((l) => l.map((e) => ({key: e.key, state: e.state,"
                               " photo: e.photo ? e.photo.size : null})))")
        assert len(before) == 1 and before[0]["state"] == "waiting" and before[0]["photo"] > 0
        # the connection returns, the reports endpoint does not answer (a flaky link): still waiting
        blocked: list[str] = []

        def refuse(route):
            blocked.append(route.request.method)
            route.abort()

        page.route("**/api/reports", refuse)
        from webmap.pages import shell

        monkeypatch.setattr(shell, "shell_version", lambda static, files: "waiting-test-version")
        page.context.set_offline(False)
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        wait_js(page, "caches.keys().then((k) => window.__keys = k) && (window.__keys || [])"
                      ".join() === 'zonasi-shell-waiting-test-version'")
        assert not set(old) & set(page.evaluate("caches.keys()"))          # the old shell is gone
        page.evaluate("window.zonasi.queue.sync()")
        assert "POST" in blocked and reports_by(live, "Partai Versi Baru") == []
        after = page.evaluate("window.zonasi.queue.list().then((l) => l.map((e) => ({key: e.key, state: e.state,"
                              " photo: e.photo ? e.photo.size : null})))")
        assert after == before                                                # same key, same photo, waiting
        # a reload under the new worker, the endpoint back: sent once, and not again on demand
        page.unroute("**/api/reports", refuse)
        page.reload()
        wait_js(page, "window.zonasi.queue && window.zonasi.queue.waitingCount().then((n) => window.__n = n)"
                      " !== null && window.__n === 0")
        page.evaluate("window.zonasi.queue.sync()")
        stored = reports_by(live, "Partai Versi Baru")
        assert len(stored) == 1 and stored[0]["has_photo"]
        assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")
        assert page.js_errors == []
    finally:
        page.context.close()


def test_two_tabs_reconnecting_store_each_report_once(browser, live):
    """Two tabs of the map share the queue (one IndexedDB): both see the connection return and
    both sync, at once and again on demand; each report queued offline is stored once."""
    first = signed_in_phone(browser, live, "Sari")
    try:
        second = first.context.new_page()
        second.on("pageerror", lambda exc: first.js_errors.append(str(exc)))
        second.goto(live.url + "/")
        wait_js(second, "window.zonasi && window.zonasi.queue && window.zonasi.auth.checked")
        reload_offline(first)
        for n, participant in enumerate(("Partai Dua Tab A", "Partai Dua Tab B"), start=1):
            report_offline(first, participant)   # (the first's "queued" line may still show: count them)
            wait_js(first, f"window.zonasi.queue.waitingCount().then((n) => window.__n = n) && window.__n === {n}")
        assert second.evaluate("window.zonasi.queue.waitingCount()") == 2   # the other tab sees them
        first.context.set_offline(False)        # both tabs get "online" and sync
        for tab in (first, second):
            tab.evaluate("Promise.all([window.zonasi.queue.sync(), window.zonasi.queue.sync()])")
            assert tab.evaluate("window.zonasi.queue.waitingCount()") == 0
        assert len(reports_by(live, "Partai Dua Tab A")) == 1
        assert len(reports_by(live, "Partai Dua Tab B")) == 1
        states = first.evaluate("window.zonasi.queue.list().then((l) => l.map((e) => e.state))")
        assert states == ["sent", "sent"]
        assert first.js_errors == []
    finally:
        first.context.close()
