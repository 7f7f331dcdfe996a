"""Helpers of `zonasi serve`: the gevent patch, freezing the heap before forking,
and the listening sockets.

Why gevent by default: with gunicorn's thread workers every request crosses threads three times
(the poller hands the connection to a pool thread, which hands it back), and each crossing is a
thread wake-up and a GIL hand-over: at 800 requests/s spread over idling keep-alive connections
that cost as much CPU as the request itself, and the hand-overs queue up into tail latency. A
gevent worker reads, answers and waits for the next request of every connection in one thread.

Why a socket per worker slot, held by every worker: see :class:`Listeners`. The master itself
listens only on a private Unix socket that nobody connects to.
"""
from __future__ import annotations

import errno
import os
import select
import socket
import time
from pathlib import Path

REUSE_PORT = hasattr(socket, "SO_REUSEPORT")
ASK_AGAIN_S = 0.001   # how often a worker asks again whether to take a waiting connection (Listeners.takes_now)
WORKER_CLASSES = ("gevent", "gthread")


def patch_for_gevent() -> None:
    """gevent's monkey patch, done in the master before the app is made (as gunicorn advises
    when the app is loaded before forking): the locks, the database pool and the PostgreSQL
    driver's wait function made afterwards then all cooperate with gevent's event loop. ``ssl`` is
    left alone: the server speaks plain HTTP (TLS belongs to the reverse proxy), and pyproj has
    imported it already, which gevent warns about."""
    from gevent import monkey

    monkey.patch_all(ssl=False)


def worker_class(name: str, listeners: Listeners | None = None):
    """gunicorn's worker class for ``name``; for gevent, one that does not patch again (the master
    has, see :func:`patch_for_gevent`), turns its listening sockets into gevent's and accepts from
    them itself (:meth:`Listeners.takes_now`: the fewest open connections take the next one, and a
    stuck worker's waiting connections are taken by a peer)."""
    if name != "gevent":
        return name
    from gevent import socket as gsocket
    from gunicorn.workers.ggevent import GeventWorker

    grace = listeners.grace if listeners is not None else 0.0

    class Worker(GeventWorker):
        def patch(self):
            self.sockets = [gsocket.socket(s.FAMILY, gsocket.SOCK_STREAM, fileno=s.sock.detach())
                            for s in self.sockets]

        def handle_request(self, listener_name, req, sock, addr):
            """Answer one request, then (when the connection stays open) read what is left of its
            body and, when its next request is in already, take a turn behind every connection
            that is ready (see :func:`take_turn`): a keep-alive connection never reads its next
            request before the others have read theirs. (The drain would otherwise happen when
            the next request is parsed, and count in that request's wait: zonasi/admission.py.)"""
            super().handle_request(listener_name, req, sock, addr)  # StopIteration: it closes
            drain(req.body)
            buffer = getattr(getattr(req, "unreader", None), "buf", None)   # what the parser read ahead
            if next_request_waiting(sock, buffer.tell() if buffer is not None else 0):
                take_turn()

        def run(self):
            """gunicorn's gevent worker loop, with an accept loop per listening socket of ours
            (:meth:`_accept`) instead of a gevent server per socket; on the way out, the open
            connections are finished within gunicorn's graceful timeout, as gunicorn does."""
            import gevent
            from gevent.pool import Pool

            pool = Pool(self.worker_connections)
            owners = getattr(self, "zonasi_owners", None) or [None] * len(self.sockets)
            accepting = [gevent.spawn(self._accept, sock, owner, pool) for sock, owner in zip(self.sockets, owners)]
            while self.alive:
                self.notify()
                gevent.sleep(1.0)
            gevent.killall(accepting)
            if not pool.join(timeout=self.cfg.graceful_timeout):
                self.log.warning("Worker graceful timeout (pid:%s)", self.pid)
                pool.kill(timeout=1)

        def _accept(self, sock, owner, pool):
            """Accept the connections of ``sock`` (the socket of worker slot ``owner``; None: ours,
            no peers): at once when :meth:`Listeners.takes_now` says so, else those still waiting
            ``grace`` seconds after they were seen (the worker they are meant for took them by then,
            unless it is stuck or holds more open connections than another)."""
            import gevent
            from gevent.socket import wait_read

            counts = getattr(self, "zonasi_counts", None)
            slot = getattr(self, "zonasi_slot", None)
            sock.settimeout(0.0)
            while self.alive:
                pool.wait_available()
                wait_read(sock.fileno())
                if owner is not None:
                    # asked again every millisecond while the connection waits (the counts move as
                    # the workers accept and close): one sleep of the whole grace on a decision that
                    # no longer holds kept a burst of 200 connections waiting up to seconds
                    deadline = time.monotonic() + grace
                    while not Listeners.takes_now(counts, slot, owner) and time.monotonic() < deadline:
                        gevent.sleep(ASK_AGAIN_S)
                        if not readable(sock):
                            break   # taken meanwhile
                try:
                    client, address = sock.accept()
                except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                    continue   # taken by another worker, or gone before it was accepted
                except OSError as exc:
                    if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                        gevent.sleep(0.1)   # out of descriptors or memory: the next try, soon
                        continue
                    return   # the socket is closed: the worker is leaving
                client.setblocking(1)
                if counts is not None:
                    counts[slot] += 1
                pool.spawn(self._serve, sock, client, address, counts, slot)

        def _serve(self, sock, client, address, counts, slot):
            try:
                self.handle(sock, client, address)
            finally:
                if counts is not None:
                    counts[slot] -= 1

    return Worker


