"""Browser tests: the real app on a real server on a loopback port, driven by Debian's Chromium.

Every request to a host other than 127.0.0.1 is blocked in the page (no tile server, no CDN
matters). Screenshots go to ``tests/artifacts/``. Without Chromium the tests are skipped, except
in CI (``CI=true``), where a missing browser is a failure.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import settings_for_tests
from zonasi.testing.browser import CHROMIUM, CHROMIUM_ARGS, LiveServer, only_loopback, wait_js

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
VENDOR = Path(__file__).resolve().parents[3] / "webmap" / "static" / "vendor"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


def serve(app):
    return LiveServer(app)


@pytest.fixture(scope="session")
def browser():
    missing = [p for p, ok in ((CHROMIUM, Path(CHROMIUM).exists()),
                               ("webmap/static/vendor (make install)", (VENDOR / "MANIFEST.json").exists()))
               if not ok]
    if missing:
        message = f"browser tests need {', '.join(missing)}"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def live_settings(tmp_path_factory):
    return settings_for_tests(instance_dir=tmp_path_factory.mktemp("browser") / "instance")  # the suite's clock


@pytest.fixture(scope="session")
def live(live_settings, engine):
    """The app on the bundled layers, served for the whole session."""
    from webmap import create_app

    with serve(create_app(live_settings, engine=engine)) as server:
        yield server


def app_with_tokens(tmp_path_factory, engine, name: str, people: dict[str, str]):
    """An app on the bundled layers and the suite's clock, on an instance of its own, with a token
    for each role of ``people`` (role -> the token's name): (app, store, tokens by role, test
    client). The caller disposes of the store."""
    from webmap import create_app

    app = create_app(settings_for_tests(instance_dir=tmp_path_factory.mktemp(name) / "instance"), engine=engine)
    store = app.extensions["zonasi"].store
    tokens = {role: store.tokens.create(role, who) for role, who in people.items()}
    return app, store, tokens, app.test_client()


def new_page(browser, viewport=None, token: str | None = None, **context_options):
    """A page under the app's real Content-Security-Policy (use :func:`wait_js`, not Playwright's
    wait_for_function, whose string predicates the CSP's lack of 'unsafe-eval' forbids); with
    ``token``, signed in with it (in localStorage before any page script runs)."""
    context = browser.new_context(viewport=viewport or DESKTOP, locale="id-ID", **context_options)
    context.route("**/*", only_loopback)
    page = context.new_page()
    if token:
        page.add_init_script(f"localStorage.setItem('zonasi.token', {token!r})")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    page.set_default_timeout(15_000)
    return page


def new_phone_page(browser, **context_options):
    """A :func:`new_page` 360 px wide, as a phone (mobile, touch)."""
    return new_page(browser, PHONE, is_mobile=True, has_touch=True, **context_options)


def page_at(browser, viewport, **context_options):
    """A :func:`new_page` of ``viewport``: a phone (:func:`new_phone_page`) when it is PHONE."""
    if viewport is PHONE:
        return new_phone_page(browser, **context_options)
    return new_page(browser, viewport, **context_options)


@pytest.fixture()
def page(browser):
    page = new_page(browser)
    yield page
    page.context.close()


@pytest.fixture()
def phone(browser):
    page = new_page(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    yield page
    page.context.close()


def resize(page, viewport: dict) -> None:
    """Set the page's viewport and wait until the map has drawn for the new size: Leaflet redraws
    its canvas and SVG layers 200 ms after a window resize (a debounced ``moveend``), and a
    screenshot taken sooner shows them cut to the old size."""
    page.set_viewport_size(viewport)
    wait_js(page, """(() => { const map = window.zonasiMap; if (!map) return true;
        const box = map.getContainer().getBoundingClientRect();
        return [...map.getContainer().querySelectorAll('.leaflet-pane > canvas, .leaflet-pane > svg')].every((e) => {
            const r = e.getBoundingClientRect(); return r.left <= box.left + 1 && r.right >= box.right - 1; }); })()""")


def screenshot(page, name: str, full_page: bool = False) -> Path:
    """The page (``full_page``: all of it, not only the viewport) as tests/artifacts/NAME.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@pytest.fixture()
def copy_layers(tmp_path):
    """A writable copy of the bundled layers directory."""
    from geo.layers.directory import bundled_layers_dir

    def make() -> Path:
        target = tmp_path / "layers"
        shutil.copytree(bundled_layers_dir(), target, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
        return target

    return make
