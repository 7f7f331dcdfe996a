"""The violations page's casework (#19) in Chromium at 360 px and 1280 px against the real APIs:
bulk moves by hand and by "all matching the filter" with per-report results, a warning letter for
one participant and regency (number, deadline, PDF), Satpol PP's route of the day (numbered list,
GPX) and a removal with its after-photo and storage place."""
from __future__ import annotations

from pathlib import Path

import pytest

from zonasi.testing.browser import axe_violations, format_violations, wait_js

from .conftest import DESKTOP, PHONE, screenshot
from .test_reports import png_bytes
from .test_violations_cards import TWIN, open_page, serve_site, wait_rows

pytestmark = pytest.mark.browser


@pytest.fixture()
def site(tmp_path, engine):
    yield from serve_site(tmp_path, engine)

VIEWS = [(PHONE, "phone"), (DESKTOP, "desktop")]
NEAR = (-6.33001, 108.32001)


def open_bulk(page) -> None:
    """The bulk panel is folded on phones until a report is picked."""
    details = page.locator("#violations-bulk-details")
    if details.get_attribute("open") is None:
        details.locator("summary").click()


def no_axe_issue(page, label):
    found = axe_violations(page)
    assert not found, f"{label}:\n{format_violations(found)}"


@pytest.mark.parametrize("viewport,name", VIEWS)
def test_bulk_moves_by_hand_and_all_matching(browser, site, viewport, name):
    ids = [site.report(), site.report(at=TWIN), site.report(at=NEAR, participant="Partai Y")]
    page = open_page(browser, site, "bawaslu", viewport)
    try:
        wait_rows(page, 3)
        for report_id in ids[:2]:
            page.locator(f"tr[data-id='{report_id}'] .zonasi-v-pick-box").check()
        assert page.locator("#violations-selected").inner_text() == "2 dipilih"
        assert page.locator("#violations-bulk-details").get_attribute("open") is not None
        page.select_option("#violations-bulk-status", "verified")
        page.fill("#violations-bulk-note", "dicek bersama")
        page.click("#violations-bulk-apply")
        results = page.locator("#violations-bulk-results li")
        wait_js(page, "document.querySelectorAll('#violations-bulk-results li').length === 2")
        assert results.evaluate_all("ls => ls.map(l => l.dataset.ok)") == ["true", "true"]
        assert page.locator("#violations-bulk-status-line").inner_text() == "2 berhasil, 0 gagal"
        assert [site.store.get_report(i)["status"] for i in ids] == ["verified", "verified", "reported"]
        assert site.store.history(ids[0])[-1]["note"] == "dicek bersama"

        # all matching the filter: the third moves, the two verified ones are refused one by one
        page.check("#violations-select-matching")
        assert page.locator("#violations-selected").inner_text() == "3 dipilih"
        page.select_option("#violations-bulk-status", "verified")
        page.click("#violations-bulk-apply")
        wait_js(page, "document.querySelectorAll('#violations-bulk-results li').length === 3"
                      " && document.getElementById('violations-bulk-status-line').textContent.includes('gagal')")
        by_id = dict(zip(results.evaluate_all("ls => ls.map(l => l.dataset.id)"),
                         results.all_inner_texts(), strict=True))
        assert by_id[ids[2]] == f"{ids[2][:8]}: Terverifikasi"
        for refused in ids[:2]:
            assert by_id[refused].startswith(refused[:8] + ": ") and len(by_id[refused]) > 12, by_id
        assert page.locator("#violations-bulk-status-line").inner_text() == "1 berhasil, 2 gagal"
        assert site.store.get_report(ids[2])["status"] == "verified"
        # a dismissal in bulk names its reason
        page.select_option("#violations-bulk-status", "dismissed")
        assert page.locator("#violations-bulk-reason").is_visible()
        no_axe_issue(page, f"bulk {name}")
        screenshot(page, f"violations-bulk-{name}")
        assert page.js_errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport,name", VIEWS)
