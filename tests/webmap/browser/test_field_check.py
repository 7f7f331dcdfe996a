"""The violations page's list "Perlu dicek di lapangan": reports whose current verdict is
incomplete, with their count and what data are missing, at 360 px and 1280 px."""
from __future__ import annotations

import pytest

from geo import Engine, load_layers
from geo.config import Settings
from zonasi.testing.browser import wait_js

from ..test_field_check_api import _at, _layers, _submit
from .conftest import DESKTOP, PHONE, new_page, screenshot, serve

pytestmark = pytest.mark.browser


@pytest.fixture()
def field_live(tmp_path):
    from webmap import create_app

    directory, settings = _layers(tmp_path, f"sqlite:///{tmp_path / 'zonasi.db'}", complete=False)
    app = create_app(Settings(instance_dir=settings.instance_dir, layers_dir=directory,
                              database_url=settings.database_url), engine=Engine(load_layers(directory)))
    store = app.extensions["zonasi"].store
    ids = {"violation": _submit(store, _at(30)), "incomplete": _submit(store, _at(0, 300)),
           "incomplete2": _submit(store, _at(200, -250))}
    ids["public"] = store.submit({"apk_type": "spanduk", "lon": _at(10)[0], "lat": _at(10)[1],
                                 "reported_at": "2024-01-05T08:00:00Z"}, public=True).report["id"]
    with serve(app) as server:
        yield server, store.tokens.create("bawaslu", "Budi"), ids


@pytest.mark.parametrize("viewport,name", [(PHONE, "phone"), (DESKTOP, "desktop")])
def test_field_check_list(browser, field_live, viewport, name):
    server, token, ids = field_live
    page = new_page(browser, viewport=viewport, is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
    try:
        page.goto(f"{server.url}/violations")
        page.click("#violations-login-button")     # the page's own button: at 360 px the navbar is folded
        page.fill("#zonasi-token", token)
        page.click("#zonasi-login-submit")
        page.locator("#zonasi-login").wait_for(state="hidden")
        page.locator(f"#violations-table tbody tr[data-id='{ids['violation']}']").wait_for()
        options = page.locator("#filter-list option")
        assert options.all_inner_texts() == ["Pelanggaran (1)", "Perlu dicek di lapangan (2)",
                                             "Belum diverifikasi (1)"]
        assert page.locator("#violations-intro").is_hidden()

        page.select_option("#filter-list", "field_check")
        page.locator(f"#violations-table tbody tr[data-id='{ids['incomplete']}']").wait_for()
        wait_js(page, "document.querySelectorAll('#violations-table tbody tr').length === 2")
        rows = page.locator("#violations-table tbody tr")
        assert sorted(rows.evaluate_all("rs => rs.map(r => r.dataset.verdict)")) == ["incomplete", "incomplete"]
        reason = rows.first.inner_text()
        assert "Belum dapat dipastikan" in reason and "periksa di lapangan" in reason
        # the categories' labels (in the sentence, lower case), not their keys
        assert "tidak ada data tempat ibadah, fasilitas kesehatan, tempat pendidikan" in reason, reason
        assert "place_of_worship" not in reason
        assert page.locator("#violations-intro").is_visible()
        assert page.locator("#violations-count").inner_text() == "2 laporan"
        # at 360 px the filters stack and nothing runs off the page sideways
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], width
        screenshot(page, f"violations-field-check-{name}")
        rows.first.scroll_into_view_if_needed()     # the page scrolls inside its main pane
        screenshot(page, f"violations-field-check-{name}-rows")
        # the public's report, in no list but "to verify": Bawaslu finds it there with its actions
        page.select_option("#filter-list", "to_verify")
        row = page.locator(f"#violations-table tbody tr[data-id='{ids['public']}']")
        row.wait_for()
        wait_js(page, "document.querySelectorAll('#violations-table tbody tr').length === 1")
        assert row.get_attribute("data-status") == "unverified"
        screenshot(page, f"violations-to-verify-{name}")
        assert page.js_errors == []
    finally:
        page.context.close()
