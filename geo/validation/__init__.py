"""Validating a spreadsheet of reported props: reading CSV and workbooks (.xlsx, .ods) as offices
send them, coordinates and dates as people write them, duplicates, and a verdict for every row in
bounded memory; a template to start from."""
from geo.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "pipeline": ["TooManyRows", "Validator", "validate_bytes"],
    "results": ["RESULT_COLUMNS", "ROW_STATUSES", "Summary"],
    "coords": ["CoordinateError", "parse_columns", "parse_pair", "parse_pair_column", "parse_value"],
    "duplicates": ["DuplicateFinder"],
    "reading": ["CsvFile", "UnreadableFile", "detect"],
    "reading.sheet": ["SheetFile", "UnreadableWorkbook", "open_table"],
    "template": ["XLSX_MEDIA_TYPE", "template_csv", "template_xlsx"],
})
