"""No acknowledged report is lost: submit reports to the production server, SIGKILL it midway,
restart it, keep going, then count what the database holds.

    .venv/bin/python bench/killtest.py                               # 10,000 reports, SQLite
    .venv/bin/python bench/killtest.py --database-url postgresql+psycopg://...   # PostGIS
    .venv/bin/python bench/killtest.py --reports 200 --clients 16    # what the test runs

32 client threads (keep-alive connections, one ``field`` token made with ``zonasi token create``)
each take the next report and POST it to /api/reports with its own ``Idempotency-Key`` until it
is acknowledged (2xx): a refused connection, a reset or a 5xx while the server is down is retried
with the same key. Every 25th report is first sent on a connection closed before the answer
comes (the answer is lost: the retry must get the stored report back). When half of the reports are acknowledged the whole server process group
(gunicorn master and workers) gets SIGKILL in the middle of the traffic, and the server is started
again on the same port and database. At the end every report must be in the database exactly once
under its key, with the id the client was given, and with exactly one 'reported' history event.
Exit status 1 when not.
"""
from __future__ import annotations

import argparse
import json
import queue
import random
import socket
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.append(str(Path(__file__).resolve().parent))
from serverproc import ZonasiServer  # noqa: E402

# Indramayu (32.12): a box that holds both violations and allowed spots
BOX = (108.20, -6.50, 108.45, -6.30)


@dataclass
class Outcome:
    reports: int
    acknowledged: dict[str, str] = field(default_factory=dict)   # idempotency key -> report id
    created: int = 0           # 201
    replayed: int = 0          # 200 Idempotent-Replayed: the first attempt had been stored
    retries: int = 0           # attempts that failed (connection refused/reset, 5xx) and were sent again
    failures: Counter = field(default_factory=Counter)
    unexpected: list[str] = field(default_factory=list)           # 4xx answers: a bug
    kills: int = 0
    seconds: float = 0.0
    rows: int = 0
    duplicates: int = 0
    missing: list[str] = field(default_factory=list)
    wrong_id: list[str] = field(default_factory=list)
    extra: int = 0
    bad_history: int = 0

    @property
    def ok(self) -> bool:
        return (len(self.acknowledged) == self.reports and not self.unexpected and not self.missing
                and not self.wrong_id and self.duplicates == 0 and self.extra == 0
                and self.rows == self.reports and self.bad_history == 0 and self.kills >= 1)

    def lines(self) -> list[str]:
        return [
            f"reports sent            {self.reports}",
            f"acknowledged (2xx)      {len(self.acknowledged)}  (201 created {self.created}, "
            f"200 replayed after a lost answer {self.replayed})",
            f"server SIGKILLs         {self.kills}",
            f"retried attempts        {self.retries}  ({', '.join(f'{k} {v}' for k, v in self.failures.items()) or '-'})",
            f"unexpected 4xx answers  {len(self.unexpected)}",
            f"rows in the database    {self.rows}",
            f"missing acknowledged    {len(self.missing)}",
            f"stored twice            {self.duplicates}",
            f"id differs from 2xx     {len(self.wrong_id)}",
            f"rows nobody sent        {self.extra}",
            f"bad history             {self.bad_history}",
            f"wall time               {self.seconds:.1f} s",
            "RESULT                  " + ("PASS: every acknowledged report stored exactly once" if self.ok else "FAIL"),
        ]


def payload(i: int, rng: random.Random) -> dict:
    west, south, east, north = BOX
    return {"apk_type": rng.choice(["baliho", "spanduk", "poster", "bendera"]),
            "lon": round(rng.uniform(west, east), 6), "lat": round(rng.uniform(south, north), 6),
            "accuracy_m": 5, "participant": f"Partai {i % 17}", "reporter": f"killtest {i}",
            "reported_at": "2024-01-10T09:00:00+07:00", "note": f"killtest report {i}"}


def send_and_hang_up(server: ZonasiServer, token: str, key: str, body: dict) -> None:
    """Send a report and close the connection without reading the answer: the answer is lost."""
    data = json.dumps(body).encode()
    head = (f"POST /api/reports HTTP/1.1\r\nHost: killtest\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: {key}\r\nContent-Length: {len(data)}\r\n"
            "Connection: close\r\n\r\n").encode()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(head + data)
            time.sleep(0.05)  # long enough for the server to have it, too short for it to answer
    except OSError:
        pass
    time.sleep(0.5)  # the client "notices" the lost answer later; by then the server has stored it


