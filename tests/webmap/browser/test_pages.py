"""The batch upload, violations and dashboard pages in Chromium."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import screenshot

pytestmark = pytest.mark.browser

CSV = ("id,lat,lon,note\n"
       "1,-6.33,108.32,dekat sekolah\n"
       "2,-6.335,108.31,bersih\n"
       "3,\"6°19'48\"\"S\",\"108°19'12\"\"E\",dms\n"
       "4,abc,108.3,salah\n")


def test_batch_upload_shows_counts_table_and_downloads(page, live, engine):
    page.goto(f"{live.url}/batch")
    page.set_input_files("#batch-file", files=[{"name": "titik.csv", "mimeType": "text/csv",
                                               "buffer": CSV.encode()}])
    page.click("#batch-submit")
    page.locator("#batch-results").wait_for()
    counts = {el.get_attribute("data-status"): el.get_attribute("data-count")
              for el in page.locator("#batch-counts [data-count]").all()}
    assert counts == {"violation": "2", "outside_period": "0", "ok": "0", "incomplete": "1", "outside_area": "0",
                      "invalid": "1"}
    rows = page.locator("#batch-table tbody tr")
    assert rows.count() == 4
    assert "SMAN 1 SINDANG" in rows.nth(0).inner_text()
    assert rows.nth(3).get_attribute("data-status") == "invalid"
    assert "abc" in rows.nth(3).inner_text()
    screenshot(page, "batch")
    with page.expect_download() as download:
        page.click("#batch-download-csv")
    text = Path(download.value.path()).read_text("utf-8")
    assert download.value.suggested_filename == "titik-hasil.csv"
    assert text.count("\n") == 5 and '"violation"' in text
    with page.expect_download() as download:
        page.click("#batch-download-geojson")
    collection = json.loads(Path(download.value.path()).read_text("utf-8"))
    assert len(collection["features"]) == 2
    assert page.js_errors == []


def test_batch_upload_of_a_non_csv_says_what_is_wrong(page, live):
    page.goto(f"{live.url}/batch")
    page.set_input_files("#batch-file", files=[{"name": "x.csv", "mimeType": "text/csv",
                                               "buffer": b"nama,alamat\nA,B\n"}])
    page.click("#batch-submit")
    status = page.locator("#batch-status.text-danger")
    status.wait_for()
    assert status.inner_text().startswith("Gagal:")
    assert page.locator("#batch-results").is_hidden()


@pytest.mark.parametrize("path", ["/batch", "/violations", "/dashboard"])
def test_pages_fit_a_360_px_phone(phone, live, path):
    phone.goto(f"{live.url}{path}")
    phone.wait_for_load_state("networkidle")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.locator(".navbar-toggler").is_visible()
    phone.click(".navbar-toggler")
    phone.locator("#nav-dashboard").wait_for()
    phone.locator(".navbar-collapse.show:not(.collapsing)").wait_for()
    screenshot(phone, "phone" + path.replace("/", "-"))
    assert phone.js_errors == []


def test_a_mistyped_address_is_a_page_with_the_way_back(page, phone, live):
    """A 404 in a browser: the app's page in its language (not raw JSON in tiny type), whose one
    button leads back to the map, at 360 and 1280 px."""
    for viewport, name in ((phone, "360"), (page, "1280")):
        answer = viewport.goto(f"{live.url}/laporan-saya")
        assert answer.status == 404
        assert viewport.locator("#error-page h1").inner_text() == "Tidak ditemukan"
        assert viewport.evaluate("document.documentElement.scrollWidth") <= viewport.viewport_size["width"]
        screenshot(viewport, f"error-404-{name}")
        viewport.click("#error-back")
        viewport.wait_for_url(f"{live.url}/")
        assert viewport.js_errors == []
