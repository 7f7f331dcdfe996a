"""Benchmark: GET /api/check on random points against the production server (`zonasi serve`).

    .venv/bin/python bench/api.py [--seconds 15] [--connections 50] [--rate 800] [--workers 2]
    .venv/bin/python bench/api.py --url http://127.0.0.1:5000     # an already running server
    .venv/bin/python bench/api.py --overload --seconds 10          # full throttle at 50 and 200 connections
    .venv/bin/python bench/api.py --only full --connections 50,200 --json out.json

Two runs, after a short warm-up:

1. full throttle: 50 keep-alive connections, each sending its next request as soon as the answer
   is in (target >= 800 req/s);
2. held rate: about 800 req/s spread over 50 keep-alive connections that idle between requests
   (each sends every 50/800 s on its own schedule; target p99 <= 20 ms). Latency is measured from
   the *scheduled* send time, so a stalled server shows up as latency rather than as a slower
   rate (no coordinated omission); idle connections must not hold up the busy ones.

Overload (``--overload``, or ``--only full`` with ``--connections 50,200``): full throttle at
each number of connections, reporting p50/p99/max latency of every answer (200 or 503), the
requests answered after more than 2 s, and the share of 503s. A connection that gets a 503 waits
its Retry-After before its next request, as the field app does. Targets: none past 2 s, p99 <= 100
ms at 50 connections and <= 300 ms at 200, at most a fifth of the answers 503s.
:func:`full_throttle` runs one such measurement for other scripts (bench/national.py), and
:meth:`Result.summary` gives its figures as a dict.

Zero errors are required (a 503 with Retry-After is shedding, not an error). The client is a
small asyncio HTTP/1.1 keep-alive client (it shares the 2 cores with the server, so it has to be
lean). Points: random spots within ~150 m of random bundled sites (a mix of violations and
allowed spots). Exit status 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from hostspeed import HostSpeed  # bench/hostspeed.py: how fast the host ran meanwhile

from zonasi.testing.layers import points_near_sites
from zonasi.testing.server import ZonasiServer, connections_per_worker

SLOW_S = 2.0  # a request answered later than this counts as past a client's timeout
OVERLOAD_P99_MS = {50: 100.0, 200: 300.0}  # targets of the overload runs
MAX_SHED_SHARE = 0.2


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)  # seconds, of every answer (200 or 503)
    errors: int = 0       # answers other than 200/503, and broken connections
    shed: int = 0         # 503 answers (with Retry-After)
    connections: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies, q) * 1000) if self.latencies else float("nan")

    @property
    def served_rate(self) -> float:
        """Answers other than 503 per second."""
        return (len(self.latencies) - self.shed) / self.seconds

    @property
    def slow(self) -> int:
        """Answers that came later than :data:`SLOW_S`."""
        return sum(1 for latency in self.latencies if latency > SLOW_S)

    @property
    def shed_share(self) -> float:
        return self.shed / len(self.latencies) if self.latencies else 0.0

    client_cpu: float = 0.0
    server_cpu: float | None = None   # CPU seconds the server's processes used (Linux /proc)
    load: tuple[float, float] = (0.0, 0.0)
    host: dict = field(default_factory=dict)   # bench/hostspeed.py's figures during the run
    per_worker: list[int] = field(default_factory=list)   # the open connections each worker held mid-run

    def summary(self) -> dict:
        """The figures of this run (latencies in ms)."""
        return {"name": self.name, "connections": self.connections, "seconds": self.seconds,
                "requests": len(self.latencies), "rate": round(self.rate, 1),
                "served_rate": round(self.served_rate, 1),
                "p50_ms": round(self.percentile(50), 2), "p99_ms": round(self.percentile(99), 2),
                "max_ms": round(self.percentile(100), 2), "past_2s": self.slow, "shed_503": self.shed,
                "shed_share": round(self.shed_share, 4), "errors": self.errors, "per_worker": self.per_worker,
                **{f"host_{k}": v for k, v in self.host.items()}}

    def line(self) -> str:
        return (f"{self.name:<13} {self.rate:8.0f} req/s ({self.served_rate:.0f} served)   "
                f"p50 {self.percentile(50):6.2f} ms   "
                f"p99 {self.percentile(99):6.2f} ms   max {self.percentile(100):7.1f} ms   "
                f"{len(self.latencies)} answers, {self.slow} past {SLOW_S:.0f} s, "
                f"{100 * self.shed_share:.1f}% 503, {self.errors} errors"
                f"\n{'':13} client {100 * self.client_cpu / self.seconds:.0f}% of a core; "
                + (f"server {1000 * self.server_cpu / max(len(self.latencies), 1):.2f} ms CPU per request "
                   f"({100 * self.server_cpu / self.seconds:.0f}% of a core); " if self.server_cpu is not None else "")
                + f"load average {self.load[0]:.1f} -> {self.load[1]:.1f}"
                + (f"; connections per worker {'/'.join(map(str, self.per_worker))}" if self.per_worker else "")
                + (f"\n{'':13} {HostSpeed.describe(self.host)}" if self.host else ""))


def random_paths(n: int, seed: int = 1) -> list[bytes]:
    """``n`` raw point-check requests near random bundled sites."""
    pick = points_near_sites(n, seed)
    return [f"GET /api/check?lat={lat:.6f}&lon={lon:.6f} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
            for lon, lat in pick]


async def _request(reader, writer, request: bytes) -> tuple[int, bool, float]:
    """Send ``request``, read the answer: its status, whether the server closes the connection,
    and its Retry-After (seconds, 0 when none)."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, close, retry_after = 0, False, 0.0
    for line in head.split(b"\r\n"):
        name = line[:15].lower()
        if name == b"content-length:":
            length = int(line[15:])
        elif name.startswith(b"connection:") and b"close" in line.lower():
            close = True
        elif name.startswith(b"retry-after:"):
            retry_after = float(line[12:])
    await reader.readexactly(length)
    return status, close, retry_after


