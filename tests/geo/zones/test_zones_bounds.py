"""Bounded answers of /api/zones.geojson and the OGC collections (issue #13): list parameters
deduped and capped, answers capped and streamed, extreme datetimes, filters on columns a layers
directory lacks, coordinates off the globe."""
from __future__ import annotations

import datetime as dt
import json
import shutil
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from geo import Engine, InputError, bundled_layers_dir, load_layers
from geo.catalog.features import CollectionInfo, FrameCollection, Query, frame_bbox, parse_interval, parse_list
from geo.config import Settings
from geo.errors import TooLarge
from geo.exports.writers import to_bytes
from geo.zones.exclusion import ExclusionZoneCache, select
from tests.geo.zones.test_zones import LAT, LON, _offset
from webmap import create_app
from zonasi.testing.layers import make_layers_dir


def _app(tmp_path, engine, **settings):
    app = create_app(Settings(instance_dir=tmp_path / "instance", **settings), engine=engine)
    app.config["TESTING"] = True
    return app


@pytest.fixture()
def small_app(tmp_path):
    sites = gpd.GeoDataFrame({"name": ["SD 1", "Masjid"], "category": ["school", "place_of_worship"]},
                             geometry=[Point(LON, LAT), Point(*_offset(LON, LAT, 0, 400))], crs=4326)
    directory = make_layers_dir(tmp_path)
    sites.to_parquet(directory / "sites" / "test.parquet")
    return _app(tmp_path, Engine(load_layers(directory)))


def test_parse_list_dedupes_and_caps():
    assert parse_list(",".join(["32.12"] * 600), "regency") == ["32.12"]
    assert parse_list(["a,b", " b ", "", "c,,a"], "x") == ["a", "b", "c"]
    assert parse_list(None, "x") == []
    with pytest.raises(InputError, match="regency lists 51 different values; at most 50") as raised:
        parse_list([f"{i}" for i in range(51)], "regency")
    assert raised.value.details["parameter"] == "regency"


def test_600_repeats_of_one_code_answer_like_one_code(small_app):
    client = small_app.test_client()
    one = client.get("/api/zones.geojson?regency=32.12")
    many = client.get("/api/zones.geojson?regency=" + ",".join(["32.12"] * 600))
    repeated = client.get("/api/zones.geojson", query_string=[("regency", "32.12")] * 600
                          + [("category", "school,place_of_worship")] * 600)
    assert one.status_code == many.status_code == repeated.status_code == 200
    assert len(one.get_json()["features"]) == 2
    assert many.get_json() == one.get_json() == repeated.get_json()


def test_too_many_regencies_or_values_are_400_naming_the_parameter(small_app):
    client = small_app.test_client()
    seven = ",".join(["32.09", "32.12", "63.10", "32.01", "32.02", "32.03", "32.04"])
    response = client.get(f"/api/zones.geojson?regency={seven}&lang=en")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert "7 regencies asked (at most 6)" in response.get_json()["detail"]
    codes = ",".join(f"32.{i:02d}" for i in range(1, 52))
    response = client.get(f"/api/zones.geojson?regency={codes}&lang=en")
    assert response.status_code == 400
    assert "regency lists 51 different values; at most 50" in response.get_json()["detail"]
    response = client.get(f"/api/zones.geojson?regency=32.12&category={codes}")
    assert response.status_code == 400 and "50" in response.get_json()["detail"]


def test_a_normal_answer_is_what_the_whole_frame_writer_gave(app, client, engine):
    """The stream holds what the answer built in one piece held before (GDAL's RFC 7946 writer
    over the concatenated zones of the regencies)."""
    query = "regency=31.71,32.12&category=school,health_facility&bbox=106.7,-6.4,108.4,-6.1"
    body = client.get(f"/api/zones.geojson?{query}").get_json()
    cache = ExclusionZoneCache(engine)
    bbox = (106.7, -6.4, 108.4, -6.1)
    frames = [select(cache.get(code), "school,health_facility", bbox) for code in ("31.71", "32.12")]
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=4326)
    before = json.loads(to_bytes(frame, "geojson", layer="zones"))
    before.update(rules_version=engine.rules_version, layers_version=engine.layers_version)
    assert len(body["features"]) == 4
    assert body == before


def test_a_bbox_touching_no_regency_is_an_empty_collection(client):
    response = client.get("/api/zones.geojson?bbox=0,0,1,1")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection" and body["features"] == [] and body["rules_version"]


