"""Long requests of `zonasi serve` run apart from the short ones, in lanes of their own.

A lane is a set of route prefixes with its own threads and a bound on the requests waiting for
them. Uploads to validate (seconds of CPU each) have one lane, the data routes (exports, OGC
pages, exclusion zones, stats) another, so a queue of uploads never holds up the map's data,
and neither ever holds up the checks, which are answered where they arrive.

Under gevent workers (:class:`Offload`) a long request's body is read first, in the event loop
(a slow upload holds no thread; a body over ``max_body`` is cut just past the limit, which the
app refuses with a 413); the app then runs in a native thread of the lane's pool, and the event
loop writes its answer (whose size the routes bound) while the thread takes the next request. A
request keeps its place in the lane until its answer is sent, so a client that reads slowly
cannot make a lane take more than ``threads + queue`` requests. Under gthread workers
(:class:`Gate`) every request already has a thread, which also writes the answer; a lane there
bounds how many of the worker's threads its routes may hold.

A lane whose threads are busy and whose queue is full answers 503 with ``Retry-After`` at once.
"""
from __future__ import annotations

import io
import json
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Lane:
    """Route prefixes that share ``threads`` threads, with at most ``queue`` requests waiting."""

    name: str
    prefixes: tuple[str, ...]
    threads: int
    queue: int
    quick: tuple[str, ...] = ()      # parts of a path that keep it out of the lane (quick answers)

    def takes(self, path: str) -> bool:
        """Whether a request for ``path`` runs in this lane."""
        return path.startswith(self.prefixes) and not any(part in path for part in self.quick)


class _Lanes:
    def __init__(self, app, lanes: tuple[Lane, ...]):
        self.app = app
        self.lanes = lanes
        self._lock = threading.Lock()
        self._admitted = {lane.name: 0 for lane in lanes}

    def lane(self, environ) -> Lane | None:
        path = environ.get("PATH_INFO", "")
        return next((lane for lane in self.lanes if lane.takes(path)), None)

    def admit(self, lane: Lane) -> bool:
        """Take a place in the lane (running or waiting); False when it is full."""
        with self._lock:
            if self._admitted[lane.name] >= lane.threads + lane.queue:
                return False
            self._admitted[lane.name] += 1
            return True

    def leave(self, lane: Lane) -> None:
        with self._lock:
            self._admitted[lane.name] -= 1

    def busy(self, environ, start_response):
        """503 problem+json in the caller's language (see :func:`webmap.language.language_of`), with Retry-After."""
        from webmap.language import environ_language

        services = self.app.extensions["zonasi"]
        lang = environ_language(environ, services.settings.language)
        detail = services.catalog.get("server.busy", lang)
        title = services.catalog.get("problem.title.unavailable", lang)
        body = json.dumps({"type": "about:blank#unavailable", "title": title, "status": 503,
                           "detail": detail, "instance": environ.get("PATH_INFO", "")},
                          ensure_ascii=False).encode()
        start_response("503 SERVICE UNAVAILABLE", [("Content-Type", "application/problem+json"),
                                                   ("Content-Length", str(len(body))), ("Retry-After", "5")])
        return [body]


class Gate(_Lanes):
    """WSGI middleware of gthread workers: at most ``threads`` requests of a lane run at once,
    ``queue`` more wait for a place; the rest are a 503."""

    def __init__(self, app, lanes: tuple[Lane, ...]):
        super().__init__(app, lanes)
        self._slots = {lane.name: threading.BoundedSemaphore(lane.threads) for lane in lanes}

    def __call__(self, environ, start_response):
        """A request outside every lane runs at once; a lane's request waits for one of its threads,
        or is a 503 when the lane is full."""
        lane = self.lane(environ)
        if lane is None:
            return self.app(environ, start_response)
        if not self.admit(lane):
            return self.busy(environ, start_response)
        slot = self._slots[lane.name]
        slot.acquire()
        try:
            result = self.app(environ, start_response)
        except BaseException:
            slot.release()
            self.leave(lane)
            raise
        return self._guarded(lane, slot, result)

    def _guarded(self, lane: Lane, slot, result):
        try:
            yield from result
        finally:
            try:
                if hasattr(result, "close"):
                    result.close()
            finally:
                slot.release()
                self.leave(lane)


class Offload(_Lanes):
    """WSGI middleware of gevent workers: the lanes' requests run in native threads (see the
    module's documentation)."""

    def __init__(self, app, lanes: tuple[Lane, ...], max_body: int):
        super().__init__(app, lanes)
        self.max_body = max_body
        self._pools = {}

    def _pool(self, lane: Lane):
        pool = self._pools.get(lane.name)
        if pool is None:  # made in the worker (after the fork), on first use
            from gevent.threadpool import ThreadPool

            pool = self._pools[lane.name] = ThreadPool(lane.threads)
        return pool

    def __call__(self, environ, start_response):
        """A request outside every lane runs at once; a lane's request has its body read here, then
        runs in a thread of the lane's pool, or is a 503 when the lane is full."""
        lane = self.lane(environ)
        if lane is None:
            return self.app(environ, start_response)
        if not self.admit(lane):
            return self.busy(environ, start_response)
        try:
            self._buffer_body(environ)
            return self._run(lane, environ, start_response)
        except BaseException:
            self.leave(lane)
            raise

    def _run(self, lane: Lane, environ, start_response):
        started: list[tuple] = []

        def run():
            result = self.app(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
            try:
                return b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()

        body = self._pool(lane).apply(run)
        start_response(*started[-1])
        return self._written(lane, body)

    def _written(self, lane: Lane, body: bytes):
        """The answer, written by the event loop; the lane's place is held until it is sent."""
        try:
            yield body
        finally:
            self.leave(lane)

    def _buffer_body(self, environ) -> None:
        length = environ.get("CONTENT_LENGTH") or ""
        if length.isdigit():
            if int(length) > self.max_body:
                return  # refused from the header alone, nothing to read
            size = int(length)
        elif "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            size = self.max_body + 1
        else:
            return
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(size))