def test_a_warning_letter_for_one_participant(browser, site, viewport, name):
    ids = [site.report(), site.report(at=TWIN)]
    other = site.report(at=NEAR, participant="Partai Y")
    for report_id in [*ids, other]:
        site.move(report_id, "verified")
    page = open_page(browser, site, "bawaslu", viewport)
    try:
        wait_rows(page, 3)
        open_bulk(page)
        # two participants: refused on the page, nothing sent
        page.check("#violations-select-matching")
        page.click("#violations-letter")
        assert "satu peserta" in page.locator("#violations-bulk-status-line").inner_text()
        page.uncheck("#violations-select-matching")
        for report_id in ids:
            page.locator(f"tr[data-id='{report_id}'] .zonasi-v-pick-box").check()
        page.click("#violations-letter")
        result = page.locator("#violations-letter-result")
        result.wait_for()
        number = result.get_attribute("data-number")
        text = page.locator("#violations-letter-text").inner_text()
        assert text.startswith(f"Surat {number} dibuat untuk 2 laporan; batas waktu ")
        assert [site.store.get_report(i)["status"] for i in ids] == ["notified", "notified"]
        assert site.store.get_report(other)["status"] == "verified"
        with page.expect_download() as download:
            page.click("#violations-letter-pdf")
        assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
        no_axe_issue(page, f"letter {name}")
        screenshot(page, f"violations-letter-{name}")
        assert page.js_errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport,name", VIEWS)
def test_satpol_route_of_the_day_and_removal_with_proof(browser, site, viewport, name):
    ids = [site.report(), site.report(at=NEAR, participant="Partai Y")]
    for report_id in ids:
        site.move(report_id, "verified")
        site.move(report_id, "notified")
    page = open_page(browser, site, "satpolpp", viewport)
    try:
        wait_rows(page, 2)
        assert page.locator("#violations-bulk").is_hidden()     # Bawaslu's tools
        assert page.locator(".zonasi-v-pick-box").first.is_hidden()   # and no boxes to pick rows for them
        page.click("#violations-route-show")
        assert "kabupaten/kota" in page.locator("#violations-route-status").inner_text()
        page.fill("#filter-regency", "32.12")
        page.click("#violations-filter button[type=submit]")
        page.click("#violations-route-show")
        wait_js(page, "document.querySelectorAll('#violations-route-list li').length === 2")
        assert sorted(page.locator("#violations-route-list li").evaluate_all("ls => ls.map(l => l.dataset.id)")) \
            == sorted(ids)
        assert page.locator("#violations-route-status").inner_text().startswith("2 lokasi, ")
        href = page.locator("[data-route=gpx]").get_attribute("href")
        assert "regency=32.12" in href and "status=notified" in href
        with page.expect_download() as download:
            page.click("[data-route=gpx]")
        assert "<gpx" in Path(download.value.path()).read_text("utf-8")

        # the removal: the after-photo (the camera on a phone) and where the prop is kept
        page.locator(f"[data-report='{ids[0]}'][data-to=removed]").click()
        page.locator("#violations-move").wait_for()
        assert page.locator("#violations-removal-photo").get_attribute("capture") == "environment"
        page.click("#violations-move-submit")
        assert page.locator("#violations-move-error").inner_text() == "Ambil foto sesudah APK dicopot."
        page.set_input_files("#violations-removal-photo", files=[{"name": "after.png", "mimeType": "image/png",
                                                                   "buffer": png_bytes()}])
        assert page.locator("#violations-move-error").inner_text() == ""    # the photo is there now
        page.fill("#violations-storage", "Kantor Kecamatan Sindang")
        no_axe_issue(page, f"removal dialog {name}")
        screenshot(page, f"violations-removal-{name}")
        page.click("#violations-move-submit")
        page.locator("#violations-move").wait_for(state="hidden")
        page.locator(f"tr[data-id='{ids[0]}'][data-status=removed]").wait_for()
        report = site.store.get_report(ids[0])
        assert report["status"] == "removed" and report["storage_location"] == "Kantor Kecamatan Sindang"
        assert page.js_errors == []
    finally:
        page.context.close()
