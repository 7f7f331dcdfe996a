"""zonasi: where campaign props (APK) may not stand.

Check a spot against the exclusion zones around schools, places of worship, health facilities,
government offices, roads and other public places, by exact distance in metres; validate
spreadsheets of reports; serve the map and the API.
"""
from __future__ import annotations

import sys

import click

from .commands import check, serve, token, validate
from .commands import layers as layers_cmd
from .commands import zones as zones_cmd
from .commands import reports as reports_cmd

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT, help=__doc__)
@click.version_option(package_name="zonasi")
def cli():
    pass


cli.add_command(check.check)
cli.add_command(serve.serve)
cli.add_command(token.token)
cli.add_command(layers_cmd.layers)
cli.add_command(zones_cmd.zones)
cli.add_command(reports_cmd.reports)
cli.add_command(validate.validate)


def main():
    """Console-script entry point: bad input is one line on stderr and exit status 2."""
    try:
        cli.main(prog_name="zonasi", standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.Abort:
        click.echo("zonasi: aborted", err=True)
        sys.exit(1)
    except click.UsageError as exc:
        click.echo(f"zonasi: error: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"zonasi: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
