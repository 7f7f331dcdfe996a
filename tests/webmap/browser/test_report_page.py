"""A report's page (#19): the verdict stored when it was reported (status words, site, distance,
rule, legal basis, versions), its later re-judgements, its history (who, when, from -> to, note),
its photos and its own spot on a map; the violations list's "Peta" leads there instead of a fresh
check under today's rules. At 360 and 1280 px, in Indonesian and English, without a serious or
critical axe-core issue."""
from __future__ import annotations

import io

import pytest

from tests.webmap.test_report_page_api import rejudge
from zonasi.testing.browser import axe_violations, format_violations, wait_js
from zonasi.testing.reports import VIOLATION, photo, report

from .conftest import DESKTOP, PHONE, app_with_tokens, new_page, screenshot, serve

pytestmark = pytest.mark.browser
REMOVAL_PHOTO = "triage.removal_photo_file"


@pytest.fixture(scope="module")
def casework(tmp_path_factory, engine):
    """A server with one report walked through the workflow: submitted with a photo by a field
    officer, verified with a note, notified by a warning letter, removed with an after-photo (where the server takes
    one), and judged again under newer versions."""
    app, store, tokens, client = app_with_tokens(tmp_path_factory, engine, "report-page", {
        "field": "Ani", "bawaslu": "Budi", "satpolpp": "Citra", "admin": "Dewi"})

    def h(role):
        return {"Authorization": f"Bearer {tokens[role]}"}

    form = {**{k: str(v) for k, v in report().items()},
            "photo": (io.BytesIO(photo(lonlat=VIOLATION, size=(64, 48))), "IMG_1.jpg", "image/jpeg")}
    submitted = client.post("/api/reports", data=form, headers=h("field"), content_type="multipart/form-data")
    assert submitted.status_code == 201, submitted.json
    rid = submitted.json["id"]
    moved = client.post(f"/api/reports/{rid}/transitions", json={"status": "verified",
                        "note": "Dicek di lapangan: baliho 3 x 4 m"}, headers=h("bawaslu"))
    assert moved.status_code == 200, moved.json
    # notified by a numbered warning letter (its number in the history)
    letter = client.post("/api/letters", json={"participant": "Partai Contoh", "regency": "32.12", "ids": [rid]},
                         headers=h("bawaslu"))
    assert letter.status_code == 201, letter.json
    removal = REMOVAL_PHOTO in app.view_functions
    if removal:
        moved = client.post(f"/api/reports/{rid}/transitions", headers=h("satpolpp"), content_type="multipart/form-data",
                            data={"status": "removed", "storage_location": "Kantor Kecamatan Sindang",
                                  "photo": (io.BytesIO(photo(size=(48, 64))), "after.jpg", "image/jpeg")})
        assert moved.status_code == 200, moved.json
    rejudge(store, rid)
    with serve(app) as server:
        server.tokens, server.report_id, server.removal = tokens, rid, removal
        server.letter = letter.json["number"]
        yield server
    store.dispose()


def open_report(browser, server, viewport=DESKTOP, lang="id", role="bawaslu", report_id=None):
    page = new_page(browser, viewport=viewport, token=server.tokens[role] if role else None)
    page.goto(f"{server.url}/reports/{report_id or server.report_id}?lang={lang}")
    return page


