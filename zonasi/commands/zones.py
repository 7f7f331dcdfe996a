"""zonasi zones: the exclusion zones of a regency, as a file for the parties or a printable map."""
from __future__ import annotations

from pathlib import Path

import click
import geopandas as gpd
import pandas as pd

from geo.bbox import parse_bbox
from geo.exports import FORMATS, format_for_path, format_names, write_features
from geo.i18n import Catalog
from geo.rules import CATEGORIES
from geo.zones import exclusion_zones, render_map

from ..options import lang_option, layers_option, load_engine, settings_from

_regency = click.option("--regency", "regencies", required=True, multiple=True, metavar="CODE",
                        help="Kemendagri regency code, e.g. 32.12 (repeatable for export).")
_category = click.option("--category", "categories", multiple=True, type=click.Choice(CATEGORIES),
                         help="Only this category (repeatable; default: all).")
# Zones are polygons: every export format but the CSV table.
ZONE_FORMATS = [FORMATS[name] for name in format_names(exclude=("csv",))]


def _listed(words: list[str]) -> str:
    return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else "".join(words)


@click.group()
def zones():
    """Exclusion zones: where in a regency no campaign prop may stand.

    The zones are the sites of each category buffered by the regency's distance (in its UTM
    zone), dissolved and clipped to the regency. They are for maps and for handing to the
    parties; verdicts are decided by exact distance (zonasi check), not by these polygons.
    """


@zones.command("export")
@_regency
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help=f"Output file: {_listed([f.extension for f in ZONE_FORMATS])}.")
@_category
@layers_option
@lang_option
def export(regencies, output, categories, layers_dir, lang):
    """Write the dissolved exclusion zones of one or more regencies to a file
    (any export format but CSV: see -o), one feature per regency and category.

    \b
    Example:
      zonasi zones export --regency 32.12 -o zona_indramayu.kml
    """
    settings = settings_from(layers_dir=layers_dir, language=lang)
    engine = load_engine(settings)
    fmt = format_for_path(output)
    if fmt not in ZONE_FORMATS:
        raise click.UsageError(f"{output.name}: zones are polygons; use one of "
                               f"{', '.join(f.extension for f in ZONE_FORMATS)}")
    frames = [exclusion_zones(engine, code, categories or None) for code in regencies]
    frame = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=4326)
    frame["rules_version"] = engine.rules_version
    frame["layers_version"] = engine.layers_version
    write_features(frame, fmt, output, layer="zones", name_field="label")
    click.echo(Catalog().get("zones.exported", settings.language, n=len(frame), output=output,
                             regencies=", ".join(regencies)))


@zones.command("map")
@click.option("--regency", required=True, metavar="CODE", help="Kemendagri regency code, e.g. 32.12.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output file: .png or .pdf (A4 landscape).")
@click.option("--bbox", metavar="W,S,E,N", help="Only this lon/lat box (e.g. a kecamatan): west,south,east,north.")
@_category
@click.option("--dpi", type=click.IntRange(50, 600), default=150, show_default=True, help="Resolution of a PNG.")
@layers_option
@lang_option
def map_(regency, output, bbox, categories, dpi, layers_dir, lang):
    """Draw a printable map of a regency's exclusion zones: zones, sites, boundary, legend,
    scale bar and north arrow, without any basemap tiles.

    \b
    Examples:
      zonasi zones map --regency 32.12 -o indramayu.pdf
      zonasi zones map --regency 32.12 --bbox 108.28,-6.36,108.36,-6.30 -o kota_indramayu.png
    """
    settings = settings_from(layers_dir=layers_dir, language=lang)
    engine = load_engine(settings)
    path = render_map(engine, regency, output, bbox=parse_bbox(bbox, antimeridian=False), lang=settings.language,
                      categories=categories or None, dpi=dpi)
    click.echo(Catalog().get("zones.map_written", settings.language, output=path))
