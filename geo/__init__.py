"""zonasi's engine: layers, rules, CRS, exact metric checks. Knows nothing of the web."""
from geo.engine.engine import Engine
from geo.engine.verdict import VERDICT_STATUSES, Hit, Regency, Verdict
from geo.engine.verdict_batch import VerdictBatch
from geo.errors import ConfigError, Conflict, InputError, NotFound, TooLarge, Unavailable, ZonasiError
from geo.layers.directory import Layers, bundled_layers_dir, load_layers
from geo.rules.model import CATEGORIES, Rules, load_rules, parse_rules

__all__ = ["VerdictBatch", "CATEGORIES", "ConfigError", "Conflict", "Engine", "Hit", "InputError", "Layers",
           "NotFound", "Regency", "Rules", "VERDICT_STATUSES", "TooLarge", "Unavailable", "Verdict", "ZonasiError",
           "bundled_layers_dir", "load_layers", "load_rules", "parse_rules"]
