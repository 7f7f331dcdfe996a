"""``/openapi.json``: an OpenAPI 3.0 document of EVERY endpoint of the app.

The paths come from Flask's ``url_map`` (so a new route can never be missing); what each
operation takes and returns comes from the declared table in :mod:`webmap.openapi.paths`,
keyed by endpoint name. A route with no entry there is still listed (summary from its
docstring) and :func:`undeclared` names it, so a test can insist on full documentation.
"""
from __future__ import annotations

import copy
import re

from flask import Blueprint, Flask, current_app, request

from ..services import services
from .paths import COMPONENTS, ENDPOINTS, TAGS

bp = Blueprint("openapi", __name__)

MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"
HIDDEN_METHODS = {"HEAD", "OPTIONS"}
CACHE_KEY = "zonasi.openapi"
_PARAM = re.compile(r"<(?:(?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)(?:\([^)]*\))?:)?(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)>")
_CONVERTER_SCHEMAS = {"int": {"type": "integer"}, "float": {"type": "number"},
                      "uuid": {"type": "string", "format": "uuid"}}
PROBLEM_RESPONSE = {"description": "An error, as RFC 9457 problem details",
                    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}


@bp.get("/openapi.json")
def document():
    """The OpenAPI 3.0 description of this service (every endpoint)."""
    doc = current_app.extensions.get(CACHE_KEY)
    if doc is None:
        doc = current_app.extensions.setdefault(CACHE_KEY, build(current_app))
    body = dict(doc, servers=[{"url": request.host_url.rstrip("/") + request.script_root}])
    response = current_app.json.response(body)
    response.headers["Content-Type"] = MEDIA_TYPE
    return response


def openapi_path(rule: str) -> str:
    """``/ogc/collections/<collection_id>`` -> ``/ogc/collections/{collection_id}``."""
    return _PARAM.sub(lambda m: "{" + m.group("name") + "}", rule)


def routes(app: Flask):
    """(rule, method, endpoint) for every documented operation, in a stable order."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted((rule.methods or set()) - HIDDEN_METHODS):
            yield rule, method, rule.endpoint


def entry(endpoint: str, method: str) -> dict | None:
    """The declared documentation of one operation (``"endpoint METHOD"`` wins over ``"endpoint"``)."""
    return ENDPOINTS.get(f"{endpoint} {method}") or ENDPOINTS.get(endpoint)


def undeclared(app: Flask) -> list[str]:
    """Operations with no declared entry (they are documented only from their docstring)."""
    return [f"{method} {rule.rule} ({endpoint})" for rule, method, endpoint in routes(app)
            if entry(endpoint, method) is None]


def build(app: Flask) -> dict:
    """The OpenAPI document of ``app``: every route of its url_map, with what the declared table says of it."""
    settings = services(app).settings
    paths: dict[str, dict] = {}
    used_ids: set[str] = set()
    for rule, method, endpoint in routes(app):
        declared = copy.deepcopy(entry(endpoint, method) or {})
        operation = _operation(app, rule, method, endpoint, declared, settings)
        operation_id = endpoint.replace(".", "_") + ("" if method == "GET" else f"_{method.lower()}")
        while operation_id in used_ids:
            operation_id += "_"
        used_ids.add(operation_id)
        operation["operationId"] = operation_id
        paths.setdefault(openapi_path(rule.rule), {})[method.lower()] = operation
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "zonasi",
            "version": _version(),
            "description": "Where campaign props (APK) may not stand: exact exclusion-zone checks in metres, "
                           "reports and their takedown workflow, violations for Satpol PP, and OGC API - "
                           "Features. Errors are application/problem+json.",
            "license": {"name": "MIT"},
        },
        "tags": TAGS,
        "paths": paths,
        "components": _components(settings),
    }


def _operation(app, rule, method, endpoint, declared: dict, settings) -> dict:
    view = app.view_functions.get(endpoint)
    doc = (view.__doc__ or "").strip() if view else ""
    summary = declared.pop("summary", None) or (doc.splitlines()[0] if doc else endpoint)
    roles = declared.pop("roles", None)
    parameters = [_path_parameter(rule, name) for name in _rule_arguments(rule)]
    for parameter in declared.pop("parameters", []):
        parameter = _resolve(parameter, settings)
        same = [i for i, p in enumerate(parameters) if p["name"] == parameter["name"] and p["in"] == parameter["in"]]
        if same:                      # a declared path parameter says more than the converter
            parameters[same[0]] = parameter
        elif parameter["in"] != "path":  # a path parameter the route does not have is dropped
            parameters.append(parameter)
    responses = declared.pop("responses", None) or {"200": {"description": "Success"}}
    if roles:
        responses.setdefault("401", {"$ref": "#/components/responses/Unauthorized"})
        responses.setdefault("403", {"$ref": "#/components/responses/Forbidden"})
    responses.setdefault("default", PROBLEM_RESPONSE)
    operation = {"summary": summary, "tags": declared.pop("tags", None) or [_tag(rule.rule)]}
    description = declared.pop("description", None) or ("\n".join(doc.splitlines()[1:]).strip() or None)
    if roles:
        note = "Needs an API token (Authorization: Bearer ...) with role " + " or ".join(roles) + "."
        description = f"{description}\n\n{note}" if description else note
        operation["security"] = [{"bearerAuth": []}]
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = parameters
    operation.update(declared)
    operation["responses"] = responses
    return operation


def _rule_arguments(rule) -> list[str]:
    return [m.group("name") for m in _PARAM.finditer(rule.rule)]


def _path_parameter(rule, name: str) -> dict:
    match = next(m for m in _PARAM.finditer(rule.rule) if m.group("name") == name)
    schema = dict(_CONVERTER_SCHEMAS.get(match.group("converter") or "", {"type": "string"}))
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _resolve(parameter: dict, settings) -> dict:
    """Parameters may be callables of the settings (e.g. a limit capped by max_page_limit)."""
    return parameter(settings) if callable(parameter) else copy.deepcopy(parameter)


def _tag(rule: str) -> str:
    if rule.startswith("/ogc"):
        return "OGC API - Features"
    if rule.startswith("/api"):
        return "API"
    if rule.startswith("/static"):
        return "Static files"
    return "Pages"


def _components(settings) -> dict:
    out = copy.deepcopy(COMPONENTS)
    out["securitySchemes"] = {"bearerAuth": {
        "type": "http", "scheme": "bearer",
        "description": "A token from `zonasi token create --role field|bawaslu|satpolpp|admin`."}}
    out["responses"] = {
        "Unauthorized": dict(PROBLEM_RESPONSE, description="No token, or an unknown one"),
        "Forbidden": dict(PROBLEM_RESPONSE, description="The token's role may not do this"),
        "Conflict": dict(PROBLEM_RESPONSE, description="A conflict (an illegal move lists the allowed ones)"),
    }
    return out


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zonasi")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0"
