"""/api/coverage.geojson, /api/coverage.json and the OGC ``coverage`` collection (#15), on the bundled
layers and on a small layers directory with its own coverage.toml. Expected figures are computed here
independently (areas in UTM with geopandas, regencies in a bbox with shapely)."""
from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from geo import Engine, load_layers
from geo.catalog.stats import site_regencies
from geo.config import Settings
from geo.layers.directory import bundled_layers_dir
from geo.rules.model import CATEGORIES
from zonasi.testing.layers import make_layers_dir

SANGA_SANGA_BBOX = (117.15, -0.7, 117.3, -0.55)
SEA_BBOX = (90.0, -20.0, 91.0, -19.0)   # the Indian Ocean: no regency
UTM_50S = 32750
UTM_49S = 32749

COVERAGE_TOML = """
[[complete]]
categories = ["school", "health_facility"]
regencies = ["32.12"]
source = "Kemdikbud 2019; Kemenkes 2019"
as_of = 2019-12-31

[[complete]]
categories = ["place_of_worship"]
area = "coverage/west.geojson"
source = "Survei lapangan"
"""
# Cirebon (32.09) also requires roads here: five required categories
OVERRIDE = '\n[regencies."32.09"]\nname = "Kabupaten Cirebon"\nrequired = { road = true }\n'


