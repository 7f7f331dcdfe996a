"""CSV dialects: the one list of the forms a CSV download comes in (``?dialect=``).

- ``machine`` (the API's default): ``,`` between values, decimal points, UTF-8 without BOM,
  the field names and codes as they are, times in ISO 8601 UTC: what programs read.
- ``excel-id``: what Excel set to Indonesian opens by double-click: ``;`` between values,
  decimal commas (12,5), UTF-8 with a BOM (so Excel reads the accents), Indonesian headers and
  labels (statuses, verdicts, prop types, categories) and times in the regency's local time
  with WIB, WITA or WIT.

    dialect = get_dialect(request.args.get("dialect"))          # InputError for an unknown one
    body = excel_csv(rows, catalog, category_label=rules.category_label)  # rows: dicts, e.g. reports
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from geo.clock import LABELS, ZONES, zone_label
from geo.errors import InputError
from geo.exports.defuse import defuse_formula


@dataclass(frozen=True)
class CsvDialect:
    """One form of CSV: separator, decimal mark, byte-order mark, localised headers and labels."""

    name: str
    label: str
    delimiter: str
    decimal: str
    bom: bool
    localised: bool
    help: str = ""          # what it is, in a line (the CLI's --help reads it)


DIALECTS: dict[str, CsvDialect] = {d.name: d for d in (
    CsvDialect("machine", "CSV", ",", ".", False, False,
               "',' between values (a results file keeps the input's separator), decimal points, the codes "
               "as they are: what programs read"),
    CsvDialect("excel-id", "Excel (Indonesia)", ";", ",", True, True,
               "what Excel set to Indonesian opens by double-click: ';', decimal commas, UTF-8 with a BOM, "
               "Indonesian headers and labels, times with WIB/WITA/WIT"),
)}
DEFAULT_DIALECT = "machine"
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$")
# columns whose codes become the catalog's words: column -> catalog key prefix
LABELLED = {"status": "ui.report_status.", "verdict_status": "status.", "current_verdict": "status.",
            "apk_type": "ui.apk_type.", "state": "ui.report_status."}
YES, NO = "ya", "tidak"


def dialect_names() -> list[str]:
    """The names of the dialects, the default first."""
    return list(DIALECTS)


def get_dialect(name: str | None) -> CsvDialect:
    """The dialect called ``name`` (None or empty: the default); an InputError naming the others."""
    if name is None or not str(name).strip():
        return DIALECTS[DEFAULT_DIALECT]
    key = str(name).strip().lower()
    if key not in DIALECTS:
        known = ", ".join(DIALECTS)
        raise InputError(f"dialect={str(name)[:40]!r} is not known; use one of {known}",
                         message_id="export.unknown_dialect",
                         message_values={"dialect": str(name)[:40], "known": known}, parameter="dialect")
    return DIALECTS[key]


def local_time(value: str, regency_code: str | None) -> str:
    """An ISO instant as ``DD/MM/YYYY HH:MM`` in the regency's zone, with WIB, WITA or WIT."""
    instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    label = zone_label(regency_code) or LABELS[0]
    local = instant.astimezone(ZONES[LABELS.index(label)])
    return f"{local:%d/%m/%Y %H:%M} {label}"


def decimal_text(value: float, mark: str) -> str:
    """A number with ``mark`` as its decimal separator, in its shortest exact form (no exponent)."""
    if not math.isfinite(value):
        return ""
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = f"{value:.15f}".rstrip("0").rstrip(".")
    if text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", mark)


def excel_csv(rows: Iterable[dict], catalog, *, lang: str = "id", dialect: CsvDialect | None = None,
              columns: list[str] | None = None, category_label: Callable[[str], str] | None = None) -> bytes:
    """``rows`` (dicts) as CSV in a localised dialect (default ``excel-id``): its separator,
    decimal mark and BOM, headers from the catalog (``export.column.<name>``, else the name),
    codes as the catalog's words, times local with their zone, text defused of formulas."""
    dialect = dialect or DIALECTS["excel-id"]
    rows = list(rows)
    if columns is None:
        columns = []
        for row in rows:
            columns += [k for k in row if k not in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\r\n")
    messages = catalog.messages.get(lang, {})
    writer.writerow([messages.get(f"export.column.{c}", c) for c in columns])
    for row in rows:
        writer.writerow([_cell(c, row.get(c), row, dialect, messages, category_label) for c in columns])
    text = buffer.getvalue()
    return (("\ufeff" if dialect.bom else "") + text).encode("utf-8")


def _cell(column: str, value, row: dict, dialect: CsvDialect, messages: dict,
          category_label: Callable[[str], str] | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return decimal_text(value, dialect.decimal)
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    text = str(value)
    if column in LABELLED:
        return messages.get(LABELLED[column] + text, text)
    if column == "category" and category_label is not None:
        return category_label(text)
    if ISO_TIME.match(text):
        try:
            return local_time(text, row.get("regency_code"))
        except ValueError:
            pass
    return defuse_formula(text)
