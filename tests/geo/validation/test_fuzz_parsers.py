"""Property-based fuzzing (hypothesis) of the parsers the CSV/coordinate tests do not cover yet:
pair columns against the map's search, the report parser, photos, report filters, the OGC bbox and
datetime, and the geocode/check endpoints: only the parser's own error ever escapes, and every
input value is accounted for."""
from __future__ import annotations

import io
import math
import string

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from geo import InputError
from geo.bbox import parse_bbox
from geo.catalog.features import parse_interval
from geo.store.filters import ReportFilter
from geo.store.inputs import FIELDS, TEXT_LIMITS, parse_report
from geo.store.photos import read_photo
from geo.validation.coords import parse_pair_column

NUMBERISH = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**20, 10**20),
    st.integers(10**300, 10**420), st.integers(-10**420, -10**300),   # past what a float holds
    st.text(alphabet=string.digits + ".,-+eE ° '\"NSEWnsew", max_size=25), st.text(max_size=15),
    st.booleans(), st.none())
COORDINATE_TEXT = st.one_of(
    st.text(max_size=40),
    st.builds(lambda a, s, b: f"{a}{s}{b}", st.floats(-200, 200).map(lambda v: f"{v:.5f}"),
              st.sampled_from([", ", ",", " ", ";", " , ", "\t"]), st.floats(-200, 200).map(lambda v: f"{v:.5f}")),
    st.builds(lambda a, b: f"{a}, {b}", st.floats(-100, 100).map(lambda v: f"{v:.4f}".replace(".", ",")),
              st.floats(-200, 200).map(lambda v: f"{v:.4f}".replace(".", ","))))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), COORDINATE_TEXT), max_size=25))
def test_pair_column_accounts_for_every_value(values):
    out = parse_pair_column(values)
    assert len(out.lat) == len(out.lon) == len(out.problems) == len(values)
    for i, problem in enumerate(out.problems):
        if problem is None:
            assert -90 <= out.lat[i] <= 90 and -180 <= out.lon[i] <= 180
        else:
            assert problem.code and (np.isnan(out.lat[i]) or problem.code == "swapped")


REPORT_VALUES = st.fixed_dictionaries({}, optional={
    "apk_type": st.one_of(st.sampled_from(["baliho", "Spanduk", "umbul umbul", "x"]), NUMBERISH),
    "lon": NUMBERISH, "lat": NUMBERISH, "accuracy_m": NUMBERISH,
    "participant": st.one_of(st.text(max_size=250), NUMBERISH),
    "reporter": st.one_of(st.text(max_size=250), NUMBERISH), "note": st.one_of(st.text(max_size=50), NUMBERISH),
    "reported_at": st.one_of(st.text(max_size=30), st.sampled_from(["2024-01-10", "2024-01-10T09:00:00Z",
                                                                      "2024-13-40", "10/01/2024"]), NUMBERISH),
    "id": st.one_of(st.uuids().map(str), st.text(max_size=40), NUMBERISH),
    "lng": NUMBERISH, "latitude": NUMBERISH, "extra": st.text(max_size=5),
    "nested": st.one_of(st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=3), st.integers())),
})


@settings(max_examples=400, deadline=None)
@given(REPORT_VALUES)
def test_report_parser_accepts_or_says_which_field(data):
    try:
        report = parse_report(data)
    except InputError as exc:
        assert exc.status == 400 and exc.message
        return
    assert report.apk_type
    for value, low, high in ((report.lon, -180, 180), (report.lat, -90, 90), (report.accuracy_m, 0, 100_000)):
        assert value is None or (math.isfinite(value) and low <= value <= high)
    for name, limit in TEXT_LIMITS.items():
        text = getattr(report, name)
        assert text is None or (isinstance(text, str) and len(text) <= limit)
    assert set(data) <= set(FIELDS) | {"lng", "latitude", "longitude", "type", "apk", "accuracy",
                                       "gps_accuracy", "time"}
    assert report.reported_at is None or report.reported_at.tzinfo is not None


def _image(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 200, 30)).save(buffer, fmt)
    return buffer.getvalue()


SEEDS = [_image("JPEG"), _image("PNG"), _image("GIF"), _image("BMP")]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
       st.one_of(st.none(), st.integers(0, 400)), st.binary(max_size=64))
def test_photo_reader_accepts_only_jpeg_and_png_and_raises_only_input_error(seed, flips, cut, tail):
    data = bytearray(seed)
    for position, value in flips:
        data[position % len(data)] = value
    data = bytes(data[:cut] if cut is not None else data) + tail
    try:
        photo = read_photo(data, max_bytes=10_000)
    except InputError as exc:
        assert exc.details.get("field") == "photo"
        return
    assert photo.media_type in ("image/jpeg", "image/png") and photo.data == data
    assert photo.lon is None or -180 <= photo.lon <= 180


FILTER_TEXT = st.one_of(st.text(max_size=30), st.sampled_from(
    ["32.12", "violation,ok", "reported", "true", "ya", "2024-01-10", "106,-7,108,-6", "1,2,3,4,5,6", "nan,0,1,2",
     "inf,-inf,0,0", "", ",", "school,,road"]))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["regency", "category", "status", "verdict", "overdue", "since", "until",
                                        "bbox", "other"]), FILTER_TEXT, max_size=6))
def test_report_filters_parse_or_name_the_parameter(params):
    try:
        found = ReportFilter.from_params(params)
    except InputError as exc:
        assert exc.details.get("parameter") or exc.details.get("field")
        return
    if found.bbox:
        west, south, east, north = found.bbox
        assert all(math.isfinite(v) for v in found.bbox) and south <= north


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(st.one_of(st.floats(), st.text(max_size=6)), max_size=7).map(
    lambda parts: ",".join(map(str, parts)))))
def test_bbox_parsers_raise_only_input_error(text):
    for antimeridian in (True, False):
        try:
            box = parse_bbox(text, antimeridian=antimeridian)
        except InputError:
            continue
        if box is not None:
            assert all(math.isfinite(v) for v in box)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=50), st.builds(lambda a, b: f"{a}/{b}", st.sampled_from(
    ["..", "", "2024-01-10", "2024-01-10T08:00:00Z", "x", "2024-02-30"]), st.sampled_from(
    ["..", "", "2024-01-12", "2023-01-01", "2024-01-10T08:00:00+07:00", "9999-99-99"]))))
def test_interval_parser_raises_only_input_error(text):
    try:
        interval = parse_interval(text)
    except InputError:
        return
    assert interval is not None


@pytest.fixture(scope="module")
def web(tmp_path_factory, engine):
    from geo.config import Settings
    from webmap import create_app

    app = create_app(Settings(instance_dir=tmp_path_factory.mktemp("fuzzweb") / "instance"), engine=engine)
    yield app.test_client()
    app.extensions["zonasi"].store.dispose()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.one_of(COORDINATE_TEXT, st.text(max_size=210)), lat=st.text(max_size=20), lon=st.text(max_size=20))
def test_search_and_check_answer_200_or_a_problem(web, q, lat, lon):
    for response in (web.get("/api/geocode", query_string={"q": q}),
                     web.get("/api/check", query_string={"lat": lat, "lon": lon, "at": q[:12]})):
        assert response.status_code in (200, 400), (q, lat, lon, response.status_code)
        if response.status_code == 400:
            assert response.mimetype == "application/problem+json" and response.json["detail"]
