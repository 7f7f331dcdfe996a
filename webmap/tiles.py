"""OGC API - Tiles (vector tiles, Mapbox Vector Tile, TileMatrixSet WebMercatorQuad), under ``/ogc``.

    /ogc/tileMatrixSets                                        the tiling schemes (one: WebMercatorQuad)
    /ogc/tileMatrixSets/WebMercatorQuad                        its definition (2D TMS 2.0 JSON)
    /ogc/collections/<id>/tiles                                the collection's tilesets
    /ogc/collections/<id>/tiles/WebMercatorQuad                one tileset: layers, link to the tile template
    /ogc/collections/<id>/tiles/WebMercatorQuad/<z>/<row>/<col>  one tile (application/vnd.mapbox-vector-tile)

The tile path is OGC's ``{tileMatrix}/{tileRow}/{tileCol}``: zoom, then y (north to south), then x.
Tiles of sites, regencies, zones, coverage and violations (violations need the token its items need).
Thin handlers: the tiles are built by :mod:`geo.catalog.tiles`; this module parses the path, checks
the token and answers with a strong ETag (If-None-Match -> 304) and Cache-Control.
"""
from __future__ import annotations

from flask import Blueprint, current_app, request, url_for

from geo import InputError, NotFound
from geo.catalog import (
    CRS84,
    CRS_3857,
    MEDIA_TYPE,
    TILED,
    TMS_ID,
    TMS_URI,
    Tile,
    VectorTiles,
    etag,
    tile_matrix_limits,
    tile_matrix_set,
    violations_tile,
)

from . import ogc
from .services import services, zone_cache

bp = Blueprint("tiles", __name__, url_prefix="/ogc")

TILES_KEY = "zonasi.tiles"
TILING_SCHEME = "http://www.opengis.net/def/rel/ogc/1.0/tiling-scheme"
TILING_SCHEMES = "http://www.opengis.net/def/rel/ogc/1.0/tiling-schemes"
TILESETS_VECTOR = "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector"
PUBLIC_CACHE = "public, max-age=600"          # layers change seldom; the ETag revalidates after
PRIVATE_CACHE = "private, no-cache"           # violations change with every report
DIMENSION = {"points": 0, "lines": 1, "polygons": 2}
TYPES = {"string": "string", "integer": "integer", "number": "number"}
LIMITS_MAX_ZOOM = 18                          # tileMatrixSetLimits are listed down to this zoom (the map's deepest)


def vector_tiles() -> VectorTiles:
    """The app's tiles object (indexes and built tiles), made again when new layers are loaded."""
    s = services()
    found = current_app.extensions.get(TILES_KEY)
    if found is None or found.engine is not s.engine:
        found = current_app.extensions[TILES_KEY] = VectorTiles(s.engine, zone_cache())
    return found


def warm_tiles(app) -> list[str]:
    """Build the app's tile indexes (sites, regencies and their low-zoom copies) now: a server calls
    it once before its workers fork, so no first tile after a start or a layers load pays for them.
    Returns the names of the indexes built."""
    with app.app_context():
        return vector_tiles().warm()


def tileset_links(collection_id: str) -> list[dict]:
    """The link a collection's description gives to its vector tilesets (none for untiled ones)."""
    if collection_id not in TILED:
        return []
    return [ogc.link(url_for("tiles.tilesets", collection_id=collection_id, _external=True), TILESETS_VECTOR,
                     title="Vector tilesets (Mapbox Vector Tiles)")]


def _tiled(collection_id: str, *, features: bool = False):
    """The collection (its token checked when ``features``), or 404 when it has no tiles."""
    found = ogc.find_collection(collection_id, features=features)
    if collection_id not in TILED:
        raise NotFound(f"collection {collection_id!r} has no tiles; tiled collections are {', '.join(TILED)}",
                       message_id="tiles.no_tiles",
                       message_values={"collection": collection_id, "tiled": ", ".join(TILED)},
                       collection=collection_id)
    return found


def _tms(tms: str) -> None:
    if tms != TMS_ID:
        raise NotFound(f"no tile matrix set {tms!r}; this service has {TMS_ID}", message_id="tiles.no_tms",
                       message_values={"tms": tms, "known": TMS_ID})


