"""The webhook tests' setup: a real receiver on loopback subscribed to ``report.created``, with
deliveries queued for it."""
from __future__ import annotations

import contextlib
import datetime as dt

import pytest

from geo.store import Store
from geo.store.outbox import enqueue
from geo.webhooks import Webhooks

from .receiver import Receiver

T0 = dt.datetime(2024, 1, 10, 3, 0, tzinfo=dt.UTC)
SECRET = "s3cret-kunci"


def queue_events(store: Store, n: int = 1, event: str = "report.created") -> None:
    """Queue ``n`` ``event`` deliveries (payloads ``{"id": "r<i>", ...}``) as of :data:`T0`."""
    with store.dialect.writer(store.db).begin() as connection:
        for i in range(n):
            enqueue(connection, event, {"id": f"r{i}", "nama": "Kab. Indramayu"}, now=T0)


@pytest.fixture()
def subscribed(store):
    """``subscribed(statuses=(), repeat=False, queued=1)``: a :class:`Receiver` answering
    ``statuses`` (then 200), subscribed to report.created with :data:`SECRET`, and ``queued``
    deliveries queued for it; returns (receiver, webhook id). The receiver stops at teardown."""
    with contextlib.ExitStack() as stack:
        def make(statuses=(), *, repeat: bool = False, queued: int = 1):
            receiver = stack.enter_context(Receiver(statuses, repeat=repeat))
            hook = Webhooks.of(store).add(receiver.url, "report.created", SECRET)
            queue_events(store, queued)
            return receiver, hook

        yield make
