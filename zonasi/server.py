"""Helpers of `zonasi serve`: warm the engine before forking, and one listening socket per worker.

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


def _address(host: str, port: int):
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                         flags=socket.AI_PASSIVE)[0]
    return family, kind, proto, address


def reuse_port_socket(host: str, port: int, backlog: int = 2048, *, listen: bool = True) -> socket.socket:
    """A socket bound to host:port with SO_REUSEPORT (several processes may listen on it)."""
    family, kind, proto, address = _address(host, port)
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        if family in (socket.AF_INET, socket.AF_INET6):
            # as gunicorn's own listener: accepted connections inherit it, so a response written
            # as headers + body is not held back by Nagle's algorithm waiting for a delayed ACK
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(address)
        if listen:
            sock.listen(backlog)
            sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def check_port(host: str, port: int) -> None:
    """Raise OSError now (in the master, with a clear message) if host:port cannot be bound."""
    reuse_port_socket(host, port, listen=False).close()


def private_bind(directory: Path) -> str:
    """The gunicorn bind of the master: a Unix socket in ``directory`` that nobody uses."""
    return f"unix:{directory / 'master.sock'}"


def heartbeat_dir() -> str | None:
    """Where gunicorn workers touch their heartbeat file (once per loop, so once per request):
    a RAM disk when there is one, as gunicorn recommends (on a disk it costs ~0.2 ms a time)."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def warm(engine) -> None:
    """Check points on and around every site once, before the workers fork: the engine's lazily
    built indexes (per UTM zone, and the regency grid) are then built once, shared by all workers
    (copy-on-write), and the first requests are as fast as the rest."""
    import numpy as np
    import shapely

    sites = engine.layers.sites
    if not len(sites):
        return
    xy = shapely.get_coordinates(shapely.centroid(sites.geometry.values))
    step = 0.005  # degrees, about 550 m: the neighbourhood where reports of a site fall
    around = np.concatenate([xy + (dx, dy) for dx in (-step, 0, step) for dy in (-step, 0, step)])
    around = np.unique(np.round(around / step).astype("int64"), axis=0) * step
    around = around[(np.abs(around[:, 0]) <= 180) & (np.abs(around[:, 1]) <= 90)]
    engine.check_many(around[:, 0], around[:, 1])
