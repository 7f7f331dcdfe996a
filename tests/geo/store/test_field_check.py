"""Reports whose verdict is ``incomplete`` (no forbidden site found, the data of a required category
not declared complete at the spot): listed to be checked on site, counted, and re-judged by
``reports recheck`` once coverage is declared (and the other way round). SQLite and PostGIS."""
from __future__ import annotations

import json

import geopandas as gpd
import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from pyproj import Geod
from shapely.geometry import Point

from geo import VERDICT_STATUSES, Engine, load_layers
from geo.catalog import grouped_report_counts, report_counts
from geo.config import Settings
from geo.errors import InputError
from geo.store import (
    FIELD_CHECK_VERDICTS,
    VIOLATION_VERDICTS,
    ReportFilter,
    Store,
    verdict_counts,
    with_current_verdicts,
)
from geo.store.filters import VERDICTS
from geo.store.models import Report
from geo.store.rechecks import later_verdicts, recheck
from zonasi.cli import cli
from zonasi.testing.layers import declare_complete, make_layers_dir

GEOD = Geod(ellps="WGS84")
SCHOOL = (108.3200, -6.3300)     # Indramayu (32.12)
REQUIRED = {"place_of_worship", "health_facility", "school", "government_office"}


def _at(east_m, north_m=0.0):
    lon, lat, _ = GEOD.fwd(*SCHOOL, 90, east_m)
    lon, lat, _ = GEOD.fwd(lon, lat, 0, north_m)
    return lon, lat


def _layers(tmp_path, store_url, complete):
    directory = make_layers_dir(tmp_path, complete=complete)
    gpd.GeoDataFrame({"name": ["SD 1"], "category": ["school"]}, geometry=[Point(SCHOOL)], crs=4326).to_parquet(
        directory / "sites" / "schools.parquet")
    settings = Settings(instance_dir=tmp_path / "instance", layers_dir=directory, database_url=store_url)
    settings.instance_dir.mkdir()
    return directory, settings


def _submit(store, lonlat):
    report = {"apk_type": "baliho", "lon": lonlat[0], "lat": lonlat[1], "reported_at": "2024-01-05T08:00:00Z"}
    return store.submit(report).report["id"]


def _ids(rows):
    return sorted(r["id"] for r in rows)


def test_one_list_of_verdict_statuses():
    assert VERDICTS == VERDICT_STATUSES and "incomplete" in VERDICTS
    assert ReportFilter.from_params({"verdict": "incomplete"}).verdict == ("incomplete",)
    assert ReportFilter.from_params({"current_verdict": "incomplete,ok"}).current_verdict == ("incomplete", "ok")
    with pytest.raises(InputError) as bad:
        ReportFilter.from_params({"current_verdict": "maybe"})
    assert "current_verdict" in str(bad.value)
    # incomplete is not a violation: the prop is checked on site, never taken down on the verdict alone
    assert "incomplete" not in VIOLATION_VERDICTS and FIELD_CHECK_VERDICTS == ("incomplete",)


def test_incomplete_reports_are_listed_to_check_on_site_until_coverage_is_declared(tmp_path, store_url):
    directory, settings = _layers(tmp_path, store_url, complete=False)
    with Store.from_settings(settings, Engine(load_layers(directory))) as store:
        near = _submit(store, _at(30))            # 30 m from SD 1: a violation, whatever the coverage
        far = _submit(store, _at(0, 300))         # nothing in reach, nothing declared complete
        stored = store.get_report(far)
        assert stored["verdict_status"] == "incomplete"
        assert set(stored["verdict"]["coverage"]["missing"]) == REQUIRED

        # the violations list stays what it was; the field-check list holds the incomplete one
        assert _ids(store.violations()[0]) == [near]
        to_check, matched = store.violations(ReportFilter(current_verdict=FIELD_CHECK_VERDICTS))
        assert _ids(to_check) == [far] and matched == 1 == store.count_violations(
            ReportFilter(current_verdict=FIELD_CHECK_VERDICTS))
        assert _ids(store.list_reports(ReportFilter(verdict=("incomplete",)))[0]) == [far]
        [row] = with_current_verdicts(store.db, to_check)
        assert row["current_verdict"] == "incomplete"
        assert set(row["missing_categories"].split(";")) == REQUIRED
        assert verdict_counts(store.db, []) == {"ok": 0, "violation": 1, "incomplete": 1, "outside_area": 0,
                                                "outside_period": 0}
        stats = grouped_report_counts(store.report_groups())["by_verdict"]
        assert list(stats) == list(VERDICT_STATUSES) and stats["incomplete"] == 1 and stats["violation"] == 1
        assert stats == report_counts(store.list_reports()[0])["by_verdict"]

        # dismissed: out of the list to check, as out of the violations list
        gone = _submit(store, _at(0, 400))
        store.transition(gone, "dismissed", actor="test", reason="not_a_campaign_prop")
        assert _ids(store.violations(ReportFilter(current_verdict=("incomplete",)))[0]) == [far]

    declare_complete(directory)                   # the data of 32.12 are declared complete
    engine = Engine(load_layers(directory))
    with Store.from_settings(settings, engine) as store:
        dry = recheck(store, dry_run=True, verdicts=("incomplete",))
        assert (dry.judged, dry.skipped, dry.current) == (1, 1, {"ok": 1, "violation": 1})
        assert later_verdicts(store, far) == []
        result = recheck(store, verdicts=("incomplete",))
        assert (result.open_reports, result.judged, result.skipped, result.already) == (2, 1, 1, 0)
        [change] = result.changes
        assert change["report_id"] == far
        assert (change["before"]["verdict"], change["after"]["verdict"]) == ("incomplete", "ok")
        assert result.current.get("incomplete", 0) == 0
        [later] = later_verdicts(store, far)
        assert later["verdict_status"] == "ok" and later["verdict"]["coverage"]["missing"] == []
        # the verdict at submission is the record; the current one leaves the list to check
        assert store.get_report(far)["verdict_status"] == "incomplete"
        assert store.violations(ReportFilter(current_verdict=("incomplete",))) == ([], 0)
        assert _ids(store.violations(ReportFilter(current_verdict=("ok",)))[0]) == [far]
        [row] = with_current_verdicts(store.db, store.list_reports(ReportFilter(ids=(far,)))[0])
        assert (row["current_verdict"], row["missing_categories"]) == ("ok", "")
        assert grouped_report_counts(store.report_groups())["by_verdict"]["incomplete"] == 1  # the dismissed one
        # the violation, skipped by --verdict incomplete, is judged by a plain recheck
        rest = recheck(store)
        assert (rest.judged, rest.already, rest.changes) == (1, 1, [])


