"""The local date each point is judged on (geo.engine.days): one instant for a single point or
for many gives each point the date in its own regency's zone."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from geo.clock import ZONES, has_local_dates
from geo.engine.days import local_days
from geo.errors import InputError


def test_one_instant_for_one_point_or_many_is_each_points_zone_date():
    instant = dt.datetime(2024, 1, 15, 16, 30, tzinfo=dt.UTC)   # 23:30 WIB, 00:30 WITA, 01:30 WIT
    for zones in (np.array([0]), np.array([2]), np.array([1, 2]), np.array([0, 1, 2, 2, 1, 0])):
        expected = [np.datetime64(instant.astimezone(ZONES[z]).date(), "D") for z in zones]
        assert local_days(instant, len(zones), zones).tolist() == expected
        assert local_days([instant], 1, zones[:1]).tolist() == expected[:1]
    assert local_days(instant, 2, np.array([0, 2])).astype(str).tolist() == ["2024-01-15", "2024-01-16"]


def test_an_instant_with_no_local_date_is_an_input_error():
    late = dt.datetime(9999, 12, 31, 20, tzinfo=dt.UTC)   # 10000-01-01 03:00 WIB
    assert not has_local_dates(late) and not has_local_dates(late.replace(tzinfo=None))
    assert has_local_dates(dt.datetime(9999, 12, 31, 14, tzinfo=dt.UTC))      # 23:00 WIT
    assert not has_local_dates(dt.datetime(1, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=1))))
    for n, zones in ((1, np.array([0])), (5, np.zeros(5, dtype=int))):
        with pytest.raises(InputError) as error:
            local_days(late, n, zones)
        assert error.value.message_id == "check.not_date"
