"""geo.numformat: one number format per language, on the cases the browser's formatter is tested on
too (tests/webmap/browser/test_map_phone.py::test_the_browser_formats_numbers_as_the_server_does)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo.numformat import format_distance, format_metres, format_number

CASES = json.loads((Path(__file__).resolve().parents[1] / "data" / "number_format_cases.json").read_text("utf-8"))


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['fn']}-{c['lang']}-{c['value']}")
def test_the_shared_cases(case):
    if case["fn"] == "number":
        assert format_number(case["value"], case["lang"], case["digits"]) == case["expected"]
    else:
        assert format_distance(case["value"], case["lang"]) == case["expected"]


def test_indonesian_marks_are_the_reverse_of_english():
    assert format_number(1234567.25, "id", 2) == "1.234.567,25"
    assert format_number(1234567.25, "en", 2) == "1,234,567.25"


def test_rounding_is_half_away_from_zero_on_the_shortest_decimal():
    # 22.15 is 22.1499999... in binary: f"{22.15:.1f}" says 22.1, the browser's Intl 22.2; both say 22,2 now
    assert f"{22.15:.1f}" == "22.1"
    assert format_number(22.15, "id") == "22,2"
    assert format_number(-22.15, "en") == "-22.2"


def test_a_distance_reads_in_km_from_1000_m():
    assert format_distance(436779, "id") == "436,8 km"
    assert format_distance(999.4, "id") == "999 m"
    assert format_distance(999.5, "en") == "1 km"
    assert format_metres(50, "id") == "50" and format_metres(12.34, "id") == "12,3"
