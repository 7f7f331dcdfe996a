"""The outbox queues an event for each webhook subscribed to it, in the caller's transaction."""
import datetime as dt
import json

import pytest
import sqlalchemy as sa

from geo.store.models import Delivery, Webhook
from geo.store.outbox import enqueue

NOW = dt.datetime(2024, 1, 10, 3, 0, tzinfo=dt.UTC)


def _hook(connection, events, removed=None):
    connection.execute(sa.insert(Webhook.__table__).values(url="http://127.0.0.1:9/h", events=events, secret="s",
                                                           created_at=NOW, removed_at=removed))


def test_only_live_subscribed_webhooks_get_the_event(store):
    store.migrate()
    with store.db.begin() as connection:
        _hook(connection, ["report.created"])
        _hook(connection, ["report.transitioned", "report.created"])
        _hook(connection, ["report.transitioned"])
        _hook(connection, ["report.created"], removed=NOW)
        assert enqueue(connection, "report.created", {"id": "r1"}, now=NOW) == 2
    with store.db.connect() as connection:
        rows = connection.execute(sa.select(Delivery.webhook_id, Delivery.payload, Delivery.attempts)).all()
    assert sorted(r.webhook_id for r in rows) == [1, 2]
    body = json.loads(rows[0].payload)
    assert body == {"event": "report.created", "at": "2024-01-10T03:00:00+00:00", "data": {"id": "r1"}}
    assert {r.attempts for r in rows} == {0}


def test_a_rolled_back_change_leaves_no_event(store):
    store.migrate()
    with store.db.begin() as connection:
        _hook(connection, ["report.created"])
    with pytest.raises(RuntimeError), store.db.begin() as connection:
        enqueue(connection, "report.created", {"id": "r1"}, now=NOW)
        raise RuntimeError("the change failed")
    with store.db.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(Delivery.__table__)).scalar() == 0


def test_an_unknown_event_is_refused(store):
    store.migrate()
    with store.db.begin() as connection, pytest.raises(ValueError, match="unknown event"):
        enqueue(connection, "report.deleted", {}, now=NOW)
