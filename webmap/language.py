"""The language of a request's answer (problem+json titles and details, API messages).

``?lang=`` first, then the cookie the pages remember the language in, then the browser's
Accept-Language (Indonesian or English), then the configured default (Indonesian unless set).
"""
from __future__ import annotations

from functools import lru_cache

from flask import request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Request

from geo.i18n import LANGUAGES

from .services import services

LANG_COOKIE = "zonasi_lang"  # the cookie the pages remember the language in (webmap.pages.views.LANG_COOKIE)


def supported(text: str | None) -> str | None:
    """The supported language ``text`` names ('en-US' -> 'en'), or None."""
    if not text:
        return None
    primary = text.strip().lower().replace("_", "-").split("-")[0]
    return primary if primary in LANGUAGES else None


def language_of(req: Request, default: str) -> str:
    """The language to answer ``req`` in: ``?lang=``, the page-language cookie, Accept-Language,
    else ``default``."""
    return (supported(req.args.get("lang")) or supported(req.cookies.get(LANG_COOKIE))
            or accepted_language(req.environ.get("HTTP_ACCEPT_LANGUAGE")) or default)


@lru_cache(maxsize=256)
def accepted_language(header: str | None) -> str | None:
    """The supported language an Accept-Language ``header`` prefers most, or None. Kept per header
    text: browsers send a handful of distinct ones, and parsing one costs more than a check's
    answer takes to encode."""
    if not header:
        return None
    return supported(parse_accept_header(header, LanguageAccept).best_match(LANGUAGES))


def environ_language(environ: dict, default: str) -> str:
    """:func:`language_of` for a WSGI ``environ`` (middleware that answers before Flask does)."""
    return language_of(Request(environ), default)


def request_language() -> str:
    """The language to answer the current Flask request in (see :func:`language_of`)."""
    s = services()
    return language_of(request, s.catalog.language(s.settings.language))
