"""API tokens and roles: ``Authorization: Bearer <token>``; 401 without a valid token, 403 for a
role that may not do it (both as problem+json through webmap.errors).

| role     | may                                                                  |
|----------|----------------------------------------------------------------------|
| field    | check a point, submit reports, read the reports its token submitted  |
| bawaslu  | read reports (with reporter), list reports, verify / dismiss / notify, violations |
| satpolpp | read reports and violations, mark removed                             |
| admin    | everything, including tokens and layers                               |

Checking a point and the public map need no token.
"""
from __future__ import annotations

from functools import wraps

from flask import request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from geo.store import STATUS_ROLES, Identity, require_own_report

from .language import request_language
from .services import services

IDENTITY_KEY = "zonasi.identity"
PERMISSIONS: dict[str, frozenset[str]] = {
    "field": frozenset({"check", "reports:submit", "reports:read_own"}),
    "bawaslu": frozenset({"check", "reports:read", "reports:private", "reports:list", "reports:transition",
                          "violations:read"}),
    "satpolpp": frozenset({"check", "reports:read", "reports:transition", "violations:read"}),
}
ALL = frozenset().union(*PERMISSIONS.values(), {"tokens:manage", "layers:manage"})
PERMISSIONS["admin"] = ALL


def message(key: str, **values) -> str:
    """The catalogue message ``key`` in the request's language (``?lang=``, the page-language cookie,
    Accept-Language, else the configured one)."""
    return services().catalog.get(key, request_language(), **values)


def identity() -> Identity | None:
    """The caller's identity from a Bearer token, or None (no header). A bad token is a 401.
    Remembered for this request only (in its WSGI environ): ``g`` belongs to the application
    context, which a request reuses when one is still pushed (e.g. by a streamed response not
    yet closed), so an identity kept there could answer for the next caller."""
    if IDENTITY_KEY in request.environ:
        return request.environ[IDENTITY_KEY]
    header = request.headers.get("Authorization", "")
    who = None
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized(message("reports.auth_scheme"))
        who = services().store.tokens.authenticate(token.strip())
        if who is None:
            raise _unauthorized(message("reports.auth_invalid"))
    request.environ[IDENTITY_KEY] = who
    return who


def can(permission: str) -> bool:
    """Whether the caller holds ``permission`` (False without a token; a bad token is still a 401)."""
    who = identity()
    return who is not None and permission in PERMISSIONS.get(who.role, ())


def require(permission: str) -> Identity:
    """The caller, who must hold ``permission``: else 401 (no token) or 403 (wrong role)."""
    who = identity()
    if who is None:
        raise _unauthorized(message("reports.auth_missing"))
    if permission not in PERMISSIONS.get(who.role, ()):
        roles = ", ".join(r for r, perms in PERMISSIONS.items() if permission in perms)
        raise Forbidden(message("reports.auth_forbidden", role=who.role, roles=roles))
    return who


def require_report(report_id: str) -> Identity:
    """The caller, who must be allowed to read report ``report_id``: any report with
    ``reports:read``; with ``reports:read_own`` only a report submitted with the caller's token,
    others answer 404 as if they did not exist. Else 401 (no token) or 403 (wrong role)."""
    if not can("reports:read") and can("reports:read_own"):
        who = require("reports:read_own")
        require_own_report(services().store, report_id, who.id)
        return who
    return require("reports:read")


def require_status(status: str) -> Identity:
    """The caller, who must be allowed to move a report into ``status``."""
    who = require("reports:transition")
    allowed = STATUS_ROLES.get(status)
    if allowed is not None and who.role not in allowed:
        raise Forbidden(message("reports.auth_status", role=who.role, status=status, roles=", ".join(allowed)))
    return who


def needs(permission: str):
    """Decorator form of :func:`require`."""
    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            require(permission)
            return view(*args, **kwargs)
        return wrapper
    return decorate


def _unauthorized(detail: str) -> Unauthorized:
    return Unauthorized(description=detail, www_authenticate=WWWAuthenticate("bearer", {"realm": "zonasi"}))
