"""Honest verdicts: "ok" only where every required category's data are declared complete (#15)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from geo import Engine, load_layers
from geo.engine import describe
from geo.i18n import Catalog
from geo.layers import bundled_layers_dir, read_features
from geo.store.verdicts import stored_verdict

SURABAYA = (112.7521, -7.2575)
INDRAMAYU = (108.20, -6.45)
SINDANG_SCHOOL = (108.32, -6.33)  # 11 m from SMAN 1 SINDANG
# inside the declared Kec. Sanga-Sanga polygon, over 400 m from every site, at these metres from its
# edge (where Kutai Kartanegara goes on beyond it: land with no complete data)
SANGA_34M = (117.28275518058228, -0.7411166133620626)
SANGA_110M = (117.2860356177225, -0.7417768458531627)
SANGA_508M = (117.28275488834173, -0.7364935004581074)
REQUIRED = ["place_of_worship", "health_facility", "school", "government_office"]


def test_the_spots_are_where_this_file_says():
    """The distances above, measured again: metres from the declared polygon's edge (UTM 50S)."""
    area = read_features(bundled_layers_dir() / "coverage" / "sanga_sanga.geojson").geometry
    to_utm = pyproj.Transformer.from_crs(4326, 32750, always_xy=True)
    edge = shapely.transform(shapely.boundary(shapely.union_all(area)), lambda xy: np.column_stack(
        to_utm.transform(xy[:, 0], xy[:, 1])))
    for (lon, lat), metres in ((SANGA_34M, 34.5), (SANGA_110M, 110.5), (SANGA_508M, 508.4)):
        assert shapely.distance(shapely.points(*to_utm.transform(lon, lat)), edge) == pytest.approx(metres, abs=1)


def test_a_regency_without_data_is_incomplete_not_ok(engine):
    verdict = engine.check(*SURABAYA)
    assert verdict.status == "incomplete" and not verdict.hits
    assert verdict.coverage.missing == REQUIRED and verdict.coverage.complete == []
    assert verdict.coverage.sources == []


def test_found_site_is_a_violation_whatever_the_coverage(engine):
    verdict = engine.check(*SINDANG_SCHOOL)
    assert verdict.status == "violation"
    assert verdict.coverage.missing == REQUIRED  # and it says what it could not check


def test_inside_the_declared_area_is_ok_and_names_its_source(engine):
    verdict = engine.check(*SANGA_508M)
    assert verdict.status == "ok"
    assert verdict.coverage.missing == []
    assert set(REQUIRED) <= set(verdict.coverage.complete)
    assert [s["source"] for s in verdict.coverage.sources] == [
        "BIG RBI, Kec. Sanga-Sanga (puni220704/kecamatan-sanga-sanga)"]


def test_the_circle_of_the_rule_must_lie_inside_the_declared_area(engine):
    assert engine.check(*SANGA_34M).status == "incomplete"     # 50 m circle crosses the edge
    assert engine.check(*SANGA_110M).status == "ok"
    widened = engine.check(*SANGA_110M, accuracy_m=80)          # 50 + 80 m reaches across
    assert widened.status == "incomplete" and widened.coverage.missing == REQUIRED


def test_advisory_categories_do_not_block_ok(engine):
    # road is not required: declared in Sanga-Sanga, but even where it is missing "ok" does not wait
    assert "road" not in engine.check(*SURABAYA).coverage.missing


def test_outside_period_and_area_win(engine):
    assert engine.check(*SURABAYA, at=dt.date(2025, 1, 1)).status == "outside_period"
    assert engine.check(107.5, -5.5).status == "outside_area"


def test_batch_status_and_missing_categories(engine):
    lons, lats = zip(SURABAYA, SINDANG_SCHOOL, SANGA_508M, (107.5, -5.5))
    batch = engine.check_many(lons, lats)
    table = batch.arrow()
    assert table.column("status").to_pylist() == ["incomplete", "violation", "ok", "outside_area"]
    joined = ";".join(REQUIRED)
    assert table.column("missing_categories").to_pylist() == [joined, joined, None, None]
    assert [None if pd.isna(v) else v for v in batch.table()["missing_categories"]] == [joined, joined, None, None]
    assert [v.status for v in batch.verdicts()] == table.column("status").to_pylist()


def test_words_lead_with_cannot_be_confirmed(engine):
    catalog = Catalog()
    lines = describe(engine.check(*SURABAYA), engine.rules, catalog, "id")
    assert lines[0] == "Belum dapat dipastikan"
    assert any("tempat ibadah" in line and "periksa di lapangan" in line for line in lines)
    english = describe(engine.check(*SURABAYA), engine.rules, catalog, "en")
    assert english[0] == "Cannot be confirmed" and any("place of worship" in line for line in english)
    ok = describe(engine.check(*SANGA_508M), engine.rules, catalog, "id")
    assert ok[0] == "Boleh" and any(line.startswith("Diperiksa terhadap data lengkap") and "BIG RBI" in line
                                    for line in ok)


def test_a_verdict_the_gps_could_overturn_leads_with_not_certain(engine):
    verdict = engine.check(SINDANG_SCHOOL[0], SINDANG_SCHOOL[1], accuracy_m=500)
    assert verdict.status == "violation" and verdict.uncertain
    assert describe(verdict, engine.rules, Catalog(), "id")[0] == "Belum pasti"


def test_stored_verdict_keeps_the_coverage(engine):
    for spot in (SURABAYA, SANGA_508M):
        verdict = engine.check(*spot)
        assert stored_verdict(verdict.to_dict()) == verdict


def test_a_regency_may_make_every_category_advisory(tmp_path):
    import shutil

    root = tmp_path / "layers"
    shutil.copytree(bundled_layers_dir(), root, ignore=shutil.ignore_patterns("__init__.py", "__pycache__"))
    rules = (root / "rules.toml").read_text("utf-8") + (
        '\n[regencies."35.78"]\nname = "Kota Surabaya"\n'
        'required = { place_of_worship = false, health_facility = false, school = false, government_office = false }\n')
    (root / "rules.toml").write_text(rules, "utf-8")
    engine = Engine(load_layers(root))
    assert engine.check(*SURABAYA).status == "ok"
    assert engine.check(*INDRAMAYU).status == "incomplete"