async def _connection(host, port, paths, result: Result, stop_at: float, interval: float | None, start: float):
    reader, writer = await asyncio.open_connection(host, port)
    rng = random.Random(id(result) ^ int(start * 1000))
    loop = asyncio.get_running_loop()
    due = start
    try:
        while True:
            if interval is not None:
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            sent = due if interval is not None else loop.time()
            if sent >= stop_at:
                break
            try:
                status, close, retry_after = await _request(reader, writer, paths[rng.randrange(len(paths))])
            except (OSError, asyncio.IncompleteReadError, ValueError):
                status, close, retry_after = None, True, 0.0
                result.errors += 1
            if status in (200, 503):
                result.latencies.append(loop.time() - sent)
                result.shed += status == 503
            elif status is not None:
                result.errors += 1
            if close:  # the server closed it (or it broke): a new connection, as a client would
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
            if retry_after and status == 503:  # as a well-behaved client (the field app) does
                await asyncio.sleep(min(retry_after, stop_at - loop.time()))
                due = max(due, loop.time() - interval) if interval is not None else due
            if interval is not None:
                due += interval
    finally:
        writer.close()


def process_cpu(root: int | None) -> float | None:
    """CPU seconds (user + system) of process ``root`` and its children, from /proc."""
    if root is None or not Path("/proc/self/stat").exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == root or int(fields[1]) == root:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def run(name, host, port, paths, connections: int, seconds: float, rate: float | None,
              server_pid: int | None = None) -> Result:
    loop = asyncio.get_running_loop()
    result = Result(name, seconds, connections=connections)
    load = os.getloadavg()[0]
    server_cpu = process_cpu(server_pid)
    start = loop.time() + 0.2
    interval = connections / rate if rate else None
    tasks = [_connection(host, port, paths, result, start + seconds,
                         interval, start + (i * interval / connections if interval else 0))
             for i in range(connections)]
    cpu = time.process_time()
    with HostSpeed() as speed:
        await asyncio.gather(*tasks, _sample_workers(result, server_pid, port, start + min(seconds / 2, 2.0)))
    result.client_cpu = time.process_time() - cpu
    result.host = speed.figures
    if server_cpu is not None:
        result.server_cpu = process_cpu(server_pid) - server_cpu
    result.load = (load, os.getloadavg()[0])
    return result


async def _sample_workers(result: Result, server_pid: int | None, port: int, at: float) -> None:
    """At ``at`` (loop time), the open connections each of the server's workers holds (Linux)."""
    if server_pid is None or not Path("/proc/net/tcp").exists():
        return
    await asyncio.sleep(max(at - asyncio.get_running_loop().time(), 0))
    result.per_worker = sorted(connections_per_worker(server_pid, port))


def _host_port(url: str) -> tuple[str, int]:
    host, port = url.split("//")[1].split(":")
    return host, int(port.rstrip("/"))


def full_throttle(url: str, connections: int, seconds: float = 10.0, paths: list[bytes] | None = None,
                  server_pid: int | None = None, warm_up: float = 2.0) -> Result:
    """``connections`` keep-alive connections sending GET /api/check to ``url`` as fast as they are
    answered for ``seconds`` (after a warm-up of ``warm_up`` seconds); every answer's latency."""
    host, port = _host_port(url)
    paths = paths or random_paths(20_000)
    if warm_up:
        asyncio.run(run("warm-up", host, port, paths, connections, warm_up, None))
    return asyncio.run(run(f"full x{connections}", host, port, paths, connections, seconds, None, server_pid))


