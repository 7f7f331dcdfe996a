"""Two nodes, one database: idempotent reports, workflow moves, revoked tokens and photos are the
same whichever node a request reaches (real ``zonasi serve`` processes, real PostGIS)."""
from __future__ import annotations

import io
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import sqlalchemy as sa
from PIL import Image

pytestmark = pytest.mark.postgis

REPORT = {"apk_type": "baliho", "lon": 108.3234, "lat": -6.3275, "participant": "Partai Contoh"}


def _report(**extra) -> dict:
    return {**REPORT, **extra}


def _stored(nodes, keys: list[str]) -> dict[str, list[str]]:
    """The report ids stored under each key (read from the database itself)."""
    engine = nodes.db()
    try:
        with engine.connect() as connection:
            rows = connection.execute(sa.text(
                "SELECT idempotency_key, id FROM reports WHERE idempotency_key = ANY(:keys)"), {"keys": keys}).all()
            events = dict(connection.execute(sa.text(
                "SELECT report_id, count(*) FROM report_events WHERE to_status = 'reported' "
                "AND report_id IN (SELECT id FROM reports WHERE idempotency_key = ANY(:keys)) GROUP BY report_id"),
                {"keys": keys}).all())
    finally:
        engine.dispose()
    out: dict[str, list[str]] = {}
    for key, rid in rows:
        out.setdefault(key, []).append(str(rid))
        assert events.get(rid) == 1, f"report {rid} has {events.get(rid)} 'reported' events"
    return out


def test_the_same_idempotency_key_on_both_nodes_stores_one_report(nodes):
    key = f"same-{uuid.uuid4()}"
    headers = {**nodes.auth("field"), "Idempotency-Key": key}
    first = httpx.post(f"{nodes.a.url}/api/reports", json=_report(), headers=headers, timeout=30)
    again = httpx.post(f"{nodes.b.url}/api/reports", json=_report(), headers=headers, timeout=30)
    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert _stored(nodes, [key]) == {key: [first.json()["id"]]}


def test_sixty_keys_raced_on_both_nodes_store_one_report_each(nodes):
    """Each key is sent to both nodes at the same moment (a barrier per key): one report per key,
    and both answers name it; one of them created it, the other replayed it."""
    keys = [f"race-{i}-{uuid.uuid4()}" for i in range(60)]
    barriers = {key: threading.Barrier(2, timeout=60) for key in keys}
    headers = nodes.auth("field")

    def send(key: str, node) -> tuple[str, int, str]:
        with httpx.Client(timeout=60) as client:
            body = _report(note=f"race {key}")
            barriers[key].wait()
            for _ in range(10):
                r = client.post(f"{node.url}/api/reports", json=body, headers={**headers, "Idempotency-Key": key})
                if r.status_code != 503:
                    break
                # shed under load (the node stored nothing): a client retries with the same key,
                # as told by Retry-After; how often that happens depends on the machine's speed
                time.sleep(float(r.headers["Retry-After"]))
        return key, r.status_code, r.json().get("id", r.text)

    with ThreadPoolExecutor(max_workers=24) as pool:  # the two sends of a key are consecutive in the queue
        answers = list(pool.map(lambda job: send(*job), [(k, n) for k in keys for n in nodes.both]))
    by_key: dict[str, list[tuple[int, str]]] = {}
    for key, status, rid in answers:
        by_key.setdefault(key, []).append((status, rid))
    stored = _stored(nodes, keys)
    for key in keys:
        (s1, id1), (s2, id2) = by_key[key]
        assert sorted((s1, s2)) == [200, 201], (key, s1, s2, id1, id2)
        assert id1 == id2, key
        assert stored[key] == [id1], key


def test_a_workflow_move_on_one_node_is_seen_on_the_other_at_once(nodes):
    made = httpx.post(f"{nodes.a.url}/api/reports", json=_report(), timeout=30,
                      headers={**nodes.auth("field"), "Idempotency-Key": str(uuid.uuid4())})
    rid = made.json()["id"]
    bawaslu = nodes.auth("bawaslu")
    moved = httpx.post(f"{nodes.a.url}/api/reports/{rid}/transitions", json={"status": "verified"},
                       headers=bawaslu, timeout=30)
    assert moved.status_code == 200, moved.text
    seen = httpx.get(f"{nodes.b.url}/api/reports/{rid}", headers=bawaslu, timeout=30).json()
    assert seen["status"] == "verified"
    assert [e["to"] for e in seen["history"]] == ["reported", "verified"]
    notified = httpx.post(f"{nodes.b.url}/api/reports/{rid}/transitions", json={"status": "notified"},
                          headers=bawaslu, timeout=30)
    assert notified.status_code == 200, notified.text
    seen = httpx.get(f"{nodes.a.url}/api/reports/{rid}", headers=bawaslu, timeout=30).json()
    assert seen["status"] == "notified" and seen["deadline"]
    assert [e["to"] for e in seen["history"]] == ["reported", "verified", "notified"]


def test_the_same_move_raced_on_both_nodes_happens_once(nodes):
    made = httpx.post(f"{nodes.a.url}/api/reports", json=_report(), timeout=30,
                      headers={**nodes.auth("field"), "Idempotency-Key": str(uuid.uuid4())})
    rid = made.json()["id"]
    barrier = threading.Barrier(2, timeout=60)

    def verify(node) -> int:
        with httpx.Client(timeout=60) as client:
            barrier.wait()
            return client.post(f"{node.url}/api/reports/{rid}/transitions", headers=nodes.auth("bawaslu"),
                               json={"status": "verified", "from": "reported"}).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(verify, nodes.both))
    assert statuses == [200, 409]
    history = httpx.get(f"{nodes.b.url}/api/reports/{rid}", headers=nodes.auth("bawaslu"), timeout=30).json()
    assert [e["to"] for e in history["history"]] == ["reported", "verified"]


def test_a_token_revoked_once_is_refused_by_every_node_within_a_second(nodes):
    name = f"revoke me {uuid.uuid4()}"
    token = nodes.create_token("field", name)
    auth = {"Authorization": f"Bearer {token}"}
    for node in nodes.both:
        assert httpx.get(f"{node.url}/api/whoami", headers=auth, timeout=30).status_code == 200
    nodes.a.zonasi("token", "revoke", str(nodes.token_id(name)))  # the CLI, on node A's side (its database)
    deadline = time.monotonic() + 1.0                     # the guarantee: refused within a second
    while True:
        status = httpx.get(f"{nodes.b.url}/api/whoami", headers=auth, timeout=30).status_code
        if status == 401 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert status == 401
    assert httpx.get(f"{nodes.a.url}/api/whoami", headers=auth, timeout=30).status_code == 401


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 30, 40)).save(out, format="PNG")
    return out.getvalue()


def test_a_photo_uploaded_on_one_node_is_served_by_the_other(nodes):
    """Photos live in the instance directory, which the nodes share (a shared mount)."""
    photo = _png()
    made = httpx.post(f"{nodes.a.url}/api/reports", data={k: str(v) for k, v in _report().items()},
                      files={"photo": ("p.png", photo, "image/png")}, timeout=30,
                      headers={**nodes.auth("field"), "Idempotency-Key": str(uuid.uuid4())})
    assert made.status_code == 201, made.text
    served = httpx.get(f"{nodes.b.url}/api/reports/{made.json()['id']}/photo", headers=nodes.auth("bawaslu"),
                       timeout=30)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/png"
    assert served.content == photo
