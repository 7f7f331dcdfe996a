"""The sender: empties the durable outbox (``webhook_deliveries``), never in a request's path.

One round (:meth:`Deliverer.deliver_once`) first queues ``report.overdue`` for every notified
report past its deadline not yet alerted (:func:`queue_overdue`: the mark and the event in one
transaction, so exactly once per report), judged by the app's clock (``DeliveryPolicy.clock``:
``ZONASI_NOW`` when set, as the letters that set the deadlines), then claims the due deliveries and POSTs each as JSON
with ``X-Zonasi-Signature: sha256=<hex HMAC-SHA256 of the body>`` (:mod:`geo.webhooks.signing`),
``X-Zonasi-Event`` and ``X-Zonasi-Delivery`` (the delivery's id: a receiver that gets one twice
after a crash can tell).

Claiming is safe on several nodes: a claim is a short transaction that takes the due rows
(PostgreSQL ``FOR UPDATE SKIP LOCKED``; SQLite ``BEGIN IMMEDIATE``, one writer at a time), counts
the attempt and leases them (``next_attempt_at`` moved past the send's timeout), and commits before
anything is sent; so each delivery is sent by one node. A node that dies while sending leaves its
lease to run out and another node sends it again (at least once). A failure is retried after
``backoff * 2^(attempt-1)`` seconds plus up to 25 % jitter, until ``max_attempts``. A restart
loses nothing: rows stay until delivered or given up.

    deliverer = Deliverer(store.db, store.dialect, DeliveryPolicy.from_settings(settings))
    deliverer.deliver_once(now)        # one round at ``now`` (tests pass the time)
    deliverer.run(stop_event)          # rounds until ``stop_event`` is set
"""
from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from geo.clock import Clock
from geo.store.dialects import Dialect
from geo.store.models import Delivery, Report, Webhook
from geo.store.outbox import enqueue
from geo.store.rows import iso, utcnow
from geo.webhooks.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign

log = logging.getLogger(__name__)

MAX_DELAY = dt.timedelta(hours=6)   # the longest wait between two attempts
JITTER = 0.25                       # up to this share of the delay is added at random


@dataclass(frozen=True)
class DeliveryPolicy:
    """How deliveries are sent: the POST's timeout, the first retry's delay (doubling after each
    failure, plus jitter), when to give up, how many rows a round claims and how often the loop polls;
    ``clock`` is the app's clock, which judges what is overdue (sending, leases and retries keep the
    system clock: a fixed ``ZONASI_NOW`` would never let a retry come due)."""

    timeout_s: float = 5.0
    backoff_s: float = 30.0
    max_attempts: int = 8
    batch: int = 20
    poll_s: float = 5.0
    clock: Clock = Clock()

    @classmethod
    def from_settings(cls, settings) -> DeliveryPolicy:
        """The policy of ``settings`` (``ZONASI_WEBHOOK_*``, ``ZONASI_MAX_WEBHOOK_ATTEMPTS``)."""
        return cls(timeout_s=settings.webhook_timeout_s, backoff_s=settings.webhook_backoff_s,
                   max_attempts=max(1, settings.max_webhook_attempts), poll_s=settings.webhook_poll_s,
                   clock=Clock.from_settings(settings))

    @property
    def lease(self) -> dt.timedelta:
        """How long a claimed delivery is kept from other nodes: the send's timeout and a margin."""
        return dt.timedelta(seconds=self.timeout_s + 60)

    def delay(self, attempts: int, rng: random.Random) -> dt.timedelta:
        """The wait after the ``attempts``-th failure: backoff * 2^(attempts-1), + 0..25 % jitter."""
        base = self.backoff_s * 2 ** min(max(attempts - 1, 0), 30)
        return min(dt.timedelta(seconds=base * (1 + JITTER * rng.random())), MAX_DELAY)


@dataclass(frozen=True)
class Attempt:
    """What one POST gave: the HTTP status (None when there was no answer) and an error text."""

    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Round:
    """What one round did."""

    overdue: int = 0      # report.overdue events queued
    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    given_up: int = 0


Sender = Callable[[str, bytes, dict[str, str], float], Attempt]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None   # a redirect is an answer, not a delivery: the 3xx is recorded as a failure


_OPENER = urllib.request.build_opener(_NoRedirect)


