"""zonasi layers: import sites from GIS files and OpenStreetMap; list what is loaded."""
from __future__ import annotations

import json
from pathlib import Path

import click

from geo.errors import InputError
from geo.i18n import Catalog
from geo.layers import bundled_layers_dir, inventory, load_layers
from geo.layers.importing import ImportOptions, import_file, import_osm, parse_mapping
from geo.rules import CATEGORIES

from ..options import lang_option, layers_option, settings_from


def _target(layers_dir, lang):
    settings = settings_from(layers_dir=layers_dir, language=lang)
    return settings, Path(settings.layers_dir or bundled_layers_dir())


@click.group()
def layers():
    """Sites and regencies: import from GIS files or OpenStreetMap, list what is loaded.

    Every import writes a new GeoParquet file into the layers directory's sites/ and records a
    new layers version (content hash and time) in its layers.json.
    """


_provenance = [
    click.option("--source", help="Where the data come from (recorded in layers.json; default: the file's "
                 "name). Required with --complete-for/--complete-within, and written into coverage.toml."),
    click.option("--licence", "--license", "licence", help="Licence of the data, e.g. CC-BY-4.0."),
    click.option("--date", help="Date of the data (recorded in layers.json; default: --as-of)."),
]

_declare = [
    click.option("--complete-for", "complete_for", multiple=True, metavar="CODE",
                 help="Declare the imported categories complete in this regency (Kemendagri code, e.g. "
                      "32.12; repeatable): coverage.toml gets a [[complete]] entry. Only when the file "
                      "holds EVERY site of its categories there."),
    click.option("--complete-within", "complete_within", metavar="AREA_FILE",
                 type=click.Path(exists=True, dir_okay=False, path_type=Path),
                 help="Declare them complete inside the polygons of AREA_FILE (any vector format; copied "
                      "into the layers directory as coverage/NAME.geojson)."),
    click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
                 help="The date the declared data describe (as_of in coverage.toml)."),
]


def _with(options):
    def decorate(func):
        for option in reversed(options):
            func = option(func)
        return func
    return decorate


@layers.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--category", type=click.Choice(CATEGORIES), help="The category of every feature.")
@click.option("--category-field", metavar="FIELD", help="The field that holds each feature's category.")
@click.option("--map", "mapping", multiple=True, metavar="VALUE=KEY",
              help="Map a value of --category-field to a category (repeatable), e.g. Masjid=place_of_worship.")
@click.option("--name-field", metavar="FIELD", help="The field with the site's name (default: name/nama).")
@click.option("--layer", help="The layer to read from a file with several (GeoPackage).")
@click.option("--crs", help="CRS of a file that names none (CSV, shapefile without .prj), e.g. EPSG:32749.")
@click.option("--lon-field", metavar="FIELD", help="CSV: the longitude / x column.")
@click.option("--lat-field", metavar="FIELD", help="CSV: the latitude / y column.")
@click.option("--output-name", metavar="NAME", help="Write sites/NAME.parquet (default: the file's name).")
@click.option("--replace", is_flag=True, help="Replace sites/NAME.parquet if it exists.")
@click.option("--max-bytes", type=click.IntRange(min=1), metavar="BYTES",
              help="Refuse a file holding more data than this once decompressed (default: 2000000000, "
                   "or ZONASI_MAX_IMPORT_BYTES).")
@click.option("--max-features", type=click.IntRange(min=1), metavar="N",
              help="Refuse a file of more features than this (default: 5000000, or ZONASI_MAX_IMPORT_FEATURES).")
