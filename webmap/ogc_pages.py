"""The OGC API's documents as pages (conformance class html; :mod:`webmap.ogc` answers with them when
a browser or ``?f=html`` asks, :func:`webmap.negotiation.asks_html`): zonasi/ogc.html in the
request's language. The landing page says how to connect QGIS and GDAL, a page of features is a
table with its pages before and after and a map of the same features, a point feature links to its
verdict on the map page. This module reads nothing of ogc.py: what a page shows is handed to it."""
from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, request, url_for

from geo.catalog import TILED, TMS_ID, Query

from .language import request_language
from .negotiation import HTML_FORMAT
from .pages.views import render
from .services import services

MAP_ZOOM = 10   # the pages' map of features asks for polygons simplified for this web map zoom


def with_args(base: str, changes: dict) -> str:
    """``base`` with the request's query arguments, ``changes`` replacing theirs (the links to the
    next and previous pages, and to the same document in another form)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        args[key] = [str(value)]
    query = urlencode([(k, v) for k, values in args.items() for v in values])
    return f"{base}?{query}" if query else base


def page(kind: str, body: dict, **shown):
    """The page of an OGC API document ``body`` (``kind``: landing, conformance, collections,
    collection, items or item; ``shown``: what the page shows beyond the document), linking to the
    same document as JSON."""
    return render("zonasi/ogc.html", "ogc", kind=kind, doc=body, json_url=with_args(request.base_url, {"f": "json"}),
                  landing_url=url_for("ogc.landing"), collections_url=url_for("ogc.collection_list"), **shown)


def items_page(info, described: dict, query: Query, found):
    """A page of features (``found``, a :class:`~geo.catalog.Page` for ``query``) of the collection
    ``info`` (``described``: its description) as a table, with the pages before and after."""
    base = request.base_url
    columns: dict[str, None] = {}
    for feature in found.features:
        columns.update(dict.fromkeys(feature.get("properties") or {}))
    rows = [{"id": feature.get("id"), "properties": feature.get("properties") or {}, "on_map": on_map(feature),
             "geometry": (feature.get("geometry") or {}).get("type"),
             "href": url_for("ogc.item", collection_id=info.id, feature_id=feature.get("id"), f="html")}
            for feature in found.features]
    pages = {"next": with_args(base, {"offset": query.offset + found.returned, "limit": query.limit,
                                      "f": HTML_FORMAT}) if found.has_next(query.offset) else None,
             "prev": with_args(base, {"offset": max(0, query.offset - query.limit), "limit": query.limit,
                                      "f": HTML_FORMAT}) if query.offset > 0 else None}
    # "Fitur 1–100 dari 16.958.": counts as floats, which the catalog writes in the language's marks
    numbers = {"first": float(query.offset + 1), "last": float(query.offset + found.returned)}
    if found.matched is not None:
        numbers["matched"] = float(found.matched)
    shown = services().catalog.get("ogc.page.shown_of" if found.matched is not None else "ogc.page.shown",
                                   request_language(), **numbers)
    # the map draws the same features from the JSON (polygons simplified for a web map at MAP_ZOOM,
    # which only regencies and coverage take; the same number, as simplified ones fit a page sooner)
    source = with_args(base, {"f": "json", "limit": max(found.returned, 1),
                              **({} if request.args.get("zoom") else {"zoom": MAP_ZOOM})})
    item = url_for("ogc.item", collection_id=info.id, feature_id="FEATURE", f="html")
    return page("items", {}, collection=described, rows=rows, columns=list(columns), pages=pages, shown=shown,
                filtered=sorted(k for k in request.args if k not in ("f", "lang", "offset", "limit")),
                map_source=source if rows else None, item_template=item)


def on_map(feature: dict) -> str | None:
    """The map page at a point feature (its verdict shown there), else None."""
    geometry = feature.get("geometry") or {}
    if geometry.get("type") != "Point":
        return None
    lon, lat = geometry["coordinates"][:2]
    return url_for("pages.map_page", lat=f"{lat:.6f}", lon=f"{lon:.6f}")


def tiles_for_qgis(collections) -> dict:
    """For the landing page: a public collection's vector tile URL in the XYZ form QGIS and other
    clients take (the national view: a feature page of a whole country's zones is far too big),
    and the other public ``collections`` that have tiles."""
    if "tiles.tileset" not in current_app.view_functions:
        return {}
    public = [c.info.id for c in collections if c.info.id in TILED and not c.info.permission]
    if not public:
        return {}
    shown = "zones" if "zones" in public else public[0]
    return {"tiles_url": url_for("tiles.tileset", collection_id=shown, tms=TMS_ID, _external=True) + "/{z}/{y}/{x}",
            "tiles_shown": shown, "tiled": [c for c in public if c != shown]}
