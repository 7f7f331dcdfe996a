"""zonasi's engine: layers, rules, CRS, exact metric checks. Knows nothing of the web."""
from .batch import Batch
from .engine import Engine
from .errors import ConfigError, Conflict, InputError, NotFound, TooLarge, Unavailable, ZonasiError
from .layers import Layers, bundled_layers_dir, load_layers
from .rules import CATEGORIES, Rules, load_rules, parse_rules
from .verdict import STATUSES, Hit, Regency, Verdict

__all__ = ["Batch", "CATEGORIES", "ConfigError", "Conflict", "Engine", "Hit", "InputError", "Layers",
           "NotFound", "Regency", "Rules", "STATUSES", "TooLarge", "Unavailable", "Verdict", "ZonasiError",
           "bundled_layers_dir", "load_layers", "load_rules", "parse_rules"]
