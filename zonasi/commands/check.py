"""zonasi check: the verdict for one spot."""
from __future__ import annotations

import datetime as dt
import json

import click

from geo.clock import Clock
from geo.engine import describe
from geo.i18n import Catalog

from ..options import lang_option, layers_option, load_engine, settings_from


class _Coordinate(click.ParamType):
    def __init__(self, name: str, limit: float):
        self.name, self.limit = name, limit

    def convert(self, value, param, ctx):
        try:
            number = float(str(value).replace(",", "."))
        except ValueError:
            self.fail(f"{self.name} {value!r} is not a number (use decimal degrees, e.g. -6.33)", param, ctx)
        if not -self.limit <= number <= self.limit:
            self.fail(f"{self.name} {number} is outside -{self.limit:g}..{self.limit:g}", param, ctx)
        return number


class _When(click.ParamType):
    """A date (YYYY-MM-DD, local) or an ISO date-time (with an offset: an instant; without: local)."""

    name = "date"

    def convert(self, value, param, ctx):
        if isinstance(value, (dt.date, dt.datetime)):
            return value
        text = str(value).strip()
        try:
            if len(text) == 10:
                return dt.date.fromisoformat(text)
            return dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            self.fail(f"{text!r} does not match the formats YYYY-MM-DD or ISO 2024-01-15T10:00:00+07:00",
                      param, ctx)


@click.command()
@click.option("--lat", required=True, type=_Coordinate("latitude", 90),
              help="Latitude in decimal degrees, negative south of the equator (e.g. -6.33).")
@click.option("--lon", required=True, type=_Coordinate("longitude", 180),
              help="Longitude in decimal degrees, east positive (e.g. 108.32).")
@click.option("--at", type=_When(), metavar="DATE",
              help="When the prop stood: YYYY-MM-DD (the local date), or an ISO time with its zone "
                   "(2024-01-15T10:00:00+07:00). Default: now (ZONASI_NOW, else the clock), on the local "
                   "date (WIB/WITA/WIT) of the spot's regency. Outside every campaign period is itself a violation.")
@click.option("--accuracy", type=click.FloatRange(min=0), metavar="METRES",
              help="GPS accuracy; the verdict says when the accuracy could overturn it.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@layers_option
@lang_option
def check(lat, lon, at, accuracy, as_json, layers_dir, lang):
    """Check one spot: is a campaign prop allowed here?

    Prints the verdict with every forbidden site in range (distance, limit, legal basis) and the
    nearest site. Exit status 0 whatever the verdict; 2 for bad input.

    \b
    Examples:
      zonasi check --lat -6.33 --lon 108.32
      zonasi check --lat -6.33 --lon 108.32 --at 2024-01-05 --json
    """
    settings = settings_from(layers_dir=layers_dir, language=lang)
    engine = load_engine(settings)
    verdict = engine.check(lon, lat, at=at or Clock.from_settings(settings).now(), accuracy_m=accuracy)
    if as_json:
        click.echo(json.dumps(verdict.to_dict(), ensure_ascii=False, indent=2))
        return
    catalog = Catalog()
    lines = describe(verdict, engine.rules, catalog, settings.language)
    colour = {"ok": "green", "violation": "red"}.get(verdict.status, "yellow")
    click.secho(lines[0], bold=True, fg="yellow" if verdict.uncertain else colour)
    for line in lines[1:]:
        click.echo(f"  {line}")
    versions = catalog.get("cli.versions", settings.language, rules=verdict.rules_version,
                           layers=verdict.layers_version)
    click.echo(f"  {versions}")
