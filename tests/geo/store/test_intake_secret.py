"""The public intake's client hashes are keyed (HMAC-SHA256) by a secret of the installation,
made once and kept in the database: no plain or constant-salted SHA-256 of the address is
stored (either is reversed by hashing every IPv4 address), and every store on one database (two
nodes starting at once included) uses the same secret, so the per-client limit holds across nodes."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading

import pytest
import sqlalchemy as sa

from geo.store import PublicIntake, Store, TooManyRequests
from geo.store.installation import installation_secret
from geo.store.models import Installation, IntakeHit

ADDRESS = "203.0.113.7"
OLD_SALT = "zonasi-public-intake:"     # the constant the hashes were salted with before 0005
NOW = dt.datetime(2024, 1, 10, 3, 0, tzinfo=dt.UTC)


def _hits(store) -> list[str]:
    with store.db.connect() as connection:
        return connection.execute(sa.select(IntakeHit.client)).scalars().all()


def _secrets(store) -> list[str]:
    with store.db.connect() as connection:
        return connection.execute(sa.select(Installation.value)).scalars().all()


def test_the_stored_client_is_a_keyed_hash_of_the_address(store):
    PublicIntake(store, per_hour=5).admit(ADDRESS, NOW)
    [stored] = _hits(store)
    assert stored != hashlib.sha256(ADDRESS.encode()).hexdigest()
    assert stored != hashlib.sha256((OLD_SALT + ADDRESS).encode()).hexdigest()
    [secret] = _secrets(store)
    assert len(bytes.fromhex(secret)) == 32
    assert stored == hmac.new(bytes.fromhex(secret), ADDRESS.encode(), hashlib.sha256).hexdigest()
    assert ADDRESS not in stored


def test_two_installations_hash_one_address_differently(tmp_path, engine):
    clients = []
    for name in ("one", "two"):
        with Store(f"sqlite:///{tmp_path / name}.db", engine, tmp_path / name) as store:
            PublicIntake(store, per_hour=5).admit(ADDRESS, NOW)
            clients += _hits(store)
    assert len(set(clients)) == 2


def test_stores_starting_at_once_on_one_database_share_one_secret(store, store_settings, engine):
    """Eight stores (two nodes' worth of workers) ask for the secret of an empty table at the same
    moment: one is inserted, all of them read it."""
    store.migrate()
    nodes = [Store.from_settings(store_settings, engine) for _ in range(8)]
    start = threading.Barrier(len(nodes))
    got: list[bytes] = []

    def ask(node):
        start.wait()
        got.append(installation_secret(node.db, node.dialect, "public_intake_key"))

    threads = [threading.Thread(target=ask, args=(node,)) for node in nodes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for node in nodes:
        node.dispose()
    assert len(got) == len(nodes) and len(set(got)) == 1
    assert _secrets(store) == [got[0].hex()]
    # kept: a later start (a restart, a new node) reads the same one
    with Store.from_settings(store_settings, engine) as later:
        assert installation_secret(later.db, later.dialect, "public_intake_key") == got[0]


def test_the_limit_is_counted_across_stores(store, store_settings, engine):
    """Hits admitted through one store count on the other (the same keyed client)."""
    store.migrate()
    with Store.from_settings(store_settings, engine) as other:
        PublicIntake(store, per_hour=2).admit(ADDRESS, NOW)
        PublicIntake(other, per_hour=2).admit(ADDRESS, NOW + dt.timedelta(minutes=1))
        with pytest.raises(TooManyRequests):
            PublicIntake(store, per_hour=2).admit(ADDRESS, NOW + dt.timedelta(minutes=2))
        with pytest.raises(TooManyRequests):
            PublicIntake(other, per_hour=2).admit(ADDRESS, NOW + dt.timedelta(minutes=2))
    assert len(set(_hits(store))) == 1
