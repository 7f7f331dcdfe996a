"""The verdict's words follow the language's number format (geo.numformat): decimal comma in
Indonesian, decimal point in English, km from 1,000 m on (#18: the map said "22.2 m" in the
Indonesian interface while the lists said "22,1 m")."""
from __future__ import annotations

from dataclasses import replace

from geo.engine import describe
from geo.i18n import Catalog

NEAR_SCHOOL = (108.32, -6.33)  # 11.x m from SMAN 1 SINDANG, Indramayu


def test_a_hit_reads_with_the_languages_decimal_mark(engine):
    verdict = engine.check(*NEAR_SCHOOL)
    hit = verdict.hits[0]
    assert 10 < hit.distance_m < 100 and hit.distance_m != round(hit.distance_m)
    whole, tenth = f"{hit.distance_m:.1f}".split(".")
    indonesian = describe(replace(verdict, hits=[replace(hit, distance_m=float(f"{whole}.{tenth}"))]),
                          engine.rules, Catalog(), "id")
    english = describe(replace(verdict, hits=[replace(hit, distance_m=float(f"{whole}.{tenth}"))]),
                       engine.rules, Catalog(), "en")
    assert f"{whole},{tenth} m dari SMAN 1 SINDANG" in "\n".join(indonesian)
    assert f"{whole}.{tenth} m from SMAN 1 SINDANG" in "\n".join(english)


def test_the_server_rounds_as_the_browser_does(engine):
    """22.15 m: Python's f"{:.1f}" said 22.1 (binary 22.1499...), the browser's Intl 22,2."""
    verdict = engine.check(*NEAR_SCHOOL)
    hit = replace(verdict.hits[0], distance_m=22.15, buffer_m=50)
    lines = "\n".join(describe(replace(verdict, hits=[hit]), engine.rules, Catalog(), "id"))
    assert "22,2 m dari" in lines and "batas 50 m" in lines


def test_a_far_nearest_site_reads_in_km(engine):
    verdict = engine.check(*NEAR_SCHOOL)
    far = replace(verdict.hits[0], distance_m=436779.0)
    lines = describe(replace(verdict, status="incomplete", hits=[], nearest=far), engine.rules, Catalog(), "id")
    assert any("436,8 km" in line for line in lines), lines
    lines = describe(replace(verdict, status="incomplete", hits=[], nearest=far), engine.rules, Catalog(), "en")
    assert any("436.8 km" in line for line in lines), lines
