"""geo.validation.coords: every written form of a coordinate, and a specific reason for every bad one."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.validation.coords import CoordinateError, parse_columns, parse_pair, parse_pair_column, parse_value

AREA = (94.5, -11.5, 141.5, 6.5)  # Indonesia


@pytest.mark.parametrize("text, expected", [
    ("-6.327", -6.327),
    ("-6,327", -6.327),
    (" +6.327 ", 6.327),
    ("6.327 S", -6.327),
    ("6°19'37.2\"S", -6.327),
    ("6° 19' 37,2\" LS", -6.327),
    ("S 6 19 37.2", -6.327),
    ("6:19:37.2 S", -6.327),
    ("6°19.62'S", -6.327),
    ("-6°19'37.2\"", -6.327),
    ("6º19′37.2″S", -6.327),          # ordinal sign, prime and double prime
    ("6d19m37.2s S", -6.327),
    ("\u22126.327", -6.327),          # Unicode minus
    ("LU 4.5", 4.5),
    ("6 19 37 S", -(6 + 19 / 60 + 37 / 3600)),
])
def test_latitude_forms(text, expected):
    assert parse_value(text, "lat").value == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("text, expected", [
    ("108.325", 108.325),
    ("108,325", 108.325),
    ("108°19'30\"E", 108.325),
    ("108°19'30\" BT", 108.325),
    ("E 108 19 30", 108.325),
    ("108 19 30 T", 108.325),
])
def test_longitude_forms(text, expected):
    parsed = parse_value(text, "lon")
    assert parsed.value == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("text, code", [
    ("", "missing"),
    ("abc", "not_coordinate"),
    ("6.3.2", "not_coordinate"),
    ("6 75", "sixty"),
    ("6°19'61\"S", "sixty"),
    ("-6.3 N", "sign_and_hemisphere"),
    ("N 6.3 S", "two_hemispheres"),
])
def test_bad_values_get_a_specific_reason(text, code):
    with pytest.raises(CoordinateError) as info:
        parse_value(text, "lat")
    assert info.value.problem.code == code


@pytest.mark.parametrize("text", [
    "-6.327, 108.325", "-6.327,108.325", "-6,327, 108,325", "-6,327; 108,325", "-6,327,108,325",
    "-6.327 108.325", "6°19'37.2\"S 108°19'30\"E", "6°19'37.2\"S, 108°19'30\"E",
    "108°19'30\"E 6°19'37.2\"S",  # the letters say which is which
])
def test_pairs(text):
    lat, lon = parse_pair(text)
    assert (lat.value, lon.value) == pytest.approx((-6.327, 108.325), abs=1e-9)


def test_columns_fast_and_slow_paths_agree_and_flag_problems():
    lat = ["-6.327", "-6,327", "6°19'37.2\"S", "108.3", "", "95", "108°19'30\"E", "6.3 S"]
    lon = ["108.325", "108,325", "108°19'30\"E", "-6.3", "108.3", "100", "6°19'37.2\"S", "108.3 N"]
    out = parse_columns(lat, lon, AREA)
    assert out.lat[:3] == pytest.approx([-6.327] * 3)
    assert out.lon[:3] == pytest.approx([108.325] * 3)
    codes = [p.code if p else None for p in out.problems]
    assert codes == [None, None, None, "swapped", "missing", "out_of_range", "swapped_letters",
                     "wrong_hemisphere"]
    assert out.problems[3].values == {"value": "-6.3"}
    assert out.problems[5].values == {"axis": "lat", "value": "95", "limit": "90"}
    assert np.isnan(out.lat[3:]).all() and np.isnan(out.lon[3:]).all()
    assert out.valid.tolist() == [True] * 3 + [False] * 5


def test_swapped_pairs_are_reported_never_fixed():
    out = parse_pair_column(["-6.327, 108.325", "108.325, -6.327", "", "x"], AREA)
    assert out.lat[0] == pytest.approx(-6.327)
    assert [p.code if p else None for p in out.problems] == [None, "swapped", "missing_pair", "not_pair"]
    assert np.isnan(out.lat[1])


def test_outside_the_area_is_not_swapped_when_swapping_does_not_help():
    out = parse_columns(["48.85"], ["2.35"], AREA)  # Paris: a real place, just not ours
    assert out.problems == [None]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_parse_value_only_ever_raises_coordinate_error(text):
    try:
        parsed = parse_value(text, "lat")
    except CoordinateError as exc:
        assert exc.problem.code
    else:
        assert math.isfinite(parsed.value) or math.isinf(parsed.value)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=20)), st.one_of(st.none(), st.text(max_size=20))),
                max_size=30))
def test_columns_account_for_every_value(rows):
    lat = [r[0] for r in rows]
    lon = [r[1] for r in rows]
    out = parse_columns(lat, lon, AREA)
    assert len(out.lat) == len(out.lon) == len(out.problems) == len(rows)
    for i, problem in enumerate(out.problems):
        if problem is None:
            assert -90 <= out.lat[i] <= 90 and -180 <= out.lon[i] <= 180
        else:
            assert np.isnan(out.lat[i]) and problem.code
    pairs = parse_pair_column([f"{a}, {b}" if a is not None else None for a, b in rows], AREA)
    assert len(pairs.problems) == len(rows)


DMS_TEXT = st.builds(
    lambda *parts: "".join(parts),
    st.sampled_from(["", "S ", "N", "e ", "W", " "]), st.sampled_from(["", "-", "+"]),
    st.integers(0, 200).map(str), st.sampled_from(["°", " ", "° ", ":", "  "]), st.integers(0, 70).map(str),
    st.sampled_from(["'", " ", "' ", "′"]), st.sampled_from(["0", "37.2", "59,9", "60", "7", "1.25"]),
    st.sampled_from(["", '"', "''", "″"]), st.sampled_from(["", "S", " N", " E", "w", " LS"]))


@settings(max_examples=300, deadline=None)
@given(DMS_TEXT)
def test_vectorised_dms_agrees_with_the_one_value_parser(text):
    from geo.validation.coords import parse_axis

    values, problems, letters = parse_axis([text], "lat")
    try:
        expected = parse_value(text, "lat")
    except CoordinateError as exc:
        assert problems[0] == exc.problem
        return
    assert problems[0] is None
    assert values[0] == pytest.approx(expected.value, abs=1e-12)
    assert letters[0] == expected.letter_axis
