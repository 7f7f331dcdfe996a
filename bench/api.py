"""Benchmark: GET /api/check on random points against the production server (`zonasi serve`).

    .venv/bin/python bench/api.py [--seconds 15] [--connections 50] [--rate 800] [--workers 2]
    .venv/bin/python bench/api.py --url http://127.0.0.1:5000     # an already running server

Two runs, after a short warm-up:

1. full throttle: 50 keep-alive connections, each sending its next request as soon as the answer
   is in (target >= 800 req/s);
2. held rate: about 800 req/s spread over 50 keep-alive connections that idle between requests
   (each sends every 50/800 s on its own schedule; target p99 <= 20 ms). Latency is measured from
   the *scheduled* send time, so a stalled server shows up as latency rather than as a slower
   rate (no coordinated omission); idle connections must not hold up the busy ones.

Zero errors are required in both. The client is a small asyncio HTTP/1.1 keep-alive client (it
shares the 2 cores with the server, so it has to be lean). Points: random spots within ~150 m of
random bundled sites (a mix of violations and allowed spots). Exit status 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zonasi.testing.layers import points_near_sites
from zonasi.testing.server import ZonasiServer


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, q: float) -> float:
        return float(np.percentile(self.latencies, q) * 1000) if self.latencies else float("nan")

    client_cpu: float = 0.0
    server_cpu: float | None = None   # CPU seconds the server's processes used (Linux /proc)
    load: tuple[float, float] = (0.0, 0.0)

    def line(self) -> str:
        return (f"{self.name:<13} {self.rate:8.0f} req/s   p50 {self.percentile(50):6.2f} ms   "
                f"p99 {self.percentile(99):6.2f} ms   {len(self.latencies)} requests, {self.errors} errors"
                f"\n{'':13} client {100 * self.client_cpu / self.seconds:.0f}% of a core; "
                + (f"server {1000 * self.server_cpu / max(len(self.latencies), 1):.2f} ms CPU per request "
                   f"({100 * self.server_cpu / self.seconds:.0f}% of a core); " if self.server_cpu is not None else "")
                + f"load average {self.load[0]:.1f} -> {self.load[1]:.1f}")


def random_paths(n: int, seed: int = 1) -> list[bytes]:
    """``n`` raw point-check requests near random bundled sites."""
    pick = points_near_sites(n, seed)
    return [f"GET /api/check?lat={lat:.6f}&lon={lon:.6f} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
            for lon, lat in pick]


async def _request(reader, writer, request: bytes) -> bool:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    await reader.readexactly(length)
    return status == 200


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
                ok = await _request(reader, writer, paths[rng.randrange(len(paths))])
            except (OSError, asyncio.IncompleteReadError, ValueError):
                result.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                ok = None
            if ok:
                result.latencies.append(loop.time() - sent)
            elif ok is False:
                result.errors += 1
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
    result = Result(name, seconds)
    load = os.getloadavg()[0]
    server_cpu = process_cpu(server_pid)
    start = loop.time() + 0.2
    interval = connections / rate if rate else None
    tasks = [_connection(host, port, paths, result, start + seconds,
                         interval, start + (i * interval / connections if interval else 0))
             for i in range(connections)]
    cpu = time.process_time()
    await asyncio.gather(*tasks)
    result.client_cpu = time.process_time() - cpu
    if server_cpu is not None:
        result.server_cpu = process_cpu(server_pid) - server_cpu
    result.load = (load, os.getloadavg()[0])
    return result


def measure(args, paths: list[bytes], url: str, server_pid: int | None) -> tuple[Result, Result]:
    """The full-throttle run and the held run against ``url``, after a short warm-up."""
    host, port = url.split("//")[1].split(":")
    port = int(port.rstrip("/"))
    shape = (f"zonasi serve, {args.workers} gevent workers" if args.worker_class == "gevent"
             else f"zonasi serve, {args.workers} {args.worker_class} workers x {args.threads} threads")
    print(f"GET /api/check against {url} ({shape if server_pid else 'given server'}; "
          f"{os.cpu_count()} cores shared with this client)")
    asyncio.run(run("warm-up", host, port, paths, args.connections, 3, None))
    full = asyncio.run(run("full throttle", host, port, paths, args.connections, args.seconds, None, server_pid))
    print(full.line())
    held = asyncio.run(run(f"held {args.rate:.0f}/s", host, port, paths, args.connections, args.seconds,
                           args.rate, server_pid))
    print(held.line())
    return full, held


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="benchmark this running server instead of starting one")
    parser.add_argument("--seconds", type=float, default=15.0, help="duration of each run")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rate", type=float, default=800.0, help="held rate, requests per second")
    parser.add_argument("--workers", type=int, default=2, help="zonasi serve --workers")
    parser.add_argument("--worker-class", default="gevent", help="zonasi serve --worker-class")
    parser.add_argument("--threads", type=int, default=8, help="zonasi serve --threads (gthread)")
    parser.add_argument("--min-rate", type=float, default=800.0, help="target for the full-throttle run")
    parser.add_argument("--max-p99", type=float, default=20.0, help="target p99 (ms) of the held run")
    args = parser.parse_args()

    paths = random_paths(20_000)
    with contextlib.ExitStack() as stack:
        server = None
        url = args.url
        if url is None:
            instance = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="zonasi-bench-"))) / "instance"
            server = stack.enter_context(ZonasiServer(instance, workers=args.workers,
                                                      worker_class=args.worker_class, threads=args.threads))
            url = server.url
        full, held = measure(args, paths, url, server.process.pid if server else None)
    missed = []
    if full.errors or held.errors:
        missed.append("errors")
    if full.rate < args.min_rate:
        missed.append(f"full throttle {full.rate:.0f} < {args.min_rate:.0f} req/s")
    if held.percentile(99) > args.max_p99:
        missed.append(f"held p99 {held.percentile(99):.1f} > {args.max_p99:.0f} ms")
    if held.rate < 0.95 * args.rate:
        missed.append(f"held rate {held.rate:.0f} < {args.rate:.0f} req/s")
    print("targets met" if not missed else "MISSED: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
