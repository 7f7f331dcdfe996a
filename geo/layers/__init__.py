"""A layers directory: regencies, forbidden sites, allowed zones, the feature table they are read into,
and their versions."""
from geo.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "directory": ["Layers", "PARTIAL", "bundled_layers_dir", "category_index", "content_version", "layer_paths",
                  "load_layers", "read_regencies", "regency_codes", "remove_stale_partials", "write_sites"],
    "coverage": ["Coverage", "CoverageSource", "no_coverage"],
    "coverage_file": ["COVERAGE_FILE", "CompleteEntry", "CoverageFile", "coverage_files", "load_coverage",
                      "parse_coverage"],
    "vector": ["Features", "read_features", "read_vector"],
    "allowed": ["AllowedZones", "load_allowed", "rules_version"],
    "versions": ["inventory", "read_manifest", "record"],
    "places": ["PlaceMatch", "RegencyNames"],
    "coverage_write": ["Declaration"],
})
