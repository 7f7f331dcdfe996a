"""The OGC collections say which geometry types their features have (issue #15, "Also found"):
``sites`` holds points and the Sanga-Sanga road lines, so it is declared ``geometry-any`` with both
types named, not Point (nor Polygon, which it does not hold)."""
from __future__ import annotations

import shapely


def _types_of(features) -> set[str]:
    return {f["geometry"]["type"] for f in features if f["geometry"]}


def test_sites_are_declared_as_what_they_hold(client, layers):
    held = {shapely.get_type_id(g) for g in layers.sites.geometry.to_numpy()}
    assert held == {0, 1}   # points and lines: the bundled layers
    geometry = client.get("/ogc/collections/sites").get_json()["geometry"]
    assert geometry == {"format": "geometry-any", "x-ogc-role": "primary-geometry",
                        "geometryTypes": ["Point", "LineString"]}
    roads = client.get("/ogc/collections/sites/items?layer=sanga_sanga_kutai_kartanegara_roads&limit=5").get_json()
    schools = client.get("/ogc/collections/sites/items?category=school&limit=5").get_json()
    assert _types_of(roads["features"]) | _types_of(schools["features"]) == set(geometry["geometryTypes"])


def test_every_collection_declares_its_geometry_in_the_list_too(client, layers):
    listed = {c["id"]: c["geometry"] for c in client.get("/ogc/collections").get_json()["collections"]}
    assert listed["sites"]["format"] == "geometry-any"
    assert listed["regencies"] == {"format": "geometry-multipolygon", "x-ogc-role": "primary-geometry",
                                   "geometryTypes": ["MultiPolygon"]}
    assert listed["zones"]["format"] == "geometry-polygon-or-multipolygon"
    assert listed["violations"]["geometryTypes"] == ["Point"]


def test_a_points_only_sites_layer_is_declared_as_points(tmp_path):
    import geopandas as gpd

    from geo import Engine, load_layers
    from geo.config import Settings
    from webmap import create_app
    from zonasi.testing.layers import make_layers_dir

    directory = make_layers_dir(tmp_path)
    gpd.GeoDataFrame({"name": ["SD 1"], "category": ["school"]}, geometry=[shapely.Point(108.32, -6.33)],
                     crs=4326).to_parquet(directory / "sites" / "test.parquet")
    app = create_app(Settings(instance_dir=tmp_path / "instance"), engine=Engine(load_layers(directory)))
    geometry = app.test_client().get("/ogc/collections/sites").get_json()["geometry"]
    assert geometry["format"] == "geometry-point" and geometry["geometryTypes"] == ["Point"]