def loaded(page):
    wait_js(page, "document.getElementById('report-body').dataset.loaded === 'true'")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_the_stored_verdict_history_photos_and_map(browser, casework, viewport):
    page = open_report(browser, casework, viewport)
    try:
        loaded(page)
        verdict = page.locator("#report-verdict")
        assert verdict.locator(".zonasi-status-badge").inner_text() == "Terlarang"
        facts = page.locator("#report-verdict-facts").inner_text()
        assert "SMAN 1 SINDANG (Tempat pendidikan)" in facts and "11,1 m" in facts
        assert "Lokasi terlarang\n" in facts + "\n" and "terdekat" not in facts   # in range: the forbidden site
        assert "Tempat pendidikan: dilarang dalam 50 m" in facts
        assert "PKPU 15/2023 Pasal 71 ayat (1)" in facts
        assert casework.app.extensions["zonasi"].engine.rules_version in facts
        assert casework.app.extensions["zonasi"].engine.layers_version in facts
        assert "10 Januari 2024" in page.locator("#report-verdict-lines").inner_text()
        assert "10 Januari 2024 (WIB)" in facts
        # the later judgement beside it, not over it
        later = page.locator("#report-later-list > li")
        assert later.count() == 1 and later.first.get_attribute("data-status") == "ok"
        assert "r2" in later.first.inner_text() and "putusan berubah" in later.first.inner_text()
        # the history: who, when, from -> to, the note
        history = page.locator("#report-history > li")
        moves = [history.nth(i).get_attribute("data-to") for i in range(history.count())]
        assert moves[:3] == ["reported", "verified", "notified"]
        verified = history.nth(1).inner_text()
        assert "Dilaporkan → Terverifikasi" in verified and "Budi" in verified and "Bawaslu" in verified
        assert "Dicek di lapangan: baliho 3 x 4 m" in verified
        assert "2026" in verified or "20" in verified     # a date and time in the regency's zone
        assert "WIB" in verified
        assert f"Surat {casework.letter}" in history.nth(2).inner_text()     # notified by a numbered letter
        assert casework.letter in page.locator("#report-facts").inner_text()
        # the photo of the report, fetched with the token and shown
        wait_js(page, "document.querySelector('#report-photo img') && document.querySelector('#report-photo img').naturalWidth > 0")
        assert page.locator("#report-photo img").evaluate("i => i.naturalWidth") == 64
        if casework.removal:
            assert moves[3] == "removed"
            wait_js(page, "document.querySelector('#report-removal-photo img') && "
                          "document.querySelector('#report-removal-photo img').naturalWidth > 0")
            assert page.locator("#report-removal-photo img").evaluate("i => i.naturalWidth") == 48
            assert "Kantor Kecamatan Sindang" in page.locator("#report-facts").inner_text()
            assert "Kantor Kecamatan Sindang" in history.nth(3).inner_text()
        # its own spot on the map: the stored report, not a check of today
        assert page.locator("#report-map").get_attribute("data-lat") == str(VIOLATION[1])
        assert page.locator("#report-map").get_attribute("data-lon") == str(VIOLATION[0])
        assert page.locator("#report-map .leaflet-interactive").count() >= 2    # the report and its accuracy
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        screenshot(page, f"report_{viewport['width']}", full_page=True)
        assert page.js_errors == []
    finally:
        page.context.close()


def test_without_a_token_it_asks_for_one_and_an_unknown_report_says_so(browser, casework):
    page = open_report(browser, casework, role=None)
    try:
        page.locator("#report-login").wait_for()
        assert page.locator("#report-body").is_hidden()
    finally:
        page.context.close()
    page = open_report(browser, casework, report_id="00000000-0000-0000-0000-000000000000")
    try:
        status = page.locator("#report-status.text-danger")
        status.wait_for()
        assert status.inner_text().startswith("Gagal:") and "00000000" in status.inner_text()
        assert page.locator("#report-body").is_hidden()
    finally:
        page.context.close()


@pytest.mark.parametrize("role", ["field", "satpolpp"])
def test_other_roles_see_what_the_api_lets_them_see(browser, casework, role):
    client = casework.app.test_client()
    answer = client.get(f"/api/reports/{casework.report_id}",
                        headers={"Authorization": f"Bearer {casework.tokens[role]}"})
    page = open_report(browser, casework, role=role)
    try:
        if answer.status_code == 200:
            loaded(page)
            assert page.locator("#report-verdict .zonasi-status-badge").inner_text() == "Terlarang"
            assert ("Ani (Panwascam Sindang)" in page.locator("#report-facts").inner_text()) == ("reporter" in answer.json)
        else:
            page.locator("#report-status.text-danger").wait_for()
            assert page.locator("#report-body").is_hidden()
    finally:
        page.context.close()


def test_the_violations_list_leads_to_the_reports_page(browser, casework):
    page = new_page(browser, token=casework.tokens["bawaslu"])
    try:
        page.goto(f"{casework.url}/violations?status=")
        link = page.locator(f"tr[data-id='{casework.report_id}'] a.zonasi-report-link")
        link.wait_for()
        assert link.get_attribute("href") == f"/reports/{casework.report_id}"
        link.click()
        page.wait_for_url(f"**/reports/{casework.report_id}")
        loaded(page)
    finally:
        page.context.close()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_serious_accessibility_issue(browser, casework, lang):
    """At 360 px, then the same page at 1280 px (one load: the width is a CSS matter)."""
    page = open_report(browser, casework, PHONE, lang)
    try:
        loaded(page)
        wait_js(page, "document.querySelector('#report-photo img') && document.querySelector('#report-photo img').complete")
        if lang == "en":
            assert page.locator("#report-verdict .zonasi-status-badge").inner_text() == "Forbidden"
            assert "Verdict when reported" in page.locator("h2#report-verdict-title").inner_text()
            assert "Educational facility: forbidden within 50 m" in page.locator("#report-verdict-facts").inner_text()
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            found = axe_violations(page)
            assert not found, (viewport["width"], format_violations(found))
            screenshot(page, f"report_{lang}_{viewport['width']}", full_page=True)
    finally:
        page.context.close()
