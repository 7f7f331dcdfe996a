"""`zonasi serve` sends the webhooks' deliveries in the background (one worker, after the fork),
and a delivery queued while the server was down is sent after it starts again (a restart loses
none); the CLI manages the webhooks and teaches how to check the signature."""
from __future__ import annotations

import datetime as dt
import json
import time

import pytest
from click.testing import CliRunner

from geo.store import Store
from geo.store.outbox import enqueue
from geo.webhooks import verify
from tests.conftest import settings_for_tests
from tests.geo.webhooks.receiver import Receiver
from zonasi.cli import cli
from zonasi.testing.server import ZonasiServer


def _wait_for(condition, what: str, timeout: float = 120) -> None:
    """Wait for an event (not a race: the assertion is that it happens at all)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.parametrize("worker_class", ["gevent", "gthread"])
def test_serve_delivers_in_the_background_and_after_a_restart(tmp_path, engine, worker_class):
    instance = tmp_path / "instance"
    server = ZonasiServer(instance, workers=2, worker_class=worker_class, threads=4,
                          env={"ZONASI_WEBHOOK_POLL_S": "0.2"})
    with Receiver() as receiver:
        hook = server.zonasi("webhooks", "add", receiver.url, "--events", "report.created", "--secret", "rahasia")
        store = Store.from_settings(settings_for_tests(instance_dir=instance), engine)

        def queue(report_id):
            with store.dialect.writer(store.db).begin() as connection:
                enqueue(connection, "report.created", {"id": report_id}, now=dt.datetime.now(dt.UTC))

        queue("before-start")       # queued while no server runs
        server.start()
        try:
            queue("while-running")
            _wait_for(lambda: len(receiver.received) >= 2, "two deliveries")
        finally:
            server.stop()
            store.dispose()
        log = server.log_text()
        assert "Traceback" not in log, log[-3000:]
    bodies = sorted(json.loads(body)["data"]["id"] for _, body in receiver.received)
    assert bodies == ["before-start", "while-running"]          # each once, by one worker
    assert all(verify(body, "rahasia", h["x-zonasi-signature"]) for h, body in receiver.received)
    listed = json.loads(server.zonasi("webhooks", "list", "--json"))
    assert [(w["id"], w["delivered"], w["pending"]) for w in listed] == [(int(hook), 2, 0)]


def test_the_cli_adds_lists_logs_and_removes(tmp_path, monkeypatch):
    monkeypatch.setenv("ZONASI_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.delenv("ZONASI_DATABASE_URL", raising=False)
    runner = CliRunner()
    with Receiver([500]) as receiver:
        added = runner.invoke(cli, ["webhooks", "add", receiver.url, "--events", "report.created,report.overdue",
                                    "--secret", "S"])
        assert added.exit_code == 0, added.output
        hook_id = int(added.output.strip())
        listed = runner.invoke(cli, ["webhooks", "list"])
        assert f"{hook_id}\t{receiver.url}\treport.created,report.overdue" in listed.output
        store = Store.from_settings(settings_for_tests(instance_dir=tmp_path / "instance"), None)
        with store.dialect.writer(store.db).begin() as connection:
            enqueue(connection, "report.created", {"id": "x"}, now=dt.datetime.now(dt.UTC))
        store.dispose()
        once = runner.invoke(cli, ["webhooks", "deliver", "--once"])
        assert once.exit_code == 0 and "retrying 1" in once.output, once.output
    failed = runner.invoke(cli, ["webhooks", "log", "--failed", "--json"])
    [row] = json.loads(failed.output)
    assert (row["state"], row["last_status"], row["attempts"]) == ("pending", 500, 1)
    assert runner.invoke(cli, ["webhooks", "remove", str(hook_id)]).exit_code == 0
    assert runner.invoke(cli, ["webhooks", "list"]).output.strip() == ""
    gone = runner.invoke(cli, ["webhooks", "remove", str(hook_id)])
    assert gone.exit_code != 0
    bad = runner.invoke(cli, ["webhooks", "add", "https://example.org/h", "--events", "report.deleted",
                              "--secret", "S"])
    assert bad.exit_code != 0


def test_the_help_teaches_how_to_check_the_signature():
    text = CliRunner().invoke(cli, ["webhooks", "--help"]).output
    for needle in ("X-Zonasi-Signature: sha256=", "hmac.compare_digest", "hashlib.sha256", "report.overdue",
                   "zonasi webhooks add https://"):
        assert needle in text, needle


def test_one_background_sender_stops_cleanly(tmp_path, engine):
    from zonasi.server import start_webhooks, stop_webhooks

    settings = settings_for_tests(instance_dir=tmp_path / "instance")
    store = Store.from_settings(settings, engine)
    running = start_webhooks(store, settings)
    thread, _ = running
    assert thread.is_alive()
    stop_webhooks(running)     # sets the event and waits for the round to end
    assert not thread.is_alive()
    store.dispose()
