"""A rules or layers change never rewrites old verdicts; recheck judges open reports again."""
from __future__ import annotations

import json

import geopandas as gpd
import pytest
from click.testing import CliRunner
from pyproj import Geod
from shapely.geometry import Point

from geo import Engine, bundled_layers_dir, load_layers
from geo.config import Settings
from geo.store import Store
from geo.store.rechecks import later_verdicts, recheck
from zonasi.cli import cli
from zonasi.testing.layers import make_layers_dir

GEOD = Geod(ellps="WGS84")
SCHOOL = (108.3200, -6.3300)     # Indramayu (32.12)
RULES = (bundled_layers_dir() / "rules.toml").read_text("utf-8")


def _east(metres, north=0.0):
    lon, lat, _ = GEOD.fwd(*SCHOOL, 90, metres)
    lon, lat, _ = GEOD.fwd(lon, lat, 0, north)
    return lon, lat


@pytest.fixture()
def world(tmp_path, store_url):
    directory = make_layers_dir(tmp_path)
    gpd.GeoDataFrame({"name": ["SD 1"], "category": ["school"]}, geometry=[Point(SCHOOL)], crs=4326).to_parquet(
        directory / "sites" / "schools.parquet")
    settings = Settings(instance_dir=tmp_path / "instance", layers_dir=directory, database_url=store_url)
    settings.instance_dir.mkdir()
    return directory, settings


def _submit(store, lonlat):
    report = {"apk_type": "baliho", "lon": lonlat[0], "lat": lonlat[1], "reported_at": "2024-01-05T08:00:00Z"}
    return store.submit(report).report["id"]


def test_recheck_stores_new_verdicts_beside_the_old_and_lists_changes(world):
    directory, settings = world
    with Store.from_settings(settings, Engine(load_layers(directory))) as store:
        near = _submit(store, _east(30))                 # 30 m from SD 1: violation under 50 m
        far = _submit(store, _east(0, 300))              # 300 m north: ok
        closed = _submit(store, _east(30, 5))
        store.transition(closed, "dismissed", actor="test", reason="not_a_campaign_prop")
        first = store.get_report(near)
    assert first["verdict_status"] == "violation"

    # The regency sets 20 m; a new school is mapped next to the far report.
    (directory / "rules.toml").write_text(RULES + '\n[regencies."32.12"]\nbuffer_m = { school = 20 }\n', "utf-8")
    gpd.GeoDataFrame({"name": ["SD 2"], "category": ["school"]}, geometry=[Point(_east(10, 300))],
                     crs=4326).to_parquet(directory / "sites" / "more.parquet")
    engine = Engine(load_layers(directory))
    with Store.from_settings(settings, engine) as store:
        dry = recheck(store, dry_run=True)
        assert dry.judged == 2 and len(dry.changes) == 2 and later_verdicts(store, near) == []
        result = recheck(store)
        assert (result.open_reports, result.judged, result.already) == (2, 2, 0)
        changes = {c["report_id"]: c for c in result.changes}
        assert changes[near]["before"]["verdict"] == "violation" and changes[near]["after"]["verdict"] == "ok"
        assert changes[far]["after"] == {"verdict": "violation", "site_id": "more-1", "distance_m": 10.0,
                                         "kind": changes[far]["after"]["kind"]}
        assert changes[near]["before"]["rules_version"] == first["rules_version"] != engine.rules_version
        # the original verdict is untouched; the new one sits beside it, naming both versions
        again = store.get_report(near)
        assert again["verdict_status"] == "violation" and again["verdict"] == first["verdict"]
        [later] = later_verdicts(store, near)
        assert later["verdict_status"] == "ok" and later["previous_status"] == "violation" and later["changed"]
        assert (later["rules_version"], later["layers_version"]) == (engine.rules_version, engine.layers_version)
        assert later_verdicts(store, closed) == []                       # dismissed: not open
        repeat = recheck(store)
        assert (repeat.judged, repeat.already, repeat.changes) == (0, 2, [])


def test_cli_recheck(world, monkeypatch):
    directory, settings = world
    monkeypatch.setenv("ZONASI_INSTANCE", str(settings.instance_dir))
    monkeypatch.setenv("ZONASI_DATABASE_URL", settings.database_url)
    with Store.from_settings(settings, Engine(load_layers(directory))) as store:
        report = _submit(store, _east(30))
    (directory / "rules.toml").write_text(RULES + '\n[regencies."32.12"]\nbuffer_m = { school = 20 }\n', "utf-8")
    runner = CliRunner()
    shown = runner.invoke(cli, ["reports", "recheck", "--layers", str(directory), "--lang", "en"])
    assert shown.exit_code == 0, shown.output
    assert "1 open reports; 1 judged" in shown.output and "1 verdicts changed" in shown.output
    assert f"{report} (reported): violation -> ok" in shown.output
    as_json = json.loads(runner.invoke(cli, ["reports", "recheck", "--layers", str(directory), "--json"]).output)
    assert as_json["judged"] == 0 and as_json["already"] == 1