def measure(args, paths: list[bytes], url: str, server_pid: int | None) -> list[Result]:
    """The runs asked for (full throttle at each number of connections, held rate) against ``url``."""
    host, port = _host_port(url)
    shape = (f"zonasi serve, {args.workers} gevent workers" if args.worker_class == "gevent"
             else f"zonasi serve, {args.workers} {args.worker_class} workers x {args.threads} threads")
    print(f"GET /api/check against {url} ({shape if server_pid else 'given server'}; "
          f"{os.cpu_count()} cores shared with this client)", flush=True)
    results = []
    if "full" in args.only:
        for connections in args.connections:
            results.append(full_throttle(url, connections, args.seconds, paths, server_pid, warm_up=3))
            print(results[-1].line(), flush=True)
    if "held" in args.only:
        held = asyncio.run(run(f"held {args.rate:.0f}/s", host, port, paths, args.connections[0], args.seconds,
                               args.rate, server_pid))
        print(held.line(), flush=True)
        results.append(held)
    return results


def missed_targets(args, results: list[Result]) -> list[str]:
    """What the results miss of the targets (see the module's documentation)."""
    missed = []
    for r in results:
        if r.errors:
            missed.append(f"{r.name}: {r.errors} errors")
        if r.slow:
            missed.append(f"{r.name}: {r.slow} past {SLOW_S:.0f} s")
        if r.shed_share > MAX_SHED_SHARE:
            missed.append(f"{r.name}: {100 * r.shed_share:.0f}% 503s")
        if r.name.startswith("full"):
            if r.connections == args.connections[0] and r.rate < args.min_rate:
                missed.append(f"{r.name}: {r.rate:.0f} < {args.min_rate:.0f} req/s")
            target = OVERLOAD_P99_MS.get(r.connections)
            if args.overload and target is not None and r.percentile(99) > target:
                missed.append(f"{r.name}: p99 {r.percentile(99):.0f} > {target:.0f} ms")
        else:
            if r.percentile(99) > args.max_p99:
                missed.append(f"{r.name}: p99 {r.percentile(99):.1f} > {args.max_p99:.0f} ms")
            if r.rate < 0.95 * args.rate:
                missed.append(f"{r.name}: rate {r.rate:.0f} < {args.rate:.0f} req/s")
    return missed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="benchmark this running server instead of starting one")
    parser.add_argument("--seconds", type=float, default=15.0, help="duration of each run")
    parser.add_argument("--connections", type=lambda v: [int(c) for c in v.split(",")], default=None,
                        help="keep-alive connections; several, comma-separated, for several full-throttle "
                             "runs (the held run uses the first) [50; 50,200 with --overload]")
    parser.add_argument("--only", default="full,held", help="the runs: full, held or both (comma-separated)")
    parser.add_argument("--overload", action="store_true",
                        help="full throttle only, at 50 and 200 connections, with the overload targets")
    parser.add_argument("--json", type=Path, help="also write the figures of every run to this file")
    parser.add_argument("--rate", type=float, default=800.0, help="held rate, requests per second")
    parser.add_argument("--workers", type=int, default=2, help="zonasi serve --workers")
    parser.add_argument("--worker-class", default="gevent", help="zonasi serve --worker-class")
    parser.add_argument("--threads", type=int, default=8, help="zonasi serve --threads (gthread)")
    parser.add_argument("--min-rate", type=float, default=800.0, help="target for the full-throttle run")
    parser.add_argument("--max-p99", type=float, default=20.0, help="target p99 (ms) of the held run")
    args = parser.parse_args()
    if args.overload:
        args.only = "full"
    args.only = set(args.only.split(","))
    args.connections = args.connections or ([50, 200] if args.overload else [50])

    paths = random_paths(20_000)
    with contextlib.ExitStack() as stack:
        server = None
        url = args.url
        if url is None:
            instance = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="zonasi-bench-"))) / "instance"
            server = stack.enter_context(ZonasiServer(instance, workers=args.workers,
                                                      worker_class=args.worker_class, threads=args.threads))
            url = server.url
        results = measure(args, paths, url, server.process.pid if server else None)
    if args.json:
        args.json.write_text(json.dumps([r.summary() for r in results], indent=1) + "\n")
    missed = missed_targets(args, results)
    print("targets met" if not missed else "MISSED: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
