"""The real app on a loopback port and Chromium pages that reach nothing else, for the browser
tests (tests/browser/) and bench/map_page.py."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = "/usr/bin/chromium"   # Debian's Chromium, driven by Playwright
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# axe-core, vendored from npm by scripts/vendor_assets.py (make install); only the tests load it
AXE_JS = Path(__file__).resolve().parents[2] / "webmap" / "static" / "vendor" / "axe-core" / "axe.min.js"


class QuietHandler(WSGIRequestHandler):
    """werkzeug's request handler without a log line per request."""

    def log_request(self, *args, **kwargs):
        """Log nothing."""


class LiveServer:
    """A Flask app served by werkzeug on a free loopback port, in a thread (a context manager)."""

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, closing_app(app), threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()


def only_loopback(route):
    """A Playwright route handler: requests to 127.0.0.1 or localhost go on, all others are aborted."""
    host = urlsplit(route.request.url).hostname
    if host in ("127.0.0.1", "localhost"):
        route.continue_()
    else:
        route.abort()


def wait_js(page, expression: str, timeout: float = 15) -> None:
    """Wait until a JS expression is truthy, polling with page.evaluate (which the CSP allows)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"!!({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(50)


def closing_app(app):
    """``app`` with every response closed as soon as its last chunk is taken. Werkzeug's server
    closes a response only after draining the connection, and a browser that went away (a test
    closing its page while the service worker still fetches the app shell) makes that drain raise
    first: the file being sent stayed open, an unraisable ResourceWarning that failed a random test."""
    def wrapped(environ, start_response):
        inner = app(environ, start_response)

        def body():
            try:
                yield from inner
            finally:
                close = getattr(inner, "close", None)
                if close is not None:
                    close()
        return body()
    return wrapped


def axe_violations(page, impacts: Iterable[str] = ("serious", "critical"), *,
                   disable: Iterable[str] = ()) -> list[dict]:
    """Run axe-core on the page as it is now and return the violations of the given impacts, each
    ``{"id", "impact", "help", "nodes": [{"target", "html", "summary"}]}`` (an empty list means none).

    axe is evaluated through the DevTools protocol, so the app's Content-Security-Policy does not
    stop it; ``disable`` names axe rules to skip (say why where you use it). Assert on the result
    with a message that shows it, e.g. ``assert not found, format_violations(found)``.

    The page is judged once its running transitions and animations have ended (a button whose
    class just changed fades between its colours for 150 ms, and axe would measure the contrast
    of a colour in between); ones that never end (infinite spinners) are not waited for."""
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(AXE_JS.read_text("utf-8") + "\n;0")
    wanted = list(impacts)
    return page.evaluate(
        """async ([wanted, disabled]) => {
            const ending = document.getAnimations()
                .filter((a) => a.effect && a.effect.getComputedTiming().endTime !== Infinity);
            await Promise.all(ending.map((a) => a.finished.catch(() => null)));
            const rules = Object.fromEntries(disabled.map((id) => [id, {enabled: false}]));
            const result = await window.axe.run(document, {resultTypes: ["violations"], rules});
            return result.violations.filter((v) => wanted.includes(v.impact)).map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => ({target: n.target, html: n.html, summary: n.failureSummary})),
            }));
        }""", [wanted, list(disable)])


def format_violations(violations: list[dict]) -> str:
    """axe violations as readable lines, for an assertion message."""
    lines = []
    for v in violations:
        lines.append(f"{v['impact']}: {v['id']} ({v['help']})")
        lines.extend(f"    {n['target']}: {n['summary']}" for n in v["nodes"][:5])
    return "\n".join(lines)
