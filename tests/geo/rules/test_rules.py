"""rules.toml beyond a single distance: per-regency distances and campaign periods in verdicts,
and validation errors that point at the exact line and key."""
from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pytest
from pyproj import Geod
from shapely.geometry import Point

from geo import ConfigError, Engine, bundled_layers_dir, load_layers, parse_rules
from zonasi.testing.layers import make_layers_dir

GEOD = Geod(ellps="WGS84")
BASE = (bundled_layers_dir() / "rules.toml").read_text("utf-8")
INDRAMAYU = (108.3200, -6.3300)       # 32.12: default 50 m
TANAH_BUMBU = (115.9900, -3.4500)     # 63.10: Perbup 43/2018, 10 m around schools


def _east(lonlat, metres):
    lon, lat, _ = GEOD.fwd(lonlat[0], lonlat[1], 90, metres)
    return lon, lat


@pytest.fixture()
def engine_with(tmp_path):
    def build(extra_rules: str = "") -> Engine:
        directory = make_layers_dir(tmp_path, rules=BASE + extra_rules)
        gpd.GeoDataFrame({"name": ["SD Indramayu", "SD Tanah Bumbu"], "category": ["school", "school"]},
                         geometry=[Point(INDRAMAYU), Point(TANAH_BUMBU)], crs=4326).to_parquet(
            directory / "sites" / "schools.parquet")
        return Engine(load_layers(directory))
    return build


def test_regency_distance_override_decides_the_verdict(engine_with):
    engine = engine_with()
    here = engine.check(*_east(INDRAMAYU, 20))
    there = engine.check(*_east(TANAH_BUMBU, 20))
    assert (here.regency.code, here.status, here.hits[0].buffer_m) == ("32.12", "violation", 50)
    assert (there.regency.code, there.status) == ("63.10", "ok")
    assert there.nearest.buffer_m == 10 and there.nearest.distance_m == pytest.approx(20, abs=0.01)
    assert engine.check(*_east(TANAH_BUMBU, 9.9)).status == "violation"
    batch = engine.check_many(*zip(_east(INDRAMAYU, 20), _east(TANAH_BUMBU, 20)))
    assert list(batch.status) == ["violation", "ok"]


def test_an_override_can_also_widen_a_zone(engine_with):
    engine = engine_with('\n[regencies."32.12"]\nbuffer_m = { school = 150 }\n')
    verdict = engine.check(*_east(INDRAMAYU, 120))
    assert verdict.status == "violation" and verdict.hits[0].buffer_m == 150


def test_regency_campaign_periods_replace_the_national_ones(engine_with):
    engine = engine_with('\n[regencies."32.12".periods.pilkada_2024]\nlabel = "Pilkada"\n'
                         'start = 2024-09-25\nend = 2024-11-23\n')
    far_here, far_there = _east(INDRAMAYU, 500), _east(TANAH_BUMBU, 500)
    pemilu = dt.date(2024, 1, 5)
    assert engine.check(*far_here, at=pemilu).status == "outside_period"   # 32.12 has only Pilkada
    assert engine.check(*far_there, at=pemilu).status == "ok"              # national periods
    pilkada = engine.check(*far_here, at=dt.date(2024, 10, 1))
    assert pilkada.status == "ok" and pilkada.period == "pilkada_2024"
    batch = engine.check_many(*zip(far_here, far_there, far_here), ats=[pemilu, pemilu, None])
    assert list(batch.status) == ["outside_period", "ok", "ok"]            # unknown date: not judged


def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("extra,needle,key,message", [
    ('[regencies."32.12"]\nbuffer_m = { school = -1 }\n', "buffer_m = { school = -1 }",
     "regencies.32.12.buffer_m.school", "greater than or equal to 0"),
    ('[regencies."32.12"]\nname = "Indramayu"\nbufer_m = { school = 10 }\n', "bufer_m",
     "regencies.32.12.bufer_m", "unknown key 'bufer_m'"),
    ('[regencies."32.12".periods.p]\nstart = 2024-02-10\nend = 2023-11-28\n', "[regencies.\"32.12\".periods.p]",
     "regencies.32.12.periods.p", "before start"),
    ('[regencies."32.12".periods.p]\nstart = 2024-02-10\n', "[regencies.\"32.12\".periods.p]",
     "regencies.32.12.periods.p.end", "required key 'end' is missing"),
    ('[regencies."32.12"]\nallowed_radius_m = 10\n', '[regencies."32.12"]',
     "regencies.32.12", "need allowed_zones"),
    ('[regencies."32.12"]\nallowed_zones = "a.geojson"\nallowed_radius_m = 20000\n', "allowed_radius_m",
     "regencies.32.12.allowed_radius_m", "less than or equal to 10000"),
])
def test_validation_errors_point_at_the_line_and_key(extra, needle, key, message):
    text = BASE + "\n" + extra
    with pytest.raises(ConfigError) as err:
        parse_rules(text, "rules.toml")
    assert err.value.details["line"] == _line(text[len(BASE):], needle) + len(BASE.splitlines())
    assert err.value.details["key"] == key
    assert message in str(err.value)
    assert str(err.value).startswith(f"rules.toml:{err.value.details['line']} [{key}]: ")


def test_a_setting_out_of_range_and_a_duplicate_table():
    text = BASE.replace("notice_hours = 72", "notice_hours = 0")
    with pytest.raises(ConfigError, match="greater than 0") as err:
        parse_rules(text, "rules.toml")
    assert err.value.details["line"] == _line(text, "notice_hours = 0")
    assert err.value.details["key"] == "settings.notice_hours"
    twice = BASE + '\n[regencies."63.10"]\nname = "again"\n'
    with pytest.raises(ConfigError, match="not valid TOML") as err:
        parse_rules(twice, "rules.toml")
    assert err.value.details["line"] == len(twice.splitlines()) - 1


def test_allowed_zones_file_errors_name_the_rules_line(tmp_path):
    extra = '\n[regencies."32.12"]\nallowed_zones = "allowed/indramayu.geojson"\n'
    directory = make_layers_dir(tmp_path, rules=BASE + extra)
    line = len((BASE + extra).splitlines())
    with pytest.raises(ConfigError, match=rf"rules.toml:{line} \[regencies.32.12.allowed_zones\]: "
                                          r"allowed-zones file allowed/indramayu.geojson not found"):
        load_layers(directory)
    (directory / "allowed").mkdir()
    gpd.GeoDataFrame({"name": ["Titik 1"]}, geometry=[Point(INDRAMAYU)], crs=4326).to_file(
        directory / "allowed" / "indramayu.geojson")
    with pytest.raises(ConfigError, match=rf"rules.toml:{line} .*feature 1 is a point or line without a radius"):
        load_layers(directory)
    (directory / "rules.toml").write_text(BASE + extra + "allowed_radius_m = 15\n", "utf-8")
    layers = load_layers(directory)
    assert list(layers.allowed["32.12"].frame["radius_m"]) == [15]
    before = layers.rules.version
    gpd.GeoDataFrame({"name": ["Titik 1"]}, geometry=[Point(_east(INDRAMAYU, 5))], crs=4326).to_file(
        directory / "allowed" / "indramayu.geojson")
    assert load_layers(directory).rules.version != before       # the zones are part of the rules


def test_bundled_rules_are_valid_and_documented():
    rules = parse_rules(BASE, "rules.toml")
    assert rules.buffer_m("63.10", "school") == 10
    assert rules.periods("63.10") == rules.periods(None)
    assert "allowed_zones" in BASE                               # the mode is documented in the file
