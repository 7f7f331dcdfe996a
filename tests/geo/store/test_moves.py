"""record_move: a move, its history row (with details) and its webhook event in one transaction."""
import datetime as dt
import json

import sqlalchemy as sa

from geo.store.models import Delivery, Event, Webhook
from geo.store.moves import record_move
from zonasi.testing.reports import report

NOW = dt.datetime(2024, 1, 10, 3, 0, tzinfo=dt.UTC)


def test_record_move_writes_status_event_details_and_webhook(store):
    rid = store.submit(report()).report["id"]
    with store.db.begin() as connection:
        connection.execute(sa.insert(Webhook.__table__).values(
            url="http://127.0.0.1:9/h", events=["report.transitioned"], secret="s", created_at=NOW))
    with store.dialect.writer(store.db).begin() as connection:
        row = record_move(connection, rid, "reported", "verified", actor="B", role="bawaslu",
                          details={"why": "test"}, now=NOW)
        again = record_move(connection, rid, "reported", "verified", actor="B", role="bawaslu", now=NOW)
    assert row is not None and row["status"] == "verified" and again is None  # no longer "reported"
    assert store.history(rid)[-1]["details"] == {"why": "test"}
    with store.db.connect() as connection:
        events = connection.execute(sa.select(sa.func.count()).select_from(Event.__table__)).scalar()
        payloads = connection.execute(sa.select(Delivery.payload)).scalars().all()
    assert events == 2 and len(payloads) == 1
    data = json.loads(payloads[0])["data"]
    assert data["id"] == rid and data["from"] == "reported" and data["to"] == "verified"
    assert data["participant"] == "Partai Contoh" and "reporter" not in data and data["regency"] == "32.12"


def test_a_rolled_back_move_leaves_nothing(store):
    rid = store.submit(report()).report["id"]
    try:
        with store.dialect.writer(store.db).begin() as connection:
            record_move(connection, rid, "reported", "verified", actor="B", now=NOW)
            raise RuntimeError("the letter failed")
    except RuntimeError:
        pass
    assert store.get_report(rid)["status"] == "reported" and len(store.history(rid)) == 1
