"""Which form a request asks for: a page (HTML) or JSON. Read by the OGC API's pages
(:mod:`webmap.ogc`) and the error handler (:mod:`webmap.errors`), so both decide alike."""
from __future__ import annotations

from flask import request

HTML_FORMAT = "html"   # ?f=html on the OGC API


def prefers_html() -> bool:
    """The client prefers HTML to JSON: a browser's Accept (``text/html,...,*/*;q=0.8``). ``*/*``
    alone (curl, requests) prefers neither, and GDAL and QGIS ask for JSON: they get JSON."""
    accept = request.accept_mimetypes
    return accept.quality("text/html") > accept.quality("application/json")


def asks_html() -> bool:
    """An OGC API request asks for its page: ``?f=html``, or no ``f`` and a client that prefers HTML."""
    fmt = request.args.get("f", "").lower()
    if fmt:
        return fmt == HTML_FORMAT
    return prefers_html()