def test_an_answer_past_the_vertex_limit_is_413(tmp_path, small_app):
    ok = small_app.test_client().get("/api/zones.geojson?regency=32.12")
    vertices = sum(len(np.asarray(ring)) for f in ok.get_json()["features"]
                   for ring in f["geometry"]["coordinates"][:1])
    app = _app(tmp_path / "tight", small_app.extensions["zonasi"].engine, max_zone_vertices=vertices - 1)
    response = app.test_client().get("/api/zones.geojson?regency=32.12&lang=en")
    assert response.status_code == 413 and response.mimetype == "application/problem+json"
    assert f"at most {vertices - 1}): narrow the bbox" in response.get_json()["detail"]


# -- OGC -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text,start,end", [
    ("0001-01-01T00:00:00+01:00/..", dt.datetime.min, None),
    ("../0001-01-01T00:00:00+01:00", None, dt.datetime.min),
    ("9999-12-31T23:59:59-01:00", dt.datetime.max, dt.datetime.max),
    ("0001-01-01T00:00:00+14:00/9999-12-31T23:59:59-14:00", dt.datetime.min, dt.datetime.max),
])
def test_extreme_datetimes_with_offsets_clamp_to_what_utc_holds(text, start, end):
    utc = dt.UTC
    assert parse_interval(text) == (start and start.replace(tzinfo=utc), end and end.replace(tzinfo=utc))


@pytest.mark.parametrize("text,matched", [
    ("0001-01-01T00:00:00+01:00/..", 1), ("../9999-12-31T23:59:59-01:00", 1), ("9999-12-31T23:59:59-01:00", 0),
    ("../0001-01-01T00:00:00+01:00", 0), ("0001-01-01T00:00:00+01:00/9999-12-31T23:59:59-01:00", 1)])
def test_extreme_datetimes_on_the_report_collections(store_settings, engine, text, matched):
    app = create_app(store_settings, engine=engine)
    store = app.extensions["zonasi"].store
    try:
        store.submit({"apk_type": "baliho", "lon": 108.32, "lat": -6.33, "reported_at": "2024-01-10T08:00:00Z"})
        headers = {"Authorization": f"Bearer {store.tokens.create('admin', 'test')}"}
        for collection in ("reports", "violations"):
            response = app.test_client().get(f"/ogc/collections/{collection}/items",
                                             query_string={"datetime": text}, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)
            if collection == "reports":
                assert response.get_json()["numberMatched"] == matched
    finally:
        store.dispose()


def _stripped_layers(tmp_path):
    """The bundled layers with the optional site columns and the regencies' province_code dropped."""
    directory = tmp_path / "layers"
    shutil.copytree(bundled_layers_dir(), directory)
    for path in (directory / "sites").glob("*.parquet"):
        frame = gpd.read_parquet(path)
        frame.drop(columns=[c for c in ("regency_code", "source_id", "note", "religion", "source",
                                        "source_category") if c in frame.columns]).to_parquet(path)
    regencies = gpd.read_parquet(directory / "regencies.parquet")
    regencies.drop(columns=[c for c in ("province_code", "regency_type") if c in regencies.columns]).to_parquet(
        directory / "regencies.parquet")
    return directory


def test_property_filters_on_columns_the_layers_lack_match_nothing(tmp_path):
    app = _app(tmp_path, Engine(load_layers(_stripped_layers(tmp_path))))
    client = app.test_client()
    for query, matched in (("sites/items?regency_code=32.12", 0), ("sites/items?layer=indramayu", 1318),
                           ("regencies/items?province_code=32", 0), ("regencies/items?regency_type=Kota", 0),
                           ("sites/items?properties=source_id,note,name&limit=3", 16958)):
        response = client.get(f"/ogc/collections/{query}")
        assert response.status_code == 200, (query, response.get_data(as_text=True)[:300])
        assert response.get_json()["numberMatched"] == matched, query
    feature = client.get("/ogc/collections/sites/items?properties=source_id,note,name&limit=1").get_json()
    assert set(feature["features"][0]["properties"]) == {"name"}


