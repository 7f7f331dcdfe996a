"""zonasi token: API tokens for the web API (create, list, revoke)."""
from __future__ import annotations

import json

import click

from geo.i18n import Catalog
from geo.store import ROLES, Store

from ..options import settings_from


def _store() -> Store:
    """The store of ZONASI_DATABASE_URL (tokens need no layers: no engine is loaded)."""
    return Store.from_settings(settings_from(), engine=None)


@click.group()
def token():
    """API tokens: sent as 'Authorization: Bearer <token>'. Only a hash is stored.

    \b
    Roles:  field     check points, submit reports
            bawaslu   verify, dismiss, notify; read reports and violations
            satpolpp  read violations, mark removed
            admin     everything
    """


@token.command()
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the token may do.")
@click.option("--name", required=True, help="Who or what uses it (e.g. 'Panwascam Sindang HP-3').")
def create(role, name):
    """Create a token and print it (only the token, on stdout; it is shown only once)."""
    with _store() as store:
        secret = store.tokens.create(role, name)
    click.echo(secret)


@token.command("list")
@click.option("--json", "as_json", is_flag=True, help="As JSON.")
def list_tokens(as_json):
    """The tokens (id, name, role, created, revoked); never the secrets."""
    with _store() as store:
        rows = store.tokens.list()
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        revoked = "\trevoked" if row["revoked"] else ""
        click.echo(f"{row['id']}\t{row['role']}\t{row['name']}\t{row['created_at'][:19]}{revoked}")


@token.command()
@click.argument("token_id", type=int)
def revoke(token_id):
    """Revoke the token TOKEN_ID (see 'zonasi token list')."""
    with _store() as store:
        store.tokens.revoke(token_id)
    settings = settings_from()
    click.echo(Catalog().get("reports.token_revoked", settings.language, id=token_id), err=True)
