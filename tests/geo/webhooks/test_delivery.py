"""The webhook sender on SQLite and PostGIS, against a real receiver on loopback: signed bodies,
retries with backoff on an injected clock, giving up, claims shared by two deliverers, a crash
mid-send, removed webhooks, and report.overdue queued once per report."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import random
import threading

import pytest
import sqlalchemy as sa

from geo.store import Store
from geo.store.models import Delivery, Report
from geo.webhooks import Deliverer, DeliveryPolicy, Webhooks, queue_overdue, verify
from zonasi.testing.threads import run_in_threads

from .conftest import SECRET, T0, queue_events
from .receiver import Receiver


def _deliverer(store: Store, **policy) -> Deliverer:
    return Deliverer(store.db, store.dialect, DeliveryPolicy(**{"timeout_s": 5, "backoff_s": 30, **policy}),
                     rng=random.Random(1), ensure=store.migrator.ensure)


def _deliveries(store: Store) -> list:
    with store.db.connect() as connection:
        return connection.execute(sa.select(Delivery.__table__).order_by(Delivery.id)).mappings().all()


def test_a_delivery_is_posted_signed_with_the_secret(store, subscribed):
    receiver, hook = subscribed()
    done = _deliverer(store).deliver_once(T0)
    assert (done.claimed, done.delivered) == (1, 1)
    [(headers, body)] = receiver.received
    # the receiver's own check, as the --help teaches it
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-zonasi-signature"] == expected
    assert not verify(body, "another secret", headers["x-zonasi-signature"])
    assert headers["x-zonasi-event"] == "report.created"
    assert headers["content-type"].startswith("application/json")
    row = _deliveries(store)[0]
    assert headers["x-zonasi-delivery"] == str(row["id"])
    assert body == row["payload"].encode()
    assert json.loads(body) == {"event": "report.created", "at": "2024-01-10T03:00:00+00:00",
                                "data": {"id": "r0", "nama": "Kab. Indramayu"}}
    [logged] = Webhooks.of(store).log()
    assert (logged["webhook_id"], logged["state"], logged["attempts"], logged["last_status"]) == (hook, "delivered",
                                                                                                  1, 200)


def test_a_receiver_failing_twice_gets_it_on_the_third_attempt(store, subscribed):
    receiver, _ = subscribed([500, 503])
    deliverer = _deliverer(store)
    first = deliverer.deliver_once(T0)
    assert (first.claimed, first.retrying) == (1, 1)
    row = _deliveries(store)[0]
    wait = row["next_attempt_at"] - T0
    assert dt.timedelta(seconds=30) <= wait <= dt.timedelta(seconds=30 * 1.25)   # backoff + jitter
    assert deliverer.deliver_once(T0 + wait - dt.timedelta(seconds=1)).claimed == 0   # not due yet
    second = deliverer.deliver_once(T0 + wait)
    assert (second.claimed, second.retrying) == (1, 1)
    wait2 = _deliveries(store)[0]["next_attempt_at"] - (T0 + wait)
    assert dt.timedelta(seconds=60) <= wait2 <= dt.timedelta(seconds=60 * 1.25)    # doubled
    third = deliverer.deliver_once(T0 + wait + wait2)
    assert (third.claimed, third.delivered) == (1, 1)
    assert deliverer.deliver_once(T0 + dt.timedelta(days=30)).claimed == 0          # done: never again
    assert [h["x-zonasi-delivery"] for h, _ in receiver.received] == [str(row["id"])] * 3
    assert len({body for _, body in receiver.received}) == 1
    row = _deliveries(store)[0]
    assert (row["attempts"], row["last_status"], row["delivered_at"], row["next_attempt_at"]) == (
        3, 200, T0 + wait + wait2, None)


def test_after_the_last_attempt_it_is_given_up_and_logged_as_failed(store, subscribed):
    receiver, _ = subscribed([500], repeat=True)
    deliverer = _deliverer(store, max_attempts=2)
    assert deliverer.deliver_once(T0).retrying == 1
    assert deliverer.deliver_once(T0 + dt.timedelta(hours=1)).given_up == 1
    assert deliverer.deliver_once(T0 + dt.timedelta(days=1)).claimed == 0
    assert len(receiver.received) == 2
    [failed] = Webhooks.of(store).log(failed=True)
    assert (failed["state"], failed["attempts"], failed["last_status"]) == ("failed", 2, 500)
    assert Webhooks.of(store).list()[0]["failed"] == 1


def test_a_receiver_that_is_down_is_retried(store):
    with Receiver() as receiver:
        url = receiver.url
    # the receiver is gone: connection refused
    Webhooks.of(store).add(url, "report.created", SECRET)
    queue_events(store)
    assert _deliverer(store).deliver_once(T0).retrying == 1
    [logged] = Webhooks.of(store).log(failed=True)
    assert logged["state"] == "pending" and logged["last_status"] is None and "Error" in logged["last_error"]


def test_a_crash_while_sending_loses_nothing(store, subscribed, nodes):
    """A node claims a delivery and dies before sending: once its lease runs out another node
    (a new process: a new Store on the same database) sends it."""
    receiver, _ = subscribed()
    crashed = _deliverer(store)
    assert len(crashed.claim(T0)) == 1          # claimed, never sent nor recorded
    [restarted] = nodes(1)
    again = _deliverer(restarted)
    assert again.deliver_once(T0).claimed == 0                     # leased meanwhile
    done = again.deliver_once(T0 + crashed.policy.lease)
    assert (done.claimed, done.delivered) == (1, 1)
    assert len(receiver.received) == 1
    assert _deliveries(store)[0]["attempts"] == 2


def test_two_deliverers_send_each_delivery_once(store, subscribed, nodes):
    receiver, _ = subscribed(queued=60)
    deliverers = [_deliverer(s, batch=7) for s in nodes(2)]
    start = threading.Barrier(2)

    def work(deliverer):
        start.wait()
        while deliverer.deliver_once(T0).claimed:
            pass

    assert run_in_threads(work, [(d,) for d in deliverers]) == []
    ids = [h["x-zonasi-delivery"] for h, _ in receiver.received]
    assert len(ids) == 60 and len(set(ids)) == 60
    assert all(r["delivered_at"] is not None and r["attempts"] == 1 for r in _deliveries(store))


def test_a_removed_webhook_gets_nothing_more(store, subscribed):
    receiver, hook = subscribed()
    hooks = Webhooks.of(store)
    hooks.remove(hook)
    queue_events(store)       # nobody subscribed now
    assert _deliverer(store).deliver_once(T0).claimed == 0
    assert receiver.received == []
    [logged] = hooks.log()
    assert (logged["state"], logged["last_error"]) == ("failed", "webhook removed")
    assert hooks.list() == [] and hooks.list(removed=True)[0]["id"] == hook


def _notified(store: Store) -> str:
    report = store.submit({"apk_type": "baliho", "lon": 108.3245, "lat": -6.3305, "participant": "Partai A"}).report
    for status in ("verified", "notified"):
        store.transition(report["id"], status, actor="Bawaslu", role="bawaslu")
    return report["id"]


def test_overdue_is_queued_once_per_report(store):
    store.migrate()
    hooks = Webhooks.of(store)
    hooks.add("http://127.0.0.1:9/overdue", "report.overdue", SECRET)
    report_id = _notified(store)
    with store.db.connect() as connection:
        deadline = connection.execute(sa.select(Report.deadline).where(Report.id == report_id)).scalar_one()
    assert queue_overdue(store.db, store.dialect, deadline - dt.timedelta(seconds=1)) == 0   # not yet
    after = deadline + dt.timedelta(minutes=1)
    assert queue_overdue(store.db, store.dialect, after) == 1
    assert queue_overdue(store.db, store.dialect, after + dt.timedelta(hours=1)) == 0   # never twice
    [row] = _deliveries(store)
    body = json.loads(row["payload"])
    assert body["event"] == "report.overdue" and body["data"]["id"] == report_id
    assert body["data"]["participant"] == "Partai A" and "reporter" not in body["data"]
    with store.db.connect() as connection:
        assert connection.execute(sa.select(Report.overdue_alerted_at).where(
            Report.id == report_id)).scalar_one() == after


def test_two_nodes_checking_overdue_at_once_queue_it_once(store, nodes):
    store.migrate()
    Webhooks.of(store).add("http://127.0.0.1:9/overdue", "report.overdue", SECRET)
    ids = [_notified(store) for _ in range(5)]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    stores = nodes(2)
    start = threading.Barrier(2)
    counts = []

    def work(s):
        start.wait()
        counts.append(queue_overdue(s.db, s.dialect, later))

    assert run_in_threads(work, [(s,) for s in stores]) == []
    assert sum(counts) == 5
    assert sorted(json.loads(r["payload"])["data"]["id"] for r in _deliveries(store)) == sorted(ids)


@pytest.mark.parametrize("events", ["", "report.deleted", "report.created,nope"])
def test_unknown_events_are_refused(store, events):
    from geo.errors import InputError

    with pytest.raises(InputError) as err:
        Webhooks.of(store).add("https://example.org/h", events, SECRET)
    assert err.value.message_id == "webhooks.bad_events"


def test_only_http_urls(store):
    from geo.errors import InputError

    for url in ("ftp://example.org/x", "example.org", "http://"):
        with pytest.raises(InputError):
            Webhooks.of(store).add(url, "report.created", SECRET)
