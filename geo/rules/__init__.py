"""The rules: categories with their distances, labels and legal basis, campaign periods, per-regency
overrides (``rules.toml``)."""
from geo.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "model": ["CATEGORIES", "Category", "Period", "RegencyRule", "Rules", "RulesFile", "RulesSettings", "line_of",
              "load_rules", "parse_rules"],
})