def test_an_ok_stored_before_coverage_existed_is_rejudged_incomplete(tmp_path, store_url):
    directory, settings = _layers(tmp_path, store_url, complete=True)
    with Store.from_settings(settings, Engine(load_layers(directory))) as store:
        old = _submit(store, _at(0, 300))
        assert store.get_report(old)["verdict_status"] == "ok"
        # as stored before verdicts had a coverage block (and before coverage.toml was a layer file)
        with store.db.begin() as connection:
            verdict = connection.execute(sa.select(Report.verdict).where(Report.id == old)).scalar_one()
            verdict.pop("coverage")
            connection.execute(sa.update(Report).where(Report.id == old).values(
                verdict=verdict, layers_version="before-15"))
        [row] = with_current_verdicts(store.db, store.list_reports()[0])
        assert (row["current_verdict"], row["missing_categories"]) == ("ok", "")   # no block: nothing known missing
    (directory / "coverage.toml").unlink()        # nothing is declared complete here
    with Store.from_settings(settings, Engine(load_layers(directory))) as store:
        result = recheck(store)
        assert [(c["before"]["verdict"], c["after"]["verdict"]) for c in result.changes] == [("ok", "incomplete")]
        assert result.current == {"incomplete": 1}
        [row] = with_current_verdicts(store.db, store.violations(ReportFilter(current_verdict=("incomplete",)))[0])
        assert row["id"] == old and set(row["missing_categories"].split(";")) == REQUIRED


def test_cli_recheck_says_how_many_incomplete_remain(tmp_path, store_url, monkeypatch):
    directory, settings = _layers(tmp_path, store_url, complete=False)
    monkeypatch.setenv("ZONASI_INSTANCE", str(settings.instance_dir))
    monkeypatch.setenv("ZONASI_DATABASE_URL", settings.database_url)
    with Store.from_settings(settings, Engine(load_layers(directory))) as store:
        far = _submit(store, _at(0, 300))
        _submit(store, _at(30))
    runner = CliRunner()
    args = ["reports", "recheck", "--layers", str(directory), "--lang", "en"]
    before = runner.invoke(cli, args)
    assert before.exit_code == 0, before.output
    assert "1 open reports still cannot be confirmed (incomplete)" in before.output
    assert "Masih" not in before.output

    declare_complete(directory)
    bad = runner.invoke(cli, [*args, "--verdict", "maybe"])
    assert bad.exit_code == 2 and "maybe" in bad.output
    shown = runner.invoke(cli, [*args, "--verdict", "incomplete"])
    assert shown.exit_code == 0, shown.output
    assert f"{far} (reported): incomplete -> ok" in shown.output
    assert "1 open reports not judged: their newest verdict is not incomplete" in shown.output
    assert "0 open reports still cannot be confirmed (incomplete)" in shown.output
    as_json = json.loads(runner.invoke(cli, [*args, "--json"]).output)
    assert as_json["judged"] == 1 and as_json["already"] == 1 and as_json["current"] == {"ok": 1, "violation": 1}
    indonesian = runner.invoke(cli, ["reports", "recheck", "--layers", str(directory), "--lang", "id"])
    assert "0 laporan terbuka masih belum dapat dipastikan" in indonesian.output