@_with(_provenance)
@_with(_declare)
@layers_option
@lang_option
def import_(file, category, category_field, mapping, name_field, layer, crs, lon_field, lat_field,
            output_name, replace, max_bytes, max_features, source, licence, date, complete_for, complete_within,
            as_of, layers_dir, lang):
    """Import sites from FILE: GeoJSON, GeoPackage, Shapefile (.shp or zipped), FlatGeobuf,
    GeoParquet, or CSV with coordinate columns (lon/lat, bujur/lintang, x/y) or a wkt column.

    Any CRS is reprojected to WGS 84; invalid geometries are repaired and counted; features
    without geometry, or with coordinates outside the globe, are reported by row.

    \b
    Examples:
      zonasi layers import masjid.gpkg --category place_of_worship --licence CC-BY-4.0
      zonasi layers import poi.shp.zip --category-field JENIS --map Masjid=place_of_worship \\
          --map SD=school --name-field NAMOBJ
      zonasi layers import sekolah.csv --category school --lon-field bujur --lat-field lintang

    \b
    Declaring coverage (where the file holds EVERY site of its categories; see zonasi layers coverage):
      zonasi layers import sekolah_indramayu.gpkg --category school \\
          --complete-for 32.12 --source "Kemdikbud Dapodik" --as-of 2024-06-30
      zonasi layers import masjid_sanga.geojson --category place_of_worship \\
          --complete-within kec_sanga_sanga.geojson --source "Survei lapangan Bawaslu" --as-of 2024-07-01

    Coverage is checked before anything is written (unknown regency, no --source, no polygons:
    nothing is imported); the same entry is not added twice. To withdraw one, delete its
    [[complete]] entry from coverage.toml.
    """
    from geo.layers import Declaration

    settings, target = _target(layers_dir, lang)
    declaration = None
    if complete_for or complete_within:
        declaration = Declaration(source=source, regencies=tuple(complete_for), area_file=complete_within,
                                  as_of=as_of.date() if as_of else None)
    elif as_of:
        raise InputError("--as-of dates a coverage declaration: use it with --complete-for or --complete-within",
                         message_id="coverage.as_of_alone", parameter="as-of")
    options = ImportOptions(category=category, category_field=category_field, mapping=parse_mapping(mapping),
                            name_field=name_field, layer=layer, crs=crs, lon_field=lon_field,
                            lat_field=lat_field, output_name=output_name, replace=replace,
                            source=source, licence=licence, date=date or (as_of and as_of.date().isoformat()),
                            max_bytes=max_bytes or settings.max_import_bytes,
                            max_features=max_features or settings.max_import_features, coverage=declaration)
    report = import_file(file, target, options)
    c, lg = Catalog(), settings.language
    click.echo(c.get("layers.imported", lg, written=report.written, read=report.read,
                     output=report.output, crs=report.source_crs))
    click.echo("  " + _counts(report.by_category) + "  |  " + _counts(report.by_geometry))
    if report.repaired:
        click.echo("  " + c.get("layers.repaired", lg, n=report.repaired))
    if report.collapsed:
        click.echo("  " + c.get("layers.collapsed", lg, n=len(report.collapsed), rows=_rows(report.collapsed)))
    if report.without_geometry:
        click.echo("  " + c.get("layers.no_geometry", lg, n=len(report.without_geometry),
                                rows=_rows(report.without_geometry)))
    if report.off_globe:
        click.echo("  " + c.get("layers.off_globe", lg, n=len(report.off_globe), rows=_rows(report.off_globe)))
    if report.unmapped:
        click.echo("  " + c.get("layers.unmapped", lg, n=sum(report.unmapped.values()),
                                values=_counts(report.unmapped)))
    if report.outside_regencies:
        click.echo("  " + c.get("layers.outside", lg, n=report.outside_regencies))
    if report.declared is not None:
        _echo_declared(report.declared, target, c, lg)
    click.echo("  " + c.get("layers.version", lg, version=report.version, previous=report.previous_version or "-"))


@layers.command("import-osm")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--regency", "regencies", multiple=True, metavar="CODE",
              help="Keep only sites in (or within the largest rule distance of) this regency; repeatable.")
