"""The local date each point is judged on (geo.engine.days): the few-points path (no pandas) and the
one-instant path give the dates the vectorised path gives."""
from __future__ import annotations

import datetime as dt

import numpy as np

from geo.clock import ZONES
from geo.engine.days import SMALL, local_days

UTC = dt.UTC


def _mixed(n: int):
    """``n`` dates: instants near local midnight in several offsets, naive times, plain dates."""
    base = [dt.datetime(2024, 1, 15, 16, 30, tzinfo=UTC),                       # 23:30 WIB, 00:30 WITA and 01:30 WIT
            dt.datetime(2024, 2, 10, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=9))),
            dt.datetime(2024, 2, 10, 17, 1, tzinfo=UTC),
            dt.datetime(2024, 1, 15, 23, 59),                                   # naive: local already
            dt.date(2024, 2, 11)]
    return [base[i % len(base)] for i in range(n)]


def test_a_few_python_dates_are_the_dates_of_the_vectorised_path():
    for n in (2, 7, SMALL):
        ats = _mixed(n)
        zones = np.arange(n) % len(ZONES)
        vectorised = local_days(np.array(ats, dtype=object), n, zones)   # pandas, per zone
        assert local_days(ats, n, zones).tolist() == vectorised.tolist()
        assert local_days(tuple(ats), n, zones).tolist() == vectorised.tolist()
    # the instant at 16:30 UTC is the 15th in WIB and the 16th in WITA and WIT
    assert local_days(_mixed(3)[:1] * 3, 3, np.arange(3)).astype(str).tolist() == \
        ["2024-01-15", "2024-01-16", "2024-01-16"]


def test_one_instant_for_one_point_or_many_is_each_points_zone_date():
    instant = dt.datetime(2024, 1, 15, 16, 30, tzinfo=UTC)
    for zones in (np.array([0]), np.array([2]), np.array([0, 1, 2, 2, 1, 0])):
        expected = [np.datetime64(instant.astimezone(ZONES[z]).date(), "D") for z in zones]
        assert local_days(instant, len(zones), zones).tolist() == expected
        assert local_days([instant], 1, zones[:1]).tolist() == expected[:1]
