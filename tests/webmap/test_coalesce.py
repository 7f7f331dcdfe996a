"""Checks asked for in one turn of a gevent worker are judged by one engine call, and every point
gets the verdict it gets alone (webmap.coalesce); in a real `zonasi serve`, concurrent checks get
the engine's own verdicts."""
from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor

import gevent
import httpx
import numpy as np
import pytest

from geo import InputError
from geo.clock import Clock
from geo.config import Settings
from webmap.coalesce import CheckCoalescer, gevent_patched
from zonasi.testing.layers import points_near_sites
from zonasi.testing.server import ZonasiServer

WIB = dt.timezone(dt.timedelta(hours=7))


class CountingEngine:
    """The real engine, with its calls counted (what the coalescer asked of it)."""

    def __init__(self, engine):
        self.engine, self.many, self.single = engine, [], 0

    def check_many(self, lons, lats, ats=None, accuracy_m=None):
        self.many.append(len(lons))
        return self.engine.check_many(lons, lats, ats, accuracy_m)

    def check(self, lon, lat, at=None, accuracy_m=None):
        self.single += 1
        return self.engine.check(lon, lat, at=at, accuracy_m=accuracy_m)


def _asks():
    """Points near sites and one far out at sea, with instants (one a day later in WIB than in UTC),
    local dates (one outside the campaign), naive times, no date, and GPS accuracies or none."""
    near = points_near_sites(24, 7)
    points = [(float(lon), float(lat)) for lon, lat in near] + [(105.0, -8.5), (110.4, -7.8)]
    ats = [dt.datetime(2024, 1, 15, 23, 30, tzinfo=WIB), dt.date(2024, 2, 11), dt.datetime(2024, 1, 15, 10), None,
           dt.datetime(2024, 2, 10, 17, 30, tzinfo=dt.UTC), dt.date(2023, 6, 1)]
    accuracies = [None, None, 12.5, 0.0]
    return [(lon, lat, ats[i % len(ats)], accuracies[i % len(accuracies)]) for i, (lon, lat) in enumerate(points)]


def _in_one_turn(coalescer, engine, asks):
    """Each ask in its own greenlet, all started in one turn: their verdicts (or errors), in order."""
    def one(lon, lat, at, accuracy):
        try:
            return coalescer.check(engine, lon, lat, at=at, accuracy_m=accuracy)
        except InputError as error:
            return error

    greenlets = [gevent.spawn(one, *ask) for ask in asks]
    gevent.joinall(greenlets, raise_error=True)
    return [g.value for g in greenlets]


def test_the_checks_of_one_turn_are_judged_together_each_as_alone(engine):
    asks = _asks()
    counting = CountingEngine(engine)
    coalescer = CheckCoalescer(cooperative=True)
    verdicts = _in_one_turn(coalescer, counting, asks)
    # one engine call per kind of ask (with or without a date, with or without an accuracy), never one per point
    kinds = {(at is None, accuracy is None) for _, _, at, accuracy in asks}
    assert sorted(counting.many, reverse=True) == sorted(
        [sum(1 for _, _, at, acc in asks if (at is None, acc is None) == kind) for kind in kinds], reverse=True)
    assert counting.single == 0 and coalescer.checks == len(asks)
    for (lon, lat, at, accuracy), verdict in zip(asks, verdicts):
        assert verdict.to_dict() == engine.check(lon, lat, at=at, accuracy_m=accuracy).to_dict()
    assert {v.status for v in verdicts} >= {"violation", "incomplete", "outside_area", "outside_period"}


def test_a_bad_point_is_its_own_error_and_the_others_are_judged(engine):
    asks = [(106.8, -6.2, None, None), (106.8, 95.0, None, None), (107.0, -6.3, None, None)]
    counting = CountingEngine(engine)
    verdicts = _in_one_turn(CheckCoalescer(cooperative=True), counting, asks)
    assert isinstance(verdicts[1], InputError) and verdicts[1].message_id == "check.latitude_range"
    assert verdicts[0].to_dict() == engine.check(106.8, -6.2).to_dict()
    assert verdicts[2].to_dict() == engine.check(107.0, -6.3).to_dict()
    assert counting.many == [3] and counting.single == 3   # the batch failed: each judged alone


def test_a_check_alone_in_its_turn_is_judged_alone(engine):
    counting = CountingEngine(engine)
    coalescer = CheckCoalescer(cooperative=True)
    for lon, lat, at, accuracy in _asks()[:3]:
        assert coalescer.check(counting, lon, lat, at=at, accuracy_m=accuracy).to_dict() == \
            engine.check(lon, lat, at=at, accuracy_m=accuracy).to_dict()
    assert counting.many == [] and counting.single == 3


def test_without_gevent_every_check_is_judged_at_once(engine):
    assert not gevent_patched()   # the test process is not monkey-patched: the app judges each check alone
    counting = CountingEngine(engine)
    coalescer = CheckCoalescer(cooperative=False)
    asks = _asks()[:6]
    verdicts = [coalescer.check(counting, *ask[:2], at=ask[2], accuracy_m=ask[3]) for ask in asks]
    assert counting.many == [] and counting.single == len(asks) == len(verdicts)


@pytest.mark.slow
def test_concurrent_checks_on_a_gevent_server_get_the_engines_own_verdicts(tmp_path, engine):
    """60 checks at once on one gevent worker (they queue, so they are judged in turns of several):
    each answer is the verdict the engine gives that point alone, as of the server's clock."""
    # no request may be shed for waiting (a slow machine would otherwise get 503s: not what is tested)
    server = ZonasiServer(tmp_path / "instance", workers=1, worker_class="gevent",
                          env={"ZONASI_QUEUE_WAIT_S": "600", "ZONASI_MAX_IN_FLIGHT": "1000"})
    near = points_near_sites(60, 11)
    now = Clock.from_settings(Settings.from_env()).now()   # the suite's clock (ZONASI_NOW), as the server's
    with server:
        with httpx.Client(base_url=server.url, timeout=60) as client:
            def ask(point):
                lon, lat = point
                r = client.get("/api/check", params={"lat": f"{lat:.6f}", "lon": f"{lon:.6f}", "lang": "en"})
                assert r.status_code == 200, r.text
                return r.json()

            with ThreadPoolExecutor(20) as pool:
                answers = list(pool.map(ask, near))
    for (lon, lat), body in zip(near, answers):
        expected = json.loads(json.dumps(engine.check(float(f"{lon:.6f}"), float(f"{lat:.6f}"), at=now).to_dict()))
        body.pop("message")
        assert body == expected
    assert np.unique([a["status"] for a in answers]).size >= 2
