"""Exports: the registry of file formats (GeoJSON, CSV, KML, GeoPackage), their writers, and defusing
spreadsheet formulas."""
from geo.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "formats": ["FORMATS", "Format", "format_for_path", "format_names", "get_format"],
    "drivers": ["ChunkWriter", "Writer"],
    "frames": ["PRECISION", "csv_frame", "to_frame"],
    "writers": ["FeatureSink", "to_bytes", "write_features"],
    "defuse": ["defuse_formula", "defuse_formulas", "defuse_table"],
    "dialects": ["DEFAULT_DIALECT", "DIALECTS", "CsvDialect", "dialect_names", "excel_csv", "get_dialect"],
})
