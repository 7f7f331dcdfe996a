"""geo.exports: GeoJSON (RFC 7946), CSV, KML and GeoPackage, whole and chunk by chunk."""
from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo import InputError
from geo.exports import FORMATS, FeatureSink, csv_frame, get_format, to_bytes, to_frame, write_features

RECORDS = [
    {"name": "Baliho A", "lon": 108.123456789123, "lat": -6.327654321987, "count": 2},
    {"name": "Spanduk B", "lon": 108.3, "lat": -6.4, "count": None},
]


def _decimals(number: float) -> int:
    text = repr(float(number))
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def assert_rfc7946(text: str) -> dict:
    doc = json.loads(text)
    assert doc["type"] == "FeatureCollection"
    assert "crs" not in doc
    for feature in doc["features"]:
        assert feature["type"] == "Feature"
        lon, lat = feature["geometry"]["coordinates"]
        assert 95 <= lon <= 141 and -11 <= lat <= 6, "lon,lat order"
        assert _decimals(lon) <= 7 and _decimals(lat) <= 7
    return doc


def test_geojson_is_rfc7946_and_opens_with_geopandas(tmp_path):
    path = tmp_path / "out.geojson"
    write_features(RECORDS, None, path)
    doc = assert_rfc7946(path.read_text("utf-8"))
    assert doc["features"][0]["geometry"]["coordinates"] == [108.1234568, -6.3276543]
    assert doc["features"][1]["properties"]["count"] is None
    frame = gpd.read_file(path)
    assert list(frame["name"]) == ["Baliho A", "Spanduk B"]
    assert frame.crs.to_epsg() == 4326


def test_geojson_from_a_projected_frame_is_reprojected_to_lon_lat():
    frame = gpd.GeoDataFrame({"name": ["x"]}, geometry=[shapely.Point(108.32, -6.33)], crs=4326).to_crs(32749)
    doc = assert_rfc7946(to_bytes(frame, "geojson").decode())
    lon, lat = doc["features"][0]["geometry"]["coordinates"]
    assert lon == pytest.approx(108.32, abs=1e-7) and lat == pytest.approx(-6.33, abs=1e-7)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_round_trips(tmp_path, fmt):
    path = tmp_path / f"out{FORMATS[fmt].extension}"
    write_features(RECORDS, fmt, path)
    if fmt == "csv":
        back = pd.read_csv(path)
        assert list(back.columns) == ["name", "lon", "lat", "count"]
    else:
        back = gpd.read_file(path)
        assert back.geometry.x.round(6).tolist() == [108.123457, 108.3]
    if fmt == "kml":  # the name becomes the placemark's <name>
        back = back.rename(columns={"Name": "name"})
    assert back["name"].tolist() == ["Baliho A", "Spanduk B"]


def test_kml_names_placemarks_and_limits_decimals():
    text = to_bytes(RECORDS, "kml").decode()
    assert "<name>Baliho A</name>" in text
    coords = re.findall(r"<coordinates>([^<]+)</coordinates>", text)
    assert coords[0] == "108.1234568,-6.3276543"


def test_sink_streams_chunks_into_one_feature_collection(tmp_path):
    path = tmp_path / "chunks.geojson"
    with FeatureSink(path) as sink:
        sink.write(RECORDS)
        sink.write([])
        sink.write(pd.DataFrame(RECORDS))
    doc = assert_rfc7946(path.read_text("utf-8"))
    assert len(doc["features"]) == 4 == sink.count
    assert len(gpd.read_file(path)) == 4


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "csv", "kml"])
def test_sink_with_no_features_writes_a_valid_empty_file(tmp_path, fmt):
    path = tmp_path / f"empty{FORMATS[fmt].extension}"
    with FeatureSink(path):
        pass
    if fmt == "csv":
        assert path.read_text().strip() == "lon,lat"
    else:
        assert len(gpd.read_file(path)) == 0


@pytest.mark.parametrize("fmt", ["gpkg", "csv"])
def test_sink_appends_chunks(tmp_path, fmt):
    path = tmp_path / f"chunks{FORMATS[fmt].extension}"
    with FeatureSink(path) as sink:
        sink.write(RECORDS)
        sink.write(RECORDS)
    back = pd.read_csv(path) if fmt == "csv" else gpd.read_file(path)
    assert back["name"].tolist() == ["Baliho A", "Spanduk B"] * 2


