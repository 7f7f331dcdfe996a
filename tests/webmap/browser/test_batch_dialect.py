"""The batch page offers the results as CSV for Indonesian Excel (excel-id: ';', decimal commas, a
BOM, Indonesian headers and labels), the default (the primary button) in Indonesian, beside the
machine CSV and GeoJSON; the file downloaded is read back with Python's csv module."""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from .conftest import DESKTOP, PHONE, new_page, screenshot

pytestmark = pytest.mark.browser
REPORTS = b"nama,lat,lon\nA,-6.327,108.325\nB,abc,108.3\n"


def check(page, live, lang):
    page.goto(f"{live.url}/batch?lang={lang}")
    page.set_input_files("#batch-file", files=[{"name": "laporan.csv", "mimeType": "text/csv", "buffer": REPORTS}])
    page.click("#batch-submit")
    page.locator("#batch-results").wait_for()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_the_excel_download_is_the_default_in_indonesian(browser, live, viewport):
    page = new_page(browser, viewport=viewport, accept_downloads=True)
    try:
        check(page, live, "id")
        excel = page.locator("#batch-download-excel")
        assert excel.is_visible() and "btn-primary" in excel.get_attribute("class").split()
        assert excel.inner_text().strip() == "Unduh hasil (CSV untuk Excel)"
        assert "btn-primary" not in page.locator("#batch-download-csv").get_attribute("class").split()
        # first among the downloads
        first = page.evaluate("document.querySelector('#batch-download-excel').parentElement.firstElementChild.id")
        assert first == "batch-download-excel"
        excel.scroll_into_view_if_needed()
        screenshot(page, f"batch-dialect-id-{viewport['width']}")
        with page.expect_download() as caught:
            excel.click()
        download = caught.value
        assert download.suggested_filename == "laporan-hasil-excel.csv"
        body = Path(download.path()).read_bytes()
        assert body.startswith(b"\xef\xbb\xbf")
        ok, bad = csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
        assert ok["Status"] == "Belum dapat dipastikan" and bad["Status"] == "Tidak valid"
        assert ok["lat"] == "-6,327" and "," in ok["Jarak ke lokasi terdekat (m)"]
        assert bad["Baris"] == "3"
        # the table on the page is still read from the machine CSV
        assert page.locator("#batch-table tbody tr").count() == 2
        assert page.js_errors == []
    finally:
        page.context.close()


def test_in_english_the_excel_download_is_offered_not_preferred(browser, live):
    page = new_page(browser, viewport=DESKTOP, accept_downloads=True)
    try:
        check(page, live, "en")
        excel = page.locator("#batch-download-excel")
        assert excel.inner_text().strip() == "Download results (CSV for Excel)"
        assert "btn-outline-primary" in excel.get_attribute("class").split()
        with page.expect_download() as caught:
            page.locator("#batch-download-csv").click()
        body = Path(caught.value.path()).read_bytes()
        assert body.startswith(b'"nama","lat","lon","line","status"')       # the machine form
        screenshot(page, "batch-dialect-en-1280")
        assert page.js_errors == []
    finally:
        page.context.close()
