"""zonasi reports: work on the stored reports from the command line."""
from __future__ import annotations

import json

import click

from geo import VERDICT_STATUSES
from geo.i18n import Catalog
from geo.store import FIELD_CHECK_VERDICTS, Store
from geo.store import recheck as recheck_reports

from ..options import lang_option, layers_option, load_engine, settings_from


@click.group()
def reports():
    """Stored reports (ZONASI_DATABASE_URL, default SQLite in the instance folder)."""


@reports.command()
@click.option("--dry-run", is_flag=True, help="Judge and list the changes, store nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.option("--verdict", "verdicts", multiple=True, type=click.Choice(VERDICT_STATUSES),
              help="Only the reports whose newest verdict is this one (repeatable), e.g. --verdict incomplete "
                   "after declaring coverage.")
@layers_option
@lang_option
def recheck(dry_run, as_json, verdicts, layers_dir, lang):
    """Re-judge open reports (reported, verified, notified) under the current rules and layers
    versions, and list the verdicts that changed.

    Old verdicts are never rewritten: each new one is stored beside the report's original,
    naming both versions; a report already judged under these versions is skipped. Ends with how
    many open reports still cannot be confirmed (incomplete: to check on site).
    """
    settings = settings_from(layers_dir=layers_dir, language=lang)
    engine = load_engine(settings)
    with Store.from_settings(settings, engine) as store:
        result = recheck_reports(store, dry_run=dry_run, verdicts=tuple(verdicts))
    if as_json:
        click.echo(json.dumps(result.__dict__, ensure_ascii=False, indent=2, default=str))
        return
    c, lg = Catalog(), settings.language
    click.echo(c.get("reports.recheck_summary", lg, open=result.open_reports, judged=result.judged,
                     already=result.already, changed=len(result.changes), rules=result.rules_version,
                     layers=result.layers_version))
    for change in result.changes:
        before, after = change["before"], change["after"]
        click.echo("  " + c.get("reports.recheck_change", lg, id=change["report_id"], status=change["status"],
                                before=before["verdict"], after=after["verdict"],
                                site=after["site_id"] or "-", old_versions=f"{before['rules_version']}/"
                                f"{before['layers_version']}"))
    if result.skipped:
        click.echo(c.get("reports.recheck_skipped", lg, n=result.skipped, verdicts=", ".join(verdicts)))
    field_check = sum(result.current.get(v, 0) for v in FIELD_CHECK_VERDICTS)
    click.echo(c.get("reports.recheck_incomplete", lg, n=field_check))
    if dry_run:
        click.echo(c.get("reports.recheck_dry_run", lg))
