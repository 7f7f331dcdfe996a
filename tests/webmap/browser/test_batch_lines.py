"""The batch page numbers each row by its line in the uploaded file (issue #15, "Also found"):
after a blank line or a cell over two lines, the number is still the one a text editor shows."""
from __future__ import annotations

import pytest

from tests.geo.validation.test_line_numbers import CSV_TEXT, LINES

from .conftest import ARTIFACTS, DESKTOP, PHONE, new_page

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_batch_rows_are_numbered_by_the_files_own_lines(browser, live, viewport):
    page = new_page(browser, viewport=viewport)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        page.goto(f"{live.url}/batch")
        page.set_input_files("#batch-file", files=[{"name": "baris.csv", "mimeType": "text/csv",
                                                   "buffer": CSV_TEXT.encode()}])
        page.click("#batch-submit")
        page.locator("#batch-results").wait_for()
        rows = page.locator("#batch-table tbody tr")
        assert rows.count() == len(LINES)
        numbers = [rows.nth(i).locator("td").first.inner_text().strip() for i in range(rows.count())]
        assert numbers == [str(n) for n in LINES]
        invalid = rows.nth(3)
        assert invalid.get_attribute("data-status") == "invalid"
        assert "8" in invalid.locator("td").last.inner_text()  # the reason names the same line
        page.screenshot(path=str(ARTIFACTS / f"batch_lines_{viewport['width']}.png"), full_page=True)
        assert page.js_errors == []
    finally:
        page.context.close()
