"""Exclusion zones for drawing and export (never for verdicts), and the printable map."""
from geo.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "exclusion": ["ExclusionZoneCache", "check_categories", "exclusion_zones", "regencies_in_bbox", "select"],
    "printmap": ["render_map"],
})