def _tile_number(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise InputError(f"{name} {raw!r} is not a whole number", message_id="tiles.not_integer",
                         message_values={"name": name, "value": raw}, parameter=name) from None


@bp.get("/tileMatrixSets")
def tile_matrix_sets():
    """The tiling schemes of this service."""
    ogc.check_args(("f", "lang"))
    return ogc.json_response({"tileMatrixSets": [{
        "id": TMS_ID, "title": "Google Maps Compatible for the World", "uri": TMS_URI,
        "links": [ogc.link(url_for("tiles.tile_matrix_set_view", tms=TMS_ID, _external=True), "self")]}]})


@bp.get("/tileMatrixSets/<tms>")
def tile_matrix_set_view(tms: str):
    """A tiling scheme's definition (OGC 2D Tile Matrix Set 2.0, JSON)."""
    ogc.check_args(("f", "lang"))
    _tms(tms)
    return ogc.json_response(tile_matrix_set())


@bp.get("/collections/<collection_id>/tiles")
def tilesets(collection_id: str):
    """The vector tilesets of a collection (one: WebMercatorQuad)."""
    ogc.check_args(("f", "lang"))
    found = _tiled(collection_id)
    entry = _tileset(found)
    entry["links"] = [link for link in entry["links"] if link["rel"] != "item"]
    return ogc.json_response({"links": [ogc.link(request.base_url, "self")], "tilesets": [entry]})


@bp.get("/collections/<collection_id>/tiles/<tms>")
def tileset(collection_id: str, tms: str):
    """A tileset: its layers and the tile URL template."""
    ogc.check_args(("f", "lang"))
    _tms(tms)
    return ogc.json_response(_tileset(_tiled(collection_id)))


def _tileset(found) -> dict:
    info = found.info
    here = url_for("tiles.tileset", collection_id=info.id, tms=TMS_ID, _external=True)
    body = {
        "title": f"{info.title} (vector tiles)",
        "dataType": "vector",
        "crs": CRS_3857,
        "tileMatrixSetURI": TMS_URI,
        "links": [
            ogc.link(here, "self"),
            ogc.link(url_for("tiles.tile_matrix_set_view", tms=TMS_ID, _external=True), TILING_SCHEME,
                     title=f"{TMS_ID} definition"),
            ogc.link(url_for("ogc.collection", collection_id=info.id, _external=True), "collection",
                     title=info.title),
            {"href": here + "/{tileMatrix}/{tileRow}/{tileCol}", "rel": "item", "type": MEDIA_TYPE,
             "templated": True, "title": "Mapbox Vector Tile"},
        ],
        "layers": [{"id": name, "dataType": "vector", "geometryDimension": DIMENSION[kind],
                    "propertiesSchema": {"type": "object",
                                         "properties": {k: {"type": TYPES[t]} for k, t in props.items()}}}
                   for name, kind, props in TILED[info.id]],
    }
    if info.bbox:
        west, south, east, north = info.bbox
        body["boundingBox"] = {"lowerLeft": [west, south], "upperRight": [east, north], "crs": CRS84}
        body["tileMatrixSetLimits"] = tile_matrix_limits(info.bbox, LIMITS_MAX_ZOOM)
    return body


@bp.get("/collections/<collection_id>/tiles/<tms>/<z>/<row>/<col>")
def tile(collection_id: str, tms: str, z: str, row: str, col: str):
    """One Mapbox Vector Tile; a tile with nothing in it is a valid tile whose layers are empty."""
    unknown = sorted(set(request.args) - {"f", "lang"})
    if unknown:
        raise InputError(f"unknown query parameter {unknown[0]!r}; a tile takes none", message_id="tiles.no_parameters",
                         message_values={"parameter": unknown[0][:80]}, parameter=unknown[0])
    found = _tiled(collection_id, features=True)  # a token where the items need one
    _tms(tms)
    where = Tile.checked(_tile_number("tileMatrix", z), _tile_number("tileCol", col), _tile_number("tileRow", row))
    if found.info.permission:
        data = violations_tile(found, where)
        cache = PRIVATE_CACHE
    else:
        data = vector_tiles().tile(collection_id, where)
        cache = PUBLIC_CACHE
    response = current_app.response_class(data, mimetype=MEDIA_TYPE)
    response.set_etag(etag(data).strip('"'))
    response.headers["Cache-Control"] = cache
    if found.info.permission:
        response.vary.add("Authorization")
    return response.make_conditional(request)
