"""geo.exports.writers: GeoJSON (RFC 7946), CSV, KML and GeoPackage, whole and chunk by chunk."""
from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geo import InputError
from geo.exports.writers import FORMATS, FeatureSink, csv_frame, get_format, to_bytes, to_frame, write_features

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
    path = tmp_path / f"out{FORMATS[fmt].suffix}"
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
    path = tmp_path / f"empty{FORMATS[fmt].suffix}"
    with FeatureSink(path):
        pass
    if fmt == "csv":
        assert path.read_text().strip() == "lon,lat"
    else:
        assert len(gpd.read_file(path)) == 0


@pytest.mark.parametrize("fmt", ["gpkg", "csv"])
def test_sink_appends_chunks(tmp_path, fmt):
    path = tmp_path / f"chunks{FORMATS[fmt].suffix}"
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
