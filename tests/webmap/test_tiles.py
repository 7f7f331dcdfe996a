"""OGC API - Tiles: the vector tiles of the collections, decoded with mapbox_vector_tile."""
from __future__ import annotations

import math

import mapbox_vector_tile
import numpy as np
import pytest

from geo.catalog import Tile, VectorTiles, mercator
from geo.catalog.tilegrid import EXTENT, ORIGIN
from geo.catalog.tiles import DENSITY_MAX_ZOOM
from webmap import create_app

from .test_ogc_reports import FAR, NEAR, bearer

MVT = "application/vnd.mapbox-vector-tile"
TILES = "/ogc/collections/{}/tiles/WebMercatorQuad/{}/{}/{}"   # collection, z, row (y), col (x)
SITE = (108.1675, -6.399)                                      # indramayu-6 (a school), in the bundled layers


def tile_at(lon: float, lat: float, z: int) -> tuple[Tile, float, float]:
    """The tile holding a point, and the point's position in tile units (y down)."""
    x, y = mercator(lon, lat)
    size = 2 * ORIGIN / 2 ** z
    col, row = int((x + ORIGIN) // size), int((ORIGIN - y) // size)
    tile = Tile.checked(z, col, row)
    return tile, (x - tile.bounds[0]) / size * EXTENT, (tile.bounds[3] - y) / size * EXTENT


def get_tile(client, collection, tile, headers=None):
    response = client.get(TILES.format(collection, tile.z, tile.y, tile.x), headers=headers or {})
    assert response.status_code == 200, response.data
    assert response.mimetype == MVT
    return mapbox_vector_tile.decode(response.data, default_options={"y_coord_down": True})


def test_a_bundled_site_is_in_its_tile_at_its_place_and_not_in_the_neighbour(client, layers):
    site = layers.sites[layers.sites["site_id"] == "indramayu-6"].iloc[0]
    tile, ux, uy = tile_at(site.geometry.x, site.geometry.y, 15)
    layer = get_tile(client, "sites", tile)["sites"]
    found = [f for f in layer["features"] if f["properties"].get("site_id") == "indramayu-6"]
    assert len(found) == 1
    props = found[0]["properties"]
    assert props["name"] == site["name"] and props["category"] == site["category"]
    x, y = found[0]["geometry"]["coordinates"]
    assert abs(x - ux) <= 1 and abs(y - uy) <= 1           # one tile unit: 0.6 m at zoom 15
    for dx, dy in ((1, 0), (-1, 0), (0, 1), (0, -1)):
        other = get_tile(client, "sites", Tile(15, tile.x + dx, tile.y + dy))
        ids = [f["properties"].get("site_id") for f in other.get("sites", {"features": []})["features"]]
        assert "indramayu-6" not in ids


@pytest.mark.parametrize("z", [5, 7, DENSITY_MAX_ZOOM])
def test_low_zoom_tiles_carry_density_whose_counts_sum_to_the_sites_in_the_tile(client, layers, z):
    import shapely

    tile, _, _ = tile_at(*SITE, z)
    decoded = get_tile(client, "sites", tile)
    assert "sites" not in decoded                         # counts, not points
    cells = decoded["sites_density"]["features"]
    assert cells and all(f["geometry"]["type"] == "Point" and f["properties"]["count"] >= 1 for f in cells)
    geoms = layers.site_features.geometry
    rep = np.where(shapely.get_type_id(geoms) == 0, geoms, shapely.point_on_surface(geoms))
    x, y = mercator(shapely.get_x(rep), shapely.get_y(rep))
    minx, miny, maxx, maxy = tile.bounds
    inside = int(((x >= minx) & (x < maxx) & (y >= miny) & (y < maxy)).sum())
    assert sum(f["properties"]["count"] for f in cells) == inside > 0


def test_a_zoom_5_regencies_tile_covers_java_simplified(client, layers):
    tile, _, _ = tile_at(107.6, -6.9, 5)                 # Bandung, west Java
    features = get_tile(client, "regencies", tile)["regencies"]["features"]
    codes = {f["properties"]["code"] for f in features}
    assert "32.12" in codes and len(codes) > 50
    vertices = sum(len(str(f["geometry"]["coordinates"])) for f in features)
    full = sum(len(str(g)) for g in layers.regencies.geometry)
    assert vertices < full / 20                           # simplified for the zoom, not full detail


def test_etag_and_if_none_match_give_304(client):
    tile, _, _ = tile_at(*SITE, 12)
    url = TILES.format("sites", tile.z, tile.y, tile.x)
    first = client.get(url)
    tag = first.headers["ETag"]
    assert tag.startswith('"') and not tag.startswith("W/")   # strong
    assert "max-age" in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_an_empty_tile_is_a_valid_tile_with_empty_layers(client):
    response = client.get(TILES.format("sites", 15, 0, 0))  # the Arctic
    assert response.status_code == 200 and response.mimetype == MVT
    decoded = mapbox_vector_tile.decode(response.data)
    assert all(not layer["features"] for layer in decoded.values())


@pytest.mark.parametrize("path, status, lang, words", [
    ("sites/tiles/WebMercatorQuad/5/x/3", 400, "en", "is not a whole number"),
    ("sites/tiles/WebMercatorQuad/5/1.5/3", 400, "id", "bukan bilangan bulat"),
    ("sites/tiles/WebMercatorQuad/5/32/3", 404, "en", "outside tile matrix 5"),
    ("sites/tiles/WebMercatorQuad/5/3/-1", 404, "id", "di luar tile matrix 5"),
    ("sites/tiles/WebMercatorQuad/25/0/0", 404, "en", "zoom levels are 0 to 24"),
    ("sites/tiles/GoogleCRS84Quad/5/3/3", 404, "en", "No tile matrix set"),
    ("reports/tiles", 404, "id", "tidak punya tile"),
    ("nothing/tiles/WebMercatorQuad/1/0/0", 404, "en", "nothing"),
])
def test_bad_tiles_are_problems_in_the_callers_language(client, path, status, lang, words):
    response = client.get(f"/ogc/collections/{path}?lang={lang}")
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert words in response.get_json()["detail"]


def test_tileset_and_tilesets_list_link_the_template_and_the_tile_matrix_set(client):
    listing = client.get("/ogc/collections/sites/tiles").get_json()
    (entry,) = listing["tilesets"]
    assert entry["dataType"] == "vector"
    assert entry["tileMatrixSetURI"].endswith("/WebMercatorQuad")
    tileset = client.get("/ogc/collections/sites/tiles/WebMercatorQuad").get_json()
    item = next(link for link in tileset["links"] if link["rel"] == "item")
    assert item["type"] == MVT and item["href"].endswith("/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}")
    scheme = next(link for link in tileset["links"] if link["rel"].endswith("tiling-scheme"))
    tms = client.get(scheme["href"]).get_json()
    assert tms["id"] == "WebMercatorQuad" and len(tms["tileMatrices"]) == 25
    assert tms["tileMatrices"][5]["matrixWidth"] == 32
    dimensions = {layer["id"]: layer["geometryDimension"] for layer in tileset["layers"]}
    assert dimensions == {"sites_density": 0, "sites": 0, "roads": 1, "site_lines": 1, "site_areas": 2}
    collection = client.get("/ogc/collections/regencies").get_json()
    assert any(link["rel"].endswith("tilesets-vector") for link in collection["links"])


def test_conformance_lists_the_tiles_classes(client):
    conforms = client.get("/ogc/conformance").get_json()["conformsTo"]
    for name in ("core", "tileset", "tilesets-list", "geodata-tilesets", "mvt"):
        assert f"http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{name}" in conforms
    landing = client.get("/ogc").get_json()
    assert any(link["rel"].endswith("tiling-schemes") for link in landing["links"])


def test_built_tiles_are_kept_in_a_bounded_lru(engine):
    tiles = VectorTiles(engine, capacity=3)
    first = tiles.tile("sites", Tile(5, 25, 16))
    for x in range(20, 24):
        tiles.tile("sites", Tile(5, x, 16))
    assert tiles.cached() == 3
    assert tiles.tile("sites", Tile(5, 25, 16)) == first    # built again, the same bytes


def test_a_tile_with_too_many_sites_for_points_carries_density(engine, monkeypatch):
    import geo.catalog.tiles as tiles_module

    monkeypatch.setattr(tiles_module, "MAX_TILE_POINTS", 0)
    tile, _, _ = tile_at(*SITE, 15)
    decoded = mapbox_vector_tile.decode(VectorTiles(engine).tile("sites", tile))
    assert "sites_density" in decoded and "sites" not in decoded


# -- violations: the store's, with the token their items need (SQLite and PostGIS) ------------------

def test_each_sites_layer_holds_one_geometry_type_roads_only_road_lines(tmp_path):
    """A school's grounds (a polygon) are an area in the school's category, a fence of a health
    facility a line of its own; the roads layer holds only roads (the map draws it as roads)."""
    import geopandas as gpd
    from shapely.geometry import LineString, Point, box

    from geo.engine import Engine
    from geo.layers import load_layers
    from zonasi.testing.layers import make_layers_dir

    directory = make_layers_dir(tmp_path)
    lon, lat = 108.3200, -6.3300   # Indramayu
    d = 0.0005
    gpd.GeoDataFrame(
        {"site_id": ["s1", "s2", "s3", "s4", "s5"], "name": ["SD 1", "Jl. Protokol", "RSUD pagar", "Masjid", "Alun-alun"],
         "category": ["school", "road", "health_facility", "place_of_worship", "road"]},
        geometry=[box(lon, lat, lon + d, lat + d), LineString([(lon - d, lat), (lon - d, lat + 3 * d)]),
                  LineString([(lon + 2 * d, lat), (lon + 2 * d, lat + d)]), Point(lon + d / 2, lat - d),
                  box(lon - 3 * d, lat - 3 * d, lon - 2 * d, lat - 2 * d)], crs=4326).to_parquet(
        directory / "sites" / "mixed.parquet")
    tiles = VectorTiles(Engine(load_layers(directory)))
    tile, _, _ = tile_at(lon, lat, 15)
    decoded = mapbox_vector_tile.decode(tiles.tile("sites", tile),
                                        default_options={"y_coord_down": True})
    held = {name: {(f["properties"]["site_id"], f["geometry"]["type"]) for f in layer["features"]}
            for name, layer in decoded.items()}
    assert held == {"sites": {("s4", "Point")}, "roads": {("s2", "LineString")},
                    "site_lines": {("s3", "LineString")}, "site_areas": {("s1", "Polygon"), ("s5", "Polygon")}}


@pytest.fixture()
def violations_app(store_settings, engine):
    app = create_app(store_settings, engine=engine)
    store = app.extensions["zonasi"].store
    ids = [store.submit({"apk_type": "baliho", "lon": NEAR[0], "lat": NEAR[1], "reporter": "PKD",
                         "reported_at": "2024-01-10T08:00:00Z"}).report["id"]]
    allowed = [store.submit({"apk_type": "spanduk", "lon": lon, "lat": lat, "reporter": "PKD",
                             "reported_at": "2024-01-12T09:00:00Z"}).report["id"] for lon, lat in FAR]
    tokens = {role: store.tokens.create(role, f"test {role}") for role in ("field", "bawaslu")}
    yield app.test_client(), ids, allowed, tokens
    store.dispose()


def test_violations_tiles_need_the_token_and_hold_only_violations(violations_app):
    client, ids, allowed, tokens = violations_app
    tile, ux, uy = tile_at(*NEAR, 10)                     # holds the violation and the 3 allowed spots
    url = TILES.format("violations", tile.z, tile.y, tile.x)
    assert client.get(url).status_code == 401
    assert client.get(url, headers=bearer(tokens["field"])).status_code == 403
    response = client.get(url, headers=bearer(tokens["bawaslu"]))
    assert response.status_code == 200 and "private" in response.headers["Cache-Control"]
    features = mapbox_vector_tile.decode(response.data, default_options={"y_coord_down": True})["violations"]["features"]
    assert [f["properties"]["id"] for f in features] == ids
    x, y = features[0]["geometry"]["coordinates"]
    assert math.hypot(x - ux, y - uy) <= 1.5
    assert "reporter" not in features[0]["properties"]
    again = client.get(url, headers={**bearer(tokens["bawaslu"]), "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_tile_matrix_set_is_in_both_json_forms_of_the_standard(client):
    """TMS 2.0 (id, crs, tileMatrices) and the 1.0 form GDAL before 3.8 parses (type, identifier,
    supportedCRS, boundingBox, tileMatrix), describing the same matrices."""
    tms = client.get("/ogc/tileMatrixSets/WebMercatorQuad").get_json()
    assert tms["type"] == "TileMatrixSetType" and tms["identifier"] == "WebMercatorQuad"
    assert tms["supportedCRS"] == tms["crs"] == "http://www.opengis.net/def/crs/EPSG/0/3857"
    assert tms["boundingBox"]["lowerCorner"] == [-ORIGIN, -ORIGIN] == tms["boundingBox"]["lowerLeft"]
    assert len(tms["tileMatrix"]) == len(tms["tileMatrices"]) == 25
    for old, new in zip(tms["tileMatrix"], tms["tileMatrices"]):
        assert old["identifier"] == new["id"] and old["topLeftCorner"] == new["pointOfOrigin"]
        assert old["scaleDenominator"] == new["scaleDenominator"] and old["matrixWidth"] == new["matrixWidth"]


def test_a_tileset_lists_the_tile_matrix_limits_of_its_collection(client):
    tileset = client.get("/ogc/collections/regencies/tiles/WebMercatorQuad").get_json()
    limits = {limit["tileMatrix"]: limit for limit in tileset["tileMatrixSetLimits"]}
    assert sorted(limits, key=int) == [str(z) for z in range(19)]
    west, south, east, north = client.get("/ogc/collections/regencies").get_json()["extent"]["spatial"]["bbox"][0]
    for lon, lat in ((west, south), (east, north), (106.85, -6.2)):   # corners and Jakarta fall inside
        tile, _, _ = tile_at(lon, lat, 10)
        limit = limits["10"]
        assert limit["minTileCol"] <= tile.x <= limit["maxTileCol"]
        assert limit["minTileRow"] <= tile.y <= limit["maxTileRow"]
    assert limits["0"] == {"tileMatrix": "0", "minTileRow": 0, "maxTileRow": 0, "minTileCol": 0, "maxTileCol": 0}
    assert limits["5"]["maxTileCol"] - limits["5"]["minTileCol"] < 8       # Indonesia, not the world


def test_warm_builds_the_first_tiles_indexes_before_any_request(app):
    """A server warms the tiles once before forking: the first zoom-5 tiles then build no index."""
    from webmap.tiles import vector_tiles, warm_tiles

    assert warm_tiles(app) == ["regencies", "sites"]
    with app.app_context():
        tiles = vector_tiles()
        built = dict(tiles._built)
        shapes = built["regencies"][0]
        assert set(shapes._levels) == set(shapes.LEVELS)            # the low zooms' copies too
    client = app.test_client()
    tile, _, _ = tile_at(106.85, -6.2, 5)
    for collection in ("regencies", "sites"):
        assert client.get(TILES.format(collection, tile.z, tile.y, tile.x)).status_code == 200
    with app.app_context():
        assert vector_tiles() is tiles and tiles._built == built     # nothing built on the request
        assert set(shapes._levels) == set(shapes.LEVELS)
