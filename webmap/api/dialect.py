"""``?dialect=`` of the CSV downloads (see :mod:`geo.exports.dialects`): ``machine`` (default) or
``excel-id`` (``;``, decimal commas, BOM, Indonesian headers and labels, local times)."""
from __future__ import annotations

from flask import Response, request

from geo.exports import CsvDialect, excel_csv, get_dialect

from ..services import services


def dialect_arg() -> CsvDialect:
    """The request's CSV dialect (400 for an unknown one)."""
    return get_dialect(request.args.get("dialect"))


def localised_csv(rows: list[dict], dialect: CsvDialect, filename: str) -> Response:
    """``rows`` as a CSV attachment in a localised ``dialect``."""
    s = services()
    body = excel_csv(rows, s.catalog, dialect=dialect, category_label=s.engine.rules.category_label)
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
