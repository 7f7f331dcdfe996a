"""Security headers on every response, and the Content-Security-Policy nonce for inline scripts.

Every response (pages, API, errors, static files) carries:

* ``Content-Security-Policy``: scripts only from this server or inline ``<script>`` elements that
  carry this response's nonce (``{{ csp_nonce() }}`` in templates; ``|nonced`` adds it to the
  inline scripts of trusted server-made HTML such as Folium's); no plugins, no framing, forms and
  ``fetch`` only to this server; images from this server and the OpenStreetMap tile server.
  Injected markup therefore cannot run script even if it got into a page: an injected
  ``<script>`` has no nonce and inline event handlers (``onerror=``) are not allowed.
* ``X-Content-Type-Options: nosniff``, ``Referrer-Policy: strict-origin-when-cross-origin``,
  ``X-Frame-Options: DENY`` (with ``frame-ancestors 'none'``), ``Permissions-Policy`` (geolocation
  for this origin only: the map's "my location"; camera for the report photo; nothing else),
  ``Cross-Origin-Opener-Policy: same-origin``.

CSRF: the pages call the JSON API with ``Authorization: Bearer`` tokens kept in the browser's
localStorage; no endpoint authenticates by cookie (the only cookie is the page language), so a
forged cross-site request carries no credentials (see docs/reliability.md).
"""
from __future__ import annotations

import re
import secrets

from flask import Flask, current_app, g, request
from flask.json.provider import DefaultJSONProvider
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

# Tiles of the base layer (folium's "OpenStreetMap" TileLayer); no other host is contacted.
TILE_HOSTS = ("https://tile.openstreetmap.org", "https://*.tile.openstreetmap.org")

_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=)(?P<attrs>[^>]*)>", re.IGNORECASE)


def nonce() -> str:
    """This response's CSP nonce (made on first use)."""
    value = g.get("csp_nonce")
    if value is None:
        value = g.csp_nonce = secrets.token_urlsafe(18)
    return value


def nonced(html) -> Markup:
    """Trusted server-made HTML (not user data) with this response's nonce on its inline scripts."""
    return Markup(_INLINE_SCRIPT.sub(lambda m: f'<script nonce="{nonce()}"{m.group("attrs")}>', str(html)))


def policy(script_nonce: str | None) -> str:
    """The Content-Security-Policy header value, allowing inline scripts that carry ``script_nonce``."""
    script = "'self'" + (f" 'nonce-{script_nonce}'" if script_nonce else "")
    directives = {
        "default-src": "'self'",
        "script-src": script,
        # Leaflet and Bootstrap set element styles; Folium's header has <style> blocks
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob: " + " ".join(TILE_HOSTS),
        "font-src": "'self' data:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "geolocation=(self), camera=(self), microphone=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def limit_chunked_body() -> None:
    """A chunked body (no Content-Length) over MAX_CONTENT_LENGTH is a 413 too.

    Werkzeug refuses an announced length over the limit before reading anything, but silently
    cuts a chunked body at the limit (the handler would then see truncated data). Here such a body
    is read up to the limit (never further) and refused when it reaches it."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if not limit or request.content_length is not None:
        return
    if "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return
    if len(request.get_data(cache=True)) >= limit:
        raise RequestEntityTooLarge()


class SafeJSONProvider(DefaultJSONProvider):
    """JSON nested so deep that the parser recurses past Python's limit (``[[[[...`` in a 200 kB
    body) is a ValueError like any malformed JSON (then a 400), not a RecursionError (a 500)."""

    def loads(self, s, **kwargs):
        """The parsed JSON; too deep a nesting is a ValueError."""
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply") from None


def harden_json(app: Flask) -> None:
    """Put a :class:`SafeJSONProvider` in ``app``, with the JSON settings of the one it replaces."""
    provider = SafeJSONProvider(app)
    for name in ("sort_keys", "ensure_ascii", "compact", "mimetype"):
        setattr(provider, name, getattr(app.json, name))
    app.json = provider


def register(app: Flask) -> None:
    """Install the JSON hardening, the CSP nonce helpers for templates, the chunked-body limit and the
    security headers on every response."""
    harden_json(app)
    app.jinja_env.globals["csp_nonce"] = nonce
    app.jinja_env.filters["nonced"] = nonced
    app.before_request(limit_chunked_body)

    without_nonce = policy(None)   # most answers (the API's) have no inline script

    @app.after_request
    def _headers(response):
        headers = response.headers
        script_nonce = g.get("csp_nonce")
        headers["Content-Security-Policy"] = policy(script_nonce) if script_nonce else without_nonce
        present = {name.lower() for name in headers.keys()}   # one pass, not a lookup per header
        for name, value in HEADERS.items():
            if name.lower() not in present:   # a view's own value stays
                headers.add(name, value)
        return response