def run(server: ZonasiServer, reports: int = 10_000, clients: int = 32, kill_at: float = 0.5,
        seed: int = 7, log=print, lose_every: int = 25) -> Outcome:
    token = server.token("field", "killtest")
    rng = random.Random(seed)
    run_id = uuid.uuid4().hex[:8]
    work: queue.Queue = queue.Queue()
    for i in range(reports):
        work.put((f"killtest-{run_id}-{i}", payload(i, rng)))
    out = Outcome(reports)
    lock = threading.Lock()
    half = threading.Event()
    done = threading.Event()

    def client() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as http:
            while True:
                try:
                    key, body = work.get_nowait()
                except queue.Empty:
                    return
                attempt = 0
                if lose_every and int(key.rsplit("-", 1)[1]) % lose_every == 0:
                    send_and_hang_up(server, token, key, body)   # then retried below with the same key
                while True:
                    attempt += 1
                    try:
                        r = http.post("/api/reports", json=body, headers={"Idempotency-Key": key})
                    except httpx.TransportError as exc:
                        failure = type(exc).__name__
                    else:
                        if r.status_code in (200, 201):
                            with lock:
                                out.acknowledged[key] = r.json()["id"]
                                if r.status_code == 201:
                                    out.created += 1
                                else:
                                    out.replayed += 1
                                if len(out.acknowledged) >= reports * kill_at:
                                    half.set()
                            break
                        if r.status_code < 500:
                            with lock:
                                out.unexpected.append(f"{key}: {r.status_code} {r.text[:200]}")
                            break
                        failure = f"HTTP {r.status_code}"
                    with lock:
                        out.retries += 1
                        out.failures[failure] += 1
                    time.sleep(min(0.05 * attempt, 1.0))

    def killer() -> None:
        while not half.wait(0.1):
            if done.is_set():
                return
        server.kill()
        out.kills += 1
        log(f"  SIGKILL after {len(out.acknowledged)} acknowledged reports; restarting")
        time.sleep(0.5)   # clients now see refused connections and retry
        server.start()
        log(f"  restarted ({len(out.acknowledged)} acknowledged so far)")

    started = time.perf_counter()
    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    kill_thread = threading.Thread(target=killer, daemon=True)
    kill_thread.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    done.set()
    kill_thread.join()
    out.seconds = time.perf_counter() - started
    verify(server, out)
    return out


def verify(server: ZonasiServer, out: Outcome) -> None:
    """Count, in the database itself, what the clients were told was stored."""
    url = server.env.get("ZONASI_DATABASE_URL") or f"sqlite:///{(server.instance_dir / 'zonasi.db').resolve()}"
    db = sa.create_engine(url)
    try:
        with db.connect() as connection:
            rows = connection.exec_driver_sql("SELECT id, idempotency_key FROM reports").all()
            events = dict(connection.exec_driver_sql(
                "SELECT report_id, count(*) FROM report_events WHERE to_status = 'reported' "
                "GROUP BY report_id").all())
    finally:
        db.dispose()
    out.rows = len(rows)
    by_key = Counter(key for _, key in rows)
    out.duplicates = sum(n - 1 for n in by_key.values() if n > 1)
    stored = {key: str(rid) for rid, key in rows}
    out.missing = [k for k in out.acknowledged if k not in stored]
    out.wrong_id = [k for k, rid in out.acknowledged.items() if k in stored and stored[k] != rid]
    out.extra = sum(1 for k in stored if k not in out.acknowledged)
    out.bad_history = sum(1 for rid, _ in rows if events.get(rid, events.get(str(rid), 0)) != 1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--database-url", help="PostgreSQL + PostGIS (default: SQLite in a temporary instance)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--json", action="store_true", help="print the counts as JSON too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="zonasi-killtest-") as tmp:
        server = ZonasiServer(Path(tmp) / "instance", database_url=args.database_url,
                              workers=args.workers, threads=args.threads)
        backend = "PostGIS" if args.database_url else "SQLite"
        print(f"killtest: {args.reports} reports, {args.clients} clients, {backend}, "
              f"zonasi serve {args.workers} gevent workers")
        server.start()
        try:
            out = run(server, args.reports, args.clients)
        finally:
            server.stop()
        for line in out.lines():
            print(line)
        for problem in (out.unexpected + out.missing + out.wrong_id)[:10]:
            print("  ", problem)
        if args.json:
            print(json.dumps({k: v for k, v in out.__dict__.items() if isinstance(v, (int, float))}))
    return 0 if out.ok else 1


if __name__ == "__main__":
    sys.exit(main())