def test_off_globe_and_not_a_number_geometries_stay_out_of_extents_and_json():
    with warnings.catch_warnings():  # shapely warns about the NaN in the line
        warnings.simplefilter("ignore", RuntimeWarning)
        line = LineString([(108.0, -6.0), (np.nan, -6.1), (108.2, -6.2)])
    frame = gpd.GeoDataFrame(
        {"id": ["ok", "huge", "inf", "nan", "line"], "score": [1.0, np.inf, -np.inf, np.nan, 2.0]},
        geometry=[Point(108.3, -6.3), Point(1e308, 1e308), Point(np.inf, 0), Point(np.nan, np.nan),
                  line], crs=4326)
    assert frame_bbox(frame) == (108.3, -6.3, 108.3, -6.3)
    info = CollectionInfo(id="t", title="t", description="t", geometry="Point", properties={"score": "number"},
                          bbox=frame_bbox(frame))
    collection = FrameCollection(info, frame, "id", ["score"])
    page = collection.items(Query(limit=10))
    text = json.dumps(page.features, allow_nan=False)          # raises on NaN / Infinity
    geometries = {f["id"]: f["geometry"] for f in json.loads(text)}
    assert geometries == {"ok": {"type": "Point", "coordinates": [108.3, -6.3]}, "huge": None, "inf": None,
                          "nan": None, "line": None}
    assert [f["properties"]["score"] for f in page.features] == [1.0, None, None, None, 2.0]
    assert collection.items(Query(bbox=(-180, -90, 180, 90))).matched == 1


def test_an_off_globe_site_leaves_the_collection_extents_valid(tmp_path):
    directory = make_layers_dir(tmp_path)
    gpd.GeoDataFrame({"name": ["SD", "far"], "category": ["school", "school"]},
                     geometry=[Point(LON, LAT), Point(1e308, 1e308)], crs=4326).to_parquet(
        directory / "sites" / "test.parquet")
    client = _app(tmp_path, Engine(load_layers(directory))).test_client()
    response = client.get("/ogc/collections")
    assert response.status_code == 200
    for collection in response.get_json()["collections"]:
        for box in collection.get("extent", {}).get("spatial", {}).get("bbox", []):
            assert -180 <= box[0] <= box[2] <= 180 and -90 <= box[1] <= box[3] <= 90, collection["id"]
    items = client.get("/ogc/collections/sites/items")
    assert items.status_code == 200 and items.is_streamed
    assert all(f["geometry"] is None or abs(f["geometry"]["coordinates"][0]) <= 180
               for f in json.loads(items.get_data(as_text=True), parse_constant=pytest.fail)["features"])


def test_a_page_ends_at_its_vertex_budget_and_next_goes_on(engine):
    regencies = engine.layers.regencies.iloc[:20]
    info = CollectionInfo(id="r", title="r", description="r", geometry="MultiPolygon", properties={"name": "string"})
    whole = FrameCollection(info, regencies, "code", ["name"])
    tight = FrameCollection(info, regencies, "code", ["name"], page_vertices=1)
    assert whole.items(Query(limit=100)).returned == 20
    seen, offset = [], 0
    while True:
        page = tight.items(Query(limit=100, offset=offset))
        assert page.returned == 1 and page.matched == 20   # one feature per page, paging moves on
        seen += [f["id"] for f in page.features]
        offset += page.returned
        if not page.has_next(offset - page.returned):
            break
    assert seen == regencies["code"].tolist()


def test_zones_pages_make_a_bounded_number_of_regencies_and_next_links_cover_all(app, client, engine):
    from geo.catalog.zones import MAX_FRESH_REGENCIES, ZonesCollection

    every = ZonesCollection(engine, ExclusionZoneCache(engine))
    expected = [f for code in every.candidates() for f, _ in every._features(code, None)]
    url, seen, pages = "/ogc/collections/zones/items?limit=10000", [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200 and response.is_streamed
        body = response.get_json()
        seen += [f["id"] for f in body["features"]]
        pages += 1
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
    assert seen == [f["id"] for f in expected]
    assert pages > 1                                  # at most MAX_FRESH_REGENCIES regencies made per page
    deep = client.get(f"/ogc/collections/zones/items?offset={len(expected) - 1}")
    assert deep.status_code == 200                                   # made already: no budget needed
    cold = ZonesCollection(engine, ExclusionZoneCache(engine))
    with pytest.raises(TooLarge, match=f"more than {MAX_FRESH_REGENCIES} regencies"):
        cold.items(Query(offset=len(expected) - 1))