def _app(directory, **settings):
    from webmap import create_app

    app = create_app(Settings(instance_dir=directory.parent / "instance", **settings),
                     engine=Engine(load_layers(directory)))
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def own_dir(tmp_path):
    """Three regencies, no sites; schools and health facilities complete in Indramayu (32.12), places
    of worship inside a box over the western half of Cirebon (32.09)."""
    rules = (bundled_layers_dir() / "rules.toml").read_text("utf-8") + OVERRIDE
    directory = make_layers_dir(tmp_path, rules=rules, complete=False)
    regencies = gpd.read_parquet(directory / "regencies.parquet")
    west, south, east, north = regencies[regencies["code"] == "32.09"].total_bounds
    box = shapely.box(west - 0.01, south - 0.01, (west + east) / 2, north + 0.01)
    (directory / "coverage").mkdir()
    (directory / "coverage" / "west.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(box))}]}), "utf-8")
    (directory / "coverage.toml").write_text(COVERAGE_TOML, "utf-8")
    return directory, box


def _share(directory, code, box) -> float:
    """The part of regency ``code`` inside ``box``, by area in UTM 49S (independent of the code under test)."""
    regencies = gpd.read_parquet(directory / "regencies.parquet")
    regency = regencies[regencies["code"] == code].to_crs(UTM_49S).geometry.iloc[0]
    projected = gpd.GeoSeries([box], crs=4326).to_crs(UTM_49S).iloc[0]
    return regency.intersection(projected).area / regency.area


def _by_id(body):
    return {f["id"]: f for f in body["features"]}


# -- /api/coverage.geojson ------------------------------------------------------------------------

def test_geojson_on_own_coverage_gives_status_fraction_and_sources_per_regency(own_dir):
    directory, box = own_dir
    client = _app(directory).test_client()
    response = client.get("/api/coverage.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = response.get_json()
    features = _by_id(body)
    assert set(features) == {"32.09", "32.12", "63.10", "area-1"}
    assert body["declared"] is True

    share_cirebon = _share(directory, "32.09", box)
    assert 0.2 < share_cirebon < 0.8
    cirebon = features["32.09"]["properties"]
    assert cirebon["required"] == ["place_of_worship", "health_facility", "school", "government_office", "road"]
    assert cirebon["status"] == {"place_of_worship": "partial", "health_facility": "none", "school": "none",
                                 "government_office": "none", "road": "none"}
    assert cirebon["required_complete_fraction"] == pytest.approx(share_cirebon / 5, rel=0.02)
    assert cirebon["level"] == "partial"
    assert [s["source"] for s in cirebon["sources"]] == ["Survei lapangan"]

    indramayu = features["32.12"]["properties"]
    share_indramayu = _share(directory, "32.12", box)
    assert indramayu["status"]["school"] == "complete" and indramayu["status"]["health_facility"] == "complete"
    assert indramayu["status"]["government_office"] == "none"
    expected = (2 + share_indramayu) / 4
    assert indramayu["required_complete_fraction"] == pytest.approx(expected, rel=0.02)
    assert indramayu["level"] == "partial"
    kemdikbud = next(s for s in indramayu["sources"] if s["source"].startswith("Kemdikbud"))
    assert kemdikbud == {"categories": ["school", "health_facility"], "source": "Kemdikbud 2019; Kemenkes 2019",
                         "as_of": "2019-12-31"}
    assert "road" not in indramayu["status"] and indramayu["advisory"]["road"] == "none"

    tanah_bumbu = features["63.10"]["properties"]   # far away: nothing declared
    assert tanah_bumbu["required_complete_fraction"] == 0 and tanah_bumbu["level"] == "none"
    assert set(tanah_bumbu["status"].values()) == {"none"} and tanah_bumbu["sources"] == []

    area = features["area-1"]
    assert area["properties"] == {"kind": "area", "area": "coverage/west.geojson",
                                  "categories": ["place_of_worship"], "source": "Survei lapangan", "as_of": None}
    drawn = shapely.from_geojson(json.dumps(area["geometry"]))   # simplified for zoom 12: a few metres off
    assert shapely.hausdorff_distance(drawn, box) < 1e-4


def test_geojson_without_coverage_declares_nothing(tmp_path):
    client = _app(make_layers_dir(tmp_path, complete=False)).test_client()
    body = client.get("/api/coverage.geojson").get_json()
    assert body["declared"] is False
    assert {f["properties"]["level"] for f in body["features"]} == {"none"}
    assert len(body["features"]) == 3           # regencies only: no declared areas


def test_geojson_bbox_zoom_properties_and_etag_on_the_bundled_layers(client, layers):
    bbox = ",".join(map(str, SANGA_SANGA_BBOX))
    response = client.get(f"/api/coverage.geojson?bbox={bbox}&zoom=9&properties=name,level")
    assert response.status_code == 200
    features = _by_id(response.get_json())
    regencies = layers.regencies
    touched = regencies[shapely.intersects(regencies.geometry.to_numpy(), shapely.box(*SANGA_SANGA_BBOX))]
    assert set(features) == set(touched["code"]) | {"area-0"}
    assert features["64.02"]["properties"] == {"kind": "regency", "name": "Kabupaten Kutai Kartanegara",
                                               "level": "partial"}
    assert response.headers["Cache-Control"] == "public, max-age=300"
    etag = response.headers["ETag"]
    assert client.get(f"/api/coverage.geojson?bbox={bbox}&zoom=9&properties=name,level",
                      headers={"If-None-Match": etag}).status_code == 304
    assert client.get(f"/api/coverage.geojson?bbox={bbox}&zoom=8").headers["ETag"] != etag
    everything = client.get("/api/coverage.geojson?zoom=5").get_json()
    assert len([f for f in everything["features"] if f["properties"]["kind"] == "regency"]) == len(regencies)
    assert everything["layers_version"] == layers.version


def test_etag_follows_the_layers_version(own_dir):
    directory, _ = own_dir
    first = _app(directory).test_client().get("/api/coverage.geojson").headers["ETag"]
    (directory / "coverage.toml").write_text(COVERAGE_TOML.replace("2019-12-31", "2020-06-30"), "utf-8")
    second = _app(directory).test_client().get("/api/coverage.geojson")
    assert second.headers["ETag"] != first
    assert any(s["as_of"] == "2020-06-30" for s in _by_id(second.get_json())["32.12"]["properties"]["sources"])


def test_a_bbox_over_the_sea_is_an_empty_collection(client):
    response = client.get("/api/coverage.geojson?bbox=" + ",".join(map(str, SEA_BBOX)))
    assert response.status_code == 200 and response.get_json()["features"] == []


@pytest.mark.parametrize("query, parameter", [
    ("zoom=-1", "zoom"), ("zoom=abc", "zoom"), ("zoom=31", "zoom"), ("zoom=" + "9" * 400, "zoom"),
    ("foo=1", "foo"), ("properties=nme", "properties"), ("bbox=1,2,3", "bbox"), ("bbox=1,nan,3,4", "bbox"),
])
def test_bad_parameters_are_400_problems(client, query, parameter):
    response = client.get(f"/api/coverage.geojson?{query}&lang=en")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["parameter"] == parameter


def test_bad_zoom_is_said_in_the_callers_language(client):
    assert "must be a whole number" in client.get("/api/coverage.geojson?zoom=x&lang=en").get_json()["detail"]
    assert "harus bilangan bulat" in client.get("/api/coverage.geojson?zoom=x&lang=id").get_json()["detail"]


def test_an_answer_over_the_vertex_limit_is_413(own_dir):
    directory, _ = own_dir
    client = _app(directory, max_zone_vertices=50).test_client()
    response = client.get("/api/coverage.geojson?lang=en")
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert "at most 50" in response.get_json()["detail"]
    assert client.get("/api/coverage.geojson?bbox=" + ",".join(map(str, SEA_BBOX))).status_code == 200


# -- /api/coverage.json (the dashboard's table) ----------------------------------------------------

def test_table_lists_regencies_with_sites_or_declarations_on_the_bundled_layers(client, layers):
    body = client.get("/api/coverage.json").get_json()
    with_sites = {c for c in site_regencies(layers) if c is not None}
    declared = {c for category in CATEGORIES for c, s in layers.coverage.regency_status(category).items()
                if s != "none"}
    listed = {r["code"] for r in body["regencies"]}
    assert listed == with_sites | declared
    assert body["total"] == len(layers.regencies) and body["without_data"] == body["total"] - len(listed)
    kukar = next(r for r in body["regencies"] if r["code"] == "64.02")
    codes = np.array(site_regencies(layers), dtype=object)
    categories = layers.site_features.column("category")
    assert kukar["sites"] == int((codes == "64.02").sum())
    assert kukar["site_categories"]["road"] == int(((codes == "64.02") & (categories == "road")).sum())
    assert kukar["level"] == "partial" and 0 < kukar["required_complete_fraction"] < 0.05
    assert body["levels"]["complete"] == 0 and sum(body["levels"].values()) == body["total"]
    assert body["required"] == ["place_of_worship", "health_facility", "school", "government_office"]
    fractions = [r["required_complete_fraction"] for r in body["regencies"]]
    assert fractions == sorted(fractions, reverse=True)          # the most complete first


def test_table_on_own_coverage_counts_regencies_without_data(own_dir):
    directory, _ = own_dir
    body = _app(directory).test_client().get("/api/coverage.json").get_json()
    assert {r["code"] for r in body["regencies"]} == {"32.09", "32.12"}   # no sites; 63.10 declares nothing
    assert body["without_data"] == 1 and body["total"] == 3 and body["declared"] is True
    assert body["required"] == ["place_of_worship", "health_facility", "school", "government_office", "road"]


# -- OGC API - Features: the coverage collection ---------------------------------------------------

def test_ogc_lists_the_coverage_collection(client):
    ids = [c["id"] for c in client.get("/ogc/collections").get_json()["collections"]]
    assert "coverage" in ids
    described = client.get("/ogc/collections/coverage").get_json()
    assert described["extent"]["spatial"]["bbox"][0][0] < 96    # Aceh's west


def test_ogc_coverage_items_by_bbox_with_a_property_per_category(client, layers):
    bbox = ",".join(map(str, SANGA_SANGA_BBOX))
    body = client.get(f"/ogc/collections/coverage/items?bbox={bbox}").get_json()
    regencies = layers.regencies
    touched = regencies[shapely.intersects(regencies.geometry.to_numpy(), shapely.box(*SANGA_SANGA_BBOX))]
    assert {f["id"] for f in body["features"]} == set(touched["code"])
    assert body["numberMatched"] == len(touched)
    kukar = next(f for f in body["features"] if f["id"] == "64.02")["properties"]
    assert {c: kukar[c] for c in CATEGORIES} == {c: layers.coverage.regency_status(c)["64.02"] for c in CATEGORIES}
    assert kukar["level"] == "partial" and kukar["required"] == "place_of_worship,health_facility,school,government_office"
    assert "BIG RBI" in kukar["sources"]
    everything = client.get("/ogc/collections/coverage/items?limit=1").get_json()
    assert everything["numberMatched"] == len(regencies)


def test_ogc_coverage_filter_by_level_and_one_item(client, layers):
    partial = {c for c in layers.regencies["code"]
               if any(layers.coverage.regency_status(cat)[c] != "none"
                      for cat in layers.rules.required_categories(c))}
    body = client.get("/ogc/collections/coverage/items?level=partial&limit=1000").get_json()
    assert {f["id"] for f in body["features"]} == partial and partial
    item = client.get("/ogc/collections/coverage/items/32.12").get_json()
    assert item["properties"]["place_of_worship"] == "none" and item["properties"]["level"] == "none"
    assert client.get("/ogc/collections/coverage/items/99.99").status_code == 404
