"""One clock (#15): instants are judged on the local date of the point's regency (WIB/WITA/WIT),
the verdict says the date judged and the campaign period, or plainly that none is active."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from geo.clock import Clock, parse_instant, zone_index, zone_label
from geo.config import Settings
from geo.engine import describe
from geo.i18n import Catalog
from geo.store.verdicts import stored_verdict

# a spot in each zone (bundled regency polygons): Aceh Selatan (WIB), Jembrana, Bali (WITA), Maluku Tengah (WIT)
WIB = (97.46915, 3.067286)
WITA = (114.668459, -8.314315)
WIT = (129.467594, -3.12135)
# 23:30 WIB on the last day of the Pemilu 2024 campaign (2024-02-10), already 11 February in WITA and WIT
LAST_EVENING = dt.datetime(2024, 2, 10, 16, 30, tzinfo=dt.UTC)


def test_provinces_map_to_their_zones():
    assert list(zone_index(["11.01", "31.71", "61.01", "62.01", "51.01", "64.02", "73.71", "81.01", "94.01"])) == \
        [0, 0, 0, 0, 1, 1, 1, 2, 2]
    assert (zone_label("35.78"), zone_label("53.01"), zone_label("91.01"), zone_label(None)) == ("WIB", "WITA", "WIT", None)


def test_an_instant_is_the_local_date_of_each_regency(engine):
    lons, lats = zip(WIB, WITA, WIT)
    batch = engine.check_many(lons, lats, [LAST_EVENING] * 3)
    assert [str(d) for d in batch.day] == ["2024-02-10", "2024-02-11", "2024-02-11"]
    assert batch.status[0] != "outside_period"
    assert list(batch.status[1:]) == ["outside_period", "outside_period"]
    assert [engine.check(lon, lat, at=LAST_EVENING).timezone for lon, lat in (WIB, WITA, WIT)] == ["WIB", "WITA", "WIT"]


def test_naive_dates_are_local_already(engine):
    # the same day everywhere: no conversion of a date or naive datetime
    lons, lats = zip(WIB, WITA, WIT)
    batch = engine.check_many(lons, lats, [dt.date(2024, 2, 10), dt.datetime(2024, 2, 10, 23, 59), "2024-02-10"])
    assert [str(d) for d in batch.day] == ["2024-02-10"] * 3
    assert "outside_period" not in list(batch.status)


def test_a_vectorised_batch_of_mixed_zones_and_forms(engine):
    rng = np.random.default_rng(15)
    spots = np.array([WIB, WITA, WIT])
    pick = rng.integers(0, 3, 3000)
    lons, lats = spots[pick, 0], spots[pick, 1]
    expected = np.where(pick == 0, np.datetime64("2024-02-10"), np.datetime64("2024-02-11"))
    for ats in (LAST_EVENING,                                            # one instant for all
                pd.Series(pd.DatetimeIndex([LAST_EVENING] * len(pick))),  # tz-aware column
                [LAST_EVENING.astimezone(dt.timezone(dt.timedelta(hours=7)))] * len(pick)):  # aware objects
        batch = engine.check_many(lons, lats, ats)
        assert (batch.day == expected).all()
        assert ((batch.status == "outside_period") == (pick > 0)).all()
    mixed = [LAST_EVENING if i % 2 else dt.date(2024, 2, 10) for i in range(len(pick))]
    batch = engine.check_many(lons, lats, mixed)
    assert (batch.day == np.where(np.arange(len(pick)) % 2, expected, np.datetime64("2024-02-10"))).all()


def test_the_verdict_says_the_date_and_the_period(engine):
    catalog = Catalog()
    inside = engine.check(*WIB, at=dt.datetime(2024, 1, 15, 3, tzinfo=dt.UTC))
    lines = describe(inside, engine.rules, catalog, "id")
    assert "Diperiksa untuk tanggal 15 Januari 2024 (WIB)." in lines
    assert "Masa kampanye Pemilu 2024: 28 November 2023 s.d. 10 Februari 2024." in lines
    outside = engine.check(*WIT, at=dt.datetime(2026, 12, 6, 3, tzinfo=dt.UTC))
    assert outside.status == "outside_period" and outside.period is None
    lines = describe(outside, engine.rules, catalog, "id")
    assert lines[0] == "Di luar masa kampanye"
    assert "Tidak ada masa kampanye yang berlaku pada 6 Desember 2026 (WIT)." in lines
    english = describe(outside, engine.rules, catalog, "en")
    assert "No campaign period is in force on 6 December 2026 (WIT)." in english
    # judged without a date: no date line at all
    assert not any("tanggal" in line.lower() for line in describe(engine.check(*WIB), engine.rules, catalog, "id"))


def test_the_zone_round_trips_through_storage(engine):
    verdict = engine.check(*WITA, at=LAST_EVENING)
    data = verdict.to_dict()
    assert data["timezone"] == "WITA" and data["at"] == "2024-02-11"
    assert stored_verdict(data) == verdict
    assert stored_verdict({**data, "timezone": None}).timezone == "WITA"  # stored before #15: from the regency


def test_the_clock_comes_from_settings():
    fixed = Settings.from_env({"ZONASI_NOW": "2024-02-10T23:30:00+07:00"})
    clock = Clock.from_settings(fixed)
    assert clock.now() == LAST_EVENING and clock.now().tzinfo is dt.UTC
    assert clock.today("11.01") == dt.date(2024, 2, 10) and clock.today("81.01") == dt.date(2024, 2, 11)
    before = dt.datetime.now(dt.UTC)
    live = Clock.from_settings(Settings()).now()
    assert before <= live <= dt.datetime.now(dt.UTC)  # no ZONASI_NOW: the system clock
    for bad in ("2024-01-15", "2024-01-15T10:00:00", "besok"):
        with pytest.raises(ValueError, match="ZONASI_NOW"):
            Settings.from_env({"ZONASI_NOW": bad})
    assert parse_instant("2024-02-10T16:30:00Z") == LAST_EVENING
