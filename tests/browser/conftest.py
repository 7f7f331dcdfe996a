"""Browser tests: the real app on a real server on a loopback port, driven by Debian's Chromium.

Every request to a host other than 127.0.0.1 is blocked in the page (no tile server, no CDN
matters). Screenshots go to ``tests/artifacts/``. Without Chromium the tests are skipped, except
in CI (``CI=true``), where a missing browser is a failure.
"""
from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from geo.config import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
VENDOR = Path(__file__).resolve().parents[2] / "webmap" / "static" / "vendor"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class LiveServer:
    """A Flask app served by werkzeug on a free loopback port, in a thread."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


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
    return Settings(instance_dir=tmp_path_factory.mktemp("browser") / "instance")


@pytest.fixture(scope="session")
def live(live_settings, engine):
    """The app on the bundled layers, served for the whole session."""
    from webmap import create_app

    with serve(create_app(live_settings, engine=engine)) as server:
        yield server


def _only_loopback(route):
    host = urlsplit(route.request.url).hostname
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def new_page(browser, viewport=None, **context_options):
    """A page under the app's real Content-Security-Policy (use :func:`wait_js`, not Playwright's
    wait_for_function, whose string predicates the CSP's lack of 'unsafe-eval' forbids)."""
    context = browser.new_context(viewport=viewport or DESKTOP, locale="id-ID", **context_options)
    context.route("**/*", _only_loopback)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    page.set_default_timeout(15_000)
    return page


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


def wait_js(page, expression: str, timeout: float = 15) -> None:
    """Wait until a JS expression is truthy, polling with page.evaluate (which the CSP allows)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"!!({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
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
