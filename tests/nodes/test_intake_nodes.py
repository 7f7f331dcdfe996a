"""The public intake on two ``zonasi serve`` nodes (two processes of two workers each) on one
PostGIS: one installation secret keys every node's client hashes, so one client's limit is
counted across the nodes, and no node stores a hash that a search over the addresses reverses."""
from __future__ import annotations

import hashlib
import hmac
import uuid

import httpx
import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.postgis

REPORT = {"apk_type": "baliho", "lon": 108.3234, "lat": -6.3275, "participant": "Partai Contoh"}


def test_one_clients_limit_is_counted_across_nodes_under_one_secret(nodes):
    address = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"   # this test's own client
    forwarded = {"X-Forwarded-For": address}                               # the nodes trust one proxy
    answers = [httpx.post(f"{node.url}/api/public/reports", json=REPORT, headers=forwarded, timeout=30).status_code
               for node in (nodes.a, nodes.b) * 3]
    assert answers == [201] * 5 + [429], answers                           # 5 an hour, whichever node
    assert httpx.post(f"{nodes.a.url}/api/public/reports", json=REPORT, headers=forwarded,
                      timeout=30).status_code == 429
    engine = nodes.db()
    try:
        with engine.connect() as connection:
            secrets = connection.execute(sa.text("SELECT value FROM installation WHERE key = 'public_intake_key'")
                                         ).scalars().all()
            clients = connection.execute(sa.text("SELECT DISTINCT client FROM public_intake_hits")).scalars().all()
    finally:
        engine.dispose()
    assert len(secrets) == 1
    mine = hmac.new(bytes.fromhex(secrets[0]), address.encode(), hashlib.sha256).hexdigest()
    assert mine in clients and hashlib.sha256(address.encode()).hexdigest() not in clients
    assert not any(address in c for c in clients)
