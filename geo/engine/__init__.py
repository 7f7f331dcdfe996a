"""The verdict engine: exact exclusion-zone verdicts in metres, one point or a column of them."""
from geo.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "engine": ["Engine"],
    "verdict": ["CoverageNote", "Hit", "Regency", "VERDICT_STATUSES", "Verdict"],
    "verdict_batch": ["VerdictBatch", "VerdictSource"],
    "explain": ["category_labels", "describe", "headline", "long_date"],
    "indexes": ["UtmZoneCache", "ZoneIndex", "ZoneSites"],
    "locator": ["Located", "RegencyLocator"],
    "allowed": ["AllowedIndex"],
})
