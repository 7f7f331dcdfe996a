"""Importing sites into a layers directory: GIS files of any format GDAL reads, and OpenStreetMap extracts."""
from geo.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "files": ["ImportOptions", "ImportReport", "import_file", "parse_mapping", "slug", "within_lonlat"],
    "osm": ["import_osm", "load_tag_table"],
    "limits": ["ReadLimits", "check_zip"],
})
