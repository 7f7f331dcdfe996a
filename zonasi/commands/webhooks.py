"""zonasi webhooks: receivers of report events (add, list, remove, log) and their sender (deliver)."""
from __future__ import annotations

import json
import signal
import threading

import click

from geo.store import EVENTS, Store

from ..options import settings_from

HELP = """Webhooks: each event is POSTed as JSON to the URLs that subscribed to it.

\b
Events:  report.created       a report was stored (also a public one, status unverified)
         report.transitioned  a report moved on in the workflow
         report.overdue       a notified report passed its deadline (once per report)

\b
Every POST carries
  X-Zonasi-Event: report.created
  X-Zonasi-Delivery: 42            (the same id again if it is retried)
  X-Zonasi-Signature: sha256=<hex HMAC-SHA256 of the exact body with your secret>

\b
Check the signature before trusting the body, e.g. in Python:
  import hashlib, hmac
  expected = "sha256=" + hmac.new(b"S3cret", body, hashlib.sha256).hexdigest()
  if not hmac.compare_digest(expected, headers["X-Zonasi-Signature"]): reject
(body: the raw bytes received, before any JSON parsing.)

\b
Answer 2xx to acknowledge. Anything else (or no answer within ZONASI_WEBHOOK_TIMEOUT_S) is
retried after ZONASI_WEBHOOK_BACKOFF_S seconds, doubling each time (plus jitter), until
ZONASI_MAX_WEBHOOK_ATTEMPTS attempts. `zonasi serve` sends them in the background; events wait
in the database until delivered, so a restart loses none.

\b
Example:
  zonasi webhooks add https://example.org/hook --events report.created,report.overdue --secret S3cret
  zonasi webhooks log --failed
"""


def _store() -> Store:
    """The store of ZONASI_DATABASE_URL (webhooks need no layers: no engine is loaded)."""
    return Store.from_settings(settings_from(), engine=None)


@click.group(help=HELP)
def webhooks():
    """Webhooks (see the group's help)."""


@webhooks.command()
@click.argument("url")
@click.option("--events", required=True, metavar="EVENT[,EVENT...]",
              help=f"Comma list of events: {', '.join(EVENTS)}.")
@click.option("--secret", required=True, help="Shared secret the receiver checks the signature with.")
def add(url, events, secret):
    """Send EVENTS to URL, signed with SECRET; prints the webhook's id.

    \b
    Example:
      zonasi webhooks add https://example.org/hook --events report.created,report.transitioned --secret S3cret
    """
    from geo.webhooks import Webhooks

    with _store() as store:
        click.echo(Webhooks.of(store).add(url, events, secret))


@webhooks.command("list")
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
@click.option("--all", "show_removed", is_flag=True, help="Also removed webhooks.")
def list_webhooks(as_json, show_removed):
    """The webhooks (id, URL, events, deliveries delivered/pending/failed); never the secrets."""
    from geo.webhooks import Webhooks

    with _store() as store:
        rows = Webhooks.of(store).list(removed=show_removed)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        removed = f"\tremoved {r['removed_at'][:19]}" if r["removed_at"] else ""
        click.echo(f"{r['id']}\t{r['url']}\t{','.join(r['events'])}\tdelivered {r['delivered']}, "
                   f"pending {r['pending']}, failed {r['failed']}{removed}")


@webhooks.command()
@click.argument("webhook_id", type=int)
def remove(webhook_id):
    """Stop sending to webhook WEBHOOK_ID (see 'zonasi webhooks list'); its log stays."""
    from geo.webhooks import Webhooks

    with _store() as store:
        Webhooks.of(store).remove(webhook_id)
    from geo.i18n import Catalog

    click.echo(Catalog().get("webhooks.removed", settings_from().language, id=webhook_id), err=True)


@webhooks.command("log")
@click.option("--failed", is_flag=True, help="Only deliveries not delivered that failed at least once.")
@click.option("--webhook", "webhook_id", type=int, default=None, help="Only this webhook's.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 10_000), help="How many, newest first.")
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
def log_deliveries(failed, webhook_id, limit, as_json):
    """The deliveries, newest first: state (delivered, pending, failed = given up), attempts, last answer."""
    from geo.webhooks import Webhooks

    with _store() as store:
        rows = Webhooks.of(store).log(failed=failed, limit=limit, webhook_id=webhook_id)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        when = r["delivered_at"] or r["next_attempt_at"] or "-"
        answer = r["last_error"] or (f"HTTP {r['last_status']}" if r["last_status"] else "")
        click.echo(f"{r['id']}\twebhook {r['webhook_id']}\t{r['event']}\t{r['state']}\t"
                   f"attempts {r['attempts']}\t{when[:19]}\t{answer}")


@webhooks.command()
@click.option("--once", is_flag=True, help="One round (overdue check, due deliveries), then exit.")
def deliver(once):
    """Send the due deliveries and queue report.overdue events (what `zonasi serve` does in the
    background): one round with --once, else until interrupted (Ctrl-C, SIGTERM)."""
    from geo.webhooks import Deliverer, DeliveryPolicy

    settings = settings_from()
    with _store() as store:
        deliverer = Deliverer(store.db, store.dialect, DeliveryPolicy.from_settings(settings),
                              ensure=store.migrator.ensure)
        if once:
            done = deliverer.deliver_once()
            click.echo(f"overdue queued {done.overdue}, sent {done.claimed}: delivered {done.delivered}, "
                       f"retrying {done.retrying}, given up {done.given_up}")
            return
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            deliverer.run(stop)
        except KeyboardInterrupt:
            stop.set()