def take_turn() -> None:
    """Let the event loop poll the sockets once before the calling greenlet goes on.

    Why: gevent switches greenlets only when one would block. A connection whose client sends
    its next request before the worker reads (a busy client on the other core wins that race
    often) is answered again and again without a switch, while the requests of the worker's other
    connections wait unread, for seconds under full load (GET /api/check at full throttle over 50
    connections: one connection answered 79 times, another 6, p99 1.5 s). ``gevent.sleep(0)``
    does not help: it only queues a callback, which the loop runs before it polls again. A timer
    makes the loop poll: the sockets ready then each get a turn before this greenlet's next one
    (libev runs the timer's callback first, but every socket's that is pending in the same poll
    before polling again), so connections are answered round-robin."""
    import gevent

    gevent.sleep(1e-6)


def readable(sock) -> bool:
    """Whether ``sock`` has something to read (for a listening socket: a connection to accept), asked
    with one poll(2) that does not wait (the original ``select.poll``, not gevent's, which would switch)."""
    from gevent.monkey import get_original

    poller = get_original("select", "poll")()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def next_request_waiting(sock, buffered: int = 0) -> bool:
    """Whether a keep-alive connection's next request is in already: ``buffered`` bytes read
    ahead by the parser, or bytes (or the client's close) readable on ``sock``, asked with one
    poll(2) that does not wait (the original ``select.poll``, not gevent's, which would switch).

    Why not take a turn after every request: where the next request is not in, reading it
    blocks, and blocking gives the other connections their turn anyway; the timer's extra
    round of the event loop cost 0.3-0.4 ms of CPU per check (a fifth) at 800 requests/s."""
    return bool(buffered) or readable(sock)


def drain(body, chunk: int = 1 << 16) -> None:
    """Read and drop what the app left unread of a request ``body`` (a refused upload), taking a
    turn after every ``chunk`` bytes, so a large body does not hold up the worker's other
    connections."""
    while body.read(chunk):
        take_turn()


