"""Helpers of `zonasi serve`: the gevent patch, freezing the heap before forking,
and one listening socket per worker.

Why gevent by default: with gunicorn's thread workers every request crosses threads three times
(the poller hands the connection to a pool thread, which hands it back), and each crossing is a
thread wake-up and a GIL hand-over: at 800 requests/s spread over idling keep-alive connections
that cost as much CPU as the request itself, and the hand-overs queue up into tail latency. A
gevent worker reads, answers and waits for the next request of every connection in one thread.

Why a socket per worker: gunicorn's workers normally share the master's listening socket, and
whichever worker wakes first accepts. A burst of new keep-alive connections then lands mostly on
one worker (45 of 50 in a test on 2 cores) and stays there, so that worker is overloaded while
the other idles. With ``SO_REUSEPORT`` every worker listens on its own socket bound to the same
address, and the kernel spreads new connections evenly across them. The master then listens
only on a private Unix socket that nobody connects to.
"""
from __future__ import annotations

import os
import socket
from pathlib import Path

REUSE_PORT = hasattr(socket, "SO_REUSEPORT")
WORKER_CLASSES = ("gevent", "gthread")


def patch_for_gevent() -> None:
    """gevent's monkey patch, done in the master before the app is made (as gunicorn advises
    when the app is loaded before forking): the locks, the database pool and the PostgreSQL
    driver's wait function made afterwards then all cooperate with gevent's event loop. ``ssl`` is
    left alone: the server speaks plain HTTP (TLS belongs to the reverse proxy), and pyproj has
    imported it already, which gevent warns about."""
    from gevent import monkey

    monkey.patch_all(ssl=False)


def worker_class(name: str):
    """gunicorn's worker class for ``name``; for gevent, one that does not patch again (the master
    has, see :func:`patch_for_gevent`) and only turns its listening sockets into gevent's."""
    if name != "gevent":
        return name
    from gevent import socket as gsocket
    from gunicorn.workers.ggevent import GeventWorker

    class Worker(GeventWorker):
        def patch(self):
            self.sockets = [gsocket.socket(s.FAMILY, gsocket.SOCK_STREAM, fileno=s.sock.detach())
                            for s in self.sockets]

    return Worker


def reuse_port_listener(host: str, port: int, worker):
    """A listening socket of this worker alone, bound to host:port with SO_REUSEPORT, wrapped in
    gunicorn's socket class (which listens with the worker's backlog, TCP_NODELAY on)."""
    from gunicorn.sock import TCP6Socket, TCPSocket

    sock = _bound(host, port)
    kind = TCP6Socket if sock.family == socket.AF_INET6 else TCPSocket
    return kind(sock.getsockname(), worker.cfg, worker.log, fd=sock.detach())


def check_port(host: str, port: int) -> None:
    """Raise OSError now (in the master, with a clear message) if host:port cannot be bound."""
    _bound(host, port).close()


def _bound(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(address)
    except OSError:
        sock.close()
        raise
    return sock


def private_bind(directory: Path) -> str:
    """The gunicorn bind of the master: a Unix socket in ``directory`` that nobody uses."""
    return f"unix:{directory / 'master.sock'}"


def heartbeat_dir() -> str | None:
    """Where gunicorn workers touch their heartbeat file (once per loop, so once per request):
    a RAM disk when there is one, as gunicorn recommends (on a disk it costs ~0.2 ms a time)."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def freeze_heap() -> None:
    """Move everything loaded so far (layers, indexes, modules) out of the garbage collector's
    sight before the workers fork, as the ``gc.freeze`` documentation advises for pre-fork
    servers: a full collection then scans only what requests allocate (otherwise it walks
    ~200,000 objects, a ~100 ms stall of every request in flight) and does not write to, and so
    copy, the memory pages the workers share with the master."""
    import gc

    gc.collect()
    gc.freeze()



class Offload:
    """WSGI middleware of gevent workers: requests to the long routes (a CSV to validate, an
    export) run in a native thread of gevent's pool, so that the worker's event loop goes on
    answering its other connections meanwhile (they share the CPU, as under thread workers,
    instead of waiting for the long request to finish).

    The request body is read first, in the event loop (a slow upload holds no thread; a body
    over ``max_body`` is cut just past the limit, which the app refuses with a 413), and the
    response is collected in the thread."""

    def __init__(self, app, prefixes: tuple[str, ...], max_body: int):
        self.app = app
        self.prefixes = prefixes
        self.max_body = max_body

    def __call__(self, environ, start_response):
        if not environ.get("PATH_INFO", "").startswith(self.prefixes):
            return self.app(environ, start_response)
        from gevent import get_hub

        self._buffer_body(environ)
        started = []

        def run():
            result = self.app(environ, lambda *args: started.append(args))
            try:
                return b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()

        body = get_hub().threadpool.apply(run)
        start_response(*started[-1])
        return [body]

    def _buffer_body(self, environ) -> None:
        import io

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
