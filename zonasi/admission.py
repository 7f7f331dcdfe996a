"""Admission control of `zonasi serve`: what a worker cannot answer soon it refuses at once.

Per worker, a request is answered 503 (problem+json in the caller's language, ``Retry-After``)
instead of being served when

- ``max_in_flight`` requests are already in progress in the worker (read, not yet answered:
  requests waiting on the database or on a slow client's body count), or
- it has waited ``max_wait`` seconds or more before the worker got to it (its *age*), behind at
  least ``min_ahead`` others (:data:`BURST`) found by the same poll. A burst from one browser
  (a page opening sends a dozen requests over at most 6 connections) is served in full, however
  long one of its requests takes; it is the many connections of an overload that get refused.

Under gevent workers the age is the time since the event loop last polled the sockets
(:class:`PollClock`): a request found ready by that poll arrived before it, and waited since for
the requests answered in turn before it (zonasi/server.py's ``take_turn``). That is a lower bound of the real wait, so
the rule never sheds a request that waited less. A 503 costs a fraction of a check, so once
requests start to be refused, the turn of every connection comes sooner and latency stays bounded.

Never refused (:data:`EXEMPT`): ``/health`` (a load balancer must see a busy node as alive) and
the pages' own files, ``/static/...`` and ``/sw.js``: each is read from disk in a few
milliseconds, refusing one saves next to nothing, and a page whose script or stylesheet was
refused is broken (one browser opening the map sends a dozen of them at once, and a tile that
took 40 ms to make ahead of them made them wait past the limit).

:class:`Admission` is the rule, with an injected clock; :class:`Admit` is the WSGI middleware.
"""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

EXEMPT = ("/health", "/static", "/sw.js")   # paths (and their sub-paths) never refused
_EXEMPT_UNDER = tuple(path + "/" for path in EXEMPT)
BURST = 8   # requests started since a poll that are never refused for their wait (a browser opens <= 6 connections)


@dataclass
class Admission:
    """The admission rule of one worker: at most ``max_in_flight`` requests in progress, none
    started after waiting ``max_wait`` seconds or more behind ``min_ahead`` others or more.
    ``clock`` gives the current time on the same scale as the arrival times passed to :meth:`enter`."""

    max_in_flight: int
    max_wait: float
    clock: Callable[[], float] = time.monotonic
    min_ahead: int = 0
    in_flight: int = 0
    shed: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def enter(self, arrived: float | None = None, ahead: int | None = None) -> bool:
        """Take a place for a request that arrived at ``arrived`` (default: now) with ``ahead``
        requests started before it since then (None: unknown, as many as it takes); False when
        it must be refused (the worker is full, or the request waited too long behind too many)."""
        now = self.clock()
        age = 0.0 if arrived is None else now - arrived
        waited_out = age >= self.max_wait and (ahead is None or ahead >= self.min_ahead)
        with self._lock:
            if self.in_flight >= self.max_in_flight or waited_out:
                self.shed += 1
                return False
            self.in_flight += 1
            return True

    def leave(self) -> None:
        """Give back the place of a request that was answered."""
        with self._lock:
            self.in_flight -= 1


class Admit:
    """WSGI middleware applying an :class:`Admission` to every request but :data:`EXEMPT`.

    ``arrival`` gives the time a request arrived, on the scale of ``admission.clock``, and how many
    requests were started ahead of it since then (under gevent: the event loop's last poll, see
    :class:`PollClock`); ``services`` gives the app's services (catalog, settings) for the text of
    the 503."""

    def __init__(self, app, admission: Admission, retry_after: float, services,
                 arrival: Callable[[], tuple[float, int]] | None = None):
        self.app = app
        self.admission = admission
        self.retry_after = max(1, int(retry_after))
        self.services = services
        self.arrival = arrival

    def __call__(self, environ, start_response):
        """Run the request when the admission takes it (its place held until its answer is sent),
        else a 503 at once."""
        path = environ.get("PATH_INFO", "")
        if path in EXEMPT or path.startswith(_EXEMPT_UNDER):
            return self.app(environ, start_response)
        arrived, ahead = self.arrival() if self.arrival is not None else (None, None)
        if not self.admission.enter(arrived, ahead):
            return self.refuse(environ, start_response)
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self.admission.leave()
            raise
        wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(wrapper, type) and isinstance(result, wrapper):  # a static file: sent by sendfile
            self.admission.leave()
            return result
        return _Answer(result, self.admission.leave)

    def refuse(self, environ, start_response):
        """503 problem+json in the caller's language (``?lang=``, the page-language cookie, Accept-Language,
        else the server's), with Retry-After; the connection stays open."""
        from webmap.language import environ_language

        services = self.services()
        lang = environ_language(environ, services.settings.language)
        detail = services.catalog.get("server.overloaded", lang, seconds=self.retry_after)
        title = services.catalog.get("problem.title.unavailable", lang)
        body = json.dumps({"type": "about:blank#unavailable", "title": title, "status": 503,
                           "detail": detail, "instance": environ.get("PATH_INFO", "")},
                          ensure_ascii=False).encode()
        start_response("503 SERVICE UNAVAILABLE", [("Content-Type", "application/problem+json"),
                                                   ("Content-Length", str(len(body))),
                                                   ("Retry-After", str(self.retry_after))])
        return [body]


class _Answer:
    """The app's answer, passed through; ``done`` is called once when the server closes it."""

    def __init__(self, result, done: Callable[[], None]):
        self._result = result
        self._done: Callable[[], None] | None = done

    def __iter__(self):
        return iter(self._result)

    def close(self) -> None:
        try:
            if hasattr(self._result, "close"):
                self._result.close()
        finally:
            done, self._done = self._done, None
            if done is not None:
                done()


class PollClock:
    """Arrival times under a gevent worker: when the worker's event loop last polled its sockets
    (``time.time``), and how many requests were started since. A libev check watcher, whose
    callback libev runs first after each poll, marks the time and clears the count; it is started
    in the worker on first use (the master's loop is not the worker's)."""

    def __init__(self):
        self._watcher = None
        self.polled = 0.0
        self.started = 0

    def __call__(self) -> tuple[float, int]:
        """(the time of the last poll, the requests started since it), for a request about to
        start (counted from here on; the watcher is started on the first call)."""
        if self._watcher is None:
            import gevent

            self._watcher = gevent.get_hub().loop.check()
            self._watcher.start(self._mark)
            self._mark()
        ahead, self.started = self.started, self.started + 1
        return self.polled, ahead

    def _mark(self) -> None:
        self.polled = time.time()
        self.started = 0