class Listeners:
    """The listening sockets of `zonasi serve`: one per worker slot, all bound to host:port with
    ``SO_REUSEPORT`` and made by the master before it forks.

    Why a socket per worker: when workers share one socket, whichever wakes first accepts, and a
    burst of new keep-alive connections lands mostly on one worker (45 of 50 in a test on 2 cores)
    and stays there. With a socket per slot the kernel spreads new connections by address, at
    random; the workers even out the rest by their open connections (:meth:`takes_now`).

    Why every worker holds every socket: a socket of its own only, and a stopped or stuck worker
    blackholes the connections the kernel queued at its socket until the master kills it (120 s),
    and then they are reset. Here each worker accepts from its own socket and, at once when the
    owner holds more open connections, else after ``grace`` seconds, from any peer's socket where
    a connection is still waiting; and the master keeps every socket open, so a connection queued
    at a killed worker's socket is taken by a peer or by its replacement, never reset."""

    grace = 0.05

    def __init__(self, host: str, port: int, slots: int):
        from multiprocessing.sharedctypes import RawArray

        self.slots = slots
        self.sockets: list[socket.socket] = []
        # open connections per worker slot, in memory the forked workers share (each writes its own)
        self.connections = RawArray("l", slots)
        _bound(host, port, reuse_port=False).close()  # another server there (even with SO_REUSEPORT): fail
        try:
            for _ in range(slots):
                sock = _bound(host, port)
                self.sockets.append(sock)
                sock.listen(2048)
        except OSError:
            self.close()
            raise

    def assign(self, arbiter, worker) -> None:
        """In the master, before a worker forks: give it the lowest slot no living worker holds."""
        taken = {getattr(w, "zonasi_slot", None) for w in arbiter.WORKERS.values()}
        free = [slot for slot in range(self.slots) if slot not in taken]
        worker.zonasi_slot = free[0] if free else worker.age % self.slots

    def install(self, worker) -> None:
        """In a forked worker: its own socket first, then every peer's (gunicorn's socket class
        listens with the worker's backlog, TCP_NODELAY on)."""
        from gunicorn.sock import TCP6Socket, TCPSocket

        slot = worker.zonasi_slot
        owners = [slot] + [i for i in range(self.slots) if i != slot]
        worker.sockets = [(TCP6Socket if self.sockets[i].family == socket.AF_INET6 else TCPSocket)(
            self.sockets[i].getsockname(), worker.cfg, worker.log, fd=os.dup(self.sockets[i].fileno()))
            for i in owners]
        worker.zonasi_owners = owners
        self.connections[slot] = 0   # a new worker in the slot: its predecessor's connections went with it
        worker.zonasi_counts = self.connections

    @staticmethod
    def takes_now(counts, slot: int, owner: int) -> bool:
        """Whether the worker of ``slot`` accepts a connection waiting at the socket of ``owner``
        at once (else only after :attr:`grace`): its own when it holds no more open connections
        than every other worker, a peer's when that peer holds more than it does.

        Why: the kernel spreads new connections over the slots' sockets by address, at random,
        so 50 keep-alive connections split 20/30 as often as not, and the worker with 30 carries
        60 % of the load for as long as they stay open (a reverse proxy's connections stay open
        for hours). Taken this way the open connections stay within one of each other, and a
        connection waits for nothing unless its worker is stuck or holds more than another: then
        a peer takes it at once, or after the grace (see the class's note)."""
        others = [counts[i] for i in range(len(counts)) if i != slot]
        if owner == slot:
            return not others or counts[slot] <= min(others)
        return counts[owner] > counts[slot]

    def close(self) -> None:
        """Close every slot's listening socket."""
        for sock in self.sockets:
            sock.close()


def _bound(host: str, port: int, *, reuse_port: bool = True) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if reuse_port:
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


def start_webhooks(store, settings):
    """In a forked worker: the webhooks' sender and overdue check (:class:`geo.webhooks.Deliverer`)
    in a background thread (a greenlet under gevent), off every request's path; returns what
    :func:`stop_webhooks` takes."""
    from geo.webhooks import Deliverer, DeliveryPolicy, start_background

    deliverer = Deliverer(store.db, store.dialect, DeliveryPolicy.from_settings(settings),
                          ensure=store.migrator.ensure)
    return start_background(deliverer)


def stop_webhooks(running, timeout: float = 10.0) -> None:
    """Stop the sender of :func:`start_webhooks` (None: nothing runs) and wait for its round to end;
    a delivery cut short stays leased and is sent again later (nothing is lost)."""
    if running is None:
        return
    thread, stop = running
    stop.set()
    thread.join(timeout)
