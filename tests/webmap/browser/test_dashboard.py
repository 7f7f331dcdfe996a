"""The dashboard (#18): whole-number axes (never half a report), every label whole ("Peserta diberi
tahu"), the overdue count, the counts per campaign participant when /api/stats has them, and no
serious or critical axe-core issue at 360 and 1280 px in Indonesian and English."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from geo.store.models import Report
from zonasi.testing.browser import axe_violations, format_violations, wait_js
from zonasi.testing.reports import report

from .conftest import DESKTOP, PHONE, app_with_tokens, new_page, screenshot, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def board(tmp_path_factory, engine):
    """A server with reports of its own: one reported, two notified (one past its deadline)."""
    app, store, tokens, client = app_with_tokens(tmp_path_factory, engine, "dashboard", {"admin": "Dewi"})
    admin = tokens["admin"]
    headers = {"Authorization": f"Bearer {admin}"}
    ids = [client.post("/api/reports", json=report(participant=p, apk_type=kind), headers=headers).json["id"]
           for p, kind in (("Partai Contoh", "baliho"), ("Partai Contoh", "spanduk"), ("Paslon 02", "baliho"))]
    for rid in ids[1:]:
        for status in ("verified", "notified"):
            assert client.post(f"/api/reports/{rid}/transitions", json={"status": status}, headers=headers).status_code == 200
    with store.db.begin() as connection:
        connection.execute(sa.update(Report).where(Report.id == ids[2])
                           .values(deadline=dt.datetime(2000, 1, 1, tzinfo=dt.UTC)))
    with serve(app) as server:
        server.admin = admin
        server.stats = client.get("/api/stats", headers=headers).json
        yield server
    store.dispose()


def open_dashboard(browser, board, viewport, lang):
    page = new_page(browser, viewport=viewport, token=board.admin)
    page.goto(f"{board.url}/dashboard?lang={lang}")
    page.locator("#dashboard-reports").wait_for()
    wait_js(page, "document.getElementById('chart-report-status').hasAttribute('data-counts')")
    return page


def chart(page, canvas_id: str) -> dict:
    return page.evaluate("""(id) => {
        const c = Chart.getChart(document.getElementById(id));
        return {ticks: c.scales.x.ticks.map((t) => t.value), labels: c.data.labels,
                shown: c.scales.y.ticks.map((t) => t.label), yLeft: c.scales.y.left, type: c.config.type};
    }""", canvas_id)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["360", "1280"])
def test_whole_number_axes_whole_labels_and_the_overdue_count(browser, board, viewport):
    page = open_dashboard(browser, board, viewport, "id")
    try:
        for canvas in ("chart-report-status", "chart-report-type", "chart-report-category", "chart-site-category"):
            drawn = chart(page, canvas)
            assert drawn["type"] == "bar"
            assert drawn["ticks"] and all(float(v).is_integer() for v in drawn["ticks"]), (canvas, drawn["ticks"])
            assert len(drawn["shown"]) == len(drawn["labels"])        # no label skipped
            assert drawn["yLeft"] >= 0                                # nor pushed off the canvas
        status = chart(page, "chart-report-status")
        lines = [" ".join(label) if isinstance(label, list) else label for label in status["labels"]]
        assert "Peserta diberi tahu" in lines
        # the counts in words for a screen reader
        assert "Peserta diberi tahu: 2" in page.locator("#chart-report-status").get_attribute("aria-label")
        overdue = page.locator("#dashboard-overdue")
        assert overdue.is_visible() and overdue.get_attribute("data-count") == "1"
        assert overdue.locator("strong").inner_text() == "1"
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        participants = board.stats.get("participants", board.stats["reports"].get("participants"))
        table = page.locator("#dashboard-participants")
        if participants is None:    # /api/stats without per-participant counts: no empty table
            assert table.is_hidden()
        else:
            rows = page.locator("#table-participants tbody tr")
            assert rows.count() == len(participants)
            contoh = page.locator("#table-participants tr[data-participant='Partai Contoh'] td")
            assert [contoh.nth(i).inner_text() for i in range(5)] == ["Partai Contoh", "2", "0", "0", "0"]
            paslon = page.locator("#table-participants tr[data-participant='Paslon 02'] td")
            assert paslon.nth(4).inner_text() == "1"
        screenshot(page, f"dashboard_{viewport['width']}", full_page=True)
        assert page.js_errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_serious_accessibility_issue(browser, board, lang):
    """At 360 px, then the same page at 1280 px (one load: the width is a CSS matter)."""
    page = open_dashboard(browser, board, PHONE, lang)
    try:
        for viewport in (PHONE, DESKTOP):
            page.set_viewport_size(viewport)
            found = axe_violations(page)
            assert not found, (viewport["width"], format_violations(found))
            screenshot(page, f"dashboard_{lang}_{viewport['width']}", full_page=True)
    finally:
        page.context.close()
