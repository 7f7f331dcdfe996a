"""Batch validation: a spreadsheet export in, a verdict for every row out, in bounded memory.

    validator = Validator(engine, lang="id")
    summary = validator.run("reports.csv", "results.csv", violations="violations.geojson")

Rows stream through in chunks: read (:mod:`geo.validation.reading`), coordinates parsed (:mod:`geo.validation.coords`),
one vectorised ``engine.check_many`` per chunk, duplicates against every earlier row
(:mod:`geo.validation.duplicates`), written out (pyarrow's CSV writer; :class:`geo.exports.writers.FeatureSink`).
The output has every input row, in order, with every input column, followed by
:data:`~geo.validation.results.RESULT_COLUMNS`, the first of which, ``line``, is the line the row starts on in the file
itself (the header is line 1; blank lines and line breaks inside quoted cells count), the number
a text editor shows. Rows that cannot be judged are ``invalid`` with the reason in ``error``,
naming that line; ``duplicate_of`` is the line of the earlier row.
"""
from __future__ import annotations

import datetime as dt
import io
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import shapely

from geo.budget import Deadline
from geo.errors import InputError
from geo.exports.defuse import defuse_table
from geo.exports.dialects import CsvDialect, get_dialect
from geo.i18n import Catalog
from geo.validation.coords import Coordinates, Problem, first_problems, no_problem, parse_columns, parse_pair_column
from geo.validation.dialect import ResultsDialect
from geo.validation.duplicates import DuplicateFinder
from geo.validation.prefetch import prefetch
from geo.validation.reading import Chunk, CsvFile, Roles, detect
from geo.validation.reading.dates import parse_dates
from geo.validation.reading.sheet import SheetFile, open_table
from geo.validation.results import (
    RESULT_COLUMNS,
    RESULT_SCHEMA,
    VERDICT_SCHEMA,
    Results,
    Summary,
    count_valid,
    empty_results,
    output_names,
    rows_with,
)

if TYPE_CHECKING:
    import geopandas as gpd

DUPLICATE_TOLERANCE_M = 2.0
AREA_MARGIN_DEG = 0.5
EXAMPLES = 20
# A workbook under a row limit unpacks to at most this much (its XML, a zip bomb's undoing): a
# row of a report sheet is well under 1 KB of XML
UNPACKED_BYTES_PER_ROW = 4 * 1024
MIN_UNPACKED_BYTES = 64 * 1024 * 1024

Progress = Callable[[int, int], None]  # (bytes read, rows done)
BUDGET_MESSAGE = ("checking this file took longer than the {seconds} s a web upload may take; check it on "
                  "the command line, which has no time limit: zonasi validate FILE.csv -o RESULTS.csv")


class TooManyRows(InputError):
    """The spreadsheet has more rows than the validator's ``max_rows`` (HTTP 413)."""

    status = 413
    code = "too-many-rows"


@dataclass
class Judged:
    """What :meth:`Validator.judge` finds in one chunk on its own."""

    coords: Coordinates
    problems: list
    valid: np.ndarray
    verdicts: pa.Table


