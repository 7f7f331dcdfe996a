"""zonasi validate: a verdict for every row of a spreadsheet export."""
from __future__ import annotations

import gc
import sys
from pathlib import Path

import click

from geo import InputError
from geo.clock import Clock
from geo.engine import long_date
from geo.exports import DEFAULT_DIALECT, DIALECTS, FORMATS, get_format
from geo.i18n import Catalog
from geo.validation import ROW_STATUSES, Summary, Validator, detect, open_table

from ..options import lang_option, layers_option, load_engine, settings_from

DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}


@click.command()
@click.argument("reports", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Results CSV: every input row and column, then status, regency, violations, nearest "
                   "site, distance, limit, legal basis, error and duplicate_of.")
@click.option("--geojson", "violations", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write the violations as a map layer (RFC 7946 GeoJSON; "
                   + "/".join(f.extension for f in FORMATS.values() if f.name != "geojson") + " by suffix).")
@click.option("--dialect", type=click.Choice(list(DIALECTS), case_sensitive=False), default=DEFAULT_DIALECT,
              show_default=True,
              help="Form of the results CSV. " + "; ".join(f"{d.name}: {d.help}" for d in DIALECTS.values())
                   + ". Decimal numbers (distances, and plain decimals in the coordinate columns) take the "
                   "dialect's decimal mark; every other input value is written as it was read.")
@click.option("--at-column", metavar="NAME",
              help="Column with the date the prop stood (YYYY-MM-DD, DD/MM/YYYY, 5 Januari 2024): "
                   "outside every campaign period is a violation by itself. Default: a column named "
                   "tanggal/tgl/date/waktu/time, else every row as of now (ZONASI_NOW, else the clock).")
@click.option("--sheet", metavar="NAME|NUMBER",
              help="Of a workbook (.xlsx, .ods): the sheet to read, by its name or its number from 1 "
                   "(default: the first visible sheet).")
@click.option("--chunk-rows", default=100_000, show_default=True, type=click.IntRange(1_000, 10_000_000),
              help="Rows per chunk: memory stays bounded whatever the file size.")
@click.option("--jobs", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Chunks judged at once (coordinates, dates, the engine), in threads, while this "
                   "one reads, finds duplicates and writes.")
@click.option("--processes", is_flag=True,
              help="Judge in forked processes instead of threads (for machines with many cores).")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar (default: on a terminal only).")
@layers_option
@lang_option
def validate(reports, output, violations, dialect, at_column, sheet, chunk_rows, jobs, processes, progress, layers_dir,
             lang):
    """Check every row of REPORTS.csv (or a sheet of REPORTS.xlsx / .ods) and write RESULTS.csv.

    REPORTS.csv may use ',' ';' or tab, UTF-8 (with or without BOM) or Windows-1252, quoted values
    over several lines. A workbook (.xlsx, .ods) is read as it is: its first sheet, or the one
    --sheet names; a row's line is its row number in the sheet. Coordinates are found by column
    name (lat/latitude/lintang/y and lon/lng/longitude/bujur/x, or one koordinat/coordinates/lokasi
    column holding "lat, lon") and
    may be decimal (-6.327 or -6,327) or degrees-minutes-seconds (6°19'37.2"S, S 6 19 37.2).
    Rows that cannot be judged are 'invalid' with the reason and their line number; swapped
    coordinates are reported, never fixed. A row within 2 m of an earlier one (with the same APK
    id, when there is an APK id column) gets duplicate_of = that row's line.

    Exit status 0 when the file was read, whatever the verdicts; 2 when it cannot be read.

    \b
    Examples:
      zonasi validate laporan.csv -o hasil.csv
      zonasi validate laporan.csv -o hasil.csv --dialect excel-id     # for Indonesian Excel
      zonasi validate laporan.csv -o hasil.csv --geojson pelanggaran.geojson --at-column tanggal
      zonasi validate laporan.xlsx --sheet Januari -o hasil.csv
    """
    settings = settings_from(layers_dir=layers_dir, language=lang)
    if not reports.is_file():
        raise click.UsageError(f"{reports}: no such file")
    if violations is not None:
        try:
            get_format(violations.suffix or "?")
        except InputError as exc:
            raise click.BadParameter(exc.text(Catalog(), settings.language), param_hint="--geojson") from exc
    try:  # an unreadable file fails fast, before the layers are loaded; a workbook is read once
        table = open_table(reports, sheet)
    except InputError as exc:
        raise click.UsageError(f"{reports}: {exc.text(Catalog(), settings.language)}") from exc
    with table:
        _validate(table, settings, reports, output, violations, dialect, at_column, sheet, chunk_rows, jobs,
                  processes, progress)


def _validate(table, settings, reports, output, violations, dialect, at_column, sheet, chunk_rows, jobs, processes,
              progress):
    try:
        detect(table.columns, at_column)
    except InputError as exc:
        raise click.UsageError(f"{reports}: {exc.text(Catalog(), settings.language)}") from exc
    engine = load_engine(settings)
    catalog = Catalog()
    now = Clock.from_settings(settings).now()  # rows of a file without a date column: as of now
    validator = Validator(engine, catalog, settings.language, at_column=at_column, sheet=sheet,
                          chunk_rows=chunk_rows, jobs=jobs, processes=processes, now=now, dialect=dialect)
    show = sys.stderr.isatty() if progress is None else progress
    # The ~180,000 objects of the layers and modules out of the collector's sight for the run:
    # its full collections then walk only what the run allocates (0.26 -> 0.07 s per 1M rows).
    gc.freeze()
    try:
        with _ProgressBar(reports.stat().st_size, show) as bar:
            summary = validator.run(table, output, violations=violations, progress=bar.update)
    except InputError as exc:
        output.unlink(missing_ok=True)
        raise click.UsageError(f"{reports}: {exc.text(Catalog(), settings.language)}") from exc
    except OSError as exc:
        raise click.UsageError(f"{exc.filename or reports}: {exc.strerror}") from exc
    finally:
        gc.unfreeze()
    _print_summary(summary, catalog, settings.language, reports, output, violations)
    if summary.at_column:
        click.echo(catalog.get("batch.summary.at_column", settings.language, column=summary.at_column))
    else:
        today = long_date(Clock(now).today(), catalog, settings.language) + " (WIB)"
        click.echo(catalog.get("batch.summary.at_now", settings.language, date=today))


class _ProgressBar:
    """tqdm over the bytes read, on stderr; nothing when hidden."""

    def __init__(self, total: int, show: bool):
        self.bar = None
        if show:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                            desc="zonasi validate", leave=False)
        self.done = 0

    def update(self, position: int, rows: int) -> None:
        if self.bar is not None:
            self.bar.update(max(0, position - self.done))
            self.bar.set_postfix(rows=f"{rows:,}", refresh=False)
            self.done = max(self.done, position)

    def __enter__(self) -> _ProgressBar:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()


