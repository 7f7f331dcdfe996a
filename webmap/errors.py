"""One error handler: every error leaves as application/problem+json (RFC 9457), its ``title`` and
``detail`` in the request's language (:func:`webmap.language.request_language`), or, to a browser
asking for a page (not an API address), as a page in that language with the way back to the map."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, default_exceptions

from geo import Unavailable, ZonasiError

from .language import request_language
from .negotiation import asks_html, prefers_html
from .services import services

POOL_RETRY_AFTER_S = 2   # Retry-After when every pooled database connection stayed busy

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, code: str | None = None, **extra):
    """An RFC 9457 problem+json response for this request; ``extra`` members join the body."""
    body = {"type": f"about:blank#{code}" if code else "about:blank", "title": title,
            "status": status, "detail": detail, "instance": request.path, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    return response


def _catalog_text(key: str, lang: str, fallback: str) -> str:
    catalog = services().catalog
    return catalog.get(key, lang) if key in catalog.messages["en"] else fallback


def _http_detail(exc: HTTPException, lang: str) -> str:
    """werkzeug's own description of a status in ``lang`` (``problem.http.<status>``); a description
    the application gave (already in the request's language) as it is."""
    default = default_exceptions.get(exc.code or 0)
    if default is not None and exc.description == default.description:
        return _catalog_text(f"problem.http.{exc.code}", lang, exc.description or exc.name)
    return exc.description or exc.name


API_PREFIXES = ("/api/", "/ogc", "/health", "/static/")   # answered as problem+json whatever the client
OGC_PREFIXES = ("/ogc", "/conformance", "/collections")    # the OGC API (also at the root): pages on request


def _wants_page() -> bool:
    """A browser asking for a page: GET of no API address, HTML preferred to JSON (curl's */*
    prefers neither: it gets problem+json); on the OGC API, which has pages, also ``?f=html``."""
    if request.method not in ("GET", "HEAD"):
        return False
    if request.path.startswith(OGC_PREFIXES):
        return asks_html()
    return not request.path.startswith(API_PREFIXES) and prefers_html()


def _answer(status: int, title: str, detail: str, code: str | None = None, **extra):
    """The error as a page for a browser asking for a page (:func:`_wants_page`: a mistyped or broken
    address shows the way back to the map, never raw JSON), else as problem+json."""
    if _wants_page():
        from .pages.views import error_page

        try:
            return error_page(status, title, detail)
        except Exception:   # the page itself cannot be made (the very error may be in its templates)
            current_app.logger.exception("the error page failed; answering problem+json")
    return problem(status, title, detail, code, **extra)


def register(app: Flask) -> None:
    """Answer a ZonasiError with its status and code, an HTTP error with its own status, and anything
    else with a logged 500: as problem+json, or as a page to a browser asking for a page. A database
    that cannot be reached is a 503 already (the store raises Unavailable); no free pooled connection
    in time is one here."""
    @app.errorhandler(ZonasiError)
    def _zonasi(exc: ZonasiError):
        if exc.status >= 500:  # the server's side (database away, storage full): worth a line
            app.logger.warning("%s %s: %s", exc.status, request.path, exc.message)
        details = {k: v for k, v in exc.details.items() if v is not None}
        lang = request_language()
        detail = exc.text(services().catalog, lang)
        title = _catalog_text(f"problem.title.{exc.code}", lang, exc.code.replace("-", " ").capitalize())
        response = _answer(exc.status, title, detail, exc.code, **details)
        retry_after = getattr(exc, "retry_after", None)  # geo.Unavailable's
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(sa.exc.TimeoutError)
    def _pool_busy(exc: sa.exc.TimeoutError):
        return _zonasi(Unavailable(f"no pooled database connection was free in time: {exc}",
                                   message_id="store.busy", retry_after=POOL_RETRY_AFTER_S))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        lang = request_language()
        title = _catalog_text(f"problem.title.http.{exc.code}", lang, exc.name)
        response = _answer(exc.code or 500, title, _http_detail(exc, lang))
        given = exc.get_response().headers
        for header in ("Allow", "WWW-Authenticate", "Retry-After"):
            if given.get(header):
                response.headers[header] = given[header]
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        app.logger.exception("unhandled error")
        lang = request_language()
        return _answer(500, _catalog_text("problem.title.http.500", lang, "Internal Server Error"),
                       _catalog_text("problem.unexpected", lang, "The server failed; the error has been logged."))