class Validator:
    """Validates CSV files against an engine, chunk by chunk: a status and explanation per row, in bounded
    memory."""
    def __init__(self, engine, catalog: Catalog | None = None, lang: str | None = None, *,
                 at_column: str | None = None, sheet: str | int | None = None, chunk_rows: int = 100_000,
                 max_rows: int | None = None,
                 jobs: int = 1, processes: bool = False, time_budget_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic, now: dt.date | dt.datetime | None = None,
                 dialect: CsvDialect | str | None = None):
        """``time_budget_s``: each :meth:`run` stops with :class:`geo.budget.TimeBudgetSpent`
        once it has taken that long on ``clock`` (checked before every block read and every
        chunk written; 0 stops it before anything is read); None, the default, is no budget.
        ``jobs``: chunks judged (coordinates, dates, the engine) at once, in threads, while
        reading, duplicates and writing go on beside them. Most of judging runs outside the
        GIL (GEOS, KD-trees, numpy, Arrow), so two threads keep two cores busy (the CLI's
        default); a web server's worker judges one chunk at a time. ``processes``: judge in
        ``jobs`` forked processes instead (for machines with many cores). ``sheet``: of a
        workbook (.xlsx, .ods), the sheet to read (a name, or a number from 1); the first by default.
        ``dialect``: the results CSV's form (:mod:`geo.exports.dialects`; an unknown name is an
        InputError): ``machine`` by default, ``excel-id`` for Indonesian Excel (see
        :mod:`geo.validation.dialect`)."""
        self.engine = engine
        self.catalog = catalog or Catalog()
        self.lang = self.catalog.language(lang)
        self.at_column = at_column
        self.sheet = sheet
        # the time rows are judged at when the file has no date column (an instant: the local date of
        # each row's regency); None judges no date at all
        self.now = now
        self.chunk_rows = chunk_rows
        self.max_rows = max_rows
        self.jobs = max(1, jobs)
        self.processes = processes
        self.time_budget_s = time_budget_s
        self.clock = clock
        self.dialect = dialect if isinstance(dialect, CsvDialect) else get_dialect(dialect)
        west, south, east, north = shapely.total_bounds(engine.layers.regency_features.geometry)
        m = AREA_MARGIN_DEG
        self.area = (west - m, south - m, east + m, north + m)

    # -- whole files ----------------------------------------------------------------------------

    def run(self, source: str | Path | bytes | BinaryIO | CsvFile | SheetFile, results: str | Path | BinaryIO,
            *, violations: str | Path | None = None, progress: Progress | None = None) -> Summary:
        """Validate ``source`` (a CSV or a workbook's sheet, or a table :meth:`open` gave) into a
        results CSV (path or binary stream) and, if asked, the violations as GeoJSON/GPKG/KML/CSV
        (by the file suffix). Raises UnreadableFile before writing anything when the file cannot
        be read as a table."""
        started = time.perf_counter()
        deadline = Deadline(self.time_budget_s, self.clock, message=BUDGET_MESSAGE, message_id="batch.time_budget")
        deadline.check()
        with source if isinstance(source, (CsvFile, SheetFile)) else self.open(source) as csv:
            roles = detect(csv.columns, self.at_column)
            summary = Summary(encoding=csv.encoding, delimiter=csv.delimiter,
                              coordinate_columns=", ".join(c for c in (roles.lat, roles.lon, roles.pair) if c),
                              at_column=roles.at or "", sheet=getattr(csv, "sheet_name", ""))
            sink = None
            if violations:
                from geo.exports.writers import FeatureSink  # GDAL and geopandas: only when asked for

                sink = FeatureSink(violations)
            form = self.results_dialect(roles, csv.columns)
            options = form.write_options(csv.delimiter)
            out, owned = (open(results, "wb"), True) if isinstance(results, (str, Path)) else (results, False)
            writer = None
            try:
                out.write(form.bom(csv.bom or csv.codec == "cp1252"))  # so that Excel reads the UTF-8 output
                for chunk in self.results(csv, roles, summary, deadline):
                    deadline.check()
                    table = form.table(defuse_table(chunk.table), RESULT_COLUMNS)  # no formulas for spreadsheets
                    if writer is None:
                        writer = pacsv.CSVWriter(out, table.schema, write_options=options)
                    writer.write_table(table)
                    if sink is not None:
                        sink.write(self._violations(chunk))
                    if progress is not None:
                        progress(csv.position(), summary.rows)
                if writer is None:  # a header without rows
                    empty = form.table(empty_results(csv.columns, self._reserved()), RESULT_COLUMNS)
                    writer = pacsv.CSVWriter(out, empty.schema, write_options=options)
            finally:
                if writer is not None:
                    writer.close()
                if owned:
                    out.close()
                if sink is not None:
                    sink.close()
                    summary.violations_written = sink.count
        summary.seconds = time.perf_counter() - started
        return summary

    def results_dialect(self, roles: Roles, columns: list[str]) -> ResultsDialect:
        """How this validator's results are written: its dialect, ``columns`` the input's, of which
        ``roles`` names the coordinates."""
        names = dict(zip(columns, output_names(columns, self._reserved())))
        decimals = [names[c] for c in (roles.lat, roles.lon) if c in names]
        return ResultsDialect(self.dialect, self.catalog, category_label=self.engine.rules.category_label,
                              decimal_columns=decimals)

    def _reserved(self) -> set[str]:
        """Names an input column may not keep (lower case): the result columns' headers."""
        form = ResultsDialect(self.dialect, self.catalog)
        return set(RESULT_COLUMNS) | {form.header(c).lower() for c in RESULT_COLUMNS}

    def open(self, source: str | Path | bytes | BinaryIO) -> CsvFile | SheetFile:
        """``source`` opened as a table: a workbook's sheet (this validator's ``sheet``) or a CSV.
        With a row limit, a workbook that unpacks to more than ``max_rows`` rows could fill is
        refused before it is parsed (413)."""
        unpacked = None if self.max_rows is None else max(MIN_UNPACKED_BYTES, self.max_rows * UNPACKED_BYTES_PER_ROW)
        return open_table(source, self.sheet, max_unpacked_bytes=unpacked)

    def results(self, csv: CsvFile | SheetFile, roles: Roles, summary: Summary | None = None,
                deadline: Deadline | None = None) -> Iterator[Results]:
        """The result table of each chunk of ``csv`` (see :data:`RESULT_COLUMNS`); ``deadline``
        is checked before each block of the file is read and each chunk is judged.

        A three-stage pipeline: the next chunk is read in one thread, the engine judges the
        ``jobs`` chunks after that in others (or in processes), and duplicates and the output
        are done here, in order.
        """
        summary = summary if summary is not None else Summary()
        duplicates = DuplicateFinder(DUPLICATE_TOLERANCE_M)
        names = output_names(csv.columns, self._reserved())
        pending: deque[tuple[Chunk, Future[Judged]]] = deque()
        with self._judging(roles) as judge:
            tick = deadline.check if deadline is not None else None
            for chunk in prefetch(csv.chunks(self.chunk_rows, tick)):
                if tick is not None:
                    tick()
                if self.max_rows is not None and summary.rows + len(chunk) > self.max_rows:
                    raise TooManyRows(self.catalog.get("batch.too_many_rows", self.lang, limit=self.max_rows),
                                      message_id="batch.too_many_rows", message_values={"limit": self.max_rows},
                                      limit=self.max_rows)
                summary.rows += len(chunk)
                pending.append((chunk, judge(chunk)))
                if len(pending) > self.jobs:
                    yield self._finish(*pending.popleft(), roles, names, duplicates, summary)
            while pending:
                yield self._finish(*pending.popleft(), roles, names, duplicates, summary)

    @contextmanager
    def _judging(self, roles: Roles):
        """A function: chunk -> future of its :class:`Judged`, run in a thread or a process."""
        if self.processes and "fork" in multiprocessing.get_all_start_methods():
            self.engine.warm(around_sites=False)  # once, here: the processes inherit it
            with ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("fork"),
                                     initializer=_adopt, initargs=(self,)) as pool:
                for future in [pool.submit(os.getpid) for _ in range(self.jobs)]:
                    future.result()  # fork now, before the reader thread starts
                yield lambda chunk: pool.submit(_judge_adopted, _judged_columns(chunk, roles), roles)
        else:
            with ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="zonasi-engine") as pool, \
                    ThreadPoolExecutor(max_workers=1, thread_name_prefix="zonasi-warm") as warm:
                # the engine's indexes are built while the first rows are read and parsed
                warming = warm.submit(self.engine.warm, around_sites=False)
                yield lambda chunk: pool.submit(self.judge, chunk, roles)
                warming.result()

    def _finish(self, chunk: Chunk, judged, roles: Roles, names, duplicates: DuplicateFinder,
                summary: Summary) -> Results:
        result = self.complete(chunk, judged.result(), roles, duplicates)
        table = chunk.table.rename_columns(names)
        for name in RESULT_COLUMNS:
            table = table.append_column(name, result.table.column(name))
        summary.counts.update({v["values"]: v["counts"] for v in pc.value_counts(result.status).to_pylist()})
        summary.duplicates += int(count_valid(result.table.column("duplicate_of")))
        if len(summary.invalid_examples) < EXAMPLES:
            invalid = rows_with(result.status, "invalid")[:EXAMPLES - len(summary.invalid_examples)]
            errors = result.table.column("error")
            summary.invalid_examples += [(int(chunk.lines[i]), errors[int(i)].as_py()) for i in invalid]
        return Results(table, result.lon, result.lat, result.status)

    # -- one chunk -------------------------------------------------------------------------------

    def judge(self, chunk: Chunk, roles: Roles) -> Judged:
        """Coordinates, dates and the engine's verdicts of one chunk: needs no other chunk."""
        coords = self._coordinates(chunk, roles)
        problems = list(coords.problems)
        days = None
        if roles.at:
            days, date_problems = parse_dates(chunk.column(roles.at))
            problems = first_problems(problems, date_problems)
        for i, problem in chunk.problems.items():
            problems[i] = problems[i] or problem
        valid = no_problem(problems)
        return Judged(coords, problems, valid, self._verdicts(coords, valid, days))

    def complete(self, chunk: Chunk, judged: Judged, roles: Roles, duplicates: DuplicateFinder) -> Results:
        """Duplicates against every earlier row (so chunks come here in order) and the errors."""
        coords, problems, valid, verdicts = judged.coords, judged.problems, judged.valid, judged.verdicts
        ids = chunk.column(roles.apk_id) if roles.apk_id else None
        duplicate_of = duplicates.find(coords.lon, coords.lat, chunk.lines, ids=ids, valid=valid)
        status = verdicts.column("status")
        invalid = np.flatnonzero(~valid)
        errors = pa.nulls(len(chunk), pa.string())
        if len(invalid):
            texts = np.full(len(chunk), None, dtype=object)
            texts[invalid] = [self.message(problems[i], int(chunk.lines[i])) for i in invalid]
            errors = pa.array(texts, type=pa.string())
        columns = {name: verdicts.column(name) for name in RESULT_SCHEMA.names if name in verdicts.column_names}
        columns["line"] = pa.array(chunk.lines, type=pa.int64())
        columns["error"] = errors
        columns["duplicate_of"] = pa.array(duplicate_of, mask=duplicate_of == 0, type=pa.int64())
        table = pa.table([columns[name] for name in RESULT_COLUMNS], schema=RESULT_SCHEMA)
        return Results(table, coords.lon, coords.lat, status)

    def _coordinates(self, chunk: Chunk, roles: Roles) -> Coordinates:
        if roles.pair:
            return parse_pair_column(chunk.column(roles.pair), self.area)
        assert roles.lat is not None and roles.lon is not None  # detect() finds a pair or both
        return parse_columns(chunk.column(roles.lat), chunk.column(roles.lon), self.area)

    def _verdicts(self, coords: Coordinates, valid: np.ndarray, days) -> pa.Table:
        """The engine's verdict columns for every row; null (and status 'invalid') where invalid."""
        index = np.flatnonzero(valid)
        if len(index):
            ats = self.now if days is None else days[index]
            table = self.engine.check_many(coords.lon[index], coords.lat[index], ats).arrow()
        else:
            table = pa.Table.from_pylist([], schema=VERDICT_SCHEMA)
        if len(index) < len(valid):  # the invalid rows back in, as nulls
            position = np.full(len(valid), -1, dtype="int64")
            position[index] = np.arange(len(index))
            table = table.take(pa.array(position, mask=position < 0))
        status = pc.fill_null(table.column("status"), "invalid")
        return table.set_column(table.schema.get_field_index("status"), "status", status)

    def message(self, problem: Problem, line: int) -> str:
        """The clerk-readable reason for one invalid row."""
        values = dict(problem.values)
        if "axis" in values:
            values["axis"] = self.catalog.get(f"batch.axis.{values['axis']}", self.lang)
        if "part" in values:
            values["part"] = self.catalog.get(f"batch.part.{values['part']}", self.lang)
        text = self.catalog.get(f"batch.error.{problem.code}", self.lang, **values)
        return self.catalog.get("batch.error.line", self.lang, line=line, message=text)

    # -- outputs ---------------------------------------------------------------------------------

    @staticmethod
    def _violations(chunk: Results) -> gpd.GeoDataFrame:
        import geopandas as gpd

        hit = rows_with(chunk.status, "violation")
        attrs = chunk.table.take(pa.array(hit, type=pa.int64())).to_pandas()
        return gpd.GeoDataFrame(attrs, geometry=shapely.points(chunk.lon[hit], chunk.lat[hit]), crs=4326)



# The Validator of a judging process (``Validator(processes=True)``): handed over by fork when
# the process starts, so the engine is shared copy-on-write and never pickled.
_ADOPTED: Validator | None = None


def _adopt(validator: Validator) -> None:
    global _ADOPTED
    _ADOPTED = validator


def _judge_adopted(chunk: Chunk, roles: Roles) -> Judged:
    assert _ADOPTED is not None, "set by _adopt when the judging process starts"
    return _ADOPTED.judge(chunk, roles)


def _judged_columns(chunk: Chunk, roles: Roles) -> Chunk:
    """The chunk with only the columns :meth:`Validator.judge` reads (less to send)."""
    names = [c for c in (roles.lat, roles.lon, roles.pair, roles.at) if c]
    return Chunk(chunk.table.select(list(dict.fromkeys(names))), chunk.lines, chunk.problems)


def validate_bytes(engine, data: bytes, **options) -> tuple[bytes, Summary]:
    """Validate a CSV held in memory; the results CSV as bytes."""
    out = io.BytesIO()
    summary = Validator(engine, **options).run(data, out)
    return out.getvalue(), summary
