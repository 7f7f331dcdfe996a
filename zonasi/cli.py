"""zonasi: where campaign props (APK) may not stand.

Check a spot against the exclusion zones around schools, places of worship, health facilities,
government offices, roads and other public places, by exact distance in metres; validate
spreadsheets of reports; serve the map and the API.
"""
from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from geo.errors import ZonasiError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# Each command's module is imported only when that command runs (or its help is shown), so
# `zonasi check` does not pay for matplotlib, SQLAlchemy or gunicorn.
COMMANDS = {
    "check": "check:check",
    "validate": "validate:validate",
    "serve": "serve:serve",
    "token": "token:token",
    "reports": "reports:reports",
    "layers": "layers:layers",
    "zones": "zones:zones",
    "webhooks": "webhooks:webhooks",
}


# Where a command records the language of its messages (see zonasi.options.settings_from), so
# that an error is told in it.
LANGUAGE_KEY = "zonasi.language"


class LazyGroup(click.Group):
    """The ``zonasi`` group: loads each command's module on first use, and maps errors once.

    Every :class:`~geo.errors.ZonasiError` a command lets through (bad input, bad layers, a
    limit passed, the database unavailable) becomes a one-line message in the user's language
    and exit status 2 (:func:`usage_error`): no command catches them itself.
    """

    def list_commands(self, ctx):
        """Every command's name."""
        return list(COMMANDS)

    def get_command(self, ctx, name):
        """The command ``name``, importing its module now."""
        if name not in COMMANDS:
            return None
        module, attr = COMMANDS[name].split(":")
        return getattr(importlib.import_module(f"zonasi.commands.{module}"), attr)

    def invoke(self, ctx):
        """Run the command; a ZonasiError is a usage error (exit status 2)."""
        # geo (and so pyarrow) is imported here, not when this module is: main() must first set
        # the environment pyarrow reads once, at import (its memory pool: ~120 MB of peak RSS)
        from geo.errors import ZonasiError

        try:
            return super().invoke(ctx)
        except ZonasiError as exc:
            raise usage_error(exc, ctx) from exc


def usage_error(exc: ZonasiError, ctx: click.Context | None = None) -> click.UsageError:
    """``exc`` as a one-line usage error, in the language the command ran in (when it has
    recorded it: :data:`LANGUAGE_KEY`), else in English."""
    lang = ctx.meta.get(LANGUAGE_KEY) if ctx is not None else None  # one meta for a context and its children
    if lang is None or exc.message_id is None:
        return click.UsageError(exc.message)
    from geo.i18n import Catalog

    return click.UsageError(exc.text(Catalog(), lang))


@click.group(cls=LazyGroup, context_settings=CONTEXT, help=__doc__)
@click.version_option(package_name="zonasi")
def cli():
    """The command line's root (its help is this module's docstring)."""


def main():
    """Console-script entry point: bad input is one line on stderr and exit status 2."""
    # zonasi does no linear algebra: without this, numpy's OpenBLAS starts a thread per core
    # that wakes and spins now and then (2% of a batch run's CPU). Read when it loads, so set
    # before any import of numpy; the environment still decides.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # Arrow's own allocator (mimalloc) hands freed blocks back to the kernel and faults in
    # fresh, zeroed huge pages for the next chunk: 12% of a batch's CPU went to zeroing pages.
    # The C library's malloc keeps and reuses them (1M rows: 4.2-4.7 -> 3.8-3.9 s).
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
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
    # Done: leave without tearing down the heap object by object (a third of a second after a
    # million-row validation). Every command has closed its files by now; what is buffered is
    # flushed here.
    logging.shutdown()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # the reader of a pipe went away
        os._exit(1)
    os._exit(0)