def _print_summary(summary: Summary, catalog: Catalog, lang: str, reports: Path, output: Path,
                   violations: Path | None) -> None:
    def say(key: str, **values) -> str:
        return catalog.get(key, lang, **values)

    if summary.sheet:
        click.echo(say("batch.summary.read_sheet", rows=f"{summary.rows:,}", sheet=summary.sheet, path=reports,
                       encoding=summary.encoding, columns=summary.coordinate_columns,
                       seconds=f"{summary.seconds:.1f}"))
    else:
        click.echo(say("batch.summary.read", rows=f"{summary.rows:,}", path=reports, encoding=summary.encoding,
                       delimiter=DELIMITER_NAMES.get(summary.delimiter, repr(summary.delimiter)),
                       columns=summary.coordinate_columns, seconds=f"{summary.seconds:.1f}"))
    for status in ROW_STATUSES:
        click.echo("  " + say("batch.summary.status", label=say(f"status.{status}"),
                              n=f"{summary.counts.get(status, 0):,}"))
    click.echo("  " + say("batch.summary.duplicates", n=f"{summary.duplicates:,}"))
    if summary.invalid_examples:
        click.echo(say("batch.summary.invalid_first", n=len(summary.invalid_examples)))
        for _, error in summary.invalid_examples:
            click.echo(f"  {error}")
    click.echo(say("batch.summary.written", path=output))
    if violations is not None:
        click.echo(say("batch.summary.geojson", n=f"{summary.violations_written:,}", path=violations))
