"""Mixed load on the production server: point checks, violations downloads and report submissions.

    .venv/bin/python bench/load.py                          # make load: 50 clients, 60 s, SQLite
    .venv/bin/python bench/load.py --seconds 10             # quick
    .venv/bin/python bench/load.py --database-url postgresql+psycopg://...

50 clients, each on its own keep-alive connection, for 60 s. Each client sends on its own schedule
(``--rate`` requests per second in all, spread over the clients: field officers and Satpol PP
staff, not a flood from one machine) a mix of:

* ``GET /api/check`` at random spots near bundled sites (80 %),
* ``POST /api/reports`` with a ``field`` token and an Idempotency-Key (17 %),
* ``GET /api/violations.geojson?bbox=...`` of a ~2 km box in Indramayu with a ``satpolpp``
  token (3 %).

Latency is measured from the scheduled send time (a stalled server shows up as latency, not as
fewer requests: no coordinated omission). Printed per kind: requests, req/s, p50, p99, max,
errors (a non-2xx answer or a broken connection). Targets: 0 errors, checks p99 <= 50 ms.
Exit status 1 when a target is missed. The client shares the cores with the server.
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import json
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

MIX = (("check", 0.80), ("report", 0.17), ("violations", 0.03))
INDRAMAYU_BOX = (108.30, -6.36, 108.32, -6.34)


@dataclass
class Kind:
    name: str
    latencies: list[float] = field(default_factory=list)
    sent_at: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)

    def pct(self, q: float) -> float:
        return float(np.percentile(self.latencies, q) * 1000) if self.latencies else float("nan")

    def line(self, seconds: float) -> str:
        worst = max(self.latencies) * 1000 if self.latencies else float("nan")
        return (f"{self.name:<11} {len(self.latencies):7d} ok  {len(self.latencies) / seconds:7.1f} req/s  "
                f"p50 {self.pct(50):7.2f} ms  p99 {self.pct(99):7.2f} ms  max {worst:7.1f} ms  "
                f"errors {self.errors}")


class Client:
    """A lean HTTP/1.1 keep-alive client (the load generator must not eat the server's cores)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def connect(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def request(self, method: str, path: str, headers: dict, body: bytes = b"") -> int:
        head = [f"{method} {path} HTTP/1.1", "Host: load"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        if body:
            head.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        response = await self.reader.readuntil(b"\r\n\r\n")
        status = int(response[9:12])
        length = 0
        for line in response.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        await self.reader.readexactly(length)
        return status

    def close(self):
        if self.writer is not None:
            self.writer.close()


def check_points(n: int, seed: int) -> list[str]:
    """``n`` point-check paths near random bundled sites."""
    pick = points_near_sites(n, seed)
    return [f"/api/check?lat={lat:.6f}&lon={lon:.6f}" for lon, lat in pick]


async def client_loop(index: int, host: str, port: int, tokens: dict, kinds: dict, checks: list[str],
                      start: float, stop: float, interval: float, run_id: str, mix=MIX) -> None:
    loop = asyncio.get_running_loop()
    rng = random.Random(index)
    client = Client(host, port)
    await client.connect()
    due = start + rng.uniform(0, interval)
    n = 0
    try:
        while due < stop:
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            kind = rng.choices([k for k, _ in mix], [w for _, w in mix])[0]
            if kind == "check":
                args = ("GET", rng.choice(checks), {})
            elif kind == "report":
                n += 1
                west, south, east, north = INDRAMAYU_BOX
                body = json.dumps({"apk_type": "baliho", "lon": round(rng.uniform(west - 0.05, east + 0.05), 6),
                                   "lat": round(rng.uniform(south - 0.05, north + 0.05), 6), "accuracy_m": 5,
                                   "reported_at": "2024-01-10T09:00:00+07:00",
                                   "note": f"load {index}-{n}"}).encode()
                args = ("POST", "/api/reports", {"Authorization": f"Bearer {tokens['field']}",
                                                 "Content-Type": "application/json",
                                                 "Idempotency-Key": f"load-{run_id}-{index}-{n}"}, body)
            else:
                box = ",".join(map(str, INDRAMAYU_BOX))
                args = ("GET", f"/api/violations.geojson?bbox={box}", {"Authorization": f"Bearer {tokens['satpolpp']}"})
            record = kinds[kind]
            try:
                status = await client.request(*args)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                record.errors += 1
                client.close()
                await client.connect()
            else:
                record.statuses[status] = record.statuses.get(status, 0) + 1
                if 200 <= status < 300:
                    record.latencies.append(loop.time() - due)
                    record.sent_at.append(due - start)
                else:
                    record.errors += 1
            due += interval
    finally:
        client.close()


def windows(kind: Kind, seconds: float, width: float = 10.0) -> str:
    """p99 of each ``width``-second window: are slow answers spread out or one stall?"""
    at = np.asarray(kind.sent_at)
    lat = np.asarray(kind.latencies) * 1000
    out = []
    for low in np.arange(0, seconds, width):
        inside = lat[(at >= low) & (at < low + width)]
        out.append(f"{np.percentile(inside, 99):.0f}" if len(inside) else "-")
        out[-1] = f"{low:.0f}s:{out[-1]}"
    return " ".join(out)


async def run_load(url: str, tokens: dict, clients: int, seconds: float, rate: float, checks: list[str],
                   mix=MIX) -> tuple[dict, float]:
    host, port = url.split("//")[1].rstrip("/").split(":")
    kinds = {name: Kind(name) for name, _ in MIX}
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.5
    interval = clients / rate
    run_id = f"{int(time.time())}"
    cpu = time.process_time()
    await asyncio.gather(*(client_loop(i, host, int(port), tokens, kinds, checks, start, start + seconds,
                                       interval, run_id, mix) for i in range(clients)))
    return kinds, time.process_time() - cpu


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second, all clients together")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--database-url", help="PostgreSQL + PostGIS (default: SQLite in a temporary instance)")
    parser.add_argument("--max-p99", type=float, default=50.0, help="target p99 of the checks, ms")
    parser.add_argument("--checks-only", action="store_true", help="only GET /api/check (to compare)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds at the full rate before measuring")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="zonasi-load-") as tmp:
        server = ZonasiServer(Path(tmp) / "instance", database_url=args.database_url, workers=args.workers,
                              threads=args.threads)
        server.start()
        try:
            tokens = {"field": server.token("field", "load field"), "satpolpp": server.token("satpolpp", "load satpol")}
            print(f"load: {args.clients} clients, {args.rate:.0f} req/s offered, {args.seconds:.0f} s, "
                  f"zonasi serve {args.workers} gevent workers, "
                  f"{'PostGIS' if args.database_url else 'SQLite'}, {os.cpu_count()} cores shared with the client")
            checks = check_points(20_000, seed=3)
            gc.collect()
            gc.freeze()   # the layers loaded for the points must not be walked by the GC while measuring
            asyncio.run(run_load(server.url, tokens, args.clients, args.warmup, args.rate, checks))
            mix = (("check", 1.0),) if args.checks_only else MIX
            kinds, client_cpu = asyncio.run(run_load(server.url, tokens, args.clients, args.seconds, args.rate,
                                                     checks, mix))
            log = server.log_text()
        finally:
            server.stop()
    total = sum(len(k.latencies) for k in kinds.values())
    errors = sum(k.errors for k in kinds.values())
    for kind in kinds.values():
        print(kind.line(args.seconds))
    print("checks p99 (ms) per 10 s:", windows(kinds["check"], args.seconds))
    print(f"{'all':<11} {total:7d} ok  {total / args.seconds:7.1f} req/s  errors {errors}  "
          f"(client CPU {client_cpu:.1f} s of {args.seconds:.0f} s)")
    missed = []
    if errors:
        missed.append(f"{errors} errors: {[k.statuses for k in kinds.values()]}")
    if kinds["check"].pct(99) > args.max_p99:
        missed.append(f"checks p99 {kinds['check'].pct(99):.1f} > {args.max_p99:.0f} ms")
    if "Traceback" in log:
        missed.append("the server logged a traceback")
    print("targets met" if not missed else "MISSED: " + "; ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