@click.option("--tags", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Tag table (default: the bundled geo/osm_tags.toml; copy and edit it).")
@click.option("--margin", type=click.FloatRange(min=0), metavar="METRES",
              help="Keep sites this far outside the regencies (default: the largest rule distance).")
@click.option("--output-name", metavar="NAME", help="Write sites/NAME.parquet (default: osm_<file>).")
@click.option("--replace", is_flag=True, help="Replace sites/NAME.parquet if it exists.")
@click.option("--node-cache", type=click.Path(dir_okay=False, path_type=Path),
              help="Keep node locations in this file instead of memory (for a country extract).")
@click.option("--progress/--no-progress", default=None, help="Show progress (default: on a terminal).")
@click.option("--max-features", type=click.IntRange(min=1), metavar="N",
              help="Refuse to keep more sites than this (default: 5000000, or ZONASI_MAX_IMPORT_FEATURES).")
@click.option("--coverage/--no-coverage", "declare", default=True,
              help="With --regency: declare the clip area complete in coverage.toml for every category of "
                   "the tag table (default: on). --no-coverage where OpenStreetMap is not known complete.")
@layers_option
@lang_option
def import_osm_(file, regencies, tags, margin, output_name, replace, node_cache, progress, max_features,
                declare, layers_dir, lang):
    """Import sites from an OpenStreetMap extract FILE.osm.pbf (streamed, any size).

    Nodes become points, ways lines, closed ways and multipolygon relations polygons (a school
    ground stays a polygon); categories come from the tag table; religion is kept.

    Coverage: with --regency, the clip area (the regencies widened by --margin, saved as
    coverage/NAME.geojson) is declared complete in coverage.toml for every category the tag
    table maps, source "OpenStreetMap contributors (ODbL)", as_of the extract's timestamp. A spot
    there can then be judged "allowed" from OpenStreetMap alone: mapping is often incomplete, so
    use --no-coverage unless you know it is complete there (or delete the entry afterwards; the
    command says which). Without --regency nothing is declared.

    \b
    Examples:
      zonasi layers import-osm indonesia-latest.osm.pbf --regency 32.12 --regency 32.09
      zonasi layers import-osm jawa-barat-latest.osm.pbf --regency 32.12 --no-coverage
    """
    settings, target = _target(layers_dir, lang)
    report = import_osm(file, target, list(regencies), tags=tags, margin_m=margin, output_name=output_name,
                        replace=replace, node_cache=node_cache, progress=progress,
                        max_features=max_features or settings.max_import_features, declare_coverage=declare)
    c, lg = Catalog(), settings.language
    click.echo(c.get("layers.osm_imported", lg, n=report.features, output=report.output))
    click.echo("  " + _counts(report.by_category) + "  |  " + _counts(report.by_geometry))
    if report.clipped_away:
        click.echo("  " + c.get("layers.clipped", lg, n=report.clipped_away, regencies=", ".join(report.regencies)))
    if report.broken:
        click.echo("  " + c.get("layers.broken", lg, n=report.broken))
    if report.unassembled:
        click.echo("  " + c.get("layers.unassembled", lg, n=report.unassembled))
    if report.declared is not None:
        _echo_declared(report.declared, target, c, lg)
        click.echo("  " + c.get("layers.osm_coverage_caution", lg))
        if report.declared.as_of is None:
            click.echo("  " + c.get("layers.osm_no_timestamp", lg))
    elif declare and not report.regencies:
        click.echo("  " + c.get("layers.osm_no_clip", lg))
    click.echo("  " + c.get("layers.version", lg, version=report.version, previous=report.previous_version or "-"))


def _echo_declared(declared, target: Path, c, lg) -> None:
    """What an import declared complete in coverage.toml, and how to withdraw it."""
    where = []
    if declared.regencies:
        where.append(c.get("layers.declared_regencies", lg, codes=", ".join(declared.regencies)))
    if declared.area:
        where.append(c.get("layers.declared_area", lg, area=declared.area))
    values = {"file": str(declared.path), "n": declared.number, "categories": ", ".join(declared.categories),
              "where": "; ".join(where), "source": declared.source,
              "as_of": declared.as_of.isoformat() if declared.as_of else c.get("layers.coverage_undated", lg),
              "directory": str(target)}
    if not declared.added:
        click.echo("  " + c.get("layers.declared_already", lg, **values))
        return
    click.echo("  " + c.get("layers.declared", lg, **values))
    undo = "layers.declared_undo_area" if declared.area else "layers.declared_undo"
    click.echo("  " + c.get(undo, lg, **values, area=str(target / declared.area) if declared.area else ""))


@layers.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@layers_option
@lang_option
def list_(as_json, layers_dir, lang):
    """What is loaded: sites per category and regency, each file's source, licence and date,
    and the layers and rules versions."""
    settings, target = _target(layers_dir, lang)
    loaded = load_layers(target)
    info = inventory(loaded)
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    c, lg = Catalog(), settings.language
    recorded = info["recorded"] or {}
    click.echo(c.get("layers.list_header", lg, directory=info["directory"], layers=info["layers_version"],
                     rules=info["rules_version"], date=recorded.get("created", "-")))
    if info["unrecorded_change"]:
        click.echo(c.get("layers.unrecorded", lg, recorded=recorded["version"]))
    if not loaded.coverage.declared:  # said once: without it no spot can be confirmed as allowed
        click.echo(c.get("layers.coverage_nothing", lg, directory=info["directory"]))
    click.echo("")
    click.echo(f"{c.get('layers.col_regency', lg):<48} {c.get('layers.col_category', lg):<18} "
               f"{c.get('layers.col_sites', lg):>7}")
    for row in info["counts"]:
        label = f"{row['regency_code']} {row['regency']}".strip() or c.get("layers.no_regency", lg)
        click.echo(f"{label[:48]:<48} {row['category']:<18} {row['sites']:>7}")
    click.echo("")
    for f in info["files"]:
        click.echo(c.get("layers.file", lg, file=f["file"], n=f["features"], date=f["date"] or "?",
                         imported=f["imported_at"] or "?"))
        click.echo("    " + c.get("layers.file_source", lg, source=f["source"] or "?", licence=f["licence"] or "?"))
    boundaries = info["regencies"]
    if boundaries["boundary_sources"]:  # which source each regency's boundary comes from
        click.echo(c.get("layers.boundary_sources", lg, n=boundaries["features"],
                         sources=_counts(boundaries["boundary_sources"])))


def _counts(counts: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def _rows(rows: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(r) for r in rows[:limit])
    return shown + (f", … (+{len(rows) - limit})" if len(rows) > limit else "")


@layers.command("coverage")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON: per regency and category the status, "
              "and the declared entries with their source and date.")
@click.option("--geojson", "geojson_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also write the complete areas to FILE (GeoJSON, one feature per coverage.toml entry).")
@click.option("--all", "show_all", is_flag=True, help="List every regency, also those with nothing complete.")
@layers_option
@lang_option
def coverage_(as_json, geojson_path, show_all, layers_dir, lang):
    """Where the data are complete: per regency and category, complete / partial / none.

    A verdict of "allowed" can only be trusted where the layers hold EVERY site of a category.
    The layers directory declares where in coverage.toml ([[complete]] entries with categories,
    regencies and/or an area polygon file, source and as_of date). "complete": the whole regency
    is declared; "partial": a declared polygon covers part of it; "none": nothing declared, so
    a spot there cannot be confirmed for that category. Without coverage.toml nothing is complete.
    """
    settings, target = _target(layers_dir, lang)
    loaded = load_layers(target)
    coverage = loaded.coverage
    assert coverage is not None
    names = dict(zip(loaded.regency_features.column("code"), loaded.regency_features.column("name")))
    status = {category: coverage.regency_status(category) for category in CATEGORIES}
    rows = [{"regency_code": str(code), "regency": str(names[code]), "category": category,
             "required": loaded.rules.required(str(code), category), "status": status[category][str(code)],
             "sources": [s.as_dict() for s in coverage.sources_for(category)
                         if str(code) in s.regencies or status[category][str(code)] == "partial"]}
            for code in names for category in CATEGORIES]
    if geojson_path is not None:
        _write_coverage_geojson(coverage, geojson_path)
    if as_json:
        click.echo(json.dumps({"directory": str(loaded.directory), "layers_version": loaded.version,
                               "declared": [s.as_dict() for s in coverage.sources], "regencies": rows},
                              ensure_ascii=False, indent=2))
        return
    c, lg = Catalog(), settings.language
    if not coverage.declared:
        click.echo(c.get("layers.coverage_nothing", lg, directory=str(loaded.directory)))
    shown = [r for r in rows if show_all or r["status"] != "none"]
    click.echo(c.get("layers.coverage_summary", lg, regencies=len(names),
                     any=len({r["regency_code"] for r in rows if r["status"] != "none"})))
    if shown:
        click.echo("")
        click.echo(f"{c.get('layers.col_regency', lg):<40} {c.get('layers.col_category', lg):<18} "
                   f"{c.get('layers.col_status', lg):<10} {c.get('layers.col_source', lg)}")
    for row in shown:
        label = f"{row['regency_code']} {row['regency']}"
        word = c.get(f"layers.coverage_{row['status']}", lg)
        sources = "; ".join(f"{s['source']} ({s['as_of'] or c.get('layers.coverage_undated', lg)})"
                            for s in row["sources"]) or "-"
        click.echo(f"{label[:40]:<40} {row['category']:<18} {word:<10} {sources}")
    if geojson_path is not None:
        click.echo(c.get("layers.coverage_written", lg, file=str(geojson_path), n=len(coverage.sources)))


def _write_coverage_geojson(coverage, path: Path) -> None:
    import shapely

    features = [{"type": "Feature", "properties": source.as_dict(),
                 "geometry": json.loads(shapely.to_geojson(coverage.complete_geometry(source)))}
                for source in coverage.sources]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), "utf-8")