def test_csv_of_lines_uses_wkt():
    frame = gpd.GeoDataFrame({"name": ["road"]}, geometry=[shapely.LineString([(108, -6), (108.1, -6.1)])],
                             crs=4326)
    assert csv_frame(frame)["wkt"].iloc[0] == "LINESTRING (108 -6, 108.1 -6.1)"


def test_unknown_format_and_missing_coordinates_say_what_to_do():
    with pytest.raises(InputError, match="use one of geojson, csv, kml, gpkg"):
        get_format("shp")
    with pytest.raises(InputError, match="lon and lat"):
        to_frame([{"name": "x"}])
    assert get_format(".GeoJSON").media_type == "application/geo+json"


# -- the registry is what the web, OpenAPI and the command line offer ---------------------------

def _read_back(path, fmt: str):
    """The features of an exported file: a table for CSV, else what GDAL reads."""
    if fmt == "csv":
        return pd.read_csv(path)
    return gpd.read_file(path, engine="pyogrio")


@pytest.fixture()
def violations_api(app):
    from zonasi.testing.reports import VIOLATION, report

    store = app.extensions["zonasi"].store
    field, satpolpp = store.tokens.create("field", "field test"), store.tokens.create("satpolpp", "satpolpp test")
    client = app.test_client()
    posted = client.post("/api/reports", json=report(VIOLATION), headers={"Authorization": f"Bearer {field}"})
    assert posted.status_code == 201, posted.json
    yield client, {"Authorization": f"Bearer {satpolpp}"}, posted.json["id"]
    store.dispose()


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_registered_format_round_trips_through_the_violations_export(violations_api, tmp_path, fmt):
    client, headers, report_id = violations_api
    f = FORMATS[fmt]
    response = client.get(f"/api/violations.{f.name}", headers=headers)
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == f.media_type
    assert f'filename="violations{f.extension}"' in response.headers["Content-Disposition"]
    path = tmp_path / f"back{f.extension}"
    path.write_bytes(response.data)
    back = _read_back(path, fmt)
    assert len(back) == 1
    if fmt != "kml":  # KML keeps only the placemark's name and description
        assert back["id"].tolist() == [report_id]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_registered_format_round_trips_through_zones_export_or_is_refused(tmp_path, fmt):
    from click.testing import CliRunner

    from zonasi.cli import cli
    from zonasi.commands.zones import ZONE_FORMATS

    f = FORMATS[fmt]
    out = tmp_path / f"zones{f.extension}"
    result = CliRunner().invoke(cli, ["zones", "export", "--regency", "32.12", "--category", "health_facility",
                                      "-o", str(out), "--lang", "en"])
    if f not in ZONE_FORMATS:  # zones are polygons: the CSV table is refused, naming what is offered
        assert result.exit_code == 2 and "polygons" in result.output
        assert all(z.extension in result.output for z in ZONE_FORMATS)
        return
    assert result.exit_code == 0, result.output
    back = _read_back(out, fmt)
    assert len(back) >= 1 and back.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).all()


def test_openapi_and_the_violations_page_offer_exactly_the_registered_formats(app):
    client = app.test_client()
    page = client.get("/violations?lang=en").get_data(as_text=True)
    assert re.findall(r'data-format="([^"]+)"', page) == list(FORMATS)
    doc = client.get("/openapi.json").get_json()
    operation = doc["paths"]["/api/violations.{fmt}"]["get"]
    fmt = next(p for p in operation["parameters"] if p["name"] == "fmt")
    assert fmt["schema"]["enum"] == list(FORMATS)
    assert list(operation["responses"]["200"]["content"]) == [f.media_type for f in FORMATS.values()]


def test_a_format_needs_a_writer():
    from geo.exports import Format

    with pytest.raises(TypeError, match="needs a Writer"):
        Format("shp", "application/x-shapefile", ".shp", None)
    assert {f.name: f.chunked for f in FORMATS.values()} == {"geojson": True, "csv": True, "kml": False,
                                                               "gpkg": True}
