"""The batch page takes an Excel workbook as it is (#18): the sheet field appears for it, the
results come back numbered by the sheet's rows, the template link downloads a workbook."""
from __future__ import annotations

import pytest

from tests.geo.validation.sheets import rows, xlsx_bytes

from .conftest import ARTIFACTS, DESKTOP, PHONE, new_page

pytestmark = pytest.mark.browser
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_an_xlsx_upload_shows_its_results(browser, live, layers, viewport):
    point = layers.sites[layers.sites["category"] == "school"].iloc[0].geometry.representative_point()
    book = xlsx_bytes({"Catatan": [["x", 1, 2, None, "a sheet before the reports"]],
                       "Laporan": rows(point)})
    page = new_page(browser, viewport=viewport)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(f"{live.url}/batch")
        assert page.locator("#batch-sheet-field").is_hidden()
        assert ".xlsx" in page.locator("#batch-file").get_attribute("accept")
        assert page.locator("#batch-template").get_attribute("href") == "/api/validate/template.xlsx"
        page.set_input_files("#batch-file", files=[{"name": "laporan.xlsx", "mimeType": XLSX, "buffer": book}])
        page.locator("#batch-sheet-field").wait_for()
        page.fill("#batch-sheet", "Laporan")
        page.click("#batch-submit")
        page.locator("#batch-results").wait_for()
        table = page.locator("#batch-table tbody tr")
        assert table.count() == 10
        numbers = [table.nth(i).locator("td").first.inner_text().strip() for i in range(table.count())]
        assert numbers == ["2", "3", "4", "5", "6", "8", "9", "10", "11", "12"]  # the sheet's rows; 7 is blank
        assert table.nth(0).get_attribute("data-status") == "violation"
        assert table.nth(5).get_attribute("data-status") == "invalid"
        assert "8" in table.nth(5).locator("td").last.inner_text()  # the reason names row 8 too
        assert page.locator('[data-status="rows"] strong').inner_text() == "10"
        page.screenshot(path=str(ARTIFACTS / f"batch_xlsx_{viewport['width']}.png"), full_page=True)
        with page.expect_download() as download:
            page.click("#batch-template")
        assert download.value.suggested_filename == "templat-laporan-apk.xlsx"
        assert page.js_errors == []
    finally:
        page.context.close()
