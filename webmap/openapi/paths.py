"""What each endpoint takes and returns, for ``/openapi.json`` (see :mod:`webmap.openapi`).

One entry per Flask endpoint name (``"blueprint.view"``), or per ``"endpoint METHOD"`` when a
view serves several methods. Keys: summary, description, parameters, requestBody, responses,
roles (token roles; adds bearer security and 401/403), tags. Paths and path parameters come
from the url_map itself. When you add a route, add its entry to the module of its area:
``tests/webmap/test_openapi.py`` fails for any route without one.

- :mod:`.check`: api.*, zones.*, coverage.*, offline.*, batch.*, mapapi.*, public.regencies
- :mod:`.reports`: reports.*, public.submit_public and lookup_public, mine.*, verdicts.*, triage.*
- :mod:`.casework`: letters.* (/api/letters) and worklist.*
- :mod:`.pages`: pages.*, health.*, openapi.*, static
- :mod:`.ogc`: ogc.*, ogc_root.* and tiles.*
- :mod:`.components`: the component schemas; :mod:`.common`: shared parameters and responses
"""
from __future__ import annotations

from .casework import CASEWORK
from .check import CHECK
from .components import COMPONENTS
from .ogc import OGC
from .pages import PAGES
from .reports import REPORTS

__all__ = ["COMPONENTS", "ENDPOINTS", "TAGS"]

TAGS = [
    {"name": "API", "description": "Checks, reports, the takedown workflow and violations (JSON)"},
    {"name": "OGC API - Features", "description": "Part 1 Core + GeoJSON: readable by QGIS, GDAL, OWSLib"},
    {"name": "OGC API - Tiles", "description": "Vector tiles (Mapbox Vector Tile, WebMercatorQuad) of the "
                                               "collections: what the web map draws"},
    {"name": "Pages", "description": "The web map and its pages (HTML)"},
    {"name": "Static files", "description": "Scripts, styles and vendored assets of the pages"},
]



def _merged(*areas: dict[str, dict]) -> dict[str, dict]:
    """The areas' entries in one table; an endpoint declared in two areas is a mistake."""
    out: dict[str, dict] = {}
    for area in areas:
        twice = out.keys() & area.keys()
        if twice:
            raise ValueError(f"OpenAPI entries declared twice: {sorted(twice)}")
        out.update(area)
    return out


ENDPOINTS = _merged(CHECK, REPORTS, CASEWORK, PAGES, OGC)
