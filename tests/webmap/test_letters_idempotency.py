"""POST /api/letters with an Idempotency-Key on SQLite and PostGIS, like POST /api/reports: a retry
after a lost answer gets the same letter (200, Idempotent-Replayed) instead of a 409 on its now
notified reports; never a second letter nor a second number, also when two connections race with
one key; the key with another body is a 409 problem+json in the caller's language."""
from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from geo import Engine, load_layers
from geo.store.models import Event, Letter
from tests.conftest import settings_for_tests
from webmap import create_app
from zonasi.testing.casework import casework_layers, verified


@pytest.fixture()
def world(tmp_path, store_url):
    directory = casework_layers(tmp_path)
    settings = settings_for_tests(instance_dir=tmp_path / "instance", layers_dir=directory, database_url=store_url)
    engine = Engine(load_layers(directory))
    apps = [create_app(settings, engine=engine) for _ in range(2)]   # two nodes: two connection pools
    store = apps[0].extensions["zonasi"].store
    tokens = {role: store.tokens.create(role, f"{role} test") for role in ("bawaslu", "admin")}
    yield apps, tokens, store
    for app in apps:
        app.extensions["zonasi"].store.dispose()


def headers(token: str, key: str | None = None) -> dict:
    out = {"Authorization": f"Bearer {token}"}
    if key is not None:
        out["Idempotency-Key"] = key
    return out


def letters(store) -> list[dict]:
    with store.db.connect() as connection:
        return [dict(r) for r in connection.execute(sa.select(Letter.number, Letter.report_ids, Letter.seq)
                                                    .order_by(Letter.id)).mappings()]


def notices(store, report_id: str) -> int:
    with store.db.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(Event.__table__).where(
            Event.report_id == report_id, Event.to_status == "notified")).scalar_one()


def test_a_retry_with_the_key_answers_the_same_letter(world):
    apps, tokens, store = world
    client = apps[0].test_client()
    ids = verified(store, n=2)
    body = {"participant": "Partai Contoh", "regency": "32.12", "ids": ids}
    first = client.post("/api/letters", json=body, headers=headers(tokens["bawaslu"], "surat-1"))
    assert first.status_code == 201, first.json
    assert "Idempotent-Replayed" not in first.headers
    # the answer was lost: the client sends it again, to the same node or another
    for node in apps:
        again = node.test_client().post("/api/letters", json=body, headers=headers(tokens["bawaslu"], "surat-1"))
        assert again.status_code == 200, again.json
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.json == first.json and again.headers["Location"] == first.headers["Location"]
    # the same body, spelt a little differently (spaces, the regency's name), is the same request
    spelt = {"participant": "  Partai   Contoh ", "regency": "Indramayu", "ids": ids}
    assert client.post("/api/letters", json=spelt, headers=headers(tokens["bawaslu"], "surat-1")).status_code == 200
    assert letters(store) == [{"number": "001/PP.01/32.12/I/2024", "report_ids": ids, "seq": 1}]
    assert [notices(store, i) for i in ids] == [1, 1]
    # without the key a retry is what it was: a 409 naming the now notified reports
    bare = client.post("/api/letters", json=body, headers=headers(tokens["bawaslu"]))
    assert bare.status_code == 409 and bare.json["ids"] == ids
    # the key is the token's: another token's same key is another request (refused here, as its reports are notified)
    other = client.post("/api/letters", json=body, headers=headers(tokens["admin"], "surat-1"))
    assert other.status_code == 409 and other.json["ids"] == ids
    assert len(letters(store)) == 1


def test_the_key_with_another_body_is_a_409_in_the_callers_language(world):
    apps, tokens, store = world
    client = apps[0].test_client()
    ids = verified(store, n=3)
    body = {"participant": "Partai Contoh", "regency": "32.12", "ids": ids[:2]}
    assert client.post("/api/letters", json=body, headers=headers(tokens["bawaslu"], "k")).status_code == 201
    changed = {**body, "ids": ids[2:]}
    refused = client.post("/api/letters", json=changed, headers=headers(tokens["bawaslu"], "k"))
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    assert refused.json["number"] == "001/PP.01/32.12/I/2024"
    assert "sudah dipakai untuk surat lain (001/PP.01/32.12/I/2024)" in refused.json["detail"]
    english = client.post("/api/letters?lang=en", json=changed, headers=headers(tokens["bawaslu"], "k"))
    assert english.status_code == 409 and "was already used for another letter" in english.json["detail"]
    assert store.get_report(ids[2])["status"] == "verified"            # nothing was issued
    assert len(letters(store)) == 1
    # a key that cannot be stored is a 400 naming the header
    long = client.post("/api/letters", json=changed, headers=headers(tokens["bawaslu"], "x" * 256))
    assert long.status_code == 400 and long.mimetype == "application/problem+json"
    assert long.json["header"] == "Idempotency-Key"
    assert store.get_report(ids[2])["status"] == "verified"


def test_two_connections_racing_one_key_issue_one_letter(world):
    """Each round sends one request with one key from two nodes at the same moment (a barrier):
    one letter and one number per key, both answers name it, one issued it and one replayed it."""
    apps, tokens, store = world
    clients = [app.test_client() for app in apps]
    rounds = 4
    for n in range(rounds):
        ids = verified(store, n=1)
        body = {"participant": "Partai Contoh", "regency": "32.12", "ids": ids}
        start = threading.Barrier(2)
        answers: list = [None, None]

        def send(i, body=body, start=start, answers=answers, n=n):
            start.wait()
            answers[i] = clients[i].post("/api/letters", json=body, headers=headers(tokens["bawaslu"], f"race-{n}"))

        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(a.status_code for a in answers) == [200, 201], [a.json for a in answers]
        assert answers[0].json == answers[1].json
        assert notices(store, ids[0]) == 1
    issued = letters(store)
    assert [letter["seq"] for letter in issued] == list(range(1, rounds + 1))   # no number taken twice or skipped
    assert len({letter["number"] for letter in issued}) == rounds
