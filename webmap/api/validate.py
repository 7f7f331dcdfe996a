"""Batch validation over HTTP: a CSV or workbook upload in, the results CSV (or the violations) out.

    POST /api/validate                    multipart/form-data, the CSV, .xlsx or .ods in a file field ("file")
         ?format=csv|geojson              results CSV (default) or the violations as GeoJSON
         &dialect=machine|excel-id        of the results CSV (geo.exports.dialects): machine (default: the
                                          input's separator, decimal points, codes) or excel-id (';',
                                          decimal commas, a BOM, Indonesian headers and labels)
         &at_column=NAME                  column with the date each prop stood (default: a column
                                          named tanggal/date/waktu..., else every row as of now)
         &sheet=NAME|NUMBER               of a workbook, the sheet to read (default: the first visible one)
         &lang=id|en                      language of the error column
    GET  /api/validate/template.xlsx      a template to fill in (also template.csv)

Uploads with more rows than ``Settings.max_web_rows`` are refused (413), and an upload whose
checking takes longer than ``Settings.validate_time_budget_s`` is stopped (503), both with a
pointer to ``zonasi validate``, which has neither limit. The summary travels in the
``X-Zonasi-Summary`` header.
"""
from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from flask import Blueprint, Response, request

from geo import InputError
from geo.clock import Clock
from geo.engine import long_date
from geo.exports import get_dialect, get_format
from geo.validation import XLSX_MEDIA_TYPE, Validator, template_csv, template_xlsx

from ..services import services

bp = Blueprint("batch", __name__, url_prefix="/api")
FORMATS = ("csv", "geojson")  # the results table, or the violations as an export format
WEB_CHUNK_ROWS = 10_000  # the time budget is checked between chunks: small ones stop soon after it is spent


@bp.post("/validate")
def validate():
    """Validate an uploaded CSV or workbook sheet (.xlsx, .ods): a verdict for every row."""
    s = services()
    upload = request.files.get("file") or next(iter(request.files.values()), None)
    if upload is None:
        raise InputError("send the CSV or workbook as multipart/form-data in a file field named 'file'",
                         message_id="batch.no_file", parameter="file")
    fmt = (request.args.get("format") or "csv").lower()
    if fmt not in FORMATS:
        raise InputError(f"format={fmt!r}: use csv or geojson", message_id="batch.bad_format",
                         message_values={"format": fmt[:40]}, parameter="format")
    dialect = get_dialect(request.args.get("dialect") or request.form.get("dialect"))  # 400 for an unknown one
    lang = s.catalog.language(request.args.get("lang") or request.form.get("lang") or s.settings.language)
    at_column = request.args.get("at_column") or request.form.get("at_column") or None
    sheet = request.args.get("sheet") or request.form.get("sheet") or None
    now = s.clock.now()  # rows of a file without a date column are judged as of now
    validator = Validator(s.engine, s.catalog, lang, at_column=at_column, sheet=sheet, max_rows=s.settings.max_web_rows,
                          chunk_rows=WEB_CHUNK_ROWS, time_budget_s=s.settings.validate_time_budget_s, now=now,
                          dialect=dialect)
    stem = Path(upload.filename or "laporan.csv").stem or "laporan"
    if fmt == "csv":
        out = io.BytesIO()
        summary = validator.run(upload.stream, out)
        response = Response(out.getvalue(), mimetype="text/csv")
        if dialect.localised:
            response.headers["Content-Type"] = "text/csv; charset=utf-8"
        suffix = "" if dialect.name == "machine" else "-" + dialect.name.split("-")[0]  # laporan-hasil-excel.csv
        response.headers["Content-Disposition"] = f'attachment; filename="{_safe(stem)}-hasil{suffix}.csv"'
    else:
        export = get_format(fmt)
        with tempfile.TemporaryDirectory(prefix="zonasi-") as tmp:
            path = Path(tmp) / f"violations{export.extension}"
            summary = validator.run(upload.stream, io.BytesIO(), violations=path)
            body = path.read_bytes()
        response = Response(body, mimetype=export.media_type)
        response.headers["Content-Disposition"] = f'attachment; filename="{_safe(stem)}-pelanggaran{export.extension}"'
    response.headers["X-Zonasi-Summary"] = json.dumps(_dated(summary.to_dict(), now, lang), ensure_ascii=True)
    return response


@bp.get("/validate/template.xlsx")
def template_xlsx_file():
    """The template of a spreadsheet of reports, as an Excel workbook."""
    return _attachment(template_xlsx(), XLSX_MEDIA_TYPE, "templat-laporan-apk.xlsx")


@bp.get("/validate/template.csv")
def template_csv_file():
    """The template of a spreadsheet of reports, as CSV (UTF-8 with a BOM)."""
    return _attachment(template_csv(), "text/csv", "templat-laporan-apk.csv")


def _attachment(body: bytes, mimetype: str, filename: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _dated(summary: dict, now, lang: str) -> dict:
    """The summary with the date the rows were judged at: the column used, or now (its WIB date)."""
    s = services()
    if summary.get("at_column"):
        summary["dates"] = s.catalog.get("ui.batch.at_column", lang, column=summary["at_column"])
    else:
        today = long_date(Clock(now).today(), s.catalog, lang) + " (WIB)"
        summary["now"] = now.isoformat()
        summary["dates"] = s.catalog.get("ui.batch.at_now", lang, date=today)
    return summary


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:80]
