"""Point checks that arrive together, answered by one engine call (request coalescing).

A check's cost is mostly fixed: locating the regency, projecting into its UTM zone, querying the
site index and assembling the verdict run as a few hundred small array operations whatever the
number of points (:meth:`geo.Engine.check_many` judges 8 points in about the time of 2 single
checks). Under `zonasi serve`'s gevent workers the requests that one poll of the sockets found
ready run one after the other in one thread; here each GET /api/check joins the checks asked for
in that same turn, and the first of them, once the others have joined, judges them all at once.
A busy worker so spends less per check exactly when requests queue up (the batches grow with the
queue; an idle worker judges each check alone, as before).

Every point gets the verdict :meth:`geo.Engine.check` would give it (``check_many`` is the same
judgement, point by point; a test holds them equal). Checks with and without a GPS accuracy are
judged in separate calls (an absent accuracy is not an accuracy of 0 m), and so are checks with
and without a date; an error judging the
batch makes each point be judged alone, so one point's error is its own.

Without gevent (threads, the development server, tests) a check is judged at once, alone.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from geo import Engine
from geo.engine import Verdict


@dataclass
class _Ask:
    """One check waiting in a turn: its point, and then its verdict or error."""

    engine: Engine
    lon: float
    lat: float
    at: dt.date | dt.datetime | None
    accuracy: float | None
    verdict: Verdict | None = None
    error: BaseException | None = None
    done: Any = field(default=None, repr=False)   # a gevent Event, set when answered


class CheckCoalescer:
    """Point checks of one server worker; ``cooperative``: the worker runs gevent greenlets (the
    checks of one turn are judged together), else each check is judged at once."""

    def __init__(self, cooperative: bool):
        self.cooperative = cooperative
        self._waiting: list[_Ask] = []
        self.batches = 0          # engine calls made (for tests and the curious)
        self.checks = 0           # checks answered

    def check(self, engine: Engine, lon: float, lat: float, at=None, accuracy_m: float | None = None) -> Verdict:
        """The verdict of ``engine`` for one point, as :meth:`geo.Engine.check` gives it."""
        if not self.cooperative:
            self.batches += 1
            self.checks += 1
            return engine.check(lon, lat, at=at, accuracy_m=accuracy_m)
        import gevent
        from gevent.event import Event

        ask = _Ask(engine, lon, lat, at, accuracy_m, done=Event())
        self._waiting.append(ask)
        if len(self._waiting) == 1:   # the first of its turn: let the others that are ready join
            try:
                gevent.sleep(0)   # runs the greenlets woken by the same poll up to their own check
            finally:
                turn, self._waiting = self._waiting, []
                self._judge(turn)
        else:
            ask.done.wait()
        if ask.error is not None:
            raise ask.error
        assert ask.verdict is not None
        return ask.verdict

    def _judge(self, turn: list[_Ask]) -> None:
        """Answer every check of ``turn``: one engine call per engine and per kind of accuracy."""
        groups: dict[tuple[int, bool, bool], list[_Ask]] = {}
        for ask in turn:
            groups.setdefault((id(ask.engine), ask.accuracy is None, ask.at is None), []).append(ask)
        try:
            for asks in groups.values():
                self._judge_together(asks)
        finally:
            for ask in turn:
                if ask.verdict is None and ask.error is None:
                    ask.error = RuntimeError("the check was not judged")
                ask.done.set()

    def _judge_together(self, asks: list[_Ask]) -> None:
        engine = asks[0].engine
        self.checks += len(asks)
        if len(asks) > 1:
            self.batches += 1
            try:
                batch = engine.check_many([a.lon for a in asks], [a.lat for a in asks],
                                          None if asks[0].at is None else [a.at for a in asks],
                                          None if asks[0].accuracy is None else [a.accuracy for a in asks])
                for i, ask in enumerate(asks):
                    ask.verdict = batch.verdict(i)
                return
            except Exception:   # noqa: BLE001 - judged again one by one: each point its own error
                pass
        for ask in asks:
            self.batches += 1
            try:
                ask.verdict = engine.check(ask.lon, ask.lat, at=ask.at, accuracy_m=ask.accuracy)
            except Exception as error:   # noqa: BLE001 - the asking request raises it
                ask.error = error


def gevent_patched() -> bool:
    """Whether this process runs under gevent's monkey patch (`zonasi serve`'s gevent workers)."""
    import sys

    if "gevent" not in sys.modules:
        return False
    from gevent import monkey

    return bool(monkey.is_module_patched("threading"))
