"""The OpenAPI table is kept in one module per area (webmap/openapi/*.py) and merged in paths.py."""
from __future__ import annotations

import pytest

from webmap.openapi import casework, paths


def test_an_endpoint_declared_in_two_areas_is_refused():
    with pytest.raises(ValueError, match="letters.issue"):
        paths._merged({"letters.issue": {}}, {"letters.issue": {}})


def test_every_areas_entry_is_in_the_table():
    assert paths._merged({"a.x": {"summary": "x"}}, {"b.y": {"summary": "y"}}) == {
        "a.x": {"summary": "x"}, "b.y": {"summary": "y"}}



def test_the_letters_entries_live_in_the_casework_module():
    letters = {key for key in paths.ENDPOINTS if key.startswith("letters.")}
    assert letters == {"letters.issue", "letters.letters", "letters.letter"}
    assert letters <= set(casework.CASEWORK)