def http_post(url: str, body: bytes, headers: dict[str, str], timeout: float) -> Attempt:
    """POST ``body`` to ``url`` (no redirects followed); the status, or the error when none came."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            response.read(65536)
            return Attempt(response.status)
    except urllib.error.HTTPError as exc:
        exc.close()
        return Attempt(exc.code, f"HTTP {exc.code}")
    except (OSError, ValueError) as exc:   # refused, timed out, reset, DNS, a bad URL
        reason = getattr(exc, "reason", None) or exc
        return Attempt(None, f"{type(exc).__name__}: {reason}"[:500])


def overdue_data(row) -> dict:
    """What a ``report.overdue`` event says of a report (never the reporter)."""
    return {"id": row["id"], "status": row["status"], "deadline": iso(row["deadline"]),
            "letter_number": row["letter_number"], "participant": row["participant"],
            "apk_type": row["apk_type"], "regency_code": row["regency_code"],
            "regency_name": row["regency_name"], "lon": row["lon"], "lat": row["lat"]}


def queue_overdue(db: sa.Engine, dialect: Dialect, now: dt.datetime, *, queued_at: dt.datetime | None = None) -> int:
    """Mark every notified report past its deadline at ``now`` (the app's clock) and not yet
    alerted (``overdue_alerted_at``), and queue ``report.overdue`` for each at ``queued_at`` (the
    sender's clock; default ``now``), in one transaction: the conditional UPDATE takes each
    report once, however many nodes run this at the same time. How many were queued."""
    r = Report
    update = (sa.update(r.__table__)
              .where(r.status == "notified", r.deadline < now, r.overdue_alerted_at.is_(None))
              .values(overdue_alerted_at=now)
              .returning(r.id, r.status, r.deadline, r.letter_number, r.participant, r.apk_type,
                         r.regency_code, r.regency_name, r.lon, r.lat))
    with dialect.writer(db).begin() as connection:
        rows = connection.execute(update).mappings().all()
        for row in sorted(rows, key=lambda x: (x["deadline"], x["id"])):
            enqueue(connection, "report.overdue", overdue_data(row), now=queued_at or now)
    return len(rows)


class Deliverer:
    """Sends the outbox's due deliveries (see the module's docstring)."""

    def __init__(self, db: sa.Engine, dialect: Dialect, policy: DeliveryPolicy | None = None, *,
                 send: Sender = http_post, rng: random.Random | None = None,
                 ensure: Callable[[], None] | None = None, clock: Callable[[], dt.datetime] = utcnow):
        """A sender on ``db``; ``send`` POSTs (tests may give their own), ``rng`` draws the
        jitter, ``ensure`` migrates the database first, ``clock`` is the time of a round."""
        self.db = db
        self.dialect = dialect
        self.policy = policy or DeliveryPolicy()
        self.send = send
        self.rng = rng or random.Random()
        self.ensure = ensure
        self.clock = clock

    def claim(self, now: dt.datetime) -> list[dict]:
        """Take up to ``policy.batch`` due deliveries of live webhooks: count the attempt and
        lease them, committed before any is sent (so no other node takes them meanwhile)."""
        d, w = Delivery, Webhook
        query = (sa.select(d.id, d.event, d.payload, d.attempts, w.url, w.secret)
                 .join(w, w.id == d.webhook_id)
                 .where(d.next_attempt_at.is_not(None), d.next_attempt_at <= now, d.delivered_at.is_(None),
                        w.removed_at.is_(None))
                 .order_by(d.next_attempt_at, d.id).limit(self.policy.batch)
                 .with_for_update(skip_locked=True, of=d.__table__))
        lease_until = now + self.policy.lease
        with self.dialect.writer(self.db).begin() as connection:
            rows = [dict(r) for r in connection.execute(query).mappings().all()]
            for row in rows:
                row["attempts"] += 1
                connection.execute(sa.update(d.__table__).where(d.id == row["id"]).values(
                    attempts=row["attempts"], next_attempt_at=lease_until))
        return rows

    def _record(self, row: dict, attempt: Attempt, now: dt.datetime, done: Round) -> None:
        d = Delivery
        values: dict[str, object]
        if attempt.ok:
            values = {"delivered_at": now, "next_attempt_at": None, "last_status": attempt.status,
                      "last_error": None}
            done.delivered += 1
        else:
            given_up = row["attempts"] >= self.policy.max_attempts
            later = None if given_up else now + self.policy.delay(row["attempts"], self.rng)
            values = {"next_attempt_at": later, "last_status": attempt.status,
                      "last_error": (attempt.error or f"HTTP {attempt.status}")[:500]}
            if given_up:
                done.given_up += 1
            else:
                done.retrying += 1
        with self.dialect.writer(self.db).begin() as connection:
            # only while the claim is still ours (the same attempt): a lease that ran out and was
            # taken by another node is that node's to record
            connection.execute(sa.update(d.__table__).where(d.id == row["id"], d.attempts == row["attempts"])
                               .values(**values))

    def deliver_once(self, now: dt.datetime | None = None) -> Round:
        """One round at ``now`` (default: overdue judged by ``policy.clock``, sending by ``clock``):
        queue the overdue events, then send what is due."""
        if self.ensure is not None:
            self.ensure()
        judged = now or self.policy.clock.now()
        now = now or self.clock()
        done = Round(overdue=queue_overdue(self.db, self.dialect, judged, queued_at=now))
        rows = self.claim(now)
        done.claimed = len(rows)
        for row in rows:
            body = row["payload"].encode("utf-8")
            headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "zonasi-webhooks",
                       SIGNATURE_HEADER: sign(body, row["secret"]), EVENT_HEADER: row["event"],
                       DELIVERY_HEADER: str(row["id"])}
            try:
                attempt = self.send(row["url"], body, headers, self.policy.timeout_s)
            except Exception as exc:   # a sender's own failure is a failed attempt, never a lost row
                attempt = Attempt(None, f"{type(exc).__name__}: {exc}"[:500])
            self._record(row, attempt, now, done)
        return done

    def run(self, stop: threading.Event) -> None:
        """Rounds until ``stop`` is set: at once again while a round found a full batch, else after
        ``policy.poll_s``. A round that fails (the database away) is logged and tried again later."""
        while not stop.is_set():
            busy = False
            try:
                done = self.deliver_once()
                busy = done.claimed >= self.policy.batch
            except Exception:
                log.warning("webhook delivery round failed; trying again in %s s", self.policy.poll_s,
                            exc_info=True)
            if not busy:
                stop.wait(self.policy.poll_s)


def start_background(deliverer: Deliverer) -> tuple[threading.Thread, threading.Event]:
    """Run ``deliverer`` in a daemon thread (a greenlet under gevent); set the event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=deliverer.run, args=(stop,), name="zonasi-webhooks", daemon=True)
    thread.start()
    return thread, stop
