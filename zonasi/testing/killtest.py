"""No acknowledged report is lost: reports sent to the production server (a running
:class:`~zonasi.testing.server.ZonasiServer`), the server SIGKILLed midway and started again,
then the database counted. bench/killtest.py is the command line (10,000 reports);
tests/test_killtest.py runs 120 per backend.
"""
from __future__ import annotations

import json
import queue
import random
import socket
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import httpx
import sqlalchemy as sa

from zonasi.testing.server import ZonasiServer

# Indramayu (32.12): a box that holds both violations and allowed spots
BOX = (108.20, -6.50, 108.45, -6.30)


@dataclass
class Outcome:
    """What a kill test sent, was told and found in the database afterwards."""

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
        """Every acknowledged report stored exactly once, under its id, with one history event."""
        return (len(self.acknowledged) == self.reports and not self.unexpected and not self.missing
                and not self.wrong_id and self.duplicates == 0 and self.extra == 0
                and self.rows == self.reports and self.bad_history == 0 and self.kills >= 1)

    def lines(self) -> list[str]:
        """The summary printed by bench/killtest.py."""
        return [
            f"reports sent            {self.reports}",
            f"acknowledged (2xx)      {len(self.acknowledged)}  (201 created {self.created}, "
            f"200 replayed after a lost answer {self.replayed})",
            f"server SIGKILLs         {self.kills}",
            f"retried attempts        {self.retries}  "
            f"({', '.join(f'{k} {v}' for k, v in self.failures.items()) or '-'})",
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
    """Report ``i``: a random type and spot in :data:`BOX`."""
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
    """Send ``reports`` reports from ``clients`` threads to the running ``server``, SIGKILL it when
    the fraction ``kill_at`` of them is acknowledged and start it again, lose the answer of every
    ``lose_every``-th report; then :func:`verify` what the database holds."""
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
