"""Trusting a reverse proxy's ``X-Forwarded-*`` headers, only as configured.

``Settings.proxy_hops`` (``ZONASI_PROXY_HOPS``) is how many proxies stand in front of the app
(nginx alone: 1). With 0, the default, the headers are ignored: a client could otherwise choose
the scheme and host of the app's absolute links (OGC links, the OpenAPI ``servers``) and the
address it appears to come from. With N, Werkzeug's ``ProxyFix`` takes the last N values of
``X-Forwarded-For``, ``-Proto``, ``-Host`` and ``-Port``, the ones the proxies themselves added
(deploy/nginx/zonasi.conf sets each of them, overwriting what a client sent).
``X-Forwarded-Prefix`` is never trusted: zonasi is served at the root of its host.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from geo.config import Settings
from geo.errors import ConfigError


def install(app: Flask, settings: Settings) -> None:
    """Wrap the app in ``ProxyFix`` for ``settings.proxy_hops`` proxies (nothing for 0)."""
    hops = settings.proxy_hops
    if hops < 0:
        raise ConfigError(f"ZONASI_PROXY_HOPS must be 0 or more, not {hops}", message_id="config.proxy_hops",
                          message_values={"value": hops})
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops,  # type: ignore[method-assign]
                                x_prefix=0)
