"""OpenAPI entries of OGC API - Features (/ogc, also at the site root) and OGC API - Tiles."""
from __future__ import annotations

from geo.catalog import ORDER

from .common import F_PAGE, GEOJSON, F, binary, ok, query, ref

BBOX = query("bbox", "west,south,east,north in WGS 84 degrees (west > east crosses the antimeridian)",
             {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
             style="form", explode=False)
DATETIME = query("datetime", "RFC 3339 instant or interval (2024-01-05, 2024-01-01/2024-02-01, ../2024-02-01); "
                             "on reports and violations: reported_at. Sites, zones and regencies are not time-bound.")


def limit(settings) -> dict:
    """The ``limit`` query parameter of a page of features, with the configured maximum."""
    return query("limit", f"Features per page (1..{settings.max_page_limit}; larger values are capped)",
                 {"type": "integer", "minimum": 1, "maximum": settings.max_page_limit, "default": 100},
                 style="form", explode=False)


OFFSET = query("offset", "Features to skip (the next link sets it)", {"type": "integer", "minimum": 0, "default": 0})
PROPERTIES = query("properties", "Comma-separated properties to return (default: all)")
ZOOM = query("zoom", "Web map zoom 0..12: geometries simplified for drawing at that zoom (regencies)",
             {"type": "integer", "minimum": 0})
FILTERS = [query("category", "sites: category key(s), comma-separated"),
           query("regency_code", "sites: Kemendagri regency code(s), e.g. 32.12"),
           query("layer", "sites: source layer name(s)"),
           query("province_code", "regencies: province code(s), e.g. 32"),
           query("regency_type", "regencies: Kabupaten or Kota"),
           query("level", "coverage: complete, partial or none (share of the required categories declared complete)")]
COLLECTION_ID = {"name": "collection_id", "in": "path", "required": True,
                 "description": "violations, reports, sites, zones, regencies or coverage",
                 "schema": {"type": "string", "enum": list(ORDER)}}


def with_page(responses: dict) -> dict:
    """``responses`` whose 200 is also a page (``f=html``, or a browser's Accept)."""
    ok_200 = responses["200"]
    content = {**ok_200["content"], "text/html": {"schema": {"type": "string"}}}
    return {**responses, "200": {**ok_200, "content": content}}


OGC: dict[str, dict] = {
    # -- OGC API - Features ---------------------------------------------------------------------------
    "ogc.landing": {"summary": "OGC API - Features landing page", "parameters": [F_PAGE],
                    "responses": with_page(ok(ref("LandingPage")))},
    "ogc.conformance": {"summary": "Conformance classes (core, geojson, html, oas30)", "parameters": [F_PAGE],
                        "responses": with_page(ok(ref("Conformance")))},
    "ogc.collection_list": {"summary": "The feature collections", "parameters": [F_PAGE],
                            "responses": with_page(ok(ref("Collections")))},
    "ogc.collection": {"summary": "One feature collection", "parameters": [COLLECTION_ID, F_PAGE],
                       "responses": with_page(ok(ref("Collection")))},
    "ogc.items": {
        "summary": "Features of a collection (GeoJSON), paged",
        "description": "reports needs a token (bawaslu or admin); violations a token (bawaslu, satpolpp or "
                       "admin). Unknown query parameters are an error.",
        "parameters": [COLLECTION_ID, BBOX, DATETIME, limit, OFFSET, PROPERTIES, ZOOM, *FILTERS, F_PAGE],
        "responses": with_page(ok(ref("FeatureCollection"), GEOJSON)),
    },
    "ogc.item": {"summary": "One feature by id (sites: indramayu-6; regencies: 32.12; reports: UUID)",
                 "parameters": [COLLECTION_ID, F_PAGE], "responses": with_page(ok(ref("Feature"), GEOJSON))},
}

# -- OGC API - Tiles (webmap/tiles.py) ----------------------------------------------------------------
_TILED_ID = {"name": "collection_id", "in": "path", "required": True,
             "description": "sites, regencies, zones, coverage or violations (violations need a token)",
             "schema": {"type": "string", "enum": ["sites", "regencies", "zones", "coverage", "violations"]}}
_TMS = {"name": "tms", "in": "path", "required": True, "description": "The tile matrix set: WebMercatorQuad",
        "schema": {"type": "string", "enum": ["WebMercatorQuad"]}}
_TILE_PATH = [_TILED_ID, _TMS,
              {"name": "z", "in": "path", "required": True, "description": "tileMatrix: the zoom, 0..24",
               "schema": {"type": "integer", "minimum": 0, "maximum": 24}},
              {"name": "row", "in": "path", "required": True, "description": "tileRow: y, 0 at the north",
               "schema": {"type": "integer", "minimum": 0}},
              {"name": "col", "in": "path", "required": True, "description": "tileCol: x, 0 at 180 W",
               "schema": {"type": "integer", "minimum": 0}}]

OGC.update({
    "tiles.tile_matrix_sets": {"summary": "The tiling schemes (WebMercatorQuad)", "parameters": [F],
                               "tags": ["OGC API - Tiles"], "responses": ok({"type": "object"})},
    "tiles.tile_matrix_set_view": {"summary": "A tiling scheme's definition (2D Tile Matrix Set 2.0 JSON, with "
                                              "the 1.0 keys beside it for older readers such as GDAL < 3.8)",
                                   "parameters": [_TMS, F], "tags": ["OGC API - Tiles"],
                                   "responses": ok({"type": "object"})},
    "tiles.tilesets": {"summary": "The vector tilesets of a collection", "parameters": [_TILED_ID, F],
                       "tags": ["OGC API - Tiles"], "responses": ok({"type": "object"})},
    "tiles.tileset": {"summary": "A vector tileset: its layers, the tile URL template and the tile matrix "
                                 "limits (rows and columns the collection's extent touches, zooms 0 to 18)",
                      "parameters": [_TILED_ID, _TMS, F], "tags": ["OGC API - Tiles"],
                      "responses": ok({"type": "object"})},
    "tiles.tile": {
        "summary": "One vector tile (Mapbox Vector Tile)",
        "description": "Path {tileMatrix}/{tileRow}/{tileCol}: zoom, y, x. sites: layer sites_density (count per "
                       "grid cell) up to zoom 9 or where a tile holds over 2,000 sites, else sites (points) and "
                       "roads (lines). A tile with nothing in it is a valid tile with empty layers. Strong ETag "
                       "(If-None-Match gives 304). violations need a bawaslu, satpolpp or admin token.",
        "parameters": _TILE_PATH, "tags": ["OGC API - Tiles"],
        "responses": {**binary("application/vnd.mapbox-vector-tile", description="The tile"),
                      "304": {"description": "Not modified (If-None-Match matched the ETag)"}},
    },
})

# The OGC service is also served at the site root (GDAL given only the host): same entries.
OGC.update({"ogc_root." + key[4:]: dict(value, summary=value["summary"] + " (also under /ogc)")
            for key, value in list(OGC.items()) if key.startswith("ogc.") and key != "ogc.landing"})
